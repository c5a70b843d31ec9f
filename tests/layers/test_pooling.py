"""Pooling layers: Keras's shapes, finite-difference gradients for every one, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.gradient_check import numerical_gradient, relative_error
from pynet.layers.base import using_backend
from pynet.layers.pooling import (
    AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D,
)

SHAPES = [
    (MaxPooling2D, dict(pool_size=(2, 2)), (26, 26, 32), (13, 13, 32)),   # Chollet 5.1
    (MaxPooling2D, dict(pool_size=(2, 2)), (11, 11, 64), (5, 5, 64)),     # odd: floor
    (MaxPooling2D, dict(pool_size=2), (30, 30, 32), (15, 15, 32)),        # CIFAR summary
    (MaxPooling2D, dict(pool_size=2), (13, 13, 64), (6, 6, 64)),
    (MaxPooling2D, dict(pool_size=2, padding="same"), (11, 11, 64), (6, 6, 64)),
    (MaxPooling2D, dict(pool_size=3, strides=2), (13, 13, 1), (6, 6, 1)),
    (MaxPooling2D, dict(pool_size=(2, 3), strides=(1, 2)), (6, 9, 2), (5, 4, 2)),
    (MaxPooling2D, dict(pool_size=2, data_format="channels_first"), (32, 24, 24), (32, 12, 12)),
    (AveragePooling2D, dict(pool_size=2), (7, 7, 3), (3, 3, 3)),
    (AveragePooling2D, dict(pool_size=3, strides=1, padding="same"), (7, 5, 3), (7, 5, 3)),
    (GlobalMaxPooling2D, dict(), (7, 5, 3), (3,)),
    (GlobalAveragePooling2D, dict(data_format="channels_first"), (3, 7, 5), (3,)),
]


@pytest.mark.parametrize("cls,kwargs,in_shape,out_shape", SHAPES)
def test_keras_shapes(cls, kwargs, in_shape, out_shape, rng):
    layer = cls(**kwargs)
    layer.build(in_shape)
    assert layer.output_shape == out_shape
    assert layer.count_params() == 0
    y = layer(rng.normal(size=(2,) + in_shape).astype(np.float32))
    assert y.shape == (2,) + out_shape


def _check_input_gradient(layer, x, rng):
    y = layer.forward(x)
    r = rng.normal(size=y.shape)

    def loss():
        return float(np.sum(layer.forward(x) * r))

    layer.forward(x)
    dx = layer.backward(r)
    num = numerical_gradient(loss, x)
    err = relative_error(dx, num).max()
    assert err < 1e-5, err
    assert np.abs(dx - num).max() < 1e-7 * max(1.0, np.abs(num).max())


GRAD_CASES = [
    (MaxPooling2D, dict(pool_size=2)),
    (MaxPooling2D, dict(pool_size=3, strides=1)),                 # overlapping windows
    (MaxPooling2D, dict(pool_size=(3, 2), strides=(2, 1), padding="same")),
    (MaxPooling2D, dict(pool_size=2, data_format="channels_first")),
    (AveragePooling2D, dict(pool_size=2)),
    (AveragePooling2D, dict(pool_size=3, strides=2, padding="same")),
    (AveragePooling2D, dict(pool_size=2, strides=1, data_format="channels_first")),
    (GlobalMaxPooling2D, dict()),
    (GlobalMaxPooling2D, dict(data_format="channels_first")),
    (GlobalAveragePooling2D, dict()),
    (GlobalAveragePooling2D, dict(data_format="channels_first")),
]


@pytest.mark.parametrize("cls,kwargs", GRAD_CASES, ids=[f"{c.__name__}-{k}" for c, k in GRAD_CASES])
def test_input_gradients(kernels_of, backend_name, rng, cls, kwargs):
    with using_backend(kernels_of(backend_name)):
        layer = cls(dtype="float64", **kwargs)
        # distinct values, far apart compared with the finite-difference step: no argmax flips
        x = rng.permutation(2 * 7 * 6 * 3).reshape(2, 7, 6, 3).astype(np.float64) * 0.01
        layer.build(x.shape[1:])
        _check_input_gradient(layer, x, rng)


def test_global_max_tie_goes_to_first(rng):
    layer = GlobalMaxPooling2D(dtype="float64")
    x = np.zeros((1, 2, 2, 1))
    layer.build((2, 2, 1))
    layer.forward(x)
    dx = layer.backward(np.array([[3.0]]))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[3, 0], [0, 0]])


def test_max_pool_overlap_gradients_add_in_the_layer():
    layer = MaxPooling2D(3, strides=1, dtype="float64")
    x = np.zeros((1, 4, 4, 1))
    x[0, 1, 2, 0] = 1.0            # inside all four 3x3 windows
    layer.build((4, 4, 1))
    layer.forward(x)
    dx = layer.backward(np.ones((1, 2, 2, 1)))
    assert dx[0, 1, 2, 0] == 4.0


def test_config_round_trip():
    for cls, kwargs in GRAD_CASES:
        layer = cls(**kwargs)
        assert cls.from_config(layer.get_config()).get_config() == layer.get_config()


# -- bad input ------------------------------------------------------------------------------

def test_pool_larger_than_input():
    layer = MaxPooling2D(3, name="p")
    with pytest.raises(ValueError, match=r"MaxPooling2D 'p' \(input \(None, 2, 2, 8\)\): the "
                                         r"window spans 3 pixels along height but the input has only 2"):
        layer.build((2, 2, 8))
    assert not layer.built


@pytest.mark.parametrize("cls", [MaxPooling2D, AveragePooling2D])
def test_bad_arguments(cls):
    with pytest.raises(ValueError, match=r"strides must be >= 1, got 0"):
        cls(2, strides=0)
    with pytest.raises(TypeError, match=r"pool_size must be an int or a pair of ints, got 1.5"):
        cls(1.5)
    with pytest.raises(ValueError, match=r"data_format must be 'channels_last'"):
        cls(2, data_format="th")
    with pytest.raises(ValueError, match=r"padding must be 'valid' or 'same'"):
        cls(2, padding="causal")


@pytest.mark.parametrize("cls", [MaxPooling2D, AveragePooling2D, GlobalMaxPooling2D,
                                 GlobalAveragePooling2D])
def test_images_without_channel_axis(cls):
    layer = cls(name="pool")
    with pytest.raises(ValueError, match=r"expects images of shape .* got input shape "
                                         r"\(None, 28, 28\) — .* gives \(None, 28, 28, 1\)"):
        layer.build((28, 28))
    layer = cls(name="pool2")
    layer.build((28, 28, 1))
    with pytest.raises(ValueError, match=r"expected a 4-D batch of shape \(None, 28, 28, 1\)"):
        layer.forward(np.ones((4, 28, 28), dtype=np.float32))
