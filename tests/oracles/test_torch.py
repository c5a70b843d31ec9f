"""Layer forward passes against PyTorch (``torch.nn.functional``) with the same weights.

PyTorch shares no code with pynet. Its ``padding='same'`` (stride 1) puts the odd extra pixel
at the bottom/right like Keras, so the stride-1 cases use it as is; for strides > 1 PyTorch has
no ``'same'``, and the zeros are added with ``F.pad`` by Keras's rule written out in
:func:`keras_same_pads` (the by-hand tests pin that rule with numbers). Every case is run on
both backends, float64, random weights and inputs (seeded), odd sizes included.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from pynet.layers.base import using_backend
from pynet.layers.conv import Conv2D
from pynet.layers.core import Dense, Dropout, Flatten
from pynet.layers.pooling import (
    AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D,
)

TOL = dict(rtol=1e-10, atol=1e-10)


def keras_same_pads(n: int, k: int, s: int, d: int = 1) -> tuple[int, int]:
    """Keras/TensorFlow 'same': ``out = ⌈n/s⌉``, the zeros split with the odd one *after*."""
    span = (k - 1) * d + 1
    out = math.ceil(n / s)
    total = max((out - 1) * s + span - n, 0)
    return total // 2, total - total // 2


@pytest.fixture
def torch(require):
    return require("torch")


def _pads_for(kwargs, h, w, kh, kw):
    if kwargs.get("padding", "valid") != "same":
        return (0, 0, 0, 0)
    sh, sw = _pair(kwargs.get("strides", 1))
    dh, dw = _pair(kwargs.get("dilation_rate", 1))
    top, bottom = keras_same_pads(h, kh, sh, dh)
    left, right = keras_same_pads(w, kw, sw, dw)
    return (left, right, top, bottom)          # F.pad order: last axis first


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


CONV_CASES = [
    # (kwargs, input (h, w, c)) — the odd extra pixel of 'same' lands bottom/right in most
    (dict(kernel_size=3, padding="same"), (5, 5, 2)),                     # symmetric
    (dict(kernel_size=2, padding="same"), (5, 6, 2)),                     # total 1: after
    (dict(kernel_size=4, padding="same"), (7, 7, 1)),                     # total 3: 1 + 2
    (dict(kernel_size=(2, 5), padding="same"), (6, 9, 3)),                # 1: 0+1 / 4: 2+2
    (dict(kernel_size=3, strides=2, padding="same"), (8, 8, 2)),          # total 1: after
    (dict(kernel_size=3, strides=2, padding="same"), (9, 9, 2)),          # total 2: 1 + 1
    (dict(kernel_size=5, strides=2, padding="same"), (6, 7, 1)),          # 3 → 1+2 / 4 → 2+2
    (dict(kernel_size=(2, 3), strides=(2, 1), padding="same"), (7, 6, 2)),
    (dict(kernel_size=1, strides=3, padding="same"), (7, 8, 2)),
    (dict(kernel_size=4, strides=3, padding="same"), (10, 11, 1)),
    (dict(kernel_size=3, strides=2), (7, 7, 3)),
    (dict(kernel_size=(3, 5), strides=(1, 2)), (10, 11, 2)),
    (dict(kernel_size=3, dilation_rate=2), (9, 8, 2)),
    (dict(kernel_size=2, dilation_rate=3, padding="same"), (7, 6, 1)),    # span 4: 1 + 2
    (dict(kernel_size=3, dilation_rate=(2, 1), padding="same"), (8, 5, 2)),
    (dict(kernel_size=3, padding="same", activation="relu"), (6, 5, 2)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("kwargs,in_shape", CONV_CASES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv2d_matches_torch(torch, backend_name, rng, kwargs, in_shape, data_format):
    F = torch.nn.functional
    h, w, c = in_shape
    layer = Conv2D(3, data_format=data_format, dtype="float64", **kwargs)
    layer.build((c, h, w) if data_format == "channels_first" else in_shape)
    kernel = rng.normal(size=layer.params["kernel"].shape)
    bias = rng.normal(size=(3,))
    layer.set_weights([kernel, bias])
    x = rng.normal(size=(2, h, w, c))
    x_layer = x.transpose(0, 3, 1, 2) if data_format == "channels_first" else x
    with using_backend(backend_name):
        y = layer(x_layer)
    if data_format == "channels_first":
        y = y.transpose(0, 2, 3, 1)
    kh, kw = kernel.shape[:2]
    xt = torch.tensor(x.transpose(0, 3, 1, 2))
    kt = torch.tensor(kernel.transpose(3, 2, 0, 1).copy())     # (filters, in, kh, kw)
    bt = torch.tensor(bias)
    strides = _pair(kwargs.get("strides", 1))
    dilation = _pair(kwargs.get("dilation_rate", 1))
    if kwargs.get("padding") == "same" and strides == (1, 1):
        yt = F.conv2d(xt, kt, bt, padding="same", dilation=dilation)   # PyTorch's own 'same'
    else:
        yt = F.conv2d(F.pad(xt, _pads_for(kwargs, h, w, kh, kw)), kt, bt, stride=strides,
                      dilation=dilation)
    if kwargs.get("activation") == "relu":
        yt = F.relu(yt)
    np.testing.assert_allclose(y, yt.numpy().transpose(0, 2, 3, 1), **TOL)


POOL_CASES = [
    (dict(pool_size=2), (5, 5, 2)),                               # odd: the last row is dropped
    (dict(pool_size=2, padding="same"), (5, 5, 2)),               # total 1: after
    (dict(pool_size=3, strides=2, padding="same"), (6, 6, 1)),    # total 1: after
    (dict(pool_size=3, strides=2, padding="same"), (7, 7, 1)),    # total 2: 1 + 1
    (dict(pool_size=3, strides=1, padding="same"), (4, 5, 3)),
    (dict(pool_size=2, strides=1, padding="same"), (4, 4, 1)),    # total 1: after
    (dict(pool_size=(2, 3), strides=(1, 2)), (6, 7, 2)),
    (dict(pool_size=3, strides=2), (7, 7, 2)),                    # overlapping windows
    (dict(pool_size=4, strides=3, padding="same"), (10, 9, 1)),   # 10: out 4, total 3 → 1+2
    (dict(pool_size=(1, 3), strides=(1, 1)), (3, 5, 1)),
]


def _pool_oracle(torch, kind, x_nchw, kwargs):
    """Keras pooling from PyTorch: pad with −∞ (max) or 0 (average, divided by the count of real
    pixels in each window — Keras does not count 'same' padding)."""
    F = torch.nn.functional
    k = _pair(kwargs["pool_size"])
    s = _pair(kwargs.get("strides", kwargs["pool_size"]))
    h, w = x_nchw.shape[2:]
    pads = (0, 0, 0, 0)
    if kwargs.get("padding") == "same":
        top, bottom = keras_same_pads(h, k[0], s[0])
        left, right = keras_same_pads(w, k[1], s[1])
        pads = (left, right, top, bottom)
    if kind == "max":
        return F.max_pool2d(F.pad(x_nchw, pads, value=-math.inf), k, s)
    total = F.avg_pool2d(F.pad(x_nchw, pads), k, s, divisor_override=1)
    count = F.avg_pool2d(F.pad(torch.ones_like(x_nchw[:, :1]), pads), k, s, divisor_override=1)
    return total / count


@pytest.mark.parametrize("kwargs,in_shape", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "average"])
def test_pooling_matches_torch(torch, backend_name, rng, kwargs, in_shape, kind):
    cls = MaxPooling2D if kind == "max" else AveragePooling2D
    x = rng.normal(size=(2,) + in_shape)
    with using_backend(backend_name):
        y = cls(dtype="float64", **kwargs)(x)
        y_first = cls(dtype="float64", data_format="channels_first", **kwargs)(
            x.transpose(0, 3, 1, 2))
    want = _pool_oracle(torch, kind, torch.tensor(x.transpose(0, 3, 1, 2)), kwargs).numpy()
    np.testing.assert_allclose(y, want.transpose(0, 2, 3, 1), **TOL)
    np.testing.assert_allclose(y_first, want, **TOL)


def test_global_pooling_matches_torch(torch, backend_name, rng):
    x = rng.normal(size=(3, 5, 7, 4))
    xt = torch.tensor(x.transpose(0, 3, 1, 2))
    with using_backend(backend_name):
        np.testing.assert_allclose(GlobalMaxPooling2D(dtype="float64")(x),
                                   torch.amax(xt, dim=(2, 3)).numpy(), **TOL)
        np.testing.assert_allclose(GlobalAveragePooling2D(dtype="float64")(x),
                                   torch.mean(xt, dim=(2, 3)).numpy(), **TOL)


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax"])
def test_dense_matches_torch(torch, backend_name, rng, activation):
    F = torch.nn.functional
    layer = Dense(5, activation=activation, dtype="float64")
    layer.build((7,))
    kernel, bias = rng.normal(size=(7, 5)), rng.normal(size=5)
    layer.set_weights([kernel, bias])
    x = rng.normal(size=(4, 7))
    with using_backend(backend_name):
        y = layer(x)
    # PyTorch's Linear weight is (out, in): Keras's kernel transposed
    zt = F.linear(torch.tensor(x), torch.tensor(kernel.T.copy()), torch.tensor(bias))
    act = {None: lambda z: z, "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
           "softmax": lambda z: F.softmax(z, dim=-1)}[activation]
    np.testing.assert_allclose(y, act(zt).numpy(), rtol=1e-9, atol=1e-12)


def test_flatten_and_dropout_match_torch(torch, rng):
    x = rng.normal(size=(2, 3, 4, 5))
    xt = torch.tensor(x)
    np.testing.assert_array_equal(Flatten(dtype="float64")(x), torch.flatten(xt, 1).numpy())
    np.testing.assert_array_equal(Dropout(0.3, dtype="float64")(x),
                                  torch.nn.functional.dropout(xt, 0.3, training=False).numpy())
