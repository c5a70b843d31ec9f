"""Rashid's CSV format for MNIST (*Make Your Own Neural Network*): read and write.

One record per line, no header, comma-separated integers: the label first, then the 784 pixel
values 0..255 of the 28x28 image, row by row::

    5,0,0,0, ... ,0        <- label 5, then 784 pixels

The book reads such files with ``record.split(',')`` and no checks, so a truncated download or a
stray blank line only shows up later as ``ValueError: shapes (200,784) and (342,1) not aligned``.
Here every line is checked and a bad one is reported with its line number (counted from 1, as an
editor shows it): a blank line, too few or too many values, a value that is not an integer, a
pixel outside 0..255 or a label outside 0..n_classes-1.

:func:`read_csv` returns the arrays :func:`pynet.datasets.mnist.load` returns (uint8 images
``(N, 28, 28)`` and uint8 labels ``(N,)``), so the books' encoders apply unchanged:
``mnist.rashid_inputs(images)`` gives exactly the book's ``asfarray(all_values[1:]) / 255.0 * 0.99
+ 0.01`` rows.
"""
from __future__ import annotations

import io
import os

import numpy as np

from ..persistence import atomic_write

__all__ = ["read_csv", "write_csv", "CSVFormatError", "PIXELS"]

#: Pixels per record (28 x 28); a record has 1 + PIXELS values.
PIXELS = 784
_VALUES = 1 + PIXELS


class CSVFormatError(ValueError):
    """A line of a CSV file is not a valid record; the message names the file and line."""


def _show(text: str, limit: int = 24) -> str:
    """``repr`` of a field, shortened: a runaway field of a million characters stays one line."""
    text = text.strip()
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def _problem(lineno: int, line: str, n_classes: int | None) -> str | None:
    """What is wrong with one line, or None if it is a valid record."""
    if not line.strip():
        return f"line {lineno} is blank; every line must be a record (remove the blank line)"
    fields = line.split(",")
    if len(fields) != _VALUES:
        hint = ("is the row truncated?" if len(fields) < _VALUES
                else "are two rows joined, or is there a header or a trailing comma?")
        if len(fields) == 1:
            hint = "is the separator a comma?"
        return (f"line {lineno}: expected {_VALUES} values (label + {PIXELS} pixels), got "
                f"{len(fields)} — {hint}")
    for col, text in enumerate(fields):
        try:
            value = int(text)
        except ValueError:
            what = "the label" if col == 0 else f"pixel {col}"
            hint = " (a header line? Rashid's format has none)" if lineno == 1 else ""
            return f"line {lineno}: {what} is {_show(text)}, not an integer{hint}"
        if col == 0:
            if value < 0 or (n_classes is not None and value >= n_classes):
                top = n_classes - 1 if n_classes is not None else 255
                return f"line {lineno}: label {value} is outside 0..{top}"
        elif not 0 <= value <= 255:
            return f"line {lineno}: pixel {col} is {value}, outside 0..255"
    return None


def read_csv(path, *, flat: bool = False, n_classes: int | None = 10):
    """Read a file of Rashid's CSV records.

    Parameters
    ----------
    path : str or os.PathLike
        A text file, e.g. ``mnist_train_100.csv`` (UTF-8 or ASCII, with or without the byte-order
        mark Excel writes; ``\\r\\n`` line ends and blank lines at the very end are fine).
    flat : bool
        Return images as ``(N, 784)`` rows (the book's layout) instead of ``(N, 28, 28)``.
    n_classes : int or None
        Labels must lie in ``0..n_classes-1`` (10 for digits); None accepts any 0..255.

    Returns
    -------
    images : numpy.ndarray
        uint8 ``(N, 28, 28)`` (or ``(N, 784)`` when ``flat``), 0 = background, 255 = full ink.
    labels : numpy.ndarray
        uint8 ``(N,)``.

    Raises
    ------
    FileNotFoundError
        No such file.
    CSVFormatError
        The first bad line, with its number and what is wrong with it.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"no such CSV file: {path!r}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CSVFormatError(f"{path!r} is not a text file ({exc})") from None
    lines = text.split("\n")
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()  # the last newline, and blank lines an editor leaves at the end, end the data
    if not lines:
        raise CSVFormatError(f"{path!r} is empty: no records")

    # Cheap structural checks first, so the error names the line; the values are then parsed
    # in C by numpy.loadtxt (about 100x faster than int() per value on the full 60,000 rows).
    for lineno, line in enumerate(lines, start=1):
        if not line.strip() or line.count(",") != _VALUES - 1:
            raise CSVFormatError(f"{path!r}: " + _problem(lineno, line, n_classes))
    # Parsed as floats and checked for whole numbers here: NumPy 1.x's loadtxt(dtype=int)
    # silently truncates "3.5" to 3 (NumPy 2 raises), so integer parsing cannot be trusted.
    try:
        values = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", dtype=np.float64,
                            comments=None, ndmin=2)
    except ValueError:
        values = None
    if values is not None:
        not_whole = (~np.isfinite(values) | (values != np.floor(values))).any(axis=1)
        bad_label = (values[:, 0] < 0) | (values[:, 0] >= (n_classes or 256))
        bad_pixel = ((values[:, 1:] < 0) | (values[:, 1:] > 255)).any(axis=1)
        bad = np.flatnonzero(not_whole | bad_label | bad_pixel)
    if values is None or bad.size:
        # find and describe the first bad line the slow, exact way
        start = 0 if values is None else int(bad[0])
        for lineno in range(start + 1, len(lines) + 1):
            message = _problem(lineno, lines[lineno - 1], n_classes)
            if message:
                raise CSVFormatError(f"{path!r}: {message}")
        raise CSVFormatError(f"{path!r}: could not parse the values")  # pragma: no cover
    images = values[:, 1:].astype(np.uint8)
    labels = values[:, 0].astype(np.uint8)
    return (images if flat else images.reshape(-1, 28, 28)), labels


def write_csv(path, images, labels) -> None:
    """Write images and labels as Rashid's CSV records, atomically.

    Parameters
    ----------
    path : str or os.PathLike
    images : array_like
        Integers 0..255, shape ``(N, 28, 28)`` or ``(N, 784)``.
    labels : array_like
        Integers 0..255, shape ``(N,)``.
    """
    x = np.asarray(images)
    y = np.asarray(labels)
    if x.ndim not in (2, 3) or x.shape[0] == 0 or x[0].size != PIXELS:
        raise ValueError(
            f"write_csv(): images must have shape (N, 28, 28) or (N, 784) with N >= 1, "
            f"got {x.shape}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"write_csv(): labels must have shape ({x.shape[0]},), got {y.shape}")
    for name, a in (("images", x), ("labels", y)):
        if a.dtype.kind not in "ui" and not (a.dtype.kind == "f" and np.all(np.mod(a, 1) == 0)):
            raise TypeError(f"write_csv(): {name} must be integers 0..255, got dtype {a.dtype}")
        if a.min() < 0 or a.max() > 255:
            raise ValueError(
                f"write_csv(): {name} must lie in 0..255, got {a.min():g}..{a.max():g}")
    table = np.column_stack([y.astype(np.int64), x.reshape(x.shape[0], -1).astype(np.int64)])
    buf = io.StringIO()
    np.savetxt(buf, table, fmt="%d", delimiter=",")
    atomic_write(path, buf.getvalue().encode("ascii"))
