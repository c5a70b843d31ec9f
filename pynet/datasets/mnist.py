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


# -- the books' encodings --------------------------------------------------------------------

def rashid_inputs(images) -> np.ndarray:
    """Rashid's scaling: pixels 0..255 -> 0.01..1.00 as float64 rows ``(N, 784)``.

    ``x / 255 * 0.99 + 0.01`` keeps every input away from 0, where a sigmoid net's weight
    update would vanish.
    """
    x = np.asarray(images)
    return (x.reshape(x.shape[0], -1).astype(np.float64) / 255.0) * 0.99 + 0.01


def rashid_targets(labels, n_classes: int = 10) -> np.ndarray:
    """Rashid's targets: 0.01 everywhere and 0.99 at the label, float64 ``(N, n_classes)``.

    A sigmoid never reaches 0 or 1, so asking for them would drive the weights without bound.
    """
    y = _check_labels(labels, n_classes)
    t = np.full((y.shape[0], n_classes), 0.01)
    t[np.arange(y.shape[0]), y] = 0.99
    return t


def to_categorical(labels, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    """One-hot encode integer labels (Keras's ``to_categorical``): ``(N,)`` -> ``(N, num_classes)``."""
    y = np.asarray(labels)
    if num_classes is None:
        if y.size == 0:
            raise ValueError("to_categorical(): num_classes is needed for empty labels")
        num_classes = int(y.max()) + 1
    y = _check_labels(y, num_classes)
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def keras_images(images, dtype="float32", channels: bool = True) -> np.ndarray:
    """Keras/Chollet encoding: float32 in [0, 1], shape ``(N, 28, 28, 1)`` (or ``(N, 784)``
    when ``channels`` is False)."""
    x = np.asarray(images).astype(dtype) / 255.0
    return x.reshape(x.shape[0], 28, 28, 1) if channels else x.reshape(x.shape[0], -1)


def nielsen_inputs(images) -> np.ndarray:
    """Nielsen's encoding: float64 in [0, 1] as ``(N, 784, 1)`` column vectors."""
    x = np.asarray(images)
    return (x.reshape(x.shape[0], -1, 1).astype(np.float64) / 255.0)


def nielsen_pairs(images, labels, *, one_hot: bool):
    """A *list* (not a zip iterator) of ``(x, y)`` pairs as in Nielsen's loader: ``x`` is a
    (784, 1) column; ``y`` is a (10, 1) one-hot column when ``one_hot`` (training data) or the
    int label (evaluation data). The convention is explicit: no flag with two meanings."""
    xs = nielsen_inputs(images)
    y = _check_labels(labels, 10)
    if one_hot:
        ys = to_categorical(y, 10, dtype=np.float64)[:, :, None]
        return [(xs[i], ys[i]) for i in range(xs.shape[0])]
    return [(xs[i], int(y[i])) for i in range(xs.shape[0])]


def _check_labels(labels, n_classes: int) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"labels must be 1-D integers, got shape {y.shape}")
    if y.size and (y.dtype.kind not in "iu"):
        if y.dtype.kind == "f" and np.all(np.mod(y, 1) == 0):
            y = y.astype(np.int64)
        else:
            raise TypeError(f"labels must be integers, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1}, got min {int(y.min())} max {int(y.max())}"
        )
    return y.astype(np.int64)
