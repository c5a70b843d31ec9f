"""The matrix-based mini-batch of Nielsen's network (course text §4.1) in plain NumPy: the readable
twins of ``csrc/nielsen.pyx``.

Layout: the mini-batch is a matrix whose **columns are examples**, ``X = [x_1 … x_m]`` of shape
``(n_in, m)``; every activation ``A^l`` and error ``Δ^l`` is ``(n_l, m)``. One mini-batch is

* forward:  ``Z^l = W^l A^{l−1} + b^l`` (b broadcast over columns), ``A^l = σ(Z^l)`` (softmax for
  the log-likelihood cost's output layer);
* BP1: ``Δ^L = ∇_a C ⊙ σ′(Z^L)`` (``A^L − Y`` for cross-entropy and log-likelihood);
* BP2: ``Δ^l = ((W^{l+1})^T Δ^{l+1}) ⊙ σ′(Z^l)``, with σ′(Z) = A(1 − A);
* BP3: ``∂C/∂b^l = Σ_columns Δ^l``;  BP4: ``∂C/∂W^l = Δ^l (A^{l−1})^T`` (sums over the examples);
* update (Eq. 54 with Eq. 37): ``W ← (1 − ηλ/n) W − (η/m) ∂C/∂W``, ``b ← b − (η/m) ∂C/∂b``.

Kernels
-------
``nielsen_backprop(weights, biases, x, y, cost)``
    the gradients summed over the columns, as new arrays.
``nielsen_step(weights, biases, x, y, eta, lmbda, n, cost)``
    one SGD step on one mini-batch, in place.
``nielsen_epoch(weights, biases, x_rows, y_rows, order, mini_batch_size, eta, lmbda, n, cost)``
    a whole epoch: mini-batches of ``order`` taken in turn (the last one may be short), each one
    exactly a ``nielsen_step``. The data come as **rows** here (``x_rows`` is ``(N, n_in)``, the
    transpose of the text's X), so that gathering an example is one contiguous copy.

``cost`` is ``"quadratic"``, ``"cross_entropy"`` or ``"log_likelihood"`` (softmax output).
"""
from __future__ import annotations

from scipy.special import expit, softmax

from .._checks.nielsen import (
    LOG_LIKELIHOOD, QUADRATIC, cost_code, network_arrays, prepare_columns, prepare_epoch, prepare_hyper, prepare_network,
)

__all__ = ["nielsen_backprop", "nielsen_step", "nielsen_epoch"]


def _forward(weights, biases, x, code):
    """Activations ``[X, A^1, …, A^L]``, each ``(n_l, m)``."""
    activations = [x]
    last = len(weights) - 1
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = w @ activations[-1] + b[:, None]
        if l == last and code == LOG_LIKELIHOOD:
            activations.append(softmax(z, axis=0))
        else:
            activations.append(expit(z))
    return activations


def _gradients(weights, biases, x, y, code):
    """BP1–BP4 for a column mini-batch; returns ``(nabla_b, nabla_w)`` summed over columns."""
    activations = _forward(weights, biases, x, code)
    a = activations[-1]
    delta = (a - y) * (a * (1 - a)) if code == QUADRATIC else a - y   # BP1
    nabla_b = [None] * len(weights)
    nabla_w = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        nabla_b[l] = delta.sum(axis=1)                                   # BP3
        nabla_w[l] = delta @ activations[l].T                            # BP4
        if l > 0:
            a_prev = activations[l]
            delta = (weights[l].T @ delta) * (a_prev * (1 - a_prev))     # BP2
    return nabla_b, nabla_w


def nielsen_backprop(weights, biases, x, y, cost):
    """Gradients of the summed cost Σ_x C_x of a column mini-batch (BP1–BP4).

    Parameters
    ----------
    weights : list of ndarray, ``weights[i]`` of shape (sizes[i+1], sizes[i])
    biases : list of ndarray, ``biases[i]`` of shape (sizes[i+1], 1) (or (sizes[i+1],))
    x : ndarray, shape (n_in, m)
        One column per example.
    y : ndarray, shape (n_out, m)
        Target columns (one-hot for a classifier).
    cost : {"quadratic", "cross_entropy", "log_likelihood"}

    Returns
    -------
    nabla_b : list of ndarray, shapes (sizes[i+1], 1)
    nabla_w : list of ndarray, shapes like ``weights``
        Summed (not averaged) over the m examples; all in the parameters' dtype.
    """
    weights, biases, sizes, dtype = prepare_network(weights, biases, kernel="nielsen_backprop",
                                                    in_place=False)
    code = cost_code(cost, "nielsen_backprop")
    x, y = prepare_columns(x, y, sizes, dtype, kernel="nielsen_backprop")
    nabla_b, nabla_w = _gradients(weights, biases, x, y, code)
    return [nb.reshape(-1, 1) for nb in nabla_b], nabla_w


def _apply(weights, biases, nabla_b, nabla_w, eta, lmbda, n, m):
    decay = 1.0 - eta * lmbda / n
    for w, b, nw, nb in zip(weights, biases, nabla_w, nabla_b):
        if decay != 1.0:
            w *= w.dtype.type(decay)                                     # Eq. 54: weight decay
        w -= w.dtype.type(eta / m) * nw
        b -= b.dtype.type(eta / m) * nb                                  # Eq. 37


def nielsen_step(weights, biases, x, y, eta, lmbda, n, cost):
    """One SGD step on a column mini-batch, updating ``weights`` and ``biases`` in place.

    ``W ← (1 − ηλ/n) W − (η/m) Σ_x ∂C_x/∂W`` and ``b ← b − (η/m) Σ_x ∂C_x/∂b``, with m the number
    of columns of ``x`` and n the size of the whole training set (λ = 0: no decay). The
    parameters must be C-contiguous and writeable (a copy would lose the update). Returns None.
    """
    weights, biases, sizes, dtype = prepare_network(weights, biases, kernel="nielsen_step",
                                                    in_place=True)
    code = cost_code(cost, "nielsen_step")
    x, y = prepare_columns(x, y, sizes, dtype, kernel="nielsen_step",
                           written=network_arrays(weights, biases))
    eta, lmbda, n = prepare_hyper(eta, lmbda, n, kernel="nielsen_step")
    nabla_b, nabla_w = _gradients(weights, biases, x, y, code)
    _apply(weights, biases, nabla_b, nabla_w, eta, lmbda, n, x.shape[1])


def nielsen_epoch(weights, biases, x_rows, y_rows, order, mini_batch_size, eta, lmbda, n, cost):
    """One epoch of SGD in place: mini-batches ``order[k:k + mini_batch_size]`` in turn.

    Parameters
    ----------
    x_rows : ndarray, shape (N, n_in)
        The training inputs, **one example per row**.
    y_rows : ndarray, shape (N, n_out)
        The targets, one per row.
    order : 1-D integer array
        Row indices in visiting order (a permutation of range(N) for one shuffled epoch).
    mini_batch_size : int >= 1
    eta, lmbda, n, cost
        As in :func:`nielsen_step`.
    """
    weights, biases, sizes, dtype = prepare_network(weights, biases, kernel="nielsen_epoch",
                                                    in_place=True)
    code = cost_code(cost, "nielsen_epoch")
    x_rows, y_rows, order, mini_batch_size = prepare_epoch(
        x_rows, y_rows, order, mini_batch_size, sizes, dtype, kernel="nielsen_epoch",
        written=network_arrays(weights, biases))
    eta, lmbda, n = prepare_hyper(eta, lmbda, n, kernel="nielsen_epoch")
    for k in range(0, order.shape[0], mini_batch_size):
        batch = order[k:k + mini_batch_size]
        x = x_rows[batch].T                                              # columns = examples
        y = y_rows[batch].T
        nabla_b, nabla_w = _gradients(weights, biases, x, y, code)
        _apply(weights, biases, nabla_b, nabla_w, eta, lmbda, n, batch.shape[0])
