"""2-D convolution in NumPy: im2col, one matrix product, col2im (twins of ``csrc/conv.pyx``).

What a convolution layer computes is a *cross-correlation*: the window is laid on the image as
it is, not flipped,

    y[n, i, j, f] = b[f] + Σ_{p, q, c} x_pad[n, i·s_h + p·d_h, j·s_w + q·d_w, c] · K[p, q, c, f]

(``s`` = strides, ``d`` = dilation, ``x_pad`` the input with the zeros of ``'same'`` padding).
The mathematicians' convolution flips the kernel first (``K[kh−1−p, kw−1−q]``); since the
kernel is learned, a network can learn the flipped kernel just as well, so every deep-learning
library, Keras included, computes the correlation and calls it convolution.

The trick that makes it fast: copy every window into one row of a matrix (*im2col*), with the
rows ordered ``(n, i, j)`` and the columns ``(p, q, c)``. The kernel reshaped to
``(kh·kw·c, filters)`` then turns the whole layer into one matrix product, which BLAS does at
near-peak speed::

    cols (N·OH·OW, KH·KW·C)  @  kernel (KH·KW·C, F)  ->  y (N·OH·OW, F) = (N, OH, OW, F)

The backward pass is two more products and the inverse scatter (*col2im*)::

    dK    = colsᵀ @ dY                    (KH·KW·C, F)
    dcols = dY @ Kᵀ, then col2im(dcols)   (N, H, W, C)     — overlapping windows add up
    db    = Σ over (n, i, j) of dY        (F,)

All arrays are channels-last (NHWC); the kernel is Keras's ``(kh, kw, in_channels, filters)``.
"""
from __future__ import annotations

import numpy as np

from .._checks import thread_count
from .._checks.conv import (
    VALID, prepare_col2im, prepare_conv2d_backward, prepare_conv2d_forward, prepare_im2col,
)
from .._checks.dense import LINEAR, RELU

__all__ = ["conv2d_forward", "conv2d_backward", "im2col", "col2im"]


def _window_slices(p, q, strides, dilation, oh, ow):
    """The strided slice of the padded image that kernel tap (p, q) touches, for all outputs."""
    (sh, sw), (dh, dw) = strides, dilation
    rows = slice(p * dh, p * dh + sh * (oh - 1) + 1, sh)
    cols = slice(q * dw, q * dw + sw * (ow - 1) + 1, sw)
    return rows, cols


def _pad(x, kh, kw, geometry):
    """Zero-pad ``x`` (NHWC) by the amounts 'same' needs (nothing for 'valid')."""
    strides, dilation, oh, ow, pt, pl = geometry
    n, h, w, c = x.shape
    need_h = (oh - 1) * strides[0] + (kh - 1) * dilation[0] + 1
    need_w = (ow - 1) * strides[1] + (kw - 1) * dilation[1] + 1
    pb, pr = max(need_h - h - pt, 0), max(need_w - w - pl, 0)
    if pt == pb == pl == pr == 0:
        return x, (0, 0)
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0))), (pb, pr)


def _im2col(x, kh, kw, geometry):
    strides, dilation, oh, ow, _, _ = geometry
    xp, _ = _pad(x, kh, kw, geometry)
    n, c = x.shape[0], x.shape[3]
    cols = np.empty((n, oh, ow, kh, kw, c), dtype=x.dtype)
    for p in range(kh):
        for q in range(kw):
            rows, cs = _window_slices(p, q, strides, dilation, oh, ow)
            cols[:, :, :, p, q, :] = xp[:, rows, cs, :]
    return cols.reshape(n * oh * ow, kh * kw * c)


def _col2im(cols, input_shape, kh, kw, geometry):
    strides, dilation, oh, ow, pt, pl = geometry
    n, h, w, c = input_shape
    need_h = (oh - 1) * strides[0] + (kh - 1) * dilation[0] + 1
    need_w = (ow - 1) * strides[1] + (kw - 1) * dilation[1] + 1
    xp = np.zeros((n, max(h + pt, need_h), max(w + pl, need_w), c), dtype=cols.dtype)
    windows = cols.reshape(n, oh, ow, kh, kw, c)
    for p in range(kh):
        for q in range(kw):
            rows, cs = _window_slices(p, q, strides, dilation, oh, ow)
            xp[:, rows, cs, :] += windows[:, :, :, p, q, :]   # overlapping windows add up
    return np.ascontiguousarray(xp[:, pt:pt + h, pl:pl + w, :])


def im2col(x, kernel_size, *, strides=1, padding=VALID, dilation=1):
    """Copy every window of ``x`` into one row: ``(N·OH·OW, KH·KW·C)``.

    Rows are ordered ``(n, i, j)`` (output position), columns ``(p, q, c)`` (kernel tap, then
    channel), so ``im2col(x, ...) @ kernel.reshape(-1, F)`` is the convolution.
    """
    x, (kh, kw), geometry = prepare_im2col(x, kernel_size, strides, padding, dilation)
    return _im2col(x, kh, kw, geometry)


def col2im(cols, input_shape, kernel_size, *, strides=1, padding=VALID, dilation=1):
    """The adjoint of :func:`im2col`: add every row back onto the window it came from.

    Returns an array of ``input_shape`` (NHWC). Where windows overlap, their values add up, which
    is exactly the gradient of ``im2col``. (It is *not* the inverse: a pixel seen by 4 windows
    comes back 4 times.)
    """
    cols, input_shape, (kh, kw), geometry = prepare_col2im(
        cols, input_shape, kernel_size, strides, padding, dilation)
    return _col2im(cols, input_shape, kh, kw, geometry)


def conv2d_forward(x, kernel, bias=None, *, strides=1, padding=VALID, dilation=1,
                   activation=LINEAR, out=None, threads=1):
    """2-D cross-correlation of a batch of images with a bank of filters.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
        float32 or float64, channels last.
    kernel : ndarray, shape (KH, KW, C, F)
        Same dtype as ``x``.
    bias : ndarray, shape (F,), optional
    strides, dilation : int or (int, int)
        Step between windows, and spacing between kernel taps (1 = contiguous).
    padding : {'valid', 'same'}
        See :mod:`pynet.kernels._checks.conv` for the output-size rules.
    activation : {'linear', 'relu'}
        ``'relu'`` applies max(0, ·) to the result in the same pass (the layer applies any other
        activation itself).
    out : ndarray, shape (N, OH, OW, F), optional
        C-contiguous array that receives the result.
    threads : int
        How many threads the compiled kernel may share the batch among (checked here; NumPy
        computes this version with its own threads).

    Returns
    -------
    ndarray, shape (N, OH, OW, F)
        ``y[n, i, j, f] = bias[f] + Σ_{p,q,c} x_pad[n, i·s + p·d, j·s + q·d, c] · kernel[p, q, c, f]``
    """
    thread_count("conv2d_forward", threads)
    x, kernel, bias, out, geometry, activation = prepare_conv2d_forward(
        x, kernel, bias, strides, padding, dilation, out, activation)
    kh, kw, c, f = kernel.shape
    cols = _im2col(x, kh, kw, geometry)
    np.matmul(cols, kernel.reshape(kh * kw * c, f), out=out.reshape(-1, f))
    if bias is not None:
        out += bias
    if activation == RELU:
        np.maximum(out, 0, out=out)
    return out


def conv2d_backward(x, kernel, grad_output, *, strides=1, padding=VALID, dilation=1,
                    activation=LINEAR, output=None, need_input_grad=True, need_bias_grad=True,
                    threads=1):
    """Gradients of :func:`conv2d_forward` given dL/dy.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
        The forward pass's input.
    kernel : ndarray, shape (KH, KW, C, F)
    grad_output : ndarray, shape (N, OH, OW, F)
        dL/dy.
    strides, padding, dilation
        As in the forward pass.
    activation : {'linear', 'relu'}, and output : ndarray (N, OH, OW, F)
        With ``'relu'``, ``grad_output`` is dL/d(relu output) and ``output`` the forward
        result; the ReLU's derivative ``[output > 0]`` is applied first.
    need_input_grad, need_bias_grad : bool
        Skip dL/dx (the first layer of a network needs none) or dL/db (no bias).
    threads : int
        As for :func:`conv2d_forward`.

    Returns
    -------
    grad_input : ndarray (N, H, W, C) or None
    grad_kernel : ndarray (KH, KW, C, F)
    grad_bias : ndarray (F,) or None
    """
    thread_count("conv2d_backward", threads)
    x, kernel, grad_output, geometry = prepare_conv2d_backward(
        x, kernel, grad_output, strides, padding, dilation, activation, output)
    kh, kw, c, f = kernel.shape
    dy = grad_output.reshape(-1, f)
    cols = _im2col(x, kh, kw, geometry)
    grad_kernel = (cols.T @ dy).reshape(kernel.shape)
    grad_bias = dy.sum(axis=0) if need_bias_grad else None
    grad_input = None
    if need_input_grad:
        dcols = dy @ kernel.reshape(kh * kw * c, f).T
        grad_input = _col2im(dcols, x.shape, kh, kw, geometry)
    return grad_input, grad_kernel, grad_bias
