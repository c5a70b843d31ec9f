"""Dense-layer and optimizer kernels in plain NumPy: the readable twins of ``csrc/dense.pyx``.

Shapes: a batch ``x`` is ``(n, d)`` (n samples in rows), a Dense kernel is ``(d, units)`` and its
bias ``(units,)``, so the layer computes ``z = x @ kernel + bias`` and ``y = f(z)``; its backward
pass, given ``g = dL/dz``, is ``dL/dkernel = xᵀ g``, ``dL/dbias = Σ_rows g``, ``dL/dx = g kernelᵀ``.

The optimizer kernels update ``param`` and their state arrays in place, elementwise, for any
shape (conv kernels included).
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit as _expit

from .._checks.dense import (
    KERAS_EPSILON, LINEAR, NONNEGATIVE, RELU, SIGMOID, TANH, UNIT_INTERVAL, prepare_activation,
    prepare_dense_backward, prepare_dense_forward, prepare_update,
)

__all__ = ["dense_forward", "dense_backward", "activation_forward", "activation_backward",
           "sgd_update", "rmsprop_update", "adam_update", "adagrad_update"]


def _activate(activation, z, out):
    """``out = f(z)`` (``out`` may be ``z``)."""
    if activation == LINEAR:
        if out is not z:
            out[...] = z
    elif activation == RELU:
        np.maximum(z, 0, out=out)
    elif activation == SIGMOID:
        _expit(z, out=out)
    elif activation == TANH:
        np.tanh(z, out=out)
    else:  # softmax over each row, the row maximum subtracted so exp never overflows
        np.subtract(z, z.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=1, keepdims=True)
    return out


def dense_forward(x, kernel, bias=None, activation=LINEAR, *, out=None):
    """``y = f(x @ kernel + bias)``.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    kernel : ndarray, shape (d, units)
    bias : ndarray, shape (units,), optional
    activation : {'linear', 'relu', 'sigmoid', 'tanh', 'softmax'}
        Softmax is taken over each row.
    out : ndarray, shape (n, units), optional
        C-contiguous output of the inputs' dtype; must not overlap ``x`` or ``kernel``.

    Returns
    -------
    ndarray, shape (n, units)
    """
    x, kernel, bias, activation, out = prepare_dense_forward(x, kernel, bias, activation, out)
    np.matmul(x, kernel, out=out)
    if bias is not None:
        out += bias
    return _activate(activation, out, out)


def dense_backward(x, kernel, grad_z, grad_kernel, grad_bias=None, *, need_grad_x=True):
    """Gradients of a dense layer from ``grad_z = dL/dz`` (z = x @ kernel + bias).

    Writes ``grad_kernel = xᵀ @ grad_z`` (d, units) and ``grad_bias = grad_z.sum(0)`` (units,)
    in place, and returns ``dL/dx = grad_z @ kernelᵀ`` (n, d), or None when ``need_grad_x`` is
    false (the first layer of a model: nobody needs the gradient of the data).
    """
    x, kernel, grad_z, grad_kernel, grad_bias, grad_x = prepare_dense_backward(
        x, kernel, grad_z, grad_kernel, grad_bias, need_grad_x)
    np.matmul(x.T, grad_z, out=grad_kernel)
    if grad_bias is not None:
        np.sum(grad_z, axis=0, out=grad_bias)
    if grad_x is not None:
        np.matmul(grad_z, kernel.T, out=grad_x)
    return grad_x


def activation_forward(activation, z, *, out=None):
    """``y = f(z)`` on a 2-D batch (softmax over rows); ``out=z`` works in place."""
    activation, z, _, out = prepare_activation("activation_forward", activation, z, None, out, "z")
    return _activate(activation, z, out)


def activation_backward(activation, y, grad, *, out=None):
    """``dL/dz`` from the output ``y = f(z)`` and ``grad = dL/dy`` (2-D batches).

    linear: g; relu: g·[y > 0]; sigmoid: g·y(1 − y); tanh: g·(1 − y²);
    softmax (per row): y ⊙ (g − Σ_j g_j y_j).
    """
    activation, y, grad, out = prepare_activation("activation_backward", activation, y, grad,
                                                  out, "y", "grad")
    one = y.dtype.type(1)
    if activation == LINEAR:
        out[...] = grad
    elif activation == RELU:
        np.multiply(grad, y > 0, out=out)
    elif activation == SIGMOID:
        out[...] = grad * y * (one - y)
    elif activation == TANH:
        out[...] = grad * (one - y * y)
    else:
        out[...] = y * (grad - (grad * y).sum(axis=1, keepdims=True))
    return out


def sgd_update(param, grad, velocity, learning_rate, momentum=0.0, nesterov=False):
    """Stochastic gradient descent, in place (Keras's rule).

    Without momentum ``w ← w − η g``. With momentum μ: ``v ← μ v − η g`` then ``w ← w + v``,
    or with Nesterov ``w ← w + μ v − η g``. ``velocity`` (same shape as ``param``) may be None
    when ``momentum`` is 0.
    """
    param, grad, slots, s = prepare_update(
        "sgd_update", param, grad, {"velocity": velocity},
        {"learning_rate": (learning_rate, *NONNEGATIVE), "momentum": (momentum, *UNIT_INTERVAL)})
    lr = param.dtype.type(s["learning_rate"])
    mu = param.dtype.type(s["momentum"])
    v = slots["velocity"]
    if s["momentum"] == 0.0 or v is None:
        if s["momentum"] != 0.0:
            raise ValueError("sgd_update(): momentum > 0 needs a 'velocity' array")
        param -= lr * grad
        return param
    v *= mu
    v -= lr * grad
    if nesterov:
        param += mu * v - lr * grad
    else:
        param += v
    return param


def rmsprop_update(param, grad, mean_square, learning_rate, rho=0.9, epsilon=KERAS_EPSILON):
    """RMSprop, in place: ``s ← ρ s + (1 − ρ) g²``, ``w ← w − η g / (√s + ε)``."""
    param, grad, slots, s = prepare_update(
        "rmsprop_update", param, grad, {"mean_square": mean_square},
        {"learning_rate": (learning_rate, *NONNEGATIVE), "rho": (rho, *UNIT_INTERVAL),
         "epsilon": (epsilon, *NONNEGATIVE)})
    t = param.dtype.type
    ms = slots["mean_square"]
    ms *= t(s["rho"])
    ms += t(1.0 - s["rho"]) * grad * grad
    param -= t(s["learning_rate"]) * grad / (np.sqrt(ms) + t(s["epsilon"]))
    return param


def adam_update(param, grad, m, v, learning_rate_t, beta_1=0.9, beta_2=0.999,
                epsilon=KERAS_EPSILON):
    """Adam, in place: ``m ← β₁ m + (1 − β₁) g``, ``v ← β₂ v + (1 − β₂) g²``,
    ``w ← w − η_t m / (√v + ε)``, where the caller passes the bias-corrected
    ``η_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)``."""
    param, grad, slots, s = prepare_update(
        "adam_update", param, grad, {"m": m, "v": v},
        {"learning_rate_t": (learning_rate_t, *NONNEGATIVE), "beta_1": (beta_1, *UNIT_INTERVAL),
         "beta_2": (beta_2, *UNIT_INTERVAL), "epsilon": (epsilon, *NONNEGATIVE)})
    t = param.dtype.type
    m, v = slots["m"], slots["v"]
    m *= t(s["beta_1"])
    m += t(1.0 - s["beta_1"]) * grad
    v *= t(s["beta_2"])
    v += t(1.0 - s["beta_2"]) * grad * grad
    param -= t(s["learning_rate_t"]) * m / (np.sqrt(v) + t(s["epsilon"]))
    return param


def adagrad_update(param, grad, accumulator, learning_rate, epsilon=KERAS_EPSILON):
    """Adagrad, in place: ``a ← a + g²``, ``w ← w − η g / (√a + ε)``."""
    param, grad, slots, s = prepare_update(
        "adagrad_update", param, grad, {"accumulator": accumulator},
        {"learning_rate": (learning_rate, *NONNEGATIVE), "epsilon": (epsilon, *NONNEGATIVE)})
    t = param.dtype.type
    acc = slots["accumulator"]
    acc += grad * grad
    param -= t(s["learning_rate"]) * grad / (np.sqrt(acc) + t(s["epsilon"]))
    return param
