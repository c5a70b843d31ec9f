"""Merge layers: several tensors in, one out (Chollet §7.1: ``layers.concatenate``, ``layers.add``).

A merge layer takes a *list* of inputs (``multi_input = True``): ``build`` receives a list of
sample shapes, ``forward`` a list of batches and ``backward`` returns one gradient per input.

Element-wise merges (``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``, ``Minimum``)
follow Keras's broadcasting rule on the sample shapes (batch axis excluded): shapes are aligned
on the right, a missing leading axis or an axis of length 1 stretches to the other's length,
any other mismatch is refused when the layer is built, with both shapes in the message. So
``(5, 3)`` with ``(3,)`` gives ``(5, 3)`` and ``(5, 1)`` with ``(1, 4)`` gives ``(5, 4)``;
``(5, 3)`` with ``(4,)`` is an error. The gradient of a broadcast input is summed over the axes
it was stretched along.

``Concatenate(axis)`` joins along one axis (all other lengths equal); ``Dot(axes, normalize)``
takes per-sample dot products (``normalize=True``: cosine similarity). Axis numbers count the
batch axis as Keras does (``axis=-1`` is the last; ``axis=1`` the first sample axis).

The functional forms (``add([a, b])``, ``concatenate([a, b], axis=-1)``, ...) make the layer and
call it on the list, like Keras's.

Keras 2 (the book) refused a merge of fewer than 2 inputs; Keras 3 accepts one (the output is
that input). pynet follows Keras 3; ``Subtract`` and ``Dot`` need exactly 2 in both.
"""
from __future__ import annotations

import numbers

import numpy as np

from .base import Layer, format_shape, register_layer, shape_tuple
from pynet import _validate as validate

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def _shapes_text(shapes) -> str:
    return "[" + ", ".join(format_shape(s) for s in shapes) + "]"


def _is_eager(value) -> bool:
    """True for arrays and nested lists of numbers (computed now); False for symbolic tensors."""
    return isinstance(value, (np.ndarray, numbers.Number, list, tuple))


def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` (batch, *out) down to (batch, *shape): the adjoint of broadcasting."""
    extra = grad.ndim - 1 - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(1, 1 + extra)))
    axes = tuple(i + 1 for i, s in enumerate(shape) if s == 1 and grad.shape[i + 1] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return np.ascontiguousarray(grad)


class _Merge(Layer):
    """Base of every merge layer: list in, one array out; eager ``__call__`` on arrays."""

    multi_input = True
    #: Exact number of inputs required (None: at least one).
    n_inputs = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._input_shapes = None
        self._cache = None

    # -- shapes ---------------------------------------------------------------------------------
    def _where(self) -> str:
        return f"{type(self).__name__} {self.name!r}"

    def _clean_shapes(self, input_shapes) -> list:
        if not isinstance(input_shapes, (list, tuple)) or not input_shapes or \
                not all(isinstance(s, (list, tuple)) for s in input_shapes):
            raise ValueError(f"{self._where()}: a merge layer is called on a list of inputs "
                             f"(build takes a list of sample shapes), got {input_shapes!r}")
        shapes = [shape_tuple(s) for s in input_shapes]
        if self.n_inputs is not None and len(shapes) != self.n_inputs:
            raise ValueError(f"{self._where()}: takes exactly {self.n_inputs} inputs, got "
                             f"{len(shapes)} with shapes {_shapes_text(shapes)}")
        return shapes

    def build(self, input_shapes):
        shapes = self._clean_shapes(input_shapes)
        output = self.compute_output_shape(shapes)      # every check before anything is set
        self._input_shapes = shapes
        self.input_shape = shapes
        self.output_shape = shape_tuple(output)
        self.built = True

    # -- calling --------------------------------------------------------------------------------
    def __call__(self, inputs, training: bool = False, **kwargs):
        if not isinstance(inputs, (list, tuple)) or not all(_is_eager(t) for t in inputs):
            return super().__call__(inputs, training=training, **kwargs)
        arrays = [np.asarray(t) for t in inputs]
        if any(a.ndim < 1 for a in arrays):
            raise ValueError(f"{self._where()}: every input needs a batch axis, got shapes "
                             f"{[a.shape for a in arrays]}")
        if not self.built:
            self.build([a.shape[1:] for a in arrays])
        return self.forward(arrays, training)

    def _check_batch(self, inputs) -> list:
        """The inputs as arrays of the layer's dtype, checked against the built shapes."""
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self._where()}: forward takes a list of arrays, got "
                             f"{type(inputs).__name__}")
        arrays = [np.asarray(a, dtype=self.dtype) for a in inputs]
        if len(arrays) != len(self._input_shapes):
            raise ValueError(f"{self._where()}: built for {len(self._input_shapes)} inputs, got "
                             f"{len(arrays)}")
        got = [a.shape for a in arrays]
        if any(a.ndim < 1 or a.shape[1:] != s for a, s in zip(arrays, self._input_shapes)):
            raise ValueError(f"{self._where()}: expected inputs of shapes "
                             f"{_shapes_text(self._input_shapes)}, got {got}")
        if len({a.shape[0] for a in arrays}) > 1:
            raise ValueError(f"{self._where()}: cannot merge batches of different sizes, got "
                             f"shapes {got}")
        return arrays

    def _before_backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"{self._where()}: backward() called before forward()")
        grad = np.asarray(grad, dtype=self.dtype)
        want = (self._batch,) + self.output_shape
        if grad.shape != want:
            raise ValueError(f"{self._where()}: gradient must have the output's shape {want}, "
                             f"got {grad.shape}")
        return grad


class _ElementwiseMerge(_Merge):
    """Add, Subtract, Multiply, Average, Maximum, Minimum: Keras's broadcasting rule."""

    def compute_output_shape(self, input_shapes):
        shapes = self._clean_shapes(input_shapes)
        out = shapes[0]
        for shape in shapes[1:]:
            out = self._broadcast(out, shape, shapes)
        return out

    def _broadcast(self, a, b, shapes):
        long, short = (a, b) if len(a) >= len(b) else (b, a)
        out = list(long[:len(long) - len(short)])
        for i, j in zip(long[len(long) - len(short):], short):
            if i != j and i != 1 and j != 1:
                raise ValueError(
                    f"{self._where()}: inputs have incompatible shapes {format_shape(a)} and "
                    f"{format_shape(b)} (sample axes must be equal or 1, aligned on the right); "
                    f"all input shapes: {_shapes_text(shapes)}")
            out.append(j if i == 1 else i)
        return tuple(out)

    def forward(self, inputs, training=False):
        arrays = self._check_batch(inputs)
        self._batch = arrays[0].shape[0]
        nd = max(a.ndim for a in arrays)
        y = self._merge([self._aligned(a, nd) for a in arrays])
        return np.ascontiguousarray(np.broadcast_to(y, (self._batch,) + self.output_shape),
                                    dtype=self.dtype)

    def backward(self, grad):
        grad = self._before_backward(grad)
        return [_unbroadcast(g.astype(self.dtype, copy=False), s)
                for g, s in zip(self._grads(grad), self._input_shapes)]

    @staticmethod
    def _aligned(a, ndim):
        """``a`` with axes of length 1 inserted after the batch axis up to ``ndim`` (Keras's
        ``expand_dims(x, axis=1)`` for inputs of lower rank)."""
        return a.reshape(a.shape[:1] + (1,) * (ndim - a.ndim) + a.shape[1:])


@register_layer
class Add(_ElementwiseMerge):
    """``y = x₁ + x₂ + … + xₖ``; every input's gradient is dL/dy (summed where broadcast)."""

    name_prefix = "add"

    def _merge(self, arrays):
        self._cache = True
        out = arrays[0]
        for a in arrays[1:]:
            out = out + a
        return out

    def _grads(self, grad):
        return [grad] * len(self._input_shapes)


@register_layer
class Subtract(_ElementwiseMerge):
    """``y = x₁ − x₂`` (exactly two inputs); gradients ``+dL/dy`` and ``−dL/dy``."""

    name_prefix = "subtract"
    n_inputs = 2

    def _merge(self, arrays):
        self._cache = True
        return arrays[0] - arrays[1]

    def _grads(self, grad):
        return [grad, -grad]


@register_layer
class Multiply(_ElementwiseMerge):
    """``y = x₁ ⊙ x₂ ⊙ … ⊙ xₖ``; ``dL/dxᵢ = dL/dy ⊙ Π_{j≠i} xⱼ``."""

    name_prefix = "multiply"

    def _merge(self, arrays):
        self._cache = arrays
        out = arrays[0]
        for a in arrays[1:]:
            out = out * a
        return out

    def _grads(self, grad):
        arrays, nd = self._cache, grad.ndim
        grads = []
        for i in range(len(arrays)):
            g = grad
            for j, a in enumerate(arrays):
                if j != i:
                    g = g * self._aligned(a, nd)
            grads.append(g)
        return grads


@register_layer
class Average(_ElementwiseMerge):
    """``y = (x₁ + … + xₖ) / k``; each input's gradient is ``dL/dy / k``."""

    name_prefix = "average"

    def _merge(self, arrays):
        self._cache = True
        out = arrays[0]
        for a in arrays[1:]:
            out = out + a
        return out / len(arrays)

    def _grads(self, grad):
        k = len(self._input_shapes)
        return [grad / k] * k


class _Extremum(_ElementwiseMerge):
    """Maximum/Minimum: the gradient goes to the input that won; on a tie, to the earliest
    input (Keras folds ``maximum(maximum(x₁, x₂), x₃)`` and TensorFlow's gradient of
    ``maximum(a, b)`` goes to ``a`` where ``a >= b``)."""

    def _merge(self, arrays):
        nd = max(a.ndim for a in arrays)
        aligned = [self._aligned(a, nd) for a in arrays]
        full = np.broadcast_arrays(*aligned)
        stacked = np.stack(full)
        winner = self._pick(stacked, axis=0)                  # first extreme wins ties
        self._cache = winner
        return np.take_along_axis(stacked, winner[None], axis=0)[0]

    def _grads(self, grad):
        winner = self._cache
        return [np.where(winner == i, grad, 0) for i in range(len(self._input_shapes))]


@register_layer
class Maximum(_Extremum):
    """``y = max(x₁, …, xₖ)`` element-wise."""

    name_prefix = "maximum"
    _pick = staticmethod(np.argmax)


@register_layer
class Minimum(_Extremum):
    """``y = min(x₁, …, xₖ)`` element-wise."""

    name_prefix = "minimum"
    _pick = staticmethod(np.argmin)


def _axis_in_sample(axis, rank: int, where: str, name: str = "axis") -> int:
    """Keras's axis (counting the batch axis) -> index into the sample shape of ``rank``."""
    axis = validate.integer(where, name, axis)
    full = rank + 1
    if not -full <= axis < full:
        raise ValueError(f"{where}: {name}={axis} is out of range for inputs of rank {full} "
                         f"(batch axis included)")
    axis = int(axis) % full
    if axis == 0:
        raise ValueError(f"{where}: {name}=0 is the batch axis; merge along a sample axis "
                         f"(1..{rank} or negative)")
    return axis - 1


@register_layer
class Concatenate(_Merge):
    """Join the inputs along ``axis`` (default -1, the last); every other length must agree.

    Backward splits dL/dy back into the inputs' pieces.
    """

    name_prefix = "concatenate"

    def __init__(self, axis=-1, **kwargs):
        axis = validate.integer("Concatenate()", "axis", axis)
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_output_shape(self, input_shapes):
        shapes = self._clean_shapes(input_shapes)
        where = self._where()
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            raise ValueError(f"{where}: inputs must have the same rank, got shapes "
                             f"{_shapes_text(shapes)}")
        ax = _axis_in_sample(self.axis, len(shapes[0]), where)
        first = shapes[0]
        for s in shapes[1:]:
            if s[:ax] + s[ax + 1:] != first[:ax] + first[ax + 1:]:
                raise ValueError(
                    f"{where}: inputs must match except along axis {self.axis}, got shapes "
                    f"{format_shape(first)} and {format_shape(s)}")
        return first[:ax] + (sum(s[ax] for s in shapes),) + first[ax + 1:]

    def forward(self, inputs, training=False):
        arrays = self._check_batch(inputs)
        self._batch = arrays[0].shape[0]
        ax = _axis_in_sample(self.axis, len(self._input_shapes[0]), self._where()) + 1
        self._cache = (ax, np.cumsum([s[ax - 1] for s in self._input_shapes])[:-1])
        return np.concatenate(arrays, axis=ax)

    def backward(self, grad):
        grad = self._before_backward(grad)
        ax, cuts = self._cache
        return [np.ascontiguousarray(g) for g in np.split(grad, cuts, axis=ax)]

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


@register_layer
class Dot(_Merge):
    """Per-sample dot product of two inputs along ``axes``.

    ``axes`` is an int (the same axis of both) or a pair ``(axis_of_x1, axis_of_x2)``, counting
    the batch axis. For each sample the remaining axes of ``x₁`` come first, then those of
    ``x₂``: ``(b, d)·(b, d)`` → ``(b, 1)``; ``(b, t, d)·(b, u, d)`` with ``axes=2`` →
    ``(b, t, u)``. ``normalize=True`` divides each input by its L2 norm along the dot axis
    first (``x / sqrt(max(Σx², 1e-12))``, Keras's ``l2_normalize``), so the result is the
    cosine similarity.

    Backward, per sample with ``X`` (R₁, d), ``Y`` (d, R₂), ``G = dL/dy`` (R₁, R₂)::

        dL/dX = G Yᵀ        dL/dY = Xᵀ G
    """

    name_prefix = "dot"
    n_inputs = 2
    EPSILON = 1e-12

    def __init__(self, axes, normalize=False, **kwargs):
        where = "Dot()"
        items = axes if isinstance(axes, (list, tuple)) else (axes,)
        if not 1 <= len(items) <= 2 or any(
                isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral) for a in items):
            raise TypeError(f"{where}: axes must be an int or a pair of ints, got {axes!r}")
        super().__init__(**kwargs)
        self.axes = int(items[0]) if not isinstance(axes, (list, tuple)) else \
            tuple(int(a) for a in items) * (2 if len(items) == 1 else 1)
        self.normalize = bool(normalize)

    def _sample_axes(self, shapes):
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        where = self._where()
        return (_axis_in_sample(pair[0], len(shapes[0]), where, "axes[0]"),
                _axis_in_sample(pair[1], len(shapes[1]), where, "axes[1]"))

    def compute_output_shape(self, input_shapes):
        shapes = self._clean_shapes(input_shapes)
        a1, a2 = self._sample_axes(shapes)
        s1, s2 = shapes
        if s1[a1] != s2[a2]:
            raise ValueError(
                f"{self._where()}: the dot axes must have the same length; axis {a1 + 1} of "
                f"{format_shape(s1)} has {s1[a1]}, axis {a2 + 1} of {format_shape(s2)} has "
                f"{s2[a2]}")
        out = s1[:a1] + s1[a1 + 1:] + s2[:a2] + s2[a2 + 1:]
        return out if out else (1,)

    def _l2_normalize(self, x, axis):
        sq = np.sum(x * x, axis=axis, keepdims=True)
        norm = np.sqrt(np.maximum(sq, self.EPSILON))
        return x / norm, norm, sq > self.EPSILON

    def forward(self, inputs, training=False):
        x1, x2 = self._check_batch(inputs)
        self._batch = b = x1.shape[0]
        a1, a2 = (a + 1 for a in self._sample_axes(self._input_shapes))
        n1 = n2 = None
        if self.normalize:
            x1, *n1 = self._l2_normalize(x1, a1)
            x2, *n2 = self._l2_normalize(x2, a2)
        # per sample: X (R1, d) @ Y (d, R2)
        xm = np.moveaxis(x1, a1, -1)
        ym = np.moveaxis(x2, a2, 1)
        # explicit sizes, not -1: an empty batch has nothing to infer a length from
        X = xm.reshape(b, int(np.prod(xm.shape[1:-1], dtype=np.int64)), xm.shape[-1])
        Y = ym.reshape(b, ym.shape[1], int(np.prod(ym.shape[2:], dtype=np.int64)))
        self._cache = (X, Y, xm.shape, ym.shape, x1, x2, n1, n2, a1, a2)
        return np.matmul(X, Y).reshape((b,) + self.output_shape)

    def backward(self, grad):
        grad = self._before_backward(grad)
        X, Y, xm_shape, ym_shape, x1, x2, n1, n2, a1, a2 = self._cache
        G = grad.reshape(X.shape[0], X.shape[1], Y.shape[2])
        d1 = np.moveaxis(np.matmul(G, np.swapaxes(Y, 1, 2)).reshape(xm_shape), -1, a1)
        d2 = np.moveaxis(np.matmul(np.swapaxes(X, 1, 2), G).reshape(ym_shape), 1, a2)
        if self.normalize:
            d1 = self._normalize_backward(d1, x1, n1, a1)
            d2 = self._normalize_backward(d2, x2, n2, a2)
        return [np.ascontiguousarray(d1, dtype=self.dtype),
                np.ascontiguousarray(d2, dtype=self.dtype)]

    @staticmethod
    def _normalize_backward(g, u, norm_info, axis):
        """Through ``u = x / ‖x‖``: ``dL/dx = (g − u·Σ(g⊙u)) / ‖x‖`` (only ``g / √ε`` where the
        norm was clamped at ε)."""
        norm, unclamped = norm_info
        proj = np.sum(g * u, axis=axis, keepdims=True)
        return np.where(unclamped, (g - u * proj) / norm, g / norm)

    def get_config(self):
        config = super().get_config()
        config.update(axes=self.axes if isinstance(self.axes, int) else list(self.axes),
                      normalize=self.normalize)
        return config


# -- the functional forms (Keras's layers.add([a, b]) ...) -------------------------------------

def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
