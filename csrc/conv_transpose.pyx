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

cdef extern from "direct_conv.h" nogil:
    int pynet_dc_supported()
    Py_ssize_t pynet_dc_packed_size(Py_ssize_t rows, Py_ssize_t f)
    void pynet_dc_pack(const float *k, Py_ssize_t rows, Py_ssize_t f, float *out)
    const float *pynet_dc_pad(const float *x, Py_ssize_t h, Py_ssize_t w, Py_ssize_t c,
                              Py_ssize_t pt, Py_ssize_t pb, Py_ssize_t pl, Py_ssize_t pr,
                              float *buf)
    void pynet_dc_padded(const float *xp, Py_ssize_t hp, Py_ssize_t wp, Py_ssize_t c,
                         const float *k, Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t f,
                         Py_ssize_t sh, Py_ssize_t sw, const float *bias, int relu, float *y)
    void pynet_dc_grid(const float *xp, Py_ssize_t wp, Py_ssize_t c, const float *kp,
                       Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t f, Py_ssize_t sh, Py_ssize_t sw,
                       Py_ssize_t oh, Py_ssize_t ow, const float *bias, int relu, float *y,
                       Py_ssize_t yrow, Py_ssize_t ypix)
    void pynet_dc_kgrad_padded(const float *xp, Py_ssize_t hp, Py_ssize_t wp, Py_ssize_t c,
                               const float *dz, Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t f,
                               Py_ssize_t sh, Py_ssize_t sw, float *dk, float *dzbuf)

#: True when this CPU runs the direct float32 backward pass (AVX-512F, csrc/direct_conv.h).
DIRECT = bool(pynet_dc_supported())
cdef bint _direct_on = DIRECT
cdef Py_ssize_t _direct_count = 0


def _use_direct(flag):
    """Switch the direct backward pass on or off (tests and benches compare it with im2col +
    GEMM); returns the previous setting. It cannot be switched on where :data:`DIRECT` is
    False."""
    global _direct_on
    previous = bool(_direct_on)
    _direct_on = bool(flag) and DIRECT
    return previous


def _direct_calls():
    """How many direct backward passes this module has run (the tests check their shapes take
    the direct path)."""
    return _direct_count


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


# -- the direct forward pass (float32; csrc/direct_conv.h) -----------------------------------
#
# Output row oy gathers the kernel rows ky ≡ oy + pad_top (mod sh), each from input row
# (oy + pad_top − ky) / sh. So the output rows fall into sh phases, and within one phase the
# rows form an ordinary stride-1 correlation of x with the phase's kernel rows taken in reverse
# order; the same holds for the columns. The sh·sw phases are sh·sw direct convolutions of the
# (padded) input, each writing every sh-th row and sw-th column of y:
#     y[oy0 + a·sh, ox0 + b·sw, f] = b[f] + Σ_{u, v, c} xpad[r0 + a + u, c0 + b + v, c]
#                                              · K[py + (My − 1 − u)·sh, px + (Mx − 1 − v)·sw, f, c]
# (My, Mx: the phase's tap counts). Each output is one sum in a fixed order.

def _axis_phases(Py_ssize_t size_in, Py_ssize_t size_out, Py_ssize_t k, Py_ssize_t s,
                 Py_ssize_t pad):
    """For one axis: per phase (first output index, output count, taps, first input index
    of its windows before padding), and the zero padding the windows need before and after."""
    phases = []
    before = after = 0
    for q in range(s):
        taps = len(range(q, k, s))
        first = (q - pad) % s
        count = max(0, -(-(size_out - first) // s))
        base = (first + pad - q) // s
        start = base - (taps - 1)
        phases.append((first, count, taps, start))
        if taps and count:
            before = max(before, -start)
            after = max(after, start + count + taps - 1 - size_in)
    return phases, before, after


cdef inline bint _direct_forward_applies(Geometry g, object dtype):
    """float32, the direct path on, 16 or more filters (the vectors of the sums)."""
    return _direct_on and dtype == np.float32 and g.c >= 16 and g.pt >= 0 and g.pl >= 0


cdef void _direct_forward(const float[:, :, :, ::1] x, kernel, bias, float[:, :, :, ::1] y,
                          Geometry g, int threads):
    """y (holding the bias where a phase has no taps) = the sh·sw phase convolutions of each
    image, images shared among ``threads`` threads."""
    global _direct_count
    _direct_count += 1
    cdef Py_ssize_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3]
    cdef Py_ssize_t top, bottom, left, right
    rows, top, bottom = _axis_phases(h, g.h, g.kh, g.sh, g.pt)
    cols, left, right = _axis_phases(w, g.w, g.kw, g.sw, g.pl)
    cdef Py_ssize_t hp = h + top + bottom, wp = w + left + right, size = hp * wp * c
    plan, pieces, offset = [], [], 0
    for py, (oy0, nr, my, r0) in enumerate(rows):
        for px, (ox0, nc, mx, c0) in enumerate(cols):
            if not (my and mx and nr and nc):
                continue
            sub = np.ascontiguousarray(
                kernel[py::g.sh][::-1, px::g.sw][:, ::-1].transpose(0, 1, 3, 2))
            packed = np.empty(pynet_dc_packed_size(my * mx * c, g.c), dtype=np.float32)
            _pack(sub, packed)
            pieces.append(packed)
            plan.append((((r0 + top) * wp + c0 + left) * c, my, mx, nr, nc,
                         (oy0 * g.w + ox0) * g.c, offset))
            offset += packed.shape[0]
    if not plan:
        return
    cdef Py_ssize_t[:, ::1] at = np.array(plan, dtype=np.intp)
    allpacked = np.concatenate(pieces)
    cdef float[::1] pk = allpacked
    buffer = np.empty(max(1, threads * size), dtype=np.float32)
    cdef float[::1] buf = buffer
    cdef const float[::1] bv
    cdef const float *bp = NULL
    if bias is not None:
        bv = bias
        bp = &bv[0]
    cdef Py_ssize_t phases = at.shape[0], i, q, per_x = h * w * c, per_y = g.h * g.w * g.c
    cdef Py_ssize_t yrow = g.sh * g.w * g.c, ypix = g.sw * g.c
    cdef const float *xp = &x[0, 0, 0, 0]
    cdef float *yp = &y[0, 0, 0, 0]
    cdef float *kp = &pk[0]
    cdef float *bufp = &buf[0]
    cdef const float *padded
    with nogil:
        for i in prange(n, num_threads=threads, schedule="static"):
            padded = pynet_dc_pad(xp + i * per_x, h, w, c, top, bottom, left, right,
                                  bufp + threadid() * size)
            for q in range(phases):
                pynet_dc_grid(padded + at[q, 0], wp, c, kp + at[q, 6], at[q, 1], at[q, 2],
                              g.c, 1, 1, at[q, 3], at[q, 4], bp, 0, yp + i * per_y + at[q, 5],
                              yrow, ypix)


cdef void _pack(const float[:, :, :, ::1] sub, float[::1] out):
    """out = pynet_dc_pack of ``sub`` (taps, taps, C, F)."""
    pynet_dc_pack(&sub[0, 0, 0, 0], sub.shape[0] * sub.shape[1] * sub.shape[2], sub.shape[3],
                  &out[0])


def conv2d_transpose_forward(x, kernel, bias=None, *, strides=1, padding="valid",
                             output_padding=None, threads=1):
    """Transposed convolution, NHWC; same contract as
    :func:`pynet.kernels.reference.conv_transpose.conv2d_transpose_forward`. ``threads``: the
    batch's parts run on up to this many threads (the thread policy chooses it; the numbers do
    not depend on it)."""
    threads = thread_count("conv2d_transpose_forward", threads)
    x, kernel, bias, geometry, out_shape = prepare_conv2d_transpose_forward(
        x, kernel, bias, strides, padding, output_padding)
    y = np.empty(out_shape, dtype=x.dtype)
    if y.size and x.size and kernel.size:
        g = _geometry(out_shape, kernel.shape, geometry)
        if _direct_forward_applies(g, x.dtype):
            if g.sh > g.kh or g.sw > g.kw:        # some outputs meet no tap: the bias alone
                y[...] = 0 if bias is None else bias
            _direct_forward(x, kernel, bias, y, g, min(threads, x.shape[0]))
            return y
    # the scatter adds onto the bias (or zeros): no separate pass for the bias
    y[...] = 0 if bias is None else bias
    if y.size and x.size and kernel.size:
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


# -- the direct backward pass (float32; csrc/direct_conv.h) ----------------------------------
#
# The input gradient of a transposed convolution is an ordinary strided convolution of dL/dy
# (padded by pad_top rows above and what the stride leaves below) with the kernel as it is —
# ``(kh, kw, filters, in_channels)`` reads as ``(kh, kw, input channels, output channels)`` of
# that convolution — and the kernel gradient is that convolution's kernel gradient with x as
# its dL/dz:
#     dx[i, j, c]       = Σ_{p, q, f} dypad[i·sh + p, j·sw + q, f] · K[p, q, f, c]
#     dK[p, q, f, c]   += Σ_{i, j}    dypad[i·sh + p, j·sw + q, f] · x[i, j, c]
# One padded image of dL/dy serves both. Each part of the batch (whole images) is one task;
# its kernel gradient is added image after image, and the parts in a fixed order.

cdef inline Py_ssize_t _pad_bottom(Geometry g) noexcept nogil:
    """Zero rows below dL/dy so that its windows are exactly the x's rows: (OH − 1)·sh + KH −
    H − pad_top (negative: the last rows of dL/dy meet no window)."""
    return (g.oh - 1) * g.sh + g.kh - g.h - g.pt


cdef inline Py_ssize_t _pad_right(Geometry g) noexcept nogil:
    """Zero columns right of dL/dy, as :func:`_pad_bottom` for the columns."""
    return (g.ow - 1) * g.sw + g.kw - g.w - g.pl


cdef inline bint _direct_applies(Geometry g, Py_ssize_t c, object dtype):
    """float32, the direct path on, 16 or more input channels (the vectors of both sums), no
    negative padding before the image (after it, a negative pad drops rows no window meets)."""
    return _direct_on and dtype == np.float32 and c >= 16 and g.pt >= 0 and g.pl >= 0


cdef void _direct_backward(const float[:, :, :, ::1] x, const float[:, :, :, ::1] kernel,
                           const float[:, :, :, ::1] dy, float[:, :, :, ::1] dx, bint need_dx,
                           float[:, ::1] dk_parts, Geometry g, int threads):
    """Each part of the batch on one thread: per image, dL/dy padded once, then its dx (when
    ``need_dx``) and its share of the part's kernel gradient."""
    global _direct_count
    _direct_count += 1
    cdef Py_ssize_t n = x.shape[0], c = x.shape[3], parts = _parts(n), p, i
    cdef Py_ssize_t pb = _pad_bottom(g), pr = _pad_right(g)
    cdef Py_ssize_t hp = g.h + g.pt + pb, wp = g.w + g.pl + pr
    cdef Py_ssize_t size = hp * wp * g.c, kc = dk_parts.shape[1]
    cdef Py_ssize_t per_y = g.h * g.w * g.c, per_x = g.oh * g.ow * c
    buffer = np.empty(max(1, threads * size), dtype=np.float32)
    cdef float[::1] buf = buffer
    packed = np.empty(pynet_dc_packed_size(g.kh * g.kw * g.c, c) if need_dx else 1,
                      dtype=np.float32)
    cdef float[::1] pk = packed
    cdef Py_ssize_t dzsize = pynet_dc_packed_size(g.oh * g.ow, c) if c > 32 else 1
    dzbuffer = np.empty(threads * dzsize, dtype=np.float32)
    cdef float[::1] dzbuf = dzbuffer
    cdef float *dzp = &dzbuf[0]
    cdef const float *xp = &x[0, 0, 0, 0]
    cdef float *kp = &pk[0]
    cdef const float *gp = &dy[0, 0, 0, 0]
    cdef float *dxp = &dx[0, 0, 0, 0]
    cdef float *dkp = &dk_parts[0, 0]
    cdef float *bp = &buf[0]
    cdef const float *padded
    if need_dx:
        pynet_dc_pack(&kernel[0, 0, 0, 0], g.kh * g.kw * g.c, c, kp)
    with nogil:
        for p in prange(parts, num_threads=threads, schedule="static"):
            memset(dkp + p * kc, 0, kc * sizeof(float))
            for i in range(n * p // parts, n * (p + 1) // parts):
                padded = pynet_dc_pad(gp + i * per_y, g.h, g.w, g.c, g.pt, pb, g.pl, pr,
                                      bp + threadid() * size)
                if need_dx:
                    pynet_dc_padded(padded, hp, wp, g.c, kp, g.kh, g.kw, c, g.sh, g.sw, NULL,
                                    0, dxp + i * per_x)
                pynet_dc_kgrad_padded(padded, hp, wp, g.c, xp + i * per_x, g.kh, g.kw, c,
                                      g.sh, g.sw, dkp + p * kc, dzp + threadid() * dzsize)


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
        dk_parts = np.empty((parts, dk.size), dtype=dtype)
        direct = _direct_applies(g, x.shape[3], dtype)
        chunk = min(_chunk_samples(g), -(-x.shape[0] // parts))
        size = 1 if direct else chunk * g.oh * g.ow * g.kh * g.kw * g.c
        cols = np.empty(threads * max(size, 1), dtype=dtype)
        if direct:
            _direct_backward(x, kernel, grad_output, dx, need_dx, dk_parts, g, threads)
        elif dtype == np.float64:
            _backward[double](x, kernel, grad_output, dx, need_dx, dk_parts, cols, g, chunk,
                              threads)
        else:
            _backward[float](x, kernel, grad_output, dx, need_dx, dk_parts, cols, g, chunk,
                             threads)
        dk[...] = sum_parts(dk_parts).reshape(dk.shape)
    return (dx if need_dx else None), dk, db
