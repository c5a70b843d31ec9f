"""Textbook loops: each kernel written the naive way, one scalar at a time.

They are the lesson ("this is all a matrix product is") and the third witness in the tests
(compiled == reference == loops on small inputs). They are slow on purpose; never use them on
real data.

One module per kernel domain, each listing its functions in ``__all__``:
``from pynet.kernels.loops import conv`` (or ``loops.conv`` after ``from pynet.kernels import
loops``: domain modules are imported on first use). The linear-algebra loops, the ones every
lesson starts from, are also available at this level: ``loops.matmul``, ``loops.vector_dot``...
"""
from importlib import import_module

from .linalg import *  # noqa: F401,F403
from .linalg import __all__ as _linalg_all

__all__ = list(_linalg_all)


def __getattr__(name):
    # PEP 562: ``loops.classic`` imports pynet/kernels/loops/classic.py when first asked for,
    # so a lesson that needs only the linalg loops never loads the others.
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        return import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
