"""Backend selection (``PYNET_BACKEND=auto|cython|python``), each case in a fresh interpreter.

The choice is made once, at ``import pynet.kernels``, so every case runs in its own subprocess
with its own environment. "The compiled modules cannot import" is simulated with a meta-path
finder that refuses every ``pynet.kernels._c_*`` module, installed before pynet is imported.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pynet

# The directory holding the pynet package this test process imports, so the subprocess sees
# the same one (a checkout with in-place builds, or an installed copy).
PACKAGE_ROOT = str(Path(pynet.__file__).resolve().parents[1])

BLOCKER = textwrap.dedent("""
    import importlib.abc, sys

    class BlockCompiled(importlib.abc.MetaPathFinder):
        '''Pretend the extension modules were never built.'''
        def find_spec(self, name, path=None, target=None):
            if name.startswith("pynet.kernels._c_"):
                raise ImportError(f"No module named {name!r} (blocked by the test)")
            return None

    sys.meta_path.insert(0, BlockCompiled())
""")

PROBE = textwrap.dedent("""
    import json, sys, warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import pynet.kernels as k
            import pynet.kernels  # a second import must not warn again
            result = {"backend": k.BACKEND,
                      "matmul_module": k.matmul.__module__ if hasattr(k.matmul, "__module__") else None}
        except Exception as exc:
            result = {"error": type(exc).__name__, "message": str(exc)}
    result["warnings"] = [[w.category.__name__, str(w.message)] for w in caught
                          if "pynet" in str(w.message)]
    result["compiled_loaded"] = sorted(m for m in sys.modules if m.startswith("pynet.kernels._c_"))
    print(json.dumps(result))
""")


def probe(backend: str | None, *, block: bool = False) -> dict:
    """Import pynet.kernels in a fresh interpreter and report what happened."""
    env = dict(os.environ)
    env.pop("PYNET_BACKEND", None)
    if backend is not None:
        env["PYNET_BACKEND"] = backend
    env["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    code = (BLOCKER if block else "") + PROBE
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, cwd=PACKAGE_ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def compiled_ok() -> bool:
    """Whether the compiled kernels import in this checkout (asked with PYNET_BACKEND=python)."""
    env = dict(os.environ, PYNET_BACKEND="python")
    env["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    code = "import pynet.kernels as k; print(k.compiled_available())"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, cwd=PACKAGE_ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1] == "True"


def test_python_backend_never_imports_compiled_modules():
    result = probe("python")
    assert result["backend"] == "python"
    assert result["compiled_loaded"] == []
    assert result["warnings"] == []
    assert result["matmul_module"] == "pynet.kernels.reference.linalg"


def test_python_backend_works_even_when_compiled_modules_are_missing():
    result = probe("python", block=True)
    assert result["backend"] == "python" and result["warnings"] == []


def test_auto_falls_back_with_exactly_one_warning_saying_how_to_build():
    result = probe("auto", block=True)
    assert result["backend"] == "python"
    assert result["compiled_loaded"] == []
    assert len(result["warnings"]) == 1, result["warnings"]
    category, message = result["warnings"][0]
    assert category == "RuntimeWarning"
    assert "pip install -e ." in message  # how to build
    assert "PYNET_BACKEND=python" in message  # how to silence it
    assert "blocked by the test" in message  # and why the import failed


def test_unset_variable_means_auto():
    result = probe(None, block=True)
    assert result["backend"] == "python" and len(result["warnings"]) == 1


def test_cython_raises_import_error_when_compiled_modules_are_missing():
    result = probe("cython", block=True)
    assert result["error"] == "ImportError"
    assert "PYNET_BACKEND=cython" in result["message"]
    assert "pip install -e ." in result["message"]


@pytest.mark.parametrize("value", ["numpy", "Cython3", "fast"])
def test_invalid_value_raises_naming_the_choices(value):
    result = probe(value)
    assert result["error"] == "ValueError"
    assert "PYNET_BACKEND must be 'auto', 'cython' or 'python'" in result["message"]
    assert repr(value.lower()) in result["message"]


def test_value_is_case_and_space_insensitive():
    assert probe("  PYTHON ")["backend"] == "python"


def test_auto_takes_the_compiled_kernels_when_they_import(compiled_ok):
    result = probe("auto")
    if compiled_ok:
        assert result["backend"] == "cython"
        assert result["warnings"] == []
        assert "pynet.kernels._c_linalg" in result["compiled_loaded"]
    else:
        assert result["backend"] == "python" and len(result["warnings"]) == 1


def test_cython_when_built(compiled_ok):
    result = probe("cython")
    if compiled_ok:
        assert result["backend"] == "cython" and result["warnings"] == []
    else:
        assert result["error"] == "ImportError"


def test_ci_runs_the_compiled_backend():
    """Under CI the compiled backend must be the one in use; the CI pass that asks for the NumPy
    twins (PYNET_BACKEND=python) must get them."""
    if not os.environ.get("CI"):
        pytest.skip("only meaningful under CI (env CI unset): a user's clone may lack a compiler")  # never under CI
    import pynet.kernels

    if os.environ.get("PYNET_BACKEND", "").strip().lower() == "python":
        assert pynet.kernels.BACKEND == "python", pynet.kernels.BACKEND
        return
    assert pynet.kernels.BACKEND == "cython", (
        "CI must exercise the compiled kernels, but pynet.kernels.BACKEND is "
        f"{pynet.kernels.BACKEND!r}: the extension did not build or import"
    )


def test_the_editor_stub_lists_every_kernel_and_nothing_else():
    """pynet/kernels/__init__.pyi (tools/kernel_stub.py) lets go-to-definition open a kernel's
    NumPy twin; it must stay in step with the kernels (re-run the tool after adding one)."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("kernel_stub", root / "tools" / "kernel_stub.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    stub = root / "pynet" / "kernels" / "__init__.pyi"
    assert stub.read_text() == tool.stub_text(), "run: python tools/kernel_stub.py"
    from pynet.kernels import KERNEL_NAMES

    listed = [line.split(" as ")[0].strip() for line in stub.read_text().splitlines()
              if " as " in line]
    assert sorted(listed) == sorted(KERNEL_NAMES)
