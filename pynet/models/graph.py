"""Symbolic tensors and the layer graph: what ``Input`` returns and what calling a layer records.

Calling a layer on an array computes. Calling it on a :class:`SymbolicTensor` (what
:func:`Input` returns) computes nothing: it builds the layer for the tensor's shape and records a
:class:`Node` — *this layer, applied to these tensors, made these tensors* ::

    x = Input(shape=(784,))            # SymbolicTensor, shape (None, 784)
    h = Dense(64, activation="relu")(x)  # Node(dense_1, [x] -> [h])
    y = Dense(10, activation="softmax")(h)
    model = Model(x, y)                # walks back from y to x once, orders the nodes

:func:`topological_nodes` does that walk when a model is made: it checks that every output is
reached from the inputs, that every input reaches an output, that there is no cycle and no two
layers share a name, and returns the nodes in an order where each node comes after the nodes
that make its inputs. :class:`GraphRunner` then runs that list forwards (``forward``) and
backwards (``backward``); a layer called twice (a shared layer) keeps one set of weights and its
gradients are summed over its calls.
"""
from __future__ import annotations

import numpy as np

from pynet.layers.base import Layer, format_shape, shape_tuple, shapes_match

__all__ = ["SymbolicTensor", "Node", "InputLayer", "Input", "is_symbolic", "call_symbolic",
           "topological_nodes", "GraphRunner", "GraphError"]


class GraphError(ValueError):
    """A layer graph that cannot become a model (disconnected, cyclic, duplicate names...)."""


class SymbolicTensor:
    """Stands for the array a layer will output, before there is any data.

    ``shape`` is Keras's ``(None,) + sample shape``; ``node`` and ``index`` say which call made
    it (Keras's ``_keras_history``).
    """

    def __init__(self, sample_shape, dtype, node=None, index=0, name=None):
        self.sample_shape = shape_tuple(sample_shape)
        self.dtype = np.dtype(dtype)
        self.node = node
        self.index = index
        self.name = name

    @property
    def shape(self):
        return (None,) + self.sample_shape

    @property
    def ndim(self):
        return len(self.sample_shape) + 1

    def __repr__(self):
        return (f"<SymbolicTensor {self.name or ''} shape={format_shape(self.sample_shape)} "
                f"dtype={self.dtype.name}>")

    def __array__(self, *args, **kwargs):
        raise TypeError(f"{self!r} is symbolic: it has no values until the model runs. Build a "
                        "Model(inputs, outputs) and call predict/fit, or call the layer on an array")


class Node:
    """One call of a layer on symbolic tensors: ``outputs = layer(inputs)``."""

    def __init__(self, layer, inputs, outputs, as_list, outputs_as_list):
        self.layer = layer
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.as_list = bool(as_list)               # called with a list of tensors
        self.outputs_as_list = bool(outputs_as_list)  # returned a list of tensors

    @property
    def input_value(self):
        return list(self.inputs) if self.as_list else self.inputs[0]

    @property
    def output_value(self):
        return list(self.outputs) if self.outputs_as_list else self.outputs[0]

    def __repr__(self):
        ins = ", ".join(t.name or "?" for t in self.inputs)
        return f"<Node {self.layer.name}({ins})>"


def is_symbolic(x) -> bool:
    """True for a SymbolicTensor or a non-empty list/tuple of them."""
    if isinstance(x, SymbolicTensor):
        return True
    return (isinstance(x, (list, tuple)) and len(x) > 0
            and all(isinstance(t, SymbolicTensor) for t in x))


def _layer_in_shape(layer):
    """The input shape a built layer expects (a Model answers for its inputs)."""
    getter = getattr(layer, "_expected_input_shape", None)
    return getter() if getter is not None else layer.input_shape


def call_symbolic(layer, x, **kwargs):
    """Record ``layer(x)`` for symbolic ``x``; build the layer first when needed.

    Returns the output SymbolicTensor (a list of them for a layer with several outputs).
    """
    if kwargs:
        raise TypeError(f"layer {layer.name!r}: unexpected arguments {sorted(kwargs)} when called "
                        "on symbolic tensors")
    as_list = isinstance(x, (list, tuple))
    tensors = list(x) if as_list else [x]
    multi = bool(getattr(layer, "multi_input", False))
    if as_list and getattr(layer, "accepts_list", False) and not layer.built:
        multi = True
    if as_list and not multi:
        if len(tensors) != 1:
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) takes one input, got "
                             f"a list of {len(tensors)} tensors")
        as_list = False
    if multi and not as_list:
        raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) takes a list of inputs, "
                         f"got one tensor {x!r}")
    shapes = [t.sample_shape for t in tensors]
    in_shape = shapes if as_list else shapes[0]
    if not layer.built:
        layer.build(in_shape)
    else:
        expected = _layer_in_shape(layer)
        same = (expected is not None and
                (len(expected) == len(shapes)
                 and all(shapes_match(tuple(e), tuple(g)) for e, g in zip(expected, shapes))
                 if as_list else shapes_match(tuple(expected), tuple(in_shape))))
        if not same:
            shown = ([format_shape(s) for s in expected] if as_list and expected is not None
                     else format_shape(expected) if expected is not None else None)
            got = [format_shape(s) for s in shapes] if as_list else format_shape(in_shape)
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) was built for inputs "
                             f"{shown} and cannot be called on {got}")
    out_shape = layer.compute_output_shape(in_shape)
    outputs_as_list = isinstance(out_shape, list)
    out_shapes = list(out_shape) if outputs_as_list else [out_shape]
    dtype = getattr(layer, "dtype", np.dtype(np.float32))
    outputs = [SymbolicTensor(s, dtype) for s in out_shapes]
    node = Node(layer, tensors, outputs, as_list, outputs_as_list)
    suffix = len(layer._inbound_nodes)
    for i, t in enumerate(outputs):
        t.node, t.index = node, i
        t.name = f"{layer.name}/{suffix}" + (f":{i}" if outputs_as_list else "")
    layer._inbound_nodes.append(node)
    return node.output_value


# -- Input ---------------------------------------------------------------------------------------

from pynet.layers.base import register_layer, _clean_shape  # noqa: E402


@register_layer
class InputLayer(Layer):
    """The layer behind :func:`Input`: it holds no weights and passes its input on.

    In a ``Sequential`` model it only fixes the input shape (it does not appear in
    ``model.layers`` or the summary, as in Keras). A functional model lists it in
    ``model.layers`` and its summary, as Keras does.
    """

    name_prefix = "input"

    def __init__(self, shape=None, name=None, dtype="float32", input_shape=None, **kwargs):
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("Input(): shape is required, e.g. Input(shape=(784,))")
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"Input(): dtype must be a NumPy dtype name, got {dtype!r}") from None
        if dt.kind not in "fiu":
            raise TypeError(f"Input(): dtype must be a float or integer type, got {dtype!r}")
        super().__init__(name=name, dtype="float32" if dt.kind in "iu" else dt,
                         input_shape=_clean_shape(shape, "shape", "Input()"), **kwargs)
        self.dtype = dt
        self.build(self.input_shape)
        tensor = SymbolicTensor(self.input_shape, self.dtype, name=self.name)
        node = Node(self, [], [tensor], False, False)
        tensor.node = node
        self._inbound_nodes.append(node)

    def forward(self, x, training=False):
        return x

    def backward(self, grad):
        return grad

    def get_config(self):
        config = super().get_config()
        config["shape"] = config.pop("input_shape")
        return config


def Input(shape=None, name=None, dtype="float32", input_shape=None, **kwargs):  # noqa: N802
    """A symbolic input: ``x = Input(shape=(784,))`` -> tensor of shape ``(None, 784)``.

    ``shape`` excludes the batch axis. The tensor is the start of a functional model, and
    ``Sequential([Input(shape=...), ...])`` uses it to fix the input shape.
    """
    return InputLayer(shape=shape, name=name, dtype=dtype, input_shape=input_shape,
                      **kwargs).output


def _is_input_tensor(t) -> bool:
    return isinstance(t, SymbolicTensor) and isinstance(t.node.layer, InputLayer)


# -- ordering a graph once -------------------------------------------------------------------------

def topological_nodes(inputs, outputs, where="Model()"):
    """Check the graph from ``inputs`` to ``outputs`` and return its nodes in running order.

    Refuses (GraphError naming the tensor or layer): an input that is not an ``Input``, an
    output that cannot be computed from the inputs, an input that reaches no output, a cycle,
    two layers with one name.
    """
    for t in inputs:
        if not _is_input_tensor(t):
            raise GraphError(f"{where}: every input must come from Input(...); got {t!r}")
    for t in outputs:
        if not isinstance(t, SymbolicTensor):
            raise GraphError(f"{where}: outputs must be symbolic tensors (a layer called on "
                             f"Input tensors), got {type(t).__name__}")
    input_ids = {id(t) for t in inputs}
    if len(input_ids) != len(inputs):
        raise GraphError(f"{where}: an input tensor is listed twice")
    order, state = [], {}   # state: node id -> 1 visiting, 2 done
    reached_inputs = set()

    def visit(tensor, path):
        if id(tensor) in input_ids:
            reached_inputs.add(id(tensor))
            return
        node = tensor.node
        if node is None or isinstance(node.layer, InputLayer):
            raise GraphError(f"{where}: output depends on {tensor.name or tensor!r}, which is not "
                             f"one of the model's inputs (the graph is disconnected along "
                             f"{' <- '.join(path + [tensor.name or '?'])})")
        mark = state.get(id(node))
        if mark == 2:
            return
        if mark == 1:
            raise GraphError(f"{where}: the graph has a cycle through layer {node.layer.name!r}")
        state[id(node)] = 1
        for parent in node.inputs:
            visit(parent, path + [node.layer.name])
        state[id(node)] = 2
        order.append(node)

    for t in outputs:
        visit(t, [])
    for t in inputs:
        if id(t) not in reached_inputs:
            raise GraphError(f"{where}: input {t.name!r} does not reach any output; remove it "
                             "from inputs or connect it")
    names = {}
    for t in inputs:
        names.setdefault(t.node.layer.name, t.node.layer)
    for node in order:
        other = names.setdefault(node.layer.name, node.layer)
        if other is not node.layer:
            raise GraphError(f"{where}: two layers are named {node.layer.name!r}; layer names "
                             "in a model must be unique")
    return order


# -- running a graph ---------------------------------------------------------------------------------

def leaf_layers(layer) -> list:
    """``[layer]``, or every layer inside a model used as a layer (recursively)."""
    inner = getattr(layer, "_leaf_layers", None)
    return inner() if inner is not None else [layer]


def _autocast(x, layer):
    """Floating inputs in the layer's float dtype (Keras's autocast): a float32 ``Input`` may
    feed float64 layers."""
    dtype = getattr(layer, "dtype", None)
    if (dtype is not None and isinstance(x, np.ndarray) and x.dtype != dtype
            and x.dtype.kind == "f" and np.dtype(dtype).kind == "f"):
        return x.astype(dtype)
    return x


class GraphRunner:
    """Runs ordered nodes forwards and backwards with arrays.

    Parameters
    ----------
    inputs, outputs : lists of SymbolicTensor
    nodes : the list from :func:`topological_nodes`
    """

    def __init__(self, inputs, outputs, nodes):
        self.inputs, self.outputs, self.nodes = list(inputs), list(outputs), list(nodes)
        counts = {}
        for node in self.nodes:
            counts[id(node.layer)] = counts.get(id(node.layer), 0) + 1
        #: layers called more than once in this graph: their per-call state is saved
        self.shared = {lid for lid, c in counts.items() if c > 1}
        consumers = {}
        for node in self.nodes:
            for t in node.inputs:
                consumers[id(t)] = consumers.get(id(t), 0) + 1
        for t in self.outputs:
            consumers[id(t)] = consumers.get(id(t), 0) + 1
        self._consumers = consumers
        self._saved = {}
        self._shapes = {}

    # which output may feed dL/dz straight into its layer (softmax/sigmoid fused with the loss)
    def fusable(self, k) -> bool:
        t = self.outputs[k]
        node = t.node
        return (not _is_input_tensor(t) and not node.outputs_as_list and not node.as_list
                and self._consumers.get(id(t), 0) == 1 and id(node.layer) not in self.shared
                and hasattr(node.layer, "backward_logits"))

    def set_input_grad_flags(self, needed: bool) -> None:
        """A layer whose every call reads only model inputs need not return dL/dx (unless the
        model's own caller needs it)."""
        input_ids = {id(t) for t in self.inputs}
        flags = {}
        for node in self.nodes:
            only_inputs = all(id(t) in input_ids for t in node.inputs)
            flags[id(node.layer)] = flags.get(id(node.layer), False) or needed or not only_inputs
        for node in self.nodes:
            node.layer.input_grad_needed = flags[id(node.layer)]

    def forward(self, arrays, training, masks=None):
        """Outputs (a list) for input ``arrays`` (a list aligned with ``inputs``)."""
        values = {id(t): a for t, a in zip(self.inputs, arrays)}
        mask_of = {}
        if masks is not None:
            mask_of = {id(t): m for t, m in zip(self.inputs, masks) if m is not None}
        self._saved = {}
        self._shapes = {}
        for node in self.nodes:
            layer = node.layer
            xs = [_autocast(values[id(t)], layer) for t in node.inputs]
            ms = [mask_of.get(id(t)) for t in node.inputs]
            x = xs if node.as_list else xs[0]
            m = (ms if any(v is not None for v in ms) else None) if node.as_list else ms[0]
            if m is not None and layer.supports_masking:
                y = layer.forward(x, training, mask=m)
            else:
                y = layer.forward(x, training)
            out_mask = layer.compute_mask(x, m)
            ys = list(y) if node.outputs_as_list else [y]
            out_masks = (list(out_mask) if isinstance(out_mask, (list, tuple))
                         else [out_mask] * len(ys))
            for t, v, mv in zip(node.outputs, ys, out_masks):
                values[id(t)] = v
                self._shapes[id(t)] = ((v.shape, v.dtype) if isinstance(v, np.ndarray)
                                       else (np.shape(v), getattr(v, "dtype", t.dtype)))
                if mv is not None:
                    mask_of[id(t)] = mv
            if id(layer) in self.shared:
                self._saved[id(node)] = [(leaf, dict(vars(leaf))) for leaf in leaf_layers(layer)]
        self.output_masks = [mask_of.get(id(t)) for t in self.outputs]
        return [values[id(t)] for t in self.outputs]

    def extra_losses(self) -> float:
        """Sum of the ``add_loss`` terms recorded by the last forward pass."""
        total = 0.0
        seen = set()
        for node in self.nodes:
            for leaf in leaf_layers(node.layer):
                if id(leaf) not in seen:
                    seen.add(id(leaf))
                    total += float(sum(getattr(leaf, "_losses", ()) or ()))
        return total

    def backward(self, output_grads, fused=()):
        """Back-propagate; ``output_grads[k]`` is dL/d(output k) — or dL/dz for ``k in fused``,
        fed to that layer's ``backward_logits``. Stores every layer's parameter gradients and
        returns dL/d(input) for each model input (None where nothing flows)."""
        grads = {}
        fused = set(fused)
        for k, (t, g) in enumerate(zip(self.outputs, output_grads)):
            if g is None or k in fused:
                continue
            grads[id(t)] = g if id(t) not in grads else grads[id(t)] + g
        sums, visited = {}, set()
        for node in reversed(self.nodes):
            layer = node.layer
            k_fused = next((k for k in fused if self.outputs[k].node is node), None) if fused \
                else None
            gs = [grads.pop(id(t), None) for t in node.outputs]
            if k_fused is None and all(g is None for g in gs):
                continue            # nothing downstream of this call reaches the loss
            if id(layer) in self.shared:
                for leaf, state in self._saved[id(node)]:
                    vars(leaf).update(state)
            if k_fused is not None:
                gin = layer.backward_logits(output_grads[k_fused])
            else:
                g = self._zeros_like(node, gs) if node.outputs_as_list else _autocast(gs[0], layer)
                gin = layer.backward(g)
            visited.add(id(layer))
            if id(layer) in self.shared:
                for leaf in leaf_layers(layer):
                    acc = sums.setdefault(id(leaf), (leaf, {}))[1]
                    for key, value in leaf.grads.items():
                        acc[key] = value.copy() if key not in acc else acc[key] + value
            gins = list(gin) if node.as_list else [gin]
            for t, g_in in zip(node.inputs, gins):
                if g_in is None:
                    continue
                grads[id(t)] = g_in if id(t) not in grads else grads[id(t)] + g_in
        for leaf, acc in sums.values():
            for key, value in acc.items():
                leaf.grads[key][...] = value
        # a layer no gradient reached (an output without a loss): zero, not last step's values
        for node in self.nodes:
            if id(node.layer) not in visited:
                for leaf in leaf_layers(node.layer):
                    for g in leaf.grads.values():
                        g[...] = 0
        return [grads.get(id(t)) for t in self.inputs]

    def _zeros_like(self, node, gs):
        """Gradients for every output of a multi-output call: zeros where nobody used one."""
        out = []
        for t, g in zip(node.outputs, gs):
            if g is None:
                shape, dtype = self._shapes[id(t)]
                g = np.zeros(shape, dtype=dtype)
            out.append(g)
        return out
