"""Argument preparation for the Rashid kernels (both backends call these, so both raise the same
message for the same mistake).

Shapes follow the book: ``wih`` is ``(hnodes, inodes)`` and ``who`` is ``(onodes, hnodes)`` — the
rows of a weight matrix are the *destination* nodes. The kernels take one sample as 1-D vectors
(the book's column vectors, flattened) or a whole data set as rows ``(N, inodes)``.

Every check happens before any weight is touched: a call that raises leaves the network unchanged.
"""
from __future__ import annotations

import numpy as np

from . import (as_float_array, blas_dims, describe, require_finite, require_scalar, same_dtype,
               separate, writable_output)


def _weights(kernel, wih, who):
    """Check the two weight matrices (updated in place, so no copies are allowed)."""
    for name, w in (("wih", wih), ("who", who)):
        if not isinstance(w, np.ndarray):
            raise TypeError(f"{kernel}(): argument {name!r} must be a numpy array, "
                            f"got {type(w).__name__}")
        if w.ndim != 2:
            raise ValueError(f"{kernel}(): argument {name!r} must be 2-D, got {describe(w)}")
        if w.dtype not in (np.float32, np.float64):
            raise TypeError(f"{kernel}(): argument {name!r} must be float32 or float64, "
                            f"got {w.dtype}")
    if 0 in wih.shape or 0 in who.shape:
        raise ValueError(f"{kernel}(): every layer needs at least one node, got wih {wih.shape} "
                         f"and who {who.shape}")
    if who.shape[1] != wih.shape[0]:
        raise ValueError(
            f"{kernel}(): wih is {wih.shape} (hnodes, inodes), so who needs {wih.shape[0]} "
            f"columns (onodes, hnodes); got who {who.shape}"
        )
    same_dtype(kernel, wih=wih, who=who)
    blas_dims(kernel, hnodes=wih.shape[0], inodes=wih.shape[1], onodes=who.shape[0])


def _writable(kernel, wih, who):
    writable_output("wih", wih, wih.shape, wih.dtype, kernel=kernel)
    writable_output("who", who, who.shape, who.dtype, kernel=kernel)


def length_hint(expected: int, got: int) -> str:
    """The likely cause of a wrong input length, for the learner."""
    if got == expected + 1:
        return " — did the label (the first value of a CSV record) stay in the row?"
    if got < expected:
        return " — is a CSV row truncated, or a blank line read as a record?"
    return " — is this the right network for the data (inodes) or is an image not 28x28?"


def _unalias(kernel, wih, who, x, t):
    """Data that shares memory with a weight matrix would be read while the update writes it:
    it is copied (read as it was at the call); wih and who overlapping each other is refused."""
    read = separate(kernel, {"wih": wih, "who": who}, {"inputs": x, "targets": t})
    return read["inputs"], read["targets"]


def prepare_train_step(wih, who, lr, inputs, targets):
    """Validate ``rashid_train_step``; return ``(wih, who, lr, inputs, targets)``."""
    kernel = "rashid_train_step"
    _weights(kernel, wih, who)
    inodes, onodes = wih.shape[1], who.shape[0]
    x = as_float_array("inputs", inputs, ndim=1, kernel=kernel)
    t = as_float_array("targets", targets, ndim=1, kernel=kernel)
    if x.shape[0] != inodes:
        raise ValueError(f"{kernel}(): expected {inodes} inputs, got {x.shape[0]}"
                         + length_hint(inodes, x.shape[0]))
    if t.shape[0] != onodes:
        raise ValueError(f"{kernel}(): expected {onodes} targets, got {t.shape[0]}")
    same_dtype(kernel, wih=wih, inputs=x, targets=t)
    lr = require_scalar("lr", lr, where=f"{kernel}()", low=0.0, low_open=True)
    require_finite("inputs", x, where=f"{kernel}()")
    require_finite("targets", t, where=f"{kernel}()")
    _writable(kernel, wih, who)
    return (wih, who, lr) + _unalias(kernel, wih, who, x, t)


def prepare_train_epoch(wih, who, lr, inputs, targets):
    """Validate ``rashid_train_epoch``; return ``(wih, who, lr, inputs, targets)`` with the data
    as C-contiguous rows ``(N, inodes)`` and ``(N, onodes)``."""
    kernel = "rashid_train_epoch"
    _weights(kernel, wih, who)
    inodes, onodes = wih.shape[1], who.shape[0]
    x = as_float_array("inputs", inputs, ndim=2, kernel=kernel)
    t = as_float_array("targets", targets, ndim=2, kernel=kernel)
    if x.shape[1] != inodes:
        raise ValueError(f"{kernel}(): expected rows of {inodes} inputs, got {describe(x)}"
                         + length_hint(inodes, x.shape[1]))
    if t.shape[1] != onodes:
        raise ValueError(f"{kernel}(): expected rows of {onodes} targets, got {describe(t)}")
    if x.shape[0] != t.shape[0]:
        raise ValueError(f"{kernel}(): inputs has {x.shape[0]} rows but targets has "
                         f"{t.shape[0]}; each record needs one target row")
    same_dtype(kernel, wih=wih, inputs=x, targets=t)
    lr = require_scalar("lr", lr, where=f"{kernel}()", low=0.0, low_open=True)
    require_finite("inputs", x, where=f"{kernel}()")
    require_finite("targets", t, where=f"{kernel}()")
    _writable(kernel, wih, who)
    blas_dims(kernel, rows=x.shape[0])
    return (wih, who, lr) + _unalias(kernel, wih, who, x, t)


def prepare_query_batch(wih, who, inputs, out):
    """Validate ``rashid_query_batch``; return ``(wih, who, inputs, out)``."""
    kernel = "rashid_query_batch"
    _weights(kernel, wih, who)
    inodes, onodes = wih.shape[1], who.shape[0]
    wih, who = np.ascontiguousarray(wih), np.ascontiguousarray(who)
    x = as_float_array("inputs", inputs, ndim=2, kernel=kernel)
    if x.shape[1] != inodes:
        raise ValueError(f"{kernel}(): expected rows of {inodes} inputs, got {describe(x)}"
                         + length_hint(inodes, x.shape[1]))
    dtype = same_dtype(kernel, wih=wih, inputs=x)
    require_finite("inputs", x, where=f"{kernel}()")
    if out is None:
        out = np.empty((x.shape[0], onodes), dtype=dtype)
    else:
        out = writable_output("out", out, (x.shape[0], onodes), dtype, kernel=kernel)
        read = separate(kernel, {"out": out}, {"wih": wih, "who": who, "inputs": x})
        wih, who, x = read["wih"], read["who"], read["inputs"]
    blas_dims(kernel, rows=x.shape[0])
    return wih, who, x, out
