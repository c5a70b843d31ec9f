"""Finding a dataset's IDX files on disk: the places searched, in order, and what each holds.

MNIST and Fashion-MNIST use the same file names, so a loader also checks, after reading, that the
labels are not the *other* dataset's (see :func:`check_not_other`).
"""
from __future__ import annotations

import gzip
import os
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


def env_places(path, data_subdirs, shared_subdir) -> list:
    """The ``(place, why)`` pairs every text loader searches first: ``path`` alone when given;
    otherwise ``$PYNET_DATA/<d>`` for each of ``data_subdirs`` ("" is the folder itself), then
    ``$PYNET_SHARED_DATA/<shared_subdir>``. Each loader appends its own further places."""
    if path is not None:
        return [(Path(path).expanduser(), "path= argument")]
    out = []
    data = os.environ.get("PYNET_DATA")
    if data:
        data = Path(data).expanduser()
        out += [(data / d if d else data, f"$PYNET_DATA/{d}" if d else "$PYNET_DATA")
                for d in data_subdirs]
    shared = os.environ.get("PYNET_SHARED_DATA")
    if shared:
        out.append((Path(shared).expanduser() / shared_subdir, f"$PYNET_SHARED_DATA/{shared_subdir}"))
    return out


def cache_dir() -> Path:
    """The user cache: ``$XDG_CACHE_HOME/pynet``, or ``~/.cache/pynet`` when that is unset."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pynet"


@dataclass(frozen=True)
class Place:
    """A directory to search and why it is on the list (shown by ``pynet info``)."""

    directory: Path
    why: str
    explicit: bool = False


@dataclass
class Found:
    """A complete set: ``train`` and ``test`` are ``(images_path, labels_path)``."""

    place: Place
    train: tuple
    test: tuple


@dataclass
class Status:
    """What one searched place holds."""

    place: Place
    found: Found | None
    present: list = field(default_factory=list)  # files found
    missing: list = field(default_factory=list)  # files a complete set still needs

    @property
    def state(self) -> str:
        if self.found is not None:
            return "complete"
        return "incomplete" if self.present else "absent"

    def describe(self) -> str:
        d = self.place.directory
        if self.found is not None:
            n_train, n_test = header_count(self.found.train[0]), header_count(self.found.test[0])
            return f"{d} ({self.place.why}): {n_train} train + {n_test} test images"
        if self.present:
            return (f"{d} ({self.place.why}): incomplete: has {', '.join(self.present)}; "
                    f"missing {', '.join(self.missing)}")
        return f"{d} ({self.place.why}): nothing"


def _variants(name: str):
    """A file name as published (``.gz``) and decompressed, with ``-`` or ``.`` before idx."""
    stem = name[:-3] if name.endswith(".gz") else name
    dotted = stem.replace("-idx", ".idx")
    return [stem + ".gz", stem, dotted + ".gz", dotted]


def find_file(directory: Path, name: str):
    for candidate in _variants(name):
        p = directory / candidate
        if p.is_file():
            return p
    return None


def find_pair(directory: Path, pairs):
    """The first ``(images, labels)`` of ``pairs`` (name pairs) present in ``directory``."""
    for image_name, label_name in pairs:
        img, lab = find_file(directory, image_name), find_file(directory, label_name)
        if img and lab:
            return img, lab
    return None


def inspect(place: Place, train_pairs, test_pair) -> Status:
    """Look in one place for a train pair (any of ``train_pairs``) and the test pair."""
    d = place.directory
    if not d.is_dir():
        return Status(place, None, [], [])
    train = find_pair(d, train_pairs)
    test = find_pair(d, [test_pair])
    if train and test:
        return Status(place, Found(place, train, test))
    names = [n for pair in list(train_pairs) + [test_pair] for n in pair]
    present = sorted({p.name for n in names if (p := find_file(d, n))})
    missing = []
    if not train:  # name the files of the preferred (full) pair that are absent
        missing += [n for n in train_pairs[0] if not find_file(d, n)]
    if not test:
        missing += [n for n in test_pair if not find_file(d, n)]
    return Status(place, None, present, missing)


def search(places, train_pairs, test_pair, *, dataset: str, warn: bool = True):
    """The first complete place, with the status of every place looked at.

    An explicit place (``path=``) that is not complete raises at once: the caller asked for that
    folder, so falling back to another would hide the mistake. Other incomplete places (some files
    but not all) are skipped, with a warning when ``warn``.

    Returns
    -------
    found : Found or None
    statuses : list of Status
    """
    statuses = []
    for place in places:
        status = inspect(place, train_pairs, test_pair)
        statuses.append(status)
        if status.found is not None:
            return status.found, statuses
        if place.explicit:
            if place.directory.is_file():
                what = "that is a file; pass the folder that holds the four files"
            elif not place.directory.is_dir():
                what = "the folder does not exist"
            else:
                what = status.describe().split(": ", 1)[1]
            raise FileNotFoundError(
                f"{dataset}.load(path={os.fspath(place.directory)!r}): no complete {dataset} set "
                f"there ({what}); a set is {' + '.join(train_pairs[0])} + {' + '.join(test_pair)} "
                "(.gz or decompressed)"
            )
        if warn and status.state == "incomplete":
            warnings.warn(f"{dataset}: skipping {status.describe()}", stacklevel=5)
    return None, statuses


def header_count(path) -> int:
    """The first dimension (number of items) from an IDX header, without reading the data."""
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open if compressed else open)(path, "rb") as fh:
            head = fh.read(8)
    except (OSError, EOFError):
        return -1
    if len(head) < 8:
        return -1
    return struct.unpack(">I", head[4:8])[0]


def check_not_other(dataset: str, name: str, other: str, y_train, y_test, signature) -> None:
    """Raise if the first ten train and test labels are exactly ``other``'s (same file names!).

    ``dataset`` is the module name (for the message), ``name`` and ``other`` the display names.
    """
    sig_train, sig_test = signature
    if (len(y_train) >= 10 and len(y_test) >= 10
            and np.array_equal(y_train[:10], sig_train) and np.array_equal(y_test[:10], sig_test)):
        raise ValueError(
            f"{dataset}.load(): these files are {other}, not {name} (their first labels are "
            f"{other}'s); the two use the same file names — keep them in separate folders "
            f"(e.g. $PYNET_DATA/mnist and $PYNET_DATA/fashion-mnist)"
        )


#: First ten train and test labels of each dataset, to tell them apart.
MNIST_SIGNATURE = ([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
FASHION_SIGNATURE = ([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])


def load_pair(pair, read_idx, *, image_shape=(28, 28), n_classes=10):
    """Read ``(images, labels)`` and check they match (uint8, same count, 3-D/1-D), that the
    images are ``image_shape`` and the labels lie in ``0..n_classes-1``."""
    images = read_idx(pair[0], expect_ndim=3)
    if images.shape[1:] != tuple(image_shape):
        raise ValueError(f"{os.fspath(pair[0])!r}: images are {images.shape[1]}x"
                         f"{images.shape[2]}, expected {image_shape[0]}x{image_shape[1]}")
    labels = read_idx(pair[1], expect_ndim=1)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{os.fspath(pair[0])!r} has {images.shape[0]} images but "
            f"{os.fspath(pair[1])!r} has {labels.shape[0]} labels; they are not a pair"
        )
    for p, a in zip(pair, (images, labels)):
        if a.dtype != np.uint8:
            raise ValueError(f"{os.fspath(p)!r}: expected uint8 values, the file holds {a.dtype}")
    if labels.size and int(labels.max()) >= n_classes:
        raise ValueError(f"{os.fspath(pair[1])!r}: labels must lie in 0..{n_classes - 1}, the file "
                         f"holds {int(labels.max())}")
    return images, labels
