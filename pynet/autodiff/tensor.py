"""The Tensor engine: reverse-mode differentiation over NumPy arrays (the second step after
:mod:`.value`).

A :class:`Tensor` holds an ndarray ``data``. An operation on tensors that *require a gradient*
(or any operation inside :func:`record`) returns a tensor that remembers its parents and a
``backward`` function mapping ``dL/dout`` to ``dL/dparent`` for each parent — the operations, each
with its derivative beside its forward, live in :mod:`.ops`. :func:`gradient` walks the recorded
graph once in reverse topological order, as :meth:`Value.backward` does for scalars; the only new
idea is broadcasting: a parent of shape (3,) that was broadcast to (4, 3) receives the sum of the
four rows of the gradient (:func:`unbroadcast`).

Dtypes follow TensorFlow: Python floats become float32, Python ints int32, NumPy arrays keep
theirs, and a Python number combined with a tensor takes the tensor's dtype.

Three rules a learner meets as errors (they name what went wrong):

* the gradient of a non-scalar needs a seed ``dL/dout`` of the output's shape;
* a graph is freed by the backward pass that used it: a second pass needs ``retain_graph=True``
  (``record(persistent=True)`` for a tape);
* an operation without a derivative (``argmax``, ``equal``, ``unique``, a cast to integers …) is
  named when a gradient has to pass through it.
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

__all__ = ["Tensor", "tensor", "as_tensor", "gradient", "record", "no_grad", "unbroadcast",
           "NoGradientError", "GraphFreedError"]


class NoGradientError(TypeError):
    """A gradient had to pass through an operation that has none (argmax, equal, …)."""


class GraphFreedError(RuntimeError):
    """``backward`` ran a second time over a graph the first pass freed."""


class _Mode(threading.local):
    def __init__(self):
        self.enabled = True        # False inside no_grad()
        self.forced = 0            # > 0 inside record(): every operation is recorded


_mode = _Mode()

#: How Python scalars become arrays (TensorFlow's defaults).
_PY_DTYPES = {bool: np.bool_, int: np.int32, float: np.float32}


def _as_array(value, dtype=None) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.data
    if dtype is not None:
        return np.asarray(value, dtype=dtype)
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, int, float)):
        return np.asarray(value, dtype=_PY_DTYPES[type(value)])
    arr = np.asarray(value)
    if arr.dtype == np.float64 and not isinstance(value, np.generic):
        arr = arr.astype(np.float32)          # nested Python lists of floats: float32, like TF
    elif arr.dtype == np.int64 and not isinstance(value, np.generic):
        arr = arr.astype(np.int32)
    return arr


class Tensor:
    """An ndarray in a computational graph.

    Parameters
    ----------
    data : array_like
        The value (see the module docstring for the dtype rules).
    requires_grad : bool
        A leaf whose gradient :meth:`backward` should fill in ``grad`` (a trainable parameter).
    name : str, optional
        Shown in error messages and drawings.
    """

    __slots__ = ("data", "grad", "requires_grad", "parents", "op", "name", "_backward",
                 "_freed", "__weakref__")
    __array_priority__ = 100          # ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data, requires_grad=False, name=None, dtype=None):
        self.data = _as_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.parents = ()
        self.op = "leaf"
        self.name = name
        self._backward = None
        self._freed = False
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"Tensor(requires_grad=True): only floating-point tensors have "
                            f"gradients, got dtype {self.data.dtype}")

    # -- what it is ---------------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

    def numpy(self) -> np.ndarray:
        """The value as an ndarray (the tensor's own array, not a copy)."""
        return self.data

    def item(self):
        return self.data.item()

    def __len__(self):
        return len(self.data)

    def __float__(self):
        return float(self.data)

    def __repr__(self):
        label = f"name={self.name!r}, " if self.name else ""
        grad = ", requires_grad=True" if self.requires_grad and not self.parents else ""
        op = f", op={self.op}" if self.parents else ""
        body = np.array2string(self.data, precision=4, threshold=20, separator=", ")
        return f"Tensor({label}{body}, dtype={self.data.dtype}{grad}{op})"

    def describe(self) -> str:
        """``name`` or ``op``, with shape and dtype: how error messages refer to a tensor."""
        what = repr(self.name) if self.name else f"the output of '{self.op}'"
        return f"{what} (shape {self.shape}, {self.dtype})"

    # -- reverse mode ---------------------------------------------------------------------------
    def backward(self, seed=None, *, retain_graph=False):
        """Add ``d self / d leaf`` to ``grad`` of every leaf that requires a gradient.

        ``seed`` is ``dL/dself`` (needed unless ``self`` holds one number). Gradients accumulate
        across calls, as in PyTorch; the graph is freed unless ``retain_graph``.
        """
        leaves = [n for n in self.topological_order() if n.requires_grad and not n.parents]
        grads = _backprop(self, seed, leaves, retain_graph)
        for leaf, g in zip(leaves, grads):
            if g is not None:
                leaf.grad = g if leaf.grad is None else leaf.grad + g

    def topological_order(self) -> list:
        """This tensor and everything it was computed from, each after its parents."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents if id(p) not in seen)
        return order

    def detach(self) -> "Tensor":
        """The same values, cut from the graph."""
        return Tensor(self.data)

    def zero_grad(self):
        self.grad = None

    # Operators and methods are attached by .ops, which defines the operations.


def tensor(data, dtype=None, requires_grad=False, name=None) -> Tensor:
    """A new leaf tensor (``requires_grad=True`` for a parameter)."""
    return Tensor(data, requires_grad=requires_grad, name=name, dtype=dtype)


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """``value`` as a Tensor; a Python number takes the dtype of ``like`` (TF's weak typing)."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and like.data.dtype.kind in "fc" + ("iu" if isinstance(value, int) else ""):
        return Tensor(np.asarray(value, dtype=like.data.dtype))
    return Tensor(value)


def _recording(parents) -> bool:
    if not _mode.enabled:
        return False
    if _mode.forced > 0:
        return True
    for p in parents:
        if p.requires_grad:
            return True
    return False


def make(data, parents, op, backward) -> Tensor:
    """The output of operation ``op``: records ``parents`` and ``backward`` when a gradient may
    be wanted. ``backward(g)`` returns one gradient (or None) per parent; ``backward=None``
    marks an operation without a derivative."""
    out = Tensor.__new__(Tensor)
    out.data = data if isinstance(data, np.ndarray) else np.asarray(data)
    out.grad = None
    out.name = None
    out._freed = False
    if _recording(parents):
        out.requires_grad = True
        out.parents = tuple(parents)
        out.op = op
        out._backward = backward if backward is not None else _no_gradient
    else:
        out.requires_grad = False
        out.parents = ()
        out.op = op
        out._backward = None
    return out


def _no_gradient(g):  # marker: this operation has no derivative
    raise AssertionError("unreachable")


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` down to ``shape``: the gradient of a value NumPy broadcast from ``shape``.

    A broadcast copies the value along new leading axes and along axes of length 1; each copy
    received part of the gradient, so the parts are added back together.
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and g.shape[i + lead] != 1)
    g = g.sum(axis=axes, keepdims=True) if axes else g
    return g.reshape(shape)


def _backprop(root: Tensor, seed, targets: list, retain_graph: bool) -> list:
    """``d root / d target`` for each target (None where the target does not affect root)."""
    root_data = root.data
    if seed is None:
        if root_data.size != 1:
            raise ValueError(
                f"gradient of a non-scalar: {root.describe()} holds {root_data.size} numbers, so "
                f"dL/d(output) is not defined without a seed; reduce it to one number first "
                f"(e.g. .sum() or .mean()) or pass seed= an array of shape {root_data.shape}")
        seed = np.ones_like(root_data)
    else:
        seed = np.asarray(seed.data if isinstance(seed, Tensor) else seed)
        if seed.shape != root_data.shape:
            raise ValueError(f"seed has shape {seed.shape} but the output {root.describe()} has "
                             f"shape {root_data.shape}; they must match")
        seed = seed.astype(root_data.dtype, copy=False) if root_data.dtype.kind == "f" else seed
    if root._freed:
        raise GraphFreedError(_FREED_MESSAGE)
    order = root.topological_order()
    wanted = {id(t) for t in targets}
    # a node is "on the way" when some target is among its ancestors (or it is one)
    on_way = set()
    for node in order:
        if id(node) in wanted:
            on_way.add(id(node))
            continue
        for p in node.parents:
            if id(p) in on_way:
                on_way.add(id(node))
                break
    grads = {id(root): seed}
    found = {}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None or id(node) not in on_way:
            continue
        if id(node) in wanted:
            found[id(node)] = g
        if not node.parents:
            continue
        if node._freed:
            raise GraphFreedError(_FREED_MESSAGE)
        if node._backward is _no_gradient:
            sources = ", ".join(f"'{p.op}'" if p.parents else (repr(p.name) if p.name else "a leaf")
                                for p in node.parents)
            raise NoGradientError(
                f"operation '{node.op}' has no gradient, but the gradient of {root.describe()} "
                f"must pass through it (its input comes from {sources}); compute this value "
                f"outside the differentiated path, e.g. with no_grad() or .detach()")
        parent_grads = node._backward(g)
        for p, pg in zip(node.parents, parent_grads):
            if pg is None or id(p) not in on_way:
                continue
            if p.data.dtype.kind == "f" and pg.dtype != p.data.dtype:
                pg = pg.astype(p.data.dtype)
            if id(p) in grads:
                grads[id(p)] = grads[id(p)] + pg
            else:
                grads[id(p)] = pg
    if not retain_graph:
        for node in order:
            if node.parents:
                node._backward = None
                node._freed = True
    return [found.get(id(t)) for t in targets]


_FREED_MESSAGE = ("backward() ran through this graph before and freed it; pass "
                  "retain_graph=True to the first backward() (or use record(persistent=True)) "
                  "to differentiate the same graph twice")


def gradient(output: Tensor, inputs, seed=None, *, retain_graph=False):
    """``d output / d input`` for each of ``inputs`` (a Tensor or a list of them); None for an
    input the output does not depend on. ``seed`` is ``dL/d output`` for a non-scalar output."""
    if not isinstance(output, Tensor):
        raise TypeError(f"gradient(): output must be a Tensor, got {type(output).__name__}")
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"gradient(): inputs[{i}] must be a Tensor, got {type(t).__name__}")
    grads = _backprop(output, seed, inputs, retain_graph)
    return grads[0] if single else grads


class Tape:
    """What :func:`record` returns: ``tape.gradient(loss, sources)`` (TensorFlow's GradientTape)."""

    def __init__(self, persistent=False):
        self.persistent = persistent
        self._used = False

    def watch(self, *tensors):
        """Ask for gradients with respect to these leaves (constants, data) too; a trainable
        tensor (``requires_grad=True``) is watched already."""
        for t in tensors:
            if t.data.dtype.kind == "f":
                t.requires_grad = True

    def gradient(self, target, sources, output_gradients=None):
        """``d target / d source`` for each source (same structure: one Tensor, a list, or a dict
        of name -> Tensor), as ndarrays; None where the target does not depend on a source."""
        if self._used and not self.persistent:
            raise GraphFreedError("this tape's gradient() was already called once; use "
                                  "record(persistent=True) to ask for gradients more than once")
        self._used = True
        if isinstance(sources, dict):
            keys = list(sources)
            grads = gradient(target, [sources[k] for k in keys], output_gradients,
                             retain_graph=self.persistent)
            return dict(zip(keys, grads))
        return gradient(target, sources, output_gradients, retain_graph=self.persistent)


@contextlib.contextmanager
def record(persistent=False):
    """Record every operation in the block, then differentiate with ``tape.gradient``::

        with record() as tape:
            loss = ((x @ w - y) ** 2).mean()
        dw = tape.gradient(loss, w)
    """
    tape = Tape(persistent)
    _mode.forced += 1
    try:
        yield tape
    finally:
        _mode.forced -= 1


@contextlib.contextmanager
def no_grad():
    """Record nothing in the block (parameter updates, evaluation)."""
    before = _mode.enabled
    _mode.enabled = False
    try:
        yield
    finally:
        _mode.enabled = before
