"""Argument preparation for the recurrent and embedding kernels (both backends call these).

Layout
------
The recurrent kernels work **time-major**: a sequence batch is ``x (T, B, F)`` (timesteps,
batch, features), states and outputs are ``(T, B, units)``, a mask is ``(T, B)``. One time
step is then one contiguous ``(B, ·)`` block, which is what a per-step matrix product wants.
The layers, which take Keras's batch-major ``(batch, timesteps, features)``, transpose once.

Weights are in Keras's layout: ``kernel (F, k·units)``, ``recurrent_kernel (units, k·units)``,
``bias (k·units,)`` — or ``(2, 3·units)`` for a GRU with ``reset_after=True`` (input bias row,
recurrent bias row) — with ``k`` = 1 (SimpleRNN), 4 (LSTM: gates i, f, c, o) or 3 (GRU:
z, r, h).

Masks
-----
``mask (T, B)`` holds 1 where a step is real and 0 where it is padding (bool or 0/1 numbers).
At a masked step the state is carried over unchanged (Keras's rule), so the output at that step
repeats the previous one. ``recurrent_mask (B, units)`` multiplies the previous state before it
enters the recurrent product (the same mask at every step: Gal's recurrent dropout, already
scaled by ``1/(1 − rate)``).
"""
from __future__ import annotations

import numbers

import numpy as np

from . import as_float_array, describe, same_dtype

#: Activations the recurrent kernels compute themselves (the derivative is read from the output).
ACTIVATIONS = ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear")

_ACTIVATION_SET = frozenset(ACTIVATIONS)

#: Gate blocks per cell: SimpleRNN 1, LSTM 4 (i, f, c, o), GRU 3 (z, r, h).
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}


def normalize_activation(name, *, argument: str, where: str) -> str:
    """One of :data:`ACTIVATIONS` (``None`` means linear, as in Keras)."""
    if type(name) is str and name in _ACTIVATION_SET:
        return name                 # already a lower-case name the kernels know
    value = "linear" if name is None else name
    if not isinstance(value, str) or value.lower() not in ACTIVATIONS:
        raise ValueError(f"{where}: {argument} must be one of {', '.join(ACTIVATIONS)} "
                         f"(the recurrent kernels compute it themselves), got {name!r}")
    return value.lower()


def sequence_batch(x, *, kernel: str) -> np.ndarray:
    """A 3-D float array ``(timesteps, batch, features)``, C-contiguous."""
    if type(x) is np.ndarray and x.ndim == 3:
        return as_float_array("x", x, kernel=kernel)
    a = np.asarray(x)
    if a.ndim != 3:
        raise ValueError(f"{kernel}(): argument 'x' must be 3-D (timesteps, batch, features) "
                         f"(time-major), got {describe(a)}")
    return as_float_array("x", a, kernel=kernel)


def _mask(mask, shape, dtype, *, kernel: str, name: str = "mask"):
    if mask is None:
        return None
    m = np.asarray(mask)
    if m.shape != tuple(shape):
        raise ValueError(f"{kernel}(): argument {name!r} must have shape {tuple(shape)} "
                         f"(timesteps, batch), got {describe(m)}")
    if m.dtype.kind not in "biuf":
        raise TypeError(f"{kernel}(): argument {name!r} must be bool or 0/1 numbers, got {m.dtype}")
    if m.dtype.kind != "b" and m.size and not np.isin(m, (0, 1)).all():
        raise ValueError(f"{kernel}(): argument {name!r} must hold only 0 and 1 (or bools)")
    return np.ascontiguousarray(m != 0, dtype=dtype)


def _state(name, value, shape, dtype, *, kernel: str) -> np.ndarray:
    if value is None:
        return np.zeros(shape, dtype=dtype)
    a = as_float_array(name, value, ndim=2, kernel=kernel)
    if a.shape != tuple(shape):
        raise ValueError(f"{kernel}(): argument {name!r} must have shape {tuple(shape)} "
                         f"(batch, units), got {a.shape}")
    if a.dtype != dtype:
        raise TypeError(f"{kernel}(): argument {name!r} must be {dtype} like x, got {a.dtype}")
    return a


def prepare_recurrent(cell: str, kernel_name: str, x, kernel, recurrent_kernel, bias,
                      states: dict, mask, recurrent_mask, activation, recurrent_activation,
                      reset_after=True):
    """Validate a recurrent kernel's common arguments.

    Returns ``(x, kernel, recurrent_kernel, bias, states, mask, recurrent_mask, activation,
    recurrent_activation)``: arrays C-contiguous and of x's dtype; ``bias`` a ``(k·units,)``
    array or, for a GRU with ``reset_after``, ``(2, 3·units)`` (zeros when None); states zero
    when None; masks float 0/1 arrays or None.
    """
    where = f"{kernel_name}()"
    k = GATES[cell]
    x = sequence_batch(x, kernel=kernel_name)
    kernel = as_float_array("kernel", kernel, ndim=2, kernel=kernel_name)
    recurrent_kernel = as_float_array("recurrent_kernel", recurrent_kernel, ndim=2,
                                      kernel=kernel_name)
    dtype = same_dtype(kernel_name, x=x, kernel=kernel, recurrent_kernel=recurrent_kernel)
    t, b, f = x.shape
    if t < 1 or f < 1:
        raise ValueError(f"{where}: x needs at least one time step and one feature, got shape "
                         f"{x.shape} (timesteps, batch, features)")
    units = recurrent_kernel.shape[0]
    if recurrent_kernel.shape != (units, k * units) or units < 1:
        raise ValueError(f"{where}: recurrent_kernel must have shape (units, {k}·units), got "
                         f"{recurrent_kernel.shape}")
    if kernel.shape != (f, k * units):
        raise ValueError(f"{where}: kernel must have shape (features, {k}·units) = "
                         f"({f}, {k * units}) for x of shape {x.shape} (timesteps, batch, "
                         f"features), got {kernel.shape}")
    two_biases = cell == "gru" and bool(reset_after)
    bias_shape = (2, k * units) if two_biases else (k * units,)
    if bias is None:
        bias = np.zeros(bias_shape, dtype=dtype)
    else:
        bias = as_float_array("bias", bias, kernel=kernel_name)
        if bias.shape != bias_shape:
            raise ValueError(f"{where}: bias must have shape {bias_shape}"
                             + (" (input bias row, recurrent bias row)" if two_biases else "")
                             + f", got {bias.shape}")
        same_dtype(kernel_name, x=x, bias=bias)
    states = {name: _state(name, value, (b, units), dtype, kernel=kernel_name)
              for name, value in states.items()}
    mask = _mask(mask, (t, b), dtype, kernel=kernel_name)
    if recurrent_mask is not None:
        recurrent_mask = as_float_array("recurrent_mask", recurrent_mask, ndim=2,
                                        kernel=kernel_name)
        if recurrent_mask.shape != (b, units) or recurrent_mask.dtype != dtype:
            raise ValueError(f"{where}: recurrent_mask must be {dtype} of shape {(b, units)} "
                             f"(batch, units), got {describe(recurrent_mask)}")
    activation = normalize_activation(activation, argument="activation", where=where)
    recurrent_activation = normalize_activation(recurrent_activation,
                                                argument="recurrent_activation", where=where)
    return (x, kernel, recurrent_kernel, bias, states, mask, recurrent_mask, activation,
            recurrent_activation)


def saved_array(name: str, value, shape, dtype, *, kernel: str) -> np.ndarray:
    """An array the forward pass returned (states, gates, gradients), checked by shape."""
    a = as_float_array(name, value, kernel=kernel)
    if a.shape != tuple(shape) or a.dtype != dtype:
        raise ValueError(f"{kernel}(): argument {name!r} must be {dtype} of shape {tuple(shape)}"
                         f", got {describe(a)}")
    return a


def gru_gate_width(units: int, reset_after: bool) -> int:
    """Columns of the GRU's saved gates: z, r, h (and the recurrent candidate when reset_after)."""
    return (4 if reset_after else 3) * units


# -- embedding ------------------------------------------------------------------------------

def indices_array(indices, input_dim: int, *, kernel: str) -> np.ndarray:
    """Integer indices in ``[0, input_dim)`` as a C-contiguous int64 array.

    Floats are refused (even 3.0: a float index is almost always a scaling mistake); the
    message of an out-of-range index shows its value and position.
    """
    where = f"{kernel}()"
    a = np.asarray(indices)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{where}: argument 'indices' must hold integers (word ids), got dtype "
                        f"{a.dtype}" + (" — convert with .astype('int64') if the values are "
                                        "whole numbers" if a.dtype.kind == "f" else ""))
    if a.size:
        low, high = a.min(), a.max()
        if low < 0 or high >= input_dim:
            bad = np.argwhere((a < 0) | (a >= input_dim))[0]
            pos = tuple(int(i) for i in bad)
            raise ValueError(f"{where}: index {int(a[pos])} at position {pos} is outside "
                             f"[0, {input_dim}) (input_dim = {input_dim})")
    return np.ascontiguousarray(a, dtype=np.int64)


def prepare_embedding_forward(indices, embeddings):
    k = "embedding_forward"
    embeddings = as_float_array("embeddings", embeddings, ndim=2, kernel=k)
    return indices_array(indices, embeddings.shape[0], kernel=k), embeddings


def prepare_embedding_backward(indices, grad_output, input_dim):
    k = "embedding_backward"
    if isinstance(input_dim, (bool, np.bool_)) or not isinstance(input_dim, numbers.Integral) \
            or input_dim < 1:
        raise ValueError(f"{k}(): input_dim must be a positive int, got {input_dim!r}")
    idx = indices_array(indices, int(input_dim), kernel=k)
    grad_output = as_float_array("grad_output", grad_output, kernel=k)
    if grad_output.shape[:-1] != idx.shape or grad_output.ndim != idx.ndim + 1:
        raise ValueError(f"{k}(): grad_output must have shape indices.shape + (output_dim,) = "
                         f"{idx.shape} + (output_dim,), got {grad_output.shape}")
    return idx, grad_output, int(input_dim)
