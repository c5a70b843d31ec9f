"""The build: a compiler failure stops it with instructions for the pure-Python install."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_failed_compile_says_how_to_get_the_pure_python_version(tmp_path):
    # CC=false: the "compiler" exits with an error for every file, as a missing gcc would.
    env = dict(os.environ, CC="false", PYNET_BUILD_ONLY="linalg")
    proc = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--force",
         "--build-lib", str(tmp_path / "lib"), "--build-temp", str(tmp_path / "temp")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "compiling pynet.kernels._c_linalg failed" in output
    assert "PYNET_NO_EXTENSION=1 pip install ." in output
    assert "PYNET_BACKEND=python" in output
    assert not list((tmp_path / "lib").rglob("*.so"))
