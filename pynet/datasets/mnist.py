"""MNIST handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0).

``load()`` returns ``(x_train, y_train), (x_test, y_test)``: uint8 images (N, 28, 28) with ink
high (0..255) and uint8 labels (N,), as Keras does. It looks, in order, in

1. ``path=`` given explicitly (a directory holding the four IDX files),
2. ``$PYNET_DATA`` (the directory itself, or its ``mnist/`` subdirectory),
3. the user cache ``~/.cache/pynet/mnist`` (where :func:`download` puts the full 60k/10k set),
4. the embedded subset inside the package: the first 10,000 training images (original order)
   and the official 10,000 test images.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .idx import read_idx

EMBEDDED_DIR = Path(__file__).parent / "data"
TRAIN_FILES = [("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
               ("train-images-10k-idx3-ubyte.gz", "train-labels-10k-idx1-ubyte.gz")]
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/pynet`` or ``~/.cache/pynet``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pynet"


def _find_pair(directory: Path, names):
    for image_name, label_name in names:
        for suffix in ("", ):
            img, lab = directory / (image_name + suffix), directory / (label_name + suffix)
            if img.exists() and lab.exists():
                return img, lab
            # also accept the uncompressed files
            img_raw, lab_raw = directory / image_name[:-3], directory / label_name[:-3]
            if img_raw.exists() and lab_raw.exists():
                return img_raw, lab_raw
    return None


def candidate_dirs(path=None, subdir="mnist"):
    """Directories searched, in order (see the module docstring)."""
    dirs = []
    if path is not None:
        dirs.append(Path(path))
    env = os.environ.get("PYNET_DATA")
    if env:
        dirs += [Path(env) / subdir, Path(env)]
    dirs.append(cache_dir() / subdir)
    return dirs


def locate(path=None):
    """Return ``(train_pair, test_pair, source_dir)`` of the first complete MNIST directory."""
    for d in candidate_dirs(path):
        train = _find_pair(d, TRAIN_FILES)
        test = _find_pair(d, [TEST_FILES])
        if train and test:
            return train, test, d
        if path is not None and d == Path(path):
            raise FileNotFoundError(
                f"mnist.load(path={os.fspath(path)!r}): no MNIST IDX files there; expected "
                f"{TEST_FILES[0]}, {TEST_FILES[1]} and train-images/labels files"
            )
    d = EMBEDDED_DIR
    return _find_pair(d, TRAIN_FILES), _find_pair(d, [TEST_FILES]), d


def _load_pair(pair):
    images = read_idx(pair[0], expect_ndim=3)
    labels = read_idx(pair[1], expect_ndim=1)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{os.fspath(pair[0])!r} has {images.shape[0]} images but "
            f"{os.fspath(pair[1])!r} has {labels.shape[0]} labels"
        )
    return images, labels


def load(path=None):
    """Load MNIST: ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays."""
    train, test, _ = locate(path)
    return _load_pair(train), _load_pair(test)
