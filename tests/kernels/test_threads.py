"""BLAS thread pools: listing them and limiting them (pynet.kernels.threads)."""
from __future__ import annotations

import os

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController

from pynet.kernels.threads import (
    BlasLibrary, blas_info, limit_blas_threads, one_pool_limits, package_of, set_blas_threads,
)


def pools():
    """{filepath: num_threads} for every BLAS library, read straight from threadpoolctl."""
    return {c.filepath: c.get_num_threads()
            for c in ThreadpoolController().lib_controllers if c.user_api == "blas"}


def bundled_by(package):
    """True when ``package``'s wheel ships its own BLAS (pip wheels do; a distro build may not)."""
    return any(lib.package == package for lib in blas_info())


def test_blas_info_describes_each_library():
    libs = blas_info()
    assert libs, "NumPy always links a BLAS"
    for lib in libs:
        assert isinstance(lib, BlasLibrary)
        assert lib.num_threads >= 1
        assert lib.filename == os.path.basename(lib.filepath) and lib.filename
        assert lib.internal_api and lib.threading_layer
        line = lib.describe()
        assert lib.package in line and lib.filename in line and f"{lib.num_threads} thread" in line
        assert lib.as_dict()["filepath"] == lib.filepath
    assert {lib.filepath for lib in libs} == set(pools())


def test_blas_info_lists_numpys_and_scipys_own_libraries(skip_or_fail):
    import numpy
    import scipy

    libs = blas_info()
    in_wheels = [p for p in ("numpy", "scipy")
                 if os.path.isdir(os.path.join(os.path.dirname(os.path.dirname(
                     (numpy if p == "numpy" else scipy).__file__)), f"{p}.libs"))]
    if not in_wheels:
        skip_or_fail("NumPy/SciPy do not come from wheels here (no numpy.libs/scipy.libs folder)")
    found = {lib.package for lib in libs}
    for package in in_wheels:
        assert package in found, f"{package}'s bundled BLAS missing from {[l.describe() for l in libs]}"
    if len(in_wheels) == 2:
        paths = [lib.filepath for lib in libs if lib.package in ("numpy", "scipy")]
        assert len(set(paths)) == 2  # two distinct libraries, two distinct thread pools


@pytest.mark.parametrize("package", ["numpy.libs", "scipy.libs"])
def test_package_of_names_the_bundling_wheel(package):
    path = os.path.join(os.sep, "venv", "lib", "site-packages", package, "libopenblas.so")
    assert package_of(path) == package.split(".")[0]


def test_package_of_other_places():
    sep = os.sep
    assert package_of(f"{sep}usr{sep}lib{sep}x86_64-linux-gnu{sep}libopenblas.so.0") == "system"
    assert package_of(f"{sep}v{sep}site-packages{sep}torch{sep}lib{sep}libgomp.so.1") == "torch"


def test_limit_blas_threads_changes_every_pool_and_restores_it():
    before = pools()
    with limit_blas_threads(1) as inside:
        assert all(n == 1 for n in pools().values())
        assert all(lib.num_threads == 1 for lib in inside)
        np.ones((64, 64)) @ np.ones((64, 64))  # BLAS still works inside
    assert pools() == before


def test_limit_blas_threads_restores_after_an_exception():
    before = pools()
    with pytest.raises(RuntimeError, match="inside"):
        with limit_blas_threads(1):
            raise RuntimeError("inside")
    assert pools() == before


def test_limit_per_package_leaves_the_others_alone(skip_or_fail):
    if not (bundled_by("numpy") and bundled_by("scipy")):
        skip_or_fail("needs NumPy's and SciPy's own BLAS (pip wheels)")
    libs = {lib.package: lib for lib in blas_info()}
    scipy_before = libs["scipy"].num_threads
    with limit_blas_threads(1):  # start from a known state: both at 1
        with limit_blas_threads({"numpy": 2}):
            now = {lib.package: lib.num_threads for lib in blas_info()}
            assert now["scipy"] == 1
            # OpenBLAS caps a pool at the number of CPUs it saw when it loaded.
            assert now["numpy"] == min(2, os.cpu_count() or 1)
        assert {lib.package: lib.num_threads for lib in blas_info()}["numpy"] == 1
    assert {lib.package: lib.num_threads for lib in blas_info()}["scipy"] == scipy_before


def test_set_blas_threads_returns_what_it_replaced():
    before = pools()
    try:
        previous = set_blas_threads(1)
        assert previous == before
        assert all(n == 1 for n in pools().values())
    finally:
        for c in ThreadpoolController().lib_controllers:
            if c.filepath in before:
                c.set_num_threads(before[c.filepath])
    assert pools() == before


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_thread_count_must_be_a_positive_whole_number(bad):
    before = pools()
    with pytest.raises(ValueError, match="whole number of threads >= 1"):
        with limit_blas_threads(bad):
            pass
    with pytest.raises(ValueError, match=r"limits\['numpy'\]"):
        set_blas_threads({"numpy": bad})
    assert pools() == before


def test_one_pool_limits_gives_the_cores_to_the_backends_pool():
    # The compiled kernels call SciPy's BLAS; the python backend calls NumPy's.
    assert one_pool_limits(2, backend="cython") == {"numpy": 1, "scipy": 2}
    assert one_pool_limits(2, backend="python") == {"numpy": 2, "scipy": 1}
    import pynet.kernels

    default = one_pool_limits()
    busy = "scipy" if pynet.kernels.BACKEND == "cython" else "numpy"
    assert default[busy] == (os.cpu_count() or 1) and set(default.values()) <= {1, default[busy]}
    with pytest.raises(ValueError, match="'backend'"):
        one_pool_limits(2, backend="torch")
    with pytest.raises(ValueError, match="'threads'"):
        one_pool_limits(0)


def test_one_pool_limits_applied(skip_or_fail):
    if not (bundled_by("numpy") and bundled_by("scipy")):
        skip_or_fail("needs NumPy's and SciPy's own BLAS (pip wheels)")
    with limit_blas_threads(one_pool_limits(2, backend="cython")):
        assert {lib.package: lib.num_threads for lib in blas_info()
                if lib.package in ("numpy", "scipy")} == {"numpy": 1,
                                                          "scipy": min(2, os.cpu_count() or 1)}
