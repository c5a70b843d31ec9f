"""Depthwise 2-D convolution in NumPy (twins of ``csrc/depthwise.pyx``).

A depthwise convolution filters every input channel on its own: channel ``c`` meets only its
``M`` kernels ``K[:, :, c, m]`` (``M`` = depth multiplier), with no sum over channels::

    y[n, i, j, c·M + m] = b[c·M + m] + Σ_{p, q} x_pad[n, i·s_h + p·d_h, j·s_w + q·d_w, c] · K[p, q, c, m]

It costs ``kh·kw`` multiply-adds per output value instead of a full convolution's ``kh·kw·C``.
A separable convolution (Chollet §7.3.3, Xception) follows it with a 1×1 convolution that mixes
the channels. Here the sum runs tap by tap: each ``(p, q)`` adds one strided slice of the padded
image times that tap's ``(C, M)`` weights. Backward, for the same slices::

    dK[p, q, c, m] = Σ_{n,i,j} x_slice[n, i, j, c] · g[n, i, j, c, m]
    dx_slice[n, i, j, c] += Σ_m g[n, i, j, c, m] · K[p, q, c, m]      (overlapping windows add)
    db = Σ_{n,i,j} g
"""
from __future__ import annotations

import numpy as np

from .._checks.conv import VALID
from .._checks.depthwise import (
    padded_extent, prepare_depthwise_conv2d_backward, prepare_depthwise_conv2d_forward,
)
from .conv import _pad, _window_slices

__all__ = ["depthwise_conv2d_forward", "depthwise_conv2d_backward"]


def depthwise_conv2d_forward(x, kernel, bias=None, *, strides=1, padding=VALID, dilation=1):
    """Depthwise cross-correlation of a batch of images.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
        float32 or float64, channels last.
    kernel : ndarray, shape (KH, KW, C, M)
        Keras's depthwise kernel; same dtype as ``x``.
    bias : ndarray, shape (C·M,), optional
    strides, padding, dilation
        As for :func:`pynet.kernels.reference.conv.conv2d_forward`.

    Returns
    -------
    ndarray, shape (N, OH, OW, C·M)
    """
    x, kernel, bias, geometry = prepare_depthwise_conv2d_forward(
        x, kernel, bias, strides, padding, dilation)
    strides, dilation, oh, ow, _, _ = geometry
    kh, kw, c, m = kernel.shape
    xp, _ = _pad(x, kh, kw, geometry)
    y = np.zeros((x.shape[0], oh, ow, c, m), dtype=x.dtype)
    for p in range(kh):
        for q in range(kw):
            rows, cols = _window_slices(p, q, strides, dilation, oh, ow)
            y += xp[:, rows, cols, :, None] * kernel[p, q]          # (C, 1) · (C, M)
    y = y.reshape(x.shape[0], oh, ow, c * m)
    if bias is not None:
        y += bias
    return y


def depthwise_conv2d_backward(x, kernel, grad_output, *, strides=1, padding=VALID, dilation=1,
                              need_input_grad=True, need_bias_grad=True):
    """Gradients of :func:`depthwise_conv2d_forward` given dL/dy.

    Returns
    -------
    grad_input : ndarray (N, H, W, C) or None
    grad_kernel : ndarray (KH, KW, C, M)
    grad_bias : ndarray (C·M,) or None
    """
    x, kernel, grad_output, geometry = prepare_depthwise_conv2d_backward(
        x, kernel, grad_output, strides, padding, dilation)
    strides, dilation, oh, ow, pt, pl = geometry
    kh, kw, c, m = kernel.shape
    n, h, w, _ = x.shape
    g = grad_output.reshape(n, oh, ow, c, m)
    xp, _ = _pad(x, kh, kw, geometry)
    grad_kernel = np.empty_like(kernel)
    dxp = np.zeros((n,) + padded_extent(x.shape, (kh, kw), geometry) + (c,), dtype=x.dtype) \
        if need_input_grad else None
    for p in range(kh):
        for q in range(kw):
            rows, cols = _window_slices(p, q, strides, dilation, oh, ow)
            grad_kernel[p, q] = np.einsum("nijc,nijcm->cm", xp[:, rows, cols, :], g)
            if need_input_grad:
                dxp[:, rows, cols, :] += np.einsum("nijcm,cm->nijc", g, kernel[p, q])
    grad_bias = grad_output.sum(axis=(0, 1, 2)) if need_bias_grad else None
    grad_input = np.ascontiguousarray(dxp[:, pt:pt + h, pl:pl + w, :]) if need_input_grad else None
    return grad_input, grad_kernel, grad_bias
