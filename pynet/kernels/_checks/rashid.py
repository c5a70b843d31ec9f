"""Argument preparation for the Rashid kernels (both backends call these, so both raise the same
message for the same mistake).

Shapes follow the book: ``wih`` is ``(hnodes, inodes)`` and ``who`` is ``(onodes, hnodes)`` — the
rows of a weight matrix are the *destination* nodes. The kernels take one sample as 1-D vectors
(the book's column vectors, flattened) or a whole data set as rows ``(N, inodes)``.

Every check happens before any weight is touched: a call that raises leaves the network unchanged.
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate

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


# -- the network's own arguments (pynet.backprop.ThreeLayerNetwork) ---------------------------------
# The class calls these so that its methods read like the book; the messages name the method
# (``where``), the argument, what was expected and what arrived, and point at the usual mistake.

def learning_rate(where, value) -> float:
    """A finite learning rate > 0."""
    return validate.real(where, "learningrate", value, low=0, low_open=True,
                         hint=" (the book uses 0.1 for MNIST; 0.01 with more epochs)")


def input_range(value):
    """``None`` (no check) or a pair ``(low, high)`` with low < high."""
    if value is None:
        return None
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError("ThreeLayerNetwork(): argument 'input_range' must be None or a pair "
                         f"(low, high), got {value!r}") from None
    if not low < high:
        raise ValueError(f"ThreeLayerNetwork(): input_range needs low < high, got {value!r}")
    return (low, high)


def as_float(where, name, values, dtype):
    """``values`` as an array of ``dtype``; text that is not a number is named as a CSV slip."""
    arr = np.asarray(values)
    if arr.dtype.kind in "US":  # strings, e.g. the fields of a CSV line
        try:
            arr = arr.astype(np.float64)
        except ValueError:
            raise ValueError(f"{where}(): argument {name!r} holds text that is not a number "
                             f"— split CSV lines on ',' and drop the label first") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}(): argument {name!r} must hold numbers, got dtype {arr.dtype}")
    return arr.astype(dtype, copy=False)


def vector(where, name, values, size, dtype):
    """One sample as a contiguous 1-D array of ``size`` numbers: accepts a list, a 1-D array, a
    column ``(size, 1)`` or a row ``(1, size)``."""
    arr = as_float(where, name, values, dtype)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ValueError(f"{where}(): argument {name!r} must be a list, a 1-D array or a "
                         f"column ({size}, 1), got an array of shape {arr.shape}"
                         + (" — for many samples use train_epoch/query_batch"
                            if arr.ndim == 2 else ""))
    if arr.shape[0] != size:
        what = "inputs" if name == "inputs" else "targets"
        raise ValueError(f"{where}(): expected {size} {what}, got {arr.shape[0]}"
                         + (length_hint(size, arr.shape[0]) if name == "inputs" else ""))
    check_finite(where, name, arr)
    return np.ascontiguousarray(arr)


def matrix(where, name, values, width, dtype):
    """Many samples, one per row: a contiguous ``(N, width)`` array."""
    arr = as_float(where, name, values, dtype)
    if arr.ndim != 2:
        raise ValueError(f"{where}(): argument {name!r} must be 2-D (one sample per row, "
                         f"{width} columns), got shape {arr.shape}")
    if arr.shape[1] != width:
        raise ValueError(f"{where}(): expected rows of {width} {name}, got shape {arr.shape}"
                         + (length_hint(width, arr.shape[1]) if name == "inputs" else ""))
    check_finite(where, name, arr)
    return np.ascontiguousarray(arr)


def check_finite(where, name, arr) -> None:
    """No NaN or infinity (the first bad index is named)."""
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{where}(): argument {name!r} contains {int(bad.sum())} NaN/Inf "
                         f"value(s), first at index {first[0] if len(first) == 1 else first}"
                         " — a damaged image or an empty CSV field?")


def check_inputs(where, arr, allowed) -> None:
    """Inputs inside ``allowed = (low, high)`` (None: any); 0..255 pixels get the book's scaling
    as a hint."""
    if allowed is None or arr.size == 0:
        return
    low, high = allowed
    amin, amax = float(arr.min()), float(arr.max())
    if amin < low or amax > high:
        hint = (" — scale pixels with x / 255 * 0.99 + 0.01 "
                "(pynet.datasets.mnist.rashid_inputs)" if amax > 1.5 else "")
        raise ValueError(f"{where}(): inputs must lie in [{low:g}, {high:g}], got min "
                         f"{amin:g} max {amax:g}{hint}; pass input_range=None to the "
                         "constructor to allow any values")


def check_targets(where, arr, *, low, high, open_) -> None:
    """Targets inside [low, high] (training: what a sigmoid can reach) or (low, high)
    (back-query: the logit of 0 or 1 is infinite)."""
    if arr.size == 0:
        return
    amin, amax = float(arr.min()), float(arr.max())
    bad = (amin <= low or amax >= high) if open_ else (amin < low or amax > high)
    if bad:
        rng = f"({low:g}, {high:g})" if open_ else f"[{low:g}, {high:g}]"
        why = ("the logit of 0 or 1 is infinite; use 0.01 and 0.99 as the book does"
               if open_ else "the sigmoid's outputs cannot go further; use 0.01 and 0.99 "
               "(pynet.datasets.mnist.rashid_targets), not the label itself")
        raise ValueError(f"{where}(): targets must lie in {rng}, got min {amin:g} max "
                         f"{amax:g} — {why}")
