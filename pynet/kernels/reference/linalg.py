"""Linear algebra and the sigmoid pair, in plain NumPy (the readable twins of ``csrc/linalg.pyx``).

Shapes follow the row-major convention of NumPy: ``matmul`` computes ``op(a) @ op(b)`` where
``op(a)`` is ``a`` or ``a.T``.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit as _expit
from scipy.special import logit as _logit

from .._checks.linalg import (
    check_logit_domain, prepare_elementwise, prepare_matmul, prepare_matvec, prepare_outer_update,
)

__all__ = ["matmul", "matvec", "outer_update", "sigmoid", "logit"]


def matmul(a, b, *, trans_a=False, trans_b=False, out=None):
    """Matrix product ``C = op(a) @ op(b)``.

    Parameters
    ----------
    a : ndarray, shape (m, k), or (k, m) when ``trans_a``
    b : ndarray, shape (k, n), or (n, k) when ``trans_b``
        float32 or float64, the same for both.
    trans_a, trans_b : bool
        Use the transpose of the operand without copying it.
    out : ndarray, shape (m, n), optional
        C-contiguous array of the operands' dtype that receives the result.

    Returns
    -------
    ndarray, shape (m, n)
        ``out`` if given, otherwise a new array.
    """
    a, b, trans_a, trans_b, out, *_ = prepare_matmul(a, b, trans_a, trans_b, out)
    np.matmul(a.T if trans_a else a, b.T if trans_b else b, out=out)
    return out


def matvec(a, x, *, trans=False, out=None):
    """Matrix-vector product ``y = op(a) @ x``; ``a`` is (m, n), ``x`` has n (or m if ``trans``)
    entries; returns a 1-D array (``out`` if given)."""
    a, x, trans, out = prepare_matvec(a, x, trans, out)
    np.matmul(a.T if trans else a, x, out=out)
    return out


def outer_update(w, alpha, x, y):
    """In place: ``w += alpha * outer(x, y)`` (BLAS ``?ger``).

    ``w`` is (m, n), C-contiguous and writeable; ``x`` has m entries and ``y`` n. Returns ``w``.
    This is the shape of every delta-rule update: Δw = α · error ⊗ input.
    """
    w, alpha, x, y = prepare_outer_update(w, alpha, x, y)
    w += alpha * np.multiply.outer(x, y)
    return w


def sigmoid(x, *, out=None):
    """Logistic function σ(x) = 1 / (1 + e^(−x)), elementwise, any shape.

    Uses ``scipy.special.expit``, which never overflows (σ(−1000) = 0 exactly, no warning).
    """
    x, out = prepare_elementwise("sigmoid", x, out)
    return _expit(x, out=out)


def logit(x, *, out=None):
    """Inverse of the sigmoid, ln(x / (1 − x)), elementwise; ``x`` must lie in [0, 1]
    (0 and 1 give −inf and +inf)."""
    x, out = prepare_elementwise("logit", x, out)
    check_logit_domain(x)
    with np.errstate(divide="ignore"):  # the ends of [0, 1] map to ±inf by definition
        return _logit(x, out=out)
