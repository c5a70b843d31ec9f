"""The operations of the Tensor engine, each with its derivative beside its forward (micrograd's
rule), named as TensorFlow 1 names them (the lecture notes' C32–C37).

Every operation is a function ``op(tensors..., attributes...)``. Its inner ``backward(g)`` gets
``g = dL/d output`` and returns ``dL/d input`` for each tensor input (None for an input that has no
gradient; the busiest operations also skip inputs that do not require one — a constant, the
data); :func:`.tensor.make` records it. Operations with no derivative (``argmax``, ``equal``,
``unique`` …) pass ``backward=None`` and are named in the error when a gradient meets them.

Matmul and the activations call pynet's kernels (``pynet.kernels.matmul``,
``activation_forward``/``activation_backward``), so the compiled backend speeds up the graph too.

The same functions build TensorFlow-1 graphs: when an argument is a graph node
(:mod:`.graph`), the call adds a node to that graph instead of computing (:func:`operation`).
"""
from __future__ import annotations

import functools

import numpy as np

from .tensor import Tensor, as_tensor, make, unbroadcast

__all__ = [
    "add", "subtract", "multiply", "div", "mod", "pow", "maximum", "minimum", "equal",
    "abs", "negative", "sign", "round", "square", "sqrt", "exp", "log", "cos", "sin",
    "relu", "sigmoid", "tanh", "softmax", "log_softmax", "clip_by_value", "cast", "stop_gradient",
    "matmul", "transpose", "reshape", "getitem", "concat",
    "matrix_determinant", "matrix_inverse", "matrix_solve",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_all",
    "reduce_any", "segment_sum", "argmax", "argmin", "unique", "setdiff1d",
    "zeros", "ones", "random_normal", "operation",
]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

# -- dispatch to graph building ------------------------------------------------------------------
#: Set by :mod:`.graph`: the node class, and the function that adds an operation to a graph.
SYMBOL_TYPES: tuple = ()
GRAPH_BUILDER = None


def _has_symbol(args, kwargs) -> bool:
    for a in args:
        if isinstance(a, SYMBOL_TYPES) or (isinstance(a, (list, tuple))
                                           and any(isinstance(b, SYMBOL_TYPES) for b in a)):
            return True
    return any(isinstance(v, SYMBOL_TYPES) for v in kwargs.values())


def operation(fn=None, *, outputs=1):
    """Decorator: run ``fn`` eagerly on tensors, or add it to a graph when an argument is a graph
    node. ``outputs`` is the number of results (``unique`` returns two). Every operation also
    takes ``name=`` (TensorFlow's), shown in drawings and messages."""
    def decorate(fn):
        @functools.wraps(fn)
        def op(*args, name=None, **kwargs):
            if SYMBOL_TYPES and _has_symbol(args, kwargs):
                return GRAPH_BUILDER(op, args, kwargs, outputs, name)
            out = fn(*args, **kwargs)
            if name is not None and isinstance(out, Tensor):
                out.name = name
            return out
        op.eager = fn
        op.outputs = outputs
        return op
    return decorate(fn) if fn is not None else decorate


_layers_base = None


def _kernels():
    """The active kernels (``pynet.kernels``, or the backend a test chose with
    ``pynet.layers.base.using_backend``)."""
    global _layers_base
    if _layers_base is None:
        from pynet.layers import base
        _layers_base = base
    return _layers_base.active_kernels()


def _pair(x, y):
    """Both as tensors; a Python number takes the other tensor's dtype."""
    if isinstance(x, Tensor):
        return x, as_tensor(y, like=x)
    y = as_tensor(y)
    return as_tensor(x, like=y), y


def _zeros_grad(t):
    return np.zeros_like(t.data)


# -- elementwise, two arguments (C32) ------------------------------------------------------------
@operation
def add(x, y):
    """x + y."""
    x, y = _pair(x, y)

    def backward(g):                              # ∂/∂x = 1, ∂/∂y = 1
        return (unbroadcast(g, x.shape) if x.requires_grad else None,
                unbroadcast(g, y.shape) if y.requires_grad else None)
    return make(x.data + y.data, (x, y), "add", backward)


@operation
def subtract(x, y):
    """x − y."""
    x, y = _pair(x, y)

    def backward(g):                              # ∂/∂x = 1, ∂/∂y = −1
        return (unbroadcast(g, x.shape) if x.requires_grad else None,
                unbroadcast(-g, y.shape) if y.requires_grad else None)
    return make(x.data - y.data, (x, y), "subtract", backward)


@operation
def multiply(x, y):
    """x · y (elementwise)."""
    x, y = _pair(x, y)

    def backward(g):                              # ∂/∂x = y, ∂/∂y = x
        return (unbroadcast(g * y.data, x.shape) if x.requires_grad else None,
                unbroadcast(g * x.data, y.shape) if y.requires_grad else None)
    return make(x.data * y.data, (x, y), "multiply", backward)


@operation
def div(x, y):
    """x / y (true division)."""
    x, y = _pair(x, y)
    out = x.data / y.data

    def backward(g):                              # ∂/∂x = 1/y, ∂/∂y = −x/y²
        return (unbroadcast(g / y.data, x.shape) if x.requires_grad else None,
                unbroadcast(-g * out / y.data, y.shape) if y.requires_grad else None)
    return make(out, (x, y), "div", backward)


@operation
def mod(x, y):
    """x mod y, with the sign of y (NumPy's and TensorFlow's floor modulus)."""
    x, y = _pair(x, y)

    def backward(g):                              # x mod y = x − y·⌊x/y⌋: ∂/∂x = 1, ∂/∂y = −⌊x/y⌋
        return (unbroadcast(g, x.shape),
                unbroadcast(-g * np.floor_divide(x.data, y.data), y.shape))
    return make(np.mod(x.data, y.data), (x, y), "mod", backward)


@operation
def pow(x, y):  # noqa: A001 - TensorFlow's name
    """xʸ."""
    x, y = _pair(x, y)
    out = np.power(x.data, y.data)

    def backward(g):                              # ∂/∂x = y·xʸ⁻¹, ∂/∂y = xʸ·ln x (x > 0)
        gx = unbroadcast(g * y.data * np.power(x.data, y.data - 1), x.shape) \
            if x.requires_grad else None
        gy = None
        if y.requires_grad:
            positive = x.data > 0
            ln_x = np.log(np.where(positive, x.data, 1))
            gy = unbroadcast(np.where(positive, g * out * ln_x, 0), y.shape)
        return gx, gy
    return make(out, (x, y), "pow", backward)


@operation
def maximum(x, y):
    """max(x, y) elementwise; where they tie the gradient goes to x (as in TensorFlow)."""
    x, y = _pair(x, y)
    x_wins = x.data >= y.data

    def backward(g):
        return unbroadcast(g * x_wins, x.shape), unbroadcast(g * ~x_wins, y.shape)
    return make(np.maximum(x.data, y.data), (x, y), "maximum", backward)


@operation
def minimum(x, y):
    """min(x, y) elementwise; where they tie the gradient goes to x."""
    x, y = _pair(x, y)
    x_wins = x.data <= y.data

    def backward(g):
        return unbroadcast(g * x_wins, x.shape), unbroadcast(g * ~x_wins, y.shape)
    return make(np.minimum(x.data, y.data), (x, y), "minimum", backward)


@operation
def equal(x, y):
    """x == y elementwise, as booleans (no gradient)."""
    x, y = _pair(x, y)
    return make(np.equal(x.data, y.data), (x, y), "equal", None)


# -- elementwise, one argument (C32, C33) ---------------------------------------------------------
def _unary(name, forward, derivative):
    """An elementwise operation ``out = forward(x)`` with ``∂out/∂x = derivative(x, out)``
    (None: the operation has no gradient)."""
    @operation
    def op(x):
        x = as_tensor(x)
        out = forward(x.data)
        backward = None if derivative is None else (lambda g: (g * derivative(x.data, out),))
        return make(out, (x,), name, backward)
    op.__name__ = op.__qualname__ = name
    op.eager.__name__ = name
    return op


abs = _unary("abs", np.abs, lambda x, y: np.sign(x))                     # noqa: A001
negative = _unary("negative", np.negative, lambda x, y: -np.ones_like(x))
# sign and round are flat almost everywhere: derivative 0 (TensorFlow does the same for sign)
sign = _unary("sign", np.sign, lambda x, y: np.zeros_like(x))
round = _unary("round", np.round, lambda x, y: np.zeros_like(x))          # noqa: A001
square = _unary("square", np.square, lambda x, y: 2 * x)
sqrt = _unary("sqrt", np.sqrt, lambda x, y: 0.5 / y)
exp = _unary("exp", np.exp, lambda x, y: y)
log = _unary("log", np.log, lambda x, y: 1 / x)
cos = _unary("cos", np.cos, lambda x, y: -np.sin(x))
sin = _unary("sin", np.sin, lambda x, y: np.cos(x))


# -- activations, through pynet's kernels -------------------------------------------------------
def _as_rows(a, axis=-1):
    """``a`` as a C-contiguous 2-D array whose rows run along ``axis``, and how to undo it."""
    moved = np.moveaxis(a, axis, -1) if axis not in (-1, a.ndim - 1) else a
    shape = moved.shape
    rows = np.ascontiguousarray(moved.reshape(-1, shape[-1]) if moved.ndim else moved.reshape(1, 1))

    def back(r):
        r = r.reshape(shape)
        return np.moveaxis(r, -1, axis) if moved is not a else r
    return rows, back


def _activation(name, x, axis=-1):
    x = as_tensor(x)
    if x.data.dtype not in _FLOATS:
        x = Tensor(x.data.astype(np.float32)) if x.data.dtype.kind in "iub" else x
    if x.data.size == 0:
        return make(x.data.copy(), (x,), name, lambda g: (g,))
    K = _kernels()
    rows, back = _as_rows(x.data, axis)
    y_rows = K.activation_forward(name, rows)

    def backward(g):                              # the kernel knows f′ from y = f(z)
        g_rows, _ = _as_rows(g, axis)
        return (back(K.activation_backward(name, y_rows, g_rows)),)
    return make(back(y_rows), (x,), name, backward)


@operation
def relu(x):
    """max(x, 0); derivative [x > 0]."""
    return _activation("relu", x)


@operation
def sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ); derivative σ(1 − σ)."""
    return _activation("sigmoid", x)


@operation
def tanh(x):
    """tanh x; derivative 1 − tanh²."""
    return _activation("tanh", x)


@operation
def softmax(x, axis=-1):
    """e^x / Σ e^x along ``axis``; derivative y ⊙ (g − Σ g·y)."""
    return _activation("softmax", x, axis)


@operation
def log_softmax(x, axis=-1):
    """x − log Σ e^x along ``axis``, computed without overflow; derivative g − softmax·Σ g."""
    x = as_tensor(x)
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(g):
        return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)
    return make(out, (x,), "log_softmax", backward)


@operation
def clip_by_value(x, clip_value_min, clip_value_max):
    """x limited to [min, max]; the gradient passes only where x lies inside."""
    x = as_tensor(x)
    lo = np.asarray(clip_value_min.data if isinstance(clip_value_min, Tensor) else clip_value_min)
    hi = np.asarray(clip_value_max.data if isinstance(clip_value_max, Tensor) else clip_value_max)
    inside = (x.data >= lo) & (x.data <= hi)

    def backward(g):
        return (g * inside,)
    return make(np.clip(x.data, lo, hi).astype(x.data.dtype, copy=False), (x,), "clip_by_value",
                backward)


@operation
def cast(x, dtype):
    """x converted to ``dtype``; differentiable between floating types only."""
    x = as_tensor(x)
    dtype = np.dtype(dtype)
    out = x.data.astype(dtype)
    differentiable = x.data.dtype.kind == "f" and dtype.kind == "f"
    backward = (lambda g: (g.astype(x.data.dtype),)) if differentiable else None
    return make(out, (x,), f"cast to {dtype}" if not differentiable else "cast", backward)


@operation
def stop_gradient(x):
    """x, through which no gradient flows (derivative 0)."""
    x = as_tensor(x)
    return make(x.data, (x,), "stop_gradient", lambda g: (None,))


# -- matrices (C31, C34) -------------------------------------------------------------------------
@operation
def matmul(a, b):
    """Matrix product a @ b (2-D through ``pynet.kernels.matmul``; 1-D and stacks by NumPy)."""
    a, b = _pair(a, b)
    A, B = a.data, b.data
    if A.ndim == 2 and B.ndim == 2 and A.dtype == B.dtype and A.dtype in _FLOATS:
        K = _kernels()

        def backward(g):                          # ∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G
            ga = K.matmul(g, B, trans_b=True) if a.requires_grad else None
            gb = K.matmul(A, g, trans_a=True) if b.requires_grad else None
            return ga, gb
        return make(K.matmul(A, B), (a, b), "matmul", backward)

    def backward(g):                              # the same, with 1-D operands promoted
        A2 = A[None, :] if A.ndim == 1 else A
        B2 = B[:, None] if B.ndim == 1 else B
        g2 = g
        if A.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if B.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = np.matmul(g2, np.swapaxes(B2, -1, -2))
        gb = np.matmul(np.swapaxes(A2, -1, -2), g2)
        ga = ga.reshape(ga.shape[:-2] + (ga.shape[-1],)) if A.ndim == 1 else ga
        gb = gb.reshape(gb.shape[:-1]) if B.ndim == 1 else gb
        return unbroadcast(ga, A.shape), unbroadcast(gb, B.shape)
    return make(np.matmul(A, B), (a, b), "matmul", backward)


@operation
def transpose(x, perm=None):
    """Axes reversed (or permuted by ``perm``); the gradient is permuted back."""
    x = as_tensor(x)
    perm = tuple(range(x.ndim))[::-1] if perm is None else tuple(perm)
    inverse = tuple(np.argsort(perm))
    return make(np.transpose(x.data, perm), (x,), "transpose",
                lambda g: (np.transpose(g, inverse),))


@operation
def reshape(x, shape):
    """Same numbers, new shape; the gradient takes the old shape back."""
    x = as_tensor(x)
    return make(np.reshape(x.data, shape), (x,), "reshape", lambda g: (np.reshape(g, x.shape),))


def _basic_index(idx) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


@operation
def getitem(x, index):
    """x[index]; an element picked several times gets the sum of its gradients."""
    x = as_tensor(x)
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    basic = _basic_index(index)

    def backward(g):
        full = np.zeros_like(x.data)
        if basic:
            full[index] = g
        else:
            np.add.at(full, index, g)     # fancy indexing may repeat an element
        return (full,)
    return make(x.data[index], (x,), "getitem", backward)


@operation
def concat(values, axis=0):
    """The tensors joined along ``axis``; the gradient is cut back into their pieces."""
    values = [as_tensor(v) for v in values]
    sizes = np.cumsum([v.shape[axis] for v in values])[:-1]
    return make(np.concatenate([v.data for v in values], axis=axis), values, "concat",
                lambda g: tuple(np.split(g, sizes, axis=axis)))


@operation
def matrix_determinant(a):
    """det A (of each matrix in a stack); ∂det/∂A = det(A)·A⁻ᵀ."""
    a = as_tensor(a)
    det = np.linalg.det(a.data)

    def backward(g):
        inv_t = np.swapaxes(np.linalg.inv(a.data), -1, -2)
        return ((np.asarray(g) * det)[..., None, None] * inv_t,)
    return make(det.astype(a.data.dtype, copy=False), (a,), "matrix_determinant", backward)


@operation
def matrix_inverse(a):
    """A⁻¹; ∂L/∂A = −A⁻ᵀ G A⁻ᵀ."""
    a = as_tensor(a)
    inv = np.linalg.inv(a.data)

    def backward(g):
        inv_t = np.swapaxes(inv, -1, -2)
        return (-(inv_t @ g @ inv_t),)
    return make(inv, (a,), "matrix_inverse", backward)


@operation
def matrix_solve(a, b):
    """X with A X = B; ∂L/∂B = A⁻ᵀ G, ∂L/∂A = −(∂L/∂B) Xᵀ."""
    a, b = _pair(a, b)
    x = np.linalg.solve(a.data, b.data)

    def backward(g):
        gb = np.linalg.solve(np.swapaxes(a.data, -1, -2), g)
        return -(gb @ np.swapaxes(x, -1, -2)), gb
    return make(x, (a, b), "matrix_solve", backward)


# -- reductions (C35) ----------------------------------------------------------------------------
def _axes(x, axis):
    """``axis`` (None, an int or a tuple) as a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(sorted(int(a) % x.ndim for a in axes))


def _expand(g, x, axes, keepdims):
    """A reduced gradient with the reduced axes put back (length 1), ready to broadcast."""
    return g if keepdims else np.expand_dims(g, axes)


@operation
def reduce_sum(x, axis=None, keepdims=False):
    """Σ over ``axis`` (all axes when None); each summand gets the gradient of the sum."""
    x = as_tensor(x)
    axes = _axes(x, axis)
    return make(np.sum(x.data, axis=axes, keepdims=keepdims), (x,), "reduce_sum",
                lambda g: (np.broadcast_to(_expand(g, x, axes, keepdims), x.shape),))


@operation
def reduce_mean(x, axis=None, keepdims=False):
    """Mean over ``axis``; each of the n entries gets 1/n of the gradient. Integer tensors give an
    integer (truncated) mean, as in TensorFlow."""
    x = as_tensor(x)
    axes = _axes(x, axis)
    n = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    if x.data.dtype.kind in "iu":
        out = (np.sum(x.data, axis=axes, keepdims=keepdims) // max(n, 1)).astype(x.data.dtype)
    else:
        out = np.mean(x.data, axis=axes, keepdims=keepdims)
    return make(out, (x,), "reduce_mean",
                lambda g: (np.broadcast_to(_expand(g, x, axes, keepdims) / n, x.shape),))


def _extremum(name, reduce):
    @operation
    def op(x, axis=None, keepdims=False):
        x = as_tensor(x)
        axes = _axes(x, axis)
        out = reduce(x.data, axis=axes, keepdims=True)

        def backward(g):                          # shared equally among tied extremes
            hit = x.data == out
            return (_expand(g, x, axes, keepdims) * hit / hit.sum(axis=axes, keepdims=True),)
        return make(out if keepdims else np.squeeze(out, axes), (x,), name, backward)
    op.__name__ = op.__qualname__ = op.eager.__name__ = name
    op.__doc__ = f"{'Largest' if reduce is np.max else 'Smallest'} entry over ``axis``; the " \
                 "gradient goes to the entries that attain it (shared equally among ties)."
    return op


reduce_max = _extremum("reduce_max", np.max)
reduce_min = _extremum("reduce_min", np.min)


@operation
def reduce_prod(x, axis=None, keepdims=False):
    """Π over ``axis``; ∂/∂xᵢ = product of the others (computed without dividing, so zeros work)."""
    x = as_tensor(x)
    axes = _axes(x, axis)
    out = np.prod(x.data, axis=axes, keepdims=keepdims)

    def backward(g):
        rest = [a for a in range(x.ndim) if a not in axes]
        moved = np.transpose(x.data, rest + list(axes))
        flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
        ones = np.ones_like(flat[..., :1])
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)   # x₀…xᵢ₋₁
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]  # xᵢ₊₁…
        others = (before * after).reshape(moved.shape)
        others = np.transpose(others, np.argsort(rest + list(axes)))
        return (_expand(g, x, axes, keepdims) * others,)
    return make(out, (x,), "reduce_prod", backward)


@operation
def reduce_all(x, axis=None, keepdims=False):
    """Logical AND over ``axis`` (no gradient)."""
    x = as_tensor(x)
    return make(np.all(x.data, axis=_axes(x, axis), keepdims=keepdims), (x,), "reduce_all", None)


@operation
def reduce_any(x, axis=None, keepdims=False):
    """Logical OR over ``axis`` (no gradient)."""
    x = as_tensor(x)
    return make(np.any(x.data, axis=_axes(x, axis), keepdims=keepdims), (x,), "reduce_any", None)


# -- segments, indices, sets (C36, C37) -----------------------------------------------------------
@operation
def segment_sum(data, segment_ids):
    """out[k] = Σ of the rows of ``data`` whose segment id is k (ids sorted, as TF requires);
    each row's gradient is its segment's gradient."""
    data = as_tensor(data)
    ids = np.asarray(segment_ids.data if isinstance(segment_ids, Tensor) else segment_ids)
    if ids.ndim != 1 or len(ids) != data.shape[0]:
        raise ValueError(f"segment_sum(): segment_ids must be 1-D with one id per row of data "
                         f"({data.shape[0]} rows), got shape {ids.shape}")
    if len(ids) and (np.any(np.diff(ids) < 0) or ids[0] < 0):
        raise ValueError(f"segment_sum(): segment_ids must be sorted and non-negative, got "
                         f"{ids.tolist()}")
    n = int(ids[-1]) + 1 if len(ids) else 0
    out = np.zeros((n,) + data.shape[1:], dtype=data.data.dtype)
    np.add.at(out, ids, data.data)
    return make(out, (data,), "segment_sum", lambda g: (g[ids],))


@operation
def argmax(x, axis=0):
    """Index of the largest entry along ``axis`` (TF 1's default axis is 0; no gradient)."""
    x = as_tensor(x)
    return make(np.argmax(x.data, axis=axis), (x,), "argmax", None)


@operation
def argmin(x, axis=0):
    """Index of the smallest entry along ``axis`` (no gradient)."""
    x = as_tensor(x)
    return make(np.argmin(x.data, axis=axis), (x,), "argmin", None)


@operation(outputs=2)
def unique(x):
    """``(y, idx)``: the distinct values of 1-D ``x`` in order of first appearance, and for each
    entry of x the position of its value in y, so x = y[idx] (no gradient)."""
    x = as_tensor(x)
    values, first, inverse = np.unique(x.data, return_index=True, return_inverse=True)
    order = np.argsort(first)                    # TF keeps first-appearance order, not sorted
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    y = make(values[order], (x,), "unique", None)
    idx = make(rank[inverse.reshape(-1)].astype(np.int32), (x,), "unique", None)
    return y, idx


@operation(outputs=2)
def setdiff1d(x, y):
    """``(out, idx)``: the entries of x that are not in y, in x's order, and where they sit in x
    (no gradient)."""
    x, y = _pair(x, y)
    keep = ~np.isin(x.data, y.data)
    idx = np.flatnonzero(keep).astype(np.int32)
    return make(x.data[keep], (x, y), "setdiff1d", None), make(idx, (x, y), "setdiff1d", None)


# -- creating tensors --------------------------------------------------------------------------
def zeros(shape, dtype=np.float32):
    return Tensor(np.zeros(shape, dtype=dtype))


def ones(shape, dtype=np.float32):
    return Tensor(np.ones(shape, dtype=dtype))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=np.float32, seed=None):
    """Normal samples (a fixed ``seed`` or a ``numpy.random.Generator`` gives the same numbers)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return Tensor(rng.normal(mean, stddev, size=shape).astype(dtype))


# -- operators and methods on Tensor ---------------------------------------------------------------
def _swap(fn):
    return lambda self, other: fn(other, self)


def _install(cls):
    """Python's operators and NumPy-style methods, as the operations above."""
    cls.__add__, cls.__radd__ = add, _swap(add)
    cls.__sub__, cls.__rsub__ = subtract, _swap(subtract)
    cls.__mul__, cls.__rmul__ = multiply, _swap(multiply)
    cls.__truediv__, cls.__rtruediv__ = div, _swap(div)
    cls.__mod__, cls.__rmod__ = mod, _swap(mod)
    cls.__pow__, cls.__rpow__ = pow, _swap(pow)
    cls.__matmul__, cls.__rmatmul__ = matmul, _swap(matmul)
    cls.__neg__ = negative
    cls.__abs__ = abs
    cls.__getitem__ = getitem
    cls.T = property(lambda self: transpose(self))
    cls.sum = lambda self, axis=None, keepdims=False: reduce_sum(self, axis, keepdims)
    cls.mean = lambda self, axis=None, keepdims=False: reduce_mean(self, axis, keepdims)
    cls.max = lambda self, axis=None, keepdims=False: reduce_max(self, axis, keepdims)
    cls.min = lambda self, axis=None, keepdims=False: reduce_min(self, axis, keepdims)
    cls.prod = lambda self, axis=None, keepdims=False: reduce_prod(self, axis, keepdims)
    cls.reshape = lambda self, *shape: reshape(
        self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)
    cls.transpose = lambda self, *perm: transpose(self, perm or None)
    cls.exp, cls.log, cls.tanh, cls.relu, cls.sigmoid = exp, log, tanh, relu, sigmoid
    cls.sqrt, cls.abs = sqrt, abs


_install(Tensor)
