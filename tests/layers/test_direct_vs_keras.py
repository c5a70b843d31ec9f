"""Conv2D and Conv2DTranspose at shapes that take the compiled direct convolutions
(csrc/direct_conv.h: float32, 16+ channels, grids of 7+ pixels across) against Keras 3's own
layers (torch backend) with the same weights, in Keras's layout: outputs, dL/dx, dL/dkernel and
dL/dbias. (The other Keras comparisons use 2–3 filters, which take the im2col path.)"""
from __future__ import annotations

import os

import numpy as np
import pytest

from pynet.layers import Conv2D, Conv2DTranspose

from ..conftest import unavailable


def _keras_and_torch():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
        import torch
    except Exception as exc:
        unavailable(f"Keras 3 on the torch backend is not importable: {exc}")
    if keras.backend.backend() != "torch":
        unavailable(f"Keras runs on {keras.backend.backend()!r}, not torch")
    return keras, torch


CASES = [
    (Conv2D, dict(filters=24, kernel_size=5, padding="same", activation="relu"), (2, 12, 11, 17)),
    (Conv2D, dict(filters=33, kernel_size=3, padding="valid"), (3, 12, 11, 16)),
    (Conv2DTranspose, dict(filters=20, kernel_size=4, strides=2, padding="same"), (2, 6, 5, 18)),
    (Conv2DTranspose, dict(filters=16, kernel_size=3, strides=2, padding="valid",
                           output_padding=1), (2, 5, 7, 16)),
]


IDS = [f"{c.__name__}-{k['filters']}-{k['kernel_size']}" for c, k, _ in CASES]


@pytest.mark.parametrize("cls, kwargs, shape", CASES, ids=IDS)
def test_direct_path_matches_keras_3(cls, kwargs, shape, rng):
    keras, torch = _keras_and_torch()
    from pynet.kernels import BACKEND
    module = None
    if BACKEND == "cython":                      # the compiled modules exist on this backend
        from pynet.kernels import _c_conv, _c_conv_transpose
        module = _c_conv if cls is Conv2D else _c_conv_transpose
    x = rng.normal(size=shape).astype(np.float32)
    ours = cls(bias_initializer="random_normal", **kwargs)
    ours.build(shape[1:])
    theirs = getattr(keras.layers, cls.__name__)(**kwargs)
    theirs.build((None,) + shape[1:])
    theirs.set_weights(ours.get_weights())                  # the same layout, unchanged
    calls = module._direct_calls() if module else 0
    y = ours.forward(x, training=True)
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-4, atol=1e-4)
    g = rng.normal(size=y.shape).astype(np.float32)
    dx = ours.backward(g)
    yt.backward(torch.tensor(g))
    kernel_grad = theirs.kernel.value.grad.numpy()
    bias_grad = theirs.bias.value.grad.numpy()
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.grads["kernel"], kernel_grad, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(ours.grads["bias"], bias_grad, rtol=1e-4, atol=1e-3)
    if module is not None and module.DIRECT:
        assert module._direct_calls() >= calls + 2          # forward and backward were direct
