"""Weight penalties (Chollet ch. 4.4): ``l1``, ``l2``, ``l1_l2``.

A regularizer adds ``l1·Σ|w| + l2·Σw²`` to the *training* loss (never to ``evaluate``'s loss or
the validation loss) and ``l1·sign(w) + 2·l2·w`` to the gradient of ``w``. As in Keras the penalty
is added once per batch, not divided by the batch size.

>>> from pynet import regularizers
>>> Dense(16, kernel_regularizer=regularizers.l2(0.001))          # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np

__all__ = ["Regularizer", "L1L2", "l1", "l2", "l1_l2", "get", "serialize"]


def _coef(value, name, where):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{where}: {name} must be finite and >= 0, got {value!r}")
    return v


class Regularizer:
    """Base class: ``reg(w) -> penalty`` and ``reg.gradient(w) -> d penalty / dw``."""

    def __call__(self, w) -> float:
        raise NotImplementedError

    def gradient(self, w) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}


class L1L2(Regularizer):
    """``l1·Σ|w| + l2·Σw²``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _coef(l1, "l1", "L1L2()")
        self.l2 = _coef(l2, "l2", "L1L2()")

    def __call__(self, w) -> float:
        w = np.asarray(w)
        total = 0.0
        if self.l1:
            total += self.l1 * float(np.abs(w).sum(dtype=np.float64))
        if self.l2:
            total += self.l2 * float(np.square(w, dtype=np.float64).sum())
        return total

    def gradient(self, w) -> np.ndarray:
        w = np.asarray(w)
        g = np.zeros_like(w)
        if self.l1:
            g += self.l1 * np.sign(w)
        if self.l2:
            g += (2.0 * self.l2) * w
        return g

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self):
        return f"L1L2(l1={self.l1}, l2={self.l2})"


def l1(l=0.01) -> L1L2:
    """``l·Σ|w|`` (Keras's ``regularizers.l1``)."""
    return L1L2(l1=_coef(l, "l", "l1()"))


def l2(l=0.01) -> L1L2:
    """``l·Σw²`` (Keras's ``regularizers.l2``; "weight decay")."""
    return L1L2(l2=_coef(l, "l", "l2()"))


def l1_l2(l1=0.01, l2=0.01) -> L1L2:
    """Both penalties."""
    return L1L2(l1=l1, l2=l2)


_FACTORIES = {"l1": l1, "l2": l2, "l1_l2": l1_l2}


def get(identifier):
    """``None``, a Regularizer, a name (``'l2'`` = ``l2(0.01)``) or a saved config dict."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        try:
            return _FACTORIES[identifier]()
        except KeyError:
            raise ValueError(f"unknown regularizer {identifier!r}; known: l1, l2, l1_l2") from None
    if isinstance(identifier, dict):
        if identifier.get("class_name") != "L1L2":
            raise ValueError(f"unknown regularizer config {identifier!r}")
        return L1L2(**identifier.get("config", {}))
    raise TypeError(f"regularizer must be None, a name or a Regularizer, got {identifier!r}")


def serialize(reg):
    """JSON-able form of a regularizer (``None`` stays ``None``)."""
    if reg is None:
        return None
    if not isinstance(reg, L1L2):
        raise ValueError(f"regularizer {reg!r} cannot be saved; use pynet.regularizers.L1L2")
    return {"class_name": "L1L2", "config": reg.get_config()}
