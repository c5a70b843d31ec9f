"""Conv2DTranspose: Keras's shapes and parameter counts, gradient checks on both backends, and
Keras 3 itself as an oracle when it is importable."""
from __future__ import annotations

import os

import numpy as np
import pytest

from pynet.gradient_check import check_gradients, numerical_gradient, relative_error
from pynet.layers import Conv2DTranspose
from pynet.layers.base import using_backend

from ..conftest import unavailable

# (constructor kwargs, input shape, Keras's output shape, Keras's parameter count)
SHAPES = [
    # Chollet's GAN generator (listing 8.29): 16x16x256 -> 32x32x256, 4·4·256·256 + 256
    (dict(filters=256, kernel_size=4, strides=2, padding="same"), (16, 16, 256), (32, 32, 256),
     1_048_832),
    (dict(filters=32, kernel_size=3, strides=2, padding="same"), (7, 7, 64), (14, 14, 32),
     18_464),
    (dict(filters=1, kernel_size=3, strides=2), (7, 7, 4), (15, 15, 1), 37),
    (dict(filters=8, kernel_size=3, strides=2, padding="same", output_padding=1), (7, 7, 2),
     (14, 14, 8), 152),
    (dict(filters=4, kernel_size=(2, 3), use_bias=False), (5, 6, 3), (6, 8, 4), 72),
]


@pytest.mark.parametrize("kwargs, in_shape, out_shape, params", SHAPES)
def test_output_shape_and_parameter_count(kwargs, in_shape, out_shape, params):
    layer = Conv2DTranspose(**kwargs)
    layer.build(in_shape)
    assert layer.compute_output_shape(in_shape) == out_shape
    assert layer.count_params() == params
    kh, kw = layer.kernel_size
    assert layer.params["kernel"].shape == (kh, kw, kwargs["filters"], in_shape[2])


def _grad_check(layer, x, rng):
    y = layer(x)
    r = rng.normal(size=y.shape)

    def loss():
        return float(np.sum(layer.forward(x) * r))

    layer.forward(x)
    dx = layer.backward(r)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    report = check_gradients(loss, layer.params, analytic, tolerance=1e-5)
    assert report.ok, str(report)
    num_dx = numerical_gradient(loss, x)
    assert relative_error(dx, num_dx).max() < 1e-5


GRAD_CASES = [
    dict(filters=3, kernel_size=3),
    dict(filters=2, kernel_size=4, strides=2, padding="same"),
    dict(filters=2, kernel_size=(3, 2), strides=(3, 2)),
    dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=1,
         activation="tanh"),
    dict(filters=3, kernel_size=1, strides=2, use_bias=False, activation="sigmoid"),
]


@pytest.mark.parametrize("kwargs", GRAD_CASES, ids=[str(k) for k in GRAD_CASES])
def test_gradients(kernels_of, backend_name, rng, kwargs):
    # the layer computes through the conv_transpose kernels and the activations (dense domain)
    with using_backend(kernels_of(backend_name, ["dense", "conv_transpose"])):
        layer = Conv2DTranspose(dtype="float64", bias_initializer="random_normal", **kwargs)
        _grad_check(layer, rng.normal(size=(2, 4, 3, 2)), rng)


def test_bad_arguments():
    with pytest.raises(ValueError, match="filters"):
        Conv2DTranspose(0, 3)
    with pytest.raises(ValueError, match="output_padding"):
        Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="padding"):
        Conv2DTranspose(2, 3, padding="full")
    with pytest.raises(NotImplementedError, match="dilation_rate"):
        Conv2DTranspose(2, 3, dilation_rate=2)
    layer = Conv2DTranspose(2, 3)
    with pytest.raises(ValueError, match="channel axis"):
        layer.build((5, 5))


def test_matches_keras_3(rng):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except Exception as exc:
        unavailable(f"Keras 3 is not importable: {exc}")
    for kwargs in (dict(filters=3, kernel_size=4, strides=2, padding="same"),
                   dict(filters=2, kernel_size=3, strides=2, padding="valid"),
                   dict(filters=2, kernel_size=3, strides=(2, 3), padding="valid",
                        output_padding=(1, 2)),
                   dict(filters=2, kernel_size=3, strides=1, padding="same")):
        x = rng.normal(size=(2, 5, 4, 3)).astype(np.float32)
        ours = Conv2DTranspose(bias_initializer="random_normal", **kwargs)
        want_layer = keras.layers.Conv2DTranspose(**kwargs)
        want_layer.build((None, 5, 4, 3))
        ours.build((5, 4, 3))
        want_layer.set_weights(ours.get_weights())          # same layout, unchanged
        want = np.asarray(keras.ops.convert_to_numpy(want_layer(x)))
        np.testing.assert_allclose(ours.forward(x), want, rtol=1e-4, atol=1e-4)


def test_a_decoder_learns_to_draw_a_target_through_sequential():
    # Dense -> Reshape -> Conv2DTranspose: a 2-number code grows into an 8x8 picture (the shape of
    # a VAE decoder); fitting two codes to two pictures must lower the loss.
    from pynet.layers import Dense, Reshape
    from pynet.models import Sequential

    rng = np.random.default_rng(0)
    codes = rng.normal(size=(2, 2)).astype(np.float32)
    pictures = np.zeros((2, 8, 8, 1), dtype=np.float32)
    pictures[0, 2:6, 2:6] = 1          # a square
    pictures[1, :, 3:5] = 1            # a bar
    model = Sequential([Dense(4 * 4 * 4, activation="relu", input_shape=(2,)), Reshape((4, 4, 4)),
                        Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")])
    assert model.output_shape == (None, 8, 8, 1)
    from pynet.optimizers import Adam
    model.compile(optimizer=Adam(learning_rate=0.02), loss="binary_crossentropy")
    history = model.fit(codes, pictures, epochs=100, batch_size=2, verbose=0, seed=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
