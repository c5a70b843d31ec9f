"""Conv1D and the 1-D pooling layers on sequences of any length: ``input_shape=(None, features)``.

Chollet builds his series convnets with ``input_shape=(None, 14)`` (listings 6.47 and 6.49): the
weights depend on the features only, so one model reads windows of any length. The built output
shape then has ``None`` steps and each batch brings its own; a batch too short for a 'valid'
window is refused with the layer's name. Keras 3 (on PyTorch) is the oracle for the shapes and the
numbers with the same weights; finite differences check the gradients at two lengths.
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers
from pynet.gradient_check import check_gradients, numerical_gradient, relative_error
from pynet.layers import (
    GRU, AveragePooling1D, Conv1D, Dense, GlobalAveragePooling1D, GlobalMaxPooling1D,
    MaxPooling1D,
)
from pynet.layers.base import using_backend
from pynet.models import Input, Model
from pynet.sequential import Sequential

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")   # Keras's NumPy 2 notes


@pytest.fixture(autouse=True)
def _seeded_initializers():
    initializers.set_seed(12)


def any_length_layers():
    """One of each layer, with the arguments that change the length arithmetic."""
    return [Conv1D(4, 3), Conv1D(3, 2, strides=2, padding="same", activation="relu"),
            Conv1D(2, 3, padding="causal", dilation_rate=2, activation="tanh"),
            MaxPooling1D(3), MaxPooling1D(2, strides=1, padding="same"), AveragePooling1D(2),
            AveragePooling1D(3, padding="same"), GlobalMaxPooling1D(), GlobalAveragePooling1D(),
            GlobalAveragePooling1D(keepdims=True)]


@pytest.mark.parametrize("index", range(10))
def test_built_with_none_steps_the_output_has_none_steps(index):
    layer = any_length_layers()[index]
    layer.build((None, 5))
    out = layer.output_shape
    if isinstance(layer, (GlobalMaxPooling1D, GlobalAveragePooling1D)):
        assert out == ((1, 5) if layer.keepdims else (5,))     # the steps axis is gone
    else:
        assert out[0] is None and out[1] is not None
    if isinstance(layer, Conv1D):
        assert layer.params["kernel"].shape == (layer.kernel_size, 5, layer.filters)


def test_the_books_listing_6_49_chain_reads_two_lengths():
    """Conv1D(32, 5) → MaxPooling1D(3) → Conv1D(32, 5) → GRU(32) → Dense(1) on (None, 14):
    240 steps → 236 → 78 → 74 → GRU; 120 steps → 116 → 38 → 34 → GRU — same weights."""
    model = Sequential([Conv1D(32, 5, activation="relu", input_shape=(None, 14)),
                        MaxPooling1D(3), Conv1D(32, 5, activation="relu"), GRU(32), Dense(1)])
    assert [layer.output_shape for layer in model.layers] == [
        (None, 32), (None, 32), (None, 32), (32,), (1,)]
    assert model.count_params() == (5 * 14 * 32 + 32) + (5 * 32 * 32 + 32) + 3 * 32 * (32 + 32 + 2) + 33
    text = model.summary(print_fn=lambda s: None)
    assert "(None, None, 32)" in text
    rng = np.random.default_rng(0)
    for steps, inner in [(240, 74), (120, 34)]:
        x = rng.normal(size=(3, steps, 14)).astype(np.float32)
        h = x
        for layer in model.layers[:3]:
            h = layer(h)
        assert h.shape == (3, inner, 32)
        assert model.predict(x).shape == (3, 1)
    model.compile(optimizer="rmsprop", loss="mae")
    before = model.get_weights()[0].copy()
    for steps in (60, 90):                      # two fits, two lengths
        model.fit(rng.normal(size=(8, steps, 14)).astype(np.float32),
                  rng.normal(size=8).astype(np.float32), epochs=1, batch_size=4, verbose=0)
    assert not np.allclose(before, model.get_weights()[0])


def test_functional_input_with_none_steps():
    x_in = Input(shape=(None, 2))
    h = Conv1D(4, 3, activation="relu")(x_in)
    h = AveragePooling1D(2)(h)
    out = Dense(1)(GlobalAveragePooling1D()(h))
    model = Model(x_in, out)
    assert model.layers[1].output_shape == (None, 4)
    assert "(None, None, 4)" in model.summary(print_fn=lambda s: None)
    for steps in (5, 11):
        assert model.predict(np.ones((2, steps, 2), np.float32)).shape == (2, 1)


def test_a_batch_too_short_is_refused_by_name():
    model = Sequential([Conv1D(8, 5, input_shape=(None, 2)), MaxPooling1D(3)])
    with pytest.raises(ValueError, match=r"Conv1D 'conv1d_\d+'.*window spans 5"):
        model.predict(np.zeros((1, 4, 2), np.float32))
    with pytest.raises(ValueError, match=r"MaxPooling1D .*window spans 3"):
        model.predict(np.zeros((1, 6, 2), np.float32))         # conv gives 2 steps
    with pytest.raises(ValueError, match="known number of features"):
        Conv1D(2, 3).build((5, None))


def test_features_stay_fixed_when_steps_are_free():
    layer = Conv1D(2, 3)
    layer.build((None, 4))
    layer(np.zeros((1, 7, 4), np.float32))
    layer(np.zeros((1, 30, 4), np.float32))
    with pytest.raises(ValueError, match=r"expected input of shape \(None, None, 4\)"):
        layer(np.zeros((1, 7, 3), np.float32))


# -- gradients at two lengths, both backends ---------------------------------------------------

@pytest.mark.parametrize("index", range(10))
def test_gradients_at_two_lengths(index, backend_name):
    rng = np.random.default_rng(100 + index)
    layer = any_length_layers()[index]
    layer.dtype = np.dtype("float64")
    layer.build((None, 3))
    if layer.params:
        for key in layer.params:
            layer.params[key][...] = rng.normal(size=layer.params[key].shape)
    with using_backend(backend_name):
        for steps in (7, 12):
            x = rng.normal(size=(2, steps, 3))
            y = layer(x)
            r = rng.normal(size=y.shape)

            def loss():
                return float(np.sum(layer.forward(x) * r))

            layer.forward(x)
            dx = layer.backward(r)
            if layer.params:
                analytic = {k: g.copy() for k, g in layer.grads.items()}
                report = check_gradients(loss, layer.params, analytic, tolerance=1e-5)
                assert report.ok, str(report)
            num_dx = numerical_gradient(loss, x)
            assert dx.shape == x.shape
            assert relative_error(dx, num_dx).max() < 1e-5


# -- Keras 3 as the oracle --------------------------------------------------------------------

KERAS_CASES = [
    ("Conv1D", dict(filters=4, kernel_size=3)),
    ("Conv1D", dict(filters=3, kernel_size=2, strides=2, padding="same", activation="relu")),
    ("Conv1D", dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2)),
    ("MaxPooling1D", dict(pool_size=3)),
    ("MaxPooling1D", dict(pool_size=2, strides=1, padding="same")),
    ("AveragePooling1D", dict(pool_size=2)),
    # not AveragePooling1D(padding='same'): Keras 3 on torch counts a padded window's edge
    # differently from TensorFlow's Keras and pynet (see test_conv1d.py); strided 'valid' instead
    ("AveragePooling1D", dict(pool_size=3, strides=2)),
    ("GlobalMaxPooling1D", {}),
    ("GlobalAveragePooling1D", {}),
]


@pytest.mark.parametrize("name, kwargs", KERAS_CASES)
def test_same_shapes_and_numbers_as_keras_on_two_lengths(require, name, kwargs, backend_name):
    from tests.layers.keras_oracle import keras_or_skip

    keras = keras_or_skip(require)
    keras.utils.set_random_seed(6)
    floatx = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        rng = np.random.default_rng(6)
        k_in = keras.Input(shape=(None, 3), dtype="float64")
        k_layer = getattr(keras.layers, name)(dtype="float64", **kwargs)
        k_model = keras.Model(k_in, k_layer(k_in))
        if k_layer.weights:
            k_layer.set_weights([w + rng.normal(size=w.shape) for w in k_layer.get_weights()])
        from pynet import layers
        p_layer = getattr(layers, name)(dtype="float64", **kwargs)
        p_layer.build((None, 3))
        p_layer.set_weights(k_layer.get_weights())
        assert p_layer.output_shape == tuple(k_model.output.shape[1:])   # None steps in both
        for steps in (9, 14):
            x = rng.normal(size=(2, steps, 3))
            with using_backend(backend_name):
                y = p_layer(x)
            want = np.asarray(keras.ops.convert_to_numpy(k_model(x)))
            assert y.shape == want.shape
            np.testing.assert_allclose(y, want, rtol=2e-6, atol=2e-6)
    finally:
        keras.config.set_floatx(floatx)


# -- the recurrent layers that follow them --------------------------------------------------------

def test_stacked_and_bidirectional_grus_train_on_none_steps():
    """Listing 6.41 (a GRU with return_sequences feeding a GRU) and 6.44 (Bidirectional) on
    ``(None, 2)``: the gradient of a whole-sequence output takes this batch's length."""
    from pynet.layers import Bidirectional

    rng = np.random.default_rng(5)
    for first in (GRU(4, return_sequences=True, input_shape=(None, 2)),
                  Bidirectional(GRU(3, return_sequences=True), input_shape=(None, 2))):
        model = Sequential([first, GRU(3), Dense(1)])
        assert model.layers[0].output_shape[0] is None
        model.compile(optimizer="sgd", loss="mse")
        for steps in (5, 8):
            loss = model.train_on_batch(rng.normal(size=(4, steps, 2)).astype(np.float32),
                                        rng.normal(size=4).astype(np.float32))
            assert np.isfinite(loss)


def test_gru_sequence_gradient_with_none_steps(backend_name):
    """Finite differences through GRU(return_sequences=True) built on None steps."""
    rng = np.random.default_rng(9)
    layer = GRU(3, return_sequences=True, dtype="float64")
    layer.build((None, 2))
    for steps in (4, 6):
        x = rng.normal(size=(2, steps, 2))
        with using_backend(backend_name):
            y = layer(x)
            r = rng.normal(size=y.shape)

            def loss():
                return float(np.sum(layer.forward(x) * r))

            layer.forward(x)
            dx = layer.backward(r)
            analytic = {k: g.copy() for k, g in layer.grads.items()}
            report = check_gradients(loss, layer.params, analytic, tolerance=1e-5)
            assert report.ok, str(report)
            assert relative_error(dx, numerical_gradient(loss, x)).max() < 1e-5
