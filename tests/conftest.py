"""Fixtures shared by every test: both kernel backends, seeded RNGs, and the shared data folder.

``../shared/data`` (or ``$PYNET_SHARED_DATA``) holds data too large to ship. A test that needs it
asks the ``shared_data`` fixture, which skips with the reason in a user's clone and *fails* when
the ``CI`` environment variable is set, so CI can never pass by skipping.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PYNET_SHARED_DATA", REPO.parent / "shared" / "data"))
IN_CI = bool(os.environ.get("CI"))


def unavailable(reason: str):
    """Skip in a user's clone; fail under CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def require_module(name: str):
    """Import an optional dependency (torch, keras, matplotlib, PIL, ...) or call
    :func:`unavailable`: a skip in a user's clone, a failure under CI. Every test that needs an
    optional package goes through here (``tests/test_no_silent_skips.py`` enforces it).

    Keras is imported on the PyTorch backend unless ``KERAS_BACKEND`` says otherwise.
    """
    if name.split(".")[0] == "keras":
        os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        unavailable(f"optional dependency {name!r} is not installed ({exc})")


@pytest.fixture(scope="session")
def require():
    """``torch = require("torch")``: the module, or skip (fail under CI) when it is missing."""
    return require_module


@pytest.fixture(scope="session")
def skip_or_fail():
    """``skip_or_fail(reason)``: :func:`unavailable` for tests — a skip in a user's clone, a
    failure under CI. The only way a test may skip (``tests/test_no_silent_skips.py``)."""
    return unavailable


def backend_for(name: str, domains=None):
    from pynet.kernels import load_backend

    try:
        return load_backend(name, domains)
    except ImportError as exc:
        unavailable(f"compiled kernels not built: {exc}")


@pytest.fixture(params=["python", "cython"])
def backend_name(request):
    """Parametrises a test over both backends' names."""
    return request.param


@pytest.fixture(scope="session")
def kernels_of():
    """``kernels_of("cython", ["conv"])`` -> namespace of that backend's kernels (skips, or fails
    under CI, when the compiled module is not built)."""
    return backend_for


@pytest.fixture
def rng():
    """A fixed-seed generator: the same numbers in every run."""
    return np.random.default_rng(20261123)


@pytest.fixture
def shared_data():
    """``shared_data("mnist/t10k-images-idx3-ubyte.gz") -> Path``, or skip/fail when absent."""

    def get(relative: str) -> Path:
        path = SHARED_DATA / relative
        if not path.exists():
            unavailable(f"shared data file {relative} not found under {SHARED_DATA}")
        return path

    return get
