"""Finite-difference gradient checks: is my backward pass right?

The central difference (f(θ + ε) − f(θ − ε)) / 2ε has error O(ε²); in float64 with ε ≈ 1e-6 and
well-scaled functions, a correct analytic gradient agrees to a relative error below ~1e-7, and a
wrong one (a missing σ′, a transposed matrix) is off by 1e-2 or more. The relative error used is

    |g_analytic − g_numeric| / max(|g_analytic| + |g_numeric|, tiny)

taken elementwise, and the worst element per parameter group is reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_EPS = 1e-6
#: Threshold below which a parameter group is considered correct (float64, smooth functions).
DEFAULT_TOLERANCE = 1e-6


def numerical_gradient(f, x: np.ndarray, eps: float = DEFAULT_EPS) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f()`` with respect to the array ``x``.

    ``x`` is perturbed in place (one element at a time) and restored; ``f`` takes no arguments and
    must read ``x`` (e.g. a closure over a model's weights).
    """
    if x.dtype != np.float64:
        raise TypeError(f"numerical_gradient(): x must be float64 for a meaningful check, got {x.dtype}")
    grad = np.zeros_like(x)
    flat = x.reshape(-1)  # a view: x must be contiguous
    if flat.size and not np.shares_memory(flat, x):   # (an empty array shares nothing)
        raise ValueError("numerical_gradient(): x must be contiguous so it can be perturbed in place")
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = float(f())
        flat[i] = old - eps
        f_minus = float(f())
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(analytic, numeric) -> np.ndarray:
    """Elementwise relative error between two gradients (0 where both are exactly 0)."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    denom = np.maximum(np.abs(a) + np.abs(n), 1e-12)
    err = np.abs(a - n) / denom
    # Both below 1e-10 in absolute terms: numerically zero, not a disagreement.
    err[(np.abs(a) < 1e-10) & (np.abs(n) < 1e-10)] = 0.0
    return err


@dataclass
class GradientReport:
    """Per-group worst relative error. ``ok`` is true when every group is under ``tolerance``."""

    errors: dict = field(default_factory=dict)
    worst_index: dict = field(default_factory=dict)
    tolerance: float = DEFAULT_TOLERANCE

    @property
    def ok(self) -> bool:
        return all(e <= self.tolerance for e in self.errors.values())

    def __str__(self) -> str:
        lines = [f"{'parameter':<16} {'max rel. error':>14}  worst at"]
        for name, err in self.errors.items():
            flag = "" if err <= self.tolerance else "   <-- FAILS"
            lines.append(f"{name:<16} {err:>14.3e}  {self.worst_index[name]}{flag}")
        return "\n".join(lines)


def check_gradients(loss, params: dict, analytic: dict, *, eps: float = DEFAULT_EPS,
                    tolerance: float = DEFAULT_TOLERANCE) -> GradientReport:
    """Compare analytic gradients with central differences, group by group.

    Parameters
    ----------
    loss : callable
        ``loss()`` returns the scalar loss computed from the *current* contents of ``params``.
    params : dict[str, ndarray]
        float64 arrays that ``loss`` reads; each is perturbed in place and restored.
    analytic : dict[str, ndarray]
        The gradients to check, same names and shapes as ``params``.
    """
    report = GradientReport(tolerance=tolerance)
    for name, p in params.items():
        if name not in analytic:
            raise KeyError(f"check_gradients(): no analytic gradient for parameter {name!r}")
        if np.shape(analytic[name]) != p.shape:
            raise ValueError(
                f"check_gradients(): gradient {name!r} has shape {np.shape(analytic[name])}, "
                f"parameter has {p.shape}"
            )
        numeric = numerical_gradient(loss, p, eps)
        err = relative_error(analytic[name], numeric)
        idx = np.unravel_index(int(np.argmax(err)), err.shape) if err.size else ()
        report.errors[name] = float(err.max()) if err.size else 0.0
        report.worst_index[name] = tuple(int(i) for i in idx)
    return report
