"""Max and average pooling in NumPy (twins of ``csrc/pooling.pyx``), channels last (NHWC).

Max pooling keeps, for every window and channel, the largest value and *where* it was
(``argmax``, the flat position ``row · W + col`` in the input image). The backward pass sends
each output gradient to that one position; where windows overlap (stride < pool size) a pixel
can win several windows and its gradients **add up** — writing ``=`` instead of ``+=`` there is
the classic max-pool bug that tests with non-overlapping windows never see.

Tie rule: windows are scanned row by row, left to right, and a later value replaces the current
best only if it is strictly greater, so among equal maxima the **first** (top-left-most) gets the
gradient. Both backends follow this rule exactly.

Average pooling divides by the number of real pixels in the window ('same' padding adds none).
"""
from __future__ import annotations

import numpy as np

from .._checks import thread_count
from .._checks.conv import VALID
from .._checks.pooling import (
    prepare_avg_pool_backward, prepare_max_pool_backward, prepare_pool_forward,
    window_start_counts,
)

__all__ = ["max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
           "avg_pool2d_backward"]


def _padded(x, geometry, fill):
    (ph, pw), (sh, sw), oh, ow, pt, pl = geometry
    n, h, w, c = x.shape
    pb = max((oh - 1) * sh + ph - h - pt, 0)
    pr = max((ow - 1) * sw + pw - w - pl, 0)
    if pt == pb == pl == pr == 0:
        return x
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=fill)


def _tap(xp, p, q, geometry):
    """The value under window tap (p, q) for every output position: (N, OH, OW, C)."""
    (ph, pw), (sh, sw), oh, ow, pt, pl = geometry
    return xp[:, p:p + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw, :]


def max_pool2d_forward(x, pool_size, *, strides=None, padding=VALID, threads=1):
    """Max pooling.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
    pool_size : int or (int, int)
    strides : int or (int, int), optional
        Defaults to ``pool_size`` (non-overlapping windows).
    padding : {'valid', 'same'}
    threads : int
        How many threads the compiled kernel may share the images among (checked here; this
        version computes with NumPy).

    Returns
    -------
    y : ndarray, shape (N, OH, OW, C)
        ``y[n, i, j, c] = max over the window of x[n, :, :, c]``.
    argmax : ndarray of int64, shape (N, OH, OW, C)
        Flat position ``row · W + col`` of the winner (first one on ties).
    """
    thread_count("max_pool2d_forward", threads)
    x, geometry = prepare_pool_forward("max_pool2d_forward", x, pool_size, strides, padding)
    (ph, pw), (sh, sw), oh, ow, pt, pl = geometry
    n, h, w, c = x.shape
    xp = _padded(x, geometry, -np.inf)
    # Start from the first real pixel of each window (padding is never a candidate).
    row0, _ = window_start_counts(h, oh, ph, sh, pt)
    col0, _ = window_start_counts(w, ow, pw, sw, pl)
    best = x[:, row0][:, :, col0].copy()
    first = (row0[:, None] * w + col0[None, :])[None, :, :, None]
    argmax = np.broadcast_to(first, best.shape).astype(np.int64)
    rows = np.arange(oh) * sh - pt
    cols = np.arange(ow) * sw - pl
    for p in range(ph):
        for q in range(pw):
            v = _tap(xp, p, q, geometry)
            position = ((rows + p)[:, None] * w + (cols + q)[None, :])[None, :, :, None]
            better = v > best                         # strictly: the first maximum wins ties
            best = np.where(better, v, best)
            argmax = np.where(better, position, argmax)
    return np.ascontiguousarray(best, dtype=x.dtype), np.ascontiguousarray(argmax)


def max_pool2d_backward(grad_output, argmax, input_shape, *, threads=1):
    """Send each output gradient to the input position that won its window.

    ``grad_input[n, argmax[n, i, j, c], c] += grad_output[n, i, j, c]`` (flat spatial index);
    gradients of overlapping windows that share a winner add up.
    """
    thread_count("max_pool2d_backward", threads)
    grad_output, argmax, input_shape = prepare_max_pool_backward(grad_output, argmax, input_shape)
    n, h, w, c = input_shape
    grad = np.zeros((n, h * w, c), dtype=grad_output.dtype)
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(c)[None, None, None, :]
    np.add.at(grad, (batch, argmax, channel), grad_output)   # add.at: repeated indices add up
    return grad.reshape(input_shape)


def avg_pool2d_forward(x, pool_size, *, strides=None, padding=VALID, threads=1):
    """Average pooling: the mean of the real pixels of each window, per channel.

    Same arguments as :func:`max_pool2d_forward`; returns ``y`` of shape (N, OH, OW, C).
    """
    thread_count("avg_pool2d_forward", threads)
    x, geometry = prepare_pool_forward("avg_pool2d_forward", x, pool_size, strides, padding)
    (ph, pw), (sh, sw), oh, ow, pt, pl = geometry
    n, h, w, c = x.shape
    xp = _padded(x, geometry, 0)
    total = np.zeros((n, oh, ow, c), dtype=x.dtype)
    for p in range(ph):
        for q in range(pw):
            total += _tap(xp, p, q, geometry)
    return total / _counts(h, w, geometry).astype(x.dtype)


def _counts(h, w, geometry):
    (ph, pw), (sh, sw), oh, ow, pt, pl = geometry
    _, count_h = window_start_counts(h, oh, ph, sh, pt)
    _, count_w = window_start_counts(w, ow, pw, sw, pl)
    return (count_h[:, None] * count_w[None, :])[None, :, :, None]


def avg_pool2d_backward(grad_output, input_shape, pool_size, *, strides=None, padding=VALID,
                        threads=1):
    """Each window's gradient, divided by its pixel count, goes to every real pixel in it.

    Returns ``grad_input`` of ``input_shape`` (N, H, W, C).
    """
    thread_count("avg_pool2d_backward", threads)
    grad_output, input_shape, geometry = prepare_avg_pool_backward(
        grad_output, input_shape, pool_size, strides, padding)
    (ph, pw), (sh, sw), oh, ow, pt, pl = geometry
    n, h, w, c = input_shape
    share = grad_output / _counts(h, w, geometry).astype(grad_output.dtype)
    hp = max((oh - 1) * sh + ph, h + pt)
    wp = max((ow - 1) * sw + pw, w + pl)
    grad = np.zeros((n, hp, wp, c), dtype=grad_output.dtype)
    for p in range(ph):
        for q in range(pw):
            grad[:, p:p + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw, :] += share
    return np.ascontiguousarray(grad[:, pt:pt + h, pl:pl + w, :])
