# cython: language_level=3
"""Compiled recurrent kernels: SimpleRNN, LSTM and GRU over a whole sequence (forward and
backpropagation through time) and the Embedding gather / scatter-add.

Same names, signatures and results as :mod:`pynet.kernels.reference.recurrent` (read that one
for the equations). What is done differently, for speed:

* the input projection of all steps, ``X·W + b``, is one GEMM straight into the gate buffer;
* each step is one GEMM (``h_{t−1}·U`` added onto that buffer, ``beta = 1``) followed by one
  fused pass over ``(batch, units)`` that applies the gate nonlinearities and the cell update
  (and the mask) without temporaries;
* backward is one fused pass per step (gate gradients into ``dA``), one GEMM for ``dh_{t−1}``,
  and after the loop three GEMMs over all steps for ``dW``, ``dU`` and ``dx``.

Time-major layout ``(T, B, ·)`` so that a step's rows are contiguous. The GIL is released for
the whole loop.
"""
from cython cimport floating
from libc.math cimport tanh, tanhf
from libc.string cimport memcpy, memset
from scipy.linalg.cython_blas cimport sgemm, dgemm

from mathfn cimport sigmoid_scalar

import numpy as np

from pynet.kernels._checks.recurrent import (
    gru_gate_width, prepare_embedding_backward, prepare_embedding_forward, prepare_recurrent,
    saved_array,
)
from pynet.kernels.reference import recurrent as _reference

# Activation codes (the names the checks accept, in the same order).
cdef enum:
    ACT_TANH = 0
    ACT_SIGMOID = 1
    ACT_HARD_SIGMOID = 2
    ACT_RELU = 3
    ACT_LINEAR = 4

_ACT_CODES = {"tanh": ACT_TANH, "sigmoid": ACT_SIGMOID, "hard_sigmoid": ACT_HARD_SIGMOID,
              "relu": ACT_RELU, "linear": ACT_LINEAR}

#: Slope of Keras 3's hard sigmoid, relu6(z + 3) / 6.
cdef double HARD_SIGMOID_SLOPE = 1.0 / 6.0


cdef inline void gemm_ld(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                         const floating *a, int lda, const floating *b, int ldb,
                         floating beta, floating *c, int ldc) noexcept nogil:
    """C (m, n) := alpha·op(A)·op(B) + beta·C, row-major with row strides lda, ldb, ldc."""
    # Column-major BLAS sees each row-major matrix transposed: C^T = op(B)^T · op(A)^T.
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    if m <= 0 or n <= 0:
        return
    if floating is float:
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float *>b, &ldb, <float *>a, &lda, &beta, c, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double *>b, &ldb, <double *>a, &lda, &beta, c, &ldc)


cdef inline floating act(int code, floating z) noexcept nogil:
    """φ(z) for the activation with this code."""
    cdef floating y
    if code == ACT_TANH:
        if floating is float:
            return tanhf(z)
        return tanh(z)
    if code == ACT_SIGMOID:
        return sigmoid_scalar(z)
    if code == ACT_HARD_SIGMOID:
        y = z * <floating>HARD_SIGMOID_SLOPE + <floating>0.5
        return 0 if y < 0 else (1 if y > 1 else y)
    if code == ACT_RELU:
        return z if z > 0 else 0
    return z


cdef extern from *:
    """
    /* float32 e^x, sigmoid and tanh written so that GCC vectorises the loops (no libm call):
       e^x = 2^n · p(r), n = round(x / ln 2), r = x − n·ln 2 in [−ln2/2, ln2/2], p the degree-6
       Taylor polynomial (relative error ≤ 1.3e-7, about one float32 ulp). The selects (?:)
       become vector blends only when FP exceptions need not trap, hence the pragma. */
    #pragma GCC push_options
    #pragma GCC optimize("no-trapping-math")
    /* The two loops are built for AVX-512, AVX2 and plain x86-64, and the loader picks the
       widest the CPU has (GCC function multiversioning, an ifunc on Linux): the activations are
       half of an LSTM step's time, and the baseline build only uses 4-wide SSE. */
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define PYNET_WIDEST_SIMD __attribute__((target_clones("avx512f", "avx2", "default")))
    #else
    #define PYNET_WIDEST_SIMD
    #endif
    static inline float pynet_expf_poly(float x) {
        x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
        float t = x * 1.44269504088896341f;
        /* round to nearest by adding and subtracting 1.5·2^23 (no select: AVX vectorises it) */
        float fn = (t + 12582912.0f) - 12582912.0f;
        int n = (int)fn;
        float r = (x - fn * 0.693359375f) - fn * (-2.12194440e-4f);
        float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.66666672e-1f + r * (4.16666679e-2f
                  + r * (8.33333377e-3f + r * 1.38888892e-3f)))));
        union { int i; float f; } u;
        u.i = (n + 127) << 23;
        return p * u.f;
    }
    PYNET_WIDEST_SIMD static void pynet_sigmoid_f(float *p, Py_ssize_t n) {
        for (Py_ssize_t i = 0; i < n; i++) {
            float x = p[i];
            float e = pynet_expf_poly(-fabsf(x));           /* e^-|x| <= 1: no overflow */
            float s = 1.0f / (1.0f + e);
            p[i] = x >= 0.0f ? s : e * s;
        }
    }
    PYNET_WIDEST_SIMD static void pynet_tanh_f(float *p, Py_ssize_t n) {
        for (Py_ssize_t i = 0; i < n; i++) {
            float x = p[i];
            float a = fabsf(x);
            float e = pynet_expf_poly(-2.0f * a);
            float t = (1.0f - e) / (1.0f + e);
            float small = a * (1.0f - a * a * (1.0f / 3.0f));   /* |x| < 0.01: no cancellation */
            t = a < 0.01f ? small : t;
            p[i] = x < 0.0f ? -t : t;
        }
    }
    /* One row of the backward gate gradients for tanh / sigmoid gates, float32: the loops of
       lstm_gate_grads / gru_gate_grads below with `restrict` pointers, which GCC needs before
       it vectorises eight distinct arrays. */
    PYNET_WIDEST_SIMD static void pynet_lstm_gate_grads_f(
            const float *restrict g, const float *restrict gh, const float *restrict phi,
            const float *restrict cprev, float *restrict dh, const float *restrict dc,
            float *restrict dct, float *restrict da, Py_ssize_t U) {
        for (Py_ssize_t u = 0; u < U; u++) {
            float dhu = dh[u] + gh[u];
            float gi = g[u], gf = g[u + U], gc = g[u + 2 * U], go = g[u + 3 * U];
            float d = dc[u] + dhu * go * (1.0f - phi[u] * phi[u]);
            dh[u] = dhu;
            dct[u] = d;
            da[u] = d * gc * (gi * (1.0f - gi));
            da[u + U] = d * cprev[u] * (gf * (1.0f - gf));
            da[u + 2 * U] = d * gi * (1.0f - gc * gc);
            da[u + 3 * U] = dhu * phi[u] * (go * (1.0f - go));
        }
    }
    PYNET_WIDEST_SIMD static void pynet_gru_gate_grads_f(
            const float *restrict g, const float *restrict gh, const float *restrict hprev,
            float *restrict dh, float *restrict da, float *restrict dr, Py_ssize_t U) {
        for (Py_ssize_t u = 0; u < U; u++) {
            float dhu = dh[u] + gh[u];
            float z = g[u], r = g[U + u], hh = g[2 * U + u];
            float da_h = dhu * (1.0f - z) * (1.0f - hh * hh);
            float da_z = dhu * (hprev[u] - hh) * (z * (1.0f - z));
            float da_r = da_h * g[3 * U + u] * (r * (1.0f - r));
            dh[u] = dhu;
            da[u] = da_z;
            da[U + u] = da_r;
            da[2 * U + u] = da_h;
            dr[u] = da_z;
            dr[U + u] = da_r;
            dr[2 * U + u] = da_h * r;
        }
    }
    #pragma GCC pop_options

    /* Backpropagation through many steps shrinks gradients geometrically; below 1.2e-38 they
       become float32 subnormals, which x86 multiplies through a microcode assist about 100×
       slower (GRU(100) over 200 steps: 12% of dx subnormal, backward 10× slower). The backward
       kernels therefore run with flush-to-zero and denormals-are-zero set in this thread's
       MXCSR and restore the caller's mode afterwards: a value below 1.2e-38 (2.2e-308 in
       float64) becomes 0, a change far below any tolerance. */
    #if defined(__x86_64__) || (defined(__i386__) && defined(__SSE2__))
    #include <xmmintrin.h>
    #define PYNET_FTZ_DAZ 0x8040u
    static inline unsigned int pynet_flush_subnormals(void) {
        unsigned int mode = _mm_getcsr();
        _mm_setcsr(mode | PYNET_FTZ_DAZ);
        return mode;
    }
    static inline void pynet_restore_fp_mode(unsigned int mode) { _mm_setcsr(mode); }
    #else
    static inline unsigned int pynet_flush_subnormals(void) { return 0; }
    static inline void pynet_restore_fp_mode(unsigned int mode) { (void)mode; }
    #endif
    """
    unsigned int pynet_flush_subnormals() noexcept nogil
    void pynet_restore_fp_mode(unsigned int mode) noexcept nogil
    void pynet_sigmoid_f(float *p, Py_ssize_t n) noexcept nogil
    void pynet_tanh_f(float *p, Py_ssize_t n) noexcept nogil
    void pynet_lstm_gate_grads_f(const float *g, const float *gh, const float *phi,
                                 const float *cprev, float *dh, const float *dc, float *dct,
                                 float *da, Py_ssize_t U) noexcept nogil
    void pynet_gru_gate_grads_f(const float *g, const float *gh, const float *hprev, float *dh,
                                float *da, float *dr, Py_ssize_t U) noexcept nogil


cdef inline void apply_act(int code, floating *p, Py_ssize_t n) noexcept nogil:
    """p[i] := φ(p[i]) for i < n (float32 tanh/sigmoid through the vectorised loops above)."""
    cdef Py_ssize_t i
    if floating is float:
        if code == ACT_TANH:
            pynet_tanh_f(p, n)
            return
        if code == ACT_SIGMOID:
            pynet_sigmoid_f(p, n)
            return
    for i in range(n):
        p[i] = act(code, p[i])


cdef inline floating dact(int code, floating y) noexcept nogil:
    """φ′ expressed through the output y = φ(z)."""
    if code == ACT_TANH:
        return <floating>1 - y * y
    if code == ACT_SIGMOID:
        return y * (<floating>1 - y)
    if code == ACT_HARD_SIGMOID:
        return <floating>HARD_SIGMOID_SLOPE if (y > 0 and y < 1) else 0
    if code == ACT_RELU:
        return 1 if y > 0 else 0
    return 1


cdef void project(const floating *x, Py_ssize_t rows, Py_ssize_t f, const floating *w,
                  Py_ssize_t n, const floating *bias, floating *out, Py_ssize_t ldo) noexcept nogil:
    """out (rows, n; row stride ldo) := bias + X·W — the input projection of every step."""
    cdef Py_ssize_t r
    for r in range(rows):
        memcpy(&out[r * ldo], bias, n * sizeof(floating))
    gemm_ld(False, False, <int>rows, <int>n, <int>f, <floating>1, x, <int>f, w, <int>n,
            <floating>1, out, <int>ldo)


cdef void input_grads(const floating *x, Py_ssize_t rows, Py_ssize_t f, const floating *w,
                      Py_ssize_t n, const floating *dA, Py_ssize_t lda, floating *dw,
                      floating *dx) noexcept nogil:
    """dW := Xᵀ·dA and (if dx) dx := dA·Wᵀ, over all steps at once; dA's row stride is lda."""
    gemm_ld(True, False, <int>f, <int>n, <int>rows, <floating>1, x, <int>f, dA, <int>lda,
            <floating>0, dw, <int>n)
    if dx != NULL:
        gemm_ld(False, True, <int>rows, <int>f, <int>n, <floating>1, dA, <int>lda, w, <int>n,
                <floating>0, dx, <int>f)


cdef void previous_states(const floating *h0, const floating *h, const floating *rmask,
                          Py_ssize_t T, Py_ssize_t B, Py_ssize_t U, floating *prev) noexcept nogil:
    """prev[t] := h_{t−1} ⊙ m_rec (h_{−1} = h0)."""
    cdef Py_ssize_t t, i
    cdef Py_ssize_t n = B * U
    cdef const floating *src
    for t in range(T):
        src = h0 if t == 0 else &h[(t - 1) * n]
        for i in range(n):
            prev[t * n + i] = src[i] * rmask[i] if rmask != NULL else src[i]


cdef void column_sums(const floating *a, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t lda,
                      floating *out) noexcept nogil:
    """out[j] := Σ_r a[r, j]."""
    cdef Py_ssize_t r, j
    memset(out, 0, cols * sizeof(floating))
    for r in range(rows):
        for j in range(cols):
            out[j] += a[r * lda + j]


cdef const floating *dropped(const floating *h, const floating *rmask, floating *scratch,
                             Py_ssize_t n) noexcept nogil:
    """h ⊙ m_rec into scratch (or h itself when there is no recurrent mask)."""
    cdef Py_ssize_t i
    if rmask == NULL:
        return h
    for i in range(n):
        scratch[i] = h[i] * rmask[i]
    return scratch


cdef inline floating *data(floating[::1] a) noexcept nogil:
    """First element of a flat view, or NULL for the (0,) placeholder meaning 'absent'."""
    return &a[0] if a.shape[0] > 0 else NULL


def _flat(a, dtype):
    """Flat C-contiguous view; None becomes the (0,) placeholder."""
    return np.zeros(0, dtype=dtype) if a is None else a.reshape(-1)


def _empty_batch(x):
    # Zero-size arrays have no first element to point at; the twin handles them.
    return x.shape[1] == 0


# -- SimpleRNN ------------------------------------------------------------------------------

cdef void _rnn_forward(floating[::1] x, floating[::1] w, floating[::1] rk, floating[::1] bias,
                       floating[::1] h0, floating[::1] mask, floating[::1] rmask, int code,
                       Py_ssize_t T, Py_ssize_t B, Py_ssize_t F, Py_ssize_t U,
                       floating[::1] out, floating[::1] scratch):
    """h_t = act(x_t·W + h_{t−1}·U + b) for t = 0 … T−1 (masked steps carry h_{t−1}); the input
    projection for every step is one GEMM first."""
    cdef Py_ssize_t t, b, u
    cdef const floating *prev
    cdef const floating *src
    cdef floating *o
    cdef floating *mk = data(mask)
    cdef floating *rm = data(rmask)
    with nogil:
        project(&x[0], T * B, F, &w[0], U, &bias[0], &out[0], U)
        for t in range(T):
            prev = &h0[0] if t == 0 else &out[(t - 1) * B * U]
            src = dropped(prev, rm, &scratch[0], B * U)
            o = &out[t * B * U]
            gemm_ld(False, False, <int>B, <int>U, <int>U, <floating>1, src, <int>U, &rk[0],
                    <int>U, <floating>1, o, <int>U)
            for b in range(B):
                if mk != NULL and mk[t * B + b] == 0:       # masked: carry the state over
                    memcpy(&o[b * U], &prev[b * U], U * sizeof(floating))
                    continue
                apply_act(code, &o[b * U], U)


def simple_rnn_forward(x, kernel, recurrent_kernel, bias=None, h0=None, *, mask=None,
                       recurrent_mask=None, activation="tanh"):
    (x, kernel, rk, bias, states, mask, rmask, a, _) = prepare_recurrent(
        "simple_rnn", "simple_rnn_forward", x, kernel, recurrent_kernel, bias, {"h0": h0},
        mask, recurrent_mask, activation, "sigmoid")
    if _empty_batch(x):
        return _reference.simple_rnn_forward(x, kernel, rk, bias, h0, mask=mask,
                                             recurrent_mask=rmask, activation=a)
    T, B, F = x.shape
    U = rk.shape[0]
    out = np.empty((T, B, U), dtype=x.dtype)
    args = (x.reshape(-1), kernel.reshape(-1), rk.reshape(-1), bias.reshape(-1),
            states["h0"].reshape(-1), _flat(mask, x.dtype), _flat(rmask, x.dtype),
            _ACT_CODES[a], T, B, F, U, out.reshape(-1), np.empty(B * U, dtype=x.dtype))
    if x.dtype == np.float64:
        _rnn_forward[double](*args)
    else:
        _rnn_forward[float](*args)
    return out


cdef void _rnn_backward(floating[::1] x, floating[::1] w, floating[::1] rk, floating[::1] h0,
                        floating[::1] h, floating[::1] gh, floating[::1] mask,
                        floating[::1] rmask, int code, Py_ssize_t T, Py_ssize_t B,
                        Py_ssize_t F, Py_ssize_t U, floating[::1] dA, floating[::1] prev,
                        floating[::1] dx, floating[::1] dw, floating[::1] drk,
                        floating[::1] db, floating[::1] dh, floating[::1] tmp):
    """Backpropagation through time for SimpleRNN: dA_t = (dh_t + dA_{t+1}·Uᵀ)·act′ ; dW = Σ x_tᵀ
    dA_t, dU = Σ h_{t−1}ᵀ dA_t, db = Σ dA_t."""
    cdef Py_ssize_t t, b, u, i
    cdef floating *mk = data(mask)
    cdef floating *rm = data(rmask)
    cdef floating *dxp = data(dx)
    cdef floating *da
    cdef Py_ssize_t n = B * U
    cdef unsigned int fp_mode
    with nogil:
        fp_mode = pynet_flush_subnormals()
        memset(&dh[0], 0, n * sizeof(floating))
        for t in range(T - 1, -1, -1):
            da = &dA[t * n]
            for b in range(B):
                for u in range(U):
                    i = b * U + u
                    dh[i] += gh[t * n + i]
                    if mk != NULL and mk[t * B + b] == 0:
                        da[i] = 0
                    else:
                        da[i] = dh[i] * dact(code, h[t * n + i])
            # dh_{t−1} = (dA_t · Uᵀ) ⊙ m_rec where the step was real, dh itself where masked
            gemm_ld(False, True, <int>B, <int>U, <int>U, <floating>1, da, <int>U, &rk[0],
                    <int>U, <floating>0, &tmp[0], <int>U)
            for b in range(B):
                if mk != NULL and mk[t * B + b] == 0:
                    continue
                for u in range(U):
                    i = b * U + u
                    dh[i] = tmp[i] * rm[i] if rm != NULL else tmp[i]
        input_grads(&x[0], T * B, F, &w[0], U, &dA[0], U, &dw[0], dxp)
        previous_states(&h0[0], &h[0], rm, T, B, U, &prev[0])
        gemm_ld(True, False, <int>U, <int>U, <int>(T * B), <floating>1, &prev[0], <int>U,
                &dA[0], <int>U, <floating>0, &drk[0], <int>U)
        column_sums(&dA[0], T * B, U, U, &db[0])
        pynet_restore_fp_mode(fp_mode)


def simple_rnn_backward(x, kernel, recurrent_kernel, h0, h, grad_h, *, mask=None,
                        recurrent_mask=None, activation="tanh", need_input_grad=True):
    k = "simple_rnn_backward"
    (x, kernel, rk, _, states, mask, rmask, a, _) = prepare_recurrent(
        "simple_rnn", k, x, kernel, recurrent_kernel, None, {"h0": h0}, mask, recurrent_mask,
        activation, "sigmoid")
    T, B, F = x.shape
    U = rk.shape[0]
    h = saved_array("h", h, (T, B, U), x.dtype, kernel=k)
    grad_h = saved_array("grad_h", grad_h, (T, B, U), x.dtype, kernel=k)
    if _empty_batch(x):
        return _reference.simple_rnn_backward(x, kernel, rk, h0, h, grad_h, mask=mask,
                                              recurrent_mask=rmask, activation=a,
                                              need_input_grad=need_input_grad)
    dt = x.dtype
    dx = np.empty((T, B, F), dtype=dt) if need_input_grad else None
    dw, drk, db, dh = (np.empty(s, dtype=dt) for s in ((F, U), (U, U), (U,), (B, U)))
    args = (x.reshape(-1), kernel.reshape(-1), rk.reshape(-1), states["h0"].reshape(-1),
            h.reshape(-1), grad_h.reshape(-1), _flat(mask, dt), _flat(rmask, dt),
            _ACT_CODES[a], T, B, F, U, np.empty(T * B * U, dtype=dt),
            np.empty(T * B * U, dtype=dt), _flat(dx, dt), dw.reshape(-1), drk.reshape(-1),
            db, dh.reshape(-1), np.empty(B * U, dtype=dt))
    if dt == np.float64:
        _rnn_backward[double](*args)
    else:
        _rnn_backward[float](*args)
    return dx, dw, drk, db, dh


# -- LSTM -----------------------------------------------------------------------------------

cdef void _lstm_forward(floating[::1] x, floating[::1] w, floating[::1] rk, floating[::1] bias,
                        floating[::1] h0, floating[::1] c0, floating[::1] mask,
                        floating[::1] rmask, int code, int rcode, Py_ssize_t T, Py_ssize_t B,
                        Py_ssize_t F, Py_ssize_t U, floating[::1] hs, floating[::1] cs,
                        floating[::1] gates, floating[::1] scratch):
    """Gates i, f, c̃, o = σ/act(x_t·W + h_{t−1}·U + b); c_t = f·c_{t−1} + i·c̃; h_t = o·act(c_t)
    (Keras's gate order i, f, c, o)."""
    cdef Py_ssize_t t, b, u, n = B * U, G = 4 * U
    cdef const floating *hprev
    cdef const floating *cprev
    cdef const floating *src
    cdef floating *g
    cdef floating *ho
    cdef floating *co
    cdef floating c_new
    cdef floating *mk = data(mask)
    cdef floating *rm = data(rmask)
    with nogil:
        project(&x[0], T * B, F, &w[0], G, &bias[0], &gates[0], G)
        for t in range(T):
            hprev = &h0[0] if t == 0 else &hs[(t - 1) * n]
            cprev = &c0[0] if t == 0 else &cs[(t - 1) * n]
            src = dropped(hprev, rm, &scratch[0], n)
            g = &gates[t * B * G]
            gemm_ld(False, False, <int>B, <int>G, <int>U, <floating>1, src, <int>U, &rk[0],
                    <int>G, <floating>1, g, <int>G)
            ho = &hs[t * n]
            co = &cs[t * n]
            for b in range(B):
                # the fused step: the four gates' nonlinearities, the carry and the output
                apply_act(rcode, &g[b * G], 2 * U)                 # i, f
                apply_act(code, &g[b * G + 2 * U], U)              # candidate
                apply_act(rcode, &g[b * G + 3 * U], U)             # o
                for u in range(U):
                    c_new = g[b * G + U + u] * cprev[b * U + u] + g[b * G + u] * g[b * G + 2 * U + u]
                    co[b * U + u] = c_new
                    ho[b * U + u] = c_new
                apply_act(code, &ho[b * U], U)
                for u in range(U):
                    ho[b * U + u] = ho[b * U + u] * g[b * G + 3 * U + u]
                if mk != NULL and mk[t * B + b] == 0:       # masked: carry both states over
                    memcpy(&ho[b * U], &hprev[b * U], U * sizeof(floating))
                    memcpy(&co[b * U], &cprev[b * U], U * sizeof(floating))


def lstm_forward(x, kernel, recurrent_kernel, bias=None, h0=None, c0=None, *, mask=None,
                 recurrent_mask=None, activation="tanh", recurrent_activation="sigmoid"):
    (x, kernel, rk, bias, states, mask, rmask, a, ra) = prepare_recurrent(
        "lstm", "lstm_forward", x, kernel, recurrent_kernel, bias, {"h0": h0, "c0": c0},
        mask, recurrent_mask, activation, recurrent_activation)
    if _empty_batch(x):
        return _reference.lstm_forward(x, kernel, rk, bias, h0, c0, mask=mask,
                                       recurrent_mask=rmask, activation=a,
                                       recurrent_activation=ra)
    T, B, F = x.shape
    U = rk.shape[0]
    dt = x.dtype
    hs, cs = np.empty((T, B, U), dtype=dt), np.empty((T, B, U), dtype=dt)
    gates = np.empty((T, B, 4 * U), dtype=dt)
    args = (x.reshape(-1), kernel.reshape(-1), rk.reshape(-1), bias.reshape(-1),
            states["h0"].reshape(-1), states["c0"].reshape(-1), _flat(mask, dt),
            _flat(rmask, dt), _ACT_CODES[a], _ACT_CODES[ra], T, B, F, U, hs.reshape(-1),
            cs.reshape(-1), gates.reshape(-1), np.empty(B * U, dtype=dt))
    if dt == np.float64:
        _lstm_forward[double](*args)
    else:
        _lstm_forward[float](*args)
    return hs, cs, gates


cdef void lstm_gate_grads(const floating *g, const floating *gh, const floating *phi,
                          const floating *cprev, floating *dh, const floating *dc,
                          floating *dct, floating *da, Py_ssize_t U) noexcept nogil:
    """One row of the LSTM step's gate gradients for tanh / sigmoid (φ′ = 1 − y², σ′ = y(1 − y)),
    the same products as the general loop in ``_lstm_backward``, written out so they vectorise."""
    cdef Py_ssize_t u
    cdef floating gi, gf, gc, go, d, dhu
    if floating is float:
        pynet_lstm_gate_grads_f(g, gh, phi, cprev, dh, dc, dct, da, U)
        return
    for u in range(U):
        dhu = dh[u] + gh[u]
        dh[u] = dhu
        gi, gf, gc, go = g[u], g[u + U], g[u + 2 * U], g[u + 3 * U]
        d = dc[u] + dhu * go * (<floating>1 - phi[u] * phi[u])                  # dL/dc_t
        dct[u] = d
        da[u] = d * gc * (gi * (<floating>1 - gi))
        da[u + U] = d * cprev[u] * (gf * (<floating>1 - gf))
        da[u + 2 * U] = d * gi * (<floating>1 - gc * gc)
        da[u + 3 * U] = dhu * phi[u] * (go * (<floating>1 - go))


cdef void _lstm_backward(floating[::1] x, floating[::1] w, floating[::1] rk, floating[::1] h0,
                         floating[::1] c0, floating[::1] hs, floating[::1] cs,
                         floating[::1] gates, floating[::1] gh, floating[::1] mask,
                         floating[::1] rmask, int code, int rcode, Py_ssize_t T, Py_ssize_t B,
                         Py_ssize_t F, Py_ssize_t U, floating[::1] dA, floating[::1] prev,
                         floating[::1] dx, floating[::1] dw, floating[::1] drk,
                         floating[::1] db, floating[::1] dh, floating[::1] dc,
                         floating[::1] dct, floating[::1] tmp):
    """BPTT for the LSTM: from dh_t and dc_t back through o, act(c_t), f, i, c̃ to the gate
    pre-activations, then dW, dU, db and dx as GEMMs."""
    cdef Py_ssize_t t, b, u, i, j, n = B * U, G = 4 * U
    cdef floating *mk = data(mask)
    cdef floating *rm = data(rmask)
    cdef const floating *g
    cdef const floating *cprev
    cdef floating *da
    cdef floating gi, gf, gc, go, phi, d
    cdef unsigned int fp_mode
    with nogil:
        fp_mode = pynet_flush_subnormals()
        memset(&dh[0], 0, n * sizeof(floating))
        for t in range(T - 1, -1, -1):
            g = &gates[t * B * G]
            da = &dA[t * B * G]
            cprev = &c0[0] if t == 0 else &cs[(t - 1) * n]
            memcpy(&tmp[0], &cs[t * n], n * sizeof(floating))     # φ(c_t), vectorised
            apply_act(code, &tmp[0], n)
            for b in range(B):
                if mk != NULL and mk[t * B + b] == 0:
                    for u in range(U):
                        dh[b * U + u] += gh[t * n + b * U + u]
                    memset(&da[b * G], 0, G * sizeof(floating))
                    continue
                if code == ACT_TANH and rcode == ACT_SIGMOID:
                    lstm_gate_grads(&g[b * G], &gh[t * n + b * U], &tmp[b * U], &cprev[b * U],
                                    &dh[b * U], &dc[b * U], &dct[b * U], &da[b * G], U)
                    continue
                for u in range(U):
                    i = b * U + u
                    j = b * G + u
                    dh[i] += gh[t * n + i]
                    gi, gf, gc, go = g[j], g[j + U], g[j + 2 * U], g[j + 3 * U]
                    phi = tmp[i]
                    d = dc[i] + dh[i] * go * dact(code, phi)      # dL/dc_t
                    dct[i] = d
                    da[j] = d * gc * dact(rcode, gi)
                    da[j + U] = d * cprev[i] * dact(rcode, gf)
                    da[j + 2 * U] = d * gi * dact(code, gc)
                    da[j + 3 * U] = dh[i] * phi * dact(rcode, go)
            gemm_ld(False, True, <int>B, <int>U, <int>G, <floating>1, da, <int>G, &rk[0],
                    <int>G, <floating>0, &tmp[0], <int>U)
            for b in range(B):
                if mk != NULL and mk[t * B + b] == 0:
                    continue
                for u in range(U):
                    i = b * U + u
                    dh[i] = tmp[i] * rm[i] if rm != NULL else tmp[i]
                    dc[i] = dct[i] * g[b * G + U + u]               # through the forget gate
        input_grads(&x[0], T * B, F, &w[0], G, &dA[0], G, &dw[0], data(dx))
        previous_states(&h0[0], &hs[0], rm, T, B, U, &prev[0])
        gemm_ld(True, False, <int>U, <int>G, <int>(T * B), <floating>1, &prev[0], <int>U,
                &dA[0], <int>G, <floating>0, &drk[0], <int>G)
        column_sums(&dA[0], T * B, G, G, &db[0])
        pynet_restore_fp_mode(fp_mode)


def lstm_backward(x, kernel, recurrent_kernel, h0, c0, h, c, gates, grad_h, grad_c=None, *,
                  mask=None, recurrent_mask=None, activation="tanh",
                  recurrent_activation="sigmoid", need_input_grad=True):
    k = "lstm_backward"
    (x, kernel, rk, _, states, mask, rmask, a, ra) = prepare_recurrent(
        "lstm", k, x, kernel, recurrent_kernel, None, {"h0": h0, "c0": c0, "grad_c": grad_c},
        mask, recurrent_mask, activation, recurrent_activation)
    T, B, F = x.shape
    U = rk.shape[0]
    dt = x.dtype
    h = saved_array("h", h, (T, B, U), dt, kernel=k)
    c = saved_array("c", c, (T, B, U), dt, kernel=k)
    gates = saved_array("gates", gates, (T, B, 4 * U), dt, kernel=k)
    grad_h = saved_array("grad_h", grad_h, (T, B, U), dt, kernel=k)
    if _empty_batch(x):
        return _reference.lstm_backward(x, kernel, rk, h0, c0, h, c, gates, grad_h, grad_c,
                                        mask=mask, recurrent_mask=rmask, activation=a,
                                        recurrent_activation=ra, need_input_grad=need_input_grad)
    dx = np.empty((T, B, F), dtype=dt) if need_input_grad else None
    dw, drk, db, dh = (np.empty(s, dtype=dt) for s in ((F, 4 * U), (U, 4 * U), (4 * U,), (B, U)))
    dc = states["grad_c"].copy()
    args = (x.reshape(-1), kernel.reshape(-1), rk.reshape(-1), states["h0"].reshape(-1),
            states["c0"].reshape(-1), h.reshape(-1), c.reshape(-1), gates.reshape(-1),
            grad_h.reshape(-1), _flat(mask, dt), _flat(rmask, dt), _ACT_CODES[a],
            _ACT_CODES[ra], T, B, F, U, np.empty(T * B * 4 * U, dtype=dt),
            np.empty(T * B * U, dtype=dt), _flat(dx, dt), dw.reshape(-1), drk.reshape(-1), db,
            dh.reshape(-1), dc.reshape(-1), np.empty(B * U, dtype=dt), np.empty(B * U, dtype=dt))
    if dt == np.float64:
        _lstm_backward[double](*args)
    else:
        _lstm_backward[float](*args)
    return dx, dw, drk, db, dh, dc


# -- GRU ------------------------------------------------------------------------------------

cdef void _gru_forward(floating[::1] x, floating[::1] w, floating[::1] rk, floating[::1] b_in,
                       floating[::1] b_rec, floating[::1] h0, floating[::1] mask,
                       floating[::1] rmask, int code, int rcode, bint reset_after,
                       Py_ssize_t T, Py_ssize_t B, Py_ssize_t F, Py_ssize_t U,
                       floating[::1] hs, floating[::1] gates, floating[::1] xw,
                       floating[::1] rec, floating[::1] scratch, floating[::1] rh):
    """z, r = σ(x·W + h·U + b); h̃ = act(x·W_h + r·(h·U_h) + b) (reset_after) or act(x·W_h +
    (r·h)·U_h + b); h_t = z·h_{t−1} + (1 − z)·h̃."""
    cdef Py_ssize_t t, b, u, i, n = B * U, G3 = 3 * U
    cdef Py_ssize_t GW = (4 if reset_after else 3) * U
    cdef const floating *hprev
    cdef const floating *src
    cdef floating *xt
    cdef floating *g
    cdef floating *ho
    cdef floating z
    cdef floating *mk = data(mask)
    cdef floating *rm = data(rmask)
    with nogil:
        project(&x[0], T * B, F, &w[0], G3, &b_in[0], &xw[0], G3)
        for t in range(T):
            hprev = &h0[0] if t == 0 else &hs[(t - 1) * n]
            src = dropped(hprev, rm, &scratch[0], n)
            xt = &xw[t * B * G3]
            g = &gates[t * B * GW]
            ho = &hs[t * n]
            if reset_after:
                for b in range(B):
                    memcpy(&rec[b * G3], &b_rec[0], G3 * sizeof(floating))
                gemm_ld(False, False, <int>B, <int>G3, <int>U, <floating>1, src, <int>U,
                        &rk[0], <int>G3, <floating>1, &rec[0], <int>G3)
                for b in range(B):
                    for u in range(2 * U):
                        g[b * GW + u] = xt[b * G3 + u] + rec[b * G3 + u]
                    apply_act(rcode, &g[b * GW], 2 * U)             # z, r
                    for u in range(U):
                        i = b * G3 + u
                        g[b * GW + 2 * U + u] = xt[i + 2 * U] + g[b * GW + U + u] * rec[i + 2 * U]
                        g[b * GW + 3 * U + u] = rec[i + 2 * U]
                    apply_act(code, &g[b * GW + 2 * U], U)          # candidate ĥ
                    for u in range(U):
                        z = g[b * GW + u]
                        ho[b * U + u] = z * hprev[b * U + u] + (<floating>1 - z) * g[b * GW + 2 * U + u]
            else:
                gemm_ld(False, False, <int>B, <int>(2 * U), <int>U, <floating>1, src, <int>U,
                        &rk[0], <int>G3, <floating>0, &rec[0], <int>G3)
                for b in range(B):
                    for u in range(2 * U):
                        g[b * GW + u] = xt[b * G3 + u] + rec[b * G3 + u]
                    apply_act(rcode, &g[b * GW], 2 * U)             # z, r
                    for u in range(U):
                        rh[b * U + u] = g[b * GW + U + u] * src[b * U + u]   # the reset first
                gemm_ld(False, False, <int>B, <int>U, <int>U, <floating>1, &rh[0], <int>U,
                        &rk[2 * U], <int>G3, <floating>0, &rec[2 * U], <int>G3)
                for b in range(B):
                    for u in range(U):
                        i = b * G3 + u
                        g[b * GW + 2 * U + u] = xt[i + 2 * U] + rec[i + 2 * U]
                    apply_act(code, &g[b * GW + 2 * U], U)          # candidate ĥ
                    for u in range(U):
                        z = g[b * GW + u]
                        ho[b * U + u] = z * hprev[b * U + u] + (<floating>1 - z) * g[b * GW + 2 * U + u]
            if mk != NULL:
                for b in range(B):
                    if mk[t * B + b] == 0:                      # masked: carry the state over
                        memcpy(&ho[b * U], &hprev[b * U], U * sizeof(floating))


def gru_forward(x, kernel, recurrent_kernel, bias=None, h0=None, *, mask=None,
                recurrent_mask=None, activation="tanh", recurrent_activation="sigmoid",
                reset_after=True):
    (x, kernel, rk, bias, states, mask, rmask, a, ra) = prepare_recurrent(
        "gru", "gru_forward", x, kernel, recurrent_kernel, bias, {"h0": h0}, mask,
        recurrent_mask, activation, recurrent_activation, reset_after)
    reset_after = bool(reset_after)
    if _empty_batch(x):
        return _reference.gru_forward(x, kernel, rk, bias, h0, mask=mask, recurrent_mask=rmask,
                                      activation=a, recurrent_activation=ra,
                                      reset_after=reset_after)
    T, B, F = x.shape
    U = rk.shape[0]
    dt = x.dtype
    hs = np.empty((T, B, U), dtype=dt)
    gates = np.empty((T, B, gru_gate_width(U, reset_after)), dtype=dt)
    b_in = bias[0] if reset_after else bias
    b_rec = bias[1] if reset_after else np.zeros(3 * U, dtype=dt)
    args = (x.reshape(-1), kernel.reshape(-1), rk.reshape(-1), np.ascontiguousarray(b_in),
            np.ascontiguousarray(b_rec), states["h0"].reshape(-1), _flat(mask, dt),
            _flat(rmask, dt), _ACT_CODES[a], _ACT_CODES[ra], reset_after, T, B, F, U,
            hs.reshape(-1), gates.reshape(-1), np.empty(T * B * 3 * U, dtype=dt),
            np.empty(B * 3 * U, dtype=dt), np.empty(B * U, dtype=dt), np.empty(B * U, dtype=dt))
    if dt == np.float64:
        _gru_forward[double](*args)
    else:
        _gru_forward[float](*args)
    return hs, gates


cdef void gru_gate_grads(const floating *g, const floating *gh, const floating *hprev,
                         floating *dh, floating *da, floating *dr, Py_ssize_t U) noexcept nogil:
    """One row of the GRU step's gate gradients (reset_after, tanh / sigmoid): the same products
    as the general loop in ``_gru_backward``, written out so they vectorise."""
    cdef Py_ssize_t u
    cdef floating z, r, hh, dhu, da_h, da_z, da_r
    if floating is float:
        pynet_gru_gate_grads_f(g, gh, hprev, dh, da, dr, U)
        return
    for u in range(U):
        dhu = dh[u] + gh[u]
        dh[u] = dhu
        z, r, hh = g[u], g[U + u], g[2 * U + u]
        da_h = dhu * (<floating>1 - z) * (<floating>1 - hh * hh)
        da_z = dhu * (hprev[u] - hh) * (z * (<floating>1 - z))
        da_r = da_h * g[3 * U + u] * (r * (<floating>1 - r))
        da[u] = da_z
        da[U + u] = da_r
        da[2 * U + u] = da_h
        dr[u] = da_z
        dr[U + u] = da_r
        dr[2 * U + u] = da_h * r


cdef void _gru_backward(floating[::1] x, floating[::1] w, floating[::1] rk, floating[::1] h0,
                        floating[::1] hs, floating[::1] gates, floating[::1] gh,
                        floating[::1] mask, floating[::1] rmask, int code, int rcode,
                        bint reset_after, Py_ssize_t T, Py_ssize_t B, Py_ssize_t F,
                        Py_ssize_t U, floating[::1] dA, floating[::1] dR, floating[::1] prev,
                        floating[::1] dx, floating[::1] dw, floating[::1] drk,
                        floating[::1] db, floating[::1] dh, floating[::1] tmp,
                        floating[::1] drh, floating[::1] rprev):
    """BPTT for the GRU, either reset variant: from dh_t through z, r and h̃ to the
    pre-activations, then dW, dU, the biases and dx."""
    cdef Py_ssize_t t, b, u, i, j, n = B * U, G3 = 3 * U
    cdef Py_ssize_t GW = (4 if reset_after else 3) * U
    cdef floating *mk = data(mask)
    cdef floating *rm = data(rmask)
    cdef const floating *g
    cdef const floating *hb
    cdef floating *da
    cdef floating *dr
    cdef floating z, r, hh, da_h, da_r, v
    cdef unsigned int fp_mode
    with nogil:
        fp_mode = pynet_flush_subnormals()
        memset(&dh[0], 0, n * sizeof(floating))
        memset(&drk[0], 0, U * G3 * sizeof(floating))
        previous_states(&h0[0], &hs[0], rm, T, B, U, &prev[0])
        for t in range(T - 1, -1, -1):
            g = &gates[t * B * GW]
            da = &dA[t * B * G3]
            dr = &dR[t * B * G3]
            hb = &h0[0] if t == 0 else &hs[(t - 1) * n]
            for b in range(B):
                if mk != NULL and mk[t * B + b] == 0:
                    for u in range(U):
                        dh[b * U + u] += gh[t * n + b * U + u]
                    memset(&da[b * G3], 0, G3 * sizeof(floating))
                    memset(&dr[b * G3], 0, G3 * sizeof(floating))
                    continue
                if reset_after and code == ACT_TANH and rcode == ACT_SIGMOID:
                    gru_gate_grads(&g[b * GW], &gh[t * n + b * U], &hb[b * U], &dh[b * U],
                                   &da[b * G3], &dr[b * G3], U)
                    continue
                for u in range(U):
                    i = b * U + u
                    j = b * G3 + u
                    dh[i] += gh[t * n + i]
                    z, r, hh = g[b * GW + u], g[b * GW + U + u], g[b * GW + 2 * U + u]
                    da_h = dh[i] * (<floating>1 - z) * dact(code, hh)
                    da[j] = dh[i] * (hb[i] - hh) * dact(rcode, z)
                    da[j + 2 * U] = da_h
                    dr[j] = da[j]
                    if reset_after:
                        da_r = da_h * g[b * GW + 3 * U + u] * dact(rcode, r)
                        da[j + U] = da_r
                        dr[j + U] = da_r
                        dr[j + 2 * U] = da_h * r
                    else:
                        dr[j + 2 * U] = 0
            if not reset_after:
                # dL/d(r ⊙ h_rec) = da_h · U_hᵀ, then the reset gate's share of it
                gemm_ld(False, True, <int>B, <int>U, <int>U, <floating>1, &da[2 * U], <int>G3,
                        &rk[2 * U], <int>G3, <floating>0, &drh[0], <int>U)
                for b in range(B):
                    for u in range(U):
                        i = b * U + u
                        j = b * G3 + u
                        r = g[b * GW + U + u]
                        if mk != NULL and mk[t * B + b] == 0:
                            rprev[i] = 0
                            continue
                        da_r = drh[i] * prev[t * n + i] * dact(rcode, r)
                        da[j + U] = da_r
                        dr[j + U] = da_r
                        rprev[i] = r * prev[t * n + i]
                gemm_ld(True, False, <int>U, <int>U, <int>B, <floating>1, &rprev[0], <int>U,
                        &da[2 * U], <int>G3, <floating>1, &drk[2 * U], <int>G3)
            gemm_ld(False, True, <int>B, <int>U, <int>(G3 if reset_after else 2 * U),
                    <floating>1, dr, <int>G3, &rk[0], <int>G3, <floating>0, &tmp[0], <int>U)
            for b in range(B):
                if mk != NULL and mk[t * B + b] == 0:
                    continue
                for u in range(U):
                    i = b * U + u
                    v = tmp[i]
                    if not reset_after:
                        v = v + drh[i] * g[b * GW + U + u]
                    if rm != NULL:
                        v = v * rm[i]
                    dh[i] = v + dh[i] * g[b * GW + u]               # the direct path z ⊙ h
        input_grads(&x[0], T * B, F, &w[0], G3, &dA[0], G3, &dw[0], data(dx))
        gemm_ld(True, False, <int>U, <int>(G3 if reset_after else 2 * U), <int>(T * B),
                <floating>1, &prev[0], <int>U, &dR[0], <int>G3, <floating>1, &drk[0], <int>G3)
        column_sums(&dA[0], T * B, G3, G3, &db[0])
        if reset_after:
            column_sums(&dR[0], T * B, G3, G3, &db[G3])
        pynet_restore_fp_mode(fp_mode)


def gru_backward(x, kernel, recurrent_kernel, h0, h, gates, grad_h, *, mask=None,
                 recurrent_mask=None, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, need_input_grad=True):
    k = "gru_backward"
    (x, kernel, rk, _, states, mask, rmask, a, ra) = prepare_recurrent(
        "gru", k, x, kernel, recurrent_kernel, None, {"h0": h0}, mask, recurrent_mask,
        activation, recurrent_activation, reset_after)
    reset_after = bool(reset_after)
    T, B, F = x.shape
    U = rk.shape[0]
    dt = x.dtype
    h = saved_array("h", h, (T, B, U), dt, kernel=k)
    gates = saved_array("gates", gates, (T, B, gru_gate_width(U, reset_after)), dt, kernel=k)
    grad_h = saved_array("grad_h", grad_h, (T, B, U), dt, kernel=k)
    if _empty_batch(x):
        return _reference.gru_backward(x, kernel, rk, h0, h, gates, grad_h, mask=mask,
                                       recurrent_mask=rmask, activation=a,
                                       recurrent_activation=ra, reset_after=reset_after,
                                       need_input_grad=need_input_grad)
    dx = np.empty((T, B, F), dtype=dt) if need_input_grad else None
    dw, drk, dh = (np.empty(s, dtype=dt) for s in ((F, 3 * U), (U, 3 * U), (B, U)))
    db = np.empty((2, 3 * U) if reset_after else (3 * U,), dtype=dt)
    args = (x.reshape(-1), kernel.reshape(-1), rk.reshape(-1), states["h0"].reshape(-1),
            h.reshape(-1), gates.reshape(-1), grad_h.reshape(-1), _flat(mask, dt),
            _flat(rmask, dt), _ACT_CODES[a], _ACT_CODES[ra], reset_after, T, B, F, U,
            np.empty(T * B * 3 * U, dtype=dt), np.empty(T * B * 3 * U, dtype=dt),
            np.empty(T * B * U, dtype=dt), _flat(dx, dt), dw.reshape(-1), drk.reshape(-1),
            db.reshape(-1), dh.reshape(-1), np.empty(B * U, dtype=dt),
            np.empty(B * U, dtype=dt), np.empty(B * U, dtype=dt))
    if dt == np.float64:
        _gru_backward[double](*args)
    else:
        _gru_backward[float](*args)
    return dx, dw, drk, db, dh


# -- Embedding ------------------------------------------------------------------------------

cdef void _gather(const long long[::1] idx, floating[::1] emb, Py_ssize_t D,
                  floating[::1] out):
    """out[i, :] = emb[idx[i], :] (the Embedding lookup)."""
    cdef Py_ssize_t i, n = idx.shape[0]
    with nogil:
        for i in range(n):
            memcpy(&out[i * D], &emb[idx[i] * D], D * sizeof(floating))


cdef void _scatter_add(const long long[::1] idx, floating[::1] grad, Py_ssize_t D,
                       floating[::1] out):
    """out[idx[i], :] += grad[i, :] (the Embedding gradient; repeated ids add up)."""
    cdef Py_ssize_t i, d, row, n = idx.shape[0]
    with nogil:
        for i in range(n):
            row = idx[i] * D
            for d in range(D):
                out[row + d] += grad[i * D + d]


def embedding_forward(indices, embeddings):
    indices, embeddings = prepare_embedding_forward(indices, embeddings)
    D = embeddings.shape[1]
    out = np.empty(indices.shape + (D,), dtype=embeddings.dtype)
    if indices.size == 0 or D == 0:
        return out
    flat = indices.reshape(-1).astype(np.longlong, copy=False)
    if embeddings.dtype == np.float64:
        _gather[double](flat, embeddings.reshape(-1), D, out.reshape(-1))
    else:
        _gather[float](flat, embeddings.reshape(-1), D, out.reshape(-1))
    return out


def embedding_backward(indices, grad_output, input_dim):
    indices, grad_output, input_dim = prepare_embedding_backward(indices, grad_output, input_dim)
    D = grad_output.shape[grad_output.ndim - 1]
    out = np.zeros((input_dim, D), dtype=grad_output.dtype)
    if indices.size == 0 or D == 0:
        return out
    flat = indices.reshape(-1).astype(np.longlong, copy=False)
    if grad_output.dtype == np.float64:
        _scatter_add[double](flat, grad_output.reshape(-1), D, out.reshape(-1))
    else:
        _scatter_add[float](flat, grad_output.reshape(-1), D, out.reshape(-1))
    return out
