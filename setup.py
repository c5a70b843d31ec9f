"""Build script: compiles every ``csrc/*.pyx`` into ``pynet.kernels._c_<name>``.

Environment switches
--------------------
PYNET_NO_EXTENSION=1   install without compiling (the NumPy reference backend is used).
PYNET_DEBUG_BUILD=1    compile with boundscheck/wraparound/initializedcheck on, -O0 -g.
PYNET_BUILD_ONLY=a,b   compile only csrc/a.pyx and csrc/b.pyx (development convenience).
PYNET_NO_OPENMP=1      compile the kernels that split a batch over threads (those that cimport
                       cython.parallel) without OpenMP: they then run on one thread. Without the
                       switch, OpenMP is used when the compiler accepts -fopenmp (checked by
                       compiling a small test program) and left out, with a note, when not.
"""
import glob
import os
import sys

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
HOW_TO_SKIP = (
    "pynet could not compile its Cython kernels.\n"
    "  * To install the pure-Python/NumPy version instead, run:\n"
    "        PYNET_NO_EXTENSION=1 pip install .\n"
    "    and use it with PYNET_BACKEND=python (or the default, auto).\n"
    "  * To fix the build: install a C compiler and the Python headers\n"
    "    (Debian/Ubuntu: apt-get install build-essential python3-dev).\n"
)


def _flag(name):
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


class BuildExtExplained(build_ext):
    """build_ext that turns a compiler failure into instructions."""

    def run(self):
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - re-raised with advice
            sys.stderr.write("\n" + HOW_TO_SKIP + "\n")
            raise SystemExit(f"error: building the extension failed: {exc}") from exc

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            sys.stderr.write("\n" + HOW_TO_SKIP + "\n")
            raise SystemExit(f"error: compiling {ext.name} failed: {exc}") from exc


def _openmp_flags():
    """``-fopenmp`` when the C compiler builds and links an OpenMP program, else ``[]``."""
    if _flag("PYNET_NO_OPENMP"):
        return []
    import shutil
    import subprocess
    import sysconfig
    import tempfile

    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    if not cc or shutil.which(cc[0]) is None:
        return []
    program = "#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp_check.c")
        with open(src, "w") as fh:
            fh.write(program)
        try:
            done = subprocess.run(cc + ["-fopenmp", src, "-o", os.path.join(tmp, "omp_check")],
                                  capture_output=True, timeout=120)
        except (OSError, subprocess.SubprocessError):
            done = None
    if done is None or done.returncode != 0:
        sys.stderr.write("note: the C compiler does not accept -fopenmp; the convolution and "
                         "pooling kernels will run on one thread\n")
        return []
    return ["-fopenmp"]


def _uses_threads(src):
    """True when a .pyx file splits work over threads (cimports cython.parallel)."""
    with open(src, encoding="utf-8") as fh:
        return "cython.parallel" in fh.read()


def extensions():
    if _flag("PYNET_NO_EXTENSION"):
        return []
    import numpy
    from Cython.Build import cythonize
    from setuptools import Extension

    debug = _flag("PYNET_DEBUG_BUILD")
    only = {s.strip() for s in os.environ.get("PYNET_BUILD_ONLY", "").split(",") if s.strip()}
    sources = sorted(glob.glob(os.path.join("csrc", "*.pyx")))
    openmp = _openmp_flags() if any(_uses_threads(src) for src in sources) else []
    exts = []
    for src in sources:
        name = os.path.splitext(os.path.basename(src))[0]
        if only and name not in only:
            continue
        parallel = openmp if _uses_threads(src) else []
        exts.append(
            Extension(
                f"pynet.kernels._c_{name}",
                [src],
                include_dirs=[numpy.get_include(), "csrc"],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                extra_compile_args=(["-O0", "-g"] if debug else ["-O3"]) + parallel,
                extra_link_args=parallel,
            )
        )
    directives = {
        "language_level": 3,
        "boundscheck": debug,
        "wraparound": debug,
        "initializedcheck": debug,
        "cdivision": True,
        "embedsignature": True,
    }
    # cythonize regenerates a .c file only when its .pyx is newer, so switching between debug
    # and normal builds must force it, or the other mode's C code would silently be reused.
    stamp = os.path.join("csrc", ".build-mode")
    mode = "debug" if debug else "release"
    previous = open(stamp).read().strip() if os.path.exists(stamp) else None
    modules = cythonize(exts, compiler_directives=directives, include_path=["csrc"],
                        quiet=True, force=previous != mode)
    with open(stamp, "w") as fh:
        fh.write(mode + "\n")
    return modules


setup(
    packages=find_packages(include=["pynet", "pynet.*"]) + ["pynet.tutorials"],
    # The lessons live at the top level (tutorials/) for readers, and are installed as
    # pynet.tutorials so that `pynet tour` works from any directory.
    package_dir={"pynet.tutorials": "tutorials"},
    package_data={"pynet.datasets": ["data/*", "data/fortunes/*", "data/weather/*"], "pynet.tutorials": ["*.py"],
                  "pynet.kernels": ["__init__.pyi"]},
    ext_modules=extensions(),
    cmdclass={"build_ext": BuildExtExplained},
)
