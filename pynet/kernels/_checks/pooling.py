"""Argument preparation for the pooling kernels (both backends call these).

Pooling windows follow the convolution size rules of :mod:`pynet.kernels._checks.conv` (with
dilation 1). With ``'same'`` padding the padded positions are *not* values: max-pooling ignores
them and average-pooling divides by the number of real pixels in the window (TensorFlow/Keras
behaviour), so a border window of 2 real pixels out of 4 averages those 2.
"""
from __future__ import annotations

import numpy as np

from . import as_float_array
from .conv import conv_geometry, image_batch, normalize_pair, normalize_padding


def pool_geometry(kernel: str, x_shape, pool_size, strides, padding):
    """``((ph, pw), (sh, sw), oh, ow, pad_top, pad_left)``; ``strides=None`` means the pool size."""
    where = f"{kernel}()"
    pool = normalize_pair("pool_size", pool_size, where=where)
    strides = pool if strides is None else normalize_pair("strides", strides, where=where)
    padding = normalize_padding(padding, where=where)
    oh, ow, pt, pl = conv_geometry(x_shape[1:3], pool, strides, (1, 1), padding, where=where)
    return pool, strides, oh, ow, pt, pl


#: Largest image (height · width) whose positions fit the compiled max-pool's int32 counters.
MAX_PIXELS = 2 ** 31 - 1


def prepare_pool_forward(kernel, x, pool_size, strides, padding):
    """Validate a pooling forward call; return ``(x, geometry)``."""
    x = image_batch("x", x, kernel=kernel)
    if x.shape[1] * x.shape[2] > MAX_PIXELS:
        raise ValueError(f"{kernel}(): images of {x.shape[1]}x{x.shape[2]} pixels are larger than "
                         f"the {MAX_PIXELS:,} positions argmax can address")
    return x, pool_geometry(kernel, x.shape, pool_size, strides, padding)


def _input_shape(kernel, input_shape):
    shape = tuple(int(v) for v in input_shape)
    if len(shape) != 4:
        raise ValueError(f"{kernel}(): input_shape must be (batch, height, width, channels), "
                         f"got {input_shape!r}")
    return shape


def prepare_max_pool_backward(grad_output, argmax, input_shape):
    """Validate ``max_pool2d_backward``; return ``(grad_output, argmax, input_shape)``."""
    k = "max_pool2d_backward"
    grad_output = as_float_array("grad_output", grad_output, ndim=4, kernel=k)
    input_shape = _input_shape(k, input_shape)
    argmax = np.asarray(argmax)
    if argmax.dtype != np.int64:
        raise TypeError(f"{k}(): argument 'argmax' must be the int64 array max_pool2d_forward "
                        f"returned, got dtype {argmax.dtype}")
    if argmax.shape != grad_output.shape:
        raise ValueError(f"{k}(): argmax must have grad_output's shape {grad_output.shape}, "
                         f"got {argmax.shape}")
    n, h, w, c = input_shape
    if grad_output.shape[0] != n or grad_output.shape[3] != c:
        raise ValueError(f"{k}(): grad_output {grad_output.shape} does not match input_shape "
                         f"{input_shape} in batch size or channels")
    argmax = np.ascontiguousarray(argmax)
    if argmax.size and (argmax.min() < 0 or argmax.max() >= h * w):
        raise ValueError(f"{k}(): argmax holds positions outside the {h}x{w} input; was it made "
                         "for another input_shape?")
    return grad_output, argmax, input_shape


def prepare_avg_pool_backward(grad_output, input_shape, pool_size, strides, padding):
    """Validate ``avg_pool2d_backward``; return ``(grad_output, input_shape, geometry)``."""
    k = "avg_pool2d_backward"
    grad_output = as_float_array("grad_output", grad_output, ndim=4, kernel=k)
    input_shape = _input_shape(k, input_shape)
    geometry = pool_geometry(k, input_shape, pool_size, strides, padding)
    _, _, oh, ow, _, _ = geometry
    want = (input_shape[0], oh, ow, input_shape[3])
    if grad_output.shape != want:
        raise ValueError(f"{k}(): grad_output must have the forward output's shape {want}, "
                         f"got {grad_output.shape}")
    return grad_output, input_shape, geometry


def window_start_counts(n: int, out: int, k: int, s: int, pad: int):
    """For one axis: first real pixel of each window and how many real pixels it holds."""
    starts = np.arange(out) * s - pad
    lo = np.maximum(starts, 0)
    hi = np.minimum(starts + k, n)
    return lo, hi - lo
