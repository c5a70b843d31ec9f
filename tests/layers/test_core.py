"""Core layers: finite-difference gradient checks (float64, both backends), shapes, Keras
behaviour (names, configs, input_dim), Dropout's inverted scaling, bad-input messages."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers, regularizers
from pynet.gradient_check import check_gradients
from pynet.layers import (InputLayer, Activation, Dense, Dropout, Flatten, Input, Permute, Reshape,
                          get_layer_class, reset_name_counters, using_backend)

ACTS = ["linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu"]


def grad_check(layer, x, rng, reseed=None):
    """Check dL/dparams and dL/dx of L = Σ R ⊙ layer(x) for a fixed random R."""
    y = layer(x, training=True)
    weights = rng.standard_normal(y.shape)

    def loss():
        if reseed:
            reseed()
        return float((layer.forward(x, True) * weights).sum())

    if reseed:
        reseed()
    layer.forward(x, True)
    gx = layer.backward(weights)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    analytic["x"] = gx
    params = dict(layer.params)
    params["x"] = x
    return check_gradients(loss, params, analytic)


@pytest.fixture
def backend(backend_name, kernels_of):
    ns = kernels_of(backend_name, None)
    with using_backend(ns):
        yield backend_name


@pytest.mark.parametrize("act", ACTS)
def test_dense_gradients(backend, rng, act):
    layer = Dense(5, activation=act, dtype="float64", bias_initializer="random_normal")
    x = rng.standard_normal((4, 3))
    report = grad_check(layer, x, rng)
    assert report.ok, f"{act} on {backend}:\n{report}"
    assert set(report.errors) == {"kernel", "bias", "x"}


def test_dense_gradients_odd_shapes(backend, rng):
    for n, d, u, bias in [(1, 1, 1, True), (1, 7, 3, False), (5, 2, 1, True)]:
        layer = Dense(u, activation="tanh", use_bias=bias, dtype="float64")
        report = grad_check(layer, rng.standard_normal((n, d)), rng)
        assert report.ok, str(report)


def test_dense_on_higher_rank_input_acts_on_last_axis(backend, rng):
    layer = Dense(4, activation="sigmoid", dtype="float64")
    x = rng.standard_normal((2, 3, 5))
    y = layer(x)
    assert y.shape == (2, 3, 4) and layer.output_shape == (3, 4)
    z = x @ layer.params["kernel"] + layer.params["bias"]
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-z)), rtol=1e-12)
    assert grad_check(layer, x, rng).ok


def test_first_layer_may_skip_input_gradient(backend, rng):
    layer = Dense(3, dtype="float64")
    layer.input_grad_needed = False
    x = rng.standard_normal((4, 2))
    layer(x, training=True)
    assert layer.backward(np.ones((4, 3))) is None
    np.testing.assert_allclose(layer.grads["kernel"], x.T @ np.ones((4, 3)))


@pytest.mark.parametrize("act", ACTS)
def test_activation_layer_gradients(backend, rng, act):
    report = grad_check(Activation(act, dtype="float64"), rng.standard_normal((3, 4)), rng)
    assert report.ok, str(report)


def test_activation_layer_on_images(backend, rng):
    layer = Activation("relu", dtype="float64")
    x = rng.standard_normal((2, 3, 3, 2))
    np.testing.assert_array_equal(layer(x), np.maximum(x, 0))
    assert grad_check(layer, x, rng).ok


def test_dropout_gradient_with_fixed_mask(backend, rng):
    layer = Dropout(0.4, seed=3, dtype="float64")

    def reseed():
        layer._own_rng = np.random.default_rng(3)

    report = grad_check(layer, rng.standard_normal((5, 6)), rng, reseed=reseed)
    assert report.ok, str(report)


def test_dropout_is_identity_at_inference_and_inverted_in_training(rng):
    layer = Dropout(0.25, seed=1, dtype="float64")
    x = np.ones((400, 50))
    np.testing.assert_array_equal(layer(x, training=False), x)
    y = layer(x, training=True)
    kept = y != 0
    # survivors are scaled by 1 / (1 - rate), so the mean stays ~1 (no rescaling at test time)
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.01
    assert abs(y.mean() - 1.0) < 0.02


def test_dropout_seed_reproducible_and_noise_shape():
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    x = np.ones((3, 10), np.float32)
    np.testing.assert_array_equal(a(x, training=True), b(x, training=True))
    c = Dropout(0.5, noise_shape=(None, 1), seed=2)
    y = c(np.ones((6, 5), np.float32), training=True)
    for row in y:  # one decision per sample, shared across the features
        assert len(set(row.tolist())) == 1


def test_dropout_bad_rate():
    with pytest.raises(ValueError, match="rate must be in \\[0, 1\\)"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="fraction dropped"):
        Dropout(-0.1)


@pytest.mark.parametrize("layer,shape,out_shape", [
    (lambda: Flatten(dtype="float64"), (2, 3, 4, 2), (24,)),
    (lambda: Reshape((4, -1), dtype="float64"), (2, 3, 4, 2), (4, 6)),
    (lambda: Permute((3, 1, 2), dtype="float64"), (2, 3, 4, 2), (2, 3, 4)),
])
def test_shape_layers(backend, rng, layer, shape, out_shape):
    lay = layer()
    x = rng.standard_normal(shape)
    y = lay(x)
    assert y.shape == (shape[0],) + out_shape and lay.output_shape == out_shape
    assert grad_check(lay, x, rng).ok


def test_flatten_order_and_permute_values():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    np.testing.assert_array_equal(Flatten()(x)[0], np.arange(24.0))
    np.testing.assert_array_equal(Permute((2, 1))(np.arange(6.0).reshape(1, 2, 3))[0],
                                  np.arange(6.0).reshape(2, 3).T)


def test_reshape_and_permute_errors():
    with pytest.raises(ValueError, match="needs 10"):
        Reshape((2, 5)).build((3, 3))
    with pytest.raises(ValueError, match="at most one"):
        Reshape((-1, -1))
    with pytest.raises(ValueError, match="permutation"):
        Permute((0, 1))


def test_automatic_names_count_per_type():
    reset_name_counters()
    names = [Dense(2).name, Dense(2).name, Dropout(0.1).name, Flatten().name, Dense(1).name]
    assert names == ["dense_1", "dense_2", "dropout_1", "flatten_1", "dense_3"]
    assert Dense(2, name="out").name == "out"
    with pytest.raises(ValueError, match="without '/'"):
        Dense(2, name="a/b")


def test_input_dim_means_input_shape_and_parameter_count():
    layer = Dense(512, input_dim=784)
    assert layer.input_shape == (784,)
    layer.build((784,))
    assert layer.count_params() == 784 * 512 + 512
    assert layer.params["kernel"].dtype == np.float32
    with pytest.raises(ValueError, match="contradicts"):
        Dense(3, input_dim=4, input_shape=(5,))
    with pytest.raises(ValueError, match="'units' must be a positive integer"):
        Dense(0)


def test_check_input_names_layer_and_shapes():
    layer = Dense(3, input_shape=(4,))
    layer.build((4,))
    with pytest.raises(ValueError) as info:
        layer(np.ones((2, 5)))
    msg = str(info.value)
    assert layer.name in msg and "(None, 4)" in msg and "(2, 5)" in msg
    with pytest.raises(ValueError, match="batch axis"):
        layer(np.ones(4))


def test_set_weights_checks_before_changing():
    layer = Dense(2, input_shape=(3,))
    layer.build((3,))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="'bias' has shape"):
        layer.set_weights([np.zeros((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="NaN"):
        layer.set_weights([np.zeros((3, 2)), np.array([0.0, np.nan])])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    layer.set_weights([np.ones((3, 2)), np.ones(2)])
    assert (layer.params["kernel"] == 1).all()


def test_config_round_trip_through_the_registry():
    layer = Dense(7, activation="tanh", use_bias=False, kernel_initializer="he_normal",
                  kernel_regularizer=regularizers.l1_l2(0.01, 0.02), input_shape=(3,), name="d")
    config = layer.get_config()
    clone = get_layer_class("Dense").from_config(config)
    assert clone.get_config() == config
    assert clone.kernel_regularizer.l1 == 0.01 and clone.kernel_regularizer.l2 == 0.02
    for cls, args in [(Dropout, (0.3,)), (Reshape, ((2, 2),)), (Permute, ((2, 1),)),
                      (Activation, ("relu",)), (Flatten, ())]:
        lay = cls(*args)
        again = get_layer_class(cls.__name__).from_config(lay.get_config())
        assert again.get_config() == lay.get_config()
    with pytest.raises(ValueError, match="known layers: .*Dense"):
        get_layer_class("Dance")


def test_unknown_activation_lists_known_ones():
    with pytest.raises(ValueError, match="known activations: .*relu.*selu"):
        Dense(3, activation="rleu")
    with pytest.raises(TypeError, match="derivative"):
        Dense(3, activation=lambda z: z)


def test_regularizer_penalty_and_gradient_on_layer(rng):
    layer = Dense(3, kernel_regularizer=regularizers.l2(0.1), dtype="float64")
    layer.build((2,))
    w = layer.params["kernel"]
    assert layer.regularization_loss() == pytest.approx(0.1 * (w ** 2).sum())
    layer.grads["kernel"][...] = 0
    layer.add_regularization_gradients()
    np.testing.assert_allclose(layer.grads["kernel"], 0.2 * w)


def test_frozen_layer_offers_no_variables():
    layer = Dense(3, trainable=False)
    layer.build((2,))
    assert layer.trainable_variables() == [] and layer.count_trainable_params() == 0


def test_input_layer():
    # Input returns a symbolic tensor (Keras's functional API); InputLayer is the layer behind it
    inp = Input(shape=(28, 28, 1))
    assert inp.shape == (None, 28, 28, 1) and inp.dtype == np.float32
    layer = inp.node.layer
    assert isinstance(layer, InputLayer)
    assert layer.input_shape == (28, 28, 1) and layer.output_shape == (28, 28, 1)
    with pytest.raises(ValueError, match="shape is required"):
        Input()
