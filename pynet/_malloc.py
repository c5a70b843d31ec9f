"""glibc's malloc keeps large freed blocks for reuse — set once, when the kernels load.

Why: a training step allocates and frees arrays of 1–6 MB (a layer's output, its gradient, an
im2col buffer). glibc serves each block over its mmap threshold (128 KiB at start) with a fresh
``mmap``, and returns freed memory at the top of the heap to the system once more than its trim
threshold (128 KiB) is free — so every step pays page faults to get zeroed memory back, and the
OpenMP threads of a convolution fault on the same address space at once. glibc raises both
thresholds by itself, but only after the program frees one block larger than the current
threshold (e.g. after loading a dataset), so the same training ran at two speeds depending on
what came before it. Measured (Chollet's convnet, one epoch on 12,000 Fashion-MNIST images,
2 cores, 2026-12-06 10:50 UTC): 2.08–2.17 s as glibc starts, 1.57–1.60 s with these settings
(the same as after ``fashion_mnist.load()``); only the mmap threshold: 2.17 s.

What pynet does: :func:`apply` (run when :mod:`pynet.kernels` loads) sets
``M_MMAP_THRESHOLD`` to 32 MiB and ``M_TRIM_THRESHOLD`` to 64 MiB — the values glibc's own
adjustment reaches on a 64-bit system — through ``mallopt``. This is process-wide (the
program's other allocations are served the same way; up to 64 MiB of freed memory may stay
with the process). It is not done when ``PYNET_MALLOC=off``, when the user set glibc's
``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``, or where there is no glibc.
:func:`restore` puts glibc's starting values back (128 KiB each; glibc then no longer adjusts
them by itself). ``pynet info`` prints :func:`status`.
"""
from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20
GLIBC_START = 128 << 10
ENV_VAR = "PYNET_MALLOC"

_state = {"status": "not applied yet (the kernels are not loaded)", "applied": False}


def _mallopt():
    """glibc's ``mallopt``, or None where there is no glibc."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version           # glibc only (musl has no such function)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt


def apply() -> None:
    """Keep large freed blocks for reuse (see the module docstring); idempotent."""
    if _state["applied"]:
        return
    if os.environ.get(ENV_VAR, "").strip().lower() in ("off", "0", "no", "false"):
        _state["status"] = f"glibc's own behaviour ({ENV_VAR}=off)"
        return
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        _state["status"] = "yours (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ are set)"
        return
    mallopt = _mallopt()
    if mallopt is None:
        _state["status"] = "not applied: no glibc mallopt on this system"
        return
    if mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) != 1 or \
            mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) != 1:
        _state["status"] = "not applied: mallopt refused the thresholds"
        return
    _state["applied"] = True
    _state["status"] = (f"large freed blocks kept for reuse (mmap threshold "
                        f"{MMAP_THRESHOLD >> 20} MiB, trim threshold {TRIM_THRESHOLD >> 20} MiB; "
                        f"set by pynet, {ENV_VAR}=off to leave glibc's own, "
                        f"pynet._malloc.restore() to undo)")


def restore() -> bool:
    """Put glibc's starting thresholds back (128 KiB each); True when it was done."""
    mallopt = _mallopt()
    if mallopt is None:
        return False
    done = mallopt(M_MMAP_THRESHOLD, GLIBC_START) == 1 and \
        mallopt(M_TRIM_THRESHOLD, GLIBC_START) == 1
    if done:
        _state["applied"] = False
        _state["status"] = "glibc's starting values, restored by pynet._malloc.restore()"
    return done


def status() -> str:
    """One line for ``pynet info``."""
    return _state["status"]
