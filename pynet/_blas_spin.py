"""How long SciPy's OpenBLAS workers spin after a call — set once, before that library loads.

Why: pynet's convolution and pooling kernels share a batch among OpenMP threads, and its other
large products (Dense layers) run on OpenBLAS's own threads. After a threaded call an OpenBLAS
worker keeps spinning for ``2**OPENBLAS_THREAD_TIMEOUT`` cycles (default 2**28, about 0.1 s here)
before it sleeps, so on a 2-core machine the next convolution's second thread shares its core
with a spinning worker. Measured (Chollet's convnet, one epoch on 12,000 Fashion-MNIST images,
2 cores, 2026-12-06): 7.9 s with the default spin, 1.6 s with 2**18 cycles (≈ 0.1 ms), 2.5 s
without sharing the batch at all. The Chollet MLP (OpenBLAS only) lost ≤ 7 % with 2**18.

What pynet does: :func:`prepare` (run by ``import pynet``) sets ``OPENBLAS_THREAD_TIMEOUT`` =
:data:`SPIN` for as long as it takes :mod:`pynet.kernels` to load SciPy's OpenBLAS, and
:func:`settle` removes it again, so no other library and no child process sees it. It does
nothing when the user set ``OPENBLAS_THREAD_TIMEOUT`` (their value is used) or when SciPy's
linear algebra was loaded before pynet (the library has read its setting already). This changes
how long *SciPy's* OpenBLAS workers spin for every caller in the process (the user's
``scipy.linalg`` calls included); NumPy's own library, loaded earlier, is not touched. The
status is printed by ``pynet info``; :func:`status` returns it.
"""
from __future__ import annotations

import os
import sys

#: log2 of the cycles an OpenBLAS worker spins before sleeping, as pynet sets it.
SPIN = 18
#: The longest spin (log2 cycles) under which the compiled kernels still share a batch among
#: OpenMP threads; above it they run on one thread (the workers would compete with them).
MAX_SHARED_SPIN = 20
VAR = "OPENBLAS_THREAD_TIMEOUT"

_state = {"set_by_pynet": False, "status": None, "spin": None}


def _scipy_blas_loaded() -> bool:
    if "scipy.linalg" in sys.modules:
        return True
    try:
        with open("/proc/self/maps", encoding="ascii", errors="replace") as fh:
            return "libscipy_openblas-" in fh.read()     # SciPy's (NumPy's is ..._openblas64_)
    except OSError:
        return False


def prepare() -> None:
    """Set the spin for SciPy's OpenBLAS before it loads (see the module docstring)."""
    if _state["status"] is not None or _state["set_by_pynet"]:
        return
    user = os.environ.get(VAR)
    if user is not None:
        try:
            _state["spin"] = int(user)
        except ValueError:
            _state["spin"] = None
        _state["status"] = f"{VAR}={user} (yours)"
        return
    if _scipy_blas_loaded():
        _state["status"] = (f"OpenBLAS's default (2**28 cycles): SciPy's linear algebra was loaded "
                            f"before pynet; set {VAR}={SPIN} before starting Python to let the "
                            f"convolutions share a batch among threads")
        _state["spin"] = 28
        return
    os.environ[VAR] = str(SPIN)
    _state["set_by_pynet"] = True
    _state["spin"] = SPIN


def settle() -> None:
    """Called once SciPy's OpenBLAS is loaded: remove the variable pynet set."""
    if _state["set_by_pynet"]:
        if os.environ.get(VAR) == str(SPIN):
            del os.environ[VAR]
        _state["set_by_pynet"] = False
        _state["status"] = (f"2**{SPIN} cycles, set by pynet for SciPy's OpenBLAS only "
                            f"({VAR} was set while it loaded, then removed)")


def status() -> str:
    """One line for ``pynet info``."""
    return _state["status"] or "not yet known (the compiled kernels are not loaded)"


def short_enough() -> bool:
    """True when OpenBLAS's workers spin briefly enough for OpenMP threads to share the cores."""
    spin = _state["spin"]
    return spin is not None and spin <= MAX_SHARED_SPIN
