"""Compiled twins of pynet/kernels/reference/conv.py (same names, signatures and checks).

The method is the reference's — im2col, one BLAS GEMM, col2im — with one change for speed: the
output is computed a block of rows (output pixels) at a time, so the im2col matrix of one chunk
(about 1 MB) stays in cache between being written and being read by the GEMM, instead of one
matrix for the whole batch that would be written to and read back from main memory. A block may
end inside an image: one 28×28 image under a 5×5×32 window is already a 2.5 MB matrix. The bias is written into the
output first and the GEMM adds onto it (``beta = 1``), so there is no separate pass for it, and
a ReLU is applied to each chunk's rows right after its GEMM, while they are still in cache.
Everything is channels last (NHWC); the kernel is ``(kh, kw, in_channels, filters)``.
"""
from cython cimport floating
from libc.string cimport memcpy, memset
import numpy as np

from blas cimport gemm_rm

from pynet.kernels._checks.conv import (
    prepare_col2im, prepare_conv2d_backward, prepare_conv2d_forward, prepare_im2col,
)

__all__ = ["conv2d_forward", "conv2d_backward", "im2col", "col2im"]

# Target size of one chunk's im2col matrix, in elements (1 MiB of float32).
cdef Py_ssize_t CHUNK_ELEMENTS = 1 << 18
# Fewest output rows per chunk (its GEMM's rows), whatever the window's size.
cdef Py_ssize_t MIN_CHUNK_ROWS = 256


cdef struct Geometry:
    # input height/width/channels, kernel height/width, output height/width, strides,
    # dilations, and the padding rows above / columns left of the image
    Py_ssize_t h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl


cdef Geometry _geometry(tuple shape, Py_ssize_t kh, Py_ssize_t kw, tuple geometry):
    """The sizes of one convolution, from x's shape (N, H, W, C), the kernel's extent and the
    checked geometry ``(strides, dilation, OH, OW, pad_top, pad_left)``."""
    cdef Geometry g
    strides, dilation, oh, ow, pt, pl = geometry
    g.h, g.w, g.c = shape[1], shape[2], shape[3]
    g.kh, g.kw = kh, kw
    g.oh, g.ow = oh, ow
    g.sh, g.sw = strides
    g.dh, g.dw = dilation
    g.pt, g.pl = pt, pl
    return g


cdef inline bint _is_plain(Geometry g) noexcept nogil:
    """A 1x1 window with stride 1 and no padding: x itself is the im2col matrix."""
    return g.kh == 1 and g.kw == 1 and g.sh == 1 and g.sw == 1 and g.pt == 0 and g.pl == 0


cdef inline Py_ssize_t _pixel(Geometry g, Py_ssize_t n, Py_ssize_t r, Py_ssize_t s) noexcept nogil:
    """Offset of x[n, r, s, 0] in a C-contiguous (N, H, W, C) array: ((n·H + r)·W + s)·C."""
    return ((n * g.h + r) * g.w + s) * g.c


cdef inline void _row_position(Geometry g, Py_ssize_t row, Py_ssize_t *n, Py_ssize_t *i,
                               Py_ssize_t *j) noexcept nogil:
    """(n, i, j) of the flat output row ``row = (n·OH + i)·OW + j``."""
    cdef Py_ssize_t per_sample = g.oh * g.ow
    n[0] = row // per_sample
    i[0] = (row - n[0] * per_sample) // g.ow
    j[0] = row - n[0] * per_sample - i[0] * g.ow


cdef void _im2col_chunk(const floating *x, floating *cols, Py_ssize_t r0, Py_ssize_t r1,
                        Geometry g) noexcept nogil:
    """Rows (n, i, j) numbered r0 ≤ (n·OH + i)·OW + j < r1, columns (p, q, c); padding pixels
    are zeros."""
    cdef Py_ssize_t n, i, j, p, q, r, s, ch, t, row
    cdef Py_ssize_t run = g.kw * g.c          # one kernel row, when its pixels are adjacent
    cdef const floating *src
    cdef floating *dst = cols
    _row_position(g, r0, &n, &i, &j)
    for row in range(r0, r1):
        s = j * g.sw - g.pl
        for p in range(g.kh):
            r = i * g.sh - g.pt + p * g.dh
            if g.dw == 1 and 0 <= r < g.h and s >= 0 and s + g.kw <= g.w:
                # the whole kernel row lies inside the image: kw·C adjacent numbers
                src = x + _pixel(g, n, r, s)
                if run >= 32:
                    memcpy(dst, src, run * sizeof(floating))
                else:       # a library call costs more than a few loads
                    for t in range(run):
                        dst[t] = src[t]
                dst += run
                continue
            for q in range(g.kw):
                if 0 <= r < g.h and 0 <= s + q * g.dw < g.w:
                    src = x + _pixel(g, n, r, s + q * g.dw)
                    for ch in range(g.c):
                        dst[ch] = src[ch]
                else:
                    for ch in range(g.c):
                        dst[ch] = 0
                dst += g.c
        j += 1
        if j == g.ow:
            j = 0
            i += 1
            if i == g.oh:
                i = 0
                n += 1


cdef void _col2im_chunk(const floating *cols, floating *dx, Py_ssize_t r0, Py_ssize_t r1,
                        Geometry g) noexcept nogil:
    """Add rows r0 … r1 − 1 of ``cols`` back onto their windows of ``dx`` (which the caller
    zeroed)."""
    cdef Py_ssize_t n, i, j, p, q, r, s, ch, t, row
    cdef Py_ssize_t run = g.kw * g.c
    cdef const floating *src = cols
    cdef floating *dst
    _row_position(g, r0, &n, &i, &j)
    for row in range(r0, r1):
        s = j * g.sw - g.pl
        for p in range(g.kh):
            r = i * g.sh - g.pt + p * g.dh
            if g.dw == 1 and 0 <= r < g.h and s >= 0 and s + g.kw <= g.w:
                dst = dx + _pixel(g, n, r, s)
                for t in range(run):
                    dst[t] += src[t]
                src += run
                continue
            for q in range(g.kw):
                if 0 <= r < g.h and 0 <= s + q * g.dw < g.w:
                    dst = dx + _pixel(g, n, r, s + q * g.dw)
                    for ch in range(g.c):
                        dst[ch] += src[ch]
                src += g.c
        j += 1
        if j == g.ow:
            j = 0
            i += 1
            if i == g.oh:
                i = 0
                n += 1


cdef Py_ssize_t _chunk_rows(Geometry g):
    """Output rows per chunk: as many as keep one chunk's im2col matrix near CHUNK_ELEMENTS, but
    at least MIN_CHUNK_ROWS (a GEMM of fewer rows runs below BLAS's speed: with 512 channels,
    3×3 windows, chunks of 56 rows made the layer 40 % slower); a chunk may end inside an
    image."""
    cdef Py_ssize_t per_row = g.kh * g.kw * g.c
    if per_row <= 0:
        return MIN_CHUNK_ROWS
    return max(MIN_CHUNK_ROWS, CHUNK_ELEMENTS // per_row)


def _narrow_kernel(kernel):
    """``Kr (C, kh·kw·F)``, ``Kr[c, (p, q, f)] = K[p, q, c, f]`` — the narrow path's matrix."""
    kh, kw, c, f = kernel.shape
    return np.ascontiguousarray(kernel.transpose(2, 0, 1, 3)).reshape(c, kh * kw * f)


cdef Py_ssize_t _narrow_chunk_rows(Geometry g, Py_ssize_t f):
    """Input pixels per chunk of the narrow path: its product of kh·kw·F numbers per pixel stays
    near CHUNK_ELEMENTS (≥ 1)."""
    return max(1, CHUNK_ELEMENTS // max(1, g.kh * g.kw * f))


cdef inline void _relu(floating *y, Py_ssize_t count) noexcept nogil:
    """y ← max(y, 0), in place."""
    cdef Py_ssize_t i
    for i in range(count):
        y[i] = y[i] if y[i] > 0 else 0


cdef void _forward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] kernel,
                   const floating[::1] bias, bint has_bias, bint relu,
                   floating[:, :, :, ::1] out, floating[::1] cols, Geometry g, Py_ssize_t chunk):
    """out = im2col(x) @ K + b (then ReLU if ``relu``), a chunk of output rows per GEMM;
    ``cols`` holds one chunk's im2col matrix (unused when the window is plain)."""
    cdef Py_ssize_t n = x.shape[0], f = kernel.shape[3]
    cdef Py_ssize_t k = g.kh * g.kw * g.c, rows_per_sample = g.oh * g.ow
    cdef Py_ssize_t r0, r1, r, rows, total = n * rows_per_sample
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0, 0]
    cdef floating *op = &out[0, 0, 0, 0]
    cdef floating *cp = &cols[0]
    cdef const floating *bp = &bias[0] if has_bias else NULL
    cdef floating beta = 1 if has_bias else 0
    cdef bint plain = _is_plain(g)
    with nogil:
        if has_bias:
            for r in range(n * rows_per_sample):
                memcpy(op + r * f, bp, f * sizeof(floating))
        if plain:
            gemm_rm(False, False, <int>(n * rows_per_sample), <int>f, <int>k, 1, xp, kp, beta, op)
            if relu:
                _relu(op, n * rows_per_sample * f)
        else:
            r0 = 0
            while r0 < total:
                r1 = min(r0 + chunk, total)
                rows = r1 - r0
                _im2col_chunk(xp, cp, r0, r1, g)
                gemm_rm(False, False, <int>rows, <int>f, <int>k, 1, cp, kp, beta, op + r0 * f)
                if relu:
                    _relu(op + r0 * f, rows * f)
                r0 = r1


cdef inline bint _is_narrow(Geometry g, Py_ssize_t f) noexcept nogil:
    """Stride 1 and at most half as many filters as input channels (the 32 → 1 image layers
    of the GAN and VAE): then the GEMM goes first, over the input pixels, and its kh·kw·F
    numbers per pixel are added onto the outputs — instead of an im2col of kh·kw·C numbers
    per output pixel for a product with F columns."""
    return g.sh == 1 and g.sw == 1 and 2 * f <= g.c and not _is_plain(g)


cdef void _scatter_rows(const floating *z, floating *out, Py_ssize_t r0, Py_ssize_t r1,
                        Geometry g, Py_ssize_t f) noexcept nogil:
    """out[n, i, j, :] += z[(n, r, s), (p, q, :)] for the input pixels r0 ≤ (n·H + r)·W + s < r1
    and every tap (p, q) with r = i − pt + p·dh, s = j − pl + q·dw (stride 1) inside the output."""
    cdef Py_ssize_t n, r, s, p, q, i, j, ch, row, taps = g.kh * g.kw * f
    cdef const floating *src
    cdef floating *dst
    n = r0 // (g.h * g.w)
    r = (r0 - n * g.h * g.w) // g.w
    s = r0 - n * g.h * g.w - r * g.w
    for row in range(r0, r1):
        for p in range(g.kh):
            i = r + g.pt - p * g.dh
            if i < 0:
                break
            if i >= g.oh:
                continue
            for q in range(g.kw):
                j = s + g.pl - q * g.dw
                if j < 0:
                    break
                if j >= g.ow:
                    continue
                dst = out + ((n * g.oh + i) * g.ow + j) * f
                src = z + (p * g.kw + q) * f
                for ch in range(f):
                    dst[ch] += src[ch]
        z += taps
        s += 1
        if s == g.w:
            s = 0
            r += 1
            if r == g.h:
                r = 0
                n += 1


cdef void _gather_rows(const floating *dy, floating *d, Py_ssize_t r0, Py_ssize_t r1,
                       Geometry g, Py_ssize_t f) noexcept nogil:
    """d[(n, r, s), (p, q, :)] = dy[n, i, j, :] for the taps of :func:`_scatter_rows` (0 where
    (i, j) falls outside the output): the adjoint of that scatter."""
    cdef Py_ssize_t n, r, s, p, q, i, j, ch, row
    cdef const floating *src
    n = r0 // (g.h * g.w)
    r = (r0 - n * g.h * g.w) // g.w
    s = r0 - n * g.h * g.w - r * g.w
    for row in range(r0, r1):
        for p in range(g.kh):
            i = r + g.pt - p * g.dh
            for q in range(g.kw):
                j = s + g.pl - q * g.dw
                if 0 <= i < g.oh and 0 <= j < g.ow:
                    src = dy + ((n * g.oh + i) * g.ow + j) * f
                    for ch in range(f):
                        d[ch] = src[ch]
                else:
                    for ch in range(f):
                        d[ch] = 0
                d += f
        s += 1
        if s == g.w:
            s = 0
            r += 1
            if r == g.h:
                r = 0
                n += 1


cdef void _forward_narrow(const floating[:, :, :, ::1] x, const floating[:, ::1] kr,
                          const floating[::1] bias, bint has_bias, bint relu,
                          floating[:, :, :, ::1] out, floating[::1] z, Geometry g,
                          Py_ssize_t chunk):
    """out = b + Σ_taps scatter(x @ Kr) (then ReLU), ``Kr[c, (p, q, f)] = K[p, q, c, f]``, a
    chunk of input pixels per GEMM; ``z`` holds one chunk's product."""
    cdef Py_ssize_t n = x.shape[0], f = out.shape[3], m = kr.shape[1]
    cdef Py_ssize_t total = n * g.h * g.w, outputs = n * g.oh * g.ow * f, r0, r1, r
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kr[0, 0]
    cdef floating *op = &out[0, 0, 0, 0]
    cdef floating *zp = &z[0]
    with nogil:
        if has_bias:
            for r in range(n * g.oh * g.ow):
                memcpy(op + r * f, &bias[0], f * sizeof(floating))
        else:
            memset(op, 0, outputs * sizeof(floating))
        r0 = 0
        while r0 < total:
            r1 = min(r0 + chunk, total)
            gemm_rm(False, False, <int>(r1 - r0), <int>m, <int>g.c, 1, xp + r0 * g.c, kp, 0, zp)
            _scatter_rows(zp, op, r0, r1, g, f)
            r0 = r1
        if relu:
            _relu(op, outputs)


cdef void _backward_narrow(const floating[:, :, :, ::1] x, const floating[:, ::1] kr,
                           const floating[:, :, :, ::1] dy, floating[:, :, :, ::1] dx,
                           bint need_dx, floating[:, ::1] dkr, floating[::1] d, Geometry g,
                           Py_ssize_t chunk):
    """The narrow forward's gradients, a chunk of input pixels at a time: D = gather(dY),
    dKr += xᵀ @ D, dx = D @ Krᵀ (db is summed by the caller)."""
    cdef Py_ssize_t n = x.shape[0], f = dy.shape[3], m = kr.shape[1]
    cdef Py_ssize_t total = n * g.h * g.w, r0, r1
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kr[0, 0]
    cdef const floating *gp = &dy[0, 0, 0, 0]
    cdef floating *dxp = &dx[0, 0, 0, 0] if need_dx else NULL
    cdef floating *dkp = &dkr[0, 0]
    cdef floating *dp = &d[0]
    with nogil:
        memset(dkp, 0, g.c * m * sizeof(floating))
        r0 = 0
        while r0 < total:
            r1 = min(r0 + chunk, total)
            _gather_rows(gp, dp, r0, r1, g, f)
            gemm_rm(True, False, <int>g.c, <int>m, <int>(r1 - r0), 1, xp + r0 * g.c, dp, 1, dkp)
            if need_dx:
                gemm_rm(False, True, <int>(r1 - r0), <int>g.c, <int>m, 1, dp, kp, 0,
                        dxp + r0 * g.c)
            r0 = r1


def conv2d_forward(x, kernel, bias=None, *, strides=1, padding="valid", dilation=1,
                   activation="linear", out=None):
    """2-D cross-correlation, NHWC, optionally with a fused ReLU; same contract as
    :func:`pynet.kernels.reference.conv.conv2d_forward`."""
    x, kernel, bias, out, geometry, activation = prepare_conv2d_forward(
        x, kernel, bias, strides, padding, dilation, out, activation)
    relu = activation == "relu"
    if out.size == 0:
        return out
    if x.shape[3] == 0:
        out[...] = 0 if bias is None else bias
        if relu:
            np.maximum(out, 0, out=out)
        return out
    cdef Geometry g = _geometry(x.shape, kernel.shape[0], kernel.shape[1], geometry)
    has_bias = bias is not None
    if not has_bias:
        bias = np.zeros(1, dtype=x.dtype)
    f = kernel.shape[3]
    if _is_narrow(g, f):
        kr = _narrow_kernel(kernel)
        chunk = min(_narrow_chunk_rows(g, f), x.shape[0] * g.h * g.w)
        z = np.empty(chunk * kr.shape[1], dtype=x.dtype)
        if x.dtype == np.float64:
            _forward_narrow[double](x, kr, bias, has_bias, relu, out, z, g, chunk)
        else:
            _forward_narrow[float](x, kr, bias, has_bias, relu, out, z, g, chunk)
        return out
    chunk = min(_chunk_rows(g), x.shape[0] * g.oh * g.ow)
    cols = np.empty(1 if _is_plain(g) else chunk * g.kh * g.kw * g.c, dtype=x.dtype)
    if x.dtype == np.float64:
        _forward[double](x, kernel, bias, has_bias, relu, out, cols, g, chunk)
    else:
        _forward[float](x, kernel, bias, has_bias, relu, out, cols, g, chunk)
    return out


cdef void _backward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] kernel,
                    const floating[:, :, :, ::1] dy, floating[:, :, :, ::1] dx, bint need_dx,
                    floating[:, :, :, ::1] dk, floating[::1] db, bint need_db,
                    floating[::1] cols, floating[::1] dcols, Geometry g, Py_ssize_t chunk):
    """db = Σ dY over rows; dK = Σ_chunks im2col(x)ᵀ @ dY; dx = col2im(dY @ Kᵀ) when
    ``need_dx`` (dY is the gradient after the activation's derivative)."""
    cdef Py_ssize_t n = x.shape[0], f = kernel.shape[3]
    cdef Py_ssize_t k = g.kh * g.kw * g.c, rows_per_sample = g.oh * g.ow
    cdef Py_ssize_t r0, r1, r, j, rows, total = n * rows_per_sample
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0, 0]
    cdef const floating *gp = &dy[0, 0, 0, 0]
    cdef const floating *grow
    cdef floating *dxp = &dx[0, 0, 0, 0] if need_dx else NULL
    cdef floating *dkp = &dk[0, 0, 0, 0]
    cdef floating *dbp = &db[0]
    cdef floating *cp = &cols[0]
    cdef floating *dcp = &dcols[0] if need_dx else NULL
    cdef bint plain = _is_plain(g)
    with nogil:
        if need_db:
            memset(dbp, 0, f * sizeof(floating))
            for r in range(n * rows_per_sample):
                grow = gp + r * f
                for j in range(f):
                    dbp[j] += grow[j]
        if plain:
            # x is its own im2col matrix and dx = dY @ Kᵀ needs no col2im.
            gemm_rm(True, False, <int>k, <int>f, <int>(n * rows_per_sample), 1, xp, gp, 0, dkp)
            if need_dx:
                gemm_rm(False, True, <int>(n * rows_per_sample), <int>k, <int>f, 1, gp, kp, 0, dxp)
        else:
            memset(dkp, 0, k * f * sizeof(floating))
            r0 = 0
            while r0 < total:
                r1 = min(r0 + chunk, total)
                rows = r1 - r0
                _im2col_chunk(xp, cp, r0, r1, g)
                # dK += colsᵀ @ dY  (the chunks' contributions add up in place)
                gemm_rm(True, False, <int>k, <int>f, <int>rows, 1, cp, gp + r0 * f, 1, dkp)
                if need_dx:
                    # dcols = dY @ Kᵀ, then scatter-add onto the windows
                    gemm_rm(False, True, <int>rows, <int>k, <int>f, 1, gp + r0 * f, kp, 0, dcp)
                    _col2im_chunk(dcp, dxp, r0, r1, g)
                r0 = r1


def conv2d_backward(x, kernel, grad_output, *, strides=1, padding="valid", dilation=1,
                    activation="linear", output=None, need_input_grad=True, need_bias_grad=True):
    """Gradients of :func:`conv2d_forward`: ``(grad_input or None, grad_kernel, grad_bias or
    None)``; same contract as :func:`pynet.kernels.reference.conv.conv2d_backward`."""
    x, kernel, grad_output, geometry = prepare_conv2d_backward(
        x, kernel, grad_output, strides, padding, dilation, activation, output)
    need_dx, need_db = bool(need_input_grad), bool(need_bias_grad)
    dtype = x.dtype
    f = kernel.shape[3]
    dk = np.zeros(kernel.shape, dtype=dtype)
    db = np.zeros(max(f, 1), dtype=dtype)
    dx = np.zeros(x.shape, dtype=dtype) if need_dx else np.zeros((1, 1, 1, 1), dtype=dtype)
    if x.size == 0 or grad_output.size == 0 or kernel.size == 0:
        return (dx if need_dx else None), dk, (db[:f] if need_db else None)
    cdef Geometry g = _geometry(x.shape, kernel.shape[0], kernel.shape[1], geometry)
    if _is_narrow(g, f):
        if need_db:
            db = grad_output.sum(axis=(0, 1, 2), dtype=dtype)
        kr = _narrow_kernel(kernel)
        dkr = np.empty(kr.shape, dtype=dtype)
        chunk = min(_narrow_chunk_rows(g, f), x.shape[0] * g.h * g.w)
        d = np.empty(chunk * kr.shape[1], dtype=dtype)
        if need_dx:
            dx = np.empty(x.shape, dtype=dtype)        # every row is written by one GEMM
        if dtype == np.float64:
            _backward_narrow[double](x, kr, grad_output, dx, need_dx, dkr, d, g, chunk)
        else:
            _backward_narrow[float](x, kr, grad_output, dx, need_dx, dkr, d, g, chunk)
        dk[...] = dkr.reshape(g.c, g.kh, g.kw, f).transpose(1, 2, 0, 3)
        return (dx if need_dx else None), dk, (db if need_db else None)
    chunk = min(_chunk_rows(g), x.shape[0] * g.oh * g.ow)
    size = 1 if _is_plain(g) else chunk * g.kh * g.kw * g.c
    cols = np.empty(size, dtype=dtype)
    dcols = np.empty(size if need_dx else 1, dtype=dtype)
    if dtype == np.float64:
        _backward[double](x, kernel, grad_output, dx, need_dx, dk, db, need_db, cols, dcols, g, chunk)
    else:
        _backward[float](x, kernel, grad_output, dx, need_dx, dk, db, need_db, cols, dcols, g, chunk)
    return (dx if need_dx else None), dk, (db if need_db else None)


cdef void _im2col_all(const floating[:, :, :, ::1] x, floating[:, ::1] cols, Geometry g):
    """cols = im2col(x) for the whole batch at once (the public im2col)."""
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef floating *cp = &cols[0, 0]
    cdef Py_ssize_t n = x.shape[0]
    with nogil:
        _im2col_chunk(xp, cp, 0, n * g.oh * g.ow, g)


def im2col(x, kernel_size, *, strides=1, padding="valid", dilation=1):
    """Every window of ``x`` as one row, ``(N·OH·OW, KH·KW·C)``; same contract as
    :func:`pynet.kernels.reference.conv.im2col`."""
    x, (kh, kw), geometry = prepare_im2col(x, kernel_size, strides, padding, dilation)
    cdef Geometry g = _geometry(x.shape, kh, kw, geometry)
    cols = np.empty((x.shape[0] * g.oh * g.ow, kh * kw * g.c), dtype=x.dtype)
    if cols.size == 0:
        return cols
    if x.dtype == np.float64:
        _im2col_all[double](x, cols, g)
    else:
        _im2col_all[float](x, cols, g)
    return cols


cdef void _col2im_all(const floating[:, ::1] cols, floating[:, :, :, ::1] dx, Geometry g):
    """dx += col2im(cols) for the whole batch at once (the public col2im)."""
    cdef const floating *cp = &cols[0, 0]
    cdef floating *dp = &dx[0, 0, 0, 0]
    cdef Py_ssize_t n = dx.shape[0]
    with nogil:
        _col2im_chunk(cp, dp, 0, n * g.oh * g.ow, g)


def col2im(cols, input_shape, kernel_size, *, strides=1, padding="valid", dilation=1):
    """Add every row back onto its window (the adjoint of :func:`im2col`); same contract as
    :func:`pynet.kernels.reference.conv.col2im`."""
    cols, input_shape, (kh, kw), geometry = prepare_col2im(
        cols, input_shape, kernel_size, strides, padding, dilation)
    cdef Geometry g = _geometry(input_shape, kh, kw, geometry)
    dx = np.zeros(input_shape, dtype=cols.dtype)
    if cols.size == 0 or dx.size == 0:
        return dx
    if cols.dtype == np.float64:
        _col2im_all[double](cols, dx, g)
    else:
        _col2im_all[float](cols, dx, g)
    return dx
