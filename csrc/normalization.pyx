"""Compiled twins of pynet/kernels/reference/normalization.py (same names, signatures and checks).

The input is the ``(outer, channels, inner)`` view of :mod:`pynet.kernels._checks.normalization`.
Per-channel sums are accumulated in double precision whatever the data's dtype (a float32 sum of
a million values would lose digits), with the mean taken first and the squared deviations summed
in a second pass (the one-pass Σx² − m·μ² cancels badly when |μ| ≫ σ). When ``inner == 1``
(channels last: Dense outputs, NHWC images) the channels are contiguous and the loops run along
them; otherwise the inner axis is contiguous and the loops run along it.
"""
from cython cimport floating
import numpy as np

from pynet.kernels._checks.normalization import (
    inverse_std, prepare_batch_norm_backward, prepare_batch_norm_inference_forward,
    prepare_batch_norm_train_forward,
)

__all__ = ["batch_norm_train_forward", "batch_norm_inference_forward", "batch_norm_backward"]


cdef extern from *:
    """
    /* The channels-last rows (inner == 1): one row of C channels at a time. `restrict` tells the
       compiler the arrays never overlap (they are distinct buffers), so it can vectorize. */
    #define PYNET_BN_ROWS(T, SUF)                                                              \
    static inline void pynet_bn_sum_##SUF(const T *restrict x, double *restrict total,         \
                                          Py_ssize_t n) {                                      \
        for (Py_ssize_t i = 0; i < n; i++) total[i] += (double)x[i];                           \
    }                                                                                          \
    static inline void pynet_bn_sqdev_##SUF(const T *restrict x, const double *restrict mean,  \
                                            double *restrict total, Py_ssize_t n) {            \
        for (Py_ssize_t i = 0; i < n; i++) {                                                   \
            double d = (double)x[i] - mean[i];                                                 \
            total[i] += d * d;                                                                 \
        }                                                                                      \
    }                                                                                          \
    static inline void pynet_bn_affine_##SUF(const T *restrict x, const T *restrict centre,    \
                                             const T *restrict scale, const T *restrict shift, \
                                             T *restrict y, Py_ssize_t n) {                    \
        for (Py_ssize_t i = 0; i < n; i++) y[i] = (x[i] - centre[i]) * scale[i] + shift[i];    \
    }                                                                                          \
    static inline void pynet_bn_gsums_##SUF(const T *restrict x, const T *restrict g,          \
                                            const T *restrict mean, const T *restrict inv,     \
                                            double *restrict dgamma, double *restrict dbeta,   \
                                            Py_ssize_t n) {                                    \
        for (Py_ssize_t i = 0; i < n; i++) {                                                   \
            dbeta[i] += (double)g[i];                                                          \
            dgamma[i] += (double)g[i] * (double)((x[i] - mean[i]) * inv[i]);                   \
        }                                                                                      \
    }                                                                                          \
    static inline void pynet_bn_dx_##SUF(const T *restrict x, const T *restrict g,             \
                                         const T *restrict mean, const T *restrict inv,        \
                                         const T *restrict scale, const T *restrict tb,        \
                                         const T *restrict tg, T *restrict dx, Py_ssize_t n) { \
        for (Py_ssize_t i = 0; i < n; i++)                                                     \
            dx[i] = scale[i] * (g[i] - tb[i] - (x[i] - mean[i]) * inv[i] * tg[i]);             \
    }
    PYNET_BN_ROWS(float, f)
    PYNET_BN_ROWS(double, d)
    """
    void sum_f "pynet_bn_sum_f" (const float *x, double *total, Py_ssize_t n) noexcept nogil
    void sum_d "pynet_bn_sum_d" (const double *x, double *total, Py_ssize_t n) noexcept nogil
    void sqdev_f "pynet_bn_sqdev_f" (const float *x, const double *mean, double *total,
                                     Py_ssize_t n) noexcept nogil
    void sqdev_d "pynet_bn_sqdev_d" (const double *x, const double *mean, double *total,
                                     Py_ssize_t n) noexcept nogil
    void affine_f "pynet_bn_affine_f" (const float *x, const float *centre, const float *scale,
                                       const float *shift, float *y, Py_ssize_t n) noexcept nogil
    void affine_d "pynet_bn_affine_d" (const double *x, const double *centre,
                                       const double *scale, const double *shift, double *y,
                                       Py_ssize_t n) noexcept nogil
    void gsums_f "pynet_bn_gsums_f" (const float *x, const float *g, const float *mean,
                                     const float *inv, double *dgamma, double *dbeta,
                                     Py_ssize_t n) noexcept nogil
    void gsums_d "pynet_bn_gsums_d" (const double *x, const double *g, const double *mean,
                                     const double *inv, double *dgamma, double *dbeta,
                                     Py_ssize_t n) noexcept nogil
    void dx_f "pynet_bn_dx_f" (const float *x, const float *g, const float *mean,
                               const float *inv, const float *scale, const float *tb,
                               const float *tg, float *dx, Py_ssize_t n) noexcept nogil
    void dx_d "pynet_bn_dx_d" (const double *x, const double *g, const double *mean,
                               const double *inv, const double *scale, const double *tb,
                               const double *tg, double *dx, Py_ssize_t n) noexcept nogil


cdef void _channel_sums(const floating[:, :, ::1] x, double[::1] total) noexcept nogil:
    """total[c] += Σ_{a, b} x[a, c, b]"""
    cdef Py_ssize_t a, c, b
    cdef Py_ssize_t A = x.shape[0], C = x.shape[1], B = x.shape[2]
    cdef double acc
    if B == 1:
        for a in range(A):
            if floating is float:
                sum_f(&x[a, 0, 0], &total[0], C)
            else:
                sum_d(&x[a, 0, 0], &total[0], C)
        return
    for a in range(A):
        for c in range(C):
            acc = 0.0
            for b in range(B):
                acc += x[a, c, b]
            total[c] += acc


cdef void _squared_deviations(const floating[:, :, ::1] x, const double[::1] mean,
                              double[::1] total) noexcept nogil:
    """total[c] += Σ_{a, b} (x[a, c, b] − mean[c])²"""
    cdef Py_ssize_t a, c, b
    cdef Py_ssize_t A = x.shape[0], C = x.shape[1], B = x.shape[2]
    cdef double acc, d, mu
    if B == 1:
        for a in range(A):
            if floating is float:
                sqdev_f(&x[a, 0, 0], &mean[0], &total[0], C)
            else:
                sqdev_d(&x[a, 0, 0], &mean[0], &total[0], C)
        return
    for a in range(A):
        for c in range(C):
            acc = 0.0
            mu = mean[c]
            for b in range(B):
                d = x[a, c, b] - mu
                acc += d * d
            total[c] += acc


cdef void _affine(const floating[:, :, ::1] x, const floating[::1] centre,
                  const floating[::1] scale, const floating[::1] shift,
                  floating[:, :, ::1] y) noexcept nogil:
    """y[a, c, b] = (x[a, c, b] − centre[c]) · scale[c] + shift[c]"""
    cdef Py_ssize_t a, c, b
    cdef Py_ssize_t A = x.shape[0], C = x.shape[1], B = x.shape[2]
    cdef floating mu, s, t
    if B == 1:
        for a in range(A):
            if floating is float:
                affine_f(&x[a, 0, 0], &centre[0], &scale[0], &shift[0], &y[a, 0, 0], C)
            else:
                affine_d(&x[a, 0, 0], &centre[0], &scale[0], &shift[0], &y[a, 0, 0], C)
        return
    for a in range(A):
        for c in range(C):
            mu, s, t = centre[c], scale[c], shift[c]
            for b in range(B):
                y[a, c, b] = (x[a, c, b] - mu) * s + t


cdef void _moments(const floating[:, :, ::1] x, double[::1] mean, double[::1] total_sq,
                   double m):
    """mean[c] = (1/m) Σ x;  total_sq[c] = Σ (x − mean[c])²  (the GIL released)"""
    cdef Py_ssize_t c
    with nogil:
        _channel_sums(x, mean)
        for c in range(mean.shape[0]):
            mean[c] = mean[c] / m
        _squared_deviations(x, mean, total_sq)


cdef void _affine_nogil(const floating[:, :, ::1] x, const floating[::1] centre,
                        const floating[::1] scale, const floating[::1] shift,
                        floating[:, :, ::1] y):
    """y = (x − centre)·scale + shift per channel (:func:`_affine`), with the GIL released"""
    with nogil:
        _affine(x, centre, scale, shift, y)


def batch_norm_train_forward(x, gamma, beta, *, epsilon=1e-3):
    """Normalize with the batch's statistics; returns ``(y, mean, variance, inv_std)``. Same
    contract as :func:`pynet.kernels.reference.normalization.batch_norm_train_forward`."""
    x, gamma, beta, epsilon = prepare_batch_norm_train_forward(x, gamma, beta, epsilon)
    C = x.shape[1]
    cdef double m = <double>(x.shape[0] * x.shape[2])
    cdef double[::1] mean_acc = np.zeros(C)
    cdef double[::1] var_acc = np.zeros(C)
    y = np.empty_like(x)
    if x.size:
        if x.dtype == np.float64:
            _moments[double](x, mean_acc, var_acc, m)
        else:
            _moments[float](x, mean_acc, var_acc, m)
    mean = np.asarray(mean_acc).astype(x.dtype)
    variance = (np.asarray(var_acc) / m).astype(x.dtype) if m > 0 else np.zeros(C, x.dtype)
    inv_std = inverse_std(variance, epsilon)
    scale = np.ascontiguousarray(inv_std * gamma)
    if x.size:
        if x.dtype == np.float64:
            _affine_nogil[double](x, mean, scale, beta, y)
        else:
            _affine_nogil[float](x, mean, scale, beta, y)
    return y, mean, variance, inv_std


def batch_norm_inference_forward(x, gamma, beta, mean, variance, *, epsilon=1e-3):
    """``y = γ · (x − mean) / sqrt(variance + ε) + β``. Same contract as
    :func:`pynet.kernels.reference.normalization.batch_norm_inference_forward`."""
    x, gamma, beta, mean, variance, epsilon = prepare_batch_norm_inference_forward(
        x, gamma, beta, mean, variance, epsilon)
    scale = np.ascontiguousarray(inverse_std(variance, epsilon) * gamma)
    y = np.empty_like(x)
    if x.size:
        if x.dtype == np.float64:
            _affine_nogil[double](x, mean, scale, beta, y)
        else:
            _affine_nogil[float](x, mean, scale, beta, y)
    return y


cdef void _gamma_beta_sums(const floating[:, :, ::1] x, const floating[:, :, ::1] g,
                           const floating[::1] mean, const floating[::1] inv_std,
                           double[::1] dgamma, double[::1] dbeta) noexcept nogil:
    """dβ[c] = Σ g;  dγ[c] = Σ g · (x − μ[c]) · inv_std[c]"""
    cdef Py_ssize_t a, c, b
    cdef Py_ssize_t A = x.shape[0], C = x.shape[1], B = x.shape[2]
    cdef double sg, sgx, gv
    cdef floating mu
    if B == 1:
        for a in range(A):
            if floating is float:
                gsums_f(&x[a, 0, 0], &g[a, 0, 0], &mean[0], &inv_std[0], &dgamma[0], &dbeta[0], C)
            else:
                gsums_d(&x[a, 0, 0], &g[a, 0, 0], &mean[0], &inv_std[0], &dgamma[0], &dbeta[0], C)
        return
    for a in range(A):
        for c in range(C):
            sg = 0.0
            sgx = 0.0
            mu = mean[c]
            for b in range(B):
                gv = g[a, c, b]
                sg += gv
                sgx += gv * (x[a, c, b] - mu)
            dbeta[c] += sg
            dgamma[c] += sgx * inv_std[c]


cdef void _input_grad(const floating[:, :, ::1] x, const floating[:, :, ::1] g,
                      const floating[::1] mean, const floating[::1] inv_std,
                      const floating[::1] scale, const floating[::1] beta_term,
                      const floating[::1] gamma_term, floating[:, :, ::1] dx) noexcept nogil:
    """dx = scale[c] · (g − beta_term[c] − x̂ · gamma_term[c]),  x̂ = (x − μ[c]) · inv_std[c]"""
    cdef Py_ssize_t a, c, b
    cdef Py_ssize_t A = x.shape[0], C = x.shape[1], B = x.shape[2]
    cdef floating mu, inv, s, tb, tg
    if B == 1:
        for a in range(A):
            if floating is float:
                dx_f(&x[a, 0, 0], &g[a, 0, 0], &mean[0], &inv_std[0], &scale[0], &beta_term[0],
                     &gamma_term[0], &dx[a, 0, 0], C)
            else:
                dx_d(&x[a, 0, 0], &g[a, 0, 0], &mean[0], &inv_std[0], &scale[0], &beta_term[0],
                     &gamma_term[0], &dx[a, 0, 0], C)
        return
    for a in range(A):
        for c in range(C):
            mu, inv, s, tb, tg = mean[c], inv_std[c], scale[c], beta_term[c], gamma_term[c]
            for b in range(B):
                dx[a, c, b] = s * (g[a, c, b] - tb - (x[a, c, b] - mu) * inv * tg)


cdef void _backward_sums(const floating[:, :, ::1] x, const floating[:, :, ::1] g,
                         const floating[::1] mean, const floating[::1] inv_std,
                         double[::1] dgamma, double[::1] dbeta):
    """dβ = Σ g; dγ = Σ g·x̂ per channel (:func:`_gamma_beta_sums`), with the GIL released"""
    with nogil:
        _gamma_beta_sums(x, g, mean, inv_std, dgamma, dbeta)


cdef void _input_grad_nogil(const floating[:, :, ::1] x, const floating[:, :, ::1] g,
                            const floating[::1] mean, const floating[::1] inv_std,
                            const floating[::1] scale, const floating[::1] beta_term,
                            const floating[::1] gamma_term, floating[:, :, ::1] dx):
    """dx per channel from the two sums (:func:`_input_grad`), with the GIL released"""
    with nogil:
        _input_grad(x, g, mean, inv_std, scale, beta_term, gamma_term, dx)


def batch_norm_backward(x, gamma, mean, inv_std, grad_output, *, batch_statistics=True,
                        need_input_grad=True):
    """Gradients ``(grad_input, grad_gamma, grad_beta)`` given dL/dy. Same contract as
    :func:`pynet.kernels.reference.normalization.batch_norm_backward`."""
    x, gamma, mean, inv_std, g = prepare_batch_norm_backward(x, gamma, mean, inv_std, grad_output)
    C = x.shape[1]
    m = x.shape[0] * x.shape[2]
    cdef double[::1] dgamma = np.zeros(C)
    cdef double[::1] dbeta = np.zeros(C)
    if x.size:
        if x.dtype == np.float64:
            _backward_sums[double](x, g, mean, inv_std, dgamma, dbeta)
        else:
            _backward_sums[float](x, g, mean, inv_std, dgamma, dbeta)
    grad_gamma = np.asarray(dgamma).astype(x.dtype)
    grad_beta = np.asarray(dbeta).astype(x.dtype)
    if not need_input_grad:
        return None, grad_gamma, grad_beta
    scale = np.ascontiguousarray(gamma * inv_std)
    if batch_statistics and m > 0:
        beta_term = (np.asarray(dbeta) / m).astype(x.dtype)
        gamma_term = (np.asarray(dgamma) / m).astype(x.dtype)
    else:
        beta_term = np.zeros(C, x.dtype)
        gamma_term = np.zeros(C, x.dtype)
    dx = np.empty_like(x)
    if x.size:
        if x.dtype == np.float64:
            _input_grad_nogil[double](x, g, mean, inv_std, scale, beta_term, gamma_term, dx)
        else:
            _input_grad_nogil[float](x, g, mean, inv_std, scale, beta_term, gamma_term, dx)
    return dx, grad_gamma, grad_beta
