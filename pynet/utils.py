"""Small helpers for the Keras-like API: labels, seeds, data splits, smoothed curves.

``to_categorical`` is the one in :mod:`pynet.datasets.mnist` (re-exported, not duplicated).
"""
from __future__ import annotations

import numpy as np

from .datasets.mnist import to_categorical
from .layers.base import reset_name_counters

__all__ = ["to_categorical", "set_seed", "clear_session", "holdout_split", "kfold_splits",
           "smooth_curve"]


def set_seed(seed) -> None:
    """Seed every source of randomness pynet uses without an explicit seed (weight
    initializers, Dropout outside ``fit(seed=...)``). Call it before building the model."""
    from . import initializers
    initializers.set_seed(seed)


def clear_session() -> None:
    """Restart automatic layer names at ``dense_1`` etc. (Keras's ``K.clear_session()``)."""
    reset_name_counters()


def _check_n(x, y, where):
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError(f"{where}: x needs a sample axis, got a scalar")
    if y is not None and len(y) != len(x):
        raise ValueError(f"{where}: x has {len(x)} samples but y has {len(y)}")
    return x


def holdout_split(x, y=None, *, validation_fraction=0.2, shuffle=True, seed=None):
    """Hold out a validation set (Chollet 4.2.1, "simple hold-out validation").

    Returns ``(x_train, x_val)`` or, with ``y``, ``(x_train, y_train), (x_val, y_val)``. With
    ``shuffle`` the samples are permuted first (seeded); otherwise the *last* fraction is held
    out, like ``fit(validation_split=...)``.
    """
    where = "holdout_split()"
    x = _check_n(x, y, where)
    if not 0.0 < float(validation_fraction) < 1.0:
        raise ValueError(f"{where}: validation_fraction must be in (0, 1), got {validation_fraction!r}")
    n = len(x)
    n_val = int(round(n * validation_fraction))
    if n_val == 0 or n_val == n:
        raise ValueError(f"{where}: {validation_fraction} of {n} samples leaves an empty part")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    tr, va = order[: n - n_val], order[n - n_val:]
    if y is None:
        return x[tr], x[va]
    y = np.asarray(y)
    return (x[tr], y[tr]), (x[va], y[va])


def kfold_splits(n_samples, k=4, *, shuffle=False, seed=None):
    """Index pairs ``(train_idx, val_idx)`` for K-fold validation (Chollet 4.2.1, 3.6.4).

    Fold ``i`` validates on the i-th of ``k`` nearly equal consecutive blocks (of the shuffled
    order when ``shuffle``) and trains on the rest; every sample is validated exactly once.
    """
    where = "kfold_splits()"
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(f"{where}: k must be an int >= 2, got {k!r}")
    n = int(n_samples)
    if n < k:
        raise ValueError(f"{where}: {n} samples cannot make {k} folds")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    bounds = np.linspace(0, n, k + 1).round().astype(int)
    return [(np.concatenate([order[: bounds[i]], order[bounds[i + 1]:]]), order[bounds[i]: bounds[i + 1]])
            for i in range(k)]


def smooth_curve(points, factor=0.9):
    """Exponential moving average (Chollet 3.6.4 / 5.2): each point becomes
    ``previous · factor + point · (1 − factor)``; the first point is kept."""
    if not 0.0 <= float(factor) < 1.0:
        raise ValueError(f"smooth_curve(): factor must be in [0, 1), got {factor!r}")
    out = []
    for p in points:
        out.append(out[-1] * factor + float(p) * (1 - factor) if out else float(p))
    return out
