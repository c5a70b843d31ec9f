"""The layer contract shared by every layer (Dense, Conv2D, pooling, ...).

Every layer is a small object that a :class:`pynet.sequential.Sequential` model drives in a fixed
order. A new layer type (Conv2D, MaxPooling2D, ...) obeys these rules and then works with
``Sequential.add/compile/fit/evaluate/predict/summary/save/load`` unchanged.

Life of a layer
---------------
1. **Construction** ``Layer(name=None, trainable=True, dtype="float32", input_shape=None)``.
   A layer without a ``name`` gets a Keras-style automatic one from its class attribute
   :attr:`Layer.name_prefix` and a per-prefix counter that keeps counting across models in a
   session: ``dense_1``, ``dense_2``, ``conv2d_1``, ``max_pooling2d_1`` ...
   (:func:`reset_name_counters` starts again at 1, like Keras's ``clear_session``).
   ``input_shape`` (batch axis excluded) is only needed on the first layer of a model.
2. **Building** ``build(input_shape)`` with the input shape *without* the batch axis. A layer
   creates its parameters with :meth:`Layer.add_weight` and then calls ``super().build(input_shape)``,
   which sets ``input_shape``, ``output_shape`` (from :meth:`compute_output_shape`) and ``built``.
   ``Sequential`` builds each layer as soon as the shape of its input is known (at ``add`` when the
   first layer has an ``input_shape``, otherwise at the first ``fit``/``predict``/``build``).
3. **Forward** ``forward(x, training) -> y`` with ``x`` of shape ``(batch,) + input_shape`` and
   the layer's dtype (the model casts the data once). It keeps what ``backward`` needs
   (``training`` is False in ``predict``/``evaluate``: Dropout is then the identity).
4. **Backward** ``backward(grad) -> grad_input``: given dL/dy, *stores* dL/dparam in
   ``self.grads[key]`` (overwriting, not accumulating; arrays of the parameters' shapes and
   dtype) and returns dL/dx. It never changes a parameter. When the model sets
   ``layer.input_grad_needed = False`` (it does so for the first layer: nothing consumes the
   gradient of the data) a layer may skip computing dL/dx and return ``None``.
5. **Update** the optimizer, in a separate step, walks :meth:`Layer.trainable_variables` of
   every layer whose ``trainable`` is true and updates each parameter **in place**
   (``param -= ...``), so parameter arrays must never be rebound after ``build``.

Parameters
----------
``self.params`` and ``self.grads`` are dicts of arrays keyed by short names (``"kernel"``,
``"bias"``) in a fixed order that ``get_weights``/``set_weights``/save files follow (Keras's
order: kernel, then bias). ``add_weight(..., trainable=False)`` makes a parameter that is
saved and counted but never updated (summary's "Non-trainable params"). The model addresses a
parameter as ``"<layer name>/<key>"`` (optimizer slots, save files).

Regularization
--------------
``self.regularizers`` maps a parameter key to a regularizer (an object with ``__call__(w) ->
float`` penalty and ``gradient(w) -> array``; see :mod:`pynet.regularizers`). ``add_weight``
fills it from its ``regularizer`` argument. The model adds :meth:`regularization_loss` to the
*training* loss only and calls :meth:`add_regularization_gradients` after ``backward``.

Fused output gradient (optional)
--------------------------------
A layer that ends with an activation sets ``self.activation`` (an object of
:mod:`pynet.activations` with a ``name``) and may implement ``backward_logits(grad_z)``: the
same as ``backward`` but starting from dL/dz, the gradient before the activation. When the last
layer has it and the loss fuses with that activation (softmax + categorical cross-entropy,
sigmoid + binary cross-entropy), the model feeds ``(p - y) / n`` straight in: exact and stable.

Checking input
--------------
:meth:`Layer.check_input` compares a batch with the built ``input_shape`` and raises a
``ValueError`` naming the layer and both shapes. ``Sequential`` calls it on the first layer
before anything changes; :meth:`Layer.__call__` calls it too.

Kernels
-------
Layers compute through :attr:`Layer.kernels`, which is :mod:`pynet.kernels` (the active
backend) unless a test switched it with ``with using_backend("python"): ...``.

Configuration and the registry
------------------------------
``get_config()`` returns the constructor's keyword arguments as JSON-able values (names of
activations/initializers, dicts for regularizers; subclasses extend the base dict) and
``from_config(config)`` rebuilds the layer (default: ``cls(**config)``). Loading a model finds
the class by name in a registry that a layer joins with the :func:`register_layer` decorator —
a lookup in a dict, never ``eval`` or pickle.
"""
from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict

import numpy as np

__all__ = ["Layer", "register_layer", "get_layer_class", "registered_layers",
           "reset_name_counters", "using_backend", "active_kernels", "format_shape"]

# -- registry -------------------------------------------------------------------------------

_REGISTRY: dict[str, type] = {}


def register_layer(cls):
    """Class decorator: make ``cls`` loadable by its class name (``"Dense"``, ``"Conv2D"``)."""
    name = cls.__name__
    other = _REGISTRY.get(name)
    if other is not None and other is not cls and (other.__module__, other.__qualname__) != (
            cls.__module__, cls.__qualname__):
        raise ValueError(f"register_layer(): a different layer class named {name!r} is already "
                         f"registered ({other.__module__}.{other.__qualname__})")
    _REGISTRY[name] = cls
    return cls


def get_layer_class(name: str) -> type:
    """The registered layer class called ``name``; a clear error listing the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown layer class {name!r}; known layers: "
                         f"{', '.join(sorted(_REGISTRY))}") from None


def registered_layers() -> dict:
    """A copy of the registry: class name -> class."""
    return dict(_REGISTRY)


# -- automatic names ------------------------------------------------------------------------

_COUNTERS: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))


def _auto_name(prefix: str) -> str:
    return f"{prefix}_{next(_COUNTERS[prefix])}"


def reset_name_counters() -> None:
    """Restart automatic names at ``<prefix>_1`` (Keras's ``K.clear_session()``)."""
    _COUNTERS.clear()


# -- which kernels layers use ---------------------------------------------------------------

_KERNELS_OVERRIDE = None


def active_kernels():
    """The kernels layers compute with: the override set by :func:`using_backend`, else
    :mod:`pynet.kernels` (the backend chosen at import)."""
    if _KERNELS_OVERRIDE is not None:
        return _KERNELS_OVERRIDE
    import pynet.kernels as kernels
    return kernels


@contextlib.contextmanager
def using_backend(name_or_namespace):
    """Within the block, every layer computes with the given backend (``"python"``,
    ``"cython"`` or a namespace from :func:`pynet.kernels.load_backend`). Used by the tests to
    check layers on both backends in one process."""
    global _KERNELS_OVERRIDE
    if isinstance(name_or_namespace, str):
        from pynet.kernels import load_backend
        ns = load_backend(name_or_namespace)
    else:
        ns = name_or_namespace
    previous, _KERNELS_OVERRIDE = _KERNELS_OVERRIDE, ns
    try:
        yield ns
    finally:
        _KERNELS_OVERRIDE = previous


def _accepts(function, argument: str) -> bool:
    """Does ``function`` take a parameter called ``argument`` (or ``**kwargs``)?"""
    import inspect
    try:
        params = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return argument in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def as_output_array(y, layer):
    """What ``call`` returned, as arrays (an autodiff Tensor gives its values; a list stays a
    list); anything that is not numbers raises, naming the layer."""
    if isinstance(y, (list, tuple)):
        return [as_output_array(v, layer) for v in y]
    if hasattr(y, "numpy") and not isinstance(y, np.ndarray):
        y = y.numpy()
    y = np.asarray(y)
    if y.dtype.kind not in "fiub":
        raise TypeError(f"layer {layer.name!r} ({type(layer).__name__}): call() must return "
                        f"numbers, got an array of dtype {y.dtype} (mixing NumPy functions with "
                        "pynet.autodiff tensors?)")
    return y


def format_shape(shape) -> str:
    """``(None, 28, 28, 1)`` style, the batch axis shown as None."""
    return ("(" + ", ".join(["None"] + ["None" if s is None else str(int(s)) for s in shape]) + ")"
            if len(shape) else "(None,)")


def _dim(s):
    """A shape entry: a positive int, or None for "any size" (a sequence of any length)."""
    return None if s is None else int(s)


def shape_tuple(shape) -> tuple:
    """``shape`` as a tuple of ints, keeping None entries."""
    return tuple(_dim(s) for s in shape)


def shapes_match(expected, got) -> bool:
    """Do two sample shapes agree, None in ``expected`` accepting any size?"""
    return len(expected) == len(got) and all(e is None or e == g for e, g in zip(expected, got))


def _clean_shape(shape, what: str, where: str) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        out = tuple(_dim(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {what} must be a tuple of positive ints or None (batch axis "
                        f"excluded), got {shape!r}") from None
    if any(s is not None and (s <= 0 or float(s) != float(t)) for s, t in zip(out, shape)):
        raise ValueError(f"{where}: {what} must be a tuple of positive ints or None (batch axis "
                         f"excluded), got {shape!r}")
    return out


class Layer:
    """Base class of every layer. See the module docstring for the contract.

    Parameters
    ----------
    name : str, optional
        Unique name in a model; default ``<name_prefix>_<n>``.
    trainable : bool
        False freezes the parameters (the optimizer skips them; summary counts them as
        non-trainable). Takes effect at the next ``compile`` (a compiled model keeps training the
        weights it collected when compiled, as in Keras; an uncompiled one at its first ``fit``).
    dtype : str or numpy dtype
        float32 (default) or float64: dtype of parameters, outputs and expected inputs.
    input_shape : tuple of int, optional
        Shape of one sample (batch axis excluded), for the first layer of a model.
    """

    #: Prefix for automatic names (``dense`` -> ``dense_1``, ``dense_2``, ...).
    name_prefix = "layer"
    #: True for layers that take a list of inputs (merge layers): ``forward(list)``.
    multi_input = False
    #: True for layers that use a mask (``forward(x, training, mask=...)``) or pass it on.
    supports_masking = False

    def __init__(self, name: str | None = None, trainable: bool = True, dtype="float32",
                 input_shape=None):
        where = f"{type(self).__name__}()"
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"{where}: name must be a non-empty string without '/', got {name!r}")
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"{where}: dtype must be 'float32' or 'float64', got {dtype!r}") from None
        if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(f"{where}: dtype must be 'float32' or 'float64', got {dtype!r}")
        self.name = name if name is not None else _auto_name(self.name_prefix)
        self.trainable = bool(trainable)
        self.dtype = dt
        self.built = False
        self.input_shape = None if input_shape is None else _clean_shape(input_shape, "input_shape", where)
        #: Shape given at construction (kept for get_config), not the built one.
        self._declared_input_shape = self.input_shape
        self.output_shape = None
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.regularizers: dict = {}
        self._non_trainable_keys: set = set()
        #: Set to False by the model for its first layer: backward may then return None.
        self.input_grad_needed = True
        #: Nodes recorded when the layer is called on symbolic tensors (pynet.models.graph).
        self._inbound_nodes: list = []
        #: Extra loss terms recorded by :meth:`add_loss` in the last forward pass.
        self._losses: list = []

    # -- building -------------------------------------------------------------------------
    def build(self, input_shape: tuple) -> None:
        """Create parameters for inputs of shape ``(batch,) + input_shape``.

        Subclasses create their weights with :meth:`add_weight` first, then call
        ``super().build(input_shape)``.
        """
        self.input_shape = shape_tuple(input_shape)
        self.output_shape = shape_tuple(self.compute_output_shape(self.input_shape))
        self.built = True

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """Output shape without the batch axis (identity by default)."""
        return tuple(input_shape)

    def add_weight(self, key: str | None = None, shape=None, initializer="zeros", *,
                   regularizer=None, trainable: bool = True, seed=None, name=None,
                   dtype=None) -> np.ndarray:
        """Create parameter ``key`` of ``shape`` in the layer's dtype, its zero gradient, and
        register its regularizer. ``initializer`` is a name, an
        :mod:`pynet.initializers` object or a callable ``(shape, dtype, rng) -> array``.

        Keras's spelling ``add_weight(name="kernel", shape=..., initializer=...)`` works too
        (``name`` is the key; ``dtype``, when given, must be the layer's)."""
        from pynet import initializers, regularizers
        if key is None:
            key = name
        if not isinstance(key, str) or not key or "/" in key:
            raise ValueError(f"layer {self.name!r}: add_weight() needs a name without '/', "
                             f"got {key!r}")
        if shape is None:
            raise ValueError(f"layer {self.name!r}: add_weight({key!r}) needs a shape")
        if dtype is not None and np.dtype(dtype) != self.dtype:
            raise TypeError(f"layer {self.name!r}: add_weight({key!r}) dtype {np.dtype(dtype)} "
                            f"differs from the layer's {self.dtype}")
        init = initializers.get(initializer)
        values = np.ascontiguousarray(init(tuple(shape), self.dtype), dtype=self.dtype)
        if values.shape != tuple(shape):
            raise ValueError(f"layer {self.name!r}: initializer for {key!r} returned shape "
                             f"{values.shape}, expected {tuple(shape)}")
        self.params[key] = values
        self.grads[key] = np.zeros_like(values)
        reg = regularizers.get(regularizer)
        if reg is not None:
            self.regularizers[key] = reg
        else:
            self.regularizers.pop(key, None)
        if not trainable:
            self._non_trainable_keys.add(key)
        return values

    # -- computing --------------------------------------------------------------------------
    @property
    def kernels(self):
        """The kernel namespace this layer computes with (see :func:`using_backend`)."""
        return active_kernels()

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """``y = f(x)`` for a batch ``x`` of shape ``(batch,) + input_shape``.

        A custom layer written the Keras way defines ``call(x)`` (optionally
        ``call(x, training=...)``) instead; this default runs it."""
        call = getattr(type(self), "call", None)
        if call is None:
            raise NotImplementedError(f"{type(self).__name__} defines neither forward() nor call()")
        self._losses = []
        self._last_input = x
        y = self.call(x, training=training) if _accepts(call, "training") else self.call(x)
        return as_output_array(y, self)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """Given dL/dy, store dL/dparam in ``self.grads`` and return dL/dx.

        A layer written with ``call`` and no ``backward`` is differentiated by
        :mod:`pynet.autodiff` when its ``call`` uses autodiff operations; otherwise training
        through it raises, naming the layer (never a silent zero gradient)."""
        from pynet.models.custom import differentiate_call
        return differentiate_call(self, grad)

    def _differentiable_function(self):
        """``fn(*inputs, **weights)`` running ``call`` with the given weights, for
        :func:`pynet.models.custom.differentiate_call` (``Lambda`` overrides it)."""
        from pynet.models.custom import _layer_function
        return _layer_function(self)

    # -- extra loss terms -----------------------------------------------------------------
    def add_loss(self, value) -> None:
        """Add ``value`` (a float) to the training loss of the model this layer runs in.

        Call it inside ``forward``/``call`` during training; the terms of the last forward pass
        are in :attr:`losses`. pynet has no automatic differentiation of these terms: the
        layer's ``backward`` adds their gradient to what it returns (see the VAE lesson)."""
        value = float(np.asarray(value, dtype=np.float64).sum())
        self._losses.append(value)

    @property
    def losses(self) -> list:
        """Loss terms added by :meth:`add_loss` in the last forward pass."""
        return list(self._losses)

    def compute_mask(self, x, mask=None):
        """The mask of this layer's output: passed on unchanged by layers that support masking,
        dropped (None) by the others (Keras 3; Keras 2 raised instead)."""
        return mask if self.supports_masking else None

    # -- the graph (functional API) ---------------------------------------------------------
    def _single_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(f"layer {self.name!r} has no {what}: it has not been called on a "
                                 "symbolic tensor (pynet.models.Input) or added to a built model")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f"layer {self.name!r} has been called {len(self._inbound_nodes)} "
                                 f"times (it is shared), so it has several {what}s; use "
                                 f"get_{what}_at(node_index)")
        return self._inbound_nodes[0]

    @property
    def output(self):
        """The symbolic output of the layer's only call (Keras's ``layer.output``)."""
        return self._single_node("output").output_value

    @property
    def input(self):
        """The symbolic input of the layer's only call (Keras's ``layer.input``)."""
        return self._single_node("input").input_value

    def get_output_at(self, node_index: int):
        return self._inbound_nodes[node_index].output_value

    def get_input_at(self, node_index: int):
        return self._inbound_nodes[node_index].input_value

    def check_input(self, x, *, where: str | None = None) -> None:
        """Raise a ValueError naming this layer if ``x`` is not ``(batch,) + input_shape``."""
        if self.input_shape is None:
            return
        shape = np.shape(x)
        expected = self.input_shape
        if len(shape) != len(expected) + 1 or not shapes_match(expected, tuple(shape[1:])):
            hint = ""
            if len(shape) == len(expected) and tuple(shape) == expected:
                hint = " — a single sample needs a batch axis: x[np.newaxis]"
            elif None not in expected and \
                    int(np.prod(shape[1:] if len(shape) > 1 else shape)) == int(np.prod(expected)):
                hint = f" — same number of values per sample; reshape to (-1, {', '.join(map(str, expected))})"
            prefix = f"{where}: " if where else ""
            raise ValueError(
                f"{prefix}layer {self.name!r} ({type(self).__name__}) expected input of shape "
                f"{format_shape(expected)}, got {tuple(shape)}{hint}")

    def __call__(self, x, training: bool = False, **kwargs):
        from pynet.models.graph import call_symbolic, is_symbolic
        if is_symbolic(x):
            return call_symbolic(self, x, **kwargs)
        if kwargs:
            raise TypeError(f"layer {self.name!r}: unexpected arguments {sorted(kwargs)}")
        if self.multi_input:
            xs = [np.asarray(v) for v in x]
            if not self.built:
                self.build([v.shape[1:] for v in xs])
            return self.forward([np.asarray(v, dtype=self.dtype) for v in xs], training)
        x = np.asarray(x)
        if not self.built:
            if x.ndim < 1:
                raise ValueError(f"layer {self.name!r}: input needs a batch axis, got a scalar")
            self.build(x.shape[1:])
        self.check_input(x)
        return self.forward(np.asarray(x, dtype=self.dtype), training)

    # -- parameters for the optimizer ---------------------------------------------------------
    def trainable_variables(self):
        """``[(key, param, grad), ...]`` of the parameters an optimizer updates (none when the
        layer is frozen)."""
        if not self.trainable:
            return []
        return [(k, p, self.grads[k]) for k, p in self.params.items()
                if k not in self._non_trainable_keys]

    def regularization_loss(self) -> float:
        """Sum of the regularizers' penalties on this layer's parameters (0.0 without any)."""
        return float(sum(reg(self.params[k]) for k, reg in self.regularizers.items()))

    def add_regularization_gradients(self) -> None:
        """``grads[key] += d penalty / d param`` for every regularized parameter."""
        for k, reg in self.regularizers.items():
            self.grads[k] += reg.gradient(self.params[k]).astype(self.dtype, copy=False)

    # -- weights ----------------------------------------------------------------------------
    def get_weights(self) -> list:
        """Copies of the parameters, in order."""
        return [p.copy() for p in self.params.values()]

    def _checked_weights(self, weights) -> list:
        """Check count, shapes, type and finiteness of ``weights``; return ``[(param, new), ...]``
        without changing anything (models check every layer before assigning any)."""
        weights = list(weights)
        if len(weights) != len(self.params):
            raise ValueError(
                f"layer {self.name!r} has {len(self.params)} weight arrays "
                f"({', '.join(self.params) or 'none'}), got {len(weights)}"
            )
        plan = []
        for (key, old), w in zip(self.params.items(), weights):
            w = np.asarray(w)
            if w.shape != old.shape:
                raise ValueError(
                    f"layer {self.name!r}: weight {key!r} has shape {old.shape}, got {w.shape}"
                )
            if w.dtype.kind not in "fiu":
                raise TypeError(f"layer {self.name!r}: weight {key!r} must be numeric, got {w.dtype}")
            if not np.isfinite(w).all():
                raise ValueError(f"layer {self.name!r}: weight {key!r} contains NaN/Inf")
            plan.append((old, w.astype(old.dtype, copy=True)))
        return plan

    def set_weights(self, weights) -> None:
        """Replace the parameters in place; count, shapes and finiteness are checked before
        anything changes."""
        for target, value in self._checked_weights(weights):
            target[...] = value

    def count_params(self) -> int:
        """Number of scalars in all parameters."""
        return int(sum(p.size for p in self.params.values()))

    def count_trainable_params(self) -> int:
        """Number of scalars an optimizer would update."""
        return int(sum(p.size for _, p, _ in self.trainable_variables()))

    # -- configuration ------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Constructor arguments as JSON-able values; subclasses add theirs."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype.name}
        if self._declared_input_shape is not None:
            config["input_shape"] = list(self._declared_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild a layer from :meth:`get_config`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} output_shape={self.output_shape}>"
