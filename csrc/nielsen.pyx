"""Compiled twins of pynet/kernels/reference/nielsen.py (same names, signatures and checks).

One mini-batch runs entirely in C with the GIL released: the forward pass (BLAS ?gemm per layer,
bias and σ fused in one sweep), BP1, then per layer from the top BP2 (?gemm with Wᵀ, ⊙ σ′ fused),
and the update W ← (1 − ηλ/n) W − (η/m) Δ Aᵀ as a *single* ?gemm (alpha = −η/m, beta = 1 − ηλ/n)
— BP4 and the L2-decayed step in one call, no gradient array. BP2 for layer l uses W^{l+1}
before W^{l+1} is updated, exactly like the reference, which updates after all gradients.

``nielsen_epoch`` loops over the mini-batches of a whole epoch inside the same nogil block,
gathering each batch's rows into a preallocated buffer; all work buffers are allocated once per
call. Columns are examples (``(n_l, m)`` row-major buffers, m the batch size), as in the text.
"""
from cython cimport floating
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from libc.math cimport exp, expf
cimport numpy as cnp
import numpy as np

from blas cimport gemm_rm
from mathfn cimport sigmoid_scalar

from pynet.kernels._checks.nielsen import (
    cost_code, prepare_columns, prepare_epoch, prepare_hyper, prepare_network,
)

cnp.import_array()

__all__ = ["nielsen_backprop", "nielsen_step", "nielsen_epoch"]

cdef enum:
    QUADRATIC = 0
    LOG_LIKELIHOOD = 2


cdef inline floating _exp(floating v) noexcept nogil:
    if floating is float:
        return expf(v)
    else:
        return exp(v)


cdef void _batch(int L, const int *sizes, floating **W, floating **B,
                 const floating *X, bint x_rows, const floating *Y, bint y_rows,
                 int m, int code, floating **A, floating **D,
                 bint update, floating eta_over_m, floating decay,
                 floating **GW, floating **GB) noexcept nogil:
    # Layers are numbered 0..L (0 = input); W[l-1], B[l-1] feed layer l.
    # A[l], D[l] (l = 1..L) are (sizes[l], m) row-major: column c is example c.
    # X is (sizes[0], m), or (m, sizes[0]) when x_rows; Y likewise with sizes[L].
    cdef int l, i, c, n_out, n_in
    cdef const floating *a_in
    cdef bint t_in
    cdef floating *a
    cdef floating *d
    cdef floating *dp
    cdef floating v, yv, mx, s, bias
    cdef floating one = 1
    for l in range(1, L + 1):
        n_out = sizes[l]
        n_in = sizes[l - 1]
        if l == 1:
            a_in = X
            t_in = x_rows
        else:
            a_in = A[l - 1]
            t_in = False
        a = A[l]
        gemm_rm(False, t_in, n_out, m, n_in, one, W[l - 1], a_in, 0, a)     # W a
        if l == L and code == LOG_LIKELIHOOD:
            for i in range(n_out):
                bias = B[l - 1][i]
                for c in range(m):
                    a[i * m + c] += bias
            for c in range(m):                                               # softmax per column
                mx = a[c]
                for i in range(1, n_out):
                    if a[i * m + c] > mx:
                        mx = a[i * m + c]
                s = 0
                for i in range(n_out):
                    v = _exp(a[i * m + c] - mx)
                    a[i * m + c] = v
                    s += v
                for i in range(n_out):
                    a[i * m + c] = a[i * m + c] / s
        else:
            for i in range(n_out):
                bias = B[l - 1][i]
                for c in range(m):
                    a[i * m + c] = sigmoid_scalar(a[i * m + c] + bias)      # σ(W a + b)

    # BP1: the output error.
    n_out = sizes[L]
    a = A[L]
    d = D[L]
    for i in range(n_out):
        for c in range(m):
            yv = Y[c * n_out + i] if y_rows else Y[i * m + c]
            v = a[i * m + c]
            if code == QUADRATIC:
                d[i * m + c] = (v - yv) * (v * (one - v))
            else:
                d[i * m + c] = v - yv

    for l in range(L, 0, -1):
        n_out = sizes[l]
        n_in = sizes[l - 1]
        d = D[l]
        if l == 1:
            a_in = X
            t_in = x_rows
        else:
            a_in = A[l - 1]
            t_in = False
        if l > 1:
            # BP2, with W[l-1] as it was in the forward pass (updated just below).
            dp = D[l - 1]
            gemm_rm(True, False, n_in, m, n_out, one, W[l - 1], d, 0, dp)
            a = A[l - 1]
            for i in range(n_in * m):
                dp[i] = dp[i] * (a[i] * (one - a[i]))
        if update:
            # BP4 fused with Eq. 54: W <- decay * W - (eta/m) * delta a_in^T.
            gemm_rm(False, not t_in, n_out, n_in, m, -eta_over_m, d, a_in, decay, W[l - 1])
            for i in range(n_out):                                           # BP3 and Eq. 37
                s = 0
                for c in range(m):
                    s += d[i * m + c]
                B[l - 1][i] -= eta_over_m * s
        else:
            gemm_rm(False, not t_in, n_out, n_in, m, one, d, a_in, 0, GW[l - 1])   # BP4
            for i in range(n_out):                                           # BP3
                s = 0
                for c in range(m):
                    s += d[i * m + c]
                GB[l - 1][i] = s


cdef int _run(list ws, list bs, const floating[:, ::1] x, bint x_rows,
              const floating[:, ::1] y, bint y_rows, object order, int mbs, int code,
              bint update, double eta, double lmbda, long n, list gws, list gbs) except -1:
    """Shared driver: one batch (``order`` None) or a whole epoch of row batches."""
    cdef int L = len(ws)
    cdef int l, j, mb, m_max, n_in, n_out
    cdef Py_ssize_t k, total = 0
    cdef const Py_ssize_t[::1] idx
    cdef floating *xb = NULL
    cdef floating *yb = NULL
    cdef floating decay = <floating>(1.0 - eta * lmbda / n)
    cdef int *sizes = <int *>malloc((L + 1) * sizeof(int))
    cdef floating **W = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **B = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **A = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **D = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **GW = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **GB = <floating **>malloc((L + 1) * sizeof(floating *))
    dtype = np.float32 if floating is float else np.float64
    keep = []
    try:
        if not (sizes and W and B and A and D and GW and GB):
            raise MemoryError()
        sizes[0] = ws[0].shape[1]
        for l in range(L):
            sizes[l + 1] = ws[l].shape[0]
            W[l] = <floating *>cnp.PyArray_DATA(<cnp.ndarray>ws[l])
            B[l] = <floating *>cnp.PyArray_DATA(<cnp.ndarray>bs[l])
            if not update:
                GW[l] = <floating *>cnp.PyArray_DATA(<cnp.ndarray>gws[l])
                GB[l] = <floating *>cnp.PyArray_DATA(<cnp.ndarray>gbs[l])
        n_in = sizes[0]
        n_out = sizes[L]
        if order is None:
            m_max = x.shape[1]
        else:
            idx = order
            total = idx.shape[0]
            m_max = mbs if mbs < total else <int>total
            if m_max < 1:
                return 0
            bufx = np.empty((m_max, n_in), dtype=dtype)
            bufy = np.empty((m_max, n_out), dtype=dtype)
            keep += [bufx, bufy]
            xb = <floating *>cnp.PyArray_DATA(<cnp.ndarray>bufx)
            yb = <floating *>cnp.PyArray_DATA(<cnp.ndarray>bufy)
        A[0] = NULL
        D[0] = NULL
        for l in range(1, L + 1):
            buf_a = np.empty(sizes[l] * m_max, dtype=dtype)
            buf_d = np.empty(sizes[l] * m_max, dtype=dtype)
            keep += [buf_a, buf_d]
            A[l] = <floating *>cnp.PyArray_DATA(<cnp.ndarray>buf_a)
            D[l] = <floating *>cnp.PyArray_DATA(<cnp.ndarray>buf_d)
        if order is None:
            with nogil:
                _batch(L, sizes, W, B, &x[0, 0], x_rows, &y[0, 0], y_rows, m_max, code, A, D,
                       update, <floating>(eta / m_max), decay, GW, GB)
        else:
            with nogil:
                k = 0
                while k < total:
                    mb = mbs if total - k > mbs else <int>(total - k)
                    for j in range(mb):
                        memcpy(&xb[j * n_in], &x[idx[k + j], 0], n_in * sizeof(floating))
                        memcpy(&yb[j * n_out], &y[idx[k + j], 0], n_out * sizeof(floating))
                    _batch(L, sizes, W, B, xb, True, yb, True, mb, code, A, D,
                           True, <floating>(eta / mb), decay, NULL, NULL)
                    k += mbs
    finally:
        free(sizes)
        free(W)
        free(B)
        free(A)
        free(D)
        free(GW)
        free(GB)
    return 0


def nielsen_backprop(weights, biases, x, y, cost):
    """Gradients of the summed cost of a column mini-batch (BP1–BP4); same contract as
    :func:`pynet.kernels.reference.nielsen.nielsen_backprop`."""
    weights, biases, sizes, dtype = prepare_network(weights, biases, kernel="nielsen_backprop",
                                                    in_place=False)
    code = cost_code(cost, "nielsen_backprop")
    x, y = prepare_columns(x, y, sizes, dtype, kernel="nielsen_backprop")
    nabla_w = [np.empty_like(w) for w in weights]
    nabla_b = [np.empty((b.shape[0], 1), dtype=dtype) for b in biases]
    if dtype == np.float64:
        _run[double](weights, biases, x, False, y, False, None, 0, code, False, 0.0, 0.0, 1,
                     nabla_w, nabla_b)
    else:
        _run[float](weights, biases, x, False, y, False, None, 0, code, False, 0.0, 0.0, 1,
                    nabla_w, nabla_b)
    return nabla_b, nabla_w


def nielsen_step(weights, biases, x, y, eta, lmbda, n, cost):
    """One SGD step on a column mini-batch, in place; same contract as
    :func:`pynet.kernels.reference.nielsen.nielsen_step`."""
    weights, biases, sizes, dtype = prepare_network(weights, biases, kernel="nielsen_step",
                                                    in_place=True)
    code = cost_code(cost, "nielsen_step")
    x, y = prepare_columns(x, y, sizes, dtype, kernel="nielsen_step")
    eta, lmbda, n = prepare_hyper(eta, lmbda, n, kernel="nielsen_step")
    if dtype == np.float64:
        _run[double](weights, biases, x, False, y, False, None, 0, code, True, eta, lmbda, n,
                     None, None)
    else:
        _run[float](weights, biases, x, False, y, False, None, 0, code, True, eta, lmbda, n,
                    None, None)


def nielsen_epoch(weights, biases, x_rows, y_rows, order, mini_batch_size, eta, lmbda, n, cost):
    """One epoch of SGD in place over row-stored data; same contract as
    :func:`pynet.kernels.reference.nielsen.nielsen_epoch`."""
    weights, biases, sizes, dtype = prepare_network(weights, biases, kernel="nielsen_epoch",
                                                    in_place=True)
    code = cost_code(cost, "nielsen_epoch")
    x_rows, y_rows, order, mini_batch_size = prepare_epoch(
        x_rows, y_rows, order, mini_batch_size, sizes, dtype, kernel="nielsen_epoch")
    eta, lmbda, n = prepare_hyper(eta, lmbda, n, kernel="nielsen_epoch")
    if order.shape[0] == 0:
        return
    mbs = min(mini_batch_size, 2 ** 30)
    if dtype == np.float64:
        _run[double](weights, biases, x_rows, True, y_rows, True, order, mbs, code, True,
                     eta, lmbda, n, None, None)
    else:
        _run[float](weights, biases, x_rows, True, y_rows, True, order, mbs, code, True,
                    eta, lmbda, n, None, None)
