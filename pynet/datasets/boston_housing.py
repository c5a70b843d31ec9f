"""Boston housing (Harrison & Rubinfeld, 1978): 506 suburbs, 13 features, the median house price.

The regression data of Chollet §3.6. ``load_data()`` returns exactly Keras's
``keras.datasets.boston_housing.load_data()`` split: the 506 rows, in the original StatLib order,
are shuffled with ``np.random.RandomState(seed).shuffle`` (seed 113) and the first
``int(506 · (1 − test_split))`` = 404 rows are the training set, the other 102 the test set::

    >>> (x_train, y_train), (x_test, y_test) = load_data()
    >>> x_train.shape, x_test.shape
    ((404, 13), (102, 13))
    >>> y_train[:3]
    array([15.2, 42.3, 50. ])

The data ship inside pynet (``pynet/datasets/data/boston_housing.csv``, the MASS ``Boston`` table
as R writes it: a header, a row-number column, the 13 features, then ``medv``), so it works offline.

The 13 features have very different scales (a tax rate in the hundreds, a 0/1 river flag, a
proportion below 1), so the network needs them normalised — with the *training* data's mean and
standard deviation only (:func:`normalize`); statistics taken from the test data would leak it
into the model.

A note the Keras documentation also makes: the feature ``black`` (``B`` in the original paper)
encodes an assumption about race and house prices; the data are kept here as the books' worked
example, not as a model of anything.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from pynet import _validate as validate

__all__ = ["load_data", "read_csv", "normalize", "FEATURES", "TARGET", "BostonCSVError"]

#: The 13 feature columns, in the order of Keras's arrays.
FEATURES = ("crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax", "ptratio",
            "black", "lstat")
#: The target column: median value of owner-occupied homes, in $1000s.
TARGET = "medv"
#: The embedded file.
EMBEDDED = Path(__file__).resolve().parent / "data" / "boston_housing.csv"
#: Files larger than this are refused before reading (the real one is 37 kB).
MAX_BYTES = 16 * 1024 * 1024


class BostonCSVError(ValueError):
    """A Boston CSV file is malformed; the message names the file, line and column."""


def _fields(line: str) -> list:
    """Split a CSV line on commas and drop the quotes R puts around names."""
    return [f.strip().strip('"').strip() for f in line.rstrip("\r\n").split(",")]


def read_csv(path) -> tuple:
    """Read a Boston housing CSV: ``(x, y)`` as float64 arrays ``(n, 13)`` and ``(n,)``.

    The first line is a header naming the columns; the 13 :data:`FEATURES` and :data:`TARGET` are
    found by name (in any order, any case), and other columns — such as R's unnamed row-number
    column — are ignored. Every line is checked: a missing column, a row with too few or too many
    fields, or a cell that is not a finite number raises :class:`BostonCSVError` naming the line
    (counted from 1, as an editor shows it) and the column.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileNotFoundError(f"boston_housing.read_csv(): cannot read {path}: {exc}") from None
    if size > MAX_BYTES:
        raise BostonCSVError(f"{path}: {size} bytes is far more than a Boston housing table "
                             f"(the real one is 37 kB); refusing files over {MAX_BYTES} bytes")
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    if not lines:
        raise BostonCSVError(f"{path}: the file is empty; expected a header line naming the "
                             f"columns {', '.join(FEATURES + (TARGET,))}")
    header = [name.lower() for name in _fields(lines[0])]
    wanted = FEATURES + (TARGET,)
    missing = [name for name in wanted if name not in header]
    if missing:
        raise BostonCSVError(
            f"{path}, line 1 (header): column(s) {', '.join(repr(m) for m in missing)} missing; "
            f"expected all of {', '.join(wanted)}, found {', '.join(repr(h) for h in header)}")
    twice = sorted({name for name in wanted if header.count(name) > 1})
    if twice:
        raise BostonCSVError(f"{path}, line 1 (header): column(s) {', '.join(twice)} appear twice")
    where = [header.index(name) for name in wanted]
    rows = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            if all(not rest.strip() for rest in lines[lineno - 1:]):
                break          # trailing blank lines at the end of the file are harmless
            raise BostonCSVError(f"{path}, line {lineno}: blank line inside the table")
        fields = _fields(line)
        if len(fields) != len(header):
            short = len(fields) < len(header)
            lost = f"; column {header[len(fields)]!r} and after are missing" if short else ""
            raise BostonCSVError(f"{path}, line {lineno}: {len(fields)} fields, the header has "
                                 f"{len(header)}{lost}")
        row = []
        for name, col in zip(wanted, where):
            text = fields[col]
            try:
                value = float(text)
            except ValueError:
                value = None
            if value is None or not np.isfinite(value):
                raise BostonCSVError(f"{path}, line {lineno}, column {name!r} (field {col + 1}): "
                                     f"{text!r} is not a finite number")
            row.append(value)
        rows.append(row)
    if not rows:
        raise BostonCSVError(f"{path}: a header but no rows")
    table = np.array(rows, dtype=np.float64)
    return table[:, :-1], table[:, -1]


def load_data(path=None, test_split=0.2, seed=113) -> tuple:
    """Keras's split of the Boston housing data: ``(x_train, y_train), (x_test, y_test)``.

    Parameters
    ----------
    path : str or Path, optional
        A CSV in the format of :func:`read_csv`; by default the embedded copy (506 rows).
    test_split : float in (0, 1)
        Fraction held out as test data; the training set is the first
        ``int(n · (1 − test_split))`` rows after shuffling, as in Keras.
    seed : int
        Seed of the ``np.random.RandomState`` that shuffles the row order (Keras: 113).

    Returns
    -------
    tuple of float64 arrays
        ``x`` of shape ``(n, 13)`` (features in :data:`FEATURES` order), ``y`` of shape ``(n,)``
        (price in $1000s). With the defaults: 404 training and 102 test rows, training targets
        beginning 15.2, 42.3, 50.0.
    """
    where = "boston_housing.load_data()"
    test_split = validate.real(where, "test_split", test_split, low=0.0, high=1.0, low_open=True,
                               high_open=True, hint=" (the fraction of rows held out for testing)")
    seed = validate.integer(where, "seed", seed, low=0, high=2**32 - 1)
    x, y = read_csv(EMBEDDED if path is None else os.fspath(path))
    n = len(x)
    n_train = int(n * (1 - float(test_split)))
    if n_train == 0 or n_train == n:
        raise ValueError(f"{where}: test_split={test_split} of {n} rows leaves {n_train} for "
                         f"training and {n - n_train} for testing; both must be non-empty")
    order = np.arange(n)
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def normalize(train, *others):
    """Feature-wise standardisation with the *training* data's statistics (Chollet's listing 3.25).

    Each column of ``train`` gets mean 0 and standard deviation 1; ``others`` (validation or test
    data) are shifted and scaled by the same training mean and std — never their own — so nothing
    about them leaks into the model. Returns the normalised ``train`` followed by each of
    ``others`` (new arrays; the inputs are unchanged). A column that is constant in ``train`` is
    refused (dividing by its zero std would give infinities).
    """
    train = np.asarray(train, dtype=np.float64)
    if train.ndim != 2 or train.shape[0] < 2:
        raise ValueError(f"normalize(): train must be (samples, features) with at least 2 "
                         f"samples, got shape {train.shape}")
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    if np.any(std == 0):
        cols = np.flatnonzero(std == 0).tolist()
        raise ValueError(f"normalize(): column(s) {cols} are constant in the training data "
                         "(std 0); drop them or scale them another way")
    out = [(train - mean) / std]
    for i, other in enumerate(others):
        other = np.asarray(other, dtype=np.float64)
        if other.ndim != 2 or other.shape[1] != train.shape[1]:
            raise ValueError(f"normalize(): argument {i + 2} must be (samples, {train.shape[1]}) "
                             f"like train, got shape {other.shape}")
        out.append((other - mean) / std)
    return out[0] if not others else tuple(out)
