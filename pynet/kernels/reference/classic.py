"""Reference (NumPy) kernels of the 'classic' domain; twins of ``csrc/classic.pyx``.

Two per-pattern learning rules, each run for one whole epoch per call (the patterns are presented
in the order of the rows of ``X``, and the weights change after every pattern, as in the texts):

``widrow_hoff_epoch``
    the Widrow–Hoff (delta) rule of the lecture notes, §7.2: a layer of linear neurons with the
    threshold *subtracted*, S = Σᵢ wᵢⱼ Xᵢ − bⱼ, Y = S.
``perceptron_epoch``
    Rosenblatt's perceptron rule on threshold units with Nielsen's *bias* (added),
    output = 1 if w·x + b > 0 else 0 (Nielsen Eq. 1).

Both update ``W`` (n inputs × m neurons, w[i, j] joins input i to neuron j) and ``b`` (m,) in
place. Error sums are accumulated in float64 in both backends, whatever the array dtype.
"""
from __future__ import annotations

import numpy as np

from .._checks.classic import prepare_perceptron_epoch, prepare_widrow_hoff_epoch

__all__ = ["widrow_hoff_epoch", "perceptron_epoch"]


def widrow_hoff_epoch(W, b, X, D, alpha):
    """One epoch of the per-pattern Widrow–Hoff rule; returns the epoch's error E.

    For each pattern p in order (lecture notes, steps 3–4 of the single-layer algorithm)::

        Y    = X[p] @ W − b                  S = Σᵢ wᵢⱼ Xᵢ − bⱼ and Y = S (linear neuron)
        E   += ½ Σⱼ (Yⱼ − dⱼ)²                 the pattern's error, before its update
        wᵢⱼ ← wᵢⱼ − α (Yⱼ − dⱼ) Xᵢ             w(t+1) = w(t) − α ∂E/∂w
        bⱼ  ← bⱼ  + α (Yⱼ − dⱼ)                ∂E/∂b = −(Y − d): the threshold is subtracted

    Parameters
    ----------
    W : ndarray, shape (n, m), float32 or float64, C-contiguous; updated in place
    b : ndarray, shape (m,), same dtype, C-contiguous; updated in place
    X : ndarray, shape (P, n), same dtype; P ≥ 1 patterns
    D : ndarray, shape (P, m), same dtype; desired outputs
    alpha : float > 0
        The learning step (the models enforce the text's 0 < α < 1).

    Returns
    -------
    float
        E = ½ Σₚ Σⱼ (Yₚⱼ − dₚⱼ)², each Yₚ taken when pattern p was presented (the error the
        epoch *saw*). It is ``inf`` or ``nan`` if the rule blew up; the kernel does not stop
        or warn, the caller decides (:class:`pynet.classic.delta_rule.DeltaRule` raises).
    """
    W, b, X, D, alpha = prepare_widrow_hoff_epoch(W, b, X, D, alpha)
    alpha = W.dtype.type(alpha)
    total = 0.0
    # Overflow is reported through the returned E, not as a warning per pattern.
    with np.errstate(over="ignore", invalid="ignore"):
        for p in range(X.shape[0]):
            x = X[p]
            err = (x @ W - b) - D[p]                # Y − d
            total += 0.5 * float(np.dot(err.astype(np.float64), err.astype(np.float64)))
            W -= np.multiply.outer(alpha * x, err)   # (α·xᵢ)·errⱼ, the compiled twin's order
            b += alpha * err
    return total


def perceptron_epoch(W, b, X, T, eta):
    """One epoch of Rosenblatt's perceptron rule; returns the number of mistakes.

    For each pattern p in order::

        yⱼ   = 1 if Σᵢ wᵢⱼ xᵢ + bⱼ > 0 else 0    Nielsen Eq. 1 (b is the bias = −threshold)
        wᵢⱼ ← wᵢⱼ + η (tⱼ − yⱼ) xᵢ                only a wrong output changes anything
        bⱼ  ← bⱼ  + η (tⱼ − yⱼ)

    Parameters
    ----------
    W : ndarray, shape (n, m), float32 or float64, C-contiguous; updated in place
    b : ndarray, shape (m,), same dtype, C-contiguous; updated in place (biases, added)
    X : ndarray, shape (P, n), same dtype
    T : ndarray, shape (P, m), same dtype, entries 0 or 1
    eta : float > 0
        Learning rate.

    Returns
    -------
    int
        How many outputs (pattern, neuron) were wrong when presented. 0 means the epoch
        changed nothing: the rule has converged.
    """
    W, b, X, T, eta = prepare_perceptron_epoch(W, b, X, T, eta)
    eta = W.dtype.type(eta)
    mistakes = 0
    for p in range(X.shape[0]):
        x = X[p]
        y = (x @ W + b > 0).astype(W.dtype)
        err = T[p] - y                              # +1, 0 or −1 per neuron
        wrong = int(np.count_nonzero(err))
        if wrong:
            mistakes += wrong
            W += np.multiply.outer(eta * x, err)
            b += eta * err
    return mistakes
