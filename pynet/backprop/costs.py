"""Cost functions of Nielsen's network, as classes with ``fn`` and ``delta``.

Each cost pairs a per-example cost C_x with the output layer it expects and with the output error
δ^L = ∂C_x/∂z^L of equation BP1. Arrays are columns: ``a``, ``y`` and ``z`` have shape
``(n_out, m)``, one column per example (``m = 1`` for a single example), and ``fn`` returns the
cost *summed* over the columns (the network divides by n).

=====================  ==================  ==========================================  ==========
cost                   output activation   C_x                                         δ^L (BP1)
=====================  ==================  ==========================================  ==========
``QuadraticCost``      sigmoid             ½‖y − a‖²            (text's Eq. 17)         (a − y) ⊙ σ′(z)
``CrossEntropyCost``   sigmoid             −Σ_j [y ln a + (1 − y) ln(1 − a)]  (Eq. 45)  a − y
``LogLikelihoodCost``  softmax (Eq. 46)    −ln a_y  (= −Σ_j y_j ln a_j)                a − y
=====================  ==================  ==========================================  ==========

Why the cross-entropy δ has no σ′(z): ∂C/∂a = (a − y) / (a(1 − a)) and σ′(z) = a(1 − a), so the
factor cancels (Eqs. 41–43). That cancellation is the whole point of the cost — the quadratic cost
keeps σ′(z), which is ≈ 0 for a saturated output, and learns slowly (Eqs. 38–39).

Numerics: the logs are taken from ``z`` when it is given (softplus / log-softmax forms, never
``log(0)``); from ``a`` alone, ``0·ln 0`` counts as 0 and a confident wrong answer costs ``inf``
(honestly, instead of the original's ``nan_to_num`` turning it into 1.8e308).

Costs are looked up by name in :data:`COSTS` when a network is loaded: a file can only name one
of these classes, never run code.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit, log_softmax, softmax, xlogy

__all__ = ["sigmoid", "sigmoid_prime", "QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost",
           "COSTS", "get_cost"]


def sigmoid(z):
    """σ(z) = 1 / (1 + e^−z), elementwise (SciPy's ``expit``: no overflow for any z)."""
    return expit(z)


def sigmoid_prime(z):
    """σ′(z) = σ(z)(1 − σ(z)), elementwise."""
    s = expit(z)
    return s * (1.0 - s)


def _softplus(t):
    """ln(1 + e^t) without overflow: max(t, 0) + ln(1 + e^−|t|)."""
    return np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))


class QuadraticCost:
    """C_x = ½‖y − a‖² with sigmoid outputs; δ^L = (a − y) ⊙ σ′(z^L) (BP1 with Eq. 23)."""

    name = "QuadraticCost"
    kernel_name = "quadratic"
    output = "sigmoid"

    @staticmethod
    def activation(z):
        """Output activation a^L = σ(z^L)."""
        return expit(z)

    @staticmethod
    def fn(a, y, z=None):
        """½ Σ (a − y)² over every entry (all outputs of all columns)."""
        d = np.asarray(a) - np.asarray(y)
        return 0.5 * float(np.sum(d * d))

    @staticmethod
    def delta(z, a, y):
        """BP1: δ^L = (a − y) ⊙ σ′(z); σ′(z) is taken as a(1 − a), the same number."""
        return (a - y) * (a * (1.0 - a))


class CrossEntropyCost:
    """C_x = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)] with sigmoid outputs; δ^L = a − y."""

    name = "CrossEntropyCost"
    kernel_name = "cross_entropy"
    output = "sigmoid"

    @staticmethod
    def activation(z):
        """Output activation a^L = σ(z^L)."""
        return expit(z)

    @staticmethod
    def fn(a, y, z=None):
        """Cross-entropy summed over every entry.

        With ``z``: −ln σ(z) = softplus(−z) and −ln(1 − σ(z)) = softplus(z), exact for any z.
        Without: from ``a``, where 0·ln 0 = 0 (so a = y = 1 costs 0, not NaN).
        """
        y = np.asarray(y, dtype=float)
        if z is not None:
            z = np.asarray(z, dtype=float)
            return float(np.sum(y * _softplus(-z) + (1.0 - y) * _softplus(z)))
        a = np.asarray(a, dtype=float)
        with np.errstate(divide="ignore"):
            return float(-np.sum(xlogy(y, a) + xlogy(1.0 - y, 1.0 - a)))

    @staticmethod
    def delta(z, a, y):
        """BP1 for cross-entropy: σ′(z) cancels, δ^L = a − y (Eqs. 43–44)."""
        return a - y


class LogLikelihoodCost:
    """Softmax output (Eq. 46) with C_x = −ln a_y; δ^L = a − y.

    Not in the course text (it defines softmax in §4.3 but never trains with it); this is the
    pairing Nielsen's book uses. ``y`` is one-hot, so −Σ_j y_j ln a_j picks out −ln a_y.
    """

    name = "LogLikelihoodCost"
    kernel_name = "log_likelihood"
    output = "softmax"

    @staticmethod
    def activation(z):
        """Softmax over each column: e^{z_j − max z} / Σ_k e^{z_k − max z} (Eq. 46; subtracting the
        max changes nothing mathematically and keeps exp from overflowing)."""
        return softmax(np.asarray(z, dtype=float), axis=0)

    @staticmethod
    def fn(a, y, z=None):
        """−Σ y ln a summed over columns; from ``z`` through log-softmax when given."""
        y = np.asarray(y, dtype=float)
        if z is not None:
            return float(-np.sum(y * log_softmax(np.asarray(z, dtype=float), axis=0)))
        with np.errstate(divide="ignore"):
            return float(-np.sum(xlogy(y, np.asarray(a, dtype=float))))

    @staticmethod
    def delta(z, a, y):
        """BP1 for softmax + log-likelihood: δ^L = a − y (the softmax Jacobian cancels the 1/a)."""
        return a - y


#: The only costs a saved file may name (see ``Network.load``).
COSTS = {c.name: c for c in (QuadraticCost, CrossEntropyCost, LogLikelihoodCost)}


def get_cost(cost):
    """Return the cost class for a class, an instance or a registered name.

    Raises
    ------
    ValueError
        For a name that is not in :data:`COSTS` (the name is never evaluated).
    """
    if isinstance(cost, str):
        try:
            return COSTS[cost]
        except KeyError:
            raise ValueError(
                f"cost must be one of {sorted(COSTS)}, got {cost!r}"
            ) from None
    cls = cost if isinstance(cost, type) else type(cost)
    if COSTS.get(getattr(cls, "name", None)) is cls:
        return cls
    raise TypeError(
        f"cost must be one of {sorted(COSTS)} (the class, an instance or its name), got {cost!r}"
    )
