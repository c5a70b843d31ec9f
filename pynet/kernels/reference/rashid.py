"""Rashid's three-layer network, in plain NumPy: the readable twins of ``csrc/rashid.pyx``.

The train step is the book's arithmetic, line for line, on column vectors (shape ``(n, 1)``), with
the book's names. The weight matrices follow the book too: ``wih`` is ``(hnodes, inodes)`` and
``who`` is ``(onodes, hnodes)``, so ``w[j, i]`` links node ``i`` of one layer to node ``j`` of
the next. There are no biases.

Kernels
-------
``rashid_train_step(wih, who, lr, inputs, targets)``
    one sample; updates ``wih`` and ``who`` in place.
``rashid_train_epoch(wih, who, lr, inputs, targets)``
    every row of ``inputs``/``targets`` in order (the book's loop over the records); in place.
``rashid_query_batch(wih, who, inputs, out=None)``
    the forward pass for many rows at once; returns ``(N, onodes)``.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit as sigmoid

from .._checks.rashid import prepare_query_batch, prepare_train_epoch, prepare_train_step

__all__ = ["rashid_train_step", "rashid_train_epoch", "rashid_query_batch"]


def _step(wih, who, lr, inputs, targets):
    """The book's train step on column vectors ``inputs (inodes, 1)``, ``targets (onodes, 1)``.

    ``numpy.dot`` as in the book (for the outer products it is also several times faster than
    ``@``, which does not hand a column times a row to BLAS).

    Arguments are already checked; ``wih`` and ``who`` are updated in place.
    """
    # 1. forward pass: signals into the hidden layer, then out of it through the sigmoid
    hidden_inputs = np.dot(wih, inputs)
    hidden_outputs = sigmoid(hidden_inputs)
    # 2. the same from the hidden layer to the output layer
    final_inputs = np.dot(who, hidden_outputs)
    final_outputs = sigmoid(final_inputs)
    # 3. error at the output: target - actual
    output_errors = targets - final_outputs
    # 4. hidden errors: the output errors split back along the links, by weight.
    #    This uses `who` *before* its update below, as the book's listing does.
    hidden_errors = np.dot(who.T, output_errors)
    # 5. update the hidden->output links: lr * (E * sigmoid * (1 - sigmoid)) . O_hidden^T
    who += lr * np.dot(output_errors * final_outputs * (1.0 - final_outputs), hidden_outputs.T)
    # 6. update the input->hidden links the same way with the hidden errors
    wih += lr * np.dot(hidden_errors * hidden_outputs * (1.0 - hidden_outputs), inputs.T)


def rashid_train_step(wih, who, lr, inputs, targets):
    """One training step of Rashid's network on one sample, in place.

    Parameters
    ----------
    wih : ndarray, shape (hnodes, inodes)
        Input-to-hidden weights; C-contiguous, writeable, float32 or float64. Updated in place.
    who : ndarray, shape (onodes, hnodes)
        Hidden-to-output weights, same dtype; updated in place.
    lr : float
        Learning rate, > 0.
    inputs : ndarray, shape (inodes,)
        One sample (the book's input column vector, flattened); same dtype as the weights.
    targets : ndarray, shape (onodes,)
        Its target values (0.01 / 0.99 in the book).

    Returns
    -------
    None
        The result is the new ``wih`` and ``who``.
    """
    wih, who, lr, inputs, targets = prepare_train_step(wih, who, lr, inputs, targets)
    # the scalar takes the weights' dtype so float32 arithmetic stays float32
    _step(wih, who, wih.dtype.type(lr), inputs[:, None], targets[:, None])


def rashid_train_epoch(wih, who, lr, inputs, targets):
    """One pass over a data set, one record at a time in row order (the book's training loop).

    Parameters
    ----------
    wih, who, lr
        As in :func:`rashid_train_step`.
    inputs : ndarray, shape (N, inodes)
        One sample per row.
    targets : ndarray, shape (N, onodes)
        One target vector per row.

    Returns
    -------
    None
        ``wih`` and ``who`` hold the weights after the last record. All checks run before the
        first update, so a call that raises changes nothing.
    """
    wih, who, lr, inputs, targets = prepare_train_epoch(wih, who, lr, inputs, targets)
    lr = wih.dtype.type(lr)
    for n in range(inputs.shape[0]):
        _step(wih, who, lr, inputs[n][:, None], targets[n][:, None])


def rashid_query_batch(wih, who, inputs, out=None):
    """The forward pass for many samples: ``sigmoid(sigmoid(inputs @ wih.T) @ who.T)``.

    This is the book's ``query`` applied to every row; with rows instead of columns the matrix
    products are transposed.

    Parameters
    ----------
    wih : ndarray, shape (hnodes, inodes)
    who : ndarray, shape (onodes, hnodes)
    inputs : ndarray, shape (N, inodes)
    out : ndarray, shape (N, onodes), optional
        C-contiguous array that receives the outputs.

    Returns
    -------
    ndarray, shape (N, onodes)
        ``final_outputs`` of each sample, one per row.
    """
    wih, who, inputs, out = prepare_query_batch(wih, who, inputs, out)
    hidden_outputs = sigmoid(inputs @ wih.T)
    sigmoid(hidden_outputs @ who.T, out=out)
    return out
