"""Argument checks shared by both backends, so both raise the same message for the same mistake.

Generic helpers live here; per-domain preparation (shape rules of one kernel family) lives in
``_checks/<domain>.py``. A kernel calls its preparation function first, which returns arrays that
are C-contiguous and of one float dtype (float32 or float64), then hands them to the compute code.

Rules
-----
* Inputs may be any float32/float64 array; non-contiguous ones (slices, Fortran order) are copied
  once to C order.
* Arrays the kernel writes into (``out=``, weights updated in place) must already be C-contiguous,
  writeable and of the right dtype: a copy would silently drop the update, so they raise instead.
* Mixed float32/float64 raises rather than silently upcasting.
"""
from __future__ import annotations

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def describe(arr) -> str:
    """Short description used in messages: ``float64 array of shape (3, 4)``."""
    a = np.asarray(arr)
    return f"{a.dtype} array of shape {a.shape}"


def as_float_array(name: str, x, *, ndim=None, kernel: str = "") -> np.ndarray:
    """Return ``x`` as a C-contiguous float32/float64 array, checking dtype and ndim.

    Parameters
    ----------
    name : str
        Argument name, used in the error message.
    x : array_like
        Must already have a float dtype; integer or object arrays are refused (convert them
        explicitly, e.g. ``x.astype(np.float64)``, so that a scaling mistake is visible).
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    kernel : str
        Name of the calling kernel, for the message.
    """
    where = f"{kernel}(): " if kernel else ""
    a = np.asarray(x)
    if a.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{where}argument {name!r} must be a float32 or float64 array, got dtype {a.dtype}"
            + (" — convert with .astype(np.float64) (and scale pixels if needed)"
               if a.dtype.kind in "iub" else "")
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{where}argument {name!r} must be {want}, got {describe(a)}")
    return np.ascontiguousarray(a)


def same_dtype(kernel: str, arrays: dict | None = None, /, **named: np.ndarray) -> np.dtype:
    """Check that all given arrays share one float dtype and return it.

    Arrays come by keyword (``same_dtype("matmul", a=a, b=b)``) or as a dict; ``kernel`` is
    positional-only, so an array may itself be called ``kernel`` (Conv2D's and Dense's are).
    """
    dtypes = {name: a.dtype for name, a in {**(arrays or {}), **named}.items()}
    if len(set(dtypes.values())) > 1:
        listing = ", ".join(f"{n}={d}" for n, d in dtypes.items())
        raise TypeError(
            f"{kernel}(): arguments must share one float dtype, got {listing}; "
            "convert with .astype() so the precision is your choice"
        )
    return next(iter(dtypes.values()))


def writable_output(name: str, out, shape, dtype, *, kernel: str) -> np.ndarray:
    """Check an array the kernel writes into: exact shape, dtype, C order, writeable."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{kernel}(): argument {name!r} must be a numpy array, got {type(out).__name__}")
    if out.shape != tuple(shape):
        raise ValueError(
            f"{kernel}(): argument {name!r} must have shape {tuple(shape)}, got {out.shape}"
        )
    if out.dtype != dtype:
        raise TypeError(f"{kernel}(): argument {name!r} must have dtype {dtype}, got {out.dtype}")
    if not out.flags.c_contiguous:
        raise ValueError(
            f"{kernel}(): argument {name!r} is written in place and must be C-contiguous "
            "(a copy would lose the result); pass np.ascontiguousarray(...) and use that array"
        )
    if not out.flags.writeable:
        raise ValueError(f"{kernel}(): argument {name!r} is written in place but is read-only")
    return out


def require_finite(name: str, x, *, where: str = "") -> None:
    """Raise ValueError if ``x`` holds NaN or Inf, saying how many and where the first is."""
    a = np.asarray(x)
    if a.dtype.kind in "fc" and not np.isfinite(a).all():
        bad = ~np.isfinite(a)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        prefix = f"{where}: " if where else ""
        raise ValueError(
            f"{prefix}argument {name!r} contains {int(bad.sum())} NaN/Inf value(s), "
            f"first at index {first}"
        )


def require_scalar(name: str, value, *, where: str, low=None, high=None,
                   low_open=False, high_open=False) -> float:
    """Check a real scalar, optionally within bounds, and return it as float."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: argument {name!r} must be a real number, got {value!r}") from None
    if not np.isfinite(v):
        raise ValueError(f"{where}: argument {name!r} must be finite, got {value!r}")
    bad_low = low is not None and (v <= low if low_open else v < low)
    bad_high = high is not None and (v >= high if high_open else v > high)
    if bad_low or bad_high:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        rng = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
        raise ValueError(f"{where}: argument {name!r} must lie in {rng}, got {value!r}")
    return v
