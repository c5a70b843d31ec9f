"""pynet's default BLAS thread policy: threads only where they pay, one threaded pool at most.

What we measured (``docs/kernels.md``, ``python -m bench.kernels --study-only``): on a 2-core
machine a per-sample product (Rashid's 200×784 gemv/ger, Nielsen's mini-batch of 10) gains
nothing reliable from a second BLAS thread, and on a busy machine it runs 4–60× *slower*, because
each call waits for a worker that the scheduler has put to sleep. Large products (a batch of 128
through a 784×512 Dense layer, a convolution's im2col GEMM) do gain: about 1.4–1.9× on two cores.

So, by default (``PYNET_BLAS_THREADS=auto``), each compiled kernel that calls BLAS is wrapped
once, at import, in a small function that sizes the call:

* **small calls** — every BLAS product inside does fewer than :data:`SMALL_CALL_FLOPS` floating
  point operations (per-sample gemv/ger, small mini-batches) — run with **one** thread: the
  wrapper sets the pool to 1 thread, calls the kernel, and sets it back to what it was;
* **large calls** run with the pool as it is — as many threads as the user (or OpenBLAS's own
  default, the number of cores) gave it; pynet never raises a pool above the user's setting —
  **unless other programs keep the cores busy**: then a large call gets only the cores left free
  (at least one). "Busy" is the CPU time other programs used on this process's cores since the
  last reading (``/proc/stat`` minus this process's own CPU time; the 1-minute load average
  where there is no ``/proc/stat``), read at most once a second. Measured on the 2-core machine with other jobs running (load 13–15): one epoch
  of Chollet's convnet on 1,500 images took 61 s with two BLAS threads and 6.8–7.5 s with one —
  a thread that waits for a descheduled partner costs more than it brings.

The pool sized is the one the active backend computes with: SciPy's OpenBLAS for the compiled
kernels (``scipy.linalg.cython_blas``). NumPy's own pool is the user's and is **not** touched by
the compiled backend; pynet's compiled kernels do not compute with it, so it stays quiet while
they work. Under ``PYNET_BACKEND=python`` the reference kernels compute with NumPy's pool, so the
same rule applies to it for the duration of each small call, and only then (the pool is set back
before the call returns; the user's NumPy code never sees the change).

``PYNET_BLAS_THREADS`` (read at import; :func:`set_policy` changes it later):

``auto`` (default)
    as above.
``N`` (a whole number from 1 to the number of cores)
    small calls on 1 thread, large calls on ``N`` threads (set for the call, then restored).
``off``
    pynet leaves every pool alone: each call runs with whatever the pool is set to.

A setting that cannot be applied — threadpoolctl not installed, a BLAS it cannot drive, no way to
tell which of several loaded libraries SciPy calls — is reported by :func:`current` (and so by
``pynet info``) and warned about once, at the first kernel call; it is never silently ignored.

The switch costs about 1–3 µs per small call (three C calls through ctypes) and nothing on large
calls under ``auto``. One caveat: a pool's size is process-wide, so two Python threads that call
pynet's kernels *at the same time* may see each other's setting; use ``off`` (and
:func:`pynet.kernels.threads.limit_blas_threads`) in such programs.
"""
from __future__ import annotations

import ctypes
import functools
import os
import threading
import time
import warnings
from dataclasses import dataclass, field

from pynet import _blas_spin, _malloc

from .thread_work import (  # noqa: F401 - re-exported
    CONV_CHUNK_ELEMENTS, THREADED, WORK, call_flops, shared_work,
)

__all__ = ["SMALL_CALL_FLOPS", "ENV_VAR", "Policy", "current", "set_policy", "threads_for",
           "call_flops", "wrap_kernels"]

#: A BLAS product below this many floating point operations runs on one thread (2**22 ≈ 4.2
#: million: ~40–80 µs on one core here; a per-sample 200×784 gemv is 0.3 million, one Dense
#: layer's product for a batch of 128 through 784×512 is 103 million).
SMALL_CALL_FLOPS = 1 << 22

#: The environment variable read at import.
ENV_VAR = "PYNET_BLAS_THREADS"

#: How often (seconds) other programs' CPU use is read for the busy-machine rule.
LOAD_REFRESH_SECONDS = 1.0

# -- the pool -----------------------------------------------------------------------------------

class _Pool:
    """get/set the thread count of one BLAS library, as cheaply as ctypes allows."""

    def __init__(self, controller):
        self.controller = controller
        self.filepath = controller.filepath
        self.internal_api = controller.internal_api
        self._get = self._set = None
        if controller.internal_api == "openblas" and getattr(
                controller, "threading_layer", "") != "openmp":
            dynlib = controller.dynlib
            for prefix in ("", "scipy_"):
                for suffix in ("", "64_", "_64"):
                    get = getattr(dynlib, f"{prefix}openblas_get_num_threads{suffix}", None)
                    set_ = getattr(dynlib, f"{prefix}openblas_set_num_threads{suffix}", None)
                    if get is not None and set_ is not None:
                        get.restype, get.argtypes = ctypes.c_int, []
                        set_.restype, set_.argtypes = None, [ctypes.c_int]
                        self._get, self._set = get, set_
                        break
                if self._get is not None:
                    break

    def get(self) -> int:
        if self._get is not None:
            return self._get()
        return int(self.controller.get_num_threads())

    def set(self, n: int) -> None:
        if self._set is not None:
            self._set(n)
        else:
            self.controller.set_num_threads(n)


@dataclass
class Policy:
    """The thread policy in force.

    Attributes
    ----------
    mode : {"auto", "fixed", "off"}
        As in the module docstring; ``"fixed"`` is a number of threads.
    threads : int or None
        For ``"fixed"``: the threads of a large call.
    backend : str
        The kernels the policy applies to (``"cython"`` or ``"python"``).
    pool : str or None
        Which library is sized, e.g. ``"scipy: libscipy_openblas-6cdc3b4a.so"``; None when unknown.
    problems : list of str
        Why the setting cannot be applied (fully); empty when it is.
    """

    mode: str
    threads: int | None
    backend: str
    pool: str | None = None
    problems: list = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return self.mode == "off" or (self.pool is not None and not self.problems)

    def describe(self) -> list[str]:
        """The lines ``pynet info`` prints."""
        setting = f"{ENV_VAR}={os.environ.get(ENV_VAR, '') or 'auto (unset)'}"
        if self.mode == "off":
            lines = [f"BLAS thread policy: off ({setting}): pynet leaves every BLAS pool as it is"]
        else:
            free = free_cores()
            how = ("measured from /proc/stat: other programs' CPU time over the last second"
                   if _sample["last"] is not None
                   else "from the 1-minute load average: no /proc/stat here")
            large = ("the pool's own size (pynet never raises it), fewer while other programs "
                     f"keep cores busy (now {free} of {_cores()} cores free, {how})"
                     if self.mode == "auto"
                     else f"{self.threads} thread{'s' if self.threads != 1 else ''}")
            lines = [f"BLAS thread policy: {self.mode} ({setting})",
                     f"  kernels ({self.backend} backend) compute with: {self.pool or 'unknown'}",
                     f"  BLAS products under {SMALL_CALL_FLOPS:,} flops: 1 thread; larger: {large}"]
            if self.backend == "cython":
                lines.append("  NumPy's own pool is not touched (the compiled kernels do not use it)")
            else:
                lines.append("  NumPy's pool is set to 1 thread only during a small kernel call")
        lines.append(f"  OpenBLAS workers' spin after a call: {_blas_spin.status()}")
        lines.append(f"  glibc malloc: {_malloc.status()}")
        lines.append("  convolution and pooling: " + _shared_kernels_line(self))
        for problem in self.problems:
            lines.append(f"  NOT APPLIED: {problem}")
        return lines


def _shared_kernels_line(policy) -> str:
    """How the convolution and pooling kernels use threads, for ``pynet info``."""
    if policy.backend != "cython":
        return "the NumPy twins (they compute with NumPy's own threads)"
    if not openmp_kernels():
        return "one thread (the kernels were compiled without OpenMP); their BLAS products as above"
    if policy.mode == "off":
        return "one thread (the policy is off: pynet chooses no thread count)"
    if not _blas_spin.short_enough():
        return "one thread (OpenBLAS's idle workers spin too long to share the cores with them)"
    return ("a large call shares its images among as many threads as a large BLAS call would get "
            "(OpenMP), each thread's BLAS products on that thread"
            + (f"; at most OMP_NUM_THREADS={_omp_cap()}" if _omp_cap() else ""))


_lock = threading.Lock()
_state = {"mode": None, "threads": None, "setting_problems": [], "warned": False,
          "backend": None}
#: package ("scipy" for the compiled kernels, "numpy" for the reference ones) -> (_Pool or None,
#: description or None, problems); filled on first use.
_pools: dict = {}


def _package(backend: str) -> str:
    return "scipy" if backend == "cython" else "numpy"


def _parse(value) -> tuple[str, int | None]:
    """``"auto"`` / ``"off"`` / a whole number of threads (1 .. cores) -> (mode, threads)."""
    cores = os.cpu_count() or 1
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "auto"):
            return "auto", None
        if text in ("off", "none"):
            return "off", None
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{ENV_VAR} must be 'auto', 'off' or a whole number of threads "
                             f"from 1 to {cores}, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= cores:
        raise ValueError(f"{ENV_VAR} must be 'auto', 'off' or a whole number of threads "
                         f"from 1 to {cores} (this machine's cores), got {value!r}")
    return "fixed", value


def _backend() -> str:
    if _state["backend"] is None:
        from pynet import kernels

        _state["backend"] = getattr(kernels, "BACKEND", "cython")
    return _state["backend"]


def _resolve_pool(package: str):
    """Find the library ``package`` computes with (once): (_Pool or None, name or None, problems)."""
    if package in _pools:
        return _pools[package]
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        _pools[package] = (None, None, [
            "threadpoolctl is not installed (pip install threadpoolctl), so pynet cannot size "
            "the BLAS pool: every call runs with the pool as it is"])
        return _pools[package]
    from .threads import _load_blas_libraries, package_of

    _load_blas_libraries()
    controllers = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
    mine = [c for c in controllers if package_of(c.filepath) == package]
    if not mine and len(controllers) == 1:
        mine = controllers  # a distribution build: NumPy and SciPy share one library
    pool = name = None
    problems = []
    if len(mine) != 1:
        found = ", ".join(os.path.basename(c.filepath) for c in controllers) or "none"
        problems.append(f"cannot tell which BLAS library {package} computes with "
                        f"(loaded: {found}); every call runs with the pools as they are")
    elif mine[0].internal_api not in ("openblas", "mkl", "blis"):
        problems.append(f"unknown BLAS {mine[0].internal_api!r} in "
                        f"{os.path.basename(mine[0].filepath)}: pynet cannot size its pool")
    else:
        candidate = _Pool(mine[0])
        try:
            candidate.set(candidate.get())  # prove both directions work
        except Exception as exc:  # noqa: BLE001 - report it, never crash a kernel call
            problems.append(f"cannot set the threads of "
                            f"{os.path.basename(candidate.filepath)}: {exc}")
        else:
            pool = candidate
            name = f"{package_of(mine[0].filepath)}: {os.path.basename(mine[0].filepath)}"
    _pools[package] = (pool, name, problems)
    return _pools[package]


def _init_from_env() -> None:
    raw = os.environ.get(ENV_VAR, "auto")
    try:
        _state["mode"], _state["threads"] = _parse(raw)
        _state["setting_problems"] = []
    except ValueError as exc:
        _state["mode"], _state["threads"] = "auto", None
        _state["setting_problems"] = [f"{exc}; using 'auto'"]
        warnings.warn(f"pynet: {exc}; using 'auto'", RuntimeWarning, stacklevel=2)


def current() -> Policy:
    """The policy in force for the active backend, and anything that keeps it from applying."""
    if _state["mode"] is None:
        _init_from_env()
    backend = _backend()
    problems = list(_state["setting_problems"])
    name = None
    if _state["mode"] != "off":
        _, name, pool_problems = _resolve_pool(_package(backend))
        problems += pool_problems
    return Policy(_state["mode"], _state["threads"], backend, name, problems)


def set_policy(value="auto") -> Policy:
    """Change the policy for this process: ``"auto"``, ``"off"`` or a number of threads.

    ``set_policy("off")`` puts every pool back under the user's control (pynet changes no thread
    count from then on); ``set_policy("auto")`` restores the default.
    """
    mode, threads = _parse(value)
    with _lock:
        _state["mode"], _state["threads"] = mode, threads
        _state["setting_problems"] = []
        _state["warned"] = False
    return current()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _load_average() -> float:
    """The 1-minute load average (0 where the OS has none): the busy rule's fallback where there
    is no ``/proc/stat``."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - Windows
        return 0.0


#: The shortest window (seconds) over which other programs' CPU time is measured: /proc/stat
#: counts in ticks of 1/100 s per core, so a shorter window is too coarse to trust.
MIN_WINDOW_SECONDS = 0.2

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_sample():
    """``(monotonic seconds, busy CPU seconds of this process's cores, this process's CPU
    seconds)``, or ``None`` where ``/proc/stat`` cannot be read (not Linux).

    Busy = user + nice + system + irq + softirq + steal ticks of the cores this process may run
    on (``sched_getaffinity``), from the per-core lines ``cpuN`` of ``/proc/stat``; this
    process's own CPU time (every thread, BLAS workers included) is ``time.process_time()``.
    """
    try:
        allowed = {f"cpu{n}" for n in os.sched_getaffinity(0)}
        with open("/proc/stat", "rb") as f:
            text = f.read(1 << 16).decode("ascii", "replace")
    except (AttributeError, OSError):
        return None
    busy = 0
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0] not in allowed or len(fields) < 8:
            continue
        try:
            user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[1:8])
            steal = int(fields[8]) if len(fields) > 8 else 0
        except ValueError:
            return None
        busy += user + nice + system + irq + softirq + steal
    return time.monotonic(), busy / _TICK, time.process_time()


#: The last CPU sample (taken at import, then at every refresh of the busy rule).
_sample = {"last": _cpu_sample()}


def _others_busy() -> float | None:
    """Cores other programs kept busy since the last sample (≥ 0), or ``None`` when there is no
    window yet (the last sample is younger than :data:`MIN_WINDOW_SECONDS`) or no ``/proc/stat``.

    Busy CPU time of this process's cores, minus this process's own CPU time, over the wall time
    between two samples. Unlike the load average it does not lag: a heavy program that ended a
    second ago no longer counts.
    """
    now = _cpu_sample()
    last = _sample["last"]
    if now is None:
        return None
    if last is None:
        _sample["last"] = now
        return None
    wall = now[0] - last[0]
    if wall < MIN_WINDOW_SECONDS:
        return None
    _sample["last"] = now
    others = ((now[1] - last[1]) - (now[2] - last[2])) / wall
    return max(0.0, others)


#: The busy-machine rule's state: when it was last refreshed, the cores it left free, the
#: threads pynet's own large calls used last (they count in the load average, the fallback),
#: and which measurement gave the answer.
_load = {"at": -1e9, "free": None, "ours": 1, "source": None}


def free_cores() -> int:
    """Cores not kept busy by other programs (≥ 1), refreshed at most once a second.

    Measured directly: the CPU time other programs used on this process's cores since the last
    refresh (:func:`_others_busy`), subtracted from the cores and rounded. Before the first
    window is long enough it keeps the last answer (at first: every core free). Without
    ``/proc/stat`` it falls back to the 1-minute load average minus pynet's own threads.
    """
    now = time.monotonic()
    if _load["free"] is None or now - _load["at"] >= LOAD_REFRESH_SECONDS:
        others = _others_busy()
        if others is not None:
            _load["source"] = "cpu time"
        elif _sample["last"] is None:
            others = max(0.0, _load_average() - _load["ours"])
            _load["source"] = "load average"
        if others is not None:
            _load["free"] = max(1, int(_cores() - others + 0.5))
            _load["at"] = now
        elif _load["free"] is None:
            _load["free"] = _cores()
    return _load["free"]


def threads_for(flops: int, pool_threads: int) -> int:
    """Threads the policy gives a call whose largest product does ``flops`` operations, when the
    pool is currently set to ``pool_threads``."""
    if _state["mode"] is None:
        _init_from_env()
    mode = _state["mode"]
    if mode == "off":
        return pool_threads
    if flops < SMALL_CALL_FLOPS:
        return 1
    return min(pool_threads, free_cores()) if mode == "auto" else _state["threads"]


def _warn_once(problems) -> None:
    _state["warned"] = True
    problems = list(_state["setting_problems"]) + list(problems)
    if problems:
        warnings.warn("pynet BLAS thread policy not applied: " + "; ".join(problems),
                      RuntimeWarning, stacklevel=3)


def _wrap(name: str, kernel, package: str):
    estimate = WORK[name]

    @functools.wraps(kernel)
    def sized(*args, **kwargs):
        mode = _state["mode"]
        if mode == "off":
            return kernel(*args, **kwargs)
        entry = _pools.get(package) or _resolve_pool(package)
        pool = entry[0]
        if pool is None:
            if not _state["warned"]:
                _warn_once(entry[2])
            return kernel(*args, **kwargs)
        try:
            flops = estimate(*args, **kwargs)
        except Exception:  # noqa: BLE001 - not arrays: the kernel's own checks will say so
            flops = 0
        have = pool.get()
        if flops < SMALL_CALL_FLOPS:
            want = 1
        elif mode == "auto":
            want = min(have, free_cores())
            _load["ours"] = want
        else:
            want = _state["threads"]
        if want == have:
            return kernel(*args, **kwargs)
        pool.set(want)
        try:
            return kernel(*args, **kwargs)
        finally:
            pool.set(have)

    sized.unsized = kernel
    return sized


def _omp_cap() -> int | None:
    """The user's ``OMP_NUM_THREADS`` (its first number), or None when unset or not a number:
    pynet's OpenMP kernels never use more threads than it allows."""
    text = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= 1 else None


def _has_openmp(fn) -> bool:
    """True when ``fn``'s compiled module was built with OpenMP (its ``OPENMP`` flag)."""
    import sys

    return bool(getattr(sys.modules.get(getattr(fn, "__module__", ""), None), "OPENMP", False))


def openmp_kernels() -> bool:
    """True when the compiled convolution and pooling kernels can share a batch among threads."""
    import importlib

    try:
        return all(importlib.import_module(f"pynet.kernels._c_{m}").OPENMP
                   for m in ("conv", "conv_transpose", "pooling"))
    except (ImportError, AttributeError):
        return False


def _wrap_threaded(name: str, kernel, package: str):
    """A compiled kernel that shares a batch among threads itself (:data:`THREADED`): the policy
    chooses ``threads`` as it would size a large BLAS call (1 for a small call or a busy
    machine), and sets the BLAS pool to one thread for the call, so that each thread's GEMMs run
    on that thread instead of waking workers that the other threads need. When OpenBLAS's idle
    workers spin too long (:mod:`pynet._blas_spin`: SciPy loaded before pynet, or the user's own
    long ``OPENBLAS_THREAD_TIMEOUT``) they would compete with those threads: the kernel then runs
    on one thread and its BLAS products are sized as any other kernel's."""
    estimate = THREADED[name]
    blas_only = _wrap(name, kernel, package) if name in WORK else kernel

    @functools.wraps(kernel)
    def shared(*args, **kwargs):
        mode = _state["mode"]
        explicit = "threads" in kwargs          # the caller's own choice: kept, BLAS on 1 thread
        if mode == "off" or not (explicit or _blas_spin.short_enough()):
            return blas_only(*args, **kwargs)
        entry = _pools.get(package) or _resolve_pool(package)
        pool = entry[0]
        if pool is None:        # cannot keep BLAS to one thread per thread: one thread
            return blas_only(*args, **kwargs)
        have = pool.get()
        if explicit:
            threads = kwargs.pop("threads")    # checked by the kernel
        else:
            try:
                work = estimate(*args, **kwargs)
            except Exception:  # noqa: BLE001 - not arrays: the kernel's own checks will say so
                work = 0
            if work < SMALL_CALL_FLOPS:
                threads = 1
            elif mode == "auto":
                threads = min(have, free_cores(), _omp_cap() or have)
                _load["ours"] = threads
            else:
                threads = _state["threads"]
        if have == 1:
            return kernel(*args, threads=threads, **kwargs)
        pool.set(1)
        try:
            return kernel(*args, threads=threads, **kwargs)
        finally:
            pool.set(have)

    shared.unsized = kernel
    return shared


def wrap_kernels(namespace: dict, backend: str) -> dict:
    """Return ``namespace`` (kernel name -> function of ``backend``) with every kernel named in
    :data:`WORK` wrapped by the policy, and, for compiled kernels built with OpenMP, every kernel
    in :data:`THREADED` given its thread count; the others are returned as they are."""
    if _state["mode"] is None:
        _init_from_env()
    package = _package(backend)
    wrapped = {}
    for name, fn in namespace.items():
        if not callable(fn):
            wrapped[name] = fn
        elif backend == "cython" and name in THREADED and _has_openmp(fn):
            wrapped[name] = _wrap_threaded(name, fn, package)
        elif name in WORK:
            wrapped[name] = _wrap(name, fn, package)
        else:
            wrapped[name] = fn
    return wrapped
