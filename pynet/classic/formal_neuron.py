"""The formal neuron of the lecture notes (§5) with its activation functions, and the weight
matrix of §1.3.

A formal neuron weighs its inputs X₁ … Xₙ, subtracts its threshold b and passes the sum through
an activation function F::

    S = Σᵢ wᵢ Xᵢ − b          (the threshold is *subtracted*; b = −bias of Nielsen's perceptron)
    Y = F(S)

The threshold and the weights together are the neuron's parameters.

The notes name four activations but give no formulas; the standard ones are used and documented:

========================  =========================================  ==============================
activation                F(S)                                       F′(S)
========================  =========================================  ==============================
``Threshold``             ``high`` if S ≥ θ else ``low``              0 (undefined at S = θ; 0 used)
``LinearThreshold``       ``low`` below ``start``, ``high`` above     (high − low)/(end − start)
                          ``end``, a straight ramp between            strictly inside, 0 outside
``Sigmoid``               1 / (1 + e^(−a·S))                          a·F(S)·(1 − F(S))
``Tanh``                  tanh(S), in (−1, 1), zero-centred           1 − tanh²(S)
``Identity``              S (the Widrow–Hoff neuron, Y = S)           1
========================  =========================================  ==============================

Every ``derivative`` takes **S**, not the output Y: writing σ′ as ``y·(1 − y)`` and then feeding
it S (or the reverse) is one of the most reported bugs in teaching code, so the argument is
always the weighted sum.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

from pynet import _validate as validate

from .perceptron import as_real_array

__all__ = [
    "Activation", "Threshold", "LinearThreshold", "Sigmoid", "Tanh", "Identity",
    "get_activation", "FormalNeuron", "ConnectionMatrix", "LECTURE_WEIGHT_MATRIX",
]


class Activation:
    """An activation function F and its derivative F′, both functions of the weighted sum S."""

    name = "activation"

    def __call__(self, S):
        raise NotImplementedError

    def derivative(self, S):
        """F′(S), elementwise."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Threshold(Activation):
    """The threshold (step) function of §5(а): ``low`` below the threshold θ, ``high`` from it on.

    Parameters
    ----------
    threshold : float
        θ. (A neuron's own threshold b is already subtracted in S, so θ = 0 is usual.)
    low, high : float
        The minimum and maximum allowed outputs (0 and 1 by default; −1 and 1 is the other
        common choice).
    at_threshold : {"high", "low"}
        The output when S equals θ exactly. The notes say "below the threshold → minimum,
        otherwise → maximum", so the default is ``"high"``. Nielsen's perceptron outputs 0 at
        w·x + b = 0, which is ``"low"`` (see :class:`pynet.classic.perceptron.Perceptron`).

    The derivative is 0 everywhere (it does not exist at θ; 0 is returned there too), which is
    why a network of threshold units cannot be trained by gradient descent.
    """

    name = "threshold"

    def __init__(self, threshold: float = 0.0, low: float = 0.0, high: float = 1.0,
                 at_threshold: str = "high"):
        where = "Threshold()"
        self.threshold = validate.real(where, "threshold", threshold)
        self.low = validate.real(where, "low", low)
        self.high = validate.real(where, "high", high)
        if not self.low < self.high:
            raise ValueError(f"{where}: 'low' must be below 'high', got low={low!r}, high={high!r}")
        if at_threshold not in ("high", "low"):
            raise ValueError(f"{where}: argument 'at_threshold' must be 'high' or 'low', got {at_threshold!r}")
        self.at_threshold = at_threshold

    def __call__(self, S):
        S = np.asarray(S, dtype=np.float64)
        fires = S >= self.threshold if self.at_threshold == "high" else S > self.threshold
        return np.where(fires, self.high, self.low)

    def derivative(self, S):
        return np.zeros_like(np.asarray(S, dtype=np.float64))

    def __repr__(self) -> str:
        return (f"Threshold(threshold={self.threshold:g}, low={self.low:g}, high={self.high:g}, "
                f"at_threshold={self.at_threshold!r})")


class LinearThreshold(Activation):
    """The linear-threshold (saturating ramp) function of §5(б).

    ``low`` for S ≤ ``start``, ``high`` for S ≥ ``end``, and the straight line joining
    (start, low) to (end, high) between them. The derivative is the ramp's slope strictly
    between ``start`` and ``end`` and 0 outside; at the two kinks it does not exist and 0 is
    returned (the flat side).
    """

    name = "linear_threshold"

    def __init__(self, start: float = 0.0, end: float = 1.0, low: float = 0.0, high: float = 1.0):
        where = "LinearThreshold()"
        self.start = validate.real(where, "start", start)
        self.end = validate.real(where, "end", end)
        self.low = validate.real(where, "low", low)
        self.high = validate.real(where, "high", high)
        if not self.start < self.end:
            raise ValueError(f"{where}: 'start' must be below 'end', got start={start!r}, end={end!r}")
        if not self.low < self.high:
            raise ValueError(f"{where}: 'low' must be below 'high', got low={low!r}, high={high!r}")
        self.slope = (self.high - self.low) / (self.end - self.start)

    def __call__(self, S):
        S = np.asarray(S, dtype=np.float64)
        return np.clip(self.low + self.slope * (S - self.start), self.low, self.high)

    def derivative(self, S):
        S = np.asarray(S, dtype=np.float64)
        return np.where((S > self.start) & (S < self.end), self.slope, 0.0)

    def __repr__(self) -> str:
        return f"LinearThreshold(start={self.start:g}, end={self.end:g}, low={self.low:g}, high={self.high:g})"


class Sigmoid(Activation):
    """The logistic sigmoid of §5(в): F(S) = 1 / (1 + e^(−a·S)), F′(S) = a·F(S)(1 − F(S)).

    ``slope`` is a (1 by default). Computed with ``scipy.special.expit``, which never
    overflows: F(−1000) is exactly 0 with no warning.
    """

    name = "sigmoid"

    def __init__(self, slope: float = 1.0):
        self.slope = validate.real("Sigmoid()", "slope", slope, low=0.0, low_open=True)

    def __call__(self, S):
        return expit(self.slope * np.asarray(S, dtype=np.float64))

    def derivative(self, S):
        Y = self(S)
        return self.slope * Y * (1.0 - Y)

    def __repr__(self) -> str:
        return f"Sigmoid(slope={self.slope:g})"


class Tanh(Activation):
    """The hyperbolic tangent of §5(г): F(S) = tanh S ∈ (−1, 1), F′(S) = 1 − tanh² S."""

    name = "tanh"

    def __call__(self, S):
        return np.tanh(np.asarray(S, dtype=np.float64))

    def derivative(self, S):
        return 1.0 - np.tanh(np.asarray(S, dtype=np.float64)) ** 2


class Identity(Activation):
    """The linear activation Y = S of the Widrow–Hoff neuron (and Keras's "linear"); F′ = 1."""

    name = "identity"

    def __call__(self, S):
        return np.asarray(S, dtype=np.float64).copy()

    def derivative(self, S):
        return np.ones_like(np.asarray(S, dtype=np.float64))


_BY_NAME = {"threshold": Threshold, "step": Threshold, "linear_threshold": LinearThreshold,
            "sigmoid": Sigmoid, "logistic": Sigmoid, "tanh": Tanh, "identity": Identity,
            "linear": Identity}


def get_activation(activation) -> Activation:
    """An :class:`Activation` from an instance or a name ("threshold", "linear_threshold",
    "sigmoid", "tanh", "identity"; aliases "step", "logistic", "linear")."""
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str) and activation.lower() in _BY_NAME:
        return _BY_NAME[activation.lower()]()
    raise ValueError(
        f"argument 'activation' must be an Activation or one of {sorted(_BY_NAME)}, got {activation!r}"
    )


class FormalNeuron:
    """The formal neuron: S = Σᵢ wᵢXᵢ − b, Y = F(S) (lecture notes §5).

    Parameters
    ----------
    weights : array_like, shape (n,)
        w₁ … wₙ.
    threshold : float
        b, subtracted from the weighted sum.
    activation : str or Activation
        F; see :func:`get_activation`. Default: the threshold function.

    Examples
    --------
    >>> neuron = FormalNeuron([1.0, 1.0], threshold=1.5)       # AND with a step
    >>> [int(neuron([x1, x2])) for x1, x2 in [(0, 0), (0, 1), (1, 0), (1, 1)]]
    [0, 0, 0, 1]
    """

    def __init__(self, weights, threshold: float = 0.0, activation="threshold"):
        where = "FormalNeuron()"
        w = as_real_array("weights", weights, where)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(f"{where}: argument 'weights' must be a non-empty 1-D list of numbers, got shape {w.shape}")
        self.weights = w
        self.threshold = validate.real(where, "threshold", threshold)
        self.activation = get_activation(activation)

    @property
    def n_inputs(self) -> int:
        return self.weights.shape[0]

    @property
    def parameters(self) -> dict:
        """The neuron's parameters in the notes' sense: its threshold and all its weights."""
        return {"threshold": self.threshold, "weights": self.weights.copy()}

    def _inputs(self, X, where: str) -> np.ndarray:
        a = as_real_array("X", X, where)
        if a.ndim not in (1, 2) or a.shape[-1] != self.n_inputs:
            raise ValueError(
                f"{where}: this neuron has {self.n_inputs} inputs, so 'X' must be {self.n_inputs} "
                f"numbers (or a (P, {self.n_inputs}) array of patterns); got shape {a.shape}"
            )
        return a

    def weighted_sum(self, X):
        """S = Σᵢ wᵢXᵢ − b; a float for one pattern (n,), an array (P,) for patterns (P, n)."""
        S = self._inputs(X, "FormalNeuron.weighted_sum()") @ self.weights - self.threshold
        return float(S) if np.ndim(S) == 0 else S

    def __call__(self, X):
        """Y = F(S); a float for one pattern, an array (P,) for patterns (P, n)."""
        S = self._inputs(X, "FormalNeuron()") @ self.weights - self.threshold
        Y = self.activation(S)
        return float(Y) if np.ndim(Y) == 0 else Y

    def __repr__(self) -> str:
        w = ", ".join(f"{v:g}" for v in self.weights)
        return f"FormalNeuron(weights=[{w}], threshold={self.threshold:g}, activation={self.activation!r})"


#: The 5×5 weight matrix of the lecture notes' §1.3 (figure ``Svyazi-neyronov``), read column by
#: column from the extracted text; entry [i−1, j−1] is the weight from element i to element j,
#: and the text's check "from the 2nd element to the 3rd, weight 3" is ``[1, 2] == 3``.
LECTURE_WEIGHT_MATRIX = np.array([
    [0.0, -0.4, -5.6, 4.7, 0.0],
    [1.2, 0.0, 3.0, 0.0, 2.4],
    [0.0, 0.0, 0.0, -3.3, 7.5],
    [-2.4, 0.0, 0.0, 0.0, 2.5],
    [0.0, 0.0, 0.0, 0.0, 0.0],
])


class ConnectionMatrix:
    """The connections of a network as a weight matrix (lecture notes §1.3).

    Element w_ij is the weight of the connection *from* element i *to* element j (0: no
    connection). The notes number elements from 1; :meth:`weight` and :meth:`connections` do
    too, while :attr:`W` is an ordinary 0-based NumPy array.

    Parameters
    ----------
    W : array_like, shape (N, N)
    """

    def __init__(self, W=None):
        where = "ConnectionMatrix()"
        W = LECTURE_WEIGHT_MATRIX if W is None else W
        a = as_real_array("W", W, where)
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.size == 0:
            raise ValueError(f"{where}: argument 'W' must be a square matrix (N, N), got shape {a.shape}")
        self.W = a.copy()

    @property
    def size(self) -> int:
        return self.W.shape[0]

    def weight(self, i: int, j: int) -> float:
        """w_ij, the weight from element i to element j, both numbered from 1 as in the text."""
        for name, k in (("i", i), ("j", j)):
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= self.size:
                raise ValueError(
                    f"ConnectionMatrix.weight(): argument {name!r} must be an element number "
                    f"1..{self.size} (the text counts from 1), got {k!r}"
                )
        return float(self.W[i - 1, j - 1])

    def connections(self) -> list:
        """All connections as ``(from_i, to_j, weight)``, numbered from 1, row by row."""
        return [(i + 1, j + 1, float(self.W[i, j]))
                for i in range(self.size) for j in range(self.size) if self.W[i, j] != 0]

    def net(self, outputs) -> np.ndarray:
        """Combined inputs net_j = Σᵢ xᵢ·w_ij of every element, given every element's output xᵢ
        (§1.2: no threshold in this formula). Shape (N,)."""
        x = as_real_array("outputs", outputs, "ConnectionMatrix.net()")
        if x.shape != (self.size,):
            raise ValueError(
                f"ConnectionMatrix.net(): argument 'outputs' must hold one output per element, "
                f"{self.size} numbers, got shape {x.shape}"
            )
        return x @ self.W
