"""The naive loops of linear algebra (Chollet ch. 2.3's "naive" functions, written fresh)."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["vector_dot", "matvec", "matmul", "outer_update", "relu", "add", "sigmoid", "logit"]


def vector_dot(x, y):
    """z = Σᵢ xᵢ·yᵢ for two 1-D vectors of equal length."""
    if len(x) != len(y):
        raise ValueError(f"vector_dot(): x has {len(x)} entries and y {len(y)}")
    z = 0.0
    for i in range(len(x)):
        z += float(x[i]) * float(y[i])
    return z


def matvec(a, x, *, trans=False, out=None):
    """y = op(a) @ x, one dot product per row."""
    a = np.asarray(a)
    if trans:
        a = a.T
    rows, cols = a.shape
    y = np.zeros(rows, dtype=np.result_type(a, x)) if out is None else out
    for i in range(rows):
        y[i] = vector_dot(a[i, :], x)
    return y


def matmul(a, b, *, trans_a=False, trans_b=False, out=None):
    """C = op(a) @ op(b) with three nested loops: C[i, j] = Σₖ a[i, k]·b[k, j]."""
    a = np.asarray(a).T if trans_a else np.asarray(a)
    b = np.asarray(b).T if trans_b else np.asarray(b)
    m, k = a.shape
    k2, n = b.shape
    if k != k2:
        raise ValueError(f"matmul(): inner dimensions differ: {a.shape} and {b.shape}")
    c = np.zeros((m, n), dtype=np.result_type(a, b)) if out is None else out
    for i in range(m):
        for j in range(n):
            total = 0.0
            for p in range(k):
                total += float(a[i, p]) * float(b[p, j])
            c[i, j] = total
    return c


def outer_update(w, alpha, x, y):
    """In place w[i, j] += alpha·x[i]·y[j], entry by entry (the delta rule's Δw = α·e⊗x)."""
    rows, cols = w.shape
    if len(x) != rows or len(y) != cols:
        raise ValueError(f"outer_update(): w is {w.shape}, x has {len(x)} entries and y {len(y)}")
    for i in range(rows):
        for j in range(cols):
            w[i, j] += alpha * float(x[i]) * float(y[j])
    return w


def relu(x):
    """max(x, 0) elementwise, for a 2-D array."""
    x = np.array(x, dtype=float, copy=True)
    rows, cols = x.shape
    for i in range(rows):
        for j in range(cols):
            x[i, j] = max(x[i, j], 0.0)
    return x


def add(x, y):
    """x + y for a 2-D x and a y that is 2-D of the same shape or 1-D of x's column count
    (broadcasting written out: the vector is repeated along the rows)."""
    x = np.array(x, dtype=float, copy=True)
    y = np.asarray(y, dtype=float)
    rows, cols = x.shape
    if y.ndim == 1:
        if y.shape[0] != cols:
            raise ValueError(f"add(): cannot broadcast {y.shape} over {x.shape}")
        for i in range(rows):
            for j in range(cols):
                x[i, j] += y[j]
    else:
        if y.shape != x.shape:
            raise ValueError(f"add(): shapes differ: {x.shape} and {y.shape}")
        for i in range(rows):
            for j in range(cols):
                x[i, j] += y[i, j]
    return x


def sigmoid(x):
    """σ(x) for a scalar, in the stable form: e^x/(1+e^x) for x < 0 avoids overflow of e^(−x)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(p):
    """ln(p / (1 − p)) for a scalar p in [0, 1], the inverse of :func:`sigmoid`;
    p = 0 and p = 1 give −inf and +inf."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"logit(): p must lie in [0, 1], got {p!r}")
    if p == 0.0:
        return -math.inf
    if p == 1.0:
        return math.inf
    return math.log(p / (1.0 - p))
