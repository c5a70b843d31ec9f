"""The BSD fortune-mod quotations as a labelled text dataset: the offline stand-in for IMDB and Reuters.

Chollet's chapter 3 classifies movie reviews (IMDB, two classes) and newswires (Reuters, 46
topics); neither can be downloaded here. fortune-mod ships about 15,000 short English texts filed
under categories ("computers", "politics", "science", ...), one file per category, each entry
ended by a line holding only ``%``. This module turns them into the same integer sequences Keras's
``imdb.load_data`` and ``reuters.load_data`` return, so the book's programs run unchanged::

    (x_train, y_train), (x_test, y_test) = fortunes.load_data("two_class", num_words=10000)
    x_train[0]      # [1, 14, 22, ...]: start_char 1, then word rank + index_from (3)

Tasks
-----
``"two_class"`` (the IMDB stand-in)
    "computers" (label 0) against "politics" (label 1); the larger is sampled down (seeded) to
    the size of the smaller, so the task is balanced (703 + 703 texts in the full set). It is a
    topic task, not sentiment, and the texts are shorter than reviews: expect lower accuracy
    than the book's 88%.
``"topics"`` (the Reuters stand-in)
    The :data:`TOPICS` (39 categories with at least 50 entries each), label = position in
    that list, unbalanced as Reuters is (from 52 to 1,251 texts per category in the full set).
``categories=[...]``
    Any categories you name, labels in the order given.

Conventions (Keras's)
---------------------
:func:`get_word_index` maps each word to its frequency rank over the whole corpus found (1 = most
frequent; ties in order of first appearance), computed by :class:`pynet.text.Tokenizer` with its
default filters. In the sequences a word of rank ``r`` is ``r + index_from``; ``0`` is padding,
``start_char`` (1) starts every text and ``oov_char`` (2) replaces words whose value is not in
``[skip_top, num_words)``. ``maxlen`` drops texts of ``maxlen`` words or more (Keras keeps only
``len < maxlen``). The pool is shuffled with ``np.random.RandomState(seed)`` and the last
``test_split`` of it is the test set, as in ``reuters.load_data``.

Where the files come from (first found wins)
--------------------------------------------
1. ``path=`` (a folder of fortune files; if it lacks a requested category, that is an error);
2. ``$PYNET_DATA/fortunes``, ``$PYNET_DATA/text/fortunes``, ``$PYNET_SHARED_DATA/text/fortunes``;
3. Debian's ``/usr/share/games/fortunes`` (``apt-get install fortunes``);
4. the subset embedded in pynet (``data/fortunes``, gzip-compressed, see its ATTRIBUTION.md):
   300 texts each of "computers" and "politics" and up to 60 of every other topic — enough
   for the quick lessons; the full set gives better numbers.

A place lacking a requested category is skipped (with a warning). Files are read with a size
limit (:data:`MAX_FILE_BYTES`), whatever they claim.
"""
from __future__ import annotations

import gzip
import os
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from pynet import _validate as validate

from . import _keras_sequences as ks
from ._locate import env_places

__all__ = [
    "load_data", "load_texts", "get_word_index", "read_fortune_file", "categories_in", "where",
    "places", "TWO_CLASS", "TOPICS", "EMBEDDED_DIR", "MAX_FILE_BYTES", "FortunesNotFound",
]

EMBEDDED_DIR = Path(__file__).parent / "data" / "fortunes"
DEBIAN_DIR = Path("/usr/share/games/fortunes")

#: The two-class task: label 0, label 1.
TWO_CLASS = ("computers", "politics")

#: The many-class task: every category of fortune-mod (+ fortunes-min) with at least 50 entries.
TOPICS = (
    "art", "computers", "cookie", "debian", "definitions", "disclaimer", "drugs", "education",
    "ethnic", "food", "fortunes", "goedel", "humorists", "kids", "knghtbrd", "law", "linux",
    "linuxcookie", "literature", "love", "medicine", "men-women", "miscellaneous", "news",
    "paradoxum", "people", "perl", "pets", "platitudes", "politics", "riddles", "science",
    "songs-poems", "sports", "startrek", "tao", "wisdom", "work", "zippy",
)

TASKS = {"two_class": TWO_CLASS, "topics": TOPICS}

#: No fortune file is near this (the largest, "cookie", has 245 kB); a bigger one is refused.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Files in a fortune folder that are not categories (Debian adds ``.dat`` indexes and ``.u8`` links).
_NOT_CATEGORIES = {"COPYRIGHT", "ATTRIBUTION.md", "README", "LICENSE"}


class FortunesNotFound(FileNotFoundError):
    """No folder with the requested fortune categories was found."""


# ----------------------------------------------------------------------------------------------
# Reading one file
# ----------------------------------------------------------------------------------------------

def read_fortune_file(path) -> list:
    """The entries of one fortune file (plain or ``.gz``): texts between lines holding only ``%``.

    Trailing whitespace of each entry is removed; empty entries are dropped. Bytes that are not
    UTF-8 are replaced (U+FFFD) rather than failing. A file (decompressed) larger than
    :data:`MAX_FILE_BYTES` raises ``ValueError`` naming it.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise ValueError(f"{os.fspath(path)!r}: cannot be read as a fortune file ({exc}); "
                         "a truncated .gz?") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"{os.fspath(path)!r} holds more than {MAX_FILE_BYTES} bytes; no fortune "
                         "file is that large, so it is not one")
    if b"\x00" in raw:
        raise ValueError(f"{os.fspath(path)!r} holds NUL bytes: it is binary (a .dat index?), "
                         "not a fortune file")
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    entries, current = [], []
    for line in text.split("\n"):
        if line == "%":
            entries.append("\n".join(current))
            current = []
        else:
            current.append(line)
    entries.append("\n".join(current))
    return [e.rstrip() for e in entries if e.strip()]


def _category_file(directory: Path, name: str):
    for candidate in (directory / name, directory / (name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def categories_in(directory) -> list:
    """The category names found in a folder (files without an extension, or ``name.gz``)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    names = set()
    for p in directory.iterdir():
        if not p.is_file() or p.name in _NOT_CATEGORIES or p.name.startswith("."):
            continue
        name = p.name[:-3] if p.name.endswith(".gz") else p.name
        if "." not in name:  # skips .dat, .u8, .md, ...
            names.add(name)
    return sorted(names)


# ----------------------------------------------------------------------------------------------
# Finding a folder
# ----------------------------------------------------------------------------------------------

def places(path=None) -> list:
    """``(directory, why)`` pairs searched in order (see the module docstring)."""
    out = env_places(path, ("fortunes", "text/fortunes"), "text/fortunes")
    if path is not None:
        return out
    out.append((DEBIAN_DIR, "Debian's fortunes package"))
    out.append((EMBEDDED_DIR, "embedded in pynet: a subset"))
    return out


def where(categories=TWO_CLASS, path=None) -> Path:
    """The folder :func:`load_data` would read for ``categories``."""
    categories = list(categories)
    looked = []
    for directory, why in places(path):
        if not directory.is_dir():
            if path is not None:
                raise FortunesNotFound(f"fortunes: path={os.fspath(path)!r} is not a folder")
            looked.append(f"  {directory} ({why}): not there")
            continue
        missing = [c for c in categories if _category_file(directory, c) is None]
        if not missing:
            return directory
        if path is not None:
            raise FortunesNotFound(
                f"fortunes: path={os.fspath(path)!r} lacks the categories {missing}; it has "
                f"{categories_in(directory) or 'no fortune files'}")
        have = categories_in(directory)
        if have:
            warnings.warn(f"fortunes: skipping {directory} ({why}): it lacks {missing}",
                          stacklevel=3)
        looked.append(f"  {directory} ({why}): lacks {missing}")
    raise FortunesNotFound(
        "fortunes: no folder holds the categories " + ", ".join(categories) + ". Looked in:\n"
        + "\n".join(looked) + "\nInstall Debian's `fortunes` package, or set PYNET_DATA to a "
        "folder with a fortunes/ subfolder of fortune files.")


# ----------------------------------------------------------------------------------------------
# Texts, word index, integer sequences
# ----------------------------------------------------------------------------------------------

def _resolve_categories(task, categories) -> tuple:
    if categories is not None:
        if isinstance(categories, str):
            raise TypeError(f"fortunes: categories must be a list of names, got the str "
                            f"{categories!r}; write categories=[{categories!r}]")
        categories = tuple(categories)
        if len(categories) < 2:
            raise ValueError(f"fortunes: categories needs at least two names, got {categories}")
        if len(set(categories)) != len(categories):
            raise ValueError(f"fortunes: categories has repeated names: {categories}")
        for c in categories:
            if not isinstance(c, str) or not c or "/" in c or c.startswith("."):
                raise ValueError(f"fortunes: {c!r} is not a category name")
        return categories
    if task not in TASKS:
        raise ValueError(f"fortunes: task must be one of {sorted(TASKS)} (or give categories=), "
                         f"got {task!r}")
    return TASKS[task]


@lru_cache(maxsize=8)
def _read_folder(directory: str, stamp: tuple) -> dict:
    """Every category of a folder: name -> list of entries (cached while the files are unchanged)."""
    folder = Path(directory)
    return {name: read_fortune_file(_category_file(folder, name)) for name in categories_in(folder)}


def _folder_entries(directory: Path) -> dict:
    folder = Path(directory)
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                  for p in sorted(folder.iterdir()) if p.is_file())
    return _read_folder(os.fspath(folder.resolve()), stamp)


def load_texts(task: str = "two_class", categories=None, path=None, balance=None, seed: int = 113):
    """The raw texts and labels of a task, in file order (not shuffled).

    Parameters
    ----------
    task : "two_class" or "topics"
        Ignored when ``categories`` is given.
    categories : list of str, optional
        Category names; label ``k`` is ``categories[k]``.
    balance : bool, optional
        Sample every category down to the smallest one's size (seeded, order kept). Default: True
        for ``"two_class"``, False otherwise.

    Returns
    -------
    texts : list of str
    labels : ndarray int64
    names : tuple of str (the category of each label)
    """
    names = _resolve_categories(task, categories)
    if balance is None:
        balance = categories is None and task == "two_class"
    entries = _folder_entries(where(names, path))
    per_category = [entries[name] for name in names]
    if balance:
        smallest = min(len(e) for e in per_category)
        rng = np.random.RandomState(seed)
        per_category = [[e[i] for i in np.sort(rng.choice(len(e), smallest, replace=False))]
                        if len(e) > smallest else e for e in per_category]
    texts, labels = [], []
    for label, texts_of_category in enumerate(per_category):
        texts += texts_of_category
        labels += [label] * len(texts_of_category)
    return texts, np.asarray(labels, dtype=np.int64), names


@lru_cache(maxsize=8)
def _word_index_of(directory: str, stamp: tuple) -> dict:
    from ..text import Tokenizer

    entries = _read_folder(directory, stamp)
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts([text for name in sorted(entries) for text in entries[name]])
    return tokenizer.word_index


def _corpus_word_index(directory: Path) -> dict:
    folder = Path(directory)
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                  for p in sorted(folder.iterdir()) if p.is_file())
    return _word_index_of(os.fspath(folder.resolve()), stamp)


def get_word_index(task: str = "two_class", categories=None, path=None) -> dict:
    """Word -> frequency rank (1 = most frequent) over every category of the folder used.

    As with Keras's ``imdb.get_word_index()``, the sequences from :func:`load_data` hold
    ``rank + index_from``: decode with ``reverse[i - 3]`` (see the book's listing 3.5 sidebar).
    """
    names = _resolve_categories(task, categories)
    return dict(_corpus_word_index(where(names, path)))


def load_data(task: str = "two_class", categories=None, path=None, num_words=None,
              skip_top: int = 0, maxlen=None, test_split: float = 0.2, seed: int = 113,
              start_char=1, oov_char=2, index_from: int = 3, balance=None):
    """``(x_train, y_train), (x_test, y_test)`` as Keras's ``reuters.load_data`` gives them.

    ``x_*`` are object arrays of lists of ints, ``y_*`` int64 labels (see the module docstring
    for the tasks and the numbering conventions).
    """
    ks.check_conventions("fortunes.load_data", num_words, skip_top, maxlen, seed, start_char,
                         oov_char, index_from)
    validate.real("fortunes.load_data()", "test_split", test_split, low=0.0, high=1.0,
                  high_open=True)
    texts, labels, names = load_texts(task, categories, path, balance, seed)
    folder = where(names, path)
    word_index = _corpus_word_index(folder)

    from ..text import text_to_word_sequence
    xs = [[word_index[w] for w in text_to_word_sequence(text)] for text in texts]

    rng = np.random.RandomState(seed)
    order = np.arange(len(xs))
    rng.shuffle(order)
    xs = [xs[i] for i in order]
    labels = labels[order]

    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    else:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
        if not keep:
            raise ValueError(f"fortunes.load_data(maxlen={maxlen}): every text is that long or "
                             "longer; nothing is left")
        xs, labels = [xs[i] for i in keep], labels[keep]
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]

    split = int(len(xs) * (1 - test_split))
    return (_object_array(xs[:split]), labels[:split]), (_object_array(xs[split:]), labels[split:])


def _object_array(lists) -> np.ndarray:
    """A 1-D object array of lists (``np.array`` would make equal-length lists a 2-D array)."""
    out = np.empty(len(lists), dtype=object)
    for i, x in enumerate(lists):
        out[i] = x
    return out
