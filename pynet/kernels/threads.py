"""Which BLAS libraries are loaded, and how many threads each may use.

A pip-installed NumPy and SciPy each bundle their **own** OpenBLAS (``numpy.libs/`` and
``scipy.libs/``), and each OpenBLAS keeps its own pool of worker threads. pynet calls both:
NumPy for ``@``, ``np.dot`` and the elementwise work of the reference kernels, and SciPy's
OpenBLAS (through ``scipy.linalg.cython_blas``) from the compiled kernels. Environment variables
such as ``OPENBLAS_NUM_THREADS`` only act before the libraries load; these functions act at any
time, through `threadpoolctl <https://github.com/joblib/threadpoolctl>`_.

>>> from pynet.kernels.threads import blas_info, limit_blas_threads
>>> for lib in blas_info():                        # doctest: +SKIP
...     print(lib.describe())
numpy: OpenBLAS 0.3.31 (pthreads), 2 threads, libscipy_openblas64_-32a4b2a6.so
scipy: OpenBLAS 0.3.30 (pthreads), 2 threads, libscipy_openblas-6cdc3b4a.so
>>> with limit_blas_threads(1):                    # doctest: +SKIP
...     net.train(...)                             # every BLAS pool single-threaded here

By default pynet sizes its own kernel calls (:mod:`pynet.kernels.thread_policy`: small
products on one thread, large ones on the pool as the user set it) and changes nothing else.
These functions are for users who choose for themselves, from the measurement in
``docs/kernels.md`` (``python -m bench.kernels``):

* everything on one thread, e.g. on a shared machine: ``limit_blas_threads(1)``;
* large batched GEMMs: give the cores to **one** pool, the one the active backend computes with,
  ``limit_blas_threads(one_pool_limits())``; with both pools multi-threaded, the idle workers of
  one spin while the other works, and a 2-core machine ran up to 2× *slower* than on one thread;
* or start Python with ``OPENBLAS_THREAD_TIMEOUT=4`` (read when OpenBLAS loads), which makes idle
  workers sleep almost at once, so both pools can keep all cores.

Set ``PYNET_BLAS_THREADS=off`` (or ``thread_policy.set_policy("off")``) to stop pynet from
sizing its calls at all.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass

__all__ = ["BlasLibrary", "blas_info", "limit_blas_threads", "set_blas_threads",
           "one_pool_limits"]


@dataclass(frozen=True)
class BlasLibrary:
    """One loaded BLAS library.

    Attributes
    ----------
    package : str
        Which package bundles it: ``"numpy"``, ``"scipy"``, ``"torch"``, ... or ``"system"``
        for a library outside any package's ``*.libs`` folder.
    internal_api : str
        ``"openblas"``, ``"mkl"``, ``"blis"``, ...
    version : str or None
    threading_layer : str
        ``"pthreads"``, ``"openmp"`` or ``"disabled"`` (a single-threaded build).
    num_threads : int
        The current size of its thread pool.
    filename : str
        Basename of the shared library, e.g. ``libscipy_openblas64_-32a4b2a6.so``.
    filepath : str
        Full path (not shown by :meth:`describe`; useful when two look alike).
    architecture : str or None
        The CPU kernel set OpenBLAS picked (``"Haswell"``, ``"SkylakeX"``, ...).
    """

    package: str
    internal_api: str
    version: str | None
    threading_layer: str
    num_threads: int
    filename: str
    filepath: str
    architecture: str | None = None

    def describe(self) -> str:
        """One line: ``numpy: OpenBLAS 0.3.31 (pthreads), 2 threads, libscipy_openblas64_...so``."""
        api = {"openblas": "OpenBLAS", "mkl": "MKL", "blis": "BLIS"}.get(
            self.internal_api, self.internal_api)
        arch = f", {self.architecture} kernels" if self.architecture else ""
        return (f"{self.package}: {api} {self.version or '?'} ({self.threading_layer}{arch}), "
                f"{self.num_threads} thread{'s' if self.num_threads != 1 else ''}, {self.filename}")

    def as_dict(self) -> dict:
        return asdict(self)


def package_of(filepath: str) -> str:
    """Name the package that ships a shared library, from where it lives on disk.

    Wheels put bundled libraries in ``site-packages/<package>.libs/`` (auditwheel) or inside the
    package (``site-packages/torch/lib/``); anything else counts as ``"system"``.
    """
    parts = os.path.normpath(filepath).split(os.sep)
    for i, part in enumerate(parts[:-1]):
        if part.endswith(".libs"):
            return part[: -len(".libs")]
        if part in ("site-packages", "dist-packages") and i + 2 < len(parts):
            return parts[i + 1].removesuffix(".libs")
    return "system"


def _load_blas_libraries() -> None:
    """Make sure NumPy's and SciPy's BLAS are loaded, so that they can be listed and limited.

    threadpoolctl sees only libraries already loaded in the process; SciPy's is loaded by its
    linalg extension modules, which pynet's compiled kernels cimport anyway.
    """
    import numpy  # noqa: F401

    try:
        import scipy.linalg.cython_blas  # noqa: F401
    except ImportError:  # pragma: no cover - scipy is a dependency
        pass


def _blas_controllers(packages=None):
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        raise ImportError("threadpoolctl is not installed (pip install threadpoolctl): pynet "
                          "cannot list or limit the BLAS thread pools") from None
    _load_blas_libraries()
    controllers = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
    if packages is not None:
        wanted = {packages} if isinstance(packages, str) else set(packages)
        controllers = [c for c in controllers if package_of(c.filepath) in wanted]
    return controllers


def blas_info() -> list[BlasLibrary]:
    """List the BLAS libraries loaded in this process (NumPy's and SciPy's are loaded first).

    Returns
    -------
    list of BlasLibrary
        One entry per library, in threadpoolctl's order. A NumPy and a SciPy installed from
        wheels give two OpenBLAS entries; a distribution (Debian, conda) build may share one.
    """
    libs = []
    for c in _blas_controllers():
        libs.append(BlasLibrary(
            package=package_of(c.filepath),
            internal_api=c.internal_api,
            version=c.version,
            threading_layer=getattr(c, "threading_layer", "unknown"),
            num_threads=int(c.get_num_threads()),
            filename=os.path.basename(c.filepath),
            filepath=c.filepath,
            architecture=getattr(c, "architecture", None),
        ))
    return libs


def one_pool_limits(threads: int | None = None, backend: str | None = None) -> dict:
    """Thread limits that give the cores to the BLAS pool the kernels use and 1 to the other.

    The compiled backend calls SciPy's OpenBLAS (``scipy.linalg.cython_blas``); the python
    backend calls NumPy's. Use as ``with limit_blas_threads(one_pool_limits()): ...``.

    Parameters
    ----------
    threads : int, optional
        Threads for the working pool; default ``os.cpu_count()``.
    backend : {"cython", "python"}, optional
        Default: the active backend, :data:`pynet.kernels.BACKEND`.

    Returns
    -------
    dict
        ``{"numpy": ..., "scipy": ...}``, for :func:`limit_blas_threads` or :func:`set_blas_threads`.
    """
    if backend is None:
        from pynet.kernels import BACKEND as backend
    if backend not in ("cython", "python"):
        raise ValueError(f"argument 'backend' must be 'cython' or 'python', got {backend!r}")
    n = _check_threads(os.cpu_count() or 1 if threads is None else threads, "threads")
    return {"numpy": 1, "scipy": n} if backend == "cython" else {"numpy": n, "scipy": 1}


def _check_threads(n, name="n") -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"argument {name!r} must be a whole number of threads >= 1, got {n!r}")
    return n


def _plan(limits):
    """``limits`` (int, or dict package -> int) -> list of (controller, threads)."""
    if isinstance(limits, dict):
        plan = []
        for package, n in limits.items():
            _check_threads(n, f"limits[{package!r}]")
            plan += [(c, n) for c in _blas_controllers([package])]
        return plan
    _check_threads(limits, "limits")
    return [(c, limits) for c in _blas_controllers()]


def set_blas_threads(limits) -> dict:
    """Set the thread count of every loaded BLAS library (no automatic restore).

    Parameters
    ----------
    limits : int or dict
        Threads for every library, or ``{"numpy": 2, "scipy": 1}`` per bundling package
        (packages not named are left alone).

    Returns
    -------
    dict
        ``{filepath: previous num_threads}`` for the libraries changed, so a caller can undo it.
    """
    previous = {}
    for controller, n in _plan(limits):
        previous[controller.filepath] = int(controller.get_num_threads())
        controller.set_num_threads(n)
    return previous


@contextlib.contextmanager
def limit_blas_threads(limits=1):
    """Context manager: limit the BLAS thread pools inside the ``with`` block, then restore them.

    Parameters
    ----------
    limits : int or dict, default 1
        As in :func:`set_blas_threads`.

    Yields
    ------
    list of BlasLibrary
        The libraries as they are inside the block.
    """
    plan = _plan(limits)
    saved = [(c, int(c.get_num_threads())) for c, _ in plan]
    try:
        for controller, n in plan:
            controller.set_num_threads(n)
        yield blas_info()
    finally:
        for controller, n in saved:
            controller.set_num_threads(n)
