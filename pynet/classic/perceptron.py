"""The perceptron of Nielsen's chapter 1 (course write-up §1.2) and Rosenblatt's learning rule.

A perceptron takes inputs x₁ … xₙ, weighs them and fires when the weighted sum clears a
threshold. Writing the threshold as a bias b = −threshold gives the text's Eq. (1)::

    output = 0   if w·x + b ≤ 0
             1   if w·x + b > 0

Note the strict ">": a perceptron whose weighted input is exactly 0 outputs 0 (the text points
this out when it compares the perceptron with the step function, which gives 1 at 0).

The texts give no learning rule for the perceptron (the lecture notes only name Rosenblatt, 1958);
:meth:`Perceptron.fit` adds the classic one, wᵢ ← wᵢ + η(t − y)xᵢ and b ← b + η(t − y), because
it is the first thing a learner tries on AND, OR and XOR. By the perceptron convergence theorem
it stops on any linearly separable data; on data that are not (XOR) it would cycle forever, so
:meth:`~Perceptron.fit` stops at an epoch cap, or earlier when the weights return to a state they
had before (a proof that it is cycling), and says why.

This module also holds the argument checks that every classic model shares
(:func:`as_patterns`, :func:`as_targets`), so a mistake reads the same in each of them.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from pynet import _validate as validate

__all__ = [
    "Perceptron", "PerceptronFit", "ConvergenceWarning", "is_linearly_separable",
    "as_patterns", "as_targets", "as_real_array",
]


class ConvergenceWarning(UserWarning):
    """A training loop stopped without reaching its goal (cap reached, cycling, stalled)."""


# ---------------------------------------------------------------------------------------------
# Argument checks shared by the classic models. Each raises before anything is modified.

def as_real_array(name: str, value, where: str) -> np.ndarray:
    """``value`` as a float64 array of finite real numbers (bools become 0/1), or raise naming it."""
    try:
        a = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - ragged lists and such
        raise TypeError(f"{where}: argument {name!r} must be numbers, got {value!r} ({exc})") from None
    if a.dtype == bool:
        a = a.astype(np.float64)
    if a.dtype.kind not in "iuf":
        raise TypeError(
            f"{where}: argument {name!r} must hold real numbers, got dtype {a.dtype} ({value!r:.60})"
        )
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        bad = ~np.isfinite(a)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{where}: argument {name!r} contains {int(bad.sum())} NaN/Inf value(s), first at "
            f"index {first}"
        )
    return a


def as_patterns(X, n_inputs: int, *, where: str, name: str = "X") -> np.ndarray:
    """Return the training patterns as a float64 array of shape (P, n_inputs), P ≥ 1.

    A 1-D ``X`` is accepted when the model has one input (P patterns of one value each).
    """
    a = as_real_array(name, X, where)
    if a.ndim == 1 and n_inputs == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(
            f"{where}: argument {name!r} must be 2-D, one row of {n_inputs} inputs per pattern "
            f"(shape (P, {n_inputs})), got shape {a.shape}"
        )
    if a.shape[0] == 0:
        raise ValueError(f"{where}: argument {name!r} is empty: the training set needs at least one pattern")
    if a.shape[1] != n_inputs:
        raise ValueError(
            f"{where}: argument {name!r} must have {n_inputs} inputs per pattern "
            f"(shape (P, {n_inputs})), got shape {a.shape}"
        )
    return np.ascontiguousarray(a)


def as_targets(d, n_patterns: int, n_outputs: int, *, where: str, name: str = "d",
               binary: bool = False) -> np.ndarray:
    """Return the desired outputs as a float64 array of shape (P, n_outputs).

    A 1-D ``d`` is accepted when there is one output. ``binary=True`` requires 0/1 values.
    """
    a = as_real_array(name, d, where)
    if a.ndim == 1 and n_outputs == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2 or a.shape[1] != n_outputs:
        raise ValueError(
            f"{where}: argument {name!r} must have {n_outputs} value(s) per pattern "
            f"(shape (P, {n_outputs})" + (" or (P,)" if n_outputs == 1 else "") + f"), got shape {a.shape}"
        )
    if a.shape[0] != n_patterns:
        raise ValueError(
            f"{where}: argument {name!r} has {a.shape[0]} target row(s) but 'X' has {n_patterns} "
            "pattern(s); they must pair up one to one"
        )
    if binary:
        bad = (a != 0) & (a != 1)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"{where}: argument {name!r} must hold 0/1 targets, got {float(a[first]):g} at index "
                f"{first[:1] if n_outputs == 1 else first}"
            )
    return np.ascontiguousarray(a)


def kernels_for(backend):
    """The classic kernels of the active backend (``None``) or of ``"python"``/``"cython"``."""
    if backend is None:
        from pynet import kernels
        return kernels
    from pynet.kernels import load_backend
    return load_backend(backend, ["classic"])


# ---------------------------------------------------------------------------------------------

def is_linearly_separable(X, t) -> bool:
    """True when some hyperplane w·x + b = 0 puts every 1-pattern on one side and every
    0-pattern strictly on the other.

    Decided exactly by a linear program (``scipy.optimize.linprog``): find w, b with
    (2tₚ − 1)(w·xₚ + b) ≥ 1 for every pattern p. AND, OR and NAND are separable; XOR is not.

    Parameters
    ----------
    X : array_like, shape (P, n)
    t : array_like, shape (P,), entries 0 or 1
    """
    from scipy.optimize import linprog

    where = "is_linearly_separable()"
    X = as_real_array("X", X, where)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{where}: argument 'X' must be a non-empty 2-D array (P, n), got shape {X.shape}")
    t = as_targets(t, X.shape[0], 1, where=where, name="t", binary=True)[:, 0]
    sign = 2.0 * t - 1.0
    # Variables (w₁ … wₙ, b), all free. Constraint rows: −sign·[x, 1]·(w, b) ≤ −1.
    A = -sign[:, None] * np.hstack([X, np.ones((X.shape[0], 1))])
    res = linprog(np.zeros(X.shape[1] + 1), A_ub=A, b_ub=-np.ones(X.shape[0]),
                  bounds=[(None, None)] * (X.shape[1] + 1), method="highs")
    return bool(res.status == 0)


@dataclass
class PerceptronFit:
    """What :meth:`Perceptron.fit` did.

    Attributes
    ----------
    converged : bool
        An epoch went by without a single mistake.
    epochs : int
        Epochs run.
    mistakes : list of int
        Wrong outputs in each epoch (the last is 0 when converged).
    linearly_separable : bool or None
        Decided by :func:`is_linearly_separable` when the rule did not converge; None otherwise
        (convergence already proves it).
    message : str
        One sentence for the learner.
    """

    converged: bool
    epochs: int
    mistakes: list = field(default_factory=list)
    linearly_separable: bool | None = None
    message: str = ""


class Perceptron:
    """A perceptron: output 1 if w·x + b > 0 else 0 (Nielsen Eq. 1).

    Parameters
    ----------
    weights : array_like, shape (n,)
        w₁ … wₙ, one per input.
    bias : float, optional
        b in Eq. (1). Give either ``bias`` or ``threshold``, not both.
    threshold : float, optional
        The threshold of the text's first formulation (output 1 when Σwⱼxⱼ > threshold);
        stored as ``bias = −threshold``.
    backend : {None, "python", "cython"}
        Kernels used by :meth:`fit` (None: the active backend).

    Examples
    --------
    The text's NAND gate: weights −2, −2 and bias 3.

    >>> nand = Perceptron([-2, -2], bias=3)
    >>> [nand([x1, x2]) for x1, x2 in [(0, 0), (0, 1), (1, 0), (1, 1)]]
    [1, 1, 1, 0]
    """

    def __init__(self, weights, bias=None, *, threshold=None, backend=None):
        where = "Perceptron()"
        w = as_real_array("weights", weights, where)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(f"{where}: argument 'weights' must be a non-empty 1-D list of numbers, got shape {w.shape}")
        if (bias is None) == (threshold is None):
            raise ValueError(
                f"{where}: give exactly one of 'bias' and 'threshold' (bias = −threshold), got "
                f"bias={bias!r}, threshold={threshold!r}"
            )
        if bias is None:
            bias = -validate.real(where, "threshold", threshold)
        self.weights = w
        self.bias = validate.real(where, "bias", bias)
        self._kernels = kernels_for(backend)

    # -- construction helpers -------------------------------------------------------------
    @classmethod
    def zeros(cls, n_inputs: int, *, backend=None) -> "Perceptron":
        """All weights and the bias 0: the usual start for the perceptron rule (outputs 0)."""
        n = validate.positive_int("Perceptron.zeros()", "n_inputs", n_inputs)
        return cls(np.zeros(n), bias=0.0, backend=backend)

    @classmethod
    def random(cls, n_inputs: int, *, seed=None, scale: float = 1.0, backend=None) -> "Perceptron":
        """Weights and bias drawn uniformly from [−scale, scale) with ``seed`` (an int or a
        ``numpy.random.Generator``)."""
        n = validate.positive_int("Perceptron.random()", "n_inputs", n_inputs)
        rng = np.random.default_rng(seed)
        values = rng.uniform(-scale, scale, size=n + 1)
        return cls(values[:n], bias=float(values[n]), backend=backend)

    # -- the model ------------------------------------------------------------------------
    @property
    def threshold(self) -> float:
        """−bias: the perceptron fires when Σ wⱼxⱼ exceeds it."""
        return -self.bias

    @property
    def n_inputs(self) -> int:
        return self.weights.shape[0]

    def _one_pattern(self, x, where: str) -> np.ndarray:
        a = as_real_array("x", x, where)
        if a.ndim != 1 or a.shape[0] != self.n_inputs:
            raise ValueError(
                f"{where}: this perceptron has {self.n_inputs} inputs, so 'x' must be "
                f"{self.n_inputs} numbers; got shape {a.shape}"
            )
        return a

    def weighted_input(self, x) -> float:
        """z = w·x + b for one input vector ``x`` of length n."""
        return float(self.weights @ self._one_pattern(x, "Perceptron.weighted_input()")) + self.bias

    def __call__(self, x) -> int:
        """The output, 0 or 1, for one input vector ``x`` of length n (Eq. 1)."""
        z = float(self.weights @ self._one_pattern(x, "Perceptron()")) + self.bias
        return 1 if z > 0 else 0

    def predict(self, X) -> np.ndarray:
        """Outputs (0/1 integers, shape (P,)) for the patterns ``X`` of shape (P, n)."""
        X = as_patterns(X, self.n_inputs, where="Perceptron.predict()")
        return (X @ self.weights + self.bias > 0).astype(int)

    def fit(self, X, t, *, learning_rate: float = 1.0, max_epochs: int = 100,
            warn: bool = True) -> PerceptronFit:
        """Rosenblatt's rule, one pattern at a time, in the order given, starting from the
        current weights: wᵢ ← wᵢ + η(t − y)xᵢ, b ← b + η(t − y).

        Stops when an epoch makes no mistake (converged), when the weights after an epoch equal
        those after an earlier one (the rule is cycling: it can never converge, so the data are
        not linearly separable), or after ``max_epochs``. When it did not converge it says why,
        in ``PerceptronFit.message`` and, unless ``warn=False``, as a :class:`ConvergenceWarning`.

        Parameters
        ----------
        X : array_like, shape (P, n)
            Input patterns, P ≥ 1.
        t : array_like, shape (P,)
            Target outputs, 0 or 1.
        learning_rate : float > 0
            η. With 0/1 inputs and integer starting weights, η = 1 keeps every weight an integer.
        max_epochs : int ≥ 1
            The cap that keeps XOR from looping forever.
        """
        where = "Perceptron.fit()"
        X = as_patterns(X, self.n_inputs, where=where)
        T = as_targets(t, X.shape[0], 1, where=where, name="t", binary=True)
        eta = validate.real(where, "learning_rate", learning_rate, low=0.0, low_open=True)
        max_epochs = validate.positive_int(where, "max_epochs", max_epochs)

        # Train copies and publish them at the end: an interrupted fit leaves the model as it was.
        W = self.weights.reshape(-1, 1).copy()
        b = np.array([self.bias])
        seen = {(W.tobytes(), b.tobytes()): 0}
        mistakes = []
        cycle_from = None
        for epoch in range(1, max_epochs + 1):
            mistakes.append(int(self._kernels.perceptron_epoch(W, b, X, T, eta)))
            if mistakes[-1] == 0:
                break
            state = (W.tobytes(), b.tobytes())
            if state in seen:
                cycle_from = seen[state]
                break
            seen[state] = epoch
        self.weights = W[:, 0].copy()
        self.bias = float(b[0])

        if mistakes[-1] == 0:
            return PerceptronFit(True, len(mistakes), mistakes, None,
                                 f"converged after {len(mistakes)} epoch(s): no mistakes in the last one")
        separable = is_linearly_separable(X, T[:, 0])
        if cycle_from is not None:
            message = (f"stopped after epoch {len(mistakes)}: the weights are back where they were "
                       f"after epoch {cycle_from}, so the rule is cycling and can never converge — "
                       "the data are not linearly separable (no line/plane puts the 1s on one side "
                       "and the 0s on the other); use a hidden layer (see MultilayerNetwork)")
        elif separable:
            message = (f"did not converge within max_epochs={max_epochs}; the data ARE linearly "
                       "separable, so more epochs will get there")
        else:
            message = (f"did not converge within max_epochs={max_epochs}: the data are not linearly "
                       "separable, so no number of epochs will help; use a hidden layer "
                       "(see MultilayerNetwork)")
        if warn:
            warnings.warn(f"Perceptron.fit(): {message}", ConvergenceWarning, stacklevel=2)
        return PerceptronFit(False, len(mistakes), mistakes, separable, message)

    def __repr__(self) -> str:
        w = ", ".join(f"{v:g}" for v in self.weights)
        return f"Perceptron(weights=[{w}], bias={self.bias:g})"
