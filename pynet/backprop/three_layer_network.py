"""Rashid's three-layer network (*Make Your Own Neural Network*, part 2): train, query, back-query.

The class :class:`ThreeLayerNetwork` keeps the book's names and shapes so that it can be read beside
the text:

* ``inodes``, ``hnodes``, ``onodes`` — nodes in the input, hidden and output layer;
* ``wih`` — weights input → hidden, shape ``(hnodes, inodes)``; ``who`` — hidden → output, shape
  ``(onodes, hnodes)``. Row ``j`` of a matrix holds the links *into* node ``j`` of the next layer,
  so one matrix product moves a whole layer's signal forward;
* ``lr`` — the learning rate; the activation is the logistic sigmoid and there are no biases;
* signals are **column vectors** ``(n, 1)``, as in the book: ``query`` returns ``(onodes, 1)`` and
  ``backquery`` returns ``(inodes, 1)``. ``train`` and ``query`` accept a list, a 1-D array or a
  column.

For whole data sets, :meth:`ThreeLayerNetwork.train_epoch` and :meth:`ThreeLayerNetwork.query_batch`
take one sample per *row* (``(N, inodes)``). The train step runs in one kernel from
:mod:`pynet.kernels` (``rashid_train_step`` / ``rashid_train_epoch``): compiled (BLAS ``?gemv``
and ``?ger``, GIL released) when built, otherwise its NumPy twin, which is the book's arithmetic
line for line. Both give the same weights to rounding (≤ 1e-10 after an epoch of MNIST).

:class:`BookNetwork` (first in this file) is the book's own NumPy formulation — per-sample
``numpy.dot`` on column vectors, no checks — with its steps numbered: read it first. It is also
the yardstick for accuracy and speed. The argument checks of :class:`ThreeLayerNetwork` live in
:mod:`pynet.kernels._checks.rashid`, beside the kernels' own.

Errata of the original text and code, and what pynet does
---------------------------------------------------------
* **Initial weights.** The listing draws ``wih`` from Normal(0, ``hnodes**-0.5``) and ``who`` from
  Normal(0, ``onodes**-0.5``): the spread uses the size of the layer the links lead *to*. The rule
  the text itself explains (1/√(number of incoming links)) needs the fan-in: ``inodes**-0.5`` for
  ``wih`` and ``hnodes**-0.5`` for ``who``; the author later agreed and changed his notebooks.
  ``init="book"`` (the default) reproduces the listing; ``init="fan_in"`` is the corrected rule.
* **A Cyrillic letter in an identifier.** The Russian edition's ``query`` calls
  ``self.асtivation_function`` with Cyrillic "а"/"с", which is a different name and raises
  ``AttributeError``; here every name is ASCII.
* **Removed library functions.** ``numpy.asfarray`` (gone in NumPy 2.0) is replaced by
  ``numpy.asarray(..., dtype=float)``; ``scipy.misc.imread`` by Pillow in
  :mod:`pynet.datasets.own_digits`; ``scipy.ndimage.interpolation.rotate`` by
  ``scipy.ndimage.rotate`` in :mod:`pynet.augment`.
* **Labels from file names.** The own-image notebook took the label from a fixed character
  position of the file name, which breaks for other names; :mod:`pynet.datasets.own_digits` uses an
  explicit label or a regular expression with a clear error.
"""
from __future__ import annotations

import numbers

import numpy as np
from scipy.special import expit

from pynet import _validate as validate
from pynet.kernels._checks import rashid as checks
from pynet.backprop.divergence import divergence
from pynet.persistence import PersistenceError, check_shapes, load_npz, save_npz

__all__ = ["ThreeLayerNetwork", "BookNetwork", "INITS"]

#: Initialisation rules: name -> (std of wih, std of who) as functions of (inodes, hnodes, onodes).
INITS = {
    "book": lambda i, h, o: (h ** -0.5, o ** -0.5),
    "fan_in": lambda i, h, o: (i ** -0.5, h ** -0.5),
}

_MODEL_TAG = "pynet.backprop.ThreeLayerNetwork"
#: Up to this learning rate ``train`` checks only ``who`` after each step (see ``train``).
_UNGUARDED_LR = 1.0


def _rescale(signal):
    """The book's back-query rescale into [0.01, 0.99]: subtract the minimum, divide by the
    maximum, times 0.98, plus 0.01 (in place on a new array). A constant signal carries no
    information and would divide 0 by 0; it becomes 0.5 everywhere instead of NaN."""
    signal = signal - np.min(signal)
    top = np.max(signal)
    if top == 0:
        return np.full_like(signal, 0.5)
    signal /= top
    signal *= 0.98
    signal += 0.01
    return signal


class BookNetwork:
    """The book's network exactly as its listing computes it: read this class first.

    Every method works on one sample as **column vectors** built with ``numpy.array(...,
    ndmin=2).T`` and multiplies with ``numpy.dot``, the arithmetic of the book's
    ``neuralNetwork`` class. There are no argument checks and no kernels: hand it what the book
    hands it. :class:`ThreeLayerNetwork` below does the same arithmetic with checks, compiled
    kernels, whole-epoch training, saving and back-query; pynet's tests hold the two to the same
    weights. The initial weights are drawn as ``ThreeLayerNetwork(init="book")`` draws them, so
    the same ``seed`` starts both from identical weights.

    Shapes: ``wih`` (hnodes, inodes), ``who`` (onodes, hnodes); inputs (inodes, 1), outputs
    (onodes, 1).
    """

    def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate, seed=None):
        """The book's ``__init__``: layer sizes, learning rate, and weights drawn from
        N(0, 1/√(nodes of the layer the links lead to)) — the listing's rule (see the module
        docstring's errata for the fan-in rule the text describes)."""
        self.inodes, self.hnodes, self.onodes = inputnodes, hiddennodes, outputnodes
        self.lr = learningrate
        rng = np.random.default_rng(seed)
        self.wih = rng.normal(0.0, pow(self.hnodes, -0.5), (self.hnodes, self.inodes))
        self.who = rng.normal(0.0, pow(self.onodes, -0.5), (self.onodes, self.hnodes))
        self.activation_function = expit          # the sigmoid, 1 / (1 + e^−x)

    def train(self, inputs_list, targets_list):
        """One record: forward pass, the errors of both layers, and the two weight updates
        ΔW = lr · (E ⊙ O ⊙ (1 − O)) · (previous layer's output)ᵀ."""
        # 1. the record and its targets as columns
        inputs = np.array(inputs_list, ndmin=2).T
        targets = np.array(targets_list, ndmin=2).T
        # 2. forward: X_hidden = W_ih · I, O_hidden = σ(X_hidden); the same for the output layer
        hidden_inputs = np.dot(self.wih, inputs)
        hidden_outputs = self.activation_function(hidden_inputs)
        final_inputs = np.dot(self.who, hidden_outputs)
        final_outputs = self.activation_function(final_inputs)
        # 3. errors: target − actual at the output; split back by the weights, E_h = W_hoᵀ · E_o
        output_errors = targets - final_outputs
        hidden_errors = np.dot(self.who.T, output_errors)
        # 4. update the hidden → output links, then the input → hidden links
        self.who += self.lr * np.dot((output_errors * final_outputs * (1.0 - final_outputs)),
                                     np.transpose(hidden_outputs))
        self.wih += self.lr * np.dot((hidden_errors * hidden_outputs * (1.0 - hidden_outputs)),
                                     np.transpose(inputs))

    def query(self, inputs_list):
        """The forward pass alone: the output column (onodes, 1) for one record."""
        inputs = np.array(inputs_list, ndmin=2).T
        hidden_outputs = self.activation_function(np.dot(self.wih, inputs))
        return self.activation_function(np.dot(self.who, hidden_outputs))


class ThreeLayerNetwork:
    """Rashid's neural network: input, hidden and output layer, sigmoid, no biases.

    Parameters
    ----------
    inputnodes, hiddennodes, outputnodes : int
        Nodes per layer (784, 200, 10 for MNIST in the book).
    learningrate : float
        ``lr`` in the update rule, > 0 (the book: 0.1).
    seed : int, numpy.random.Generator or None
        Source of the initial weights. The same seed gives the same weights, and after training
        the same numbers on both kernel backends.
    init : {"book", "fan_in"}
        ``"book"``: ``wih`` ~ N(0, hnodes^-0.5), ``who`` ~ N(0, onodes^-0.5), as in the listing.
        ``"fan_in"``: ``wih`` ~ N(0, inodes^-0.5), ``who`` ~ N(0, hnodes^-0.5), the corrected rule
        (see the module docstring).
    dtype : {"float64", "float32"}
        Precision of the weights and of the arithmetic. The book's numbers are float64.
    backend : {None, "python", "cython"}
        Kernels to use: ``None`` is the active backend of :mod:`pynet.kernels`; a name loads that
        backend (how the tests and tutorials compare the two).
    input_range : (float, float) or None
        Inputs outside this range raise (default ``(0.0, 1.0)``: the book scales pixels to
        0.01..1.0, so 0..255 means a forgotten scaling). ``None`` switches the check off.

    Attributes
    ----------
    inodes, hnodes, onodes : int
    lr : float
    wih : ndarray, shape (hnodes, inodes)
    who : ndarray, shape (onodes, hnodes)

    Examples
    --------
    >>> net = ThreeLayerNetwork(3, 3, 3, 0.3, seed=1)
    >>> net.train([1.0, 0.5, 0.01], [0.99, 0.01, 0.01])
    >>> net.query([1.0, 0.5, 0.01]).shape
    (3, 1)
    """

    def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate, *, seed=None,
                 init="book", dtype="float64", backend=None, input_range=(0.0, 1.0)):
        where = "ThreeLayerNetwork()"
        self.inodes = validate.positive_int(where, "inputnodes", inputnodes)
        self.hnodes = validate.positive_int(where, "hiddennodes", hiddennodes)
        self.onodes = validate.positive_int(where, "outputnodes", outputnodes)
        self._lr = checks.learning_rate(where, learningrate)
        if init not in INITS:
            raise ValueError(f"{where}: argument 'init' must be one of {sorted(INITS)}, "
                             f"got {init!r}")
        self.init = init
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"{where}: argument 'dtype' must be float32 or float64, got {dtype!r}")
        self._kernels, self.backend = self._pick_kernels(backend)
        self.input_range = checks.input_range(input_range)
        self.seed = seed if isinstance(seed, (numbers.Integral, type(None))) else None

        # The book's initialisation: normal, mean 0, spread from the layer sizes (see `init`).
        rng = np.random.default_rng(seed)
        std_wih, std_who = INITS[init](self.inodes, self.hnodes, self.onodes)
        self.wih = rng.normal(0.0, std_wih, (self.hnodes, self.inodes)).astype(self.dtype)
        self.who = rng.normal(0.0, std_who, (self.onodes, self.hnodes)).astype(self.dtype)

        # The book keeps the activation and its inverse as attributes.
        self.activation_function = self._kernels.sigmoid
        self.inverse_activation_function = self._kernels.logit

    # -- the learning rate: validated whenever it changes ------------------------------------
    @property
    def lr(self) -> float:
        """The learning rate (> 0)."""
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = checks.learning_rate("ThreeLayerNetwork.lr", value)

    # -- the book's three methods -------------------------------------------------------------
    def train(self, inputs_list, targets_list) -> None:
        """One training step on one sample (the book's ``train``).

        Parameters
        ----------
        inputs_list : list, 1-D array (inodes,) or column (inodes, 1)
            Pixel values scaled to 0.01..1.0.
        targets_list : list, 1-D array (onodes,) or column (onodes, 1)
            0.99 for the right label, 0.01 elsewhere in the book.

        Notes
        -----
        The kernel performs the book's lines in this order, on column vectors:

        1. ``hidden_inputs = wih · inputs``; ``hidden_outputs = sigmoid(hidden_inputs)``
        2. ``final_inputs = who · hidden_outputs``; ``final_outputs = sigmoid(final_inputs)``
        3. ``output_errors = targets − final_outputs``
        4. ``hidden_errors = whoᵀ · output_errors`` (with ``who`` before its update)
        5. ``who += lr · (output_errors * final_outputs * (1 − final_outputs)) · hidden_outputsᵀ``
        6. ``wih += lr · (hidden_errors * hidden_outputs * (1 − hidden_outputs)) · inputsᵀ``

        Read them as NumPy in :func:`pynet.kernels.reference.rashid.rashid_train_step`. Every check
        happens first: if this raises, ``wih`` and ``who`` are unchanged.
        """
        inputs = checks.vector("train", "inputs", inputs_list, self.inodes, self.dtype)
        targets = checks.vector("train", "targets", targets_list, self.onodes, self.dtype)
        checks.check_inputs("train", inputs, self.input_range)
        checks.check_targets("train", targets, low=0.0, high=1.0, open_=False)
        if self._lr <= _UNGUARDED_LR:
            # lr <= 1 moves no weight by more than about lr per step: the cheap check of who
            # after the step suffices (a copy of wih per sample would cost a third of the step).
            self._kernels.rashid_train_step(self.wih, self.who, self._lr, inputs, targets)
            self._check_diverged("train", (("who", self.who),), None)
        else:
            before = (self.wih.copy(), self.who.copy())
            self._kernels.rashid_train_step(self.wih, self.who, self._lr, inputs, targets)
            self._check_diverged("train", (("wih", self.wih), ("who", self.who)), before)

    def _check_diverged(self, where, named, before):
        """Raise (restoring ``before`` when given) if the last update left diverged weights."""
        what = divergence(named)
        if what is None:
            return
        if before is not None:
            self.wih[...], self.who[...] = before
            kept = "The weights were restored to what they were before this call."
        else:
            kept = "This one step changed the weights; build a new network."
        raise FloatingPointError(
            f"{where}(): training diverged: {what} after the update with lr={self._lr:g}. "
            f"Lower the learning rate (the book uses 0.1 to 0.3; try {min(0.3, self._lr / 100):g}) "
            f"and check the inputs are scaled to 0.01..1. {kept}")

    def query(self, inputs_list) -> np.ndarray:
        """The forward pass for one sample (the book's ``query``).

        Parameters
        ----------
        inputs_list : list, 1-D array (inodes,) or column (inodes, 1)

        Returns
        -------
        final_outputs : ndarray, shape (onodes, 1)
            A column vector, as in the book; the predicted label is its ``argmax``.
        """
        inputs = checks.vector("query", "inputs", inputs_list, self.inodes, self.dtype)[:, None]
        checks.check_inputs("query", inputs, self.input_range)
        # signals into and out of the hidden layer
        hidden_inputs = self.wih @ inputs
        hidden_outputs = self.activation_function(hidden_inputs)
        # signals into and out of the output layer
        final_inputs = self.who @ hidden_outputs
        final_outputs = self.activation_function(final_inputs)
        return final_outputs

    def backquery(self, targets_list) -> np.ndarray:
        """Run the network backwards: which input would give these outputs? (the book's
        ``backquery``).

        Parameters
        ----------
        targets_list : list, 1-D array (onodes,) or column (onodes, 1)
            Wanted outputs, each strictly between 0 and 1 (the sigmoid never reaches 0 or 1, so
            its inverse, the logit, is infinite there); the book uses 0.99 and 0.01.

        Returns
        -------
        inputs : ndarray, shape (inodes, 1)
            A column in [0.01, 0.99]; reshape to 28×28 to see an MNIST back-query image.

        Notes
        -----
        Each layer's signal is inverted with the logit, sent back through the transposed weights,
        then rescaled into [0.01, 0.99] (subtract the minimum, divide by the maximum, × 0.98,
        + 0.01), because the logit of the next layer back needs values inside (0, 1). The rescale
        throws away the overall size of the signal: only its pattern survives.
        """
        final_outputs = checks.vector("backquery", "targets", targets_list, self.onodes,
                                      self.dtype)[:, None]
        checks.check_targets("backquery", final_outputs, low=0.0, high=1.0, open_=True)
        # invert the output sigmoid
        final_inputs = self.inverse_activation_function(final_outputs)
        # signal out of the hidden layer, pushed back through the links
        hidden_outputs = self.who.T @ final_inputs
        hidden_outputs = _rescale(hidden_outputs)
        # invert the hidden sigmoid
        hidden_inputs = self.inverse_activation_function(hidden_outputs)
        # signal out of the input layer
        inputs = self.wih.T @ hidden_inputs
        inputs = _rescale(inputs)
        return inputs

    def backquery_label(self, label: int) -> np.ndarray:
        """``backquery`` with the book's targets for ``label`` (0.99 there, 0.01 elsewhere);
        returns ``(inodes, 1)``."""
        label = validate.integer("backquery_label()", "label", label, low=0, high=self.onodes - 1)
        targets = np.full(self.onodes, 0.01)
        targets[label] = 0.99
        return self.backquery(targets)

    # -- whole data sets -------------------------------------------------------------------
    def train_epoch(self, inputs, targets) -> None:
        """Train on every row of ``inputs`` in order, one sample at a time (the book's loop over
        the records, without shuffling).

        Parameters
        ----------
        inputs : array_like, shape (N, inodes)
            One sample per row, e.g. :func:`pynet.datasets.mnist.rashid_inputs`.
        targets : array_like, shape (N, onodes)
            One target row per sample, e.g. :func:`pynet.datasets.mnist.rashid_targets`.

        Every check runs before the first update: if this raises, the weights are unchanged.
        """
        x = checks.matrix("train_epoch", "inputs", inputs, self.inodes, self.dtype)
        t = checks.matrix("train_epoch", "targets", targets, self.onodes, self.dtype)
        if x.shape[0] != t.shape[0]:
            raise ValueError(f"train_epoch(): inputs has {x.shape[0]} rows but targets has "
                             f"{t.shape[0]}; each sample needs one target row")
        checks.check_inputs("train_epoch", x, self.input_range)
        checks.check_targets("train_epoch", t, low=0.0, high=1.0, open_=False)
        before = (self.wih.copy(), self.who.copy())
        self._kernels.rashid_train_epoch(self.wih, self.who, self._lr, x, t)
        self._check_diverged("train_epoch", (("wih", self.wih), ("who", self.who)), before)

    def query_batch(self, inputs) -> np.ndarray:
        """The forward pass for every row of ``inputs`` ``(N, inodes)``; returns ``(N, onodes)``
        (the rows are the transposes of the book's output columns)."""
        x = checks.matrix("query_batch", "inputs", inputs, self.inodes, self.dtype)
        checks.check_inputs("query_batch", x, self.input_range)
        return self._kernels.rashid_query_batch(self.wih, self.who, x)

    def predict(self, inputs) -> np.ndarray:
        """The label of each row: the index of the largest output, int64 ``(N,)``."""
        return np.argmax(self.query_batch(inputs), axis=1)

    def score(self, inputs, labels) -> float:
        """Fraction of rows whose predicted label equals ``labels`` (the book's scorecard mean)."""
        labels = np.asarray(labels)
        x = checks.matrix("score", "inputs", inputs, self.inodes, self.dtype)
        if labels.ndim != 1 or labels.shape[0] != x.shape[0]:
            raise ValueError(f"score(): argument 'labels' must be 1-D with {x.shape[0]} entries "
                             f"(one per row of inputs), got shape {labels.shape}")
        if x.shape[0] == 0:
            raise ValueError("score(): no samples to score (inputs has 0 rows)")
        return float(np.mean(self.predict(x) == labels))

    # -- saving -------------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the weights and settings to ``path`` (``.npz`` + JSON metadata, atomically, no
        pickle). Read back with :meth:`load`."""
        meta = {"model": _MODEL_TAG, "inodes": self.inodes, "hnodes": self.hnodes,
                "onodes": self.onodes, "lr": self._lr, "init": self.init,
                "dtype": self.dtype.name, "seed": None if self.seed is None else int(self.seed),
                "input_range": None if self.input_range is None else list(self.input_range)}
        save_npz(path, {"wih": self.wih, "who": self.who}, meta)

    @classmethod
    def load(cls, path, *, backend=None) -> "ThreeLayerNetwork":
        """Read a network written by :meth:`save`; the shapes and the dtype are checked against
        the stored layer sizes, and nothing is unpickled."""
        arrays, meta = load_npz(path)
        if meta.get("model") != _MODEL_TAG:
            raise PersistenceError(f"{path!r} holds {meta.get('model')!r}, not a {_MODEL_TAG}")
        # The layer sizes must agree with the arrays the file really holds (already read, within
        # load_npz's bounds) *before* the network is built: metadata declaring inodes = hnodes =
        # 10**5 would otherwise allocate 75 GiB of weights.
        nodes = {}
        for key in ("inodes", "hnodes", "onodes"):
            v = meta.get(key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise PersistenceError(f"{path!r}: metadata {key!r} must be a positive integer, "
                                       f"got {v!r}")
            nodes[key] = v
        try:
            check_shapes(path, arrays, {"wih": (nodes["hnodes"], nodes["inodes"]),
                                        "who": (nodes["onodes"], nodes["hnodes"])})
        except PersistenceError as exc:
            raise PersistenceError(f"{exc} (metadata inodes={nodes['inodes']}, "
                                   f"hnodes={nodes['hnodes']}, onodes={nodes['onodes']})") from None
        try:
            net = cls(meta["inodes"], meta["hnodes"], meta["onodes"], meta["lr"],
                      init=meta.get("init", "book"), dtype=meta.get("dtype", "float64"),
                      backend=backend, seed=0,
                      input_range=meta.get("input_range", (0.0, 1.0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise PersistenceError(f"{path!r}: invalid network settings in its metadata ({exc})") \
                from None
        check_shapes(path, arrays, {"wih": net.wih.shape, "who": net.who.shape})
        for name in ("wih", "who"):
            if arrays[name].dtype != net.dtype:
                raise PersistenceError(f"{path!r}: array {name!r} is {arrays[name].dtype}, "
                                       f"the metadata says {net.dtype}")
            if not np.isfinite(arrays[name]).all():
                raise PersistenceError(f"{path!r}: array {name!r} holds NaN or Inf")
        net.wih = np.ascontiguousarray(arrays["wih"])
        net.who = np.ascontiguousarray(arrays["who"])
        net.seed = meta.get("seed")
        return net

    def copy(self) -> "ThreeLayerNetwork":
        """An independent copy (same weights, settings and kernels)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.wih, new.who = self.wih.copy(), self.who.copy()
        return new

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __repr__(self) -> str:
        return (f"ThreeLayerNetwork({self.inodes}, {self.hnodes}, {self.onodes}, lr={self._lr}, "
                f"init={self.init!r}, dtype={self.dtype.name}, backend={self.backend!r})")

    # -- argument handling -------------------------------------------------------------------
    @staticmethod
    def _pick_kernels(backend):
        from pynet import kernels

        if backend is None:
            return kernels, kernels.BACKEND
        if backend not in ("python", "cython"):
            raise ValueError(f"ThreeLayerNetwork(): argument 'backend' must be None, 'python' or "
                             f"'cython', got {backend!r}")
        return kernels.load_backend(backend, ["linalg", "rashid"]), backend
