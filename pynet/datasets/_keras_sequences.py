"""Keras's ``imdb``/``reuters`` conventions for integer sequences, written once for every loader.

Words are given as frequency ranks (1 = most frequent). Each text becomes
``[start_char] + [rank + index_from ...]``; texts of ``maxlen`` words or more are dropped (Keras
keeps ``len < maxlen``); values outside ``[skip_top, num_words)`` become ``oov_char`` (or are
dropped when ``oov_char`` is None). Results are 1-D object arrays of lists, as Keras returns.
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate


def check_conventions(where, num_words, skip_top, maxlen, seed, start_char, oov_char, index_from):
    """Keras's numbering arguments, checked before anything is read (``where``: the loader)."""
    where = f"{where}()"
    validate.positive_int(where, "num_words", num_words, allow_none=True)
    validate.nonnegative_int(where, "skip_top", skip_top)
    validate.positive_int(where, "maxlen", maxlen, allow_none=True)
    validate.nonnegative_int(where, "seed", seed)
    validate.nonnegative_int(where, "index_from", index_from)
    validate.nonnegative_int(where, "start_char", start_char, allow_none=True)
    validate.nonnegative_int(where, "oov_char", oov_char, allow_none=True)


def shift_and_mark(xs, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w + index_from for w in x] for x in xs]


def drop_long(xs, labels, maxlen, where):
    if not maxlen:
        return xs, labels
    keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
    if not keep:
        raise ValueError(f"{where}(maxlen={maxlen}): every text is that long or longer; nothing "
                         "is left")
    return [xs[i] for i in keep], labels[keep]


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    if not num_words:
        # Keras's rule, kept as is: the largest value itself then falls outside [.., num_words)
        num_words = max((max(x) for x in xs if x), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(lists) -> np.ndarray:
    """A 1-D object array of lists (``np.array`` would make equal-length lists a 2-D array)."""
    out = np.empty(len(lists), dtype=object)
    for i, x in enumerate(lists):
        out[i] = x
    return out
