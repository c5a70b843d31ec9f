"""Compiled twins of pynet/kernels/reference/nielsen.py (same names, signatures and checks).

One mini-batch runs entirely in C with the GIL released: the forward pass (BLAS ?gemm per layer,
bias and σ fused in one sweep), BP1, then per layer from the top BP2 (?gemm with Wᵀ, ⊙ σ′ fused),
and the update W ← (1 − ηλ/n) W − (η/m) Δ Aᵀ as a *single* ?gemm (alpha = −η/m, beta = 1 − ηλ/n)
— BP4 and the L2-decayed step in one call, no gradient array. BP2 for layer l uses W^{l+1}
before W^{l+1} is updated, exactly like the reference, which updates after all gradients.

``nielsen_epoch`` loops over the mini-batches of a whole epoch inside the same nogil block,
gathering each batch's rows into a preallocated buffer; all work buffers are allocated once per
call. Columns are examples (``(n_l, m)`` row-major buffers, m the batch size), as in the text.

Sparse first layer (``nielsen_epoch`` only; ``nielsen_step`` and ``nielsen_backprop`` stay
dense). MNIST inputs are ~80% exact zeros, and a zero input contributes nothing to z¹ = W¹x nor
to the step Δ¹xᵀ. When a sample of the epoch's rows is less than ``SPARSE_BELOW`` nonzero (or
``FIRST_LAYER = "sparse"``), each mini-batch's rows are scanned once for their nonzeros (index,
value), and layer 1 uses only those: W¹ is held for the whole call as s·Vᵀ, V a
``(n_in, h)`` copy whose rows are padded to whole SIMD vectors, so input j touches one contiguous
row of V — forward z += x_j V[j], step V[j] += (−η/(m s)) x_j δ. The L2 decay multiplies only the
scalar s (V is rescaled and s reset to 1 when |s| leaves [1e-3, 1e3], e.g. at once when the
decay factor is 0); W¹ = s·Vᵀ is written back at the end. Biases and layers ≥ 2 stay BLAS. The
result is the dense one up to rounding (different summation order). The inner loops are C with
``target_clones`` (AVX2+FMA or baseline, chosen at load time) on x86-64 Linux/GCC.
"""
from cython cimport floating
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.limits cimport INT_MAX
from libc.math cimport exp, expf, fabs
cimport numpy as cnp
import numpy as np

from blas cimport gemm_rm
from mathfn cimport sigmoid_scalar

from pynet.kernels._checks.nielsen import (
    cost_code, network_arrays, prepare_columns, prepare_epoch, prepare_hyper, prepare_network,
)

cnp.import_array()

__all__ = ["nielsen_backprop", "nielsen_step", "nielsen_epoch"]

#: How ``nielsen_epoch`` computes the first layer: ``"auto"`` (sparse when fewer than
#: ``SPARSE_BELOW`` of a sample of the input values are nonzero), ``"dense"`` or ``"sparse"``.
#: Both give the same arithmetic result up to rounding; the switch exists for the bench's
#: "dense path forced" row and for the tests. Not part of the kernel contract.
FIRST_LAYER = "auto"
SPARSE_BELOW = 0.5

cdef enum:
    # the values of pynet.kernels._checks.nielsen.COST_CODES (cross-entropy, 1, needs no case:
    # its output error is a − y like the log-likelihood's, with sigmoid outputs)
    QUADRATIC = 0
    LOG_LIKELIHOOD = 2


cdef inline floating _exp(floating v) noexcept nogil:
    """eᵛ in the precision of ``floating`` (expf for float32, exp for float64)"""
    if floating is float:
        return expf(v)
    else:
        return exp(v)


cdef extern from *:
    """
    /* Inner loops of the sparse first layer (pynet csrc/nielsen.pyx). The rows of VT are padded
       to a multiple of 16 floats / 8 doubles (zeros), so every loop runs over whole blocks.
       On x86-64 Linux with GCC they are compiled twice, for AVX2+FMA and for baseline x86-64,
       and the loader picks one at start-up (target_clones); elsewhere once, for the baseline. */
    #include <stddef.h>
    #include <stdint.h>
    #include <string.h>
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && __GNUC__ >= 12
    #define PN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
    #else
    #define PN_CLONES
    #endif
    #if defined(__GNUC__)
    #define PN_PREFETCH(p) __builtin_prefetch(p)
    #else
    #define PN_PREFETCH(p) ((void)0)
    #endif
    #define PN_FWD_BLOCK(T, W)                                                                   \
        {                                                                                        \
            T acc[W];                                                                            \
            int i, p;                                                                            \
            for (i = 0; i < W; i++) acc[i] = 0;                                                  \
            for (p = p0; p < p1; p++) {                                                          \
                const T v = nzv[p];                                                              \
                const T *row = VT + (ptrdiff_t)nzi[p] * hp + i0;                                 \
                for (i = 0; i < W; i++) acc[i] += v * row[i];                                    \
            }                                                                                    \
            for (i = 0; i < W; i++) out[i0 + i] = acc[i];                                        \
        }
    #define PN_SPARSE(T, U, S, B)                                                                 \
    /* out[0:hp] = sum_p nzv[p] * VT[nzi[p], 0:hp] */                                            \
    PN_CLONES static void pn_fwd_##S(int hp, int p0, int p1, const int *nzi, const T *nzv,      \
                                     const T *VT, T *out) {                                      \
        /* Column blocks of 8, 4, 2 then 1 vectors, each summed in registers over the list. */  \
        int i0 = 0;                                                                              \
        /* (wider blocks measured slower: GCC keeps at most 4 vectors of acc in registers) */  \
        for (; i0 + 4 * B <= hp; i0 += 4 * B) PN_FWD_BLOCK(T, 4 * B)                             \
        for (; i0 + 2 * B <= hp; i0 += 2 * B) PN_FWD_BLOCK(T, 2 * B)                             \
        for (; i0 < hp; i0 += B) PN_FWD_BLOCK(T, B)                                              \
    }                                                                                            \
    /* VT[nzi[p], 0:hp] += (f * nzv[p]) * dcol[0:hp] */                                         \
    PN_CLONES static void pn_upd_##S(int hp, int p0, int p1, const int *nzi, const T *nzv,      \
                                     T f, T *VT, const T *dcol) {                                \
        int i, p;                                                                                \
        for (p = p0; p < p1; p++) {                                                              \
            const T v = f * nzv[p];                                                              \
            T *restrict row = VT + (ptrdiff_t)nzi[p] * hp;                                       \
            for (i = 0; i < hp; i++) row[i] += v * dcol[i];                                      \
        }                                                                                        \
    }                                                                                            \
    /* Append the nonzero entries of x[0:n] to idx/val from position cnt; return the new count.  \
       Blocks of 8 that are all zero are skipped with one test (MNIST zeros come in runs). */    \
    PN_CLONES static int pn_scan_##S(int n, const T *x, const T *next, int *idx, T *val,       \
                                     int cnt) {                                                  \
        int t = 0, k;                                                                            \
        U any, b;                                                                                \
        for (; t + 8 <= n; t += 8) {                                                             \
            PN_PREFETCH(&next[t]);      /* the row scanned after this one, one line per block */ \
            any = 0;           /* the bits of the 8 values but their signs: 0 iff all are ±0 */  \
            for (k = 0; k < 8; k++) { memcpy(&b, &x[t + k], sizeof b); any |= b << 1; }          \
            if (!any) continue;                                                                  \
            for (k = 0; k < 8; k++) {                                                            \
                idx[cnt] = t + k;                                                                \
                val[cnt] = x[t + k];                                                             \
                cnt += (x[t + k] != 0);                                                          \
            }                                                                                    \
        }                                                                                        \
        for (; t < n; t++) {                                                                     \
            idx[cnt] = t;                                                                        \
            val[cnt] = x[t];                                                                     \
            cnt += (x[t] != 0);                                                                  \
        }                                                                                        \
        return cnt;                                                                              \
    }
    PN_SPARSE(double, uint64_t, d, 4)
    PN_SPARSE(float, uint32_t, f, 8)
    """
    void pn_fwd_d(int hp, int p0, int p1, const int *nzi, const double *nzv, const double *VT,
                  double *out) noexcept nogil
    void pn_fwd_f(int hp, int p0, int p1, const int *nzi, const float *nzv, const float *VT,
                  float *out) noexcept nogil
    void pn_upd_d(int hp, int p0, int p1, const int *nzi, const double *nzv, double f,
                  double *VT, const double *dcol) noexcept nogil
    void pn_upd_f(int hp, int p0, int p1, const int *nzi, const float *nzv, float f,
                  float *VT, const float *dcol) noexcept nogil
    int pn_scan_d(int n, const double *x, const double *next, int *idx, double *val,
                  int cnt) noexcept nogil
    int pn_scan_f(int n, const float *x, const float *next, int *idx, float *val,
                  int cnt) noexcept nogil


cdef inline Py_ssize_t _pad(Py_ssize_t h, bint single) noexcept nogil:
    """h rounded up to 16 floats / 8 doubles: the row length of VT (two blocks of the inner loops)."""
    cdef Py_ssize_t q = 16 if single else 8
    return (h + q - 1) // q * q


cdef void _sparse_forward(Py_ssize_t h, Py_ssize_t m, const int *nzp, const int *nzi,
                          const floating *nzv, const floating *VT, floating sc, floating *tmp,
                          floating *a) noexcept nogil:
    """a[:, c] = sc·Σ_{j: x_j ≠ 0} x_j·VT[j, :], i.e. W·x with the zero inputs skipped"""
    # a[:, c] = sc * sum over the nonzero inputs j of x_j * VT[j, :] (= W x, zero inputs skipped).
    # The C helpers take int counts: _run uses this path only when m * n_in and hp fit in int.
    cdef Py_ssize_t c, i
    cdef int hp = <int>_pad(h, floating is float)
    for c in range(m):
        if floating is float:
            pn_fwd_f(hp, nzp[c], nzp[c + 1], nzi, nzv, VT, tmp)
        else:
            pn_fwd_d(hp, nzp[c], nzp[c + 1], nzi, nzv, VT, tmp)
        for i in range(h):
            a[i * m + c] = sc * tmp[i]


cdef void _sparse_update(Py_ssize_t h, Py_ssize_t n_in, Py_ssize_t m, const int *nzp,
                         const int *nzi,
                         const floating *nzv, floating *VT, double *scale,
                         floating eta_over_m, floating decay, const floating *d,
                         floating *tmp) noexcept nogil:
    """W ← decay·W − (η/m)·δ·xᵀ with W = scale·VTᵀ (decay folded into the scale)"""
    # W <- decay W - (eta/m) delta x^T with W = scale VT^T: the decay only multiplies the scalar
    # (folded into VT when it leaves [1e-3, 1e3]), the step touches the rows of the nonzero x_j.
    # tmp holds hp entries whose padding (h..hp) is zero.
    cdef Py_ssize_t c, i
    cdef int hp = <int>_pad(h, floating is float)
    cdef Py_ssize_t q
    cdef floating f, fold
    cdef double s = scale[0] * <double>decay
    if fabs(s) < 1e-3 or fabs(s) > 1e3:
        fold = <floating>s
        for q in range(<Py_ssize_t>n_in * hp):
            VT[q] = fold * VT[q]
        s = 1.0
    scale[0] = s
    f = <floating>(-<double>eta_over_m / s)
    for c in range(m):
        for i in range(h):
            tmp[i] = d[i * m + c]
        if floating is float:
            pn_upd_f(hp, nzp[c], nzp[c + 1], nzi, nzv, f, VT, tmp)
        else:
            pn_upd_d(hp, nzp[c], nzp[c + 1], nzi, nzv, f, VT, tmp)


cdef void _batch(Py_ssize_t L, const Py_ssize_t *sizes, floating **W, floating **B,
                 const floating *X, bint x_rows, const floating *Y, bint y_rows,
                 Py_ssize_t m, int code, floating **A, floating **D,
                 bint update, floating eta_over_m, floating decay,
                 floating **GW, floating **GB,
                 const int *nzp, const int *nzi, const floating *nzv,
                 floating *VT, double *scale, floating *tmp) noexcept nogil:
    """One mini-batch: a = σ(W·a + b) forward, BP1–BP4 backward, then the update of W and b"""
    # Layers are numbered 0..L (0 = input); W[l-1], B[l-1] feed layer l.
    # A[l], D[l] (l = 1..L) are (sizes[l], m) row-major: column c is example c.
    # X is (sizes[0], m), or (m, sizes[0]) when x_rows; Y likewise with sizes[L].
    # Sparse first layer when nzp != NULL: example c's nonzero inputs are nzi/nzv[nzp[c]:nzp[c+1]]
    # and W[0] is held as scale[0] * VT^T, VT (sizes[0], sizes[1]) row-major; X is not read.
    # Sizes and offsets are Py_ssize_t (a layer of 65536 units times a batch of 65537 examples
    # overflows a C int); BLAS takes int, and prepare_network/_epoch checked that each size fits.
    cdef Py_ssize_t l, i, c, n_out, n_in
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
        if l == 1 and nzp != NULL:
            _sparse_forward(n_out, m, nzp, nzi, nzv, VT, <floating>scale[0], tmp, a)
        else:
            gemm_rm(False, t_in, <int>n_out, <int>m, <int>n_in, one, W[l - 1], a_in, 0, a)     # W a
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
            gemm_rm(True, False, <int>n_in, <int>m, <int>n_out, one, W[l - 1], d, 0, dp)
            a = A[l - 1]
            for i in range(n_in * m):
                dp[i] = dp[i] * (a[i] * (one - a[i]))
        if update:
            # BP4 fused with Eq. 54: W <- decay * W - (eta/m) * delta a_in^T.
            if l == 1 and nzp != NULL:
                _sparse_update(n_out, n_in, m, nzp, nzi, nzv, VT, scale, eta_over_m, decay, d, tmp)
            else:
                gemm_rm(False, not t_in, <int>n_out, <int>n_in, <int>m, -eta_over_m, d, a_in, decay,
                        W[l - 1])
            for i in range(n_out):                                           # BP3 and Eq. 37
                s = 0
                for c in range(m):
                    s += d[i * m + c]
                B[l - 1][i] -= eta_over_m * s
        else:
            gemm_rm(False, not t_in, <int>n_out, <int>n_in, <int>m, one, d, a_in, 0, GW[l - 1])  # BP4
            for i in range(n_out):                                           # BP3
                s = 0
                for c in range(m):
                    s += d[i * m + c]
                GB[l - 1][i] = s


cdef int _run(list ws, list bs, const floating[:, ::1] x, bint x_rows,
              const floating[:, ::1] y, bint y_rows, object order, Py_ssize_t mbs, int code,
              bint update, double eta, double lmbda, long n, list gws, list gbs,
              bint sparse=False) except -1:
    """Shared driver: one batch (``order`` None) or a whole epoch of row batches."""
    cdef Py_ssize_t L = len(ws)
    cdef Py_ssize_t l, j, mb, m_max, n_in, n_out
    cdef Py_ssize_t k, total = 0
    cdef const Py_ssize_t[::1] idx
    cdef floating *xb = NULL
    cdef floating *yb = NULL
    cdef floating decay = <floating>(1.0 - eta * lmbda / n)
    cdef Py_ssize_t *sizes = <Py_ssize_t *>malloc((L + 1) * sizeof(Py_ssize_t))
    cdef floating **W = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **B = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **A = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **D = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **GW = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef floating **GB = <floating **>malloc((L + 1) * sizeof(floating *))
    cdef int *nzp = NULL
    cdef int *nzi = NULL
    cdef floating *nzv = NULL
    cdef floating *VT = NULL
    cdef floating *W0
    cdef floating *tmp = NULL
    cdef const floating *xr
    cdef const floating *xn
    cdef double scale = 1.0
    cdef Py_ssize_t h, hp, t, i
    cdef int cnt
    cdef floating xv
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
            m_max = mbs if mbs < total else total
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
        h = sizes[1]
        # The sparse path's nonzero lists are C int (the SIMD helpers' type): use it only when
        # every count fits, and the dense path (all Py_ssize_t) otherwise.
        hp = _pad(h, floating is float)
        if sparse and (m_max * n_in > INT_MAX or hp > INT_MAX):
            sparse = False
        if sparse and order is not None:
            buf_p = np.empty(m_max + 1, dtype=np.intc)
            buf_i = np.empty(m_max * n_in, dtype=np.intc)
            buf_v = np.empty(m_max * n_in, dtype=dtype)
            buf_t = np.zeros(n_in * hp, dtype=dtype)
            buf_h = np.zeros(hp, dtype=dtype)
            keep += [buf_p, buf_i, buf_v, buf_t, buf_h]
            nzp = <int *>cnp.PyArray_DATA(<cnp.ndarray>buf_p)
            nzi = <int *>cnp.PyArray_DATA(<cnp.ndarray>buf_i)
            nzv = <floating *>cnp.PyArray_DATA(<cnp.ndarray>buf_v)
            VT = <floating *>cnp.PyArray_DATA(<cnp.ndarray>buf_t)
            tmp = <floating *>cnp.PyArray_DATA(<cnp.ndarray>buf_h)
        if order is None:
            with nogil:
                _batch(L, sizes, W, B, &x[0, 0], x_rows, &y[0, 0], y_rows, m_max, code, A, D,
                       update, <floating>(eta / m_max), decay, GW, GB,
                       NULL, NULL, NULL, NULL, NULL, NULL)
        elif nzp != NULL:
            with nogil:
                W0 = W[0]
                for i in range(h):                                           # VT = W[0]^T
                    for t in range(n_in):
                        VT[<Py_ssize_t>t * hp + i] = W0[<Py_ssize_t>i * n_in + t]
                k = 0
                while k < total:
                    mb = mbs if total - k > mbs else total - k
                    cnt = 0
                    nzp[0] = 0
                    for j in range(mb):                                      # nonzero inputs
                        xr = &x[idx[k + j], 0]
                        xn = &x[idx[k + j + 1], 0] if k + j + 1 < total else xr
                        if floating is float:
                            cnt = pn_scan_f(<int>n_in, xr, xn, nzi, nzv, cnt)
                        else:
                            cnt = pn_scan_d(<int>n_in, xr, xn, nzi, nzv, cnt)
                        nzp[j + 1] = cnt
                        memcpy(&yb[j * n_out], &y[idx[k + j], 0], n_out * sizeof(floating))
                    _batch(L, sizes, W, B, NULL, True, yb, True, mb, code, A, D,
                           True, <floating>(eta / mb), decay, NULL, NULL,
                           nzp, nzi, nzv, VT, &scale, tmp)
                    k += mbs
                xv = <floating>scale                                         # W[0] = scale VT^T
                for i in range(h):
                    for t in range(n_in):
                        W0[<Py_ssize_t>i * n_in + t] = xv * VT[<Py_ssize_t>t * hp + i]
        else:
            with nogil:
                k = 0
                while k < total:
                    mb = mbs if total - k > mbs else total - k
                    for j in range(mb):
                        memcpy(&xb[j * n_in], &x[idx[k + j], 0], n_in * sizeof(floating))
                        memcpy(&yb[j * n_out], &y[idx[k + j], 0], n_out * sizeof(floating))
                    _batch(L, sizes, W, B, xb, True, yb, True, mb, code, A, D,
                           True, <floating>(eta / mb), decay, NULL, NULL,
                           NULL, NULL, NULL, NULL, NULL, NULL)
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
    x, y = prepare_columns(x, y, sizes, dtype, kernel="nielsen_step",
                           written=network_arrays(weights, biases))
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
        x_rows, y_rows, order, mini_batch_size, sizes, dtype, kernel="nielsen_epoch",
        written=network_arrays(weights, biases))
    eta, lmbda, n = prepare_hyper(eta, lmbda, n, kernel="nielsen_epoch")
    if order.shape[0] == 0:
        return
    mbs = min(mini_batch_size, 2 ** 30)
    sparse = _use_sparse(x_rows, order)
    if dtype == np.float64:
        _run[double](weights, biases, x_rows, True, y_rows, True, order, mbs, code, True,
                     eta, lmbda, n, None, None, sparse)
    else:
        _run[float](weights, biases, x_rows, True, y_rows, True, order, mbs, code, True,
                    eta, lmbda, n, None, None, sparse)


def _use_sparse(x_rows, order):
    """Sparse first layer? ``FIRST_LAYER`` decides, or in "auto" the fraction of nonzero values in
    up to 256 rows of ``order`` (evenly spaced), against ``SPARSE_BELOW``."""
    if FIRST_LAYER == "dense":
        return False
    if FIRST_LAYER == "sparse":
        return True
    if FIRST_LAYER != "auto":
        raise ValueError(f"pynet.kernels._c_nielsen.FIRST_LAYER must be 'auto', 'dense' or "
                         f"'sparse', got {FIRST_LAYER!r}")
    sample = order[::max(1, order.shape[0] // 256)][:256]
    density = np.count_nonzero(x_rows[sample]) / float(sample.shape[0] * x_rows.shape[1])
    return bool(density < SPARSE_BELOW)
