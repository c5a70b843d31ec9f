"""Compiled twins of pynet/kernels/reference/linalg.py (same names, signatures and checks).

Also holds two hand-written GEMMs that the library never uses: ``matmul_naive`` (the triple loop
in C) and ``matmul_tiled`` (the same loop blocked for the cache). The bench lesson sets them
against BLAS to show why every real library calls ``?gemm``.
"""
from cython cimport floating
import numpy as np

from blas cimport gemm_rm, gemv_rm, ger_rm
from mathfn cimport sigmoid_scalar, logit_scalar

from pynet.kernels._checks.linalg import (
    check_logit_domain, prepare_elementwise, prepare_matmul, prepare_matvec, prepare_outer_update,
)

__all__ = ["matmul", "matvec", "outer_update", "sigmoid", "logit"]
# matmul_naive and matmul_tiled are importable from this module but are not kernels: the
# library never calls them, and the python backend has no twin.


cdef void _matmul(const floating[:, ::1] a, const floating[:, ::1] b, bint ta, bint tb,
                  floating[:, ::1] c, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k):
    """C = op(A)·op(B) through BLAS ?gemm (op: transpose when ``ta``/``tb``)"""
    with nogil:
        gemm_rm(ta, tb, m, n, k, <floating>1.0, &a[0, 0], &b[0, 0], <floating>0.0, &c[0, 0])


def matmul(a, b, *, trans_a=False, trans_b=False, out=None):
    """Matrix product ``C = op(a) @ op(b)`` through BLAS ``sgemm``/``dgemm``.

    Same contract as :func:`pynet.kernels.reference.linalg.matmul`.
    """
    a, b, trans_a, trans_b, out, m, n, k = prepare_matmul(a, b, trans_a, trans_b, out)
    if m == 0 or n == 0:
        return out
    if k == 0:
        out.fill(0)
        return out
    if out.dtype == np.float64:
        _matmul[double](a, b, trans_a, trans_b, out, m, n, k)
    else:
        _matmul[float](a, b, trans_a, trans_b, out, m, n, k)
    return out


cdef void _matvec(const floating[:, ::1] a, const floating[::1] x, bint trans,
                  floating[::1] y):
    """y = op(A)·x through BLAS ?gemv"""
    cdef Py_ssize_t rows = a.shape[0], cols = a.shape[1]
    with nogil:
        gemv_rm(trans, rows, cols, <floating>1.0, &a[0, 0], &x[0], <floating>0.0, &y[0])


def matvec(a, x, *, trans=False, out=None):
    """Matrix-vector product ``y = op(a) @ x`` through BLAS ``?gemv``."""
    a, x, trans, out = prepare_matvec(a, x, trans, out)
    if out.shape[0] == 0:
        return out
    if x.shape[0] == 0:
        out.fill(0)
        return out
    if out.dtype == np.float64:
        _matvec[double](a, x, trans, out)
    else:
        _matvec[float](a, x, trans, out)
    return out


cdef void _ger(floating[:, ::1] w, floating alpha, const floating[::1] x, const floating[::1] y):
    """W += α·x·yᵀ through BLAS ?ger"""
    with nogil:
        ger_rm(w.shape[0], w.shape[1], alpha, &x[0], &y[0], &w[0, 0])


def outer_update(w, alpha, x, y):
    """In place ``w += alpha * outer(x, y)`` through BLAS ``?ger``; returns ``w``."""
    w, alpha, x, y = prepare_outer_update(w, alpha, x, y)
    if w.size == 0:
        return w
    if w.dtype == np.float64:
        _ger[double](w, alpha, x, y)
    else:
        _ger[float](w, <float>alpha, x, y)
    return w


cdef void _sigmoid(const floating[::1] x, floating[::1] y):
    """y = 1 / (1 + e⁻ˣ), elementwise, without overflow"""
    cdef Py_ssize_t i
    with nogil:
        for i in range(x.shape[0]):
            y[i] = sigmoid_scalar(x[i])


def sigmoid(x, *, out=None):
    """Logistic function, elementwise, any shape; stable for any finite input."""
    x, out = prepare_elementwise("sigmoid", x, out)
    if x.size == 0:
        return out
    if x.dtype == np.float64:
        _sigmoid[double](x.reshape(-1), out.reshape(-1))
    else:
        _sigmoid[float](x.reshape(-1), out.reshape(-1))
    return out


cdef void _logit(const floating[::1] x, floating[::1] y):
    """y = ln(x / (1 − x)), elementwise"""
    cdef Py_ssize_t i
    with nogil:
        for i in range(x.shape[0]):
            y[i] = logit_scalar(x[i])


def logit(x, *, out=None):
    """Inverse sigmoid ln(x / (1 - x)), elementwise; ``x`` must lie in [0, 1]."""
    x, out = prepare_elementwise("logit", x, out)
    check_logit_domain(x)
    if x.size == 0:
        return out
    if x.dtype == np.float64:
        _logit[double](x.reshape(-1), out.reshape(-1))
    else:
        _logit[float](x.reshape(-1), out.reshape(-1))
    return out


# ---------------------------------------------------------------------------------------------
# Hand-written GEMMs for the bench lesson only.

cdef void _naive_loop(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] c) noexcept nogil:
    """C[i, j] = Σ_p A[i, p]·B[p, j], three plain loops (the textbook order i-j-p)"""
    cdef Py_ssize_t i, j, p
    cdef floating total
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            total = 0
            for p in range(a.shape[1]):
                total = total + a[i, p] * b[p, j]
            c[i, j] = total


cdef void _naive(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] c):
    """C = A·B by :func:`_naive_loop`, with the GIL released"""
    with nogil:
        _naive_loop(a, b, c)


def _plain_operands(a, b):
    """Checked C-ordered ``a`` (m, k), ``b`` (k, n) and a new ``out`` for the hand-written loops.

    prepare_matmul may hand back a Fortran-ordered operand as its transpose with the flag set;
    these loops know no flags, so such an operand is copied into C order here.
    """
    a, b, ta, tb, out, m, n, k = prepare_matmul(a, b, False, False, None)
    if ta:
        a = np.ascontiguousarray(a.T)
    if tb:
        b = np.ascontiguousarray(b.T)
    return a, b, out


def matmul_naive(a, b):
    """C = a @ b with the textbook i-j-p triple loop in C (strided reads of ``b``)."""
    a, b, out = _plain_operands(a, b)
    if a.dtype == np.float64:
        _naive[double](a, b, out)
    else:
        _naive[float](a, b, out)
    return out


cdef Py_ssize_t TILE = 64

cdef void _tiled_loop(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] c) noexcept nogil:
    """C = A·B in TILE×TILE×TILE blocks, loop order i-p-j inside each block"""
    # Loop order i-p-j inside 64x64x64 blocks: the innermost loop walks rows of b and c
    # contiguously (vectorisable), and each block of b stays in cache while it is reused.
    cdef Py_ssize_t m = a.shape[0], k = a.shape[1], n = b.shape[1]
    cdef Py_ssize_t i0, p0, j0, i, p, j, i1, p1, j1
    cdef floating aip
    for i in range(m):
        for j in range(n):
            c[i, j] = 0
    i0 = 0
    while i0 < m:
        i1 = min(i0 + TILE, m)
        p0 = 0
        while p0 < k:
            p1 = min(p0 + TILE, k)
            j0 = 0
            while j0 < n:
                j1 = min(j0 + TILE, n)
                for i in range(i0, i1):
                    for p in range(p0, p1):
                        aip = a[i, p]
                        for j in range(j0, j1):
                            c[i, j] = c[i, j] + aip * b[p, j]
                j0 += TILE
            p0 += TILE
        i0 += TILE


cdef void _tiled(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] c):
    """C = A·B by :func:`_tiled_loop`, with the GIL released"""
    with nogil:
        _tiled_loop(a, b, c)


def matmul_tiled(a, b):
    """C = a @ b with a cache-blocked loop (64×64 tiles) in C; no BLAS."""
    a, b, out = _plain_operands(a, b)
    if a.dtype == np.float64:
        _tiled[double](a, b, out)
    else:
        _tiled[float](a, b, out)
    return out
