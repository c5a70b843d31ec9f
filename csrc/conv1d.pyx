"""Compiled twins of pynet/kernels/reference/conv1d.py (same names, signatures and checks).

The reference's method — windows copied into rows, one BLAS GEMM, rows added back — done a chunk
of sequences at a time, so one chunk's window matrix (about 1 MB) is still in cache when the GEMM
reads it. Padding ('same', 'causal') is never materialised: a tap outside the sequence is written
as zeros into the window row (forward) and skipped (backward). The bias is copied into the output
first and the GEMM adds onto it (``beta = 1``); a ReLU is applied to each chunk right after its GEMM.
Layout: sequences ``(N, L, C)``, kernel ``(K, C, F)``.
"""
from cython cimport floating
from libc.string cimport memcpy, memset
import numpy as np

from blas cimport gemm_rm

from pynet.kernels._checks.conv1d import prepare_conv1d_backward, prepare_conv1d_forward

__all__ = ["conv1d_forward", "conv1d_backward"]

# Target size of one chunk's window matrix, in elements (1 MiB of float32).
cdef Py_ssize_t CHUNK_ELEMENTS = 1 << 18
# Below this many numbers a plain loop beats a call to memcpy.
cdef Py_ssize_t MEMCPY_MIN = 32


cdef struct Geometry1D:
    Py_ssize_t steps, c, k, out_len, stride, dilation, pad


cdef Geometry1D _geometry(tuple shape, Py_ssize_t k, tuple geometry):
    """The checked sizes (steps, channels, k, stride, dilation, out_len, pad) as one struct"""
    cdef Geometry1D g
    stride, dilation, out_len, pad = geometry
    g.steps, g.c = shape[1], shape[2]
    g.k = k
    g.out_len, g.stride, g.dilation, g.pad = out_len, stride, dilation, pad
    return g


cdef inline bint _is_plain(Geometry1D g) noexcept nogil:
    """A 1-step window, stride 1, no padding: x itself is the window matrix."""
    return g.k == 1 and g.stride == 1 and g.pad == 0


cdef void _windows_chunk(const floating *x, floating *cols, Py_ssize_t n0, Py_ssize_t n1,
                         Geometry1D g) noexcept nogil:
    """cols[(n, t), (p, c)] := x[n, t·s − pad + p·d, c], or 0 outside the sequence."""
    cdef Py_ssize_t n, t, p, r, ch, start
    cdef Py_ssize_t run = g.k * g.c           # a whole window, when its steps are adjacent
    cdef const floating *src
    cdef floating *dst = cols
    for n in range(n0, n1):
        for t in range(g.out_len):
            start = t * g.stride - g.pad
            if g.dilation == 1 and start >= 0 and start + g.k <= g.steps:
                src = x + (n * g.steps + start) * g.c
                if run >= MEMCPY_MIN:
                    memcpy(dst, src, run * sizeof(floating))
                else:
                    for ch in range(run):
                        dst[ch] = src[ch]
                dst += run
                continue
            for p in range(g.k):
                r = start + p * g.dilation
                if 0 <= r < g.steps:
                    src = x + (n * g.steps + r) * g.c
                    for ch in range(g.c):
                        dst[ch] = src[ch]
                else:
                    for ch in range(g.c):
                        dst[ch] = 0
                dst += g.c


cdef void _add_windows_chunk(const floating *cols, floating *dx, Py_ssize_t n0, Py_ssize_t n1,
                             Geometry1D g) noexcept nogil:
    """dx[n, t·s − pad + p·d, c] += cols[(n, t), (p, c)] inside the sequence (dx pre-zeroed)."""
    cdef Py_ssize_t n, t, p, r, ch, start
    cdef const floating *src = cols
    cdef floating *dst
    for n in range(n0, n1):
        for t in range(g.out_len):
            start = t * g.stride - g.pad
            for p in range(g.k):
                r = start + p * g.dilation
                if 0 <= r < g.steps:
                    dst = dx + (n * g.steps + r) * g.c
                    for ch in range(g.c):
                        dst[ch] += src[ch]
                src += g.c


cdef Py_ssize_t _chunk_sequences(Geometry1D g):
    """Sequences per chunk: max(1, CHUNK_ELEMENTS // (out_len·k·C))"""
    cdef Py_ssize_t per_sequence = g.out_len * g.k * g.c
    if per_sequence <= 0:
        return 1
    return max(1, CHUNK_ELEMENTS // per_sequence)


cdef inline void _relu(floating *y, Py_ssize_t count) noexcept nogil:
    """y := max(0, y)"""
    cdef Py_ssize_t i
    for i in range(count):
        y[i] = y[i] if y[i] > 0 else 0


cdef void _forward(const floating[:, :, ::1] x, const floating[:, :, ::1] kernel,
                   const floating[::1] bias, bint has_bias, bint relu,
                   floating[:, :, ::1] out, floating[::1] cols, Geometry1D g, Py_ssize_t chunk):
    """out = windows(x) @ K + b (then ReLU if ``relu``), one GEMM per chunk of sequences"""
    cdef Py_ssize_t n = x.shape[0], f = kernel.shape[2]
    cdef Py_ssize_t kc = g.k * g.c
    cdef Py_ssize_t n0, n1, r, rows
    cdef const floating *xp = &x[0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0]
    cdef floating *op = &out[0, 0, 0]
    cdef floating *cp = &cols[0]
    cdef const floating *bp = &bias[0]
    cdef floating beta = 1 if has_bias else 0
    with nogil:
        if has_bias:
            for r in range(n * g.out_len):
                memcpy(op + r * f, bp, f * sizeof(floating))
        if _is_plain(g):
            gemm_rm(False, False, <int>(n * g.out_len), <int>f, <int>kc, 1, xp, kp, beta, op)
            if relu:
                _relu(op, n * g.out_len * f)
            return
        n0 = 0
        while n0 < n:
            n1 = min(n0 + chunk, n)
            rows = (n1 - n0) * g.out_len
            _windows_chunk(xp, cp, n0, n1, g)
            gemm_rm(False, False, <int>rows, <int>f, <int>kc, 1, cp, kp, beta,
                    op + n0 * g.out_len * f)
            if relu:
                _relu(op + n0 * g.out_len * f, rows * f)
            n0 = n1


def conv1d_forward(x, kernel, bias=None, *, strides=1, padding="valid", dilation=1,
                   activation="linear", out=None):
    """1-D cross-correlation, ``(N, L, C)`` with ``(K, C, F)``, optionally with a fused ReLU;
    same contract as :func:`pynet.kernels.reference.conv1d.conv1d_forward`."""
    x, kernel, bias, out, geometry, activation = prepare_conv1d_forward(
        x, kernel, bias, strides, padding, dilation, out, activation)
    relu = activation == "relu"
    if out.size == 0:
        return out
    if x.shape[2] == 0:                      # no input channels: the output is the bias
        out[...] = 0 if bias is None else bias
        if relu:
            np.maximum(out, 0, out=out)
        return out
    cdef Geometry1D g = _geometry(x.shape, kernel.shape[0], geometry)
    chunk = min(_chunk_sequences(g), x.shape[0])
    cols = np.empty(1 if _is_plain(g) else chunk * g.out_len * g.k * g.c, dtype=x.dtype)
    has_bias = bias is not None
    if not has_bias:
        bias = np.zeros(1, dtype=x.dtype)
    if x.dtype == np.float64:
        _forward[double](x, kernel, bias, has_bias, relu, out, cols, g, chunk)
    else:
        _forward[float](x, kernel, bias, has_bias, relu, out, cols, g, chunk)
    return out


cdef void _backward(const floating[:, :, ::1] x, const floating[:, :, ::1] kernel,
                    const floating[:, :, ::1] dy, floating[:, :, ::1] dx, bint need_dx,
                    floating[:, :, ::1] dk, floating[::1] db, bint need_db,
                    floating[::1] cols, floating[::1] dcols, Geometry1D g, Py_ssize_t chunk):
    """db = Σ dY; dK = Σ_chunks windows(x)ᵀ @ dY; dx = overlap-add(dY @ Kᵀ) when ``need_dx``"""
    cdef Py_ssize_t n = x.shape[0], f = kernel.shape[2]
    cdef Py_ssize_t kc = g.k * g.c
    cdef Py_ssize_t n0, n1, r, j, rows
    cdef const floating *xp = &x[0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0]
    cdef const floating *gp = &dy[0, 0, 0]
    cdef const floating *grow
    cdef floating *dxp = &dx[0, 0, 0]
    cdef floating *dkp = &dk[0, 0, 0]
    cdef floating *dbp = &db[0]
    cdef floating *cp = &cols[0]
    cdef floating *dcp = &dcols[0]
    with nogil:
        if need_db:
            memset(dbp, 0, f * sizeof(floating))
            for r in range(n * g.out_len):
                grow = gp + r * f
                for j in range(f):
                    dbp[j] += grow[j]
        if _is_plain(g):
            # x is its own window matrix; dx = dY @ Kᵀ needs no scatter
            gemm_rm(True, False, <int>kc, <int>f, <int>(n * g.out_len), 1, xp, gp, 0, dkp)
            if need_dx:
                gemm_rm(False, True, <int>(n * g.out_len), <int>kc, <int>f, 1, gp, kp, 0, dxp)
            return
        memset(dkp, 0, kc * f * sizeof(floating))
        n0 = 0
        while n0 < n:
            n1 = min(n0 + chunk, n)
            rows = (n1 - n0) * g.out_len
            _windows_chunk(xp, cp, n0, n1, g)
            # dK += colsᵀ @ dY (chunks add up in place)
            gemm_rm(True, False, <int>kc, <int>f, <int>rows, 1, cp, gp + n0 * g.out_len * f,
                    1, dkp)
            if need_dx:
                # dcols = dY @ Kᵀ, then add each row back onto its window
                gemm_rm(False, True, <int>rows, <int>kc, <int>f, 1, gp + n0 * g.out_len * f,
                        kp, 0, dcp)
                _add_windows_chunk(dcp, dxp, n0, n1, g)
            n0 = n1


def conv1d_backward(x, kernel, grad_output, *, strides=1, padding="valid", dilation=1,
                    activation="linear", output=None, need_input_grad=True, need_bias_grad=True):
    """Gradients of :func:`conv1d_forward`: ``(grad_input or None, grad_kernel, grad_bias or
    None)``; same contract as :func:`pynet.kernels.reference.conv1d.conv1d_backward`."""
    x, kernel, grad_output, geometry = prepare_conv1d_backward(
        x, kernel, grad_output, strides, padding, dilation, activation, output)
    need_dx, need_db = bool(need_input_grad), bool(need_bias_grad)
    dtype = x.dtype
    f = kernel.shape[2]
    dk = np.zeros(kernel.shape, dtype=dtype)
    db = np.zeros(max(f, 1), dtype=dtype)
    dx = np.zeros(x.shape, dtype=dtype) if need_dx else np.zeros((1, 1, 1), dtype=dtype)
    if x.size == 0 or grad_output.size == 0 or kernel.size == 0:
        return (dx if need_dx else None), dk, (db[:f] if need_db else None)
    cdef Geometry1D g = _geometry(x.shape, kernel.shape[0], geometry)
    chunk = min(_chunk_sequences(g), x.shape[0])
    size = 1 if _is_plain(g) else chunk * g.out_len * g.k * g.c
    cols = np.empty(size, dtype=dtype)
    dcols = np.empty(size if need_dx else 1, dtype=dtype)
    if dtype == np.float64:
        _backward[double](x, kernel, grad_output, dx, need_dx, dk, db, need_db, cols, dcols, g,
                          chunk)
    else:
        _backward[float](x, kernel, grad_output, dx, need_dx, dk, db, need_db, cols, dcols, g,
                         chunk)
    return (dx if need_dx else None), dk, (db[:f] if need_db else None)
