"""Recurrent networks the plainest way: one sample, one time step at a time.

:func:`chollet_rnn` is Chollet's NumPy RNN (listing 6.21): a loop over the time steps that keeps
a state, with ``output_t = tanh(W·input_t + U·state_t + b)`` — W and U here are the book's
``(output_features, input_features)`` and ``(output_features, output_features)`` matrices, so
the products are matrix·vector. Keras stores the transposes (``kernel = Wᵀ``,
``recurrent_kernel = Uᵀ``) and writes ``x_t·kernel``; the numbers are the same.

:func:`lstm_step_by_step` and :func:`gru_step_by_step` write the gated cells one equation per
line for a single sequence. The tests use all three as the third witness beside the
reference and compiled kernels.
"""
from __future__ import annotations

import numpy as np

__all__ = ["chollet_rnn", "lstm_step_by_step", "gru_step_by_step"]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def chollet_rnn(inputs, W, U, b, state=None):
    """Listing 6.21: ``inputs (timesteps, input_features)`` -> ``(timesteps, output_features)``.

    ``W (output_features, input_features)``, ``U (output_features, output_features)``,
    ``b (output_features,)``; the initial state is a zero vector unless given.
    """
    state_t = np.zeros(W.shape[0]) if state is None else np.asarray(state, dtype=float)
    successive_outputs = []
    for input_t in inputs:
        output_t = np.tanh(np.dot(W, input_t) + np.dot(U, state_t) + b)
        successive_outputs.append(output_t)
        state_t = output_t                 # this step's output is the next step's state
    # the book writes np.concatenate, which flattens to (timesteps·output_features,);
    # stacking gives the (timesteps, output_features) its caption describes
    return np.stack(successive_outputs)


def lstm_step_by_step(inputs, kernel, recurrent_kernel, bias):
    """One sequence ``(timesteps, features)`` through an LSTM in Keras's layout (gates i, f, c,
    o; tanh and sigmoid). Returns the outputs ``(timesteps, units)`` and the last carry."""
    units = recurrent_kernel.shape[0]
    Wi, Wf, Wc, Wo = (kernel[:, j * units:(j + 1) * units] for j in range(4))
    Ui, Uf, Uc, Uo = (recurrent_kernel[:, j * units:(j + 1) * units] for j in range(4))
    bi, bf, bc, bo = (bias[j * units:(j + 1) * units] for j in range(4))
    h = np.zeros(units)
    c = np.zeros(units)
    outputs = []
    for x_t in inputs:
        i = _sigmoid(x_t @ Wi + h @ Ui + bi)        # input gate: how much new to write
        f = _sigmoid(x_t @ Wf + h @ Uf + bf)        # forget gate: how much old to keep
        g = np.tanh(x_t @ Wc + h @ Uc + bc)         # candidate values
        o = _sigmoid(x_t @ Wo + h @ Uo + bo)        # output gate
        c = f * c + i * g                           # the carry ("conveyor belt")
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs), c


def gru_step_by_step(inputs, kernel, recurrent_kernel, bias, reset_after=True):
    """One sequence through a GRU in Keras's layout (gates z, r, h; tanh and sigmoid).
    ``bias`` is ``(2, 3·units)`` when ``reset_after`` else ``(3·units,)``."""
    units = recurrent_kernel.shape[0]
    Wz, Wr, Wh = (kernel[:, j * units:(j + 1) * units] for j in range(3))
    Uz, Ur, Uh = (recurrent_kernel[:, j * units:(j + 1) * units] for j in range(3))
    b_in = bias[0] if reset_after else bias
    b_rec = bias[1] if reset_after else np.zeros(3 * units)
    bz, br, bh = (b_in[j * units:(j + 1) * units] for j in range(3))
    rz, rr, rh = (b_rec[j * units:(j + 1) * units] for j in range(3))
    h = np.zeros(units)
    outputs = []
    for x_t in inputs:
        z = _sigmoid(x_t @ Wz + bz + h @ Uz + rz)     # update gate: keep the old state
        r = _sigmoid(x_t @ Wr + br + h @ Ur + rr)     # reset gate: how much past in the candidate
        if reset_after:
            candidate = np.tanh(x_t @ Wh + bh + r * (h @ Uh + rh))
        else:
            candidate = np.tanh(x_t @ Wh + bh + (r * h) @ Uh)
        h = z * h + (1 - z) * candidate
        outputs.append(h)
    return np.stack(outputs)
