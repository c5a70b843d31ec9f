"""The kernels behind every model, and the one place the backend is chosen.

``PYNET_BACKEND`` (read once, at import):

``auto`` (default)
    the compiled Cython kernels if they import, otherwise the NumPy reference twins with one
    warning that says how to build.
``cython``
    the compiled kernels or an ImportError.
``python``
    the NumPy reference twins (:mod:`pynet.kernels.reference`).

``PYNET_BLAS_THREADS`` (``auto`` by default) sizes the BLAS pool of each kernel call: see
:mod:`pynet.kernels.thread_policy`.

All kernels come from the same backend; :data:`BACKEND` says which (``"cython"`` or ``"python"``).
Kernels are grouped in domains; each domain has a reference module
``pynet/kernels/reference/<domain>.py`` whose ``__all__`` names its kernels, and a compiled module
``pynet.kernels._c_<domain>`` (built from ``csrc/<domain>.pyx``) with the same names and signatures.
:func:`load_backend` returns either set as a namespace, which is how the tests compare them.
"""
from __future__ import annotations

import importlib
import os
import types
import warnings

from pynet import _blas_spin, _malloc

_malloc.apply()      # large freed blocks kept for reuse: see pynet/_malloc.py

try:
    # Load SciPy's OpenBLAS now, while the spin pynet chose is set (pynet/_blas_spin.py).
    import scipy.linalg  # noqa: F401
finally:
    _blas_spin.settle()

from . import reference, thread_policy  # noqa: E402 - after the library above is loaded

__all__ = ["BACKEND", "DOMAINS", "KERNEL_NAMES", "load_backend", "compiled_available"]

#: Kernel domains, one reference module and one compiled module each.
DOMAINS = reference.DOMAINS

#: Every kernel name, from the reference modules' ``__all__``.
KERNEL_NAMES = tuple(reference.__all__)

BUILD_HINT = (
    "build them with `pip install -e .` from the pynet checkout (needs a C compiler), "
    "or set PYNET_BACKEND=python to silence this warning"
)


def _load_compiled(domains=None) -> types.SimpleNamespace:
    """Import the compiled domain modules and collect their kernels; raise ImportError if any is
    missing or stale (lacks a kernel its reference twin has)."""
    ns = {}
    for domain in DOMAINS if domains is None else domains:
        module = importlib.import_module(f"pynet.kernels._c_{domain}")
        ref_module = getattr(reference, domain)
        missing = [n for n in ref_module.__all__ if not hasattr(module, n)]
        if missing:
            raise ImportError(
                f"compiled module pynet.kernels._c_{domain} is stale: it lacks {missing}; rebuild it"
            )
        for name in ref_module.__all__:
            ns[name] = getattr(module, name)
    return types.SimpleNamespace(name="cython", **thread_policy.wrap_kernels(ns, "cython"))


def _load_reference(domains=None) -> types.SimpleNamespace:
    names = KERNEL_NAMES if domains is None else [
        n for d in domains for n in getattr(reference, d).__all__]
    ns = {n: getattr(reference, n) for n in names}
    return types.SimpleNamespace(name="python", **thread_policy.wrap_kernels(ns, "python"))


def load_backend(name: str, domains=None) -> types.SimpleNamespace:
    """Return the kernels of backend ``name`` (``"cython"`` or ``"python"``) as a namespace,
    optionally only those of the given ``domains``.

    This does not change the active backend; the tests use it to run both side by side.
    """
    if name == "python":
        return _load_reference(domains)
    if name == "cython":
        return _load_compiled(domains)
    raise ValueError(f"backend name must be 'cython' or 'python', got {name!r}")


def compiled_available() -> bool:
    """True when the compiled kernels import and are complete."""
    try:
        _load_compiled()
    except ImportError:
        return False
    return True


def _select() -> types.SimpleNamespace:
    requested = os.environ.get("PYNET_BACKEND", "auto").strip().lower() or "auto"
    if requested not in ("auto", "cython", "python"):
        raise ValueError(
            f"PYNET_BACKEND must be 'auto', 'cython' or 'python', got {requested!r}"
        )
    if requested == "python":
        return _load_reference()
    try:
        return _load_compiled()
    except ImportError as exc:
        if requested == "cython":
            raise ImportError(
                f"PYNET_BACKEND=cython but the compiled kernels are unavailable ({exc}); "
                + BUILD_HINT
            ) from exc
        warnings.warn(
            f"pynet: compiled kernels unavailable ({exc}); using the NumPy reference kernels. "
            + BUILD_HINT,
            RuntimeWarning,
            stacklevel=3,
        )
        return _load_reference()


_active = _select()

#: The active backend: ``"cython"`` or ``"python"``.
BACKEND: str = _active.name

# The kernels join this namespace by name from the chosen backend (the choice is made at run time,
# so it cannot be a static import). Editors and type checkers read __init__.pyi beside this file
# instead: one explicit `from .reference.<domain> import <kernel>` per kernel, generated by
# tools/kernel_stub.py and kept in step by tests/kernels/test_backend_selection.py.
globals().update({n: getattr(_active, n) for n in KERNEL_NAMES})
__all__ += list(KERNEL_NAMES)
