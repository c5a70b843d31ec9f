"""Argument preparation for the dense-layer kernels (both backends call these, so both raise the
same messages)."""
from __future__ import annotations

import numpy as np

from . import (FLOAT_DTYPES, as_float_array, blas_dims, describe, overlaps, require_scalar,
               same_dtype, separate, writable_output)


#: Activation names, as Keras spells them (csrc/dense.pyx maps each to its ``cdef enum Act`` code).
LINEAR, RELU, SIGMOID, TANH, SOFTMAX = "linear", "relu", "sigmoid", "tanh", "softmax"

#: Activations the dense kernels know.
ACTIVATIONS = (LINEAR, RELU, SIGMOID, TANH, SOFTMAX)

#: Keras's ``backend.epsilon()``: the ε in ``η g / (√s + ε)`` that keeps an optimizer step finite
#: where the running average ``s`` is still zero.
KERAS_EPSILON = 1e-7

#: Ranges of the optimizer scalars, as ``(low, low_open, high)`` for :func:`prepare_update`:
#: ``NONNEGATIVE`` is [0, ∞) (a learning rate, ε), ``UNIT_INTERVAL`` is [0, 1] (momentum, ρ, β).
NONNEGATIVE = (0.0, False, None)
UNIT_INTERVAL = (0.0, False, 1.0)


def check_activation(kernel, activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"{kernel}(): argument 'activation' must be one of "
                         f"{', '.join(ACTIVATIONS)}, got {activation!r}")
    return activation


def prepare_dense_forward(x, kernel, bias, activation, out):
    """Return ``(x, kernel, bias, activation, out)``: x (n, d), kernel (d, u), bias (u,) or
    None, out (n, u), all C-contiguous of one dtype."""
    name = "dense_forward"
    activation = check_activation(name, activation)
    x = as_float_array("x", x, ndim=2, kernel=name)
    kernel = as_float_array("kernel", kernel, ndim=2, kernel=name)
    arrays = {"x": x, "kernel": kernel}
    if bias is not None:
        bias = as_float_array("bias", bias, ndim=1, kernel=name)
        arrays["bias"] = bias
    dtype = same_dtype(name, **arrays)
    n, d = x.shape
    if kernel.shape[0] != d:
        raise ValueError(f"{name}(): x has {d} features per row but kernel is {kernel.shape} "
                         f"(expects {kernel.shape[0]})")
    units = kernel.shape[1]
    if bias is not None and bias.shape[0] != units:
        raise ValueError(f"{name}(): bias has {bias.shape[0]} entries, kernel has {units} columns")
    if out is None:
        out = np.empty((n, units), dtype=dtype)
    else:
        out = writable_output("out", out, (n, units), dtype, kernel=name)
        read = separate(name, {"out": out}, {"x": x, "kernel": kernel, "bias": bias})
        x, kernel, bias = read["x"], read["kernel"], read["bias"]
    blas_dims(name, rows=n, features=d, units=units)
    return x, kernel, bias, activation, out


def prepare_dense_backward(x, kernel, grad_z, grad_kernel, grad_bias, need_grad_x):
    """Return ``(x, kernel, grad_z, grad_kernel, grad_bias, grad_x)``; grad_x is a new (n, d)
    array or None."""
    name = "dense_backward"
    x = as_float_array("x", x, ndim=2, kernel=name)
    kernel = as_float_array("kernel", kernel, ndim=2, kernel=name)
    grad_z = as_float_array("grad_z", grad_z, ndim=2, kernel=name)
    dtype = same_dtype(name, x=x, kernel=kernel, grad_z=grad_z)
    n, d = x.shape
    units = kernel.shape[1]
    if kernel.shape[0] != d or grad_z.shape != (n, units):
        raise ValueError(f"{name}(): shapes do not fit: x {x.shape}, kernel {kernel.shape}, "
                         f"grad_z {grad_z.shape} (expected grad_z {(n, units)})")
    grad_kernel = writable_output("grad_kernel", grad_kernel, kernel.shape, dtype, kernel=name)
    if grad_bias is not None:
        grad_bias = writable_output("grad_bias", grad_bias, (units,), dtype, kernel=name)
    read = separate(name, {"grad_kernel": grad_kernel, "grad_bias": grad_bias},
                    {"x": x, "kernel": kernel, "grad_z": grad_z})
    x, kernel, grad_z = read["x"], read["kernel"], read["grad_z"]
    blas_dims(name, rows=n, features=d, units=units)
    grad_x = np.empty((n, d), dtype=dtype) if need_grad_x else None
    return x, kernel, grad_z, grad_kernel, grad_bias, grad_x


def prepare_activation(kernel_name, activation, a, b, out, a_name, b_name=None):
    """Elementwise activation kernels on 2-D (batch, features) arrays."""
    activation = check_activation(kernel_name, activation)
    a = as_float_array(a_name, a, ndim=2, kernel=kernel_name)
    if b is not None:
        b = as_float_array(b_name, b, ndim=2, kernel=kernel_name)
        same_dtype(kernel_name, **{a_name: a, b_name: b})
        if b.shape != a.shape:
            raise ValueError(f"{kernel_name}(): {a_name} is {a.shape} but {b_name} is {b.shape}")
    if out is None:
        out = np.empty_like(a)
    else:
        out = writable_output("out", out, a.shape, a.dtype, kernel=kernel_name)
        # out=a exactly (same start, same layout) is elementwise and safe in place; any other
        # overlap (a[:-1] into a[1:]) would read entries already overwritten: copy first.
        if out.ctypes.data != a.ctypes.data or out.strides != a.strides:
            a = separate(kernel_name, {"out": out}, {a_name: a})[a_name]
        if b is not None:
            b = separate(kernel_name, {"out": out}, {b_name: b})[b_name]
    return activation, a, b, out


def prepare_update(kernel_name, param, grad, slots, scalars):
    """In-place optimizer updates: ``param`` and every slot are written, so they must be
    C-contiguous, writeable and of one dtype; ``grad`` is read (any layout, same dtype).

    ``slots`` maps slot names to arrays (or None when unused); ``scalars`` maps names to
    ``(value, low, low_open, high)`` (see :data:`NONNEGATIVE`). Returns
    ``(param, grad, slots, scalars)``."""
    if not isinstance(param, np.ndarray):
        raise TypeError(f"{kernel_name}(): argument 'param' must be a numpy array, got "
                        f"{type(param).__name__}")
    if param.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{kernel_name}(): argument 'param' must be float32 or float64, "
                        f"got {param.dtype}")
    shape, dtype = param.shape, param.dtype
    param = writable_output("param", param, shape, dtype, kernel=kernel_name)
    if not (type(grad) is np.ndarray and grad.flags.c_contiguous and grad.dtype == dtype):
        grad = as_float_array("grad", grad, kernel=kernel_name).reshape(np.shape(grad))
    if grad.shape != shape:
        raise ValueError(f"{kernel_name}(): grad is {describe(grad)} but param has shape {shape}")
    if grad.dtype != dtype:
        same_dtype(kernel_name, param=param, grad=grad)
    out_slots = {}
    written = [("param", param)]
    for sname, arr in slots.items():
        if arr is None:
            out_slots[sname] = None
        else:
            out_slots[sname] = writable_output(sname, arr, shape, dtype, kernel=kernel_name)
            written.append((sname, arr))
    for i, (name_a, arr_a) in enumerate(written):
        for name_b, arr_b in written[i + 1:]:
            if np.may_share_memory(arr_a, arr_b) and overlaps(arr_a, arr_b):
                raise ValueError(f"{kernel_name}(): {name_a!r} and {name_b!r} share memory; each "
                                 "state array must be its own")
        if np.may_share_memory(grad, arr_a) and overlaps(grad, arr_a):
            grad = grad.copy()  # read while the other is written: take a snapshot
    out_scalars = {}
    where = f"{kernel_name}()"
    for sname, (value, low, low_open, high) in scalars.items():
        out_scalars[sname] = require_scalar(sname, value, where=where, low=low,
                                            low_open=low_open, high=high)
    return param, grad, out_slots, out_scalars
