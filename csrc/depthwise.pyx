"""Compiled twins of pynet/kernels/reference/depthwise.py (same names, signatures and checks).

Direct loops, channels last. For each output pixel the kernel taps that land outside the image
(the zeros of 'same' padding) are skipped, so no padded copy is made; the innermost loops run
over the channels and their multipliers, which are contiguous in memory both in the image
(``C``) and in the kernel and output (``C·M``). The work is ``kh·kw·C·M`` multiply-adds per
output pixel: too little per weight for a matrix product to pay, which is why this is not im2col.
"""
from cython cimport floating
import numpy as np

from pynet.kernels._checks.depthwise import (
    prepare_depthwise_conv2d_backward, prepare_depthwise_conv2d_forward,
)

__all__ = ["depthwise_conv2d_forward", "depthwise_conv2d_backward"]


cdef struct Geometry:
    Py_ssize_t n, h, w, c, m, kh, kw, sh, sw, dh, dw, oh, ow, pt, pl


cdef Geometry _geometry(tuple x_shape, tuple k_shape, tuple geometry):
    """The checked shapes, strides, dilation, output size and padding as one struct"""
    cdef Geometry g
    strides, dilation, oh, ow, pt, pl = geometry
    g.n, g.h, g.w, g.c = x_shape
    g.kh, g.kw, _, g.m = k_shape
    g.sh, g.sw = strides
    g.dh, g.dw = dilation
    g.oh, g.ow, g.pt, g.pl = oh, ow, pt, pl
    return g


cdef extern from *:
    """
    /* One kernel tap for one output pixel, over all channels. `restrict` tells the compiler the
       image, kernel, gradient and output never overlap (they are distinct arrays), which is what
       lets it use vector instructions; M == 1 (the usual depth multiplier) gets its own loop. */
    #define PYNET_DW_TAPS(T, SUF)                                                               \
    static inline void pynet_dw_fwd_##SUF(const T *restrict src, const T *restrict k,          \
                                          T *restrict dst, Py_ssize_t c, Py_ssize_t m) {       \
        if (m == 1) { for (Py_ssize_t i = 0; i < c; i++) dst[i] += src[i] * k[i]; return; }    \
        for (Py_ssize_t i = 0; i < c; i++) {                                                   \
            T v = src[i];                                                                      \
            for (Py_ssize_t j = 0; j < m; j++) dst[i * m + j] += v * k[i * m + j];             \
        }                                                                                      \
    }                                                                                          \
    static inline void pynet_dw_bwd_##SUF(const T *restrict src, const T *restrict k,          \
                                          const T *restrict g, T *restrict dk,                 \
                                          T *restrict dsrc, Py_ssize_t c, Py_ssize_t m) {      \
        if (m == 1) {                                                                          \
            for (Py_ssize_t i = 0; i < c; i++) dk[i] += src[i] * g[i];                         \
            if (dsrc) for (Py_ssize_t i = 0; i < c; i++) dsrc[i] += g[i] * k[i];               \
            return;                                                                            \
        }                                                                                      \
        for (Py_ssize_t i = 0; i < c; i++) {                                                   \
            T v = src[i], acc = 0;                                                             \
            for (Py_ssize_t j = 0; j < m; j++) {                                               \
                dk[i * m + j] += v * g[i * m + j];                                             \
                acc += g[i * m + j] * k[i * m + j];                                            \
            }                                                                                  \
            if (dsrc) dsrc[i] += acc;                                                          \
        }                                                                                      \
    }
    PYNET_DW_TAPS(float, f)
    PYNET_DW_TAPS(double, d)
    """
    void dw_fwd_f "pynet_dw_fwd_f" (const float *src, const float *k, float *dst,
                                    Py_ssize_t c, Py_ssize_t m) noexcept nogil
    void dw_fwd_d "pynet_dw_fwd_d" (const double *src, const double *k, double *dst,
                                    Py_ssize_t c, Py_ssize_t m) noexcept nogil
    void dw_bwd_f "pynet_dw_bwd_f" (const float *src, const float *k, const float *g, float *dk,
                                    float *dsrc, Py_ssize_t c, Py_ssize_t m) noexcept nogil
    void dw_bwd_d "pynet_dw_bwd_d" (const double *src, const double *k, const double *g,
                                    double *dk, double *dsrc, Py_ssize_t c, Py_ssize_t m) noexcept nogil


cdef inline void _tap_forward(const floating *src, const floating *k, floating *dst,
                              Py_ssize_t c, Py_ssize_t m) noexcept nogil:
    """dst[ch·M + j] += src[ch] · k[ch·M + j]"""
    if floating is float:
        dw_fwd_f(src, k, dst, c, m)
    else:
        dw_fwd_d(src, k, dst, c, m)


cdef void _forward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] kernel,
                   const floating *bias, floating[:, :, :, ::1] y, Geometry g):
    """y[n, i, j, c·M + m] = b + Σ_{p,q} x[n, i·s + p·d − pad, j·s + q·d − pad, c]·K[p, q, c, m]"""
    cdef Py_ssize_t n, i, j, p, q, r, s, ch
    cdef Py_ssize_t cm = g.c * g.m
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0, 0]
    cdef floating *dst
    with nogil:
        for n in range(g.n):
            for i in range(g.oh):
                for j in range(g.ow):
                    dst = &y[n, i, j, 0]
                    for ch in range(cm):
                        dst[ch] = bias[ch] if bias != NULL else 0
                    for p in range(g.kh):
                        r = i * g.sh - g.pt + p * g.dh
                        if r < 0 or r >= g.h:
                            continue               # a padded row: adds zero
                        for q in range(g.kw):
                            s = j * g.sw - g.pl + q * g.dw
                            if s < 0 or s >= g.w:
                                continue
                            _tap_forward(xp + ((n * g.h + r) * g.w + s) * g.c,
                                         kp + (p * g.kw + q) * cm, dst, g.c, g.m)


def depthwise_conv2d_forward(x, kernel, bias=None, *, strides=1, padding="valid", dilation=1):
    """Depthwise cross-correlation, NHWC -> (N, OH, OW, C·M). Same contract as
    :func:`pynet.kernels.reference.depthwise.depthwise_conv2d_forward`."""
    x, kernel, bias, geometry = prepare_depthwise_conv2d_forward(
        x, kernel, bias, strides, padding, dilation)
    cdef Geometry g = _geometry(x.shape, kernel.shape, geometry)
    y = np.empty((g.n, g.oh, g.ow, g.c * g.m), dtype=x.dtype)
    if y.size == 0:
        return y
    cdef double[::1] b64
    cdef float[::1] b32
    if x.dtype == np.float64:
        if bias is not None:
            b64 = bias
        _forward[double](x, kernel, &b64[0] if bias is not None else NULL, y, g)
    else:
        if bias is not None:
            b32 = bias
        _forward[float](x, kernel, &b32[0] if bias is not None else NULL, y, g)
    return y


cdef inline void _tap_backward(const floating *src, const floating *k, const floating *grad,
                               floating *dk, floating *dsrc, Py_ssize_t c,
                               Py_ssize_t m) noexcept nogil:
    """dk[ch·M + j] += src[ch] · grad[ch·M + j];  dsrc[ch] += Σ_j grad[ch·M + j] · k[ch·M + j]
    (dsrc NULL: no input gradient)"""
    if floating is float:
        dw_bwd_f(src, k, grad, dk, dsrc, c, m)
    else:
        dw_bwd_d(src, k, grad, dk, dsrc, c, m)


cdef void _backward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] kernel,
                    const floating[:, :, :, ::1] grad, floating[:, :, :, ::1] dkernel,
                    floating *dx, Geometry g):
    """dK[p, q, c, m] = Σ_{n,i,j} x[…, c]·g[n, i, j, c·M + m]; dx[…, c] += Σ_m K[p, q, c, m]·g[…]"""
    cdef Py_ssize_t n, i, j, p, q, r, s, offset
    cdef Py_ssize_t cm = g.c * g.m
    cdef const floating *xp = &x[0, 0, 0, 0]
    cdef const floating *kp = &kernel[0, 0, 0, 0]
    cdef floating *dkp = &dkernel[0, 0, 0, 0]
    cdef const floating *gp
    cdef bint need_dx = dx != NULL
    with nogil:
        for n in range(g.n):
            for i in range(g.oh):
                for j in range(g.ow):
                    gp = &grad[n, i, j, 0]
                    for p in range(g.kh):
                        r = i * g.sh - g.pt + p * g.dh
                        if r < 0 or r >= g.h:
                            continue
                        for q in range(g.kw):
                            s = j * g.sw - g.pl + q * g.dw
                            if s < 0 or s >= g.w:
                                continue
                            offset = ((n * g.h + r) * g.w + s) * g.c
                            _tap_backward(xp + offset, kp + (p * g.kw + q) * cm, gp,
                                          dkp + (p * g.kw + q) * cm,
                                          dx + offset if need_dx else NULL, g.c, g.m)


def depthwise_conv2d_backward(x, kernel, grad_output, *, strides=1, padding="valid", dilation=1,
                              need_input_grad=True, need_bias_grad=True):
    """Gradients ``(grad_input, grad_kernel, grad_bias)`` given dL/dy. Same contract as
    :func:`pynet.kernels.reference.depthwise.depthwise_conv2d_backward`."""
    x, kernel, grad_output, geometry = prepare_depthwise_conv2d_backward(
        x, kernel, grad_output, strides, padding, dilation)
    cdef Geometry g = _geometry(x.shape, kernel.shape, geometry)
    grad_kernel = np.zeros_like(kernel)
    grad_input = np.zeros_like(x) if need_input_grad else None
    grad_bias = grad_output.sum(axis=(0, 1, 2)) if need_bias_grad else None
    if grad_output.size == 0 or x.size == 0:
        return grad_input, grad_kernel, grad_bias
    cdef double[:, :, :, ::1] dx64
    cdef float[:, :, :, ::1] dx32
    if x.dtype == np.float64:
        if need_input_grad:
            dx64 = grad_input
        _backward[double](x, kernel, grad_output, grad_kernel,
                          &dx64[0, 0, 0, 0] if need_input_grad else NULL, g)
    else:
        if need_input_grad:
            dx32 = grad_input
        _backward[float](x, kernel, grad_output, grad_kernel,
                         &dx32[0, 0, 0, 0] if need_input_grad else NULL, g)
    return grad_input, grad_kernel, grad_bias
