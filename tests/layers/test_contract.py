"""The layer contract, exercised by a layer written here the way a user (or issue 7's Conv2D)
writes one: add_weight, build, forward/backward, register_layer, config — then Sequential
trains, summarises, saves and loads it without knowing anything about it."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.layers import Dense, Layer, register_layer
from pynet.layers.base import get_layer_class
from pynet.sequential import Sequential, load_model


@register_layer
class Scale(Layer):
    """y = x ⊙ s, one learnable scale per feature (a toy layer for the contract)."""

    name_prefix = "scale"

    def build(self, input_shape):
        self.add_weight("scale", (input_shape[-1],), "ones")
        self.add_weight("frozen_offset", (input_shape[-1],), "zeros", trainable=False)
        super().build(input_shape)

    def forward(self, x, training=False):
        self._x = x
        return x * self.params["scale"] + self.params["frozen_offset"]

    def backward(self, grad):
        self.grads["scale"][...] = (grad * self._x).sum(axis=0)
        self.grads["frozen_offset"][...] = grad.sum(axis=0)
        return grad * self.params["scale"]


def test_custom_layer_works_everywhere(tmp_path, rng):
    model = Sequential([Scale(input_shape=(3,), name="s"), Dense(1)])
    assert get_layer_class("Scale") is Scale
    text = model.summary(print_fn=lambda s: None)
    assert "s (Scale)" in text and "Total params: 10" in text
    assert "Trainable params: 7" in text and "Non-trainable params: 3" in text
    model.compile(optimizer="sgd", loss="mse")
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [2.0], [-1.0]], np.float32))
    before = model.layers[0].params["frozen_offset"].copy()
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert not np.allclose(model.layers[0].params["scale"], 1.0)
    np.testing.assert_array_equal(model.layers[0].params["frozen_offset"], before)
    assert model.check_gradients(x[:4], y[:4]).ok
    model.save(tmp_path / "custom")
    again = load_model(tmp_path / "custom")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_registering_a_different_class_under_a_taken_name_fails():
    with pytest.raises(ValueError, match="already registered"):
        @register_layer
        class Dense(Layer):  # noqa: F811 - deliberately clashes with pynet's Dense
            pass
