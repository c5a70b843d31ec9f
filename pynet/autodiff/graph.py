"""TensorFlow 1's way of working, named as the lecture notes name it (§18, C26–C38): first build a
dataflow graph, then run parts of it in a session.

::

    from pynet.autodiff import graph as tf

    a = tf.constant(5.0); b = tf.constant(13.0)
    x = tf.placeholder(tf.float32, shape=(), name="x")
    y = tf.add(tf.multiply(a, x), b)
    with tf.Session() as sess:
        sess.run(y, feed_dict={x: -2.0})          # 3.0

A graph node (:class:`Node`) holds no number: it names an operation and its inputs. The
operations are the functions of :mod:`.ops`; called with a node they add a node to its graph
(:func:`.ops.operation`), and :meth:`Session.run` later calls the very same functions on
:class:`~.tensor.Tensor` values, in topological order. Training is the engine's reverse mode:
``GradientDescentOptimizer(lr).minimize(loss)`` is a node that, when run, records the forward pass,
takes ``d loss / d variable`` and updates each trainable variable with ``pynet.kernels.sgd_update``.

Variables live in the session (each session has its own values) and must be initialised by
running ``global_variables_initializer()`` first.
"""
from __future__ import annotations

import contextlib
import itertools
import types

import numpy as np

from . import ops
from .ops import *  # noqa: F401,F403 - the operations, for ``tf.add`` etc.
from .tensor import Tensor, _as_array, gradient, no_grad

truediv = divide = ops.div
matrix_transpose = ops.transpose
float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, bool_ = np.int32, np.int64, np.bool_
bool = np.bool_  # noqa: A001 - TensorFlow's tf.bool

_graph_ids = itertools.count(1)


class Graph:
    """A dataflow graph: nodes (operations) whose edges carry tensors.

    ``seed`` fixes the numbers ``random_normal`` draws in this graph.
    """

    def __init__(self, name=None, seed=None):
        self.name = name or f"graph_{next(_graph_ids)}"
        self.nodes = []
        self.variables = []
        self.summaries = []
        self.seed = seed
        self._counts = {}

    def unique_name(self, base: str) -> str:
        n = self._counts.get(base, 0)
        self._counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    @contextlib.contextmanager
    def as_default(self):
        """Within the block, new constants, placeholders and variables go into this graph."""
        _stack.append(self)
        try:
            yield self
        finally:
            _stack.pop()

    def get_tensor_by_name(self, name: str) -> "Node":
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"graph {self.name!r} has no node named {name!r}; it has "
                       f"{[n.name for n in self.nodes][:20]}")

    def trainable_variables(self) -> list:
        return [v for v in self.variables if v.trainable]

    def __repr__(self):
        return f"<Graph {self.name!r}: {len(self.nodes)} nodes, {len(self.variables)} variables>"


_stack = [Graph("default")]


def get_default_graph() -> Graph:
    return _stack[-1]


def reset_default_graph() -> None:
    """A fresh default graph (outside any ``as_default`` block)."""
    if len(_stack) > 1:
        raise RuntimeError("reset_default_graph(): called inside a `with graph.as_default():` block")
    _stack[0] = Graph("default")


class Node:
    """A tensor of a graph: the output of an operation, known by its name, computed only when a
    :class:`Session` runs it.

    ``kind`` is ``"const"``, ``"placeholder"``, ``"variable"``, ``"random"``, ``"op"`` (one of
    :mod:`.ops`), ``"output"`` (one result of a two-result operation), ``"init"``,
    ``"minimize"``, ``"summary"`` or ``"merge"``.
    """

    __array_priority__ = 200

    def __init__(self, graph, kind, name, *, op=None, args=(), kwargs=None, value=None,
                 dtype=None, shape=None, inputs=None, **extra):
        self.graph = graph
        self.kind = kind
        self.name = graph.unique_name(name)
        self.op = op
        self.args = args
        self.kwargs = kwargs or {}
        self.value = value
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.shape = shape
        self.__dict__.update(extra)
        if inputs is None:
            inputs = [a for a in _flatten(list(args) + list(self.kwargs.values()))
                      if isinstance(a, Node)]
        self.inputs = inputs
        graph.nodes.append(self)

    @property
    def op_name(self) -> str:
        return self.op.__name__ if self.kind == "op" else self.kind

    def describe(self) -> str:
        dtype = "" if self.dtype is None else f", {self.dtype}"
        shape = "" if self.shape is None else f", shape {_shape_text(self.shape)}"
        return f"{self.kind if self.kind != 'op' else self.op_name} {self.name!r}{dtype}{shape}"

    def __repr__(self):
        return f"<Node {self.describe()} of {self.graph.name!r}>"

    def __iter__(self):
        raise TypeError(f"graph tensor {self.name!r} is not iterable: it holds no values until a "
                        "Session runs it")

    def __bool__(self):
        raise TypeError(f"graph tensor {self.name!r} has no truth value until a Session runs it; "
                        "use tf.equal / reduce_all to compare inside the graph")

    def eval(self, feed_dict=None, session=None):
        """``session.run(self, feed_dict)`` (TensorFlow's shortcut)."""
        if session is None:
            raise ValueError(f"{self.name}.eval(): pass session=")
        return session.run(self, feed_dict)

    @property
    def initializer(self) -> "Node":
        """For a Variable: the node that gives it its initial value."""
        if self.kind != "variable":
            raise AttributeError(f"{self.describe()} is not a Variable")
        return self._initializer


ops._install(Node)
ops.SYMBOL_TYPES = (Node,)


def _flatten(items):
    for a in items:
        if isinstance(a, (list, tuple)):
            yield from _flatten(a)
        else:
            yield a


def _leaves(fetches):
    """The nodes inside a fetch structure (a node, or nested lists/tuples/dicts of nodes)."""
    if isinstance(fetches, dict):
        for v in fetches.values():
            yield from _leaves(v)
    elif isinstance(fetches, (list, tuple)):
        for v in fetches:
            yield from _leaves(v)
    else:
        yield fetches


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _build(op, args, kwargs, outputs, name):
    """What an operation does when one of its arguments is a graph node."""
    nodes = [a for a in _flatten(list(args) + list(kwargs.values())) if isinstance(a, Node)]
    graphs = {id(n.graph): n for n in nodes}
    if len(graphs) > 1:
        a, b = list(graphs.values())[:2]
        raise ValueError(f"{op.__name__}(): {a.name!r} belongs to graph {a.graph.name!r} but "
                         f"{b.name!r} belongs to graph {b.graph.name!r}; tensors of two graphs "
                         "cannot be combined (build them in one `with graph.as_default():` block)")
    graph = nodes[0].graph
    node = Node(graph, "op", name or op.__name__, op=op, args=args, kwargs=kwargs,
                outputs=outputs)
    if outputs == 1:
        return node
    return tuple(Node(graph, "output", f"{node.name}:{i}", inputs=[node], index=i)
                 for i in range(outputs))


ops.GRAPH_BUILDER = _build


# -- what a graph is made of ---------------------------------------------------------------------
def constant(value, dtype=None, shape=None, name="Const"):
    """A node that always yields ``value`` (broadcast to ``shape`` when given)."""
    arr = _as_array(value, dtype)
    if shape is not None:
        arr = np.broadcast_to(arr, shape).copy()
    return Node(get_default_graph(), "const", name, value=Tensor(arr), dtype=arr.dtype,
                shape=arr.shape, inputs=[])


def convert_to_tensor(value, dtype=None, name="Const"):
    """A NumPy array (or anything array-like) as a constant node (C30)."""
    return value if isinstance(value, Node) else constant(value, dtype, name=name)


def placeholder(dtype, shape=None, name=None):
    """A node whose value is fed at run time: ``sess.run(..., feed_dict={node: value})``.

    ``shape`` may use None for a size that varies (the batch); None for the whole shape accepts
    any shape.
    """
    shape = None if shape is None else tuple(None if s is None else int(s) for s in shape)
    return Node(get_default_graph(), "placeholder", name or "Placeholder", dtype=dtype,
                shape=shape, inputs=[])


def Variable(initial_value, trainable=True, name="Variable", dtype=None):  # noqa: N802 - TF's name
    """A node holding a value that persists between runs of a session and that training updates.

    ``initial_value`` may be a number, an array or a node (``tf.random_normal(...)``,
    ``tf.add(a, b)``); it is computed when the initializer runs.
    """
    graph = get_default_graph()
    if isinstance(initial_value, Node):
        graph = initial_value.graph
        init = initial_value
    else:
        with graph.as_default():
            init = constant(initial_value, dtype, name=f"{name}/initial_value")
    var = Node(graph, "variable", name, dtype=dtype or init.dtype, shape=init.shape, inputs=[],
               initial_value=init, trainable=True if trainable else False)
    var._initializer = Node(graph, "init", f"{var.name}/Assign", inputs=[], variables=[var])
    graph.variables.append(var)
    return var


def zeros(shape, dtype=np.float32, name="zeros"):
    return constant(np.zeros(shape, dtype), name=name)


def ones(shape, dtype=np.float32, name="ones"):
    return constant(np.ones(shape, dtype), name=name)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None, name="random_normal"):
    """A node that draws normal samples each time it runs (the graph's seed makes them
    repeatable)."""
    graph = get_default_graph()
    return Node(graph, "random", name, dtype=dtype, shape=tuple(shape), inputs=[],
                mean=mean, stddev=stddev, seed=seed)


def global_variables_initializer(graph=None):
    """A node that, when run, gives every variable of the graph its initial value."""
    graph = graph or get_default_graph()
    return Node(graph, "init", "init", inputs=[], variables=None)


def variables_initializer(var_list, name="init"):
    graph = var_list[0].graph if var_list else get_default_graph()
    return Node(graph, "init", name, inputs=[], variables=list(var_list))


class GradientDescentOptimizer:
    """Plain gradient descent: ``w ← w − η ∂loss/∂w`` for each trainable variable."""

    def __init__(self, learning_rate, name="GradientDescent"):
        if not learning_rate > 0:
            raise ValueError(f"GradientDescentOptimizer: learning_rate must be > 0, got "
                             f"{learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self.name = name

    def minimize(self, loss, var_list=None, name=None):
        """A node that, each time it runs, takes one gradient step on ``loss``."""
        if not isinstance(loss, Node):
            raise TypeError(f"minimize(): loss must be a graph node, got {type(loss).__name__}")
        graph = loss.graph
        for v in var_list or ():
            if v.graph is not graph:
                raise ValueError(f"minimize(): variable {v.name!r} belongs to graph "
                                 f"{v.graph.name!r} but the loss to {graph.name!r}")
        return Node(graph, "minimize", name or self.name, inputs=[loss], loss=loss,
                    optimizer=self, var_list=None if var_list is None else list(var_list))


train = types.SimpleNamespace(GradientDescentOptimizer=GradientDescentOptimizer)
nn = types.SimpleNamespace(relu=ops.relu, softmax=ops.softmax, log_softmax=ops.log_softmax,
                           sigmoid=ops.sigmoid, tanh=ops.tanh)


# -- summaries (for TensorBoard) -------------------------------------------------------------------
class Summary(list):
    """What running a summary node returns: ``[(kind, tag, value), ...]`` for a FileWriter."""


def _summary_scalar(name, tensor):
    node = Node(tensor.graph, "summary", name, inputs=[tensor], summary_kind="scalar", tag=name)
    tensor.graph.summaries.append(node)
    return node


def _summary_histogram(name, values):
    node = Node(values.graph, "summary", name, inputs=[values], summary_kind="histogram", tag=name)
    values.graph.summaries.append(node)
    return node


def _merge_all(graph=None):
    graph = graph or get_default_graph()
    if not graph.summaries:
        return None                               # as TensorFlow does
    return Node(graph, "merge", "Merge/MergeSummary", inputs=list(graph.summaries))


class FileWriter:
    """Writes a session's summaries (and the graph's drawing) as TensorBoard event files.

    A thin layer over :class:`pynet.tensorboard.FileWriter`.
    """

    def __init__(self, logdir, graph=None, **kwargs):
        from pynet.tensorboard import FileWriter as _Writer
        self._writer = _Writer(logdir, **kwargs)
        if graph is not None:
            self.add_graph(graph)

    def add_summary(self, summary, global_step=0):
        for kind, tag, value in summary:
            if kind == "scalar":
                self._writer.add_scalar(tag, float(value), global_step)
            else:
                self._writer.add_histogram(tag, value, global_step)

    def add_graph(self, graph):
        graph = graph.graph if isinstance(graph, Session) else graph
        self._writer.add_graph([
            {"name": n.name, "op": n.op_name, "inputs": [i.name for i in n.inputs]}
            for n in graph.nodes])

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


summary = types.SimpleNamespace(scalar=_summary_scalar, histogram=_summary_histogram,
                                merge_all=_merge_all, FileWriter=FileWriter)


# -- running ----------------------------------------------------------------------------------------
def _resolve(a, values):
    """``a`` with every node in it replaced by its value in this run."""
    if isinstance(a, Node):
        return values[id(a)]
    if isinstance(a, (list, tuple)):
        return type(a)(_resolve(b, values) for b in a)
    return a


class Session:
    """Runs parts of a graph: ``sess.run(fetches, feed_dict)``. Holds the values of the graph's
    variables (each session its own)."""

    def __init__(self, graph=None):
        self.graph = graph or get_default_graph()
        self.values = {}              # variable node -> ndarray
        self._rng = np.random.default_rng(self.graph.seed)
        self._orders = {}
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.closed = True
        self.values = {}

    # -- checking what comes in -----------------------------------------------------------------------
    def _check_fetch(self, f):
        if not isinstance(f, Node):
            raise TypeError(f"Session.run(): a fetch must be a graph node (or a list/dict of them), "
                            f"got {type(f).__name__}")
        if f.graph is not self.graph:
            raise ValueError(f"Session.run(): {f.name!r} belongs to graph {f.graph.name!r} but "
                             f"this session runs graph {self.graph.name!r}")

    def _feed(self, node, value):
        if not isinstance(node, Node) or node.graph is not self.graph:
            raise ValueError(f"feed_dict: key {node!r} is not a node of graph {self.graph.name!r}")
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
        if node.kind == "placeholder":
            want = node.dtype
            if arr.dtype.kind not in "biuf" or not np.can_cast(arr.dtype, want, "same_kind"):
                raise TypeError(f"placeholder {node.name!r} has dtype {want}; the value fed has "
                                f"dtype {arr.dtype}, which does not convert without losing its "
                                f"kind (cast it first)")
            if node.shape is not None and (arr.ndim != len(node.shape) or any(
                    s is not None and s != n for s, n in zip(node.shape, arr.shape))):
                raise ValueError(f"placeholder {node.name!r} expects shape "
                                 f"{_shape_text(node.shape)}, the value fed has shape "
                                 f"{_shape_text(arr.shape)}")
            arr = arr.astype(want, copy=False)
        return Tensor(arr)

    # -- the order of evaluation ---------------------------------------------------------------
    def _order(self, fetches, fed):
        """The nodes to evaluate, each after its inputs (fed nodes' inputs are skipped), and the
        minimize nodes among them; cached per (fetches, fed) pair."""
        key = (tuple(id(f) for f in fetches), frozenset(id(n) for n in fed))
        order = self._orders.get(key)
        if order is None:
            order, seen, stack = [], set(), [(f, False) for f in reversed(fetches)]
            while stack:
                node, done = stack.pop()
                if done:
                    order.append(node)
                elif id(node) not in seen:
                    seen.add(id(node))
                    stack.append((node, True))
                    if id(node) not in fed:
                        stack.extend((i, False) for i in reversed(node.inputs)
                                     if id(i) not in seen)
            order = (order, [n for n in order if n.kind == "minimize"])
            self._orders[key] = order
        return order

    def run(self, fetches, feed_dict=None):
        """Compute ``fetches`` (a node, or a list/tuple/dict of nodes) and return their values as
        ndarrays in the same structure. Running a ``minimize`` node takes one training step
        (its result is None); the other fetches see the values from *before* the step."""
        if self.closed:
            raise RuntimeError("Session.run(): this session is closed")
        flat = list(_leaves(fetches))
        for f in flat:
            self._check_fetch(f)
        feeds = {}
        for node, value in (feed_dict or {}).items():
            feeds[id(node)] = (node, self._feed(node, value))
        order, minimizers = self._order(flat, feeds)
        training = len(minimizers) > 0
        values = {}
        with (contextlib.nullcontext() if training else no_grad()):
            for node in order:
                if id(node) in feeds:
                    values[id(node)] = feeds[id(node)][1]
                    continue
                values[id(node)] = self._evaluate(node, values, flat)
        for node in minimizers:
            self._minimize(node, values, several=len(minimizers) > 1)

        def rebuild(x):
            if isinstance(x, dict):
                return {k: rebuild(v) for k, v in x.items()}
            if isinstance(x, (list, tuple)):
                return type(x)(rebuild(i) for i in x)
            v = values[id(x)]
            if isinstance(v, Tensor):
                return v.data.copy() if x.kind == "variable" else v.data
            return v
        return rebuild(fetches)

    def _evaluate(self, node, values, fetches):
        kind = node.kind
        if kind == "const":
            return node.value
        if kind == "op":
            args = [values[id(a)] if type(a) is Node else
                    _resolve(a, values) if isinstance(a, (list, tuple)) else a for a in node.args]
            try:
                if node.kwargs:
                    return node.op.eager(*args, **{k: _resolve(v, values)
                                                   for k, v in node.kwargs.items()})
                return node.op.eager(*args)
            except Exception as exc:
                exc.add_note(f"(while running node {node.name!r}, operation {node.op_name})")
                raise
        if kind == "output":
            return values[id(node.inputs[0])][node.index]
        if kind == "variable":
            if node not in self.values:
                raise RuntimeError(
                    f"Variable {node.name!r} is not initialised in this session: run "
                    f"global_variables_initializer() (or {node.name}.initializer) first "
                    f"(needed for {', '.join(repr(f.name) for f in fetches)})")
            return Tensor(self.values[node], requires_grad=node.trainable and node.dtype.kind == "f")
        if kind == "placeholder":
            raise ValueError(
                f"placeholder {node.name!r} ({node.dtype}, shape "
                f"{'any' if node.shape is None else _shape_text(node.shape)}) needs a value: feed "
                f"it with feed_dict={{{node.name}: ...}} (needed for "
                f"{', '.join(repr(f.name) for f in fetches)})")
        if kind == "random":
            rng = self._rng if node.seed is None else np.random.default_rng(node.seed)
            return Tensor(rng.normal(node.mean, node.stddev, size=node.shape).astype(node.dtype))
        if kind == "init":
            for var in node.variables if node.variables is not None else self.graph.variables:
                init = np.asarray(self.run(var.initial_value))
                if var.dtype is None:             # known once the initial value is computed
                    var.dtype = init.dtype
                    var.shape = init.shape
                self.values[var] = np.array(init, dtype=var.dtype, copy=True, order="C")
            return None
        if kind == "summary":
            v = values[id(node.inputs[0])].data
            return Summary([(node.summary_kind, node.tag, v if node.summary_kind == "histogram"
                             else float(v))])
        if kind == "merge":
            return Summary(item for i in node.inputs for item in values[id(i)])
        if kind == "minimize":
            return None
        raise AssertionError(kind)

    def _minimize(self, node, values, several):
        variables = node.var_list if node.var_list is not None else \
            node.graph.trainable_variables()
        present = [v for v in variables if id(v) in values]
        if not present:
            raise ValueError(f"minimize: the loss {node.loss.name!r} depends on none of the "
                             f"trainable variables {[v.name for v in variables]}")
        grads = gradient(values[id(node.loss)], [values[id(v)] for v in present],
                         retain_graph=several)
        if all(g is None for g in grads):
            raise ValueError(f"minimize: no gradient reaches any variable from {node.loss.name!r}")
        sgd = ops._kernels().sgd_update
        for var, g in zip(present, grads):
            if g is not None:
                param = self.values[var].reshape(-1)     # a view: the kernel updates in place
                sgd(param, np.ascontiguousarray(g, dtype=param.dtype).reshape(-1), None,
                    node.optimizer.learning_rate)
