"""Argument preparation for the linear-algebra kernels (both backends call these)."""
from __future__ import annotations

import numpy as np

from . import as_float_array, blas_dims, overlaps, require_scalar, same_dtype, writable_output


def _c_operand(name, arr, trans, kernel):
    """Return ``(array, trans)`` with ``array`` C-contiguous and ``op(array)`` unchanged.

    A Fortran-ordered 2-D operand is handed on as its transpose (which is C-contiguous) with the
    flag flipped: no copy. Any other non-contiguous operand is copied once to C order.
    """
    arr = np.asarray(arr)
    if arr.ndim == 2 and not arr.flags.c_contiguous and arr.flags.f_contiguous:
        arr, trans = arr.T, not trans
    return as_float_array(name, arr, ndim=2, kernel=kernel), bool(trans)


def _unalias(inp, out):
    """Copy an input that shares memory with the output: BLAS reads operands while it writes
    ``out``, so ``matmul(a, b, out=a)`` would otherwise read half-overwritten numbers."""
    return inp.copy() if overlaps(inp, out) else inp


def prepare_matmul(a, b, trans_a, trans_b, out):
    """Validate ``matmul`` arguments; return ``(a, b, trans_a, trans_b, out, m, n, k)``.

    The returned ``a`` and ``b`` are C-contiguous with ``op(a) @ op(b)`` equal to the caller's
    product; the returned flags may differ from the caller's (see :func:`_c_operand`), so a
    compute routine must honour them. An input that overlaps ``out`` is copied first.
    """
    a_arr, ta = _c_operand("a", a, trans_a, "matmul")
    b_arr, tb = _c_operand("b", b, trans_b, "matmul")
    dtype = same_dtype("matmul", a=a_arr, b=b_arr)
    m, ka = (a_arr.shape[1], a_arr.shape[0]) if ta else a_arr.shape
    kb, n = (b_arr.shape[1], b_arr.shape[0]) if tb else b_arr.shape
    if ka != kb:
        # Report the caller's flags, not the ones flipped for a Fortran-ordered operand.
        raise ValueError(
            f"matmul(): inner dimensions differ: op(a) is ({m}, {ka}) and op(b) is ({kb}, {n})"
            f" (trans_a={bool(trans_a)}, trans_b={bool(trans_b)})"
        )
    if out is None:
        out = np.empty((m, n), dtype=dtype)
    else:
        out = writable_output("out", out, (m, n), dtype, kernel="matmul")
        a_arr, b_arr = _unalias(a_arr, out), _unalias(b_arr, out)
    blas_dims("matmul", m=m, n=n, k=ka)
    return a_arr, b_arr, ta, tb, out, m, n, ka


def prepare_matvec(a, x, trans, out):
    """Validate ``matvec`` arguments; return ``(a, x, trans, out)`` (same rules as
    :func:`prepare_matmul`: the returned ``trans`` may be flipped for a Fortran-ordered ``a``)."""
    a_shape = np.shape(a)
    a_arr, t = _c_operand("a", a, trans, "matvec")
    x_arr = as_float_array("x", x, ndim=1, kernel="matvec")
    dtype = same_dtype("matvec", a=a_arr, x=x_arr)
    rows, cols = (a_arr.shape[1], a_arr.shape[0]) if t else a_arr.shape
    if x_arr.shape[0] != cols:
        raise ValueError(
            f"matvec(): op(a) has {cols} columns but x has {x_arr.shape[0]} entries"
            f" (a is {tuple(a_shape)}, trans={bool(trans)})"
        )
    if out is None:
        out = np.empty(rows, dtype=dtype)
    else:
        out = writable_output("out", out, (rows,), dtype, kernel="matvec")
        a_arr, x_arr = _unalias(a_arr, out), _unalias(x_arr, out)
    blas_dims("matvec", rows=rows, cols=cols)
    return a_arr, x_arr, t, out


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
    # ?ger reads x and y while it writes w: a vector that is a view of w (a row of it, say)
    # must be copied first, or later entries would see updated numbers.
    x_arr, y_arr = _unalias(x_arr, w), _unalias(y_arr, w)
    if x_arr.shape[0] != w.shape[0] or y_arr.shape[0] != w.shape[1]:
        raise ValueError(
            f"outer_update(): w is {w.shape}, so x needs {w.shape[0]} entries and y {w.shape[1]};"
            f" got x {x_arr.shape[0]} and y {y_arr.shape[0]}"
        )
    if isinstance(alpha, (str, bytes)):  # float("0.1") would accept it; a string is a mistake
        raise TypeError(f"outer_update(): argument 'alpha' must be a real number, got {alpha!r}")
    alpha = require_scalar("alpha", alpha, where="outer_update()")
    blas_dims("outer_update", rows=w.shape[0], cols=w.shape[1])
    return w, alpha, x_arr, y_arr


def prepare_elementwise(name, x, out):
    """Validate a one-input elementwise kernel (any shape, 0-d included); return ``(x, out)``."""
    # as_float_array goes through np.ascontiguousarray, which turns a 0-d array into shape (1,);
    # give the caller back the shape they passed.
    x_arr = as_float_array("x", x, kernel=name).reshape(np.shape(x))
    if out is None:
        out = np.empty_like(x_arr)
    else:
        out = writable_output("out", out, x_arr.shape, x_arr.dtype, kernel=name)
        # out=x (same first element, same layout) is a safe in-place call; any other overlap
        # would let the loop read entries it has already overwritten.
        if out.ctypes.data != x_arr.ctypes.data:
            x_arr = _unalias(x_arr, out)
    return x_arr, out


def check_logit_domain(x):
    """logit is defined on [0, 1] (±inf at the ends); outside it is a caller's mistake."""
    if not x.size:
        return
    # fmin/fmax skip NaN (NaN maps to NaN) without nanmin's warning on an all-NaN array.
    low, high = float(np.fmin.reduce(x, axis=None)), float(np.fmax.reduce(x, axis=None))
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"logit(): argument 'x' must lie in [0, 1], got min={low!r} max={high!r}"
            " — rescale (e.g. to [0.01, 0.99]) before inverting a sigmoid"
        )
