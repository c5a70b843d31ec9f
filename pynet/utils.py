"""Small helpers for the Keras-like API: labels, seeds, data splits, K-fold runs, smoothed curves.

``to_categorical`` is the one in :mod:`pynet.datasets.mnist` (re-exported, not duplicated).

Evaluation protocols (Chollet §4.2.1): :func:`holdout_split` for plenty of data;
:func:`kfold_splits` and :func:`cross_validate` for little (Boston housing's 404 rows, §3.6);
:func:`iterated_kfold_splits` (``repeats`` > 1 in :func:`cross_validate`) for very little, which
trains P × K models. :class:`CrossValidation` keeps every fold's per-epoch history, so the
validation curves can be averaged across folds (:meth:`CrossValidation.average_curve`) and smoothed
(:func:`smooth_curve`) as in figure 3.12.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .datasets.mnist import to_categorical
from .layers.base import reset_name_counters
from pynet import _validate as validate

__all__ = ["to_categorical", "set_seed", "clear_session", "holdout_split", "kfold_splits",
           "iterated_kfold_splits", "cross_validate", "CrossValidation", "Fold", "smooth_curve"]


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
    n = _check_k(n_samples, k, where)
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    return _folds(order, k)


def _check_k(n_samples, k, where) -> int:
    n_samples = validate.nonnegative_int(where, "n_samples", n_samples)
    k = validate.integer(where, "k", k, low=2,
                         hint=" (one fold validates, the others train)")
    n = n_samples
    if k > n:
        raise ValueError(f"{where}: k must be <= the number of samples; {n} samples cannot make "
                         f"{k} folds (each fold needs at least one sample)")
    return n


def _folds(order, k):
    bounds = np.linspace(0, len(order), k + 1).round().astype(int)
    return [(np.concatenate([order[: bounds[i]], order[bounds[i + 1]:]]), order[bounds[i]: bounds[i + 1]])
            for i in range(k)]


def iterated_kfold_splits(n_samples, k=4, repeats=3, *, seed=None):
    """Iterated K-fold with shuffling (Chollet 4.2.1): ``repeats`` lists of ``k`` index pairs.

    Each repetition shuffles the samples afresh (one seeded generator for all of them) before
    cutting the K folds, so a model is trained and evaluated ``repeats × k`` times and each sample
    is validated once per repetition.
    """
    where = "iterated_kfold_splits()"
    n = _check_k(n_samples, k, where)
    repeats = validate.positive_int(where, "repeats", repeats)
    rng = np.random.default_rng(seed)
    return [_folds(rng.permutation(n), k) for _ in range(repeats)]


@dataclass
class Fold:
    """One trained-and-evaluated model of a K-fold run."""

    repeat: int               # which repetition of iterated K-fold (0 for plain K-fold)
    index: int                # which fold validated: 0 .. k-1
    train_idx: np.ndarray
    val_idx: np.ndarray
    history: dict             # per-epoch lists, as ``History.history`` ('loss', 'val_mae', ...)
    scores: dict              # evaluate() on the validation fold after training: name -> value
    seed: int | None = None


@dataclass
class CrossValidation:
    """The folds of :func:`cross_validate`, with the averages the books take of them."""

    folds: list = field(default_factory=list)
    k: int = 0
    repeats: int = 1

    def scores(self, name: str) -> np.ndarray:
        """One value per fold (in run order) of the final validation score ``name``."""
        try:
            return np.array([f.scores[name] for f in self.folds], dtype=np.float64)
        except KeyError:
            known = list(self.folds[0].scores) if self.folds else []
            raise KeyError(f"no score {name!r}; the folds have {known}") from None

    def mean(self, name: str) -> float:
        """The K-fold estimate: the average of the folds' scores."""
        return float(self.scores(name).mean())

    def curves(self, key: str) -> np.ndarray:
        """Per-fold curves ``(folds, epochs)`` of the history entry ``key`` (e.g. ``'val_mae'``)."""
        if not self.folds:
            raise ValueError("curves(): no folds")
        missing = [i for i, f in enumerate(self.folds) if key not in f.history]
        if missing:
            raise KeyError(f"no history entry {key!r}; the folds have {list(self.folds[0].history)}")
        lengths = {len(f.history[key]) for f in self.folds}
        if len(lengths) != 1:
            raise ValueError(f"curves(): the folds ran different numbers of epochs {sorted(lengths)}")
        return np.array([f.history[key] for f in self.folds], dtype=np.float64)

    def average_curve(self, key: str) -> np.ndarray:
        """The mean over folds of each epoch's ``key`` (Chollet's ``average_mae_history``)."""
        return self.curves(key).mean(axis=0)


def cross_validate(build_model, x, y, k=4, *, repeats=1, shuffle=None, epochs=1, batch_size=None,
                   seed=None, prepare=None, validation_each_epoch=True, verbose=0):
    """K-fold validation of a model (Chollet listing 3.27; with ``repeats`` > 1, iterated K-fold).

    For each fold a *new* model from ``build_model()`` is trained on the other folds for
    ``epochs`` and evaluated on this one. Everything is kept: the per-epoch history (with the
    validation fold's loss and metrics each epoch when ``validation_each_epoch``) and the final
    scores, so both the book's per-fold scores and its averaged curves can be computed.

    Parameters
    ----------
    build_model : callable returning a compiled model (``fit``/``evaluate`` as in Keras)
    x, y : arrays with the same number of samples
    k : int, 2 <= k <= n
    repeats : int >= 1
        Repetitions of K-fold, each on a fresh shuffle (``repeats × k`` models in all).
    shuffle : bool, optional
        Shuffle the samples before cutting the folds. Default: False for one repetition (the
        book's listing cuts the already shuffled data in order), True for several (iterated
        K-fold *with shuffling*; without it every repetition would see the same folds).
    epochs, batch_size : passed to ``fit``
    seed : int, optional
        Seeds the shuffles and, per fold, the weight initialisation (``set_seed``) and ``fit``'s
        shuffling and dropout, so a run can be repeated exactly.
    prepare : callable, optional
        ``prepare(x_train, x_val) -> (x_train, x_val)`` applied per fold, e.g. normalisation with
        the training part's statistics only.
    verbose : passed to ``fit``

    Returns
    -------
    CrossValidation
    """
    where = "cross_validate()"
    if not callable(build_model) or hasattr(build_model, "fit"):
        raise TypeError(f"{where}: build_model must be a callable returning a new compiled model "
                        f"(each fold trains its own), got {type(build_model).__name__}")
    x = _check_n(x, y, where)
    y = np.asarray(y)
    n = _check_k(len(x), k, where)
    repeats = validate.positive_int(where, "repeats", repeats)
    if shuffle is None:
        shuffle = repeats > 1
    seeds = np.random.SeedSequence(seed) if seed is not None else None
    if repeats == 1:
        splits = [kfold_splits(n, k, shuffle=shuffle,
                               seed=None if seeds is None else seeds.spawn(1)[0])]
    elif shuffle:
        splits = iterated_kfold_splits(n, k, repeats,
                                       seed=None if seeds is None else seeds.spawn(1)[0])
    else:
        splits = [kfold_splits(n, k)] * repeats
    result = CrossValidation(k=int(k), repeats=int(repeats))
    for r, folds in enumerate(splits):
        for i, (tr, va) in enumerate(folds):
            fold_seed = None
            if seeds is not None:
                fold_seed = int(seeds.spawn(1)[0].generate_state(1)[0])
                set_seed(fold_seed)
            x_tr, x_va = x[tr], x[va]
            if prepare is not None:
                x_tr, x_va = prepare(x_tr, x_va)
            model = build_model()
            history = model.fit(x_tr, y[tr], epochs=epochs, batch_size=batch_size, verbose=verbose,
                                validation_data=(x_va, y[va]) if validation_each_epoch else None,
                                seed=fold_seed)
            values = model.evaluate(x_va, y[va], verbose=0)
            values = values if isinstance(values, list) else [values]
            names = list(model.metrics_names)
            scores = {name: float(v) for name, v in zip(names, values)}
            result.folds.append(Fold(r, i, tr, va, {key: list(v) for key, v in
                                                    history.history.items()}, scores, fold_seed))
    return result


def smooth_curve(points, factor=0.9):
    """Exponential moving average (Chollet 3.6.4 / 5.2): each point becomes
    ``previous · factor + point · (1 − factor)``; the first point is kept."""
    if not 0.0 <= float(factor) < 1.0:
        raise ValueError(f"smooth_curve(): factor must be in [0, 1), got {factor!r}")
    out = []
    for p in points:
        out.append(out[-1] * factor + float(p) * (1 - factor) if out else float(p))
    return out
