"""Argument preparation for the linear-algebra kernels (both backends call these)."""
from __future__ import annotations

import numpy as np

from . import as_float_array, same_dtype, writable_output


def prepare_matmul(a, b, trans_a, trans_b, out):
    """Validate ``matmul`` arguments; return ``(a, b, trans_a, trans_b, out, m, n, k)``.

    A Fortran-ordered operand is passed as its (C-ordered) transpose with the flag flipped, which
    costs nothing; other non-contiguous operands are copied to C order.
    """
    a_arr = np.asarray(a)
    b_arr = np.asarray(b)
    # Fortran order: a.T is C-contiguous, so flip the flag instead of copying.
    if a_arr.ndim == 2 and not a_arr.flags.c_contiguous and a_arr.flags.f_contiguous:
        a_arr, trans_a = a_arr.T, not trans_a
    if b_arr.ndim == 2 and not b_arr.flags.c_contiguous and b_arr.flags.f_contiguous:
        b_arr, trans_b = b_arr.T, not trans_b
    a_arr = as_float_array("a", a_arr, ndim=2, kernel="matmul")
    b_arr = as_float_array("b", b_arr, ndim=2, kernel="matmul")
    dtype = same_dtype("matmul", a=a_arr, b=b_arr)
    m, ka = (a_arr.shape[1], a_arr.shape[0]) if trans_a else a_arr.shape
    kb, n = (b_arr.shape[1], b_arr.shape[0]) if trans_b else b_arr.shape
    if ka != kb:
        raise ValueError(
            f"matmul(): inner dimensions differ: op(a) is ({m}, {ka}) and op(b) is ({kb}, {n})"
            f" (trans_a={bool(trans_a)}, trans_b={bool(trans_b)})"
        )
    if out is None:
        out = np.empty((m, n), dtype=dtype)
    else:
        out = writable_output("out", out, (m, n), dtype, kernel="matmul")
    return a_arr, b_arr, bool(trans_a), bool(trans_b), out, m, n, ka


def prepare_matvec(a, x, trans, out):
    """Validate ``matvec`` arguments; return ``(a, x, trans, out)``."""
    a_arr = np.asarray(a)
    if a_arr.ndim == 2 and not a_arr.flags.c_contiguous and a_arr.flags.f_contiguous:
        a_arr, trans = a_arr.T, not trans
    a_arr = as_float_array("a", a_arr, ndim=2, kernel="matvec")
    x_arr = as_float_array("x", x, ndim=1, kernel="matvec")
    dtype = same_dtype("matvec", a=a_arr, x=x_arr)
    rows, cols = (a_arr.shape[1], a_arr.shape[0]) if trans else a_arr.shape
    if x_arr.shape[0] != cols:
        raise ValueError(
            f"matvec(): op(a) has {cols} columns but x has {x_arr.shape[0]} entries"
            f" (a is {a_arr.shape}, trans={bool(trans)})"
        )
    if out is None:
        out = np.empty(rows, dtype=dtype)
    else:
        out = writable_output("out", out, (rows,), dtype, kernel="matvec")
    return a_arr, x_arr, bool(trans), out


def prepare_outer_update(w, alpha, x, y):
    """Validate ``outer_update`` arguments; return ``(w, alpha, x, y)``."""
    if not isinstance(w, np.ndarray) or w.ndim != 2:
        raise ValueError(f"outer_update(): argument 'w' must be a 2-D numpy array, got "
                         f"{type(w).__name__ if not isinstance(w, np.ndarray) else w.shape}")
    if w.dtype not in (np.float32, np.float64):
        raise TypeError(f"outer_update(): argument 'w' must be float32 or float64, got {w.dtype}")
    w = writable_output("w", w, w.shape, w.dtype, kernel="outer_update")
    x_arr = as_float_array("x", x, ndim=1, kernel="outer_update")
    y_arr = as_float_array("y", y, ndim=1, kernel="outer_update")
    same_dtype("outer_update", w=w, x=x_arr, y=y_arr)
    if x_arr.shape[0] != w.shape[0] or y_arr.shape[0] != w.shape[1]:
        raise ValueError(
            f"outer_update(): w is {w.shape}, so x needs {w.shape[0]} entries and y {w.shape[1]};"
            f" got x {x_arr.shape[0]} and y {y_arr.shape[0]}"
        )
    try:
        alpha = float(alpha)
    except (TypeError, ValueError):
        raise TypeError(f"outer_update(): argument 'alpha' must be a real number, got {alpha!r}") from None
    return w, alpha, x_arr, y_arr


def prepare_elementwise(name, x, out):
    """Validate a one-input elementwise kernel (any shape); return ``(x, out)``."""
    x_arr = as_float_array("x", x, kernel=name)
    if out is None:
        out = np.empty_like(x_arr)
    else:
        out = writable_output("out", out, x_arr.shape, x_arr.dtype, kernel=name)
    return x_arr, out


def check_logit_domain(x):
    """logit is defined on [0, 1] (±inf at the ends); outside it is a caller's mistake."""
    if x.size and (np.nanmin(x) < 0.0 or np.nanmax(x) > 1.0):
        raise ValueError(
            f"logit(): argument 'x' must lie in [0, 1], got min={float(np.nanmin(x))!r} "
            f"max={float(np.nanmax(x))!r} — rescale (e.g. to [0.01, 0.99]) before inverting a sigmoid"
        )
