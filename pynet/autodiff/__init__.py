"""Automatic differentiation, in two steps: a scalar :class:`Value`, then a :class:`Tensor`.

Eager use (each operation computes at once and, when a gradient may be wanted, records itself)::

    from pynet import autodiff as ad
    w = ad.tensor(np.ones((3, 2)), requires_grad=True)
    with ad.record() as tape:
        loss = ad.reduce_mean(ad.relu(x @ w) ** 2)
    dw = tape.gradient(loss, w)

The TensorFlow-1 style (graph, placeholders, session) is in :mod:`pynet.autodiff.graph`;
:func:`vjp` differentiates a layer's ``call`` written with these operations.
"""
from __future__ import annotations

from . import ops  # noqa: F401 - the operations module, for readers and the graph
from .ops import (
    abs, add, argmax, argmin, cast, clip_by_value, concat, cos, div, equal, exp, getitem, log,
    log_softmax, matmul, matrix_determinant, matrix_inverse, matrix_solve, maximum, minimum, mod,
    multiply, negative, ones, pow, random_normal, reduce_all, reduce_any, reduce_max, reduce_mean,
    reduce_min, reduce_prod, reduce_sum, relu, reshape, round, segment_sum, setdiff1d, sigmoid,
    sign, sin, softmax, sqrt, square, stop_gradient, subtract, tanh, transpose, unique, zeros,
)
from .tensor import (
    GraphFreedError, NoGradientError, Tape, Tensor, as_tensor, gradient, no_grad, record, tensor,
    unbroadcast,
)
from .value import Value
from .bridge import vjp

#: TensorFlow's other spellings.
truediv = divide = div
matrix_transpose = transpose

__all__ = [
    "Value", "Tensor", "tensor", "as_tensor", "gradient", "record", "no_grad", "Tape",
    "unbroadcast", "NoGradientError", "GraphFreedError", "vjp",
    "abs", "add", "argmax", "argmin", "cast", "clip_by_value", "concat", "cos", "div", "divide",
    "equal", "exp", "getitem", "log", "log_softmax", "matmul", "matrix_determinant",
    "matrix_inverse", "matrix_solve", "matrix_transpose", "maximum", "minimum", "mod",
    "multiply", "negative", "ones", "pow", "random_normal", "reduce_all", "reduce_any",
    "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum", "relu", "reshape",
    "round", "segment_sum", "setdiff1d", "sigmoid", "sign", "sin", "softmax", "sqrt", "square",
    "stop_gradient", "subtract", "tanh", "transpose", "truediv", "unique", "zeros",
]
