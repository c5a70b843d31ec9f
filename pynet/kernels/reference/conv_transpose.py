"""Transposed 2-D convolution in NumPy: one matrix product, then col2im (twin of
``csrc/conv_transpose.pyx``).

A convolution maps an image ``Y (OH, OW, F)`` to ``X (H, W, C)`` by ``X = im2col(Y) @ K`` with
``K`` reshaped to ``(kh·kw·F, C)``. Its *transpose* goes the other way, from a small ``x`` to a
large ``y``, with the same kernel read backwards — exactly the convolution's input gradient::

    cols (N·H·W, kh·kw·F) = x (N·H·W, C) @ Kᵀ          every input pixel paints a kh×kw patch
    y (N, OH, OW, F)      = col2im(cols) + b            overlapping patches add up

So each input pixel, times the kernel, is stamped onto the output at ``stride`` steps: a stride of
2 doubles the picture (the generator of a GAN, the decoder of a VAE). The backward pass is the
convolution's forward: ``dx = im2col(dy) @ K`` (``= conv2d(dy, K)``), ``dK = im2col(dy)ᵀ @ x``,
``db = Σ dy``. Kernel layout ``(kh, kw, filters, in_channels)``, Keras's.
"""
from __future__ import annotations


from pynet.kernels._checks import thread_count
from pynet.kernels._checks.conv import VALID
from pynet.kernels._checks.conv_transpose import (
    prepare_conv2d_transpose_backward, prepare_conv2d_transpose_forward,
)
from pynet.kernels.reference.conv import _col2im, _im2col

__all__ = ["conv2d_transpose_forward", "conv2d_transpose_backward"]


def conv2d_transpose_forward(x, kernel, bias=None, *, strides=1, padding=VALID,
                             output_padding=None, threads=1):
    """Transposed convolution of a batch ``x (N, H, W, C)`` with ``kernel (kh, kw, F, C)``.

    Returns ``y (N, OH, OW, F)`` with Keras's output size (see
    :mod:`pynet.kernels._checks.conv_transpose`)::

        y[n, i·s + p − pad_top, j·s + q − pad_left, f] += Σ_c x[n, i, j, c] · kernel[p, q, f, c]
    """
    thread_count("conv2d_transpose_forward", threads)    # used by the compiled twin only
    x, kernel, bias, geometry, out_shape = prepare_conv2d_transpose_forward(
        x, kernel, bias, strides, padding, output_padding)
    kh, kw, f, c = kernel.shape
    cols = x.reshape(-1, c) @ kernel.reshape(kh * kw * f, c).T
    y = _col2im(cols, out_shape, kh, kw, geometry)
    if bias is not None:
        y += bias
    return y


def conv2d_transpose_backward(x, kernel, grad_output, *, strides=1, padding=VALID,
                              output_padding=None, need_input_grad=True, need_bias_grad=True,
                              threads=1):
    """Gradients of :func:`conv2d_transpose_forward` given ``dL/dy``:
    ``(grad_input or None, grad_kernel, grad_bias or None)``."""
    thread_count("conv2d_transpose_backward", threads)
    x, kernel, grad_output, geometry = prepare_conv2d_transpose_backward(
        x, kernel, grad_output, strides, padding, output_padding)
    kh, kw, f, c = kernel.shape
    dcols = _im2col(grad_output, kh, kw, geometry)            # (N·H·W, kh·kw·F)
    grad_kernel = (dcols.T @ x.reshape(-1, c)).reshape(kernel.shape)
    grad_bias = grad_output.sum(axis=(0, 1, 2)) if need_bias_grad else None
    grad_input = (dcols @ kernel.reshape(kh * kw * f, c)).reshape(x.shape) \
        if need_input_grad else None
    return grad_input, grad_kernel, grad_bias
