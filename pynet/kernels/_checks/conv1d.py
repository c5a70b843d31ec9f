"""Argument preparation and length arithmetic for the 1-D convolution kernels (both backends).

Layout: sequences are ``(batch, steps, channels)`` (Keras's ``channels_last``) and a kernel is
``(kernel_size, in_channels, filters)``, Keras's order.

Output length for ``n`` steps, window ``k``, stride ``s``, dilation ``d`` (the dilated window spans
``k_eff = (k − 1)·d + 1`` steps):

* ``'valid'``:  ``⌊(n − k_eff)/s⌋ + 1`` (the window must fit: ``n ≥ k_eff``);
* ``'same'``:   ``⌈n/s⌉``, zeros split as in 2-D (the odd one after the sequence);
* ``'causal'``: ``⌈n/s⌉``, all ``k_eff − 1`` zeros *before* the sequence, so output ``t`` sees
  only inputs ``≤ t·s`` — nothing from the future (WaveNet's dilated causal convolutions).
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate

from . import as_float_array, describe, same_dtype, writable_output
from .conv import SAME, VALID, normalize_activation, output_length
from .dense import LINEAR, RELU

#: 1-D adds Keras's third mode: all the zeros before the sequence (see the module docstring).
CAUSAL = "causal"
PADDINGS_1D = (VALID, SAME, CAUSAL)


def normalize_int(name: str, value, *, where: str, minimum: int = 1) -> int:
    """An int ``>= minimum``; a 1-tuple ``(3,)`` is accepted, as Keras accepts it."""
    v = value
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"{where}: {name} must be an int or a 1-tuple, got {value!r}")
        v = v[0]
    return validate.integer(where, name, v, low=minimum)


def normalize_padding_1d(padding, *, where: str, allowed=PADDINGS_1D) -> str:
    if not isinstance(padding, str) or padding.lower() not in allowed:
        raise ValueError(f"{where}: padding must be one of {', '.join(map(repr, allowed))}, "
                         f"got {padding!r}")
    return padding.lower()


def output_length_1d(n: int, k: int, s: int, d: int, padding: str, *, where: str = ""):
    """``(out, pad_before, pad_after)`` along the steps axis."""
    if padding == CAUSAL:
        pad = (k - 1) * d
        return (n - 1) // s + 1 if n > 0 else 0, pad, 0
    return output_length(n, k, s, d, padding, where=where, axis="steps")


def sequence_batch(name: str, x, *, kernel: str) -> np.ndarray:
    """A 3-D float batch ``(batch, steps, channels)``, C-contiguous."""
    a = np.asarray(x)
    if a.ndim != 3:
        hint = " — one feature per step? add a channel axis with x[..., None]" if a.ndim == 2 else ""
        raise ValueError(f"{kernel}(): argument {name!r} must be 3-D (batch, steps, channels), "
                         f"got {describe(a)}{hint}")
    return as_float_array(name, a, kernel=kernel)


def _geometry(where, x, kernel, strides, padding, dilation):
    strides = normalize_int("strides", strides, where=where)
    dilation = normalize_int("dilation", dilation, where=where)
    padding = normalize_padding_1d(padding, where=where)
    n, steps, c = x.shape
    k, kc, f = kernel.shape
    if kc != c:
        raise ValueError(f"{where}: kernel expects {kc} input channels (kernel shape "
                         f"{kernel.shape} = (kernel_size, in_channels, filters)) but x has {c} "
                         f"(x shape {x.shape}, channels last)")
    out_len, pad_before, _ = output_length_1d(steps, k, strides, dilation, padding, where=where)
    return strides, dilation, out_len, pad_before


def prepare_conv1d_forward(x, kernel, bias, strides, padding, dilation, out, activation=LINEAR):
    """Validate ``conv1d_forward``; return ``(x, kernel, bias, out, geometry, activation)`` with
    ``geometry = (stride, dilation, out_len, pad_before)``."""
    k = "conv1d_forward"
    where = f"{k}()"
    activation = normalize_activation(activation, where=where)
    x = sequence_batch("x", x, kernel=k)
    kernel = as_float_array("kernel", kernel, ndim=3, kernel=k)
    arrays = {"x": x, "kernel": kernel}
    if bias is not None:
        bias = as_float_array("bias", bias, ndim=1, kernel=k)
        arrays["bias"] = bias
    dtype = same_dtype(k, arrays)
    geometry = _geometry(where, x, kernel, strides, padding, dilation)
    f = kernel.shape[2]
    if bias is not None and bias.shape[0] != f:
        raise ValueError(f"{where}: bias must have shape ({f},) (one per filter), got {bias.shape}")
    shape = (x.shape[0], geometry[2], f)
    if out is None:
        out = np.empty(shape, dtype=dtype)
    else:
        out = writable_output("out", out, shape, dtype, kernel=k)
        if np.may_share_memory(out, x) or np.may_share_memory(out, kernel):
            raise ValueError(f"{where}: out must not share memory with x or kernel")
    return x, kernel, bias, out, geometry, activation


def prepare_conv1d_backward(x, kernel, grad_output, strides, padding, dilation,
                            activation=LINEAR, output=None):
    """Validate ``conv1d_backward``; return ``(x, kernel, grad_z, geometry)`` (with
    ``activation='relu'``, ``grad_z = grad_output · [output > 0]``)."""
    k = "conv1d_backward"
    where = f"{k}()"
    activation = normalize_activation(activation, where=where)
    x = sequence_batch("x", x, kernel=k)
    kernel = as_float_array("kernel", kernel, ndim=3, kernel=k)
    grad_output = as_float_array("grad_output", grad_output, ndim=3, kernel=k)
    same_dtype(k, {"x": x, "kernel": kernel, "grad_output": grad_output})
    geometry = _geometry(where, x, kernel, strides, padding, dilation)
    want = (x.shape[0], geometry[2], kernel.shape[2])
    if grad_output.shape != want:
        raise ValueError(f"{where}: grad_output must have the forward output's shape {want}, "
                         f"got {grad_output.shape}")
    if activation == RELU:
        if output is None:
            raise ValueError(f"{where}: activation='relu' needs output=, the forward pass's "
                             "result (the ReLU's derivative is read from it)")
        output = as_float_array("output", output, ndim=3, kernel=k)
        if output.shape != grad_output.shape or output.dtype != grad_output.dtype:
            raise ValueError(f"{where}: output must be the forward result, {grad_output.dtype} "
                             f"of shape {grad_output.shape}, got {describe(output)}")
        grad_output = grad_output * (output > 0)
    return x, kernel, grad_output, geometry
