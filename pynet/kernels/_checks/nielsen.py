"""Argument preparation for the 'nielsen' kernels (both backends call these, so both raise the same
message for the same mistake).

A network is described by two lists: ``weights[i]`` of shape ``(sizes[i+1], sizes[i])`` and
``biases[i]`` of shape ``(sizes[i+1], 1)`` (Nielsen's column convention; ``(sizes[i+1],)`` is
accepted too). Kernels that update them in place need every array C-contiguous, writeable and of
one float dtype; inputs may be anything float of that dtype and are copied once if non-contiguous.
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate

from . import (as_float_array, blas_dims, describe, require_scalar, same_dtype, separate,
               writable_output)

#: Cost names understood by the kernels (``Cost.kernel_name`` in :mod:`pynet.backprop.costs`).
#: The integers the kernels switch on (csrc/nielsen.pyx names the same values in a cdef enum).
QUADRATIC, CROSS_ENTROPY, LOG_LIKELIHOOD = 0, 1, 2
COST_CODES = {"quadratic": QUADRATIC, "cross_entropy": CROSS_ENTROPY,
              "log_likelihood": LOG_LIKELIHOOD}


def cost_code(cost, kernel: str) -> int:
    """Map a cost name to the integer the compiled code switches on."""
    try:
        return COST_CODES[cost]
    except (KeyError, TypeError):
        raise ValueError(
            f"{kernel}(): argument 'cost' must be one of {sorted(COST_CODES)}, got {cost!r}"
        ) from None


def prepare_network(weights, biases, *, kernel: str, in_place: bool):
    """Check the parameter lists; return ``(weights, biases, sizes, dtype)``.

    ``biases`` come back as 1-D views ``(n,)`` of the caller's arrays when ``in_place`` (so the
    kernel's writes land in the caller's arrays), otherwise as contiguous copies where needed.
    """
    if not isinstance(weights, (list, tuple)) or not isinstance(biases, (list, tuple)):
        raise TypeError(f"{kernel}(): 'weights' and 'biases' must be lists of arrays, got "
                        f"{type(weights).__name__} and {type(biases).__name__}")
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(f"{kernel}(): 'weights' and 'biases' must be non-empty lists of equal "
                         f"length, got {len(weights)} and {len(biases)}")
    ws, bs = [], []
    sizes = None
    for i, (w, b) in enumerate(zip(weights, biases)):
        name_w, name_b = f"weights[{i}]", f"biases[{i}]"
        if in_place:
            if not isinstance(w, np.ndarray) or not isinstance(b, np.ndarray):
                raise TypeError(f"{kernel}(): {name_w} and {name_b} are updated in place and must "
                                "be numpy arrays")
            if w.dtype not in (np.float32, np.float64):
                raise TypeError(f"{kernel}(): argument {name_w!r} must be float32 or float64, got "
                                f"{w.dtype}")
            if w.ndim != 2:
                raise ValueError(f"{kernel}(): argument {name_w!r} must be 2-D, got {describe(w)}")
            writable_output(name_w, w, w.shape, w.dtype, kernel=kernel)
        else:
            w = as_float_array(name_w, w, ndim=2, kernel=kernel)
        n_out, n_in = w.shape
        if sizes is None:
            sizes = [n_in]
        elif n_in != sizes[-1]:
            raise ValueError(f"{kernel}(): {name_w} has shape {w.shape} but the layer before has "
                             f"{sizes[-1]} units; expected ({n_out}, {sizes[-1]})")
        if n_out < 1 or n_in < 1:
            raise ValueError(f"{kernel}(): {name_w} has shape {w.shape}; every layer needs at "
                             "least one unit")
        if np.shape(b) not in ((n_out, 1), (n_out,)):
            raise ValueError(f"{kernel}(): argument {name_b!r} must have shape ({n_out}, 1), got "
                             f"{np.shape(b)}")
        if in_place:
            writable_output(name_b, b, b.shape, w.dtype, kernel=kernel)
            b = b.reshape(n_out)  # a view of the caller's contiguous array
        else:
            b = as_float_array(name_b, b, kernel=kernel).reshape(n_out)
        sizes.append(n_out)
        ws.append(w)
        bs.append(b)
    dtype = same_dtype(kernel, **{f"weights[{i}]": w for i, w in enumerate(ws)},
                       **{f"biases[{i}]": b for i, b in enumerate(bs)})
    blas_dims(kernel, **{f"sizes[{i}]": s for i, s in enumerate(sizes)})
    if in_place:   # two parameters that are views of one buffer: refused
        separate(kernel, network_arrays(ws, bs), {})
    return ws, bs, sizes, dtype


def network_arrays(weights, biases) -> dict:
    """The parameters by name, for :func:`pynet.kernels._checks.separate`."""
    return {**{f"weights[{i}]": w for i, w in enumerate(weights)},
            **{f"biases[{i}]": b for i, b in enumerate(biases)}}


def prepare_columns(x, y, sizes, dtype, *, kernel: str, written=None):
    """Check a mini-batch as columns: ``x`` (n_in, m), ``y`` (n_out, m), m >= 1.

    ``written``: the parameters the kernel updates in place (:func:`network_arrays`); ``x`` or
    ``y`` overlapping one of them is copied, so it is read as it was at the call."""
    x = as_float_array("x", x, ndim=2, kernel=kernel)
    y = as_float_array("y", y, ndim=2, kernel=kernel)
    same_dtype(kernel, weights=np.empty(0, dtype), x=x, y=y)
    if x.shape[0] != sizes[0]:
        raise ValueError(f"{kernel}(): argument 'x' must have {sizes[0]} rows (one column per "
                         f"example), got {describe(x)}")
    if x.shape[1] < 1:
        raise ValueError(f"{kernel}(): the mini-batch is empty (x is {describe(x)})")
    if y.shape != (sizes[-1], x.shape[1]):
        raise ValueError(f"{kernel}(): argument 'y' must have shape ({sizes[-1]}, {x.shape[1]}) "
                         f"to match x, got {y.shape}")
    blas_dims(kernel, batch=x.shape[1])
    if written:
        read = separate(kernel, written, {"x": x, "y": y})
        x, y = read["x"], read["y"]
    return x, y


def prepare_hyper(eta, lmbda, n, *, kernel: str):
    """η >= 0, λ >= 0 (finite), n >= 1 (the training-set size in the decay factor 1 − ηλ/n)."""
    eta = require_scalar("eta", eta, where=f"{kernel}()", low=0.0)
    lmbda = require_scalar("lmbda", lmbda, where=f"{kernel}()", low=0.0)
    n = validate.positive_int(f"{kernel}()", "n", n)
    return eta, lmbda, n


def prepare_epoch(x_rows, y_rows, order, mini_batch_size, sizes, dtype, *, kernel: str,
                  written=None):
    """Check the whole training set as rows and the visiting order of one epoch (``written`` as
    in :func:`prepare_columns`: data that is a view of the parameters is read as at the call)."""
    x_rows = as_float_array("x_rows", x_rows, ndim=2, kernel=kernel)
    y_rows = as_float_array("y_rows", y_rows, ndim=2, kernel=kernel)
    same_dtype(kernel, weights=np.empty(0, dtype), x_rows=x_rows, y_rows=y_rows)
    n_rows = x_rows.shape[0]
    if x_rows.shape[1] != sizes[0]:
        raise ValueError(f"{kernel}(): argument 'x_rows' must have {sizes[0]} columns (one row "
                         f"per example), got {describe(x_rows)}")
    if y_rows.shape != (n_rows, sizes[-1]):
        raise ValueError(f"{kernel}(): argument 'y_rows' must have shape ({n_rows}, {sizes[-1]}),"
                         f" got {y_rows.shape}")
    order = np.asarray(order)
    if order.ndim != 1 or (order.size and order.dtype.kind not in "iu"):
        raise TypeError(f"{kernel}(): argument 'order' must be a 1-D integer array, got "
                        f"{describe(order)}")
    order = np.ascontiguousarray(order, dtype=np.intp)
    if order.size and (order.min() < 0 or order.max() >= n_rows):
        raise ValueError(f"{kernel}(): argument 'order' must index rows 0..{n_rows - 1}, got min "
                         f"{int(order.min())} max {int(order.max())}")
    mini_batch_size = validate.positive_int(f"{kernel}()", "mini_batch_size", mini_batch_size)
    if written:
        read = separate(kernel, written, {"x_rows": x_rows, "y_rows": y_rows, "order": order})
        x_rows, y_rows, order = read["x_rows"], read["y_rows"], read["order"]
    return x_rows, y_rows, order, mini_batch_size
