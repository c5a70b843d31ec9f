"""Build script: compiles every ``csrc/*.pyx`` into ``pynet.kernels._c_<name>``.

Environment switches
--------------------
PYNET_NO_EXTENSION=1   install without compiling (the NumPy reference backend is used).
PYNET_DEBUG_BUILD=1    compile with boundscheck/wraparound/initializedcheck on, -O0 -g.
PYNET_BUILD_ONLY=a,b   compile only csrc/a.pyx and csrc/b.pyx (development convenience).
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


def extensions():
    if _flag("PYNET_NO_EXTENSION"):
        return []
    import numpy
    from Cython.Build import cythonize
    from setuptools import Extension

    debug = _flag("PYNET_DEBUG_BUILD")
    only = {s.strip() for s in os.environ.get("PYNET_BUILD_ONLY", "").split(",") if s.strip()}
    sources = sorted(glob.glob(os.path.join("csrc", "*.pyx")))
    exts = []
    for src in sources:
        name = os.path.splitext(os.path.basename(src))[0]
        if only and name not in only:
            continue
        exts.append(
            Extension(
                f"pynet.kernels._c_{name}",
                [src],
                include_dirs=[numpy.get_include(), "csrc"],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                extra_compile_args=["-O0", "-g"] if debug else ["-O3"],
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
