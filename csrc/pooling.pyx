"""Compiled twins of pynet/kernels/reference/pooling.py (same names, signatures and checks).

Direct loops, channels last: for every output position the window's rows and columns are clipped
to the image once, and the innermost loop runs over the channels, which are contiguous in
memory. Same tie rule as the reference: scanning row by row, a later value replaces the best
only if strictly greater, so the first maximum wins. Overlapping windows add their gradients.
"""
from cython cimport floating
from libc.string cimport memcpy
import numpy as np

from pynet.kernels._checks.pooling import (
    prepare_avg_pool_backward, prepare_max_pool_backward, prepare_pool_forward,
)

__all__ = ["max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
           "avg_pool2d_backward"]


cdef struct Window:
    Py_ssize_t h, w, c, ph, pw, sh, sw, oh, ow, pt, pl


cdef Window _window(tuple shape, tuple geometry):
    cdef Window g
    pool, strides, oh, ow, pt, pl = geometry
    g.h, g.w, g.c = shape[1], shape[2], shape[3]
    g.ph, g.pw = pool
    g.sh, g.sw = strides
    g.oh, g.ow, g.pt, g.pl = oh, ow, pt, pl
    return g


cdef inline void _clip(Py_ssize_t start, Py_ssize_t size, Py_ssize_t limit,
                       Py_ssize_t *lo, Py_ssize_t *hi) noexcept nogil:
    lo[0] = start if start > 0 else 0
    hi[0] = start + size if start + size < limit else limit


cdef void _max_forward(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] y,
                       long long[:, :, :, ::1] argmax, Window g):
    cdef Py_ssize_t n, i, j, r, s, ch, r0, r1, s0, s1
    cdef Py_ssize_t batch = x.shape[0]
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *src
    cdef floating *yp = &y[0, 0, 0, 0]
    cdef long long *ap = &argmax[0, 0, 0, 0]
    cdef floating *best
    cdef long long *where
    with nogil:
        for n in range(batch):
            for i in range(g.oh):
                _clip(i * g.sh - g.pt, g.ph, g.h, &r0, &r1)
                for j in range(g.ow):
                    _clip(j * g.sw - g.pl, g.pw, g.w, &s0, &s1)
                    best = yp + ((n * g.oh + i) * g.ow + j) * g.c
                    where = ap + ((n * g.oh + i) * g.ow + j) * g.c
                    # start from the window's first real pixel, then look for strictly larger
                    src = xp + ((n * g.h + r0) * g.w + s0) * g.c
                    memcpy(best, src, g.c * sizeof(floating))
                    for ch in range(g.c):
                        where[ch] = r0 * g.w + s0
                    for r in range(r0, r1):
                        for s in range(s0, s1):
                            src = xp + ((n * g.h + r) * g.w + s) * g.c
                            for ch in range(g.c):
                                if src[ch] > best[ch]:
                                    best[ch] = src[ch]
                                    where[ch] = r * g.w + s


def max_pool2d_forward(x, pool_size, *, strides=None, padding="valid"):
    """Max pooling, NHWC; returns ``(y, argmax)``. Same contract as
    :func:`pynet.kernels.reference.pooling.max_pool2d_forward`."""
    x, geometry = prepare_pool_forward("max_pool2d_forward", x, pool_size, strides, padding)
    _, _, oh, ow, _, _ = geometry
    shape = (x.shape[0], oh, ow, x.shape[3])
    y = np.empty(shape, dtype=x.dtype)
    argmax = np.empty(shape, dtype=np.int64)
    if y.size == 0:
        return y, argmax
    cdef Window g = _window(x.shape, geometry)
    if x.dtype == np.float64:
        _max_forward[double](x, y, argmax, g)
    else:
        _max_forward[float](x, y, argmax, g)
    return y, argmax


cdef void _max_backward(const floating[:, :, :, ::1] dy, const long long[:, :, :, ::1] argmax,
                        floating[:, :, :, ::1] dx):
    cdef Py_ssize_t n, r, ch
    cdef Py_ssize_t batch = dy.shape[0], positions = dy.shape[1] * dy.shape[2]
    cdef Py_ssize_t c = dy.shape[3], plane = dx.shape[1] * dx.shape[2] * dx.shape[3]
    cdef const floating *gp = &dy[0, 0, 0, 0]
    cdef const long long *ap = &argmax[0, 0, 0, 0]
    cdef floating *dp = &dx[0, 0, 0, 0]
    cdef Py_ssize_t k
    with nogil:
        for n in range(batch):
            for r in range(positions):
                k = (n * positions + r) * c
                for ch in range(c):
                    dp[n * plane + ap[k + ch] * c + ch] += gp[k + ch]


def max_pool2d_backward(grad_output, argmax, input_shape):
    """Gradients to the winning positions, adding up where windows overlap. Same contract as
    :func:`pynet.kernels.reference.pooling.max_pool2d_backward`."""
    grad_output, argmax, input_shape = prepare_max_pool_backward(grad_output, argmax, input_shape)
    dx = np.zeros(input_shape, dtype=grad_output.dtype)
    if grad_output.size == 0 or dx.size == 0:
        return dx
    if grad_output.dtype == np.float64:
        _max_backward[double](grad_output, argmax, dx)
    else:
        _max_backward[float](grad_output, argmax, dx)
    return dx


cdef void _avg_forward(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] y, Window g):
    cdef Py_ssize_t n, i, j, r, s, ch, r0, r1, s0, s1
    cdef Py_ssize_t batch = x.shape[0]
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *src
    cdef floating *acc
    cdef floating inv
    with nogil:
        for n in range(batch):
            for i in range(g.oh):
                _clip(i * g.sh - g.pt, g.ph, g.h, &r0, &r1)
                for j in range(g.ow):
                    _clip(j * g.sw - g.pl, g.pw, g.w, &s0, &s1)
                    acc = &y[n, i, j, 0]
                    for ch in range(g.c):
                        acc[ch] = 0
                    for r in range(r0, r1):
                        for s in range(s0, s1):
                            src = xp + ((n * g.h + r) * g.w + s) * g.c
                            for ch in range(g.c):
                                acc[ch] += src[ch]
                    inv = <floating>1.0 / <floating>((r1 - r0) * (s1 - s0))
                    for ch in range(g.c):
                        acc[ch] = acc[ch] * inv


def avg_pool2d_forward(x, pool_size, *, strides=None, padding="valid"):
    """Average pooling over the real pixels of each window, NHWC. Same contract as
    :func:`pynet.kernels.reference.pooling.avg_pool2d_forward`."""
    x, geometry = prepare_pool_forward("avg_pool2d_forward", x, pool_size, strides, padding)
    _, _, oh, ow, _, _ = geometry
    y = np.empty((x.shape[0], oh, ow, x.shape[3]), dtype=x.dtype)
    if y.size == 0:
        return y
    cdef Window g = _window(x.shape, geometry)
    if x.dtype == np.float64:
        _avg_forward[double](x, y, g)
    else:
        _avg_forward[float](x, y, g)
    return y


cdef void _avg_backward(const floating[:, :, :, ::1] dy, floating[:, :, :, ::1] dx, Window g):
    cdef Py_ssize_t n, i, j, r, s, ch, r0, r1, s0, s1
    cdef Py_ssize_t batch = dy.shape[0]
    cdef const floating *src
    cdef floating *dst
    cdef floating *dp = &dx[0, 0, 0, 0]
    cdef floating inv
    with nogil:
        for n in range(batch):
            for i in range(g.oh):
                _clip(i * g.sh - g.pt, g.ph, g.h, &r0, &r1)
                for j in range(g.ow):
                    _clip(j * g.sw - g.pl, g.pw, g.w, &s0, &s1)
                    src = &dy[n, i, j, 0]
                    # divide by the count in floating point, as the reference does
                    inv = <floating>((r1 - r0) * (s1 - s0))
                    for r in range(r0, r1):
                        for s in range(s0, s1):
                            dst = dp + ((n * g.h + r) * g.w + s) * g.c
                            for ch in range(g.c):
                                dst[ch] += src[ch] / inv


def avg_pool2d_backward(grad_output, input_shape, pool_size, *, strides=None, padding="valid"):
    """Each window's gradient, divided by its pixel count, to every real pixel in it. Same
    contract as :func:`pynet.kernels.reference.pooling.avg_pool2d_backward`."""
    grad_output, input_shape, geometry = prepare_avg_pool_backward(
        grad_output, input_shape, pool_size, strides, padding)
    dx = np.zeros(input_shape, dtype=grad_output.dtype)
    if grad_output.size == 0 or dx.size == 0:
        return dx
    cdef Window g = _window(input_shape, geometry)
    if grad_output.dtype == np.float64:
        _avg_backward[double](grad_output, dx, g)
    else:
        _avg_backward[float](grad_output, dx, g)
    return dx
