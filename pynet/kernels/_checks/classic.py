"""Argument preparation for the classic learning-rule kernels (both backends call these).

Both kernels run one *epoch* of a per-pattern rule over a single layer

    S = X_p @ W − b            (one row X_p of X at a time; W is (n, m), b is (m,))

and update ``W`` and ``b`` in place, so those two must already be C-contiguous, writeable float
arrays of one dtype (a silent copy would lose the update). ``X`` and the targets may be any float
arrays of that dtype; they are copied once if they are not C-contiguous.
"""
from __future__ import annotations

import numpy as np

from . import (as_float_array, describe, require_finite, require_scalar, same_dtype, separate,
               writable_output)


def _in_place_matrix(name: str, arr, ndim: int, kernel: str) -> np.ndarray:
    if not isinstance(arr, np.ndarray):
        raise TypeError(
            f"{kernel}(): argument {name!r} is updated in place and must be a numpy array, "
            f"got {type(arr).__name__}"
        )
    if arr.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{kernel}(): argument {name!r} must be float32 or float64, got dtype {arr.dtype}"
        )
    if arr.ndim != ndim:
        raise ValueError(f"{kernel}(): argument {name!r} must be {ndim}-D, got {describe(arr)}")
    return writable_output(name, arr, arr.shape, arr.dtype, kernel=kernel)


def _prepare_layer_epoch(kernel, W, b, X, targets, rate, rate_name, targets_name):
    W = _in_place_matrix("W", W, 2, kernel)
    b = _in_place_matrix("b", b, 1, kernel)
    X = as_float_array("X", X, ndim=2, kernel=kernel)
    targets = as_float_array(targets_name, targets, ndim=2, kernel=kernel)
    same_dtype(kernel, W=W, b=b, X=X, **{targets_name: targets})
    n, m = W.shape
    if b.shape[0] != m:
        raise ValueError(
            f"{kernel}(): W is {W.shape} (n={n} inputs, m={m} neurons), so b needs {m} "
            f"thresholds; got {b.shape[0]}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{kernel}(): argument 'X' holds no patterns (shape {X.shape})")
    if X.shape[1] != n:
        raise ValueError(
            f"{kernel}(): W has {n} rows (one per input), so each pattern in X needs {n} "
            f"inputs; got X of shape {X.shape}"
        )
    if targets.shape != (X.shape[0], m):
        raise ValueError(
            f"{kernel}(): argument {targets_name!r} must have shape {(X.shape[0], m)} "
            f"(one row of {m} targets per pattern of X), got {targets.shape}"
        )
    require_finite("X", X, where=f"{kernel}()")
    require_finite(targets_name, targets, where=f"{kernel}()")
    rate = require_scalar(rate_name, rate, where=f"{kernel}()", low=0.0, low_open=True)
    # W and b are written pattern by pattern; data that is a view of them (X=W) is read as it
    # was at the call, on both backends.
    read = separate(kernel, {"W": W, "b": b}, {"X": X, targets_name: targets})
    return W, b, read["X"], read[targets_name], rate


def prepare_widrow_hoff_epoch(W, b, X, D, alpha):
    """Validate ``widrow_hoff_epoch`` arguments; return ``(W, b, X, D, alpha)``.

    ``W`` (n, m) and ``b`` (m,) are updated in place; ``X`` is (P, n), ``D`` (P, m); ``alpha`` > 0.
    """
    return _prepare_layer_epoch("widrow_hoff_epoch", W, b, X, D, alpha, "alpha", "D")


def prepare_perceptron_epoch(W, b, X, T, eta):
    """Validate ``perceptron_epoch`` arguments; return ``(W, b, X, T, eta)``.

    Like :func:`prepare_widrow_hoff_epoch`, and the targets ``T`` must be 0 or 1.
    """
    W, b, X, T, eta = _prepare_layer_epoch("perceptron_epoch", W, b, X, T, eta, "eta", "T")
    bad = (T != 0) & (T != 1)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"perceptron_epoch(): argument 'T' must hold 0/1 targets, got {float(T[first]):g} at "
            f"index {first}"
        )
    return W, b, X, T, eta
