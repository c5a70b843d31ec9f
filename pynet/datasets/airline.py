"""International airline passengers, 1949–1960: the lecture notes' LSTM forecasting data (C23).

144 monthly totals in thousands of passengers (Box & Jenkins' Series G), embedded in the
package (``data/airline-passengers.csv``; see ``data/ATTRIBUTION.md``), so the lesson runs
offline. :func:`windows` is the lecture's ``create_dataset``: it turns the series into
``(X, y)`` pairs "the last ``look_back`` months → the next month".
"""
from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

import numpy as np
from pynet import _validate as validate

__all__ = ["load", "windows", "N_MONTHS"]

#: Number of months in the series (January 1949 .. December 1960).
N_MONTHS = 144
#: Largest file :func:`load` reads (the real one is 2 kB).
MAX_BYTES = 1 << 20


def _parse(text: str, source: str):
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != ["Month", "Passengers"]:
        raise ValueError(f"{source}: expected the header 'Month,Passengers', got {rows[:1]}")
    months, values = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 2:
            raise ValueError(f"{source}, line {line}: expected 'YYYY-MM,count', got {row}")
        try:
            value = float(row[1])
        except ValueError:
            raise ValueError(f"{source}, line {line}: passenger count {row[1]!r} is not a "
                             "number") from None
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{source}, line {line}: passenger count must be a non-negative "
                             f"number, got {row[1]!r}")
        months.append(row[0].strip())
        values.append(value)
    return months, np.asarray(values, dtype=np.float32)


def load(path=None):
    """``(months, passengers)``: a list of ``'YYYY-MM'`` strings and a float32 array.

    Without ``path`` the embedded copy is read; with one, any CSV with the header
    ``Month,Passengers`` (e.g. ``$PYNET_SHARED_DATA/airline/airline-passengers.csv``).
    """
    if path is None:
        text = resources.files("pynet.datasets").joinpath("data", "airline-passengers.csv") \
            .read_text(encoding="utf-8")
        return _parse(text, "embedded airline-passengers.csv")
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"{path}: {size} bytes is too large for the airline series "
                         f"(limit {MAX_BYTES})")
    return _parse(path.read_text(encoding="utf-8"), str(path))


def windows(series, look_back=1, *, lecture_off_by_one=True):
    """``X[i] = series[i : i + look_back]``, ``y[i] = series[i + look_back]``.

    The lecture's ``create_dataset`` loops ``range(len(series) − look_back − 1)``, which drops
    the last possible pair; ``lecture_off_by_one=True`` (default) keeps that, so the number of
    training and test pairs (and the plot offsets) match the lecture; ``False`` keeps every pair.

    Returns ``X (n, look_back)`` and ``y (n,)``.
    """
    s = np.asarray(series).reshape(-1)
    look_back = validate.positive_int("windows()", "look_back", look_back)
    n = len(s) - look_back - (1 if lecture_off_by_one else 0)
    if n < 1:
        raise ValueError(f"windows(): a series of {len(s)} values has no window of "
                         f"look_back={look_back}")
    X = np.stack([s[i:i + look_back] for i in range(n)])
    return X, s[look_back:look_back + n].copy()
