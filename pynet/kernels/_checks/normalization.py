"""Argument preparation for the batch-normalization kernels (both backends call these).

Layout
------
The kernels see the input as a 3-D array ``(outer, channels, inner)``: the normalized axis in the
middle, every axis before it (batch included) folded into ``outer`` and every axis after it into
``inner``. A Dense output ``(N, C)`` with ``axis=-1`` is ``(N, C, 1)``; an NHWC image batch with
``axis=-1`` is ``(N·H·W, C, 1)``; an NCHW batch with ``axis=1`` is ``(N, C, H·W)``. The layer
does this reshape (a view, no copy); statistics are taken over ``outer`` and ``inner``, so
``m = outer · inner`` values per channel.
"""
from __future__ import annotations

import numpy as np

from . import as_float_array, describe, require_scalar, same_dtype

#: Keras's BatchNormalization ε (``1/√(σ² + ε)`` stays finite for a constant channel).
BATCH_NORM_EPSILON = 1e-3


def _channel_vector(name, v, c, kernel):
    v = as_float_array(name, v, ndim=1, kernel=kernel)
    if v.shape[0] != c:
        raise ValueError(f"{kernel}(): argument {name!r} must have shape ({c},) (one value per "
                         f"channel of x, axis 1 of the (outer, channels, inner) view), got "
                         f"{describe(v)}")
    return v


def prepare_batch_norm_train_forward(x, gamma, beta, epsilon):
    """Validate ``batch_norm_train_forward``; return ``(x, gamma, beta, epsilon)``.

    Batch statistics need at least one value per channel: an empty batch is refused (its
    mean is undefined; Keras would return NaN).
    """
    k = "batch_norm_train_forward"
    x = as_float_array("x", x, ndim=3, kernel=k)
    c = x.shape[1]
    gamma = _channel_vector("gamma", gamma, c, k)
    beta = _channel_vector("beta", beta, c, k)
    same_dtype(k, x=x, gamma=gamma, beta=beta)
    epsilon = require_scalar("epsilon", epsilon, where=f"{k}()", low=0.0, low_open=True)
    if x.shape[0] * x.shape[2] == 0 and c > 0:
        raise ValueError(f"{k}(): batch statistics need at least one value per channel, got "
                         f"{describe(x)} (an empty batch has no mean)")
    return x, gamma, beta, epsilon


def prepare_batch_norm_inference_forward(x, gamma, beta, mean, variance, epsilon):
    """Validate ``batch_norm_inference_forward``; return the arrays and ``epsilon``."""
    k = "batch_norm_inference_forward"
    x = as_float_array("x", x, ndim=3, kernel=k)
    c = x.shape[1]
    gamma = _channel_vector("gamma", gamma, c, k)
    beta = _channel_vector("beta", beta, c, k)
    mean = _channel_vector("mean", mean, c, k)
    variance = _channel_vector("variance", variance, c, k)
    same_dtype(k, x=x, gamma=gamma, beta=beta, mean=mean, variance=variance)
    epsilon = require_scalar("epsilon", epsilon, where=f"{k}()", low=0.0, low_open=True)
    if (variance < 0).any():
        raise ValueError(f"{k}(): variance must be >= 0, got a minimum of {variance.min()}")
    return x, gamma, beta, mean, variance, epsilon


def prepare_batch_norm_backward(x, gamma, mean, inv_std, grad_output):
    """Validate ``batch_norm_backward``; return ``(x, gamma, mean, inv_std, grad_output)``."""
    k = "batch_norm_backward"
    x = as_float_array("x", x, ndim=3, kernel=k)
    c = x.shape[1]
    gamma = _channel_vector("gamma", gamma, c, k)
    mean = _channel_vector("mean", mean, c, k)
    inv_std = _channel_vector("inv_std", inv_std, c, k)
    grad_output = as_float_array("grad_output", grad_output, ndim=3, kernel=k)
    if grad_output.shape != x.shape:
        raise ValueError(f"{k}(): grad_output must have x's shape {x.shape}, got "
                         f"{describe(grad_output)}")
    same_dtype(k, x=x, gamma=gamma, mean=mean, inv_std=inv_std, grad_output=grad_output)
    return x, gamma, mean, inv_std, grad_output


def inverse_std(variance: np.ndarray, epsilon: float) -> np.ndarray:
    """``1 / sqrt(variance + epsilon)`` in the variance's dtype (both backends use this)."""
    return (1.0 / np.sqrt(variance + variance.dtype.type(epsilon))).astype(variance.dtype)
