"""The small layers of Chollet ch. 7's graphs: ZeroPadding2D, Cropping2D, UpSampling2D,
RepeatVector, LeakyReLU, ReLU, ELU, PReLU, GaussianNoise — worked examples, finite-difference
gradients on both backends, PyTorch and Keras 3 as witnesses, saving, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers
from pynet.gradient_check import check_gradients, numerical_gradient, relative_error
from pynet.layers import (ELU, Cropping2D, Dense, Flatten, GaussianNoise, LeakyReLU, PReLU, ReLU,
                          RepeatVector, UpSampling2D, ZeroPadding2D)
from pynet.layers.base import get_layer_class, using_backend
from pynet.sequential import Sequential, load_model

from .keras_oracle import keras_layer_to_numpy, keras_or_skip


@pytest.fixture(autouse=True)
def _seeded_initializers():
    initializers.set_seed(5)


# (layer, sample shape, Keras's output shape)
LAYERS = [
    (lambda: ZeroPadding2D(dtype="float64"), (3, 4, 2), (5, 6, 2)),
    (lambda: ZeroPadding2D(((1, 0), (2, 3)), dtype="float64"), (3, 4, 2), (4, 9, 2)),
    (lambda: ZeroPadding2D((2, 1), data_format="channels_first", dtype="float64"), (2, 3, 3), (2, 7, 5)),
    (lambda: Cropping2D(1, dtype="float64"), (4, 5, 2), (2, 3, 2)),
    (lambda: Cropping2D(((0, 2), (1, 1)), dtype="float64"), (5, 4, 1), (3, 2, 1)),
    (lambda: Cropping2D((1, 0), data_format="channels_first", dtype="float64"), (2, 4, 3), (2, 2, 3)),
    (lambda: UpSampling2D(dtype="float64"), (2, 3, 2), (4, 6, 2)),
    (lambda: UpSampling2D((3, 1), dtype="float64"), (2, 2, 1), (6, 2, 1)),
    (lambda: UpSampling2D(interpolation="bilinear", dtype="float64"), (3, 2, 2), (6, 4, 2)),
    (lambda: UpSampling2D((3, 2), data_format="channels_first", interpolation="bilinear",
                          dtype="float64"), (2, 3, 3), (2, 9, 6)),
    (lambda: RepeatVector(3, dtype="float64"), (4,), (3, 4)),
    (lambda: LeakyReLU(dtype="float64"), (3, 4), (3, 4)),
    (lambda: LeakyReLU(negative_slope=0.1, dtype="float64"), (5,), (5,)),
    (lambda: LeakyReLU(alpha=1.7, dtype="float64"), (2, 3), (2, 3)),      # α > 1: slope-array path
    (lambda: LeakyReLU(alpha=0.0, dtype="float64"), (4,), (4,)),
    (lambda: ReLU(dtype="float64"), (6,), (6,)),
    (lambda: ReLU(max_value=0.8, negative_slope=0.2, threshold=-0.3, dtype="float64"), (3, 5), (3, 5)),
    (lambda: ELU(dtype="float64"), (6,), (6,)),
    (lambda: ELU(alpha=0.5, dtype="float64"), (2, 3), (2, 3)),
    (lambda: PReLU(alpha_initializer="ones", dtype="float64"), (4,), (4,)),
    (lambda: PReLU(shared_axes=[1, 2], dtype="float64"), (3, 3, 2), (3, 3, 2)),
    (lambda: GaussianNoise(0.5, seed=1, dtype="float64"), (4,), (4,)),
]


@pytest.mark.parametrize("make,shape,out_shape", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_keras_output_shapes(make, shape, out_shape, rng):
    layer = make()
    layer.build(shape)
    assert layer.output_shape == out_shape
    assert layer(rng.normal(size=(2,) + shape)).shape == (2,) + out_shape


@pytest.mark.parametrize("backend", ["python", "cython"])
@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
@pytest.mark.parametrize("make,shape,out_shape", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_gradients_match_finite_differences(make, shape, out_shape, training, backend, rng):
    with using_backend(backend):
        layer = make()
        layer.build(shape)
        for key in layer.params:
            layer.params[key][...] = rng.normal(size=layer.params[key].shape)
        x = rng.normal(size=(2,) + shape)
        r = rng.normal(size=(2,) + out_shape)
        noise_seed = 123

        def loss():
            if isinstance(layer, GaussianNoise):            # the same noise at every evaluation
                layer.seed_random(np.random.default_rng(noise_seed))
                layer._own_rng = None
            return float(np.sum(layer.forward(x, training=training) * r))

        loss()
        dx = layer.backward(r)
        analytic = {k: g.copy() for k, g in layer.grads.items()}
        if analytic:
            report = check_gradients(loss, layer.params, analytic, tolerance=1e-6)
            assert report.ok, str(report)
        assert relative_error(dx, numerical_gradient(loss, x)).max() < 1e-6


def test_worked_examples():
    x = np.arange(1.0, 5.0).reshape(1, 2, 2, 1)                # [[1, 2], [3, 4]]
    np.testing.assert_array_equal(ZeroPadding2D(1, dtype="float64")(x)[0, :, :, 0],
                                  [[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(UpSampling2D(dtype="float64")(x)[0, :, :, 0],
                                  [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    up = UpSampling2D(dtype="float64")
    up(x)
    # each input pixel fed 4 outputs: its gradient is the sum of their 4 gradients
    np.testing.assert_array_equal(up.backward(np.ones((1, 4, 4, 1)))[0, :, :, 0], [[4, 4], [4, 4]])
    np.testing.assert_array_equal(Cropping2D(((1, 0), (0, 1)), dtype="float64")(x)[0, :, :, 0], [[3]])
    np.testing.assert_array_equal(RepeatVector(2, dtype="float64")(np.array([[1.0, 2.0]])),
                                  [[[1, 2], [1, 2]]])
    v = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0, 7.0]])
    np.testing.assert_allclose(LeakyReLU(dtype="float64")(v), [[-0.6, -0.15, 0, 0.5, 3, 7]])
    # ReLU(max_value=6, negative_slope=0.1, threshold=1): 0.1·(x − 1) below 1, capped at 6
    np.testing.assert_allclose(ReLU(6, 0.1, 1.0, dtype="float64")(v), [[-0.3, -0.15, -0.1, -0.05, 3, 6]])
    np.testing.assert_allclose(ELU(dtype="float64")(v)[0, :2], np.exp([-2.0, -0.5]) - 1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha", [0.3, 0.01, 1.0, 0.0, 2.5])
def test_leaky_relu_is_x_times_its_slope_bit_for_bit(alpha, dtype, rng):
    """The fast path (0 < α ≤ 1: y = max(x, α·x), a kept mask [x > 0]) gives exactly the numbers
    of the definition y = x · (1 or α), dL/dx = g · (1 or α) — signed zeros, infinities, NaN,
    subnormals and a non-contiguous input included."""
    layer = LeakyReLU(alpha=alpha, dtype=dtype)
    special = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, -1e-45, -1e-310, 3.0, -2.0]
    x = rng.normal(size=(3, 7, 10)).astype(dtype)
    x[0, 0] = special
    x = x[:, ::2]                                    # non-contiguous
    g = rng.normal(size=x.shape).astype(dtype)
    slope = np.where(x > 0, 1.0, alpha).astype(dtype)
    bits = np.uint32 if dtype == "float32" else np.uint64
    with np.errstate(invalid="ignore", under="ignore"):
        y = layer(x)
        expected = x * slope
        dx = layer.backward(g)
    assert y.dtype == dx.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y.view(bits), expected.view(bits))
    np.testing.assert_array_equal(dx.view(bits), (g * slope).view(bits))
    assert np.isnan(y[0, 0, 2]) and y[0, 0, 3] == np.inf          # NaN stays NaN, ∞ passes
    empty = layer(np.zeros((0, 4, 10), dtype=dtype))
    assert empty.shape == (0, 4, 10) and layer.backward(empty).shape == (0, 4, 10)


def test_leaky_relu_names_and_defaults():
    assert LeakyReLU().alpha == 0.3 == LeakyReLU().negative_slope     # Keras 2 and 3 default
    assert LeakyReLU(alpha=0.2).alpha == LeakyReLU(negative_slope=0.2).alpha == 0.2
    with pytest.raises(ValueError, match="same slope"):
        LeakyReLU(alpha=0.1, negative_slope=0.2)


def test_gaussian_noise_only_in_training():
    layer = GaussianNoise(0.5, seed=0, dtype="float64")
    x = np.zeros((2000, 5))
    np.testing.assert_array_equal(layer(x), x)                   # inference: identity
    noisy = layer.forward(x, training=True)
    assert abs(noisy.std() - 0.5) < 0.02 and abs(noisy.mean()) < 0.02
    again = GaussianNoise(0.5, seed=0, dtype="float64").forward(x, training=True)
    np.testing.assert_array_equal(noisy, again)                  # the seed fixes the noise


def test_prelu_shares_slopes_along_shared_axes():
    layer = PReLU(shared_axes=[1, 2])
    layer.build((26, 26, 32))
    assert layer.params["alpha"].shape == (1, 1, 32)             # one slope per channel
    np.testing.assert_array_equal(layer.params["alpha"], 0)      # starts as a ReLU
    full = PReLU()
    full.build((4, 3))
    assert full.count_params() == 12


def test_same_as_torch(require, rng):
    torch = require("torch")
    F = torch.nn.functional
    x = rng.normal(size=(2, 3, 4, 2))
    xt = torch.tensor(x.transpose(0, 3, 1, 2))                   # NCHW for torch
    nhwc = lambda t: t.numpy().transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(ZeroPadding2D(((1, 2), (0, 3)), dtype="float64")(x),
                                  nhwc(F.pad(xt, (0, 3, 1, 2))))
    for size in ((2, 2), (3, 2)):
        np.testing.assert_array_equal(UpSampling2D(size, dtype="float64")(x),
                                      nhwc(F.interpolate(xt, scale_factor=size, mode="nearest")))
        np.testing.assert_allclose(
            UpSampling2D(size, interpolation="bilinear", dtype="float64")(x),
            nhwc(F.interpolate(xt, scale_factor=size, mode="bilinear", align_corners=False)),
            rtol=1e-12, atol=1e-12)
    v = rng.normal(size=(4, 6)) * 3
    vt = torch.tensor(v)
    np.testing.assert_allclose(LeakyReLU(dtype="float64")(v), F.leaky_relu(vt, 0.3).numpy())
    np.testing.assert_allclose(ELU(0.7, dtype="float64")(v), F.elu(vt, 0.7).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ReLU(max_value=6.0, dtype="float64")(v), F.relu6(vt).numpy())
    prelu = PReLU(shared_axes=[1, 2], dtype="float64")
    prelu.build(x.shape[1:])
    prelu.params["alpha"][...] = [[[0.25, -0.5]]]
    np.testing.assert_allclose(prelu(x), nhwc(F.prelu(xt, torch.tensor([0.25, -0.5], dtype=torch.float64))))


KERAS_CASES = [
    ("ZeroPadding2D", dict(padding=((1, 0), (2, 1)))),
    ("Cropping2D", dict(cropping=((1, 0), (0, 1)))),
    ("UpSampling2D", dict(size=(2, 3))),
    ("UpSampling2D", dict(size=(2, 2), interpolation="bilinear")),
    ("LeakyReLU", dict(negative_slope=0.3)),
    ("ReLU", dict(max_value=1.0, negative_slope=0.1, threshold=0.2)),
    ("ELU", dict(alpha=0.5)),
    ("PReLU", dict(shared_axes=[1, 2])),
]


@pytest.mark.parametrize("name,kwargs", KERAS_CASES)
def test_same_as_keras(require, name, kwargs, rng):
    keras = keras_or_skip(require)
    x = rng.normal(size=(2, 4, 5, 3)).astype(np.float32)
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = get_layer_class(name)(**kwargs)
    theirs.build((None,) + x.shape[1:])
    ours.build(x.shape[1:])
    if ours.params:
        weights = [rng.normal(size=w.shape).astype(np.float32) for w in ours.get_weights()]
        ours.set_weights(weights)
        theirs.set_weights(weights)
    np.testing.assert_allclose(ours(x), keras_layer_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)


def test_repeat_vector_and_noise_match_keras(require, rng):
    keras = keras_or_skip(require)
    v = rng.normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_array_equal(RepeatVector(5)(v), keras_layer_to_numpy(keras.layers.RepeatVector(5)(v)))
    np.testing.assert_array_equal(GaussianNoise(1.0)(v),
                                  keras_layer_to_numpy(keras.layers.GaussianNoise(1.0)(v, training=False)))


def test_configs_round_trip_and_models_save(tmp_path, rng):
    for make, _, _ in LAYERS:
        layer = make()
        config = layer.get_config()
        assert get_layer_class(type(layer).__name__).from_config(config).get_config() == config
    model = Sequential([ZeroPadding2D(1, input_shape=(4, 4, 1)), UpSampling2D(interpolation="bilinear"),
                        Cropping2D(2), PReLU(shared_axes=[1, 2]), GaussianNoise(0.1),
                        Flatten(), Dense(3), LeakyReLU(), ReLU(max_value=2.0), ELU(),
                        RepeatVector(2), Flatten(), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(8, 4, 4, 1)).astype(np.float32)
    model.fit(x, x.mean(axis=(1, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "small")
    again = load_model(tmp_path / "small")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_bad_input():
    with pytest.raises(ValueError, match=r"leaves nothing of images of shape \(None, 4, 4, 1\)"):
        Cropping2D(2).build((4, 4, 1))
    with pytest.raises(ValueError, match="padding must be a non-negative int"):
        ZeroPadding2D(-1)
    with pytest.raises(ValueError, match=r"cropping must be an int, an int pair"):
        Cropping2D((1, 2, 3))
    with pytest.raises(ValueError, match="interpolation must be 'nearest' or 'bilinear'"):
        UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match=r"expects inputs of shape \(None, features\)"):
        RepeatVector(2).build((3, 4))
    with pytest.raises(ValueError, match="'n' must be a positive integer"):
        RepeatVector(0)
    with pytest.raises(ValueError, match="shared_axes must be axes >= 1"):
        PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match=r"shared_axes \[3\] do not exist"):
        PReLU(shared_axes=3).build((4, 2))
    with pytest.raises(ValueError, match=r"'stddev' must be a finite real number >= 0"):
        GaussianNoise(-1)
    with pytest.raises(ValueError, match="grayscale images need a channel axis"):
        UpSampling2D().build((28, 28))


@pytest.mark.parametrize("make,shape,out_shape", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_empty_batch(make, shape, out_shape):
    layer = make()
    layer.build(shape)
    y = layer.forward(np.zeros((0,) + shape), training=True)
    assert y.shape == (0,) + out_shape
    assert layer.backward(np.zeros((0,) + out_shape)).shape == (0,) + shape
