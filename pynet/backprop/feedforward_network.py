"""Nielsen's feedforward network (the course project's ``network.py``), written fresh.

A fully connected sigmoid network trained by mini-batch stochastic gradient descent with
backpropagation, a choice of cost (quadratic, cross-entropy, softmax + log-likelihood), L2 weight
decay, two weight initialisations, per-epoch monitoring and JSON save/load::

    from pynet.backprop.feedforward_network import Network, CrossEntropyCost
    from pynet.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load()
    training_data = mnist.nielsen_pairs(x_train, y_train, one_hot=True)
    test_data = mnist.nielsen_pairs(x_test, y_test, one_hot=False)

    net = Network([784, 30, 10], cost=CrossEntropyCost, seed=1)
    history = net.SGD(training_data, 30, 10, 0.5, lmbda=5.0, evaluation_data=test_data,
                      monitor_evaluation_accuracy=True)

Conventions (the text's, stated once)
-------------------------------------
* ``weights[l]`` has shape ``(sizes[l+1], sizes[l])`` and ``biases[l]`` ``(sizes[l+1], 1)``:
  ``w_jk`` connects unit k of one layer to unit j of the next, so z = w a + b.
* An example is a pair ``(x, y)``: ``x`` a ``(n_in, 1)`` column (``(n_in,)`` is accepted); ``y``
  **either** an ``int`` class label **or** a ``(n_out, 1)`` target column (one-hot for a
  classifier). The type says which — there is no ``convert`` flag. Costs use the target column
  (an int label is one-hot encoded); accuracy compares ``argmax`` of the output with the label
  (the argmax of a target column).
* In the matrix path a mini-batch is a matrix whose **columns are examples**: ``X`` is
  ``(n_in, m)``, every activation and δ is ``(n_l, m)`` (text §4.1).

Two backprop paths, one result
------------------------------
``method="loop"`` is chapter 3: :meth:`Network.update_mini_batch` calls :meth:`Network.backprop`
for one example at a time and adds up the gradients. ``method="matrix"`` (the default) is §4.1:
the whole mini-batch at once through the ``nielsen_*`` kernels of :mod:`pynet.kernels`, which are
compiled (BLAS ``?gemm``, the GIL released for a whole epoch) or their NumPy twins. With the same
seed both paths visit the same mini-batches and end with the same weights to rounding (≤ 1e-10).

Fixed here, compared with the original code (see ``docs/nielsen.md``): ``total_cost`` includes
λ/2n·Σw²; accuracy is computed once per epoch per data set; data are never shuffled in place and
may be any sequence (or a ``zip``); ``load`` looks the cost up in a fixed registry instead of
evaluating a name from the file; every random draw comes from the network's own generator.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as validate
from .. import kernels as _active_kernels
from ..persistence import PersistenceError, load_json, save_json
from .divergence import divergence
from .costs import (
    COSTS, CrossEntropyCost, LogLikelihoodCost, QuadraticCost, get_cost, sigmoid, sigmoid_prime,
)
from .nielsen_data import METHODS, Data, as_columns, check_sizes, is_label, prepare
from .nielsen_gradient_check import gradient_check

__all__ = ["Network", "Net", "History", "QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost",
           "default_weight_initializer", "large_weight_initializer", "gradient_check", "load",
           "sigmoid", "sigmoid_prime", "FILE_FORMAT"]

#: The ``"format"`` entry of a saved network file.
FILE_FORMAT = "pynet.backprop.feedforward_network.Network/1"


# -- initialisation ----------------------------------------------------------------------------

def default_weight_initializer(sizes, rng):
    """Weights ~ N(0, 1/√n_in), biases ~ N(0, 1) (text §6.2).

    With n_in inputs, z = Σ w x + b has standard deviation ≈ 1.22 for the text's half-on input
    of 1000 pixels, instead of √501 ≈ 22.4 with N(0, 1) weights: the hidden units start out of
    saturation. Returns ``(weights, biases)``.
    """
    biases = [rng.standard_normal((n_out, 1)) for n_out in sizes[1:]]
    weights = [rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
               for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, biases


def large_weight_initializer(sizes, rng):
    """Weights and biases ~ N(0, 1): the text's first scheme (§3), kept for comparison."""
    biases = [rng.standard_normal((n_out, 1)) for n_out in sizes[1:]]
    weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return weights, biases


INITIALIZERS = {"default": default_weight_initializer, "large": large_weight_initializer}


# -- history -----------------------------------------------------------------------------------

@dataclass
class History:
    """What :meth:`Network.SGD` monitored, one entry per epoch (empty lists if not monitored).

    Unpacks like the original's return value::

        evaluation_cost, evaluation_accuracy, training_cost, training_accuracy = history

    Accuracies are fractions in [0, 1]; costs include the L2 term.
    """

    evaluation_cost: list = field(default_factory=list)
    evaluation_accuracy: list = field(default_factory=list)
    training_cost: list = field(default_factory=list)
    training_accuracy: list = field(default_factory=list)
    epochs: int = 0

    def __iter__(self):
        return iter((self.evaluation_cost, self.evaluation_accuracy, self.training_cost,
                     self.training_accuracy))

    def to_keras(self) -> dict:
        """Keras-style ``{"loss", "accuracy", "val_loss", "val_accuracy"}`` (monitored ones only)."""
        pairs = {"loss": self.training_cost, "accuracy": self.training_accuracy,
                 "val_loss": self.evaluation_cost, "val_accuracy": self.evaluation_accuracy}
        return {k: list(v) for k, v in pairs.items() if v}

    def epoch_line(self, j: int) -> str:
        """The text's per-epoch line: ``Epoch j: Cost_train[..]..Acc_train[..]..Cost_val[..]..``."""
        parts = []
        for label, values in (("Cost_train", self.training_cost),
                              ("Acc_train", self.training_accuracy),
                              ("Cost_val", self.evaluation_cost),
                              ("Acc_val", self.evaluation_accuracy)):
            if values:
                parts.append(f"{label}[{values[j]:.6f}]")
        return f"Epoch {j}: " + "..".join(parts) if parts else f"Epoch {j} complete"

    def lines(self, start: int = -10, end: int | None = None) -> list:
        """Per-epoch lines for epochs ``[start:end]`` (the original's ``get_metrics``)."""
        return [self.epoch_line(j) for j in range(self.epochs)[start:end]]


# -- the network -------------------------------------------------------------------------------

class Network:
    """A fully connected feedforward network trained by mini-batch SGD with backpropagation.

    Parameters
    ----------
    sizes : list of int
        Units per layer, input first: ``[784, 30, 10]``. At least two layers, each >= 1.
    cost : cost class, instance or name, default :class:`CrossEntropyCost`
        ``QuadraticCost``, ``CrossEntropyCost`` (sigmoid outputs) or ``LogLikelihoodCost``
        (softmax outputs).
    seed : int, numpy.random.Generator or None
        Seeds the network's own generator, used for the initial weights and for shuffling in
        :meth:`SGD`. The same seed gives the same run (on either backend).
    initializer : {"default", "large"}
        :func:`default_weight_initializer` (N(0, 1/√n_in)) or :func:`large_weight_initializer`.
    method : {"matrix", "loop"}
        Backprop path used by :meth:`SGD` and :meth:`update_mini_batch` (see the module docs).
    backend : {None, "python", "cython"}
        Kernels for the matrix path: ``None`` uses the active :mod:`pynet.kernels` backend.

    Attributes
    ----------
    sizes, num_layers, weights, biases, cost, rng, method
    """

    def __init__(self, sizes, cost=CrossEntropyCost, *, seed=None, initializer="default",
                 method="matrix", backend=None):
        self.sizes = check_sizes(sizes)
        self.num_layers = len(self.sizes)
        self.cost = get_cost(cost)
        self.method = self._check_method(method, "Network()")
        if backend is None:
            self.kernels = _active_kernels
        elif backend in ("python", "cython"):
            try:
                self.kernels = _active_kernels.load_backend(backend, ["nielsen"])
            except ImportError as exc:
                raise ImportError(f"Network(backend='cython'): the compiled kernels are not "
                                  f"available ({exc}); {_active_kernels.BUILD_HINT}") from exc
        else:
            raise ValueError(f"Network(): 'backend' must be None, 'python' or 'cython', got "
                             f"{backend!r}")
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        if initializer not in INITIALIZERS:
            raise ValueError(f"Network(): 'initializer' must be one of {sorted(INITIALIZERS)}, "
                             f"got {initializer!r}")
        self.weights, self.biases = INITIALIZERS[initializer](self.sizes, self.rng)

    @staticmethod
    def _check_method(method, where):
        if method not in METHODS:
            raise ValueError(f"{where}: 'method' must be one of {METHODS}, got {method!r}")
        return method

    def __repr__(self):
        backend = getattr(self.kernels, "BACKEND", getattr(self.kernels, "name", "?"))
        return (f"Network({self.sizes}, cost={self.cost.name}, method={self.method!r}, "
                f"backend={backend!r})")

    # -- initialisers, the original's method names ----------------------------------------------
    def default_weight_initializer(self):
        """Re-initialise: weights ~ N(0, 1/√n_in), biases ~ N(0, 1), from ``self.rng``."""
        self.weights, self.biases = default_weight_initializer(self.sizes, self.rng)

    def large_weight_initializer(self):
        """Re-initialise: weights and biases ~ N(0, 1), from ``self.rng``."""
        self.weights, self.biases = large_weight_initializer(self.sizes, self.rng)

    @property
    def num_parameters(self) -> int:
        """Weights plus biases (23 860 for [784, 30, 10], as the text counts)."""
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases))

    # -- forward -------------------------------------------------------------------------------
    def _forward(self, a):
        """``(zs, activations)`` for a column matrix ``a`` (no checks)."""
        activations, zs = [a], []
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = w @ activations[-1] + b
            zs.append(z)
            activations.append(self.cost.activation(z) if l == last else sigmoid(z))
        return zs, activations

    def feedforward(self, a):
        """The network's output for input ``a``.

        Parameters
        ----------
        a : array_like, shape (n_in, 1), (n_in,) or (n_in, m)
            One example as a column (or 1-D), or m examples as columns.

        Returns
        -------
        ndarray, shape (n_out, 1), (n_out,) or (n_out, m), matching the input.
        """
        x, shape = as_columns(a, self.sizes[0], "feedforward()")
        out = self._forward(x)[1][-1]
        return out.reshape(-1) if shape == "vector" else out

    def predict(self, a):
        """``argmax`` of the output: an int for a 1-D input, else an int array with one entry
        per column."""
        x, shape = as_columns(a, self.sizes[0], "predict()")
        labels = np.argmax(self._forward(x)[1][-1], axis=0)
        return int(labels[0]) if shape == "vector" else labels

    # -- training ------------------------------------------------------------------------------
    def SGD(self, training_data, epochs, mini_batch_size, eta, lmbda=0.0, evaluation_data=None,
            monitor_evaluation_cost=False, monitor_evaluation_accuracy=False,
            monitor_training_cost=False, monitor_training_accuracy=False, *, verbose=True,
            method=None, validation_data=None, monitor_validation_cost=None,
            monitor_validation_accuracy=None, print_fn=print) -> History:
        """Train by mini-batch stochastic gradient descent.

        Each epoch shuffles the visiting order with ``self.rng`` (the data themselves are not
        touched), cuts it into mini-batches of ``mini_batch_size`` (the last may be shorter) and
        takes one step per mini-batch (Eq. 54): ``w ← (1 − ηλ/n) w − (η/m) Σ ∂C_x/∂w``,
        ``b ← b − (η/m) Σ ∂C_x/∂b`` with n = ``len(training_data)``.

        Parameters
        ----------
        training_data : sequence of (x, y), or a ``Data``
            ``x`` a (n_in, 1) column; ``y`` an int label or a (n_out, 1) target column. A
            :class:`~pynet.backprop.nielsen_data.Data` from
            :func:`~pynet.backprop.nielsen_data.prepare` is used as it is (checked once
            already), which saves stacking the pairs again on every call.
        epochs : int >= 0
        mini_batch_size : int >= 1
        eta : float > 0
            Learning rate η.
        lmbda : float >= 0
            L2 regularisation λ.
        evaluation_data : sequence of (x, y), optional
            Held-out data for the ``monitor_evaluation_*`` flags (``validation_data`` is an
            alias, and so are the ``monitor_validation_*`` flags).
        monitor_* : bool
            Record cost / accuracy per epoch on the training or evaluation data.
        verbose : bool
            Print the text's per-epoch line.
        method : {"matrix", "loop"}, optional
            Override ``self.method`` for this call.
        print_fn : callable
            Receives each per-epoch line when ``verbose`` (default ``print``).

        Returns
        -------
        History
            Unpacks as ``(evaluation_cost, evaluation_accuracy, training_cost,
            training_accuracy)``.

        Raises
        ------
        TypeError, ValueError
            For bad arguments or data — before any weight changes.
        FloatingPointError
            If the weights become NaN/Inf (η too large); says at which epoch.
        """
        where = "SGD()"
        if validation_data is not None:
            if evaluation_data is not None:
                raise TypeError(f"{where}: pass evaluation_data or validation_data, not both")
            evaluation_data = validation_data
        if monitor_validation_cost is not None:
            monitor_evaluation_cost = monitor_validation_cost
        if monitor_validation_accuracy is not None:
            monitor_evaluation_accuracy = monitor_validation_accuracy
        method = self._check_method(self.method if method is None else method, where)
        epochs = validate.nonnegative_int(where, "epochs", epochs)
        mini_batch_size = validate.positive_int(where, "mini_batch_size", mini_batch_size)
        eta = validate.positive_real(where, "eta", eta)
        lmbda = validate.real(where, "lmbda", lmbda, low=0)
        train = prepare(training_data, self.sizes, where, "training_data")
        evaluation = None
        if evaluation_data is not None:
            evaluation = prepare(evaluation_data, self.sizes, where, "evaluation_data")
        elif monitor_evaluation_cost or monitor_evaluation_accuracy:
            raise ValueError(f"{where}: monitor_evaluation_cost/accuracy needs evaluation_data")
        if train.x_max > 1.5:
            warnings.warn(f"{where}: training inputs go up to {train.x_max:g}; the text's "
                          "networks expect pixels scaled to [0, 1] (divide by 255)", stacklevel=2)

        n = len(train)
        history = History()
        before = self._parameters_copy()
        for j in range(epochs):
            order = self.rng.permutation(n)
            if method == "matrix":
                self.kernels.nielsen_epoch(self.weights, self.biases, train.x, train.t, order,
                                           mini_batch_size, eta, lmbda, n, self.cost.kernel_name)
            else:
                for k in range(0, n, mini_batch_size):
                    batch = order[k:k + mini_batch_size]
                    mini_batch = [(train.x[i][:, None], train.t[i][:, None]) for i in batch]
                    self._update_loop(mini_batch, eta, lmbda, n)
            self._check_diverged(where, f"during epoch {j}", eta, before)
            if monitor_training_cost:
                history.training_cost.append(self._total_cost(train, lmbda))
            if monitor_training_accuracy:
                history.training_accuracy.append(self._accuracy(train))
            if monitor_evaluation_cost:
                history.evaluation_cost.append(self._total_cost(evaluation, lmbda))
            if monitor_evaluation_accuracy:
                history.evaluation_accuracy.append(self._accuracy(evaluation))
            history.epochs = j + 1
            if verbose:
                print_fn(history.epoch_line(j))
        return history

    def update_mini_batch(self, mini_batch, eta, lmbda=0.0, n=None, *, method=None):
        """One gradient step on ``mini_batch`` (a list of (x, y) pairs), Eq. 54 with Eq. 37.

        ``n`` is the size of the whole training set in the decay factor 1 − ηλ/n (default: the
        mini-batch's size). The loop method sums per-example :meth:`backprop` results; the
        matrix method stacks the batch as columns and calls ``nielsen_step``.
        """
        where = "update_mini_batch()"
        method = self._check_method(self.method if method is None else method, where)
        eta = validate.positive_real(where, "eta", eta)
        lmbda = validate.real(where, "lmbda", lmbda, low=0)
        data = prepare(mini_batch, self.sizes, where, "mini_batch")
        n = len(data) if n is None else validate.positive_int(where, "n", n)
        before = self._parameters_copy()
        if method == "loop":
            self._update_loop([(x[:, None], t[:, None]) for x, t in zip(data.x, data.t)],
                              eta, lmbda, n)
        else:
            self.kernels.nielsen_step(self.weights, self.biases, data.x.T, data.t.T, eta, lmbda,
                                      n, self.cost.kernel_name)
        self._check_diverged(where, "in this step", eta, before)

    def _parameters_copy(self):
        return [w.copy() for w in self.weights], [b.copy() for b in self.biases]

    def _check_diverged(self, where, when, eta, before):
        """After the last update of a call: NaN/Inf or saturating weights restore ``before``
        (the parameters at the start of the call) and raise, saying what to change."""
        what = divergence([(f"weights[{i}]", w) for i, w in enumerate(self.weights)]
                          + [(f"biases[{i}]", b) for i, b in enumerate(self.biases)])
        if what is None:
            return
        for cur, old in zip(self.weights + self.biases, before[0] + before[1]):
            cur[...] = old
        raise FloatingPointError(
            f"{where}: training diverged {when}: {what} with eta={eta:g}. Try a smaller eta (the "
            f"text uses 0.1 to 3.0; say {min(0.5, eta / 100):g}) and check the inputs are scaled to "
            "[0, 1]. The weights and biases were restored to what they were before this call.")

    def _update_loop(self, mini_batch, eta, lmbda, n):
        """Chapter 3: backprop one example at a time, add up, then step (Eqs. 36–37, 54)."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        m = len(mini_batch)
        decay = 1.0 - eta * lmbda / n
        for w, b, nw, nb in zip(self.weights, self.biases, nabla_w, nabla_b):
            if decay != 1.0:
                w *= decay
            w -= (eta / m) * nw
            b -= (eta / m) * nb

    def backprop(self, x, y):
        """Gradients of Σ_x C_x for one example or a column mini-batch.

        Parameters
        ----------
        x : ndarray, shape (n_in, 1) or (n_in, m)
        y : int, or ndarray of shape (n_out, 1) or (n_out, m)
            An int label (one example) or target columns.

        Returns
        -------
        (nabla_b, nabla_w) : lists shaped like ``biases`` and ``weights``, summed over columns.
        """
        x, _ = as_columns(x, self.sizes[0], "backprop()")
        if is_label(y):
            if not 0 <= int(y) < self.sizes[-1]:
                raise ValueError(f"backprop(): label {int(y)} is outside 0..{self.sizes[-1] - 1}")
            t = np.zeros((self.sizes[-1], 1))
            t[int(y)] = 1.0
            y = t
        y = np.asarray(y, dtype=np.float64).reshape(self.sizes[-1], -1)
        if y.shape[1] != x.shape[1]:
            raise ValueError(f"backprop(): x has {x.shape[1]} column(s) but y has {y.shape[1]}")
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        # Feedforward, keeping every z and activation for the backward pass.
        zs, activations = self._forward(x)
        # BP1: the output error δ^L = ∇_a C ⊙ σ′(z^L) (the cost class knows its form).
        delta = self.cost.delta(zs[-1], activations[-1], y)
        # Layers are counted from the end with Python's negative indices, as Nielsen's code
        # does: l = 1 is the output layer, l = 2 the one before it, and so on. In that count
        # weights[-l] and zs[-l] belong to layer l, activations[-l - 1] is its input (the list
        # of activations starts with x, so it is one longer), and weights[-l + 1] is the layer
        # after it, through which BP2 carries δ back.
        for l in range(1, self.num_layers):
            if l > 1:
                # BP2: δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l), one layer further back.
                delta = (self.weights[-l + 1].T @ delta) * sigmoid_prime(zs[-l])
            nabla_b[-l] = delta.sum(axis=1, keepdims=True)                # BP3: ∂C/∂b = δ
            nabla_w[-l] = delta @ activations[-l - 1].T                   # BP4: ∂C/∂w = δ aᵀ
        return nabla_b, nabla_w

    # -- measuring -----------------------------------------------------------------------------
    def _outputs(self, data: Data):
        zs, activations = self._forward(data.x.T)
        return zs[-1], activations[-1]

    def _accuracy(self, data: Data) -> float:
        if len(data) == 0:
            return float("nan")
        _, a = self._outputs(data)
        return float(np.mean(np.argmax(a, axis=0) == data.labels))

    def _l2(self, lmbda, n):
        return 0.5 * (lmbda / n) * sum(float(np.sum(w * w)) for w in self.weights)

    def _total_cost(self, data: Data, lmbda: float) -> float:
        n = len(data)
        z, a = self._outputs(data)
        return self.cost.fn(a, data.t.T, z) / n + self._l2(lmbda, n)

    def accuracy(self, data) -> float:
        """Fraction of ``data`` whose output argmax equals the label (int or one-hot y)."""
        return self._accuracy(prepare(data, self.sizes, "accuracy()", "data"))

    def evaluate(self, test_data) -> int:
        """Number of examples classified correctly (the text's §3 ``evaluate``)."""
        d = prepare(test_data, self.sizes, "evaluate()", "test_data")
        return int(round(self._accuracy(d) * len(d)))

    def total_cost(self, data, lmbda=0.0) -> float:
        """C = (1/n) Σ_x C_x + λ/(2n) Σ w² over ``data`` (n = len(data)), Eqs. 48–50.

        The original course code left the L2 term out; Nielsen's own ``network2`` added it once
        per example inside the loop. Here it is added exactly once.
        """
        lmbda = validate.real("total_cost()", "lmbda", lmbda, low=0)
        return self._total_cost(prepare(data, self.sizes, "total_cost()", "data"), lmbda)

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": FILE_FORMAT, "sizes": list(self.sizes),
                "weights": [w.tolist() for w in self.weights],
                "biases": [b.tolist() for b in self.biases],
                "cost": self.cost.name}

    def save(self, filename):
        """Write sizes, weights, biases and the cost's name as JSON, atomically."""
        save_json(filename, self.to_dict())

    @classmethod
    def load(cls, filename, **kwargs):
        """Read a network written by :meth:`save`.

        The cost is looked up by name in :data:`pynet.backprop.costs.COSTS` (never evaluated).
        ``kwargs`` (``method``, ``backend``, ``seed``) go to the constructor.

        Raises
        ------
        PersistenceError
            Truncated or invalid JSON, a missing field, an unknown cost, or arrays whose shapes
            do not match ``sizes``.
        """
        data = load_json(filename)
        where = f"{filename!r}"
        if not isinstance(data, dict):
            raise PersistenceError(f"{where} does not hold a saved network (top level is "
                                   f"{type(data).__name__})")
        missing = [k for k in ("sizes", "weights", "biases", "cost") if k not in data]
        if missing:
            raise PersistenceError(f"{where} is missing {missing}; not a saved Network")
        if data.get("format", FILE_FORMAT) != FILE_FORMAT:
            raise PersistenceError(f"{where} has format {data.get('format')!r}, expected "
                                   f"{FILE_FORMAT!r}")
        if data["cost"] not in COSTS:
            raise PersistenceError(f"{where} names cost {data['cost']!r}; known costs are "
                                   f"{sorted(COSTS)}")
        sizes = data["sizes"]
        if not isinstance(sizes, list) or len(sizes) < 2 or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in sizes):
            raise PersistenceError(f"{where}: bad 'sizes': must be a list of at least two positive "
                                   f"integers, got {sizes!r}")
        # Every stored array is converted and checked against 'sizes' *before* the network is
        # built: the arrays are bounded by the file's size, the sizes alone are not ([1e5, 1e5]
        # would allocate 75 GiB of weights).
        expected = {"weights": [(b, a) for a, b in zip(sizes[:-1], sizes[1:])],
                    "biases": [(b, 1) for b in sizes[1:]]}
        loaded = {}
        for key, shapes in expected.items():
            stored = data[key]
            if not isinstance(stored, list) or len(stored) != len(shapes):
                raise PersistenceError(f"{where}: '{key}' must be a list of {len(shapes)} "
                                       f"arrays for sizes {sizes}")
            loaded[key] = []
            for i, (s, shape) in enumerate(zip(stored, shapes)):
                try:
                    arr = np.array(s, dtype=np.float64)
                except (TypeError, ValueError):
                    raise PersistenceError(f"{where}: {key}[{i}] is not a numeric array") from None
                if arr.shape != shape:
                    raise PersistenceError(f"{where}: {key}[{i}] has shape {arr.shape}, expected "
                                           f"{shape} for sizes {sizes}")
                if not np.isfinite(arr).all():
                    raise PersistenceError(f"{where}: {key}[{i}] holds NaN or Inf")
                loaded[key].append(arr)
        try:
            net = cls(sizes, cost=COSTS[data["cost"]], **kwargs)
        except (TypeError, ValueError) as exc:
            raise PersistenceError(f"{where}: bad 'sizes' {sizes!r} ({exc})") from None
        for key, current in (("weights", net.weights), ("biases", net.biases)):
            for c, arr in zip(current, loaded[key]):
                c[...] = arr
        return net


#: The call-site name the course text uses.
Net = Network


def load(filename, **kwargs) -> Network:
    """Module-level :meth:`Network.load`."""
    return Network.load(filename, **kwargs)
