"""Compiled twins of pynet/kernels/reference/conv.py (same names, signatures and checks).

The method is the reference's — im2col, one BLAS GEMM, col2im — with one change for speed: the
output is computed a block of rows (output pixels) at a time, so the im2col matrix of one chunk
(about 1 MB) stays in cache between being written and being read by the GEMM, instead of one
matrix for the whole batch that would be written to and read back from main memory. A block may
end inside an image: one 28×28 image under a 5×5×32 window is already a 2.5 MB matrix. The bias is written into the
output first and the GEMM adds onto it (``beta = 1``), so there is no separate pass for it, and
a ReLU is applied to each chunk's rows right after its GEMM, while they are still in cache.
Everything is channels last (NHWC); the kernel is ``(kh, kw, in_channels, filters)``.

Threads: the batch is cut into at most ``PARTS`` runs of whole images, shared among ``threads``
OpenMP threads (see "parts of the batch" below); the numbers do not depend on the thread count.
"""
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.string cimport memcpy, memset
import numpy as np

from pynet.kernels._checks import sum_parts, thread_count

from blas cimport gemm_rm

from pynet.kernels._checks.conv import (
    prepare_col2im, prepare_conv2d_backward, prepare_conv2d_forward, prepare_im2col,
)

__all__ = ["conv2d_forward", "conv2d_backward", "im2col", "col2im"]

cdef extern from *:
    """
    #ifdef _OPENMP
    #define PYNET_CONV_OPENMP 1
    #else
    #define PYNET_CONV_OPENMP 0
    #endif
    """
    int PYNET_CONV_OPENMP

cdef extern from "direct_conv.h" nogil:
    int pynet_dc_supported()
    Py_ssize_t pynet_dc_packed_size(Py_ssize_t rows, Py_ssize_t f)
    void pynet_dc_pack(const float *k, Py_ssize_t rows, Py_ssize_t f, float *out)
    void pynet_dc_image(const float *x, Py_ssize_t h, Py_ssize_t w, Py_ssize_t c, Py_ssize_t pt,
                        Py_ssize_t pb, Py_ssize_t pl, Py_ssize_t pr, const float *k,
                        Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t f, const float *bias, int relu,
                        float *y, float *buf)
    void pynet_dc_kgrad_image(const float *x, Py_ssize_t h, Py_ssize_t w, Py_ssize_t c,
                              Py_ssize_t pt, Py_ssize_t pb, Py_ssize_t pl, Py_ssize_t pr,
                              const float *dz, Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t f,
                              float *dk, float *buf, float *dzbuf)

#: True when this CPU runs the direct float32 convolution (AVX-512F, csrc/direct_conv.h).
DIRECT = bool(pynet_dc_supported())
cdef bint _direct_on = DIRECT
cdef bint _direct_always = False
cdef Py_ssize_t _direct_count = 0
# Smallest output (forward, kernel gradient) or input (input gradient) the direct path takes:
# tiles of fewer than 7 pixels keep too few sums in flight, and a grid of under 64 pixels
# spends more on its padded copy and tile set-up than it saves (a 3×3 grid under a 3×3×64
# window: 0.15 s direct against 0.10 s by im2col + GEMM over an epoch, measured).
cdef Py_ssize_t DIRECT_MIN_WIDTH = 7
cdef Py_ssize_t DIRECT_MIN_PIXELS = 64


def _direct_calls():
    """How many direct convolutions (forward, kernel gradient or input gradient passes) this
    module has run: the tests check that their shapes do take the direct path."""
    return _direct_count


def _use_direct(flag, *, always=False):
    """Switch the direct path on or off (tests and benches compare it with im2col + GEMM);
    ``always=True`` also takes it for grids below its size limits (the tests' small awkward
    shapes). Returns the previous ``flag``. It cannot be switched on where :data:`DIRECT` is
    False."""
    global _direct_on, _direct_always
    previous = bool(_direct_on)
    _direct_on = bool(flag) and DIRECT
    _direct_always = bool(always)
    return previous


#: True when this module was compiled with OpenMP: ``threads > 1`` then splits a batch over
#: threads (otherwise the parts run one after another, with the same numbers).
OPENMP = bool(PYNET_CONV_OPENMP)

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


# -- parts of the batch: what one thread does -------------------------------------------------
#
# The batch is cut into at most PARTS runs of whole images, and each run is one task for a
# thread (OpenMP, ``threads`` of them; every BLAS call inside runs on the calling thread, the
# thread policy sets the pool to one thread for the call). Whole images keep the parts apart:
# no two parts write the same output or input-gradient pixel. The kernel and bias gradients
# are summed per part and the parts added in a fixed order, so the numbers are the same
# whatever the number of threads.

cdef Py_ssize_t PARTS = 4


cdef inline Py_ssize_t _parts(Py_ssize_t n) noexcept nogil:
    """How many parts a batch of ``n`` images is cut into: min(n, PARTS)."""
    return n if n < PARTS else PARTS


cdef inline Py_ssize_t _first(Py_ssize_t n, Py_ssize_t parts, Py_ssize_t p) noexcept nogil:
    """First image of part p: part p holds images ⌊n·p/parts⌋ … ⌊n·(p+1)/parts⌋ − 1."""
    return n * p // parts


cdef inline Py_ssize_t _even_step(Py_ssize_t rows, Py_ssize_t cap) noexcept nogil:
    """Rows per chunk when ``rows`` rows are cut into the fewest chunks of at most ``cap``
    rows, all about the same size (no small last GEMM)."""
    cdef Py_ssize_t chunks = (rows + cap - 1) // cap
    return (rows + chunks - 1) // chunks


cdef const floating *_relu_grad(const floating *dy, const floating *y, floating *masked,
                                Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """Elements a … b − 1 of dL/dz = dL/dy · [y > 0] written into ``masked`` (a product, as the
    reference computes it, so a NaN gradient stays NaN); returns the array to read dL/dz from
    (``dy`` itself when ``y`` is NULL: no fused ReLU)."""
    cdef Py_ssize_t i
    if y == NULL:
        return dy
    for i in range(a, b):
        masked[i] = dy[i] * (1 if y[i] > 0 else 0)
    return masked


cdef const floating *_part_dz(const floating *dy, const floating *y, floating *masked,
                              floating *db_parts, bint need_db, Py_ssize_t n, Py_ssize_t parts,
                              Py_ssize_t p, Py_ssize_t rows, Py_ssize_t f) noexcept nogil:
    """Part p's dL/dz (through the fused ReLU's mask when ``y``) and, when ``need_db``, its bias
    gradient into row p of ``db_parts``; returns where its dL/dz is (rows of f numbers)."""
    cdef Py_ssize_t r0 = _first(n, parts, p) * rows, r1 = _first(n, parts, p + 1) * rows
    cdef const floating *dz = _relu_grad(dy, y, masked, r0 * f, r1 * f)
    if need_db:
        _bias_grad(dz, db_parts + p * f, r0, r1, f)
    return dz


cdef void _bias_grad(const floating *dz, floating *db, Py_ssize_t r0, Py_ssize_t r1,
                     Py_ssize_t f) noexcept nogil:
    """db = Σ rows r0 … r1 − 1 of dz (f columns)."""
    cdef Py_ssize_t r, j
    cdef const floating *row
    memset(db, 0, f * sizeof(floating))
    for r in range(r0, r1):
        row = dz + r * f
        for j in range(f):
            db[j] += row[j]


cdef void _forward_part(const floating *xp, const floating *kp, const floating *bp, bint relu,
                        floating *op, floating *cp, Py_ssize_t r0, Py_ssize_t r1,
                        Py_ssize_t cap, Py_ssize_t f, Geometry g) noexcept nogil:
    """Output rows r0 … r1 − 1 (whole images): the bias (if ``bp``), then im2col + GEMM a chunk
    of at most ``cap`` rows at a time (β = 1 adds onto the bias), then ReLU on the chunk."""
    cdef Py_ssize_t k = g.kh * g.kw * g.c, r, a, b, step
    cdef floating beta = 1 if bp != NULL else 0
    if bp != NULL:
        for r in range(r0, r1):
            memcpy(op + r * f, bp, f * sizeof(floating))
    if _is_plain(g):
        # x's rows are the im2col rows already
        gemm_rm(False, False, <int>(r1 - r0), <int>f, <int>k, 1, xp + r0 * k, kp, beta,
                op + r0 * f)
        if relu:
            _relu(op + r0 * f, (r1 - r0) * f)
        return
    step = _even_step(r1 - r0, cap)
    a = r0
    while a < r1:
        b = min(a + step, r1)
        _im2col_chunk(xp, cp, a, b, g)
        gemm_rm(False, False, <int>(b - a), <int>f, <int>k, 1, cp, kp, beta, op + a * f)
        if relu:
            _relu(op + a * f, (b - a) * f)
        a = b


cdef void _forward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] kernel,
                   const floating[::1] bias, bint has_bias, bint relu,
                   floating[:, :, :, ::1] out, floating[::1] cols, Geometry g,
                   Py_ssize_t cap, int threads):
    """out = im2col(x) @ K + b (then ReLU), each part of the batch on one thread; ``cols``
    holds ``threads`` chunk buffers."""
    cdef Py_ssize_t n = x.shape[0], f = kernel.shape[3], rows = g.oh * g.ow
    cdef Py_ssize_t parts = _parts(n), p, stride = cols.shape[0] // threads
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0, 0]
    cdef const floating *bp = &bias[0] if has_bias else NULL
    cdef floating *op = &out[0, 0, 0, 0]
    cdef floating *cp = &cols[0]
    with nogil:
        for p in prange(parts, num_threads=threads, schedule="static"):
            _forward_part(xp, kp, bp, relu, op, cp + threadid() * stride,
                          _first(n, parts, p) * rows, _first(n, parts, p + 1) * rows, cap, f, g)


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


cdef void _forward_narrow_part(const floating *xp, const floating *kp, const floating *bp,
                               bint relu, floating *op, floating *zp, Py_ssize_t n0,
                               Py_ssize_t n1, Py_ssize_t cap, Py_ssize_t f, Py_ssize_t m,
                               Geometry g) noexcept nogil:
    """Images n0 … n1 − 1 of the narrow forward: out = b + Σ_taps scatter(x @ Kr) (then ReLU),
    a chunk of at most ``cap`` input pixels per GEMM into ``zp``."""
    cdef Py_ssize_t o0 = n0 * g.oh * g.ow, o1 = n1 * g.oh * g.ow
    cdef Py_ssize_t i0 = n0 * g.h * g.w, i1 = n1 * g.h * g.w, r, a, b, step
    if bp != NULL:
        for r in range(o0, o1):
            memcpy(op + r * f, bp, f * sizeof(floating))
    else:
        memset(op + o0 * f, 0, (o1 - o0) * f * sizeof(floating))
    step = _even_step(i1 - i0, cap)
    a = i0
    while a < i1:
        b = min(a + step, i1)
        gemm_rm(False, False, <int>(b - a), <int>m, <int>g.c, 1, xp + a * g.c, kp, 0, zp)
        _scatter_rows(zp, op, a, b, g, f)
        a = b
    if relu:
        _relu(op + o0 * f, (o1 - o0) * f)


cdef void _forward_narrow(const floating[:, :, :, ::1] x, const floating[:, ::1] kr,
                          const floating[::1] bias, bint has_bias, bint relu,
                          floating[:, :, :, ::1] out, floating[::1] z, Geometry g,
                          Py_ssize_t cap, int threads):
    """out = b + Σ_taps scatter(x @ Kr) (then ReLU), ``Kr[c, (p, q, f)] = K[p, q, c, f]``, each
    part of the batch on one thread; ``z`` holds ``threads`` chunk products."""
    cdef Py_ssize_t n = x.shape[0], f = out.shape[3], m = kr.shape[1]
    cdef Py_ssize_t parts = _parts(n), p, stride = z.shape[0] // threads
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kr[0, 0]
    cdef const floating *bp = &bias[0] if has_bias else NULL
    cdef floating *op = &out[0, 0, 0, 0]
    cdef floating *zp = &z[0]
    with nogil:
        for p in prange(parts, num_threads=threads, schedule="static"):
            _forward_narrow_part(xp, kp, bp, relu, op, zp + threadid() * stride,
                                 _first(n, parts, p), _first(n, parts, p + 1), cap, f, m, g)


cdef void _backward_narrow_part(const floating *xp, const floating *kp, const floating *dz,
                                floating *dxp, floating *dkp, floating *dp, Py_ssize_t n0,
                                Py_ssize_t n1, Py_ssize_t cap, Py_ssize_t f, Py_ssize_t m,
                                Geometry g) noexcept nogil:
    """Images n0 … n1 − 1 of the narrow backward, a chunk of input pixels at a time:
    D = gather(dZ), dKr_part += xᵀ @ D, dx = D @ Krᵀ (when ``dxp``)."""
    cdef Py_ssize_t i0 = n0 * g.h * g.w, i1 = n1 * g.h * g.w, a, b, step
    memset(dkp, 0, g.c * m * sizeof(floating))
    step = _even_step(i1 - i0, cap)
    a = i0
    while a < i1:
        b = min(a + step, i1)
        _gather_rows(dz, dp, a, b, g, f)
        gemm_rm(True, False, <int>g.c, <int>m, <int>(b - a), 1, xp + a * g.c, dp, 1, dkp)
        if dxp != NULL:
            gemm_rm(False, True, <int>(b - a), <int>g.c, <int>m, 1, dp, kp, 0, dxp + a * g.c)
        a = b


cdef void _backward_part(const floating *xp, const floating *kp, const floating *dz,
                         floating *dxp, floating *dkp, floating *cp, floating *dcp,
                         Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t cap, Py_ssize_t f,
                         Geometry g) noexcept nogil:
    """Output rows r0 … r1 − 1 (whole images): dK_part = Σ_chunks im2col(x)ᵀ @ dZ, and, when
    ``dxp``, dx = col2im(dZ @ Kᵀ) for these images (dx zeroed by the caller)."""
    cdef Py_ssize_t k = g.kh * g.kw * g.c, a, b, step
    if _is_plain(g):
        # x is its own im2col matrix and dx = dZ @ Kᵀ needs no col2im.
        gemm_rm(True, False, <int>k, <int>f, <int>(r1 - r0), 1, xp + r0 * k, dz + r0 * f, 0, dkp)
        if dxp != NULL:
            gemm_rm(False, True, <int>(r1 - r0), <int>k, <int>f, 1, dz + r0 * f, kp, 0,
                    dxp + r0 * k)
        return
    memset(dkp, 0, k * f * sizeof(floating))
    step = _even_step(r1 - r0, cap)
    a = r0
    while a < r1:
        b = min(a + step, r1)
        _im2col_chunk(xp, cp, a, b, g)
        # dK += colsᵀ @ dZ  (the chunks' contributions add up in place)
        gemm_rm(True, False, <int>k, <int>f, <int>(b - a), 1, cp, dz + a * f, 1, dkp)
        if dxp != NULL:
            # dcols = dZ @ Kᵀ, then scatter-add onto the windows
            gemm_rm(False, True, <int>(b - a), <int>k, <int>f, 1, dz + a * f, kp, 0, dcp)
            _col2im_chunk(dcp, dxp, a, b, g)
        a = b



# -- the direct path (float32, stride 1, no dilation; csrc/direct_conv.h) ----------------------
#
# Where it applies, a convolution with 16 or more filters is computed directly (no im2col
# matrix, no GEMM), one image per task; and the input gradient of any stride-1 convolution
# with 16 or more input channels is the direct convolution of dL/dz, padded, with the kernel
# turned by 180° and its channel axes swapped:
#     dx[r, s, c] = Σ_{i, j, f} dzpad[r + i, s + j, f] · K[KH − 1 − i, KW − 1 − j, c, f]
# with dzpad = dL/dz padded by KH − 1 − pad_top rows above and KH − 1 − pad_bottom below (and
# the same for columns). Each output number is one sum in a fixed order, so the result does not
# depend on the thread count either.

cdef inline bint _direct_geometry(Geometry g) noexcept nogil:
    """The direct path is on, stride 1, no dilation, and a window of more than one tap."""
    return (_direct_on and g.sh == 1 and g.sw == 1 and g.dh == 1 and g.dw == 1
            and g.kh * g.kw > 1)


cdef inline Py_ssize_t _pad_bottom(Geometry g) noexcept nogil:
    """Zero rows below the image (stride 1, no dilation): OH + KH − 1 − H − pad_top."""
    return g.oh + g.kh - 1 - g.h - g.pt


cdef inline Py_ssize_t _pad_right(Geometry g) noexcept nogil:
    """Zero columns right of the image (stride 1, no dilation): OW + KW − 1 − W − pad_left."""
    return g.ow + g.kw - 1 - g.w - g.pl


cdef inline bint _large_enough(Py_ssize_t h, Py_ssize_t w) noexcept nogil:
    """A grid of h × w pixels the direct path is worth taking for."""
    return _direct_always or (w >= DIRECT_MIN_WIDTH and h * w >= DIRECT_MIN_PIXELS)


cdef inline bint _direct_forward_applies(Geometry g, Py_ssize_t f, object dtype):
    """The direct forward pass (and kernel gradient) applies: float32, 16 or more filters,
    an output grid large enough."""
    return (dtype == np.float32 and _direct_geometry(g) and f >= 16
            and _pad_bottom(g) >= 0 and _pad_right(g) >= 0 and _large_enough(g.oh, g.ow))


cdef inline bint _direct_dx_applies(Geometry g, object dtype):
    """The direct input gradient applies: 16 or more input channels (its filters), an input
    grid large enough, and dL/dz's padding is never negative."""
    return (dtype == np.float32 and _direct_geometry(g) and g.c >= 16 and _large_enough(g.h, g.w)
            and g.pt <= g.kh - 1 and g.pl <= g.kw - 1
            and 0 <= _pad_bottom(g) <= g.kh - 1 and 0 <= _pad_right(g) <= g.kw - 1)


cdef void _direct(const float[:, :, :, ::1] x, const float[:, :, :, ::1] kernel,
                  const float *bias, bint relu, float[:, :, :, ::1] out, Py_ssize_t pt,
                  Py_ssize_t pb, Py_ssize_t pl, Py_ssize_t pr, int threads):
    """out[n] = direct convolution of image n (padded by pt/pb/pl/pr zeros), images shared
    among ``threads`` OpenMP threads, each with its own padded-image buffer."""
    global _direct_count
    _direct_count += 1
    cdef Py_ssize_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3]
    cdef Py_ssize_t kh = kernel.shape[0], kw = kernel.shape[1], f = kernel.shape[3]
    cdef Py_ssize_t size = (h + pt + pb) * (w + pl + pr) * c, i
    cdef Py_ssize_t per_x = h * w * c, per_y = out.shape[1] * out.shape[2] * f
    buffer = np.empty(max(1, threads * size), dtype=np.float32)
    cdef float[::1] buf = buffer
    packed = np.empty(pynet_dc_packed_size(kh * kw * c, f), dtype=np.float32)
    cdef float[::1] pk = packed
    cdef const float *xp = &x[0, 0, 0, 0]
    cdef float *kp = &pk[0]
    cdef float *op = &out[0, 0, 0, 0]
    cdef float *bp = &buf[0]
    pynet_dc_pack(&kernel[0, 0, 0, 0], kh * kw * c, f, kp)
    with nogil:
        for i in prange(n, num_threads=threads, schedule="static"):
            pynet_dc_image(xp + i * per_x, h, w, c, pt, pb, pl, pr, kp, kh, kw, f, bias,
                           relu, op + i * per_y, bp + threadid() * size)


cdef void _direct_backward(const float[:, :, :, ::1] x, const float[:, :, :, ::1] dy,
                           const float[:, :, :, ::1] y, bint relu, float[:, :, :, ::1] masked,
                           float[:, ::1] dk_parts, float[:, ::1] db_parts, bint need_db,
                           Geometry g, int threads):
    """Each part of the batch on one thread: dZ (with the fused ReLU's mask), the part's bias
    gradient and its kernel gradient, image after image (csrc/direct_conv.h)."""
    global _direct_count
    _direct_count += 1
    cdef Py_ssize_t n = x.shape[0], f = dy.shape[3], rows = g.oh * g.ow
    cdef Py_ssize_t parts = _parts(n), p, i
    cdef Py_ssize_t pb = _pad_bottom(g), pr = _pad_right(g)
    cdef Py_ssize_t size = (g.h + g.pt + pb) * (g.w + g.pl + pr) * g.c
    cdef Py_ssize_t per_x = g.h * g.w * g.c, kf = dk_parts.shape[1]
    buffer = np.empty(max(1, threads * size), dtype=np.float32)
    cdef float[::1] buf = buffer
    cdef Py_ssize_t dzsize = pynet_dc_packed_size(rows, f) if f > 32 else 1
    dzbuffer = np.empty(threads * dzsize, dtype=np.float32)
    cdef float[::1] dzbuf = dzbuffer
    cdef float *dzp = &dzbuf[0]
    cdef const float *xp = &x[0, 0, 0, 0]
    cdef const float *gp = &dy[0, 0, 0, 0]
    cdef const float *yp = &y[0, 0, 0, 0] if relu else NULL
    cdef float *mp = &masked[0, 0, 0, 0]
    cdef const float *dz
    cdef float *dkp = &dk_parts[0, 0]
    cdef float *dbp = &db_parts[0, 0]
    cdef float *bp = &buf[0]
    with nogil:
        for p in prange(parts, num_threads=threads, schedule="static"):
            dz = _part_dz(gp, yp, mp, dbp, need_db, n, parts, p, rows, f)
            memset(dkp + p * kf, 0, kf * sizeof(float))
            for i in range(_first(n, parts, p), _first(n, parts, p + 1)):
                pynet_dc_kgrad_image(xp + i * per_x, g.h, g.w, g.c, g.pt, pb, g.pl, pr,
                                     dz + i * rows * f, g.kh, g.kw, f, dkp + p * kf,
                                     bp + threadid() * size, dzp + threadid() * dzsize)


cdef void _direct_forward(const float[:, :, :, ::1] x, const float[:, :, :, ::1] kernel, bias,
                          bint relu, float[:, :, :, ::1] out, Geometry g, int threads):
    """:func:`_direct` with the forward pass's own padding and the bias (or None)."""
    cdef const float[::1] b
    cdef const float *bp = NULL
    if bias is not None:
        b = bias
        bp = &b[0]
    _direct(x, kernel, bp, relu, out, g.pt, _pad_bottom(g), g.pl, _pad_right(g), threads)


def conv2d_forward(x, kernel, bias=None, *, strides=1, padding="valid", dilation=1,
                   activation="linear", out=None, threads=1):
    """2-D cross-correlation, NHWC, optionally with a fused ReLU; same contract as
    :func:`pynet.kernels.reference.conv.conv2d_forward`. ``threads``: the batch's parts run on
    up to this many threads (the thread policy chooses it; the numbers do not depend on it)."""
    threads = thread_count("conv2d_forward", threads)
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
    n = x.shape[0]
    parts = _parts(n)
    threads = min(threads, parts)
    per_part = -(-n // parts)                       # images in the largest part
    if _direct_forward_applies(g, f, x.dtype):
        _direct_forward(x, kernel, bias if has_bias else None, relu, out, g, threads)
        return out
    if _is_narrow(g, f):
        kr = _narrow_kernel(kernel)
        cap = min(_narrow_chunk_rows(g, f), per_part * g.h * g.w)
        z = np.empty(threads * cap * kr.shape[1], dtype=x.dtype)
        if x.dtype == np.float64:
            _forward_narrow[double](x, kr, bias, has_bias, relu, out, z, g, cap, threads)
        else:
            _forward_narrow[float](x, kr, bias, has_bias, relu, out, z, g, cap, threads)
        return out
    cap = min(_chunk_rows(g), per_part * g.oh * g.ow)
    cols = np.empty(threads * (1 if _is_plain(g) else cap * g.kh * g.kw * g.c), dtype=x.dtype)
    if x.dtype == np.float64:
        _forward[double](x, kernel, bias, has_bias, relu, out, cols, g, cap, threads)
    else:
        _forward[float](x, kernel, bias, has_bias, relu, out, cols, g, cap, threads)
    return out


cdef void _backward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] kernel,
                    const floating[:, :, :, ::1] dy, const floating[:, :, :, ::1] y,
                    bint relu, floating[:, :, :, ::1] masked, floating[:, :, :, ::1] dx,
                    bint need_dx, floating[:, ::1] dk_parts, floating[:, ::1] db_parts,
                    bint need_db, floating[::1] cols, floating[::1] dcols, bint narrow,
                    Geometry g, Py_ssize_t cap, int threads):
    """Each part of the batch on one thread: dZ = dY ⊙ [y > 0] with a fused ReLU (into
    ``masked``), the part's bias and kernel gradients (rows of ``db_parts`` / ``dk_parts``),
    and its images' dx. For the narrow path ``kernel`` is Kr and ``dcols`` the gathered
    chunk buffers. ``cols``/``dcols`` hold ``threads`` chunk buffers each."""
    cdef Py_ssize_t n = x.shape[0], f = dy.shape[3], rows = g.oh * g.ow
    cdef Py_ssize_t parts = _parts(n), p, r0, r1
    cdef Py_ssize_t stride = cols.shape[0] // threads, dstride = dcols.shape[0] // threads
    cdef Py_ssize_t m = kernel.shape[1] if narrow else 0
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0, 0]
    cdef const floating *gp = &dy[0, 0, 0, 0]
    cdef const floating *yp = &y[0, 0, 0, 0] if relu else NULL
    cdef floating *mp = &masked[0, 0, 0, 0]
    cdef const floating *dz
    cdef floating *dxp = &dx[0, 0, 0, 0] if need_dx else NULL
    cdef floating *dkp = &dk_parts[0, 0]
    cdef floating *dbp = &db_parts[0, 0]
    cdef floating *cp = &cols[0]
    cdef floating *dcp = &dcols[0]
    cdef Py_ssize_t kf = dk_parts.shape[1]
    with nogil:
        for p in prange(parts, num_threads=threads, schedule="static"):
            r0 = _first(n, parts, p) * rows
            r1 = _first(n, parts, p + 1) * rows
            dz = _part_dz(gp, yp, mp, dbp, need_db, n, parts, p, rows, f)
            if narrow:
                _backward_narrow_part(xp, kp, dz, dxp, dkp + p * kf, dcp + threadid() * dstride,
                                      _first(n, parts, p), _first(n, parts, p + 1), cap, f, m, g)
            else:
                _backward_part(xp, kp, dz, dxp, dkp + p * kf, cp + threadid() * stride,
                               dcp + threadid() * dstride, r0, r1, cap, f, g)


def conv2d_backward(x, kernel, grad_output, *, strides=1, padding="valid", dilation=1,
                    activation="linear", output=None, need_input_grad=True, need_bias_grad=True,
                    threads=1):
    """Gradients of :func:`conv2d_forward`: ``(grad_input or None, grad_kernel, grad_bias or
    None)``; same contract as :func:`pynet.kernels.reference.conv.conv2d_backward`.
    ``threads`` as for :func:`conv2d_forward`."""
    threads = thread_count("conv2d_backward", threads)
    x, kernel, grad_output, geometry, output = prepare_conv2d_backward(
        x, kernel, grad_output, strides, padding, dilation, activation, output, mask=False)
    need_dx, need_db = bool(need_input_grad), bool(need_bias_grad)
    dtype = x.dtype
    f = kernel.shape[3]
    dk = np.zeros(kernel.shape, dtype=dtype)
    db = np.zeros(max(f, 1), dtype=dtype)
    dx = np.zeros(x.shape, dtype=dtype) if need_dx else np.zeros((1, 1, 1, 1), dtype=dtype)
    if x.size == 0 or grad_output.size == 0 or kernel.size == 0:
        return (dx if need_dx else None), dk, (db[:f] if need_db else None)
    cdef Geometry g = _geometry(x.shape, kernel.shape[0], kernel.shape[1], geometry)
    relu = output is not None
    if relu:
        output = np.ascontiguousarray(output)
    masked = np.empty(grad_output.shape if relu else (1, 1, 1, 1), dtype=dtype)
    n = x.shape[0]
    parts = _parts(n)
    threads = min(threads, parts)
    per_part = -(-n // parts)
    narrow = _is_narrow(g, f)
    direct_dx = need_dx and _direct_dx_applies(g, dtype)
    # the direct kernel gradient (then narrow is False: f >= 16) leaves dx to the direct path
    direct_dk = _direct_forward_applies(g, f, dtype) and (direct_dx or not need_dx)
    if direct_dx:
        need_dx = False                  # the im2col pass makes dK and db only
    if narrow:
        kr = _narrow_kernel(kernel)
        m = kr.shape[1]
        cap = min(_narrow_chunk_rows(g, f), per_part * g.h * g.w)
        mat = kr.reshape(kr.shape[0], m, 1, 1)
        cols = np.empty(threads, dtype=dtype)
        dcols = np.empty(threads * cap * m, dtype=dtype)
        dk_parts = np.empty((parts, g.c * m), dtype=dtype)
        if need_dx:
            dx = np.empty(x.shape, dtype=dtype)      # every row is written by one GEMM
    else:
        k = g.kh * g.kw * g.c
        cap = min(_chunk_rows(g), per_part * g.oh * g.ow)
        size = 1 if _is_plain(g) or direct_dk else cap * k
        mat = kernel
        cols = np.empty(threads * size, dtype=dtype)
        dcols = np.empty(threads * size if need_dx else threads, dtype=dtype)
        dk_parts = np.empty((parts, k * f), dtype=dtype)
    db_parts = np.empty((parts, f), dtype=dtype)
    y = output if relu else masked
    if direct_dk:
        _direct_backward(x, grad_output, y, relu, masked, dk_parts, db_parts, need_db, g,
                         threads)
    elif dtype == np.float64:
        _backward[double](x, mat, grad_output, y, relu, masked, dx, need_dx, dk_parts, db_parts,
                          need_db, cols, dcols, narrow, g, cap, threads)
    else:
        _backward[float](x, mat, grad_output, y, relu, masked, dx, need_dx, dk_parts, db_parts,
                         need_db, cols, dcols, narrow, g, cap, threads)
    dk_sum = sum_parts(dk_parts)
    if narrow:
        dk[...] = dk_sum.reshape(g.c, g.kh, g.kw, f).transpose(1, 2, 0, 3)
    else:
        dk[...] = dk_sum.reshape(dk.shape)
    if need_db:
        db[:f] = sum_parts(db_parts)
    if direct_dx:
        turned = np.ascontiguousarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))
        _direct(masked if relu else grad_output, turned, NULL, False, dx,
                g.kh - 1 - g.pt, g.kh - 1 - _pad_bottom(g), g.kw - 1 - g.pl,
                g.kw - 1 - _pad_right(g), threads)
        need_dx = True
    return (dx if need_dx else None), dk, (db[:f] if need_db else None)




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
