"""Recurrent layers in NumPy: the loop over time and backpropagation through time (twins of
``csrc/recurrent.pyx``), plus the Embedding lookup.

A recurrent layer is a small dense layer applied once per time step, fed its own previous
output (Chollet §6.2; the plainest version, one line per step, is
:func:`pynet.kernels.loops.recurrent.chollet_rnn`)::

    h_t = tanh(x_t·W + h_{t−1}·U + b)                                       (SimpleRNN)

Keras keeps ``W`` as ``kernel (features, k·units)``, ``U`` as ``recurrent_kernel (units,
k·units)``: the ``k`` gates side by side. The LSTM (gates i, f, c, o; σ = recurrent_activation,
φ = activation)::

    i = σ(a_i)   f = σ(a_f)   g = φ(a_c)   o = σ(a_o)     with a = x_t·W + h_{t−1}·U + b
    c_t = f ⊙ c_{t−1} + i ⊙ g          h_t = o ⊙ φ(c_t)

and the GRU (gates z, r, h)::

    z = σ(x·W_z + h·U_z + b_z)        r = σ(x·W_r + h·U_r + b_r)
    reset_after=True  (Keras 3, cuDNN, PyTorch):  ĥ = φ(x·W_h + b_h + r ⊙ (h·U_h + b'_h))
    reset_after=False (Keras 2, the 2014 paper):  ĥ = φ(x·W_h + (r ⊙ h)·U_h + b_h)
    h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ

How it is organised for speed (the same in the compiled twin): the input projection
``x_t·W + b`` of *all* time steps is one matrix product ``(T·B, F) @ (F, k·units)`` before the
loop; the loop then adds ``h_{t−1}·U`` (one ``(B, units) @ (units, k·units)`` product per step)
and applies the gates. Backpropagation through time walks the steps backwards, carrying
``dL/dh`` (and ``dL/dc``), and collects each step's gate gradients ``dA_t``; the weight
gradients are then again single products over all steps: ``dW = Xᵀ·dA``, ``dU = H_prevᵀ·dA``,
``dx = dA·Wᵀ``.

Layout: time-major, ``x (T, B, F)``, outputs ``(T, B, units)``; see
:mod:`pynet.kernels._checks.recurrent` for masks (a masked step carries the state over) and
recurrent-dropout masks.
"""
from __future__ import annotations

import numpy as np

from .._checks.recurrent import (
    gru_gate_width, prepare_embedding_backward, prepare_embedding_forward, prepare_recurrent,
    saved_array,
)

__all__ = ["simple_rnn_forward", "simple_rnn_backward", "lstm_forward", "lstm_backward",
           "gru_forward", "gru_backward", "embedding_forward", "embedding_backward"]


# -- activations, with the derivative read from the output -------------------------------------

def _act(name, z):
    """φ(z) for the kernels' activations."""
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        # stable: exp never sees a large positive argument
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)
    if name == "hard_sigmoid":      # Keras 3: relu6(z + 3) / 6
        return np.clip(z / 6 + 0.5, 0, 1).astype(z.dtype, copy=False)
    if name == "relu":
        return np.maximum(z, 0)
    return z


def _dact(name, y):
    """φ′ written in terms of the output y = φ(z)."""
    if name == "tanh":
        return 1 - y * y
    if name == "sigmoid":
        return y * (1 - y)
    if name == "hard_sigmoid":
        return ((y > 0) & (y < 1)) / y.dtype.type(6)
    if name == "relu":
        return (y > 0).astype(y.dtype)
    return np.ones_like(y)


def _input_projection(x, kernel, bias_row):
    """x_t·W + b for every step at once: (T, B, F) -> (T, B, k·units), one GEMM."""
    t, b, f = x.shape
    return (x.reshape(t * b, f) @ kernel + bias_row).reshape(t, b, kernel.shape[1])


def _carry(m, new, old):
    """Keras's masking rule: a masked step (m = 0) keeps the previous state."""
    return new if m is None else np.where(m[:, None] > 0, new, old)


def _input_grads(x, kernel, dA, need_input_grad):
    """dW = Xᵀ·dA and dx = dA·Wᵀ, each one product over all steps."""
    t, b, f = x.shape
    dA2 = dA.reshape(t * b, dA.shape[2])
    dkernel = x.reshape(t * b, f).T @ dA2
    dx = (dA2 @ kernel.T).reshape(t, b, f) if need_input_grad else None
    return dx, dkernel


def _previous_states(h0, h, recurrent_mask):
    """H_prev = (h_{−1}, h_0, ..., h_{T−2}) ⊙ recurrent mask: what multiplied U at each step."""
    prev = np.concatenate([h0[None], h[:-1]], axis=0)
    return prev if recurrent_mask is None else prev * recurrent_mask


# -- SimpleRNN ------------------------------------------------------------------------------

def simple_rnn_forward(x, kernel, recurrent_kernel, bias=None, h0=None, *, mask=None,
                       recurrent_mask=None, activation="tanh"):
    """Run ``h_t = φ(x_t·W + (h_{t−1} ⊙ m_rec)·U + b)`` over all steps.

    Parameters
    ----------
    x : (T, B, F) float array, time-major.
    kernel : (F, units); recurrent_kernel : (units, units); bias : (units,) or None.
    h0 : (B, units) or None (zeros) — the initial state.
    mask : (T, B) or None; recurrent_mask : (B, units) or None (see the module docstring).
    activation : 'tanh' (default), 'sigmoid', 'hard_sigmoid', 'relu' or 'linear'.

    Returns
    -------
    h : (T, B, units) — the state after each step (= the outputs).
    """
    (x, kernel, recurrent_kernel, bias, states, mask, rmask, act, _) = prepare_recurrent(
        "simple_rnn", "simple_rnn_forward", x, kernel, recurrent_kernel, bias, {"h0": h0},
        mask, recurrent_mask, activation, "sigmoid")
    xw = _input_projection(x, kernel, bias)
    h_prev = states["h0"]
    out = np.empty(xw.shape, dtype=x.dtype)
    for t in range(x.shape[0]):
        hr = h_prev if rmask is None else h_prev * rmask
        h_new = _act(act, xw[t] + hr @ recurrent_kernel)
        h_prev = out[t] = _carry(None if mask is None else mask[t], h_new, h_prev)
    return out


def simple_rnn_backward(x, kernel, recurrent_kernel, h0, h, grad_h, *, mask=None,
                        recurrent_mask=None, activation="tanh", need_input_grad=True):
    """Backpropagation through time for :func:`simple_rnn_forward`.

    ``h`` is the forward result, ``grad_h (T, B, units)`` = dL/dh_t for every step (zeros where
    an output was not used; the final state's gradient goes in ``grad_h[-1]``).

    Returns ``(dx (T, B, F) or None, dkernel, drecurrent_kernel, dbias (units,), dh0 (B, units))``.
    """
    (x, kernel, recurrent_kernel, _, states, mask, rmask, act, _) = prepare_recurrent(
        "simple_rnn", "simple_rnn_backward", x, kernel, recurrent_kernel, None, {"h0": h0},
        mask, recurrent_mask, activation, "sigmoid")
    t_len, b, _ = x.shape
    u = recurrent_kernel.shape[0]
    h = saved_array("h", h, (t_len, b, u), x.dtype, kernel="simple_rnn_backward")
    grad_h = saved_array("grad_h", grad_h, (t_len, b, u), x.dtype, kernel="simple_rnn_backward")
    h0 = states["h0"]
    dA = np.zeros((t_len, b, u), dtype=x.dtype)
    dh = np.zeros((b, u), dtype=x.dtype)
    for t in range(t_len - 1, -1, -1):
        dh = dh + grad_h[t]
        da = dh * _dact(act, h[t])
        m = None if mask is None else mask[t][:, None]
        if m is not None:
            da = da * m
        dA[t] = da
        dh_through = da @ recurrent_kernel.T
        if rmask is not None:
            dh_through = dh_through * rmask
        dh = dh_through if m is None else np.where(m > 0, dh_through, dh)
    dx, dkernel = _input_grads(x, kernel, dA, need_input_grad)
    drec = _previous_states(h0, h, rmask).reshape(t_len * b, u).T @ dA.reshape(t_len * b, u)
    return dx, dkernel, drec, dA.sum(axis=(0, 1)), dh


# -- LSTM -----------------------------------------------------------------------------------

def lstm_forward(x, kernel, recurrent_kernel, bias=None, h0=None, c0=None, *, mask=None,
                 recurrent_mask=None, activation="tanh", recurrent_activation="sigmoid"):
    """Run the LSTM (gates i, f, c, o in Keras's order) over all steps.

    Arguments as :func:`simple_rnn_forward`, with ``kernel (F, 4·units)``, ``recurrent_kernel
    (units, 4·units)``, ``bias (4·units,)`` and the initial carry ``c0 (B, units)``.

    Returns
    -------
    h, c : (T, B, units) — the output and the carry after each step.
    gates : (T, B, 4·units) — i, f, g (candidate), o after their activations, for backward.
    """
    (x, kernel, recurrent_kernel, bias, states, mask, rmask, act, ract) = prepare_recurrent(
        "lstm", "lstm_forward", x, kernel, recurrent_kernel, bias, {"h0": h0, "c0": c0},
        mask, recurrent_mask, activation, recurrent_activation)
    u = recurrent_kernel.shape[0]
    gates = _input_projection(x, kernel, bias)
    h_seq = np.empty(gates.shape[:2] + (u,), dtype=x.dtype)
    c_seq = np.empty_like(h_seq)
    h_prev, c_prev = states["h0"], states["c0"]
    for t in range(x.shape[0]):
        hr = h_prev if rmask is None else h_prev * rmask
        a = gates[t] + hr @ recurrent_kernel
        i, f = _act(ract, a[:, :u]), _act(ract, a[:, u:2 * u])
        g, o = _act(act, a[:, 2 * u:3 * u]), _act(ract, a[:, 3 * u:])
        gates[t] = np.concatenate([i, f, g, o], axis=1)
        c_new = f * c_prev + i * g
        h_new = o * _act(act, c_new)
        m = None if mask is None else mask[t]
        h_prev = h_seq[t] = _carry(m, h_new, h_prev)
        c_prev = c_seq[t] = _carry(m, c_new, c_prev)
    return h_seq, c_seq, gates


def lstm_backward(x, kernel, recurrent_kernel, h0, c0, h, c, gates, grad_h, grad_c=None, *,
                  mask=None, recurrent_mask=None, activation="tanh",
                  recurrent_activation="sigmoid", need_input_grad=True):
    """Backpropagation through time for :func:`lstm_forward`.

    ``h, c, gates`` are the forward results; ``grad_h (T, B, units)`` = dL/dh_t per step;
    ``grad_c (B, units)`` or None = dL/d(final carry) (when the layer returned its state).

    Returns ``(dx or None, dkernel, drecurrent_kernel, dbias (4·units,), dh0, dc0)``.
    """
    k = "lstm_backward"
    (x, kernel, recurrent_kernel, _, states, mask, rmask, act, ract) = prepare_recurrent(
        "lstm", k, x, kernel, recurrent_kernel, None, {"h0": h0, "c0": c0, "grad_c": grad_c},
        mask, recurrent_mask, activation, recurrent_activation)
    t_len, b, _ = x.shape
    u = recurrent_kernel.shape[0]
    h = saved_array("h", h, (t_len, b, u), x.dtype, kernel=k)
    c = saved_array("c", c, (t_len, b, u), x.dtype, kernel=k)
    gates = saved_array("gates", gates, (t_len, b, 4 * u), x.dtype, kernel=k)
    grad_h = saved_array("grad_h", grad_h, (t_len, b, u), x.dtype, kernel=k)
    dA = np.zeros_like(gates)
    dh = np.zeros((b, u), dtype=x.dtype)
    dc = states["grad_c"].copy()
    for t in range(t_len - 1, -1, -1):
        dh = dh + grad_h[t]
        i, f, g, o = (gates[t][:, j * u:(j + 1) * u] for j in range(4))
        c_prev = c[t - 1] if t > 0 else states["c0"]
        phi_c = _act(act, c[t])
        dct = dc + dh * o * _dact(act, phi_c)
        da = np.concatenate([dct * g * _dact(ract, i), dct * c_prev * _dact(ract, f),
                             dct * i * _dact(act, g), dh * phi_c * _dact(ract, o)], axis=1)
        m = None if mask is None else mask[t][:, None]
        if m is not None:
            da = da * m
        dA[t] = da
        dh_through = da @ recurrent_kernel.T
        if rmask is not None:
            dh_through = dh_through * rmask
        dc_through = dct * f
        if m is None:
            dh, dc = dh_through, dc_through
        else:
            dh, dc = np.where(m > 0, dh_through, dh), np.where(m > 0, dc_through, dc)
    dx, dkernel = _input_grads(x, kernel, dA, need_input_grad)
    drec = _previous_states(states["h0"], h, rmask).reshape(t_len * b, u).T @ \
        dA.reshape(t_len * b, 4 * u)
    return dx, dkernel, drec, dA.sum(axis=(0, 1)), dh, dc


# -- GRU ------------------------------------------------------------------------------------

def gru_forward(x, kernel, recurrent_kernel, bias=None, h0=None, *, mask=None,
                recurrent_mask=None, activation="tanh", recurrent_activation="sigmoid",
                reset_after=True):
    """Run the GRU (gates z, r, h in Keras's order) over all steps.

    ``bias`` is ``(3·units,)``, or ``(2, 3·units)`` when ``reset_after`` (input and recurrent
    bias rows, Keras 3's default and PyTorch's formulation).

    Returns
    -------
    h : (T, B, units).
    gates : (T, B, 3·units) — z, r, ĥ after their activations; with ``reset_after`` a fourth
        block (T, B, 4·units) holds the recurrent candidate ``h_{t−1}·U_h + b'_h`` before r.
    """
    (x, kernel, recurrent_kernel, bias, states, mask, rmask, act, ract) = prepare_recurrent(
        "gru", "gru_forward", x, kernel, recurrent_kernel, bias, {"h0": h0}, mask,
        recurrent_mask, activation, recurrent_activation, reset_after)
    u = recurrent_kernel.shape[0]
    t_len, b, _ = x.shape
    xw = _input_projection(x, kernel, bias[0] if reset_after else bias)
    gates = np.empty((t_len, b, gru_gate_width(u, reset_after)), dtype=x.dtype)
    h_seq = np.empty((t_len, b, u), dtype=x.dtype)
    h_prev = states["h0"]
    for t in range(t_len):
        hr = h_prev if rmask is None else h_prev * rmask
        if reset_after:
            rec = hr @ recurrent_kernel + bias[1]
            z = _act(ract, xw[t][:, :u] + rec[:, :u])
            r = _act(ract, xw[t][:, u:2 * u] + rec[:, u:2 * u])
            hh = _act(act, xw[t][:, 2 * u:] + r * rec[:, 2 * u:])
            gates[t] = np.concatenate([z, r, hh, rec[:, 2 * u:]], axis=1)
        else:
            rec = hr @ recurrent_kernel[:, :2 * u]
            z = _act(ract, xw[t][:, :u] + rec[:, :u])
            r = _act(ract, xw[t][:, u:2 * u] + rec[:, u:])
            hh = _act(act, xw[t][:, 2 * u:] + (r * hr) @ recurrent_kernel[:, 2 * u:])
            gates[t] = np.concatenate([z, r, hh], axis=1)
        h_new = z * h_prev + (1 - z) * hh
        h_prev = h_seq[t] = _carry(None if mask is None else mask[t], h_new, h_prev)
    return h_seq, gates


def gru_backward(x, kernel, recurrent_kernel, h0, h, gates, grad_h, *, mask=None,
                 recurrent_mask=None, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, need_input_grad=True):
    """Backpropagation through time for :func:`gru_forward`.

    Returns ``(dx or None, dkernel, drecurrent_kernel, dbias, dh0)``; ``dbias`` has the bias's
    shape (``(2, 3·units)`` with ``reset_after``).
    """
    k = "gru_backward"
    (x, kernel, recurrent_kernel, _, states, mask, rmask, act, ract) = prepare_recurrent(
        "gru", k, x, kernel, recurrent_kernel, None, {"h0": h0}, mask, recurrent_mask,
        activation, recurrent_activation, reset_after)
    t_len, b, _ = x.shape
    u = recurrent_kernel.shape[0]
    h = saved_array("h", h, (t_len, b, u), x.dtype, kernel=k)
    gates = saved_array("gates", gates, (t_len, b, gru_gate_width(u, reset_after)), x.dtype,
                        kernel=k)
    grad_h = saved_array("grad_h", grad_h, (t_len, b, u), x.dtype, kernel=k)
    dA = np.zeros((t_len, b, 3 * u), dtype=x.dtype)     # gradients of x_t·W + b
    dR = np.zeros_like(dA)                               # gradients of h_{t−1}·U (+ b')
    prev = _previous_states(states["h0"], h, rmask)     # h_{t−1} ⊙ m_rec
    h_before = np.concatenate([states["h0"][None], h[:-1]], axis=0)
    drec = np.zeros_like(recurrent_kernel)
    dh = np.zeros((b, u), dtype=x.dtype)
    for t in range(t_len - 1, -1, -1):
        dh = dh + grad_h[t]
        z, r, hh = (gates[t][:, j * u:(j + 1) * u] for j in range(3))
        da_h = dh * (1 - z) * _dact(act, hh)
        da_z = dh * (h_before[t] - hh) * _dact(ract, z)
        if reset_after:
            rec_h = gates[t][:, 3 * u:]
            da_r = da_h * rec_h * _dact(ract, r)
            dr_rows = np.concatenate([da_z, da_r, da_h * r], axis=1)
        else:
            d_rh = da_h @ recurrent_kernel[:, 2 * u:].T         # dL/d(r ⊙ h_rec)
            da_r = d_rh * prev[t] * _dact(ract, r)
            dr_rows = np.concatenate([da_z, da_r, np.zeros_like(da_h)], axis=1)
        m = None if mask is None else mask[t][:, None]
        da = np.concatenate([da_z, da_r, da_h], axis=1)
        if m is not None:
            da, dr_rows = da * m, dr_rows * m
        dA[t], dR[t] = da, dr_rows
        dh_through = dr_rows @ recurrent_kernel.T
        if not reset_after:
            dh_through = dh_through + (d_rh * r if m is None else d_rh * r * m)
            drec[:, 2 * u:] += (r * prev[t]).T @ da[:, 2 * u:]
        if rmask is not None:
            dh_through = dh_through * rmask
        dh_through = dh_through + dh * z
        dh = dh_through if m is None else np.where(m > 0, dh_through, dh)
    dx, dkernel = _input_grads(x, kernel, dA, need_input_grad)
    p2 = prev.reshape(t_len * b, u)
    if reset_after:
        drec += p2.T @ dR.reshape(t_len * b, 3 * u)
        dbias = np.stack([dA.sum(axis=(0, 1)), dR.sum(axis=(0, 1))])
    else:
        drec[:, :2 * u] += p2.T @ dR.reshape(t_len * b, 3 * u)[:, :2 * u]
        dbias = dA.sum(axis=(0, 1))
    return dx, dkernel, drec, dbias, dh


# -- Embedding ------------------------------------------------------------------------------

def embedding_forward(indices, embeddings):
    """Look up one row per index: ``out[..., :] = embeddings[indices[...]]``.

    ``indices`` any shape of integers in ``[0, input_dim)``; ``embeddings (input_dim,
    output_dim)``. Returns ``indices.shape + (output_dim,)``.
    """
    indices, embeddings = prepare_embedding_forward(indices, embeddings)
    return np.ascontiguousarray(embeddings[indices])


def embedding_backward(indices, grad_output, input_dim):
    """The lookup's gradient, a scatter-add: row ``w`` of the result sums ``grad_output`` over
    every position where ``indices == w`` (a word used twice gets both gradients).

    Returns ``(input_dim, output_dim)``.
    """
    indices, grad_output, input_dim = prepare_embedding_backward(indices, grad_output, input_dim)
    d = grad_output.shape[-1]
    out = np.zeros((input_dim, d), dtype=grad_output.dtype)
    np.add.at(out, indices.reshape(-1), grad_output.reshape(-1, d))
    return out
