r"""The lecture notes' multilayer network and its training algorithm (§8), with the missing
error terms derived.

Notation of the notes: layer k = 1 … L (layer 0 is the input X), neuron j of layer k has the
weights w^k_ij (from neuron i of layer k−1) and the threshold b^k_j, which is *subtracted*::

    S^k_j = Σᵢ w^k_ij Y^(k−1)_i − b^k_j,        Y^k_j = F(S^k_j),        Y^0 = X

Training is per pattern, with the error E = ½ Σⱼ (Y^L_j − dⱼ)² of the output layer, and the notes
update every weight and threshold by

    w^k_ij ← w^k_ij − α · γ^k_j · F′(S^k_j) · Y^(k−1)_i
    b^k_j  ← b^k_j  + α · γ^k_j · F′(S^k_j)

but never say what the error terms γ are ("compute the errors of the output and hidden neurons").
They follow from asking that these updates be gradient descent, w ← w − α ∂E/∂w:

* Since ∂S^k_j/∂w^k_ij = Y^(k−1)_i and ∂S^k_j/∂b^k_j = −1, the chain rule gives
  ∂E/∂w^k_ij = (∂E/∂Y^k_j) F′(S^k_j) Y^(k−1)_i and ∂E/∂b^k_j = −(∂E/∂Y^k_j) F′(S^k_j).
  Both updates above are gradient descent exactly when **γ^k_j = ∂E/∂Y^k_j**, the sensitivity
  of the error to the neuron's output. (The + in the threshold update is the subtracted
  threshold's minus sign, as in the Widrow–Hoff rule.)
* Output layer (k = L)::

      γ^L_j = Y^L_j − dⱼ

* Hidden layer k < L: Y^k_i reaches E only through the sums S^(k+1)_j of the next layer, and
  ∂S^(k+1)_j/∂Y^k_i = w^(k+1)_ij, so::

      γ^k_i = Σⱼ γ^(k+1)_j · F′(S^(k+1)_j) · w^(k+1)_ij

  computed from the output layer backwards: the error propagated against the connections.

:meth:`MultilayerNetwork.gradients` returns these derivatives; the tests check them against
central finite differences (:mod:`pynet.gradient_check`). With the sigmoid, F′(S) = Y(1 − Y).

Erratum: in the extracted text the last factor of the weight update reads Y^k_j; it must be
Y^(k−1)_i, the input that the weight multiplies (the derivation above, and the gradient check,
settle it).

The algorithm (§8.2): 1. choose α (0 < α < 1) and Em; 2. random weights and thresholds;
3. for each pattern: a. forward pass, b. the γ terms, c. update every layer; 4. total error E;
5. if E > Em go to 3. As with :class:`~pynet.classic.delta_rule.DeltaRule`, E is the sum of the
patterns' errors as they were presented, and the loop has an epoch cap. It also watches for a
*stall* — a 2-2-1 net on XOR can settle in a flat region where E hardly moves (outputs stuck
wrong) — and stops with a report instead of running to the cap.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from pynet import _validate as validate
from pynet.classic.delta_rule import ErrorHistory, TrainingDiverged
from pynet.classic.formal_neuron import Threshold, get_activation
from pynet.classic.perceptron import ConvergenceWarning, as_patterns, as_real_array, as_targets

__all__ = ["MultilayerNetwork", "XOR_INPUTS", "XOR_TARGETS", "XOR_CONVERGING_SEED",
           "XOR_STALLING_SEED"]

#: XOR as training data: the four input pairs and their targets.
XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = np.array([[0.0], [1.0], [1.0], [0.0]])

#: With ``MultilayerNetwork([2, 2, 1], seed=XOR_CONVERGING_SEED)`` and ``fit(XOR_INPUTS,
#: XOR_TARGETS, alpha=0.5, desired_error=0.01)``, XOR is learned (see tests/backprop).
XOR_CONVERGING_SEED = 1
#: With this seed the same training stalls with one pattern wrong, and ``fit`` reports it.
XOR_STALLING_SEED = 0


class MultilayerNetwork:
    """A layered network trained by the notes' per-pattern backpropagation (§8).

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_inputs, hidden…, n_outputs]``, at least two entries; ``[2, 2, 1]`` for XOR.
    activation : str or Activation
        F of every neuron; needs a useful derivative ("sigmoid" by default, or "tanh").
    seed : int or numpy.random.Generator, optional
        For the random initial weights and thresholds (step 2).
    init_range : float
        Weights and thresholds start uniform in [−init_range, init_range). The notes warn
        against both extremes: too large saturates the sigmoid (F′ ≈ 0, learning stalls), too
        small makes every neuron alike. 1.0 suits a few inputs.

    Attributes
    ----------
    weights : list of ndarray
        ``weights[k − 1]`` is layer k's matrix, shape (n_(k−1), n_k), entry [i, j] = w^k_ij.
    thresholds : list of ndarray
        ``thresholds[k − 1]`` is b^k, shape (n_k,).
    """

    def __init__(self, layer_sizes, *, activation="sigmoid", seed=None, init_range: float = 1.0):
        where = "MultilayerNetwork()"
        try:
            sizes = list(layer_sizes)
        except TypeError:
            raise TypeError(f"{where}: argument 'layer_sizes' must be a list of ints, got {layer_sizes!r}") from None
        if len(sizes) < 2:
            raise ValueError(f"{where}: argument 'layer_sizes' needs at least an input and an output size, got {sizes}")
        self.sizes = [validate.positive_int(where, f"layer_sizes[{i}]", s)
                      for i, s in enumerate(sizes)]
        self.activation = get_activation(activation)
        if isinstance(self.activation, Threshold):
            raise ValueError(
                f"{where}: the threshold activation has F′ = 0, so backpropagation cannot move any "
                "weight; use 'sigmoid' or 'tanh' (the hand-wired XORNetwork uses thresholds)"
            )
        init_range = validate.real(where, "init_range", init_range, low=0.0, low_open=True)
        rng = np.random.default_rng(seed)
        self.weights = []
        self.thresholds = []
        for n_prev, n in zip(self.sizes[:-1], self.sizes[1:]):
            self.weights.append(rng.uniform(-init_range, init_range, size=(n_prev, n)))
            self.thresholds.append(rng.uniform(-init_range, init_range, size=n))

    @property
    def n_layers(self) -> int:
        """L, the number of layers with neurons (the input layer 0 not counted)."""
        return len(self.weights)

    # -- forward ----------------------------------------------------------------------------
    def forward(self, x):
        """Step 3a for one pattern ``x`` (n_inputs,): return ``(S, Y)``, lists of per-layer arrays.

        ``S[k − 1]`` is S^k; ``Y[k]`` is Y^k, with ``Y[0] = x``.
        """
        Y = [x]
        S = []
        for W, b in zip(self.weights, self.thresholds):
            S.append(Y[-1] @ W - b)               # S^k_j = Σᵢ w^k_ij Y^(k−1)_i − b^k_j
            Y.append(self.activation(S[-1]))      # Y^k_j = F(S^k_j)
        return S, Y

    def predict(self, X) -> np.ndarray:
        """Outputs Y^L: shape (P, n_outputs) for patterns (P, n_inputs), (n_outputs,) for one."""
        where = "MultilayerNetwork.predict()"
        a = as_real_array("X", X, where)
        single = a.ndim == 1 and a.shape[0] == self.sizes[0] and self.sizes[0] > 1
        Y = as_patterns(a.reshape(1, -1) if single else a, self.sizes[0], where=where)
        for W, b in zip(self.weights, self.thresholds):
            Y = self.activation(Y @ W - b)
        return Y[0] if single else Y

    def error(self, X, D) -> float:
        """E = ½ Σₚ Σⱼ (Y^L_pj − d_pj)² with the current weights."""
        where = "MultilayerNetwork.error()"
        X = as_patterns(X, self.sizes[0], where=where)
        D = as_targets(D, X.shape[0], self.sizes[-1], where=where, name="D")
        R = self.predict(X) - D
        return 0.5 * float(np.sum(R * R))

    # -- backward ---------------------------------------------------------------------------
    def error_terms(self, x, d, *, _forward=None):
        """Step 3b: the error terms γ^k = ∂E/∂Y^k of every layer for one pattern.

        Returns a list, ``gammas[k − 1]`` = γ^k of shape (n_k,):
        γ^L = Y^L − d, and γ^k_i = Σⱼ γ^(k+1)_j F′(S^(k+1)_j) w^(k+1)_ij going backwards.
        """
        S, Y = _forward if _forward is not None else self.forward(np.asarray(x, dtype=np.float64))
        gammas = [None] * self.n_layers
        gammas[-1] = Y[-1] - d                                         # output layer
        for k in range(self.n_layers - 2, -1, -1):                     # hidden layers, backwards
            delta_next = gammas[k + 1] * self.activation.derivative(S[k + 1])
            gammas[k] = self.weights[k + 1] @ delta_next               # Σⱼ w_ij γⱼ F′(Sⱼ)
        return gammas

    def gradients(self, x, d):
        """∂E/∂w^k and ∂E/∂b^k for one pattern, from the γ terms.

        Returns ``(grad_weights, grad_thresholds)``, lists shaped like :attr:`weights` and
        :attr:`thresholds`: ∂E/∂w^k_ij = γ^k_j F′(S^k_j) Y^(k−1)_i, ∂E/∂b^k_j = −γ^k_j F′(S^k_j).
        """
        where = "MultilayerNetwork.gradients()"
        x = as_patterns(np.reshape(as_real_array("x", x, where), (1, -1)), self.sizes[0], where=where, name="x")[0]
        d = as_targets(np.reshape(as_real_array("d", d, where), (1, -1)), 1, self.sizes[-1], where=where, name="d")[0]
        S, Y = self.forward(x)
        gammas = self.error_terms(x, d, _forward=(S, Y))
        grad_w, grad_b = [], []
        for k in range(self.n_layers):
            local = gammas[k] * self.activation.derivative(S[k])       # γ^k_j F′(S^k_j)
            grad_w.append(np.multiply.outer(Y[k], local))
            grad_b.append(-local)
        return grad_w, grad_b

    def _train_pattern(self, x, d, alpha, weights, thresholds) -> float:
        """Steps 3a–3c on the given parameter lists (in place); returns the pattern's E."""
        # forward with the given parameters
        Y = [x]
        S = []
        for W, b in zip(weights, thresholds):
            S.append(Y[-1] @ W - b)
            Y.append(self.activation(S[-1]))
        gamma = Y[-1] - d
        E = 0.5 * float(gamma @ gamma)
        # backwards: γ of layer k needs layer k+1's weights *before* their update
        for k in range(len(weights) - 1, -1, -1):
            local = gamma * self.activation.derivative(S[k])          # γ^k_j F′(S^k_j)
            if k > 0:
                gamma = weights[k] @ local                             # γ^(k−1)
            weights[k] -= alpha * np.multiply.outer(Y[k], local)      # w ← w − α γ F′(S) Y_prev
            thresholds[k] += alpha * local                             # b ← b + α γ F′(S)
        return E

    # -- training ---------------------------------------------------------------------------
    def fit(self, X, D, *, alpha: float = 0.5, desired_error: float = 0.01, max_epochs: int = 20000,
            stall_epochs: int = 1000, stall_tolerance: float = 1e-3, warn: bool = True) -> ErrorHistory:
        """Train with the notes' algorithm (steps 3–5), one pattern at a time, in order.

        Parameters
        ----------
        X : array_like, shape (P, n_inputs)
        D : array_like, shape (P, n_outputs), or (P,) for one output
            Desired outputs (in (0, 1) for the sigmoid: 0/1 targets are fine).
        alpha : float in (0, 1)
            The learning step α.
        desired_error : float > 0
            Em; training stops when the epoch's E ≤ Em.
        max_epochs : int
            Cap on the number of epochs.
        stall_epochs, stall_tolerance : int, float
            Stop as *stalled* when E fell by less than ``stall_tolerance`` × E over the last
            ``stall_epochs`` epochs (a flat region or a local minimum; try another seed, more
            hidden neurons or a larger α).
        warn : bool
            Issue a :class:`ConvergenceWarning` when stopping without reaching Em.

        Returns
        -------
        ErrorHistory
            E per epoch; ``.reason`` is "converged", "stalled" or "max_epochs".

        Raises
        ------
        TrainingDiverged
            E became NaN/Inf; the network is left as it was before the call.
        """
        where = "MultilayerNetwork.fit()"
        X = as_patterns(X, self.sizes[0], where=where)
        D = as_targets(D, X.shape[0], self.sizes[-1], where=where, name="D")
        alpha = validate.real(where, "alpha", alpha, low=0.0, high=1.0, low_open=True,
                              high_open=True, hint=" (step 1 of the algorithm: 0 < α < 1)")
        Em = validate.real(where, "desired_error", desired_error, low=0.0, low_open=True,
                           hint=" (Em is the error at which training stops; it must be positive)")
        max_epochs = validate.positive_int(where, "max_epochs", max_epochs)
        stall_epochs = validate.positive_int(where, "stall_epochs", stall_epochs)
        stall_tolerance = validate.real(where, "stall_tolerance", stall_tolerance, low=0.0, high=1.0,
                                        low_open=True, high_open=True)

        weights = [W.copy() for W in self.weights]
        thresholds = [b.copy() for b in self.thresholds]
        errors = []
        reason, message = "max_epochs", ""
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(1, max_epochs + 1):
                E = sum(self._train_pattern(X[p], D[p], alpha, weights, thresholds)
                        for p in range(X.shape[0]))
                errors.append(E)
                if not math.isfinite(E):
                    raise TrainingDiverged(
                        f"{where}: E became {E} at epoch {epoch}; lower alpha or scale the inputs. "
                        "The network was left unchanged.", ErrorHistory(errors, reason="diverged"))
                if E <= Em:
                    reason = "converged"
                    message = f"E = {E:.4g} ≤ Em = {Em:g} after {epoch} epoch(s)"
                    break
                if epoch > stall_epochs:
                    before = errors[-1 - stall_epochs]
                    if before - E < stall_tolerance * before:
                        reason = "stalled"
                        message = (
                            f"stalled at epoch {epoch}: E = {E:.4g} fell by less than "
                            f"{stall_tolerance:g}×E over the last {stall_epochs} epochs, far above "
                            f"Em = {Em:g}. The net is stuck in a flat region or a local minimum "
                            "(for XOR with 2 hidden neurons, typically some outputs sit near 0.5). "
                            "Try another seed, more hidden neurons, or a larger alpha.")
                        break
        if not all(np.isfinite(a).all() for a in weights + thresholds):
            # E is summed before each pattern's update: the very last update can still overflow
            raise TrainingDiverged(
                f"{where}: the last update left non-finite weights (E was {errors[-1]:.4g}); lower "
                "alpha or scale the inputs. The network was left unchanged.",
                ErrorHistory(errors, reason="diverged"))
        if reason == "max_epochs":
            message = f"E = {errors[-1]:.4g} is still above Em = {Em:g} after max_epochs={max_epochs}"
        self.weights, self.thresholds = weights, thresholds
        history = ErrorHistory(errors, converged=reason == "converged", reason=reason, message=message)
        if warn and not history.converged:
            warnings.warn(f"{where}: {message}", ConvergenceWarning, stacklevel=2)
        return history

    def __repr__(self) -> str:
        return f"MultilayerNetwork({self.sizes}, activation={self.activation!r})"
