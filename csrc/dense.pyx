"""Compiled twins of pynet/kernels/reference/dense.py (same names, signatures and checks).

The forward pass writes the bias into every row of ``out`` and lets one ``?gemm`` add
``x @ kernel`` on top (beta = 1), then applies the activation in the same buffer: one pass over
the output instead of NumPy's three (matmul, + bias, activation). The optimizer updates touch
each parameter once, with their state, in a single loop.
"""
from cython cimport floating
import numpy as np

from libc.math cimport exp, expf, tanh, tanhf

from blas cimport gemm_rm
from mathfn cimport sigmoid_scalar

from pynet.kernels._checks.dense import (
    prepare_activation, prepare_dense_backward, prepare_dense_forward, prepare_update,
)

__all__ = ["dense_forward", "dense_backward", "activation_forward", "activation_backward",
           "sgd_update", "rmsprop_update", "adam_update", "adagrad_update"]

cdef enum Act:
    LINEAR = 0
    RELU = 1
    SIGMOID = 2
    TANH = 3
    SOFTMAX = 4

_CODES = {"linear": LINEAR, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "softmax": SOFTMAX}


cdef inline floating _exp(floating v) noexcept nogil:
    """eᵛ in the precision of ``floating`` (expf for float32, exp for float64)"""
    if floating is float:
        return expf(v)
    else:
        return exp(v)


cdef void _activate_rows(floating *z, Py_ssize_t n, Py_ssize_t u, int act) noexcept nogil:
    """z := f(z) in place on an (n, u) C-contiguous block (softmax over each row)"""
    # In place y = f(z) on an (n, u) C-contiguous block.
    cdef Py_ssize_t i, j, total = n * u
    cdef floating m, s, v
    cdef floating *row
    cdef floating zero = 0
    if act == RELU:
        # Written as a select, not an if: half the signs are random, and a branch would be
        # mispredicted on every other element (it cost more than the rest of the layer's
        # non-GEMM work). NaN stays NaN, as np.maximum(z, 0) does.
        for i in range(total):
            v = z[i]
            z[i] = zero if v < zero else v
    elif act == SIGMOID:
        for i in range(total):
            z[i] = sigmoid_scalar(z[i])
    elif act == TANH:
        for i in range(total):
            if floating is float:
                z[i] = tanhf(z[i])
            else:
                z[i] = tanh(z[i])
    elif act == SOFTMAX:
        for i in range(n):
            row = z + i * u
            m = row[0]
            for j in range(1, u):
                if row[j] > m:
                    m = row[j]
            s = 0
            for j in range(u):
                v = _exp(row[j] - m)
                row[j] = v
                s = s + v
            s = 1 / s
            for j in range(u):
                row[j] = row[j] * s


cdef void _forward(const floating[:, ::1] x, const floating[:, ::1] w, const floating[::1] b,
                   bint has_bias, floating[:, ::1] out, int act):
    """out = x @ w + b (BLAS ?gemm with β = 1 over the broadcast bias)"""
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], u = w.shape[1]   # each <= INT_MAX (blas_dims)
    cdef Py_ssize_t i, j
    cdef floating beta = 0
    with nogil:
        if has_bias:
            for i in range(n):
                for j in range(u):
                    out[i, j] = b[j]
            beta = 1
        if d > 0:
            gemm_rm(False, False, n, u, d, <floating>1.0, &x[0, 0], &w[0, 0], beta, &out[0, 0])
        elif not has_bias:
            for i in range(n):
                for j in range(u):
                    out[i, j] = 0
        _activate_rows(&out[0, 0], n, u, act)


def dense_forward(x, kernel, bias=None, activation="linear", *, out=None):
    """``y = f(x @ kernel + bias)``; same contract as
    :func:`pynet.kernels.reference.dense.dense_forward`."""
    x, kernel, bias, activation, out = prepare_dense_forward(x, kernel, bias, activation, out)
    if out.size == 0:
        return out
    cdef int act = _CODES[activation]
    b = bias if bias is not None else np.zeros(1, dtype=out.dtype)
    if out.dtype == np.float64:
        _forward[double](x, kernel, b, bias is not None, out, act)
    else:
        _forward[float](x, kernel, b, bias is not None, out, act)
    return out


cdef void _backward(const floating[:, ::1] x, const floating[:, ::1] w,
                    const floating[:, ::1] g, floating[:, ::1] gw, floating[::1] gb,
                    bint has_gb, floating[:, ::1] gx, bint has_gx):
    """gw = xᵀ·g; gb = Σ_rows g (if ``has_gb``); gx = g·wᵀ (if ``has_gx``)"""
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], u = w.shape[1]   # each <= INT_MAX (blas_dims)
    cdef Py_ssize_t i, j
    with nogil:
        if d > 0:
            if n > 0:
                # dL/dkernel (d, u) = x^T (d, n) @ g (n, u)
                gemm_rm(True, False, d, u, n, <floating>1.0, &x[0, 0], &g[0, 0], <floating>0.0,
                        &gw[0, 0])
            else:
                for i in range(d):
                    for j in range(u):
                        gw[i, j] = 0
        if has_gb:
            for j in range(u):
                gb[j] = 0
            for i in range(n):
                for j in range(u):
                    gb[j] = gb[j] + g[i, j]
        if has_gx and n > 0 and d > 0:
            # dL/dx (n, d) = g (n, u) @ kernel^T (u, d)
            gemm_rm(False, True, n, d, u, <floating>1.0, &g[0, 0], &w[0, 0], <floating>0.0,
                    &gx[0, 0])


def dense_backward(x, kernel, grad_z, grad_kernel, grad_bias=None, *, need_grad_x=True):
    """Gradients of a dense layer; same contract as
    :func:`pynet.kernels.reference.dense.dense_backward`."""
    x, kernel, grad_z, grad_kernel, grad_bias, grad_x = prepare_dense_backward(
        x, kernel, grad_z, grad_kernel, grad_bias, need_grad_x)
    if kernel.shape[1] == 0:
        if grad_x is not None:
            grad_x.fill(0)
        return grad_x
    if grad_x is not None and kernel.shape[1] > 0 and (x.shape[0] == 0 or x.shape[1] == 0):
        grad_x.fill(0)
    dummy_b = np.zeros(1, dtype=x.dtype)
    dummy_x = np.zeros((1, 1), dtype=x.dtype)
    gb = grad_bias if grad_bias is not None else dummy_b
    gx = grad_x if (grad_x is not None and grad_x.size) else dummy_x
    if x.dtype == np.float64:
        _backward[double](x, kernel, grad_z, grad_kernel, gb, grad_bias is not None, gx,
                          grad_x is not None and grad_x.size > 0)
    else:
        _backward[float](x, kernel, grad_z, grad_kernel, gb, grad_bias is not None, gx,
                         grad_x is not None and grad_x.size > 0)
    return grad_x


cdef void _act_forward(const floating[:, ::1] z, floating[:, ::1] out, int act):
    """out = f(z), elementwise (softmax over each row); ``out`` may be ``z``"""
    cdef Py_ssize_t i, j, n = z.shape[0], u = z.shape[1]
    with nogil:
        if &out[0, 0] != &z[0, 0]:
            for i in range(n):
                for j in range(u):
                    out[i, j] = z[i, j]
        _activate_rows(&out[0, 0], n, u, act)


def activation_forward(activation, z, *, out=None):
    """``y = f(z)`` on a 2-D batch (softmax over rows); ``out=z`` works in place."""
    activation, z, _, out = prepare_activation("activation_forward", activation, z, None, out, "z")
    if out.size == 0:
        return out
    if out.dtype == np.float64:
        _act_forward[double](z, out, _CODES[activation])
    else:
        _act_forward[float](z, out, _CODES[activation])
    return out


cdef void _act_backward(const floating[:, ::1] y, const floating[:, ::1] g, floating[:, ::1] out,
                        int act):
    """out = g ⊙ f′ expressed through y = f(z) (softmax: y ⊙ (g − Σ_row g·y))"""
    cdef Py_ssize_t i, j, n = y.shape[0], u = y.shape[1]
    cdef floating s, yv
    with nogil:
        for i in range(n):
            if act == LINEAR:
                for j in range(u):
                    out[i, j] = g[i, j]
            elif act == RELU:
                for j in range(u):
                    out[i, j] = g[i, j] * (<floating>1 if y[i, j] > 0 else <floating>0)
            elif act == SIGMOID:
                for j in range(u):
                    yv = y[i, j]
                    out[i, j] = g[i, j] * yv * (1 - yv)
            elif act == TANH:
                for j in range(u):
                    yv = y[i, j]
                    out[i, j] = g[i, j] * (1 - yv * yv)
            else:
                s = 0
                for j in range(u):
                    s = s + g[i, j] * y[i, j]
                for j in range(u):
                    out[i, j] = y[i, j] * (g[i, j] - s)


def activation_backward(activation, y, grad, *, out=None):
    """``dL/dz`` from the output ``y`` and ``grad = dL/dy`` (2-D batches)."""
    activation, y, grad, out = prepare_activation("activation_backward", activation, y, grad,
                                                  out, "y", "grad")
    if out.size == 0:
        return out
    if np.may_share_memory(out, y) or np.may_share_memory(out, grad):
        # softmax reads a whole row of y and g after writing its first entries
        if activation == "softmax":
            y, grad = y.copy(), grad.copy()
    if out.dtype == np.float64:
        _act_backward[double](y, grad, out, _CODES[activation])
    else:
        _act_backward[float](y, grad, out, _CODES[activation])
    return out


# -- optimizer updates: one loop over the flattened parameter ---------------------------------
#
# The loops that need a square root are written in C below. A plain sqrt() must set errno for
# negative inputs, which keeps GCC from vectorising the loop (and the attribute/pragma that
# should lift it does not, in GCC 12), so on x86-64 the float32 loops use SSE intrinsics: four
# square roots and divisions per instruction, exactly as rounded as the scalar ones (IEEE sqrt
# and division are correctly rounded either way). Other machines and float64 run the scalar loop.

cdef extern from *:
    """
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #define PYNET_SSE 1
    #else
    #define PYNET_SSE 0
    #endif

    #define PYNET_UPDATES(T, SQRT, SUFFIX)                                                   \
    static void pynet_rmsprop_##SUFFIX##_tail(T *p, const T *g, T *ms, Py_ssize_t i,        \
            Py_ssize_t n, T lr, T rho, T eps) {                                              \
        const T c = (T)1 - rho;                                                              \
        for (; i < n; i++) {                                                                 \
            T gi = g[i];                                                                     \
            T si = rho * ms[i] + c * gi * gi;                                                \
            ms[i] = si;                                                                      \
            p[i] = p[i] - lr * gi / (SQRT(si) + eps);                                        \
        }                                                                                    \
    }                                                                                        \
    static void pynet_adam_##SUFFIX##_tail(T *p, const T *g, T *m, T *v, Py_ssize_t i,      \
            Py_ssize_t n, T lr_t, T b1, T b2, T eps) {                                       \
        const T c1 = (T)1 - b1, c2 = (T)1 - b2;                                              \
        for (; i < n; i++) {                                                                 \
            T gi = g[i];                                                                     \
            T mi = b1 * m[i] + c1 * gi;                                                      \
            T vi = b2 * v[i] + c2 * gi * gi;                                                 \
            m[i] = mi;                                                                       \
            v[i] = vi;                                                                       \
            p[i] = p[i] - lr_t * mi / (SQRT(vi) + eps);                                      \
        }                                                                                    \
    }                                                                                        \
    static void pynet_adagrad_##SUFFIX##_tail(T *p, const T *g, T *acc, Py_ssize_t i,       \
            Py_ssize_t n, T lr, T eps) {                                                     \
        for (; i < n; i++) {                                                                 \
            T gi = g[i];                                                                     \
            T ai = acc[i] + gi * gi;                                                         \
            acc[i] = ai;                                                                     \
            p[i] = p[i] - lr * gi / (SQRT(ai) + eps);                                        \
        }                                                                                    \
    }
    PYNET_UPDATES(float, sqrtf, f)
    PYNET_UPDATES(double, sqrt, d)

    /* float32: four lanes at a time, then the scalar tail. Same operations in the same order
       as the scalar loop (no fused multiply-add), so the results are identical. */
    static void pynet_rmsprop_f(float *p, const float *g, float *ms, Py_ssize_t n, float lr,
                                float rho, float eps) {
        Py_ssize_t i = 0;
    #if PYNET_SSE
        const __m128 vrho = _mm_set1_ps(rho), vc = _mm_set1_ps(1.0f - rho);
        const __m128 vlr = _mm_set1_ps(lr), veps = _mm_set1_ps(eps);
        for (; i + 4 <= n; i += 4) {
            __m128 gi = _mm_loadu_ps(g + i);
            __m128 si = _mm_add_ps(_mm_mul_ps(vrho, _mm_loadu_ps(ms + i)),
                                   _mm_mul_ps(_mm_mul_ps(vc, gi), gi));
            _mm_storeu_ps(ms + i, si);
            __m128 step = _mm_div_ps(_mm_mul_ps(vlr, gi), _mm_add_ps(_mm_sqrt_ps(si), veps));
            _mm_storeu_ps(p + i, _mm_sub_ps(_mm_loadu_ps(p + i), step));
        }
    #endif
        pynet_rmsprop_f_tail(p, g, ms, i, n, lr, rho, eps);
    }
    static void pynet_adam_f(float *p, const float *g, float *m, float *v, Py_ssize_t n,
                             float lr_t, float b1, float b2, float eps) {
        Py_ssize_t i = 0;
    #if PYNET_SSE
        const __m128 vb1 = _mm_set1_ps(b1), vc1 = _mm_set1_ps(1.0f - b1);
        const __m128 vb2 = _mm_set1_ps(b2), vc2 = _mm_set1_ps(1.0f - b2);
        const __m128 vlr = _mm_set1_ps(lr_t), veps = _mm_set1_ps(eps);
        for (; i + 4 <= n; i += 4) {
            __m128 gi = _mm_loadu_ps(g + i);
            __m128 mi = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(m + i)), _mm_mul_ps(vc1, gi));
            __m128 vi = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + i)),
                                   _mm_mul_ps(_mm_mul_ps(vc2, gi), gi));
            _mm_storeu_ps(m + i, mi);
            _mm_storeu_ps(v + i, vi);
            __m128 step = _mm_div_ps(_mm_mul_ps(vlr, mi), _mm_add_ps(_mm_sqrt_ps(vi), veps));
            _mm_storeu_ps(p + i, _mm_sub_ps(_mm_loadu_ps(p + i), step));
        }
    #endif
        pynet_adam_f_tail(p, g, m, v, i, n, lr_t, b1, b2, eps);
    }
    static void pynet_adagrad_f(float *p, const float *g, float *acc, Py_ssize_t n, float lr,
                                float eps) {
        Py_ssize_t i = 0;
    #if PYNET_SSE
        const __m128 vlr = _mm_set1_ps(lr), veps = _mm_set1_ps(eps);
        for (; i + 4 <= n; i += 4) {
            __m128 gi = _mm_loadu_ps(g + i);
            __m128 ai = _mm_add_ps(_mm_loadu_ps(acc + i), _mm_mul_ps(gi, gi));
            _mm_storeu_ps(acc + i, ai);
            __m128 step = _mm_div_ps(_mm_mul_ps(vlr, gi), _mm_add_ps(_mm_sqrt_ps(ai), veps));
            _mm_storeu_ps(p + i, _mm_sub_ps(_mm_loadu_ps(p + i), step));
        }
    #endif
        pynet_adagrad_f_tail(p, g, acc, i, n, lr, eps);
    }
    static void pynet_rmsprop_d(double *p, const double *g, double *ms, Py_ssize_t n,
                                double lr, double rho, double eps) {
        pynet_rmsprop_d_tail(p, g, ms, 0, n, lr, rho, eps);
    }
    static void pynet_adam_d(double *p, const double *g, double *m, double *v, Py_ssize_t n,
                             double lr_t, double b1, double b2, double eps) {
        pynet_adam_d_tail(p, g, m, v, 0, n, lr_t, b1, b2, eps);
    }
    static void pynet_adagrad_d(double *p, const double *g, double *acc, Py_ssize_t n,
                                double lr, double eps) {
        pynet_adagrad_d_tail(p, g, acc, 0, n, lr, eps);
    }
    """
    void pynet_rmsprop_f(float *p, const float *g, float *ms, Py_ssize_t n, float lr, float rho,
                         float eps) noexcept nogil
    void pynet_rmsprop_d(double *p, const double *g, double *ms, Py_ssize_t n, double lr,
                         double rho, double eps) noexcept nogil
    void pynet_adam_f(float *p, const float *g, float *m, float *v, Py_ssize_t n, float lr_t,
                      float b1, float b2, float eps) noexcept nogil
    void pynet_adam_d(double *p, const double *g, double *m, double *v, Py_ssize_t n,
                      double lr_t, double b1, double b2, double eps) noexcept nogil
    void pynet_adagrad_f(float *p, const float *g, float *acc, Py_ssize_t n, float lr,
                         float eps) noexcept nogil
    void pynet_adagrad_d(double *p, const double *g, double *acc, Py_ssize_t n, double lr,
                         double eps) noexcept nogil


cdef void _sgd(floating[::1] p, const floating[::1] g, floating[::1] v, floating lr,
               floating mu, bint use_v, bint nesterov):
    """v ← μv − ηg; p ← p + v (Nesterov: p ← p + μv − ηg); without v: p ← p − ηg"""
    cdef Py_ssize_t i
    cdef floating vi
    with nogil:
        if not use_v:
            for i in range(p.shape[0]):
                p[i] = p[i] - lr * g[i]
        elif nesterov:
            for i in range(p.shape[0]):
                vi = mu * v[i] - lr * g[i]
                v[i] = vi
                p[i] = p[i] + mu * vi - lr * g[i]
        else:
            for i in range(p.shape[0]):
                vi = mu * v[i] - lr * g[i]
                v[i] = vi
                p[i] = p[i] + vi


def sgd_update(param, grad, velocity, learning_rate, momentum=0.0, nesterov=False):
    """Stochastic gradient descent, in place; see the reference twin."""
    param, grad, slots, s = prepare_update(
        "sgd_update", param, grad, {"velocity": velocity},
        {"learning_rate": (learning_rate, 0.0, False, None), "momentum": (momentum, 0.0, False, 1.0)})
    v = slots["velocity"]
    use_v = s["momentum"] != 0.0
    if use_v and v is None:
        raise ValueError("sgd_update(): momentum > 0 needs a 'velocity' array")
    if param.size == 0:
        return param
    p1, g1 = param.reshape(-1), grad.reshape(-1)
    v1 = v.reshape(-1) if use_v else p1
    if param.dtype == np.float64:
        _sgd[double](p1, g1, v1, s["learning_rate"], s["momentum"], use_v, bool(nesterov))
    else:
        _sgd[float](p1, g1, v1, s["learning_rate"], s["momentum"], use_v, bool(nesterov))
    return param


cdef void _rmsprop(floating[::1] p, const floating[::1] g, floating[::1] ms, floating lr,
                   floating rho, floating eps):
    """s ← ρs + (1 − ρ)g²; p ← p − ηg / (√s + ε)"""
    # prepare_update guarantees distinct arrays (a grad overlapping them is copied first).
    with nogil:
        if floating is float:
            pynet_rmsprop_f(&p[0], &g[0], &ms[0], p.shape[0], lr, rho, eps)
        else:
            pynet_rmsprop_d(&p[0], &g[0], &ms[0], p.shape[0], lr, rho, eps)


def rmsprop_update(param, grad, mean_square, learning_rate, rho=0.9, epsilon=1e-7):
    """RMSprop, in place; see the reference twin."""
    param, grad, slots, s = prepare_update(
        "rmsprop_update", param, grad, {"mean_square": mean_square},
        {"learning_rate": (learning_rate, 0.0, False, None), "rho": (rho, 0.0, False, 1.0),
         "epsilon": (epsilon, 0.0, False, None)})
    if param.size == 0:
        return param
    p1, g1, m1 = param.reshape(-1), grad.reshape(-1), slots["mean_square"].reshape(-1)
    if param.dtype == np.float64:
        _rmsprop[double](p1, g1, m1, s["learning_rate"], s["rho"], s["epsilon"])
    else:
        _rmsprop[float](p1, g1, m1, s["learning_rate"], s["rho"], s["epsilon"])
    return param


cdef void _adam(floating[::1] p, const floating[::1] g, floating[::1] m, floating[::1] v,
                floating lr_t, floating b1, floating b2, floating eps):
    """m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − η_t·m / (√v + ε)"""
    with nogil:
        if floating is float:
            pynet_adam_f(&p[0], &g[0], &m[0], &v[0], p.shape[0], lr_t, b1, b2, eps)
        else:
            pynet_adam_d(&p[0], &g[0], &m[0], &v[0], p.shape[0], lr_t, b1, b2, eps)


def adam_update(param, grad, m, v, learning_rate_t, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam, in place, with the bias-corrected step ``learning_rate_t``; see the reference twin."""
    param, grad, slots, s = prepare_update(
        "adam_update", param, grad, {"m": m, "v": v},
        {"learning_rate_t": (learning_rate_t, 0.0, False, None), "beta_1": (beta_1, 0.0, False, 1.0),
         "beta_2": (beta_2, 0.0, False, 1.0), "epsilon": (epsilon, 0.0, False, None)})
    if param.size == 0:
        return param
    p1, g1 = param.reshape(-1), grad.reshape(-1)
    m1, v1 = slots["m"].reshape(-1), slots["v"].reshape(-1)
    if param.dtype == np.float64:
        _adam[double](p1, g1, m1, v1, s["learning_rate_t"], s["beta_1"], s["beta_2"], s["epsilon"])
    else:
        _adam[float](p1, g1, m1, v1, s["learning_rate_t"], s["beta_1"], s["beta_2"], s["epsilon"])
    return param


cdef void _adagrad(floating[::1] p, const floating[::1] g, floating[::1] acc, floating lr,
                   floating eps):
    """a ← a + g²; p ← p − ηg / (√a + ε)"""
    with nogil:
        if floating is float:
            pynet_adagrad_f(&p[0], &g[0], &acc[0], p.shape[0], lr, eps)
        else:
            pynet_adagrad_d(&p[0], &g[0], &acc[0], p.shape[0], lr, eps)


def adagrad_update(param, grad, accumulator, learning_rate, epsilon=1e-7):
    """Adagrad, in place; see the reference twin."""
    param, grad, slots, s = prepare_update(
        "adagrad_update", param, grad, {"accumulator": accumulator},
        {"learning_rate": (learning_rate, 0.0, False, None), "epsilon": (epsilon, 0.0, False, None)})
    if param.size == 0:
        return param
    p1, g1, a1 = param.reshape(-1), grad.reshape(-1), slots["accumulator"].reshape(-1)
    if param.dtype == np.float64:
        _adagrad[double](p1, g1, a1, s["learning_rate"], s["epsilon"])
    else:
        _adagrad[float](p1, g1, a1, s["learning_rate"], s["epsilon"])
    return param
