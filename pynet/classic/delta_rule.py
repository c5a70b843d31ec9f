"""The Widrow–Hoff (delta) rule: a single layer of linear neurons (lecture notes §6–7).

n inputs feed m neurons; neuron j computes

    Sⱼ = Σᵢ wᵢⱼ Xᵢ − bⱼ,     Yⱼ = Sⱼ              (linear activation; the threshold subtracted)

and after each pattern, with the error of that pattern E = ½ Σⱼ (Yⱼ − dⱼ)², gradient descent
w(t+1) = w(t) − α ∂E/∂w gives (§7.2)

    wᵢⱼ ← wᵢⱼ − α (Yⱼ − dⱼ) Xᵢ        because ∂E/∂wᵢⱼ = (Yⱼ − dⱼ) Xᵢ
    bⱼ  ← bⱼ  + α (Yⱼ − dⱼ)           because ∂E/∂bⱼ = −(Yⱼ − dⱼ): b enters S with a minus sign

so the threshold moves the *opposite* way to the weights. The training algorithm (§7.3):

1. choose the step α (0 < α < 1) and the desired error Em;
2. initialise the weights and thresholds at random;
3. present the patterns one after another and compute the outputs;
4. change the weights and thresholds (after every pattern);
5. compute the network's total error E;
6. if E > Em go back to 3, else stop.

The notes leave two things open, decided here: E is the *sum* over the epoch's patterns of their
errors, each taken when its pattern was presented (before its update), and the loop has an epoch
cap (the notes have none, so a too-small Em would loop forever). The rule can also blow up: with
α too large for the size of the inputs each update overshoots and E grows geometrically until it
overflows. :meth:`DeltaRule.fit` watches for that and raises :class:`TrainingDiverged` with
advice, leaving the network as it was.

The epoch itself is one kernel call, :func:`pynet.kernels.widrow_hoff_epoch` (compiled or NumPy).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from pynet import _validate as validate

from .perceptron import ConvergenceWarning, as_patterns, as_real_array, as_targets, kernels_for

__all__ = ["DeltaRule", "ErrorHistory", "TrainingDiverged", "stable_alpha_limit"]


class ErrorHistory(list):
    """The network error E after each epoch, with how the training loop ended.

    It is a list of floats (``history[-1]`` is the last epoch's E) with extra attributes:

    Attributes
    ----------
    converged : bool
        E ≤ Em was reached.
    reason : str
        ``"converged"``, ``"max_epochs"`` or ``"stalled"``.
    message : str
        One sentence for the learner.
    """

    def __init__(self, errors=(), *, converged: bool = False, reason: str = "", message: str = ""):
        super().__init__(float(e) for e in errors)
        self.converged = converged
        self.reason = reason
        self.message = message

    @property
    def epochs(self) -> int:
        return len(self)

    def __repr__(self) -> str:
        last = f", last E={self[-1]:.4g}" if self else ""
        return f"ErrorHistory({len(self)} epochs{last}, reason={self.reason!r})"


class TrainingDiverged(FloatingPointError):
    """Training blew up (E non-finite or growing without bound). The model was left unchanged.

    Attributes
    ----------
    history : ErrorHistory
        E per epoch up to the one that diverged.
    """

    def __init__(self, message: str, history: ErrorHistory):
        super().__init__(message)
        self.history = history


def stable_alpha_limit(X) -> float:
    """The largest α for which no single Widrow–Hoff update can overshoot: 2 / max ‖(X, −1)‖².

    One per-pattern update multiplies that pattern's error by (1 − α(‖X‖² + 1)) (the +1 is the
    threshold's input, −1), so |1 − α(‖X‖² + 1)| < 1 needs α < 2 / (‖X‖² + 1). Above this bound
    the rule can diverge; well below it (a tenth, say) it learns smoothly.
    """
    X = np.asarray(X, dtype=np.float64)
    return float(2.0 / (np.max(np.sum(X * X, axis=-1)) + 1.0))


class DeltaRule:
    """A single-layer network of linear neurons trained by the Widrow–Hoff rule.

    Parameters
    ----------
    n_inputs : int
        n, the length of each input pattern X.
    n_neurons : int
        m, the number of neurons (and outputs).
    seed : int or numpy.random.Generator, optional
        For the random initial weights and thresholds (step 2); the same seed gives the same
        network, on either backend.
    init_range : float
        Weights and thresholds start uniform in [−init_range, init_range).
    backend : {None, "python", "cython"}
        Kernels for :meth:`fit` (None: the active backend).

    Attributes
    ----------
    W : ndarray, shape (n, m)
        W[i, j] = wᵢⱼ, the weight from input i to neuron j (the notes' §7.2 convention).
    b : ndarray, shape (m,)
        The thresholds bⱼ (subtracted).
    """

    def __init__(self, n_inputs: int, n_neurons: int = 1, *, seed=None, init_range: float = 0.5,
                 backend=None):
        where = "DeltaRule()"
        n = validate.positive_int(where, "n_inputs", n_inputs)
        m = validate.positive_int(where, "n_neurons", n_neurons)
        init_range = validate.real(where, "init_range", init_range, low=0.0)
        rng = np.random.default_rng(seed)
        self.W = rng.uniform(-init_range, init_range, size=(n, m))
        self.b = rng.uniform(-init_range, init_range, size=m)
        self._kernels = kernels_for(backend)

    @property
    def n_inputs(self) -> int:
        return self.W.shape[0]

    @property
    def n_neurons(self) -> int:
        return self.W.shape[1]

    def _patterns(self, X, where: str):
        """(P, n) patterns, and whether a single pattern (n,) was given."""
        a = as_real_array("X", X, where)
        if a.ndim == 1 and a.shape[0] == self.n_inputs and self.n_inputs > 1:
            return a.reshape(1, -1), True
        return as_patterns(a, self.n_inputs, where=where), False

    def weighted_sum(self, X) -> np.ndarray:
        """S = X @ W − b: shape (P, m) for patterns (P, n), or (m,) for one pattern (n,)."""
        X, single = self._patterns(X, "DeltaRule.weighted_sum()")
        S = X @ self.W - self.b
        return S[0] if single else S

    def predict(self, X) -> np.ndarray:
        """Y = S (linear neurons); same shapes as :meth:`weighted_sum`."""
        X, single = self._patterns(X, "DeltaRule.predict()")
        Y = X @ self.W - self.b
        return Y[0] if single else Y

    def classify(self, X, level: float = 0.5) -> np.ndarray:
        """Threshold read-out for 0/1 tasks (AND, OR): 1 where Y > ``level``, else 0."""
        level = validate.real("DeltaRule.classify()", "level", level)
        return (self.predict(X) > level).astype(int)

    def error(self, X, D) -> float:
        """E = ½ Σₚ Σⱼ (Yₚⱼ − dₚⱼ)² with the current weights (no update)."""
        where = "DeltaRule.error()"
        X = as_patterns(X, self.n_inputs, where=where)
        D = as_targets(D, X.shape[0], self.n_neurons, where=where, name="D")
        R = X @ self.W - self.b - D
        return 0.5 * float(np.sum(R * R))

    def fit(self, X, D, *, alpha: float = 0.1, desired_error: float = 1e-3,
            max_epochs: int = 1000, divergence_factor: float = 1e6, warn: bool = True) -> ErrorHistory:
        """Train with the Widrow–Hoff rule (steps 3–6), per pattern, in the order given.

        Parameters
        ----------
        X : array_like, shape (P, n)
            Input patterns, P ≥ 1.
        D : array_like, shape (P, m), or (P,) when m = 1
            Desired outputs d.
        alpha : float in (0, 1)
            The learning step α.
        desired_error : float > 0
            Em: training stops once the epoch's E ≤ Em.
        max_epochs : int
            Cap on the number of epochs (the notes have none).
        divergence_factor : float > 1
            E larger than this many times the first epoch's E (or than Em, if that is larger)
            counts as growing without bound.
        warn : bool
            Issue a :class:`ConvergenceWarning` when the cap is reached first.

        Returns
        -------
        ErrorHistory
            E per epoch; ``.converged`` tells whether E ≤ Em was reached.

        Raises
        ------
        TrainingDiverged
            E became NaN/Inf or grew without bound. The weights are left as before the call.
        ValueError, TypeError
            Bad arguments (checked before anything changes).
        """
        where = "DeltaRule.fit()"
        X = as_patterns(X, self.n_inputs, where=where)
        D = as_targets(D, X.shape[0], self.n_neurons, where=where, name="D")
        alpha = validate.real(where, "alpha", alpha, low=0.0, high=1.0, low_open=True,
                              high_open=True, hint=" (step 1 of the algorithm: 0 < α < 1)")
        Em = validate.real(where, "desired_error", desired_error, low=0.0, low_open=True,
                           hint=" (Em is the error at which training stops; it must be positive)")
        max_epochs = validate.positive_int(where, "max_epochs", max_epochs)
        divergence_factor = validate.real(where, "divergence_factor", divergence_factor, low=1.0,
                                          low_open=True)

        # Work on copies: whatever happens (divergence, Ctrl-C) the model changes only at the end.
        W, b = self.W.copy(), self.b.copy()
        errors = []
        reference_error = None
        for epoch in range(1, max_epochs + 1):
            E = float(self._kernels.widrow_hoff_epoch(W, b, X, D, alpha))
            errors.append(E)
            if reference_error is None:
                reference_error = max(E, Em) if math.isfinite(E) else Em
            if not math.isfinite(E) or E > divergence_factor * reference_error or not (
                    np.isfinite(W).all() and np.isfinite(b).all()):
                raise TrainingDiverged(self._divergence_advice(X, alpha, epoch, errors),
                                       ErrorHistory(errors, reason="diverged"))
            if E <= Em:
                self.W, self.b = W, b
                return ErrorHistory(errors, converged=True, reason="converged",
                                    message=f"E = {E:.4g} ≤ Em = {Em:g} after {epoch} epoch(s)")
        self.W, self.b = W, b
        message = (f"E = {errors[-1]:.4g} is still above Em = {Em:g} after max_epochs={max_epochs}; "
                   "raise max_epochs or Em (a linear neuron cannot fit every target exactly: "
                   "for AND/OR the least E is 0.125)")
        if warn:
            warnings.warn(f"{where}: {message}", ConvergenceWarning, stacklevel=2)
        return ErrorHistory(errors, converged=False, reason="max_epochs", message=message)

    @staticmethod
    def _divergence_advice(X, alpha, epoch, errors) -> str:
        limit = stable_alpha_limit(X)
        scale = float(np.max(np.abs(X)))
        shown = ", ".join(f"{e:.3g}" for e in errors[-4:])
        advice = (f"DeltaRule.fit(): training diverged at epoch {epoch}: E per epoch ... {shown} "
                  f"grows without bound. With these inputs (largest |X| = {scale:.3g}) a single "
                  f"update is stable only for α < 2/max(‖X‖² + 1) = {limit:.3g}, and alpha = {alpha:g}. ")
        if scale > 10:
            advice += ("Scale the inputs first (e.g. to [0, 1], or zero mean and unit variance), "
                       "then ")
        advice += f"lower alpha (try {limit / 10:.2g}). The network was left unchanged."
        return advice

    def __repr__(self) -> str:
        return f"DeltaRule(n_inputs={self.n_inputs}, n_neurons={self.n_neurons})"
