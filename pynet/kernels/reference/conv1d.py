"""1-D convolution in NumPy (twin of ``csrc/conv1d.pyx``): windows in rows, one matrix product.

Conv1D slides ``filters`` windows of ``kernel_size`` steps along the time axis of a batch of
sequences ``(N, L, C)`` (Chollet §6.4). Like Conv2D it computes a cross-correlation::

    y[n, t, f] = b[f] + Σ_{p, c} x_pad[n, t·s + p·d, c] · K[p, c, f]

with ``s`` the stride, ``d`` the dilation and ``x_pad`` the sequence with the zeros of ``'same'``
or ``'causal'`` padding (see :mod:`pynet.kernels._checks.conv1d`). Copy every window into one row
(``cols``, rows ``(n, t)``, columns ``(p, c)``) and the layer is one product::

    cols (N·OL, K·C) @ kernel (K·C, F) -> y (N·OL, F)

Backward: ``dK = colsᵀ @ dY``, ``db = Σ dY``, and ``dX`` is ``dY @ Kᵀ`` added back onto the
windows it came from (overlapping windows add up).
"""
from __future__ import annotations

import numpy as np

from .._checks.conv import VALID
from .._checks.conv1d import prepare_conv1d_backward, prepare_conv1d_forward
from .._checks.dense import LINEAR, RELU

__all__ = ["conv1d_forward", "conv1d_backward"]


def _padded(x, k, geometry):
    """``x`` with the zeros padding adds before and after (enough for every window)."""
    s, d, out_len, before = geometry
    need = (out_len - 1) * s + (k - 1) * d + 1 if out_len else 0
    after = max(need - x.shape[1] - before, 0)
    if before == after == 0:
        return x
    return np.pad(x, ((0, 0), (before, after), (0, 0)))


def _windows(x, k, geometry):
    """``cols``: every window as a row, ``(N·OL, K·C)``."""
    s, d, out_len, _ = geometry
    xp = _padded(x, k, geometry)
    n, _, c = x.shape
    cols = np.empty((n, out_len, k, c), dtype=x.dtype)
    for p in range(k):                     # tap p of every window is a strided slice
        cols[:, :, p, :] = xp[:, p * d:p * d + s * (out_len - 1) + 1:s, :]
    return cols.reshape(n * out_len, k * c)


def conv1d_forward(x, kernel, bias=None, *, strides=1, padding=VALID, dilation=1,
                   activation=LINEAR, out=None):
    """1-D cross-correlation of a batch of sequences with a bank of filters.

    Parameters
    ----------
    x : ndarray (N, L, C), float32 or float64
    kernel : ndarray (K, C, F), same dtype
    bias : ndarray (F,), optional
    strides, dilation : int
    padding : {'valid', 'same', 'causal'}
    activation : {'linear', 'relu'}
        ``'relu'`` applies max(0, ·) in the same pass.
    out : ndarray (N, OL, F), optional, C-contiguous

    Returns
    -------
    ndarray (N, OL, F): ``y[n, t, f] = bias[f] + Σ_{p,c} x_pad[n, t·s + p·d, c] · kernel[p, c, f]``
    """
    x, kernel, bias, out, geometry, activation = prepare_conv1d_forward(
        x, kernel, bias, strides, padding, dilation, out, activation)
    k, c, f = kernel.shape
    if out.size == 0:
        return out
    cols = _windows(x, k, geometry)
    np.matmul(cols, kernel.reshape(k * c, f), out=out.reshape(-1, f))
    if bias is not None:
        out += bias
    if activation == RELU:
        np.maximum(out, 0, out=out)
    return out


def conv1d_backward(x, kernel, grad_output, *, strides=1, padding=VALID, dilation=1,
                    activation=LINEAR, output=None, need_input_grad=True, need_bias_grad=True):
    """Gradients of :func:`conv1d_forward` given dL/dy ``(N, OL, F)``.

    With ``activation='relu'``, ``output`` is the forward result and ``[output > 0]`` is applied
    first. Returns ``(grad_input (N, L, C) or None, grad_kernel (K, C, F), grad_bias (F,) or None)``.
    """
    x, kernel, grad_output, geometry = prepare_conv1d_backward(
        x, kernel, grad_output, strides, padding, dilation, activation, output)
    k, c, f = kernel.shape
    s, d, out_len, before = geometry
    dy = grad_output.reshape(-1, f)
    cols = _windows(x, k, geometry)
    grad_kernel = (cols.T @ dy).reshape(kernel.shape).astype(x.dtype, copy=False)
    grad_bias = dy.sum(axis=0) if need_bias_grad else None
    grad_input = None
    if need_input_grad:
        dcols = (dy @ kernel.reshape(k * c, f).T).reshape(x.shape[0], out_len, k, c)
        n, steps, _ = x.shape
        length = max(steps + before, (out_len - 1) * s + (k - 1) * d + 1 if out_len else 0)
        dxp = np.zeros((n, length, c), dtype=x.dtype)
        for p in range(k):                 # add each tap's gradient back where it was read
            dxp[:, p * d:p * d + s * (out_len - 1) + 1:s, :] += dcols[:, :, p, :]
        grad_input = np.ascontiguousarray(dxp[:, before:before + steps, :])
    return grad_input, grad_kernel, grad_bias
