"""Conv1D and 1-D pooling: the book's shape chain, finite-difference gradients on both backends,
PyTorch and Keras as oracles, bad input."""
from __future__ import annotations

import os

import numpy as np
import pytest

from pynet import initializers
from pynet.gradient_check import check_gradients, numerical_gradient, relative_error
from pynet.layers import (
    AveragePooling1D, Conv1D, Dense, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D,
)
from pynet.layers.base import using_backend


@pytest.fixture(autouse=True)
def _seeded_initializers():
    initializers.set_seed(11)


# -- shapes and parameter counts ------------------------------------------------------------------

def test_the_books_imdb_convnet_shape_chain():
    """Chollet listing 6.46 / Fig. 7.x: 500 → 494 → 98 → 92 → 32 (Embedding(10000, 128) first)."""
    conv1, pool = Conv1D(32, 7, activation="relu"), MaxPooling1D(5)
    conv2, top = Conv1D(32, 7, activation="relu"), GlobalMaxPooling1D()
    conv1.build((500, 128))
    assert conv1.output_shape == (494, 32) and conv1.count_params() == 7 * 128 * 32 + 32 == 28_704
    pool.build(conv1.output_shape)
    assert pool.output_shape == (98, 32)
    conv2.build(pool.output_shape)
    assert conv2.output_shape == (92, 32) and conv2.count_params() == 7 * 32 * 32 + 32 == 7_200
    top.build(conv2.output_shape)
    assert top.output_shape == (32,)


@pytest.mark.parametrize("kwargs, steps, expected", [
    (dict(padding="valid"), 10, 8), (dict(padding="same"), 10, 10), (dict(padding="causal"), 10, 10),
    (dict(strides=2), 10, 4), (dict(strides=2, padding="same"), 10, 5),
    (dict(strides=3, padding="causal"), 10, 4), (dict(dilation_rate=4), 10, 2),
    (dict(dilation_rate=4, padding="causal"), 10, 10),
])
def test_output_lengths(kwargs, steps, expected):
    layer = Conv1D(2, 3, **kwargs)
    layer.build((steps, 1))
    assert layer.output_shape == (expected, 2)
    assert layer.params["kernel"].shape == (3, 1, 2)  # Keras's (k, in, filters)


def test_pooling_shapes():
    for layer, out in [(MaxPooling1D(), (5, 3)), (MaxPooling1D(3), (3, 3)),
                       (MaxPooling1D(3, padding="same"), (4, 3)), (AveragePooling1D(2, 1), (9, 3)),
                       (GlobalAveragePooling1D(keepdims=True), (1, 3)),
                       (MaxPooling1D(2, data_format="channels_first"), (10, 1))]:
        layer.build((10, 3))
        assert layer.output_shape == out, layer


# -- gradients, both backends ---------------------------------------------------------------------

def _grad_check(layer, x, rng):
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
    assert relative_error(dx, num_dx).max() < 1e-5
    assert np.abs(dx - num_dx).max() < 1e-7 * max(1.0, np.abs(num_dx).max())


CONV_CASES = [
    dict(filters=3, kernel_size=3),
    dict(filters=3, kernel_size=4, strides=2, padding="same"),
    dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2),
    dict(filters=2, kernel_size=2, strides=3, padding="causal"),
    dict(filters=3, kernel_size=3, activation="tanh", padding="same"),
    dict(filters=3, kernel_size=2, activation="relu", use_bias=False),
    dict(filters=2, kernel_size=1, strides=2),
    dict(filters=2, kernel_size=3, data_format="channels_first", activation="sigmoid"),
]


@pytest.mark.parametrize("kwargs", CONV_CASES, ids=[str(k) for k in CONV_CASES])
def test_conv1d_gradients(kernels_of, backend_name, rng, kwargs):
    with using_backend(kernels_of(backend_name)):
        layer = Conv1D(dtype="float64", bias_initializer="random_normal", **kwargs)
        x = rng.normal(size=(2, 2, 9) if layer.data_format == "channels_first" else (2, 9, 2))
        _grad_check(layer, x, rng)


POOL_CASES = [MaxPooling1D, lambda: MaxPooling1D(3, 2), lambda: MaxPooling1D(2, padding="same"),
              AveragePooling1D, lambda: AveragePooling1D(3, 1, padding="same"),
              lambda: AveragePooling1D(2, data_format="channels_first"), GlobalMaxPooling1D,
              GlobalAveragePooling1D, lambda: GlobalMaxPooling1D(keepdims=True)]


@pytest.mark.parametrize("make", POOL_CASES)
def test_pooling_gradients(kernels_of, backend_name, rng, make):
    with using_backend(kernels_of(backend_name)):
        layer = make(dtype="float64") if isinstance(make, type) else make()
        if layer.dtype != np.float64:
            layer.dtype = np.dtype(np.float64)
        x = rng.normal(size=(2, 9, 3))            # distinct values: no ties, smooth max
        _grad_check(layer, x, rng)


def test_global_average_pooling_with_a_mask_ignores_padding(rng):
    layer = GlobalAveragePooling1D(dtype="float64")
    x = rng.normal(size=(2, 4, 3))
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    y = layer.forward(x, mask=mask)
    np.testing.assert_allclose(y[0], x[0, :2].mean(axis=0))
    np.testing.assert_allclose(y[1], x[1].mean(axis=0))
    g = layer.backward(np.ones((2, 3)))
    assert np.all(g[0, 2:] == 0) and np.allclose(g[0, :2], 0.5)


def test_the_first_maximum_wins_ties():
    layer = MaxPooling1D(4, dtype="float64")
    x = np.array([[[1.0], [3.0], [3.0], [0.0]]])
    layer(x)
    assert layer.backward(np.array([[[1.0]]]))[0, :, 0].tolist() == [0, 1, 0, 0]


# -- oracles -------------------------------------------------------------------------------------

@pytest.mark.parametrize("padding, dilation", [("valid", 1), ("same", 1), ("causal", 2)])
def test_conv1d_matches_pytorch_forward_and_backward(require, rng, padding, dilation):
    torch = require("torch")
    F = torch.nn.functional
    layer = Conv1D(4, 3, padding=padding, dilation_rate=dilation, dtype="float64",
                   bias_initializer="random_normal")
    x = rng.normal(size=(2, 11, 3))
    y = layer(x)
    before = {"valid": 0, "same": 1 * dilation, "causal": 2 * dilation}[padding]
    after = {"valid": 0, "same": 1 * dilation, "causal": 0}[padding]
    xt = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)
    wt = torch.tensor(layer.params["kernel"].transpose(2, 1, 0).copy(), requires_grad=True)
    bt = torch.tensor(layer.params["bias"], requires_grad=True)
    yt = F.conv1d(F.pad(xt, (before, after)), wt, bt, dilation=dilation)
    np.testing.assert_allclose(y, yt.detach().numpy().transpose(0, 2, 1), rtol=1e-10, atol=1e-10)
    g = rng.normal(size=y.shape)
    dx = layer.backward(g)
    yt.backward(torch.tensor(g.transpose(0, 2, 1)))
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 1), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads["kernel"], wt.grad.numpy().transpose(2, 1, 0),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads["bias"], bt.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.fixture(scope="module")
def keras(require):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return require("keras")


@pytest.mark.parametrize("kwargs", [dict(padding="valid"), dict(padding="same", strides=2),
                                    dict(padding="causal", dilation_rate=3)])
def test_keras_weights_load_unchanged_and_give_the_same_output(keras, rng, kwargs):
    theirs = keras.layers.Conv1D(4, 3, **kwargs)
    x = rng.normal(size=(2, 10, 3)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(theirs(x))
    ours = Conv1D(4, 3, **kwargs)
    ours.build((10, 3))
    ours.set_weights(theirs.get_weights())          # (k, in, filters) and (filters,): no reshape
    np.testing.assert_allclose(ours(x), expected, rtol=1e-5, atol=1e-5)
    for ours_pool, their_pool in [(MaxPooling1D(3, 2, padding="same"),
                                   keras.layers.MaxPooling1D(3, 2, padding="same")),
                                  # 'valid' only: for 'same', Keras 3 on the torch backend
                                  # pads border windows by repeating the edge value
                                  # ([8, 9, pad] averages to 8.67); TensorFlow's Keras (the
                                  # book's) leaves the padding out (8.5), as pynet does
                                  (AveragePooling1D(3, 2), keras.layers.AveragePooling1D(3, 2))]:
        np.testing.assert_allclose(ours_pool(x), keras.ops.convert_to_numpy(their_pool(x)), rtol=1e-6, atol=1e-6)


# -- in a model, and bad input ----------------------------------------------------------------

def test_a_small_conv1d_net_learns_where_a_pattern_is_irrelevant(rng):
    """Label 1 when the motif [1, -1, 1] appears anywhere: Conv1D + GlobalMaxPooling1D finds it."""
    from pynet.sequential import Sequential

    x = rng.normal(scale=0.3, size=(400, 20, 1)).astype(np.float32)
    y = rng.integers(0, 2, size=400).astype(np.float32)
    for i in np.flatnonzero(y):
        t = rng.integers(0, 18)
        x[i, t:t + 3, 0] = [1.5, -1.5, 1.5]
    model = Sequential([Conv1D(8, 3, activation="relu", input_shape=(20, 1)),
                        GlobalMaxPooling1D(), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])
    model.fit(x[:300], y[:300], epochs=40, batch_size=32, verbose=0)  # 0.99-1.0 over 3 seeds
    _, acc = model.evaluate(x[300:], y[300:], verbose=0)
    assert acc > 0.9


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same', 'causal'"):
        Conv1D(2, 3, padding="full")
    with pytest.raises(ValueError, match="strides > 1 cannot be combined with dilation_rate > 1"):
        Conv1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="causal.*channels_last"):
        Conv1D(2, 3, padding="causal", data_format="channels_first")
    with pytest.raises(TypeError, match="'kernel_size' must be a positive integer, got 2.5"):
        Conv1D(2, 2.5)
    with pytest.raises(ValueError, match="causal"):
        MaxPooling1D(2, padding="causal")
    with pytest.raises(ValueError, match=r"integer word indices need an Embedding"):
        Conv1D(2, 3).build((10,))
    with pytest.raises(ValueError, match="spans 7 pixels along steps"):
        Conv1D(2, 7).build((5, 1))
    layer = Conv1D(2, 3)
    layer.build((10, 1))
    with pytest.raises(ValueError, match="expected a 3-D batch"):
        layer.forward(np.zeros((10, 1), np.float32))
