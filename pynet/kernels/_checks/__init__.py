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

import os

import numpy as np

from pynet import _validate as validate

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_F32, _F64 = FLOAT_DTYPES


#: Set in a child process made by ``os.fork``: GNU OpenMP cannot start threads there once the
#: parent has used them (the child waits forever), so the kernels run on one thread.
_forked = {"child": False}


def _after_fork_in_child() -> None:
    _forked["child"] = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def thread_count(kernel: str, threads) -> int:
    """The ``threads=`` argument of the kernels that share a batch among threads (convolution,
    pooling): a whole number >= 1. The compiled kernels use up to that many; the reference
    kernels check it and compute as NumPy does. The thread policy chooses it for the layers.
    In a child process made by ``os.fork`` (``multiprocessing``'s default on Linux) the answer
    is 1 whatever was asked: see ``_forked``."""
    threads = validate.positive_int(f"{kernel}()", "threads", threads)
    return 1 if _forked["child"] else threads


def sum_parts(parts: np.ndarray) -> np.ndarray:
    """The rows of ``parts`` (one per run of images of a threaded kernel) added in order
    0, 1, 2, …, so the sum does not depend on which thread computed which row."""
    total = parts[0].copy()
    for row in parts[1:]:
        total += row
    return total


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
    if type(x) is np.ndarray and x.flags.c_contiguous and (x.dtype == _F32 or x.dtype == _F64) \
            and (ndim is None or x.ndim == ndim):
        return x            # already what the kernel wants: the common case, checked cheaply
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
    given = {**arrays, **named} if arrays else named
    values = iter(given.values())
    first = next(values).dtype
    if all(a.dtype == first for a in values):
        return first
    dtypes = {name: a.dtype for name, a in given.items()}
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
    """A finite real scalar, optionally within bounds, as a float (:func:`pynet._validate.real`,
    in the kernels' argument order)."""
    return validate.real(where, name, value, low=low, high=high, low_open=low_open,
                         high_open=high_open)


#: The largest dimension BLAS accepts: its sizes are 32-bit C ints (LP64 builds).
BLAS_INT_MAX = 2 ** 31 - 1


def blas_dims(kernel: str, **dims) -> None:
    """Refuse any dimension a compiled kernel would hand to BLAS as a 32-bit ``int``.

    Both backends call this, so a size the compiled code cannot represent is refused the same
    way everywhere instead of wrapping around (a wrapped size once sized a buffer too small and
    ended in a segmentation fault). Offsets inside the kernels are ``Py_ssize_t``.
    """
    for name, value in dims.items():
        if int(value) > BLAS_INT_MAX:
            raise ValueError(
                f"{kernel}(): {name} = {int(value)} exceeds {BLAS_INT_MAX}, the largest size "
                "BLAS accepts; split the work into smaller batches or layers"
            )


_TOO_HARD = getattr(getattr(np, "exceptions", np), "TooHardError")


def overlaps(a, b) -> bool:
    """Do two arrays share memory? Exact for simple layouts; when the exact answer would take
    too long, answer yes (the safe side: the caller copies or refuses)."""
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
        return False
    if not np.may_share_memory(a, b):
        return False
    try:
        return bool(np.shares_memory(a, b, max_work=10_000))
    except _TOO_HARD:
        return True


def separate(kernel: str, written: dict, read: dict) -> dict:
    """The aliasing rule of every kernel, in one place.

    ``written`` maps the names of arrays a kernel writes (``out=``, weights updated in place) to
    the arrays; ``read`` the arrays it only reads. Two written arrays that overlap are refused
    (no order of writes would give a defined result); a read array that overlaps a written one
    is copied first, so the kernel computes from the values as they were at the call — the same
    result on both backends, whatever order their loops run in. Returns ``read`` with the copies.
    """
    items = [(n, a) for n, a in written.items() if a is not None]
    for i, (name_a, arr_a) in enumerate(items):
        for name_b, arr_b in items[i + 1:]:
            if overlaps(arr_a, arr_b):
                raise ValueError(
                    f"{kernel}(): arguments {name_a!r} and {name_b!r} are both written and share "
                    "memory; pass separate arrays"
                )
    out = {}
    for name, arr in read.items():
        if arr is not None and any(overlaps(arr, w) for _, w in items):
            arr = arr.copy()
        out[name] = arr
    return out
