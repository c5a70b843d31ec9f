"""Compiled twins of pynet/kernels/reference/pooling.py (same names, signatures and checks).

Direct loops, channels last: for every output position the window's rows and columns are clipped
to the image once, and the innermost loop runs over the channels, which are contiguous in
memory. Same tie rule as the reference: scanning row by row, a later value replaces the best
only if strictly greater, so the first maximum wins. Overlapping windows add their gradients.
Each image is independent, so a batch's images are shared among ``threads`` OpenMP threads.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memcpy
import numpy as np

from pynet.kernels._checks import thread_count

from pynet.kernels._checks.pooling import (
    prepare_avg_pool_backward, prepare_max_pool_backward, prepare_pool_forward,
)

__all__ = ["max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
           "avg_pool2d_backward"]


cdef struct Window:
    Py_ssize_t h, w, c, ph, pw, sh, sw, oh, ow, pt, pl


cdef Window _window(tuple shape, tuple geometry):
    """The checked sizes (H, W, C, pool, strides, OH, OW, padding) as one struct"""
    cdef Window g
    pool, strides, oh, ow, pt, pl = geometry
    g.h, g.w, g.c = shape[1], shape[2], shape[3]
    g.ph, g.pw = pool
    g.sh, g.sw = strides
    g.oh, g.ow, g.pt, g.pl = oh, ow, pt, pl
    return g


cdef inline void _clip(Py_ssize_t start, Py_ssize_t size, Py_ssize_t limit,
                       Py_ssize_t *lo, Py_ssize_t *hi) noexcept nogil:
    """[lo, hi) = [start, start + size) ∩ [0, limit)"""
    lo[0] = start if start > 0 else 0
    hi[0] = start + size if start + size < limit else limit


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* One window pixel against the running maxima of `n` channels: keep the value and its
       position where it is strictly larger. Written with bit masks instead of if/else: with real
       data "is it larger?" is a coin toss, a mispredicted branch costs ~15 cycles, and the
       compiler will not turn a float comparison into a select by itself (it may trap). Masks
       also let it use vector instructions. */
    static inline void pynet_max_step_f(const float *src, float *restrict best,
                                        int32_t *restrict where, int32_t pos, Py_ssize_t n) {
        for (Py_ssize_t c = 0; c < n; c++) {
            float v = src[c], b = best[c];
            uint32_t m = (uint32_t)(-(int32_t)(v > b)), uv, ub, r;
            memcpy(&uv, &v, 4); memcpy(&ub, &b, 4);
            r = (uv & m) | (ub & ~m);
            memcpy(&best[c], &r, 4);
            where[c] = (int32_t)(((uint32_t)pos & m) | ((uint32_t)where[c] & ~m));
        }
    }
    static inline void pynet_max_step_d(const double *src, double *restrict best,
                                        int64_t *restrict where, int64_t pos, Py_ssize_t n) {
        for (Py_ssize_t c = 0; c < n; c++) {
            double v = src[c], b = best[c];
            uint64_t m = (uint64_t)(-(int64_t)(v > b)), uv, ub, r;
            memcpy(&uv, &v, 8); memcpy(&ub, &b, 8);
            r = (uv & m) | (ub & ~m);
            memcpy(&best[c], &r, 8);
            where[c] = (int64_t)(((uint64_t)pos & m) | ((uint64_t)where[c] & ~m));
        }
    }
    """
    void max_step_f "pynet_max_step_f" (const float *src, float *best, int32_t *where,
                                        int32_t pos, Py_ssize_t n) noexcept nogil
    void max_step_d "pynet_max_step_d" (const double *src, double *best, int64_t *where,
                                        int64_t pos, Py_ssize_t n) noexcept nogil


cdef enum:
    BLOCK = 64      # channels handled at once in local (stack) buffers


cdef extern from *:
    """
    #ifdef _OPENMP
    #define PYNET_POOL_OPENMP 1
    #else
    #define PYNET_POOL_OPENMP 0
    #endif
    """
    int PYNET_POOL_OPENMP

#: True when this module was compiled with OpenMP: ``threads > 1`` then shares a batch's images
#: among threads (each image is independent, so the numbers do not depend on it).
OPENMP = bool(PYNET_POOL_OPENMP)



cdef void _max_forward_image(const floating *xp, floating *yp, long long *ap, Py_ssize_t n,
                             Window g) noexcept nogil:
    """Image n: y[n, i, j, c] = max over the window of x[n, ·, ·, c]; argmax keeps its flat
    position."""
    # The running maxima live in small local arrays rather than in the output: the compiler
    # then knows they cannot alias the input and turns the compare-and-keep into vector code.
    cdef Py_ssize_t i, j, r, s, ch, r0, r1, s0, s1, c0, cb
    cdef const floating *src
    cdef floating *dst
    cdef long long *where_out
    cdef floating best[BLOCK]
    cdef int32_t where32[BLOCK]
    cdef int64_t where64[BLOCK]
    cdef Py_ssize_t pos
    for i in range(g.oh):
        _clip(i * g.sh - g.pt, g.ph, g.h, &r0, &r1)
        for j in range(g.ow):
            _clip(j * g.sw - g.pl, g.pw, g.w, &s0, &s1)
            dst = yp + ((n * g.oh + i) * g.ow + j) * g.c
            where_out = ap + ((n * g.oh + i) * g.ow + j) * g.c
            c0 = 0
            while c0 < g.c:
                cb = min(<Py_ssize_t>BLOCK, g.c - c0)
                # start from the window's first real pixel, then keep strictly larger
                src = xp + ((n * g.h + r0) * g.w + s0) * g.c + c0
                pos = r0 * g.w + s0
                for ch in range(cb):
                    best[ch] = src[ch]
                    where32[ch] = <int32_t>pos
                    where64[ch] = pos
                for r in range(r0, r1):
                    for s in range(s0, s1):
                        src = xp + ((n * g.h + r) * g.w + s) * g.c + c0
                        pos = r * g.w + s
                        if floating is float:
                            max_step_f(src, best, where32, <int32_t>pos, cb)
                        else:
                            max_step_d(src, best, where64, pos, cb)
                for ch in range(cb):
                    dst[c0 + ch] = best[ch]
                    if floating is float:
                        where_out[c0 + ch] = where32[ch]
                    else:
                        where_out[c0 + ch] = where64[ch]
                c0 += cb


cdef void _max_forward(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] y,
                       long long[:, :, :, ::1] argmax, Window g, int threads):
    """Every image of the batch, shared among ``threads`` threads."""
    cdef Py_ssize_t n
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef floating *yp = &y[0, 0, 0, 0]
    cdef long long *ap = &argmax[0, 0, 0, 0]
    with nogil:
        for n in prange(x.shape[0], num_threads=threads, schedule="static"):
            _max_forward_image(xp, yp, ap, n, g)


def max_pool2d_forward(x, pool_size, *, strides=None, padding="valid", threads=1):
    """Max pooling, NHWC; returns ``(y, argmax)``. Same contract as
    :func:`pynet.kernels.reference.pooling.max_pool2d_forward`; ``threads``: the images are
    shared among up to this many threads (the thread policy chooses it)."""
    threads = thread_count("max_pool2d_forward", threads)
    x, geometry = prepare_pool_forward("max_pool2d_forward", x, pool_size, strides, padding)
    _, _, oh, ow, _, _ = geometry
    shape = (x.shape[0], oh, ow, x.shape[3])
    y = np.empty(shape, dtype=x.dtype)
    argmax = np.empty(shape, dtype=np.int64)
    if y.size == 0:
        return y, argmax
    cdef Window g = _window(x.shape, geometry)
    if x.dtype == np.float64:
        _max_forward[double](x, y, argmax, g, threads)
    else:
        _max_forward[float](x, y, argmax, g, threads)
    return y, argmax


cdef void _max_backward_image(const floating *gp, const long long *ap, floating *dp,
                              Py_ssize_t n, Py_ssize_t positions, Py_ssize_t c,
                              Py_ssize_t plane) noexcept nogil:
    """Image n: dx[n, argmax[n, i, j, c], c] += dy[n, i, j, c]"""
    cdef Py_ssize_t r, ch, k
    for r in range(positions):
        k = (n * positions + r) * c
        for ch in range(c):
            dp[n * plane + ap[k + ch] * c + ch] += gp[k + ch]


cdef void _max_backward(const floating[:, :, :, ::1] dy, const long long[:, :, :, ::1] argmax,
                        floating[:, :, :, ::1] dx, int threads):
    """Every image of the batch, shared among ``threads`` threads."""
    cdef Py_ssize_t n
    cdef Py_ssize_t positions = dy.shape[1] * dy.shape[2]
    cdef Py_ssize_t c = dy.shape[3], plane = dx.shape[1] * dx.shape[2] * dx.shape[3]
    cdef const floating *gp = &dy[0, 0, 0, 0]
    cdef const long long *ap = &argmax[0, 0, 0, 0]
    cdef floating *dp = &dx[0, 0, 0, 0]
    with nogil:
        for n in prange(dy.shape[0], num_threads=threads, schedule="static"):
            _max_backward_image(gp, ap, dp, n, positions, c, plane)


def max_pool2d_backward(grad_output, argmax, input_shape, *, threads=1):
    """Gradients to the winning positions, adding up where windows overlap. Same contract as
    :func:`pynet.kernels.reference.pooling.max_pool2d_backward`; ``threads`` as for
    :func:`max_pool2d_forward`."""
    threads = thread_count("max_pool2d_backward", threads)
    grad_output, argmax, input_shape = prepare_max_pool_backward(grad_output, argmax, input_shape)
    dx = np.zeros(input_shape, dtype=grad_output.dtype)
    if grad_output.size == 0 or dx.size == 0:
        return dx
    if grad_output.dtype == np.float64:
        _max_backward[double](grad_output, argmax, dx, threads)
    else:
        _max_backward[float](grad_output, argmax, dx, threads)
    return dx


cdef void _avg_forward_image(const floating *xp, floating *yp, Py_ssize_t n,
                             Window g) noexcept nogil:
    """Image n: y[n, i, j, c] = mean of x[n, ·, ·, c] over the window's pixels inside the
    image"""
    cdef Py_ssize_t i, j, r, s, ch, r0, r1, s0, s1
    cdef const floating *src
    cdef floating *acc
    cdef floating inv
    for i in range(g.oh):
        _clip(i * g.sh - g.pt, g.ph, g.h, &r0, &r1)
        for j in range(g.ow):
            _clip(j * g.sw - g.pl, g.pw, g.w, &s0, &s1)
            acc = yp + ((n * g.oh + i) * g.ow + j) * g.c
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


def avg_pool2d_forward(x, pool_size, *, strides=None, padding="valid", threads=1):
    """Average pooling over the real pixels of each window, NHWC. Same contract as
    :func:`pynet.kernels.reference.pooling.avg_pool2d_forward`; ``threads`` as for
    :func:`max_pool2d_forward`."""
    threads = thread_count("avg_pool2d_forward", threads)
    x, geometry = prepare_pool_forward("avg_pool2d_forward", x, pool_size, strides, padding)
    _, _, oh, ow, _, _ = geometry
    y = np.empty((x.shape[0], oh, ow, x.shape[3]), dtype=x.dtype)
    if y.size == 0:
        return y
    cdef Window g = _window(x.shape, geometry)
    if x.dtype == np.float64:
        _avg[double](x, y, g, False, threads)
    else:
        _avg[float](x, y, g, False, threads)
    return y


cdef void _avg_backward_image(const floating *gp, floating *dp, Py_ssize_t n,
                              Window g) noexcept nogil:
    """Image n: dx[n, r, s, c] += dy[n, i, j, c] / (window's pixel count), for every (r, s) in
    the window"""
    cdef Py_ssize_t i, j, r, s, ch, r0, r1, s0, s1
    cdef const floating *src
    cdef floating *dst
    cdef floating inv
    for i in range(g.oh):
        _clip(i * g.sh - g.pt, g.ph, g.h, &r0, &r1)
        for j in range(g.ow):
            _clip(j * g.sw - g.pl, g.pw, g.w, &s0, &s1)
            src = gp + ((n * g.oh + i) * g.ow + j) * g.c
            # divide by the count in floating point, as the reference does
            inv = <floating>((r1 - r0) * (s1 - s0))
            for r in range(r0, r1):
                for s in range(s0, s1):
                    dst = dp + ((n * g.h + r) * g.w + s) * g.c
                    for ch in range(g.c):
                        dst[ch] += src[ch] / inv


cdef void _avg(const floating[:, :, :, ::1] src, floating[:, :, :, ::1] dst, Window g,
               bint backward, int threads):
    """Every image of the batch, shared among ``threads`` threads: the forward pass (``src`` = x,
    ``dst`` = y) or, with ``backward``, the backward pass (``src`` = dy, ``dst`` = dx)."""
    cdef Py_ssize_t n
    cdef const floating *sp = &src[0, 0, 0, 0]
    cdef floating *dp = &dst[0, 0, 0, 0]
    with nogil:
        for n in prange(src.shape[0], num_threads=threads, schedule="static"):
            if backward:
                _avg_backward_image(sp, dp, n, g)
            else:
                _avg_forward_image(sp, dp, n, g)


def avg_pool2d_backward(grad_output, input_shape, pool_size, *, strides=None, padding="valid",
                        threads=1):
    """Each window's gradient, divided by its pixel count, to every real pixel in it. Same
    contract as :func:`pynet.kernels.reference.pooling.avg_pool2d_backward`; ``threads`` as
    for :func:`max_pool2d_forward`."""
    threads = thread_count("avg_pool2d_backward", threads)
    grad_output, input_shape, geometry = prepare_avg_pool_backward(
        grad_output, input_shape, pool_size, strides, padding)
    dx = np.zeros(input_shape, dtype=grad_output.dtype)
    if grad_output.size == 0 or dx.size == 0:
        return dx
    cdef Window g = _window(input_shape, geometry)
    if grad_output.dtype == np.float64:
        _avg[double](grad_output, dx, g, True, threads)
    else:
        _avg[float](grad_output, dx, g, True, threads)
    return dx
