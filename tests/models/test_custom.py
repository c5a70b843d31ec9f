"""Custom layers as the book writes them, Lambda, and add_loss."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.layers import Dense, Lambda, Layer, register_layer
from pynet.models import Input, Model, NoGradientError, Sequential


class Scale(Layer):
    """y = x · w (one weight per feature), written Keras's way with build/call/backward."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
        super().build(input_shape)

    def call(self, x):
        self._x = x
        return x * self.w

    def backward(self, grad):
        self.grads["w"][...] = (grad * self._x).sum(axis=0)
        return grad * self.w


class CallOnly(Layer):
    """A layer with a weight and only ``call``: it cannot be trained without autodiff."""

    def build(self, input_shape):
        self.add_weight("w", (input_shape[-1],), "ones")
        super().build(input_shape)

    def call(self, x):
        return np.tanh(x) * self.params["w"]


def test_a_custom_layer_with_build_call_backward_passes_a_gradient_check():
    model = Sequential([Dense(3, input_shape=(2,), dtype="float64"), Scale(dtype="float64"),
                        Dense(1, dtype="float64")])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    model.layers[1].params["w"][...] = rng.uniform(0.5, 1.5, 3)
    report = model.check_gradients(rng.standard_normal((7, 2)), rng.standard_normal((7, 1)),
                                   samples=50)
    assert report.ok, str(report)
    assert model.layers[1].count_params() == 3


def test_training_through_a_layer_without_gradient_names_it():
    model = Sequential([Dense(3, input_shape=(2,)), CallOnly(name="opaque"), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    with pytest.raises(NotImplementedError, match="'opaque'"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)


def test_lambda_infers_its_shape_and_needs_no_gradient_at_the_input():
    x = Input(shape=(4,))
    halves = Lambda(lambda t: t[:, :2] * 0.5, name="half")(x)
    assert halves.shape == (None, 2)
    model = Model(x, Dense(1)(halves))
    model.compile(optimizer="sgd", loss="mse")
    data = np.arange(8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_allclose(model.layers[1].forward(data), data[:, :2] * 0.5)
    model.fit(data, np.ones((2, 1)), epochs=2, verbose=0)   # nothing trainable before it: fine


def test_lambda_between_trainable_layers_raises_unless_given_a_backward():
    x = Input(shape=(3,))
    h = Dense(3, name="before")(x)
    sq = Lambda(lambda t: np.square(t), name="square")(h)     # NumPy: no tape sees it
    model = Model(x, Dense(1)(sq))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(NotImplementedError, match="'square'"):
        model.train_on_batch(np.ones((2, 3)), np.ones((2, 1)))

    x = Input(shape=(3,), dtype="float64")
    h = Dense(3, dtype="float64", bias_initializer="random_normal")(x)
    sq = Lambda(lambda t: t ** 2, backward=lambda t, y, g: 2 * t * g, dtype="float64")(h)
    model = Model(x, Dense(1, dtype="float64")(sq))
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(1)
    report = model.check_gradients(rng.standard_normal((5, 3)), rng.standard_normal((5, 1)))
    assert report.ok, str(report)


def test_lambda_on_a_list_of_tensors():
    a, b = Input(shape=(2,)), Input(shape=(2,))
    diff = Lambda(lambda ts: ts[0] - ts[1])([a, b])
    model = Model([a, b], diff)
    out = model.predict([np.ones((3, 2)), np.full((3, 2), 0.25)])
    np.testing.assert_allclose(out, 0.75)


class ActivityPenalty(Layer):
    """Identity that adds ``c · Σ x²`` (mean over the batch) to the loss, with its gradient."""

    def __init__(self, c, **kwargs):
        super().__init__(**kwargs)
        self.c = c

    def forward(self, x, training=False):
        self._losses = []
        self._x = x
        if training:
            self.add_loss(self.c * np.sum(x ** 2) / x.shape[0])
        return x

    def backward(self, grad):
        return grad + 2 * self.c * self._x / self._x.shape[0]


def test_add_loss_joins_the_training_loss_and_its_gradient_checks():
    x = Input(shape=(3,), dtype="float64")
    h = ActivityPenalty(0.3, dtype="float64")(Dense(2, dtype="float64")(x))
    model = Model(x, Dense(1, dtype="float64")(h))
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(2)
    xs, ys = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    loss = model.train_on_batch(xs, ys)
    # the reported training loss is the data loss plus the penalty of the same forward pass
    assert loss > 0
    from pynet.models.training import train_step
    model._start_training()
    outs = model._runner.forward([xs], training=True)
    penalty = model._runner.extra_losses()
    hidden = model.layers[1].forward(xs)
    assert penalty == pytest.approx(0.3 * np.sum(hidden ** 2) / 6)


class TanhScale(Layer):
    """``y = tanh(x) · w`` written only with pynet.autodiff operations: no backward needed."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
        super().build(input_shape)

    def call(self, x):
        from pynet import autodiff as ad
        return ad.multiply(ad.tanh(ad.as_tensor(x)), self.w)


def test_a_layer_written_with_autodiff_ops_trains_without_a_backward():
    model = Sequential([Dense(3, input_shape=(2,), dtype="float64", bias_initializer="random_normal"),
                        TanhScale(dtype="float64", name="auto"), Dense(1, dtype="float64")])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(5)
    model.get_layer("auto").params["w"][...] = rng.uniform(0.5, 1.5, 3)
    report = model.check_gradients(rng.standard_normal((6, 2)), rng.standard_normal((6, 1)),
                                   samples=50)
    assert report.ok, str(report)


def test_a_lambda_written_with_autodiff_ops_is_differentiated():
    from pynet import autodiff as ad
    x = Input(shape=(3,), dtype="float64")
    h = Dense(3, dtype="float64", bias_initializer="random_normal")(x)
    sq = Lambda(lambda t: ad.square(ad.as_tensor(t)) * 0.5, dtype="float64", name="half_square")(h)
    model = Model(x, Dense(1, dtype="float64")(sq))
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(6)
    report = model.check_gradients(rng.standard_normal((5, 3)), rng.standard_normal((5, 1)))
    assert report.ok, str(report)
