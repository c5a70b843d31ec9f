"""Compiled twins of pynet/kernels/reference/conv_transpose.py (same names, signatures, checks).

Forward: for a few images at a time, ``cols = x_chunk @ Kᵀ`` (one BLAS GEMM) and col2im of
``cols`` onto the output, which holds the bias (the scatter-add of the convolution's input
gradient). Backward: im2col of ``dy`` per chunk, then ``dx = cols @ K`` and
``dK += colsᵀ @ x`` (two GEMMs), ``db = Σ dy``. The chunking keeps each ``cols`` matrix (about
1 MiB) in cache between the GEMM and the scatter; a kernel row whose pixels all lie inside the
image is copied (or added) as one run of kw·C adjacent numbers. Kernel layout ``(kh, kw, filters, in_channels)``.
"""
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.string cimport memcpy, memset

import numpy as np

from pynet.kernels._checks import sum_parts, thread_count

from blas cimport gemm_rm

from pynet.kernels._checks.conv_transpose import (
    prepare_conv2d_transpose_backward, prepare_conv2d_transpose_forward,
)

__all__ = ["conv2d_transpose_forward", "conv2d_transpose_backward"]

cdef extern from *:
    """
    #ifdef _OPENMP
    #define PYNET_CONVT_OPENMP 1
    #else
    #define PYNET_CONVT_OPENMP 0
    #endif
    """
    int PYNET_CONVT_OPENMP

#: True when this module was compiled with OpenMP (``threads > 1`` then shares a batch among
#: threads; otherwise the parts run one after another, with the same numbers).
OPENMP = bool(PYNET_CONVT_OPENMP)

# Target size of one chunk's cols matrix, in elements (1 MiB of float32).
cdef Py_ssize_t CHUNK_ELEMENTS = 1 << 18


cdef struct Geometry:
    # the convolution from the big image (h, w, c) back to the small one (oh, ow)
    Py_ssize_t h, w, c, kh, kw, oh, ow, sh, sw, pt, pl


cdef void _im2col_chunk(const floating *x, floating *cols, Py_ssize_t n0, Py_ssize_t n1,
                        Geometry g) noexcept nogil:
    """cols[(n, i, j), (p, q, c)] = x[n, i·sh + p − pt, j·sw + q − pl, c] (0 outside)."""
    cdef Py_ssize_t n, i, j, p, q, r, s, ch, t
    cdef Py_ssize_t run = g.kw * g.c          # one kernel row, when its pixels are adjacent
    cdef const floating *src
    cdef floating *dst = cols
    for n in range(n0, n1):
        for i in range(g.oh):
            for j in range(g.ow):
                s = j * g.sw - g.pl
                for p in range(g.kh):
                    r = i * g.sh - g.pt + p
                    if 0 <= r < g.h and s >= 0 and s + g.kw <= g.w:
                        # the whole kernel row lies inside the image: kw·C adjacent numbers
                        src = x + ((n * g.h + r) * g.w + s) * g.c
                        if run >= 32:
                            memcpy(dst, src, run * sizeof(floating))
                        else:
                            for t in range(run):
                                dst[t] = src[t]
                        dst += run
                        continue
                    for q in range(g.kw):
                        if 0 <= r < g.h and 0 <= s + q < g.w:
                            src = x + ((n * g.h + r) * g.w + s + q) * g.c
                            for ch in range(g.c):
                                dst[ch] = src[ch]
                        else:
                            for ch in range(g.c):
                                dst[ch] = 0
                        dst += g.c


cdef void _col2im_chunk(const floating *cols, floating *y, Py_ssize_t n0, Py_ssize_t n1,
                        Geometry g) noexcept nogil:
    """y[n, i·sh + p − pt, j·sw + q − pl, c] += cols[(n, i, j), (p, q, c)] (inside only)."""
    cdef Py_ssize_t n, i, j, p, q, r, s, ch, t
    cdef Py_ssize_t run = g.kw * g.c
    cdef const floating *src = cols
    cdef floating *dst
    for n in range(n0, n1):
        for i in range(g.oh):
            for j in range(g.ow):
                s = j * g.sw - g.pl
                for p in range(g.kh):
                    r = i * g.sh - g.pt + p
                    if 0 <= r < g.h and s >= 0 and s + g.kw <= g.w:
                        dst = y + ((n * g.h + r) * g.w + s) * g.c
                        for t in range(run):
                            dst[t] += src[t]
                        src += run
                        continue
                    for q in range(g.kw):
                        if 0 <= r < g.h and 0 <= s + q < g.w:
                            dst = y + ((n * g.h + r) * g.w + s + q) * g.c
                            for ch in range(g.c):
                                dst[ch] += src[ch]
                        src += g.c


cdef Geometry _geometry(tuple out_shape, tuple kernel_shape, tuple geometry):
    """The checked sizes of the output y (H, W, C), the kernel, strides and padding as one struct"""
    cdef Geometry g
    strides, _, oh, ow, pt, pl = geometry
    g.h, g.w, g.c = out_shape[1], out_shape[2], out_shape[3]
    g.kh, g.kw = kernel_shape[0], kernel_shape[1]
    g.oh, g.ow = oh, ow
    g.sh, g.sw = strides
    g.pt, g.pl = pt, pl
    return g


cdef Py_ssize_t _chunk_samples(Geometry g):
    """Samples per chunk: max(1, CHUNK_ELEMENTS // (OH·OW·KH·KW·C))"""
    cdef Py_ssize_t per_sample = g.oh * g.ow * g.kh * g.kw * g.c
    return max(1, CHUNK_ELEMENTS // per_sample) if per_sample > 0 else 1


# The batch is cut into at most PARTS runs of whole images, one task per thread (OpenMP,
# ``threads`` of them; BLAS runs on the calling thread, as the thread policy sets it for the call).
# Each part owns its images' output and input-gradient pixels; kernel gradients are summed per
# part and added in a fixed order, so the numbers do not depend on the thread count.
cdef Py_ssize_t PARTS = 4


cdef inline Py_ssize_t _parts(Py_ssize_t n) noexcept nogil:
    """How many parts a batch of ``n`` images is cut into: min(n, PARTS)."""
    return n if n < PARTS else PARTS


cdef void _forward_part(const floating *xp, const floating *kp, floating *yp, floating *cp,
                        Py_ssize_t n0, Py_ssize_t n1, Py_ssize_t chunk, Py_ssize_t c,
                        Geometry g) noexcept nogil:
    """Images n0 … n1 − 1: y = col2im(x @ Kᵀ), ``chunk`` images per GEMM."""
    cdef Py_ssize_t k = g.kh * g.kw * g.c, rows_per_sample = g.oh * g.ow, a, b
    a = n0
    while a < n1:
        b = min(a + chunk, n1)
        # cols (rows, k) = x_chunk (rows, C) @ K (k, C)ᵀ
        gemm_rm(False, True, <int>((b - a) * rows_per_sample), <int>k, <int>c, 1,
                xp + a * rows_per_sample * c, kp, 0, cp)
        _col2im_chunk(cp, yp, a, b, g)
        a = b


cdef void _forward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] kernel,
                   floating[:, :, :, ::1] y, floating[::1] cols, Geometry g,
                   Py_ssize_t chunk, int threads):
    """y = col2im(x @ Kᵀ): each input pixel times the kernel, stamped at stride steps; each part
    of the batch on one thread, ``cols`` holding ``threads`` chunk buffers"""
    cdef Py_ssize_t n = x.shape[0], c = x.shape[3], parts = _parts(n), p
    cdef Py_ssize_t stride = cols.shape[0] // threads
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0, 0]
    cdef floating *yp = &y[0, 0, 0, 0]
    cdef floating *cp = &cols[0]
    with nogil:
        for p in prange(parts, num_threads=threads, schedule="static"):
            _forward_part(xp, kp, yp, cp + threadid() * stride, n * p // parts,
                          n * (p + 1) // parts, chunk, c, g)


def conv2d_transpose_forward(x, kernel, bias=None, *, strides=1, padding="valid",
                             output_padding=None, threads=1):
    """Transposed convolution, NHWC; same contract as
    :func:`pynet.kernels.reference.conv_transpose.conv2d_transpose_forward`. ``threads``: the
    batch's parts run on up to this many threads (the thread policy chooses it; the numbers do
    not depend on it)."""
    threads = thread_count("conv2d_transpose_forward", threads)
    x, kernel, bias, geometry, out_shape = prepare_conv2d_transpose_forward(
        x, kernel, bias, strides, padding, output_padding)
    # the scatter adds onto the bias (or zeros): no separate pass for the bias
    y = np.empty(out_shape, dtype=x.dtype)
    y[...] = 0 if bias is None else bias
    if y.size and x.size and kernel.size:
        g = _geometry(out_shape, kernel.shape, geometry)
        parts = _parts(x.shape[0])
        threads = min(threads, parts)
        chunk = min(_chunk_samples(g), -(-x.shape[0] // parts))
        cols = np.empty(threads * max(chunk * g.oh * g.ow * g.kh * g.kw * g.c, 1), dtype=x.dtype)
        if x.dtype == np.float64:
            _forward[double](x, kernel, y, cols, g, chunk, threads)
        else:
            _forward[float](x, kernel, y, cols, g, chunk, threads)
    return y


cdef void _backward_part(const floating *xp, const floating *kp, const floating *gp,
                         floating *dxp, floating *dkp, floating *cp, Py_ssize_t n0,
                         Py_ssize_t n1, Py_ssize_t chunk, Py_ssize_t c,
                         Geometry g) noexcept nogil:
    """Images n0 … n1 − 1: dK_part = Σ_chunks im2col(dY)ᵀ @ x; dx = im2col(dY) @ K (when
    ``dxp``)."""
    cdef Py_ssize_t k = g.kh * g.kw * g.c, rows_per_sample = g.oh * g.ow, a, b, rows
    memset(dkp, 0, k * c * sizeof(floating))
    a = n0
    while a < n1:
        b = min(a + chunk, n1)
        rows = (b - a) * rows_per_sample
        _im2col_chunk(gp, cp, a, b, g)
        # dK (k, C) += colsᵀ (k, rows) @ x_chunk (rows, C)
        gemm_rm(True, False, <int>k, <int>c, <int>rows, 1, cp, xp + a * rows_per_sample * c,
                1, dkp)
        if dxp != NULL:
            # dx_chunk (rows, C) = cols (rows, k) @ K (k, C): the convolution of dy
            gemm_rm(False, False, <int>rows, <int>c, <int>k, 1, cp, kp, 0,
                    dxp + a * rows_per_sample * c)
        a = b


cdef void _backward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] kernel,
                    const floating[:, :, :, ::1] dy, floating[:, :, :, ::1] dx, bint need_dx,
                    floating[:, ::1] dk_parts, floating[::1] cols, Geometry g,
                    Py_ssize_t chunk, int threads):
    """Each part of the batch on one thread: its kernel gradient into its row of
    ``dk_parts``, and its images' dx when ``need_dx``"""
    cdef Py_ssize_t n = x.shape[0], c = x.shape[3], parts = _parts(n), p
    cdef Py_ssize_t stride = cols.shape[0] // threads, kc = dk_parts.shape[1]
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0, 0]
    cdef const floating *gp = &dy[0, 0, 0, 0]
    cdef floating *dxp = &dx[0, 0, 0, 0] if need_dx else NULL
    cdef floating *dkp = &dk_parts[0, 0]
    cdef floating *cp = &cols[0]
    with nogil:
        for p in prange(parts, num_threads=threads, schedule="static"):
            _backward_part(xp, kp, gp, dxp, dkp + p * kc, cp + threadid() * stride,
                           n * p // parts, n * (p + 1) // parts, chunk, c, g)


def conv2d_transpose_backward(x, kernel, grad_output, *, strides=1, padding="valid",
                              output_padding=None, need_input_grad=True, need_bias_grad=True,
                              threads=1):
    """Gradients of :func:`conv2d_transpose_forward`: ``(grad_input or None, grad_kernel,
    grad_bias or None)``; same contract as the reference. ``threads`` as for the forward."""
    threads = thread_count("conv2d_transpose_backward", threads)
    x, kernel, grad_output, geometry = prepare_conv2d_transpose_backward(
        x, kernel, grad_output, strides, padding, output_padding)
    need_dx = bool(need_input_grad)
    dtype = x.dtype
    dk = np.zeros(kernel.shape, dtype=dtype)
    runs = bool(x.size and kernel.size and grad_output.size)
    # every row of dx is written by one chunk's GEMM (beta = 0) when the kernel runs
    dx = (np.empty if runs else np.zeros)(x.shape if need_dx else (1, 1, 1, 1), dtype=dtype)
    db = grad_output.sum(axis=(0, 1, 2)) if need_bias_grad else None
    if runs:
        g = _geometry(grad_output.shape, kernel.shape, geometry)
        parts = _parts(x.shape[0])
        threads = min(threads, parts)
        chunk = min(_chunk_samples(g), -(-x.shape[0] // parts))
        cols = np.empty(threads * max(chunk * g.oh * g.ow * g.kh * g.kw * g.c, 1), dtype=dtype)
        dk_parts = np.empty((parts, dk.size), dtype=dtype)
        if dtype == np.float64:
            _backward[double](x, kernel, grad_output, dx, need_dx, dk_parts, cols, g, chunk,
                              threads)
        else:
            _backward[float](x, kernel, grad_output, dx, need_dx, dk_parts, cols, g, chunk,
                             threads)
        dk[...] = sum_parts(dk_parts).reshape(dk.shape)
    return (dx if need_dx else None), dk, db
