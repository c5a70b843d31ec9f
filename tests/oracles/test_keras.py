"""Layer forward passes and output shapes against Keras 3 itself (on its PyTorch backend).

The weights go from Keras to pynet through ``get_weights``/``set_weights`` unchanged — that
checks Keras's weight layout as well as the arithmetic. Keras's own ``'same'`` padding (bottom/
right for the odd pixel), pooling windows and shape rules are the oracle; every case runs on
both pynet backends, float64.
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet.layers.base import using_backend
from pynet.layers import conv, core, pooling

# Keras 3 on PyTorch returns float64 tensors but computes some reductions (mean, matmul) through
# float32, so agreement is to float32 precision; a misplaced window or pad is off by O(1).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")   # Keras's NumPy 2 notes

TOL = dict(rtol=2e-6, atol=2e-6)


@pytest.fixture
def keras(require):
    keras = require("keras")
    keras.utils.set_random_seed(20261206)
    floatx = keras.config.floatx()
    keras.config.set_floatx("float64")       # else Keras casts a NumPy input to float32 first
    yield keras
    keras.config.set_floatx(floatx)


def _numpy(keras, t):
    return np.asarray(keras.ops.convert_to_numpy(t))


def _compare(keras, backend_name, rng, name, kwargs, in_shape, batch=2):
    """Build the Keras layer and the pynet layer of the same name and arguments, copy Keras's
    weights across, and compare output shape and values on one random batch."""
    k_layer = getattr(keras.layers, name)(dtype="float64", **kwargs)
    k_layer.build((None,) + in_shape)
    if k_layer.weights:
        # Keras initialises biases to zero: give them values so a misplaced bias shows
        k_layer.set_weights([w + rng.normal(size=w.shape) if w.ndim == 1 else w
                             for w in k_layer.get_weights()])
    module = {"Conv2D": conv, "Dense": core}.get(name, pooling if "Pool" in name else core)
    p_layer = getattr(module, name)(dtype="float64", **kwargs)
    p_layer.build(in_shape)
    p_layer.set_weights(k_layer.get_weights())
    assert p_layer.output_shape == tuple(k_layer.compute_output_shape((None,) + in_shape)[1:])
    x = rng.normal(size=(batch,) + in_shape)
    with using_backend(backend_name):
        y = p_layer(x)
    want = _numpy(keras, k_layer(x))
    assert y.shape == want.shape
    np.testing.assert_allclose(y, want, **TOL)
    return p_layer, k_layer


CONV_CASES = [
    (dict(filters=3, kernel_size=3, padding="same"), (5, 5, 2)),
    (dict(filters=3, kernel_size=2, padding="same"), (5, 6, 2)),
    (dict(filters=2, kernel_size=4, padding="same"), (7, 7, 1)),
    (dict(filters=2, kernel_size=3, strides=2, padding="same"), (8, 8, 2)),
    (dict(filters=2, kernel_size=3, strides=2, padding="same"), (9, 9, 2)),
    (dict(filters=2, kernel_size=5, strides=2, padding="same"), (6, 7, 1)),
    (dict(filters=2, kernel_size=(2, 3), strides=(2, 1), padding="same"), (7, 6, 2)),
    (dict(filters=2, kernel_size=4, strides=3, padding="same"), (10, 11, 1)),
    (dict(filters=4, kernel_size=3, strides=2), (7, 7, 3)),
    (dict(filters=2, kernel_size=(3, 5), strides=(1, 2)), (10, 11, 2)),
    (dict(filters=2, kernel_size=3, dilation_rate=2), (9, 8, 2)),
    (dict(filters=2, kernel_size=2, dilation_rate=3, padding="same"), (7, 6, 1)),
    (dict(filters=3, kernel_size=3, padding="same", activation="relu"), (6, 5, 2)),
    (dict(filters=2, kernel_size=1, use_bias=False), (4, 3, 5)),
    (dict(filters=3, kernel_size=2, padding="same", data_format="channels_first"), (2, 5, 6)),
    (dict(filters=2, kernel_size=3, strides=2, padding="same", data_format="channels_first"),
     (1, 8, 7)),
]


@pytest.mark.parametrize("kwargs,in_shape", CONV_CASES)
def test_conv2d_matches_keras(keras, backend_name, rng, kwargs, in_shape):
    _compare(keras, backend_name, rng, "Conv2D", kwargs, in_shape)


POOL_CASES = [
    (dict(pool_size=2), (5, 5, 2)),
    (dict(pool_size=2, padding="same"), (5, 5, 2)),
    (dict(pool_size=3, strides=2, padding="same"), (6, 6, 1)),
    (dict(pool_size=3, strides=2, padding="same"), (7, 7, 1)),
    (dict(pool_size=3, strides=1, padding="same"), (4, 5, 3)),
    (dict(pool_size=2, strides=1, padding="same"), (4, 4, 1)),
    (dict(pool_size=(2, 3), strides=(1, 2)), (6, 7, 2)),
    (dict(pool_size=3, strides=2), (7, 7, 2)),
    (dict(pool_size=4, strides=3, padding="same"), (10, 9, 1)),
    (dict(pool_size=2, padding="same", data_format="channels_first"), (2, 5, 5)),
]


def _asymmetric_same(kwargs, in_shape):
    """True when 'same' padding puts a different number of zeros before and after on an axis."""
    if kwargs.get("padding") != "same":
        return False
    k = kwargs["pool_size"]
    k = (k, k) if isinstance(k, int) else k
    s = kwargs.get("strides", k)
    s = (s, s) if isinstance(s, int) else s
    hw = in_shape[1:] if kwargs.get("data_format") == "channels_first" else in_shape[:2]
    totals = [max((-(-n // si) - 1) * si + ki - n, 0) for n, ki, si in zip(hw, k, s)]
    return any(t % 2 for t in totals)


@pytest.mark.parametrize("kwargs,in_shape", POOL_CASES)
def test_max_pooling_matches_keras(keras, backend_name, rng, kwargs, in_shape):
    _compare(keras, backend_name, rng, "MaxPooling2D", kwargs, in_shape)


# Keras 3's *PyTorch* backend pads asymmetric 'same' average pooling by replicating the edge
# pixels, so its edge windows differ from TensorFlow's (which averages the real pixels only, as
# pynet and Keras 2 do): keras-team/keras issues 18452 and 19721. Those cases are checked against
# PyTorch with the padding left out of the count (test_torch.py) and by hand (test_by_hand.py).
AVERAGE_CASES = [c for c in POOL_CASES if not _asymmetric_same(*c)]


def test_average_cases_left_for_keras_are_the_ones_its_torch_backend_gets_right():
    assert len(AVERAGE_CASES) == 5 and len(POOL_CASES) == 10


@pytest.mark.parametrize("kwargs,in_shape", AVERAGE_CASES)
def test_average_pooling_matches_keras(keras, backend_name, rng, kwargs, in_shape):
    _compare(keras, backend_name, rng, "AveragePooling2D", kwargs, in_shape)


@pytest.mark.parametrize("name", ["GlobalMaxPooling2D", "GlobalAveragePooling2D"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling_matches_keras(keras, backend_name, rng, name, data_format):
    _compare(keras, backend_name, rng, name, dict(data_format=data_format), (5, 7, 3))


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax"])
def test_dense_matches_keras(keras, backend_name, rng, activation):
    p_layer, k_layer = _compare(keras, backend_name, rng, "Dense",
                                dict(units=4, activation=activation), (6,), batch=3)
    assert p_layer.count_params() == k_layer.count_params() == 6 * 4 + 4


@pytest.mark.parametrize("name,kwargs,in_shape", [
    ("Flatten", {}, (3, 4, 2)),
    ("Reshape", dict(target_shape=(4, 6)), (3, 4, 2)),
    ("Reshape", dict(target_shape=(-1, 3)), (3, 4, 2)),
    ("Permute", dict(dims=(3, 1, 2)), (3, 4, 2)),
    ("Permute", dict(dims=(2, 1)), (5, 3)),
    ("Dropout", dict(rate=0.4), (7,)),                  # inference: the identity
])
def test_shape_layers_match_keras(keras, rng, backend_name, name, kwargs, in_shape):
    _compare(keras, backend_name, rng, name, kwargs, in_shape)
