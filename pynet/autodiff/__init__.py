"""Automatic differentiation, in two steps: a scalar :class:`Value`, then a :class:`Tensor`."""
from __future__ import annotations

from .value import Value

__all__ = ["Value"]
