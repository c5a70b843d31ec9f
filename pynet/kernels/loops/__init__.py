"""Textbook loops: each kernel written the naive way, one scalar at a time.

They are the lesson ("this is all a matrix product is") and the third witness in the tests
(compiled == reference == loops on small inputs). They are slow on purpose; never use them on
real data. Each domain module lists its functions in ``__all__``.
"""
from .linalg import *  # noqa: F401,F403
from .linalg import __all__ as _linalg_all

__all__ = list(_linalg_all)
