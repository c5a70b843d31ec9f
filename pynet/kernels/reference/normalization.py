"""Batch normalization in NumPy (twins of ``csrc/normalization.pyx``).

Ioffe & Szegedy's transform, per channel ``c``, over the ``m`` values of a batch that share that
channel (the input is viewed as ``(outer, channels, inner)``; see
:mod:`pynet.kernels._checks.normalization`)::

    μ = (1/m) Σ x                     σ² = (1/m) Σ (x − μ)²       (biased: divide by m)
    x̂ = (x − μ) / sqrt(σ² + ε)        y = γ · x̂ + β

At inference the moving averages replace ``μ`` and ``σ²``. The backward pass in training mode
remembers that ``μ`` and ``σ²`` depend on every ``x`` of the batch::

    dβ = Σ g        dγ = Σ g · x̂        dx = γ/sqrt(σ²+ε) · (g − dβ/m − x̂ · dγ/m)

and at inference (constant statistics) it is just ``dx = γ/sqrt(σ²+ε) · g``.
"""
from __future__ import annotations

import numpy as np

from .._checks.normalization import (
    BATCH_NORM_EPSILON, inverse_std, prepare_batch_norm_backward,
    prepare_batch_norm_inference_forward, prepare_batch_norm_train_forward,
)

__all__ = ["batch_norm_train_forward", "batch_norm_inference_forward", "batch_norm_backward"]

_STAT_AXES = (0, 2)     # statistics over outer and inner: one value per channel


def _channels(v):
    """A per-channel vector shaped to broadcast against (outer, channels, inner)."""
    return v[None, :, None]


def batch_norm_train_forward(x, gamma, beta, *, epsilon=BATCH_NORM_EPSILON):
    """Normalize with the batch's own statistics.

    Parameters
    ----------
    x : ndarray, shape (outer, C, inner)
        float32 or float64.
    gamma, beta : ndarray, shape (C,)
        Scale and offset (ones and zeros when the layer has none).
    epsilon : float > 0

    Returns
    -------
    y : ndarray (outer, C, inner)
    mean, variance : ndarray (C,)
        The batch statistics (biased variance, divided by m), for the moving averages.
    inv_std : ndarray (C,)
        ``1 / sqrt(variance + epsilon)``, for :func:`batch_norm_backward`.
    """
    x, gamma, beta, epsilon = prepare_batch_norm_train_forward(x, gamma, beta, epsilon)
    mean = x.mean(axis=_STAT_AXES)
    centred = x - _channels(mean)
    variance = (centred * centred).mean(axis=_STAT_AXES)
    inv_std = inverse_std(variance, epsilon)
    y = centred * _channels(inv_std * gamma) + _channels(beta)
    return y.astype(x.dtype, copy=False), mean, variance, inv_std


def batch_norm_inference_forward(x, gamma, beta, mean, variance, *, epsilon=BATCH_NORM_EPSILON):
    """``y = γ · (x − mean) / sqrt(variance + ε) + β`` with given (moving) statistics.

    Shapes as in :func:`batch_norm_train_forward`; returns ``y`` (outer, C, inner).
    """
    x, gamma, beta, mean, variance, epsilon = prepare_batch_norm_inference_forward(
        x, gamma, beta, mean, variance, epsilon)
    scale = inverse_std(variance, epsilon) * gamma
    return ((x - _channels(mean)) * _channels(scale) + _channels(beta)).astype(x.dtype, copy=False)


def batch_norm_backward(x, gamma, mean, inv_std, grad_output, *, batch_statistics=True,
                        need_input_grad=True):
    """Gradients of batch normalization given dL/dy.

    Parameters
    ----------
    x : ndarray (outer, C, inner)
        The forward pass's input.
    gamma, mean, inv_std : ndarray (C,)
        γ, and the statistics the forward pass used (``inv_std = 1/sqrt(σ²+ε)``).
    grad_output : ndarray (outer, C, inner)
        dL/dy.
    batch_statistics : bool
        True when the forward pass used the batch's own statistics (training): dx then includes
        their dependence on x. False for fixed (moving) statistics.
    need_input_grad : bool
        False skips dL/dx (returned as None).

    Returns
    -------
    grad_input : ndarray (outer, C, inner) or None
    grad_gamma, grad_beta : ndarray (C,)
    """
    x, gamma, mean, inv_std, g = prepare_batch_norm_backward(x, gamma, mean, inv_std, grad_output)
    m = x.shape[0] * x.shape[2]
    x_hat = (x - _channels(mean)) * _channels(inv_std)
    grad_beta = g.sum(axis=_STAT_AXES)
    grad_gamma = (g * x_hat).sum(axis=_STAT_AXES)
    grad_input = None
    if need_input_grad:
        scale = _channels(gamma * inv_std)
        if batch_statistics and m > 0:
            grad_input = scale * (g - _channels(grad_beta / m) - x_hat * _channels(grad_gamma / m))
        else:
            grad_input = scale * g
        grad_input = np.ascontiguousarray(grad_input, dtype=x.dtype)
    return grad_input, grad_gamma.astype(x.dtype), grad_beta.astype(x.dtype)
