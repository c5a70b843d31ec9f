"""MNIST handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0).

``load()`` returns ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(N, 28, 28)`` with
ink high (background 0, ink up to 255) and uint8 labels ``(N,)``, as Keras does. It looks, in
order, in

1. ``path=`` given explicitly (a folder holding the four IDX files, ``.gz`` or decompressed);
   if that folder is incomplete, ``load`` raises instead of looking elsewhere;
2. ``$PYNET_DATA/mnist``, then ``$PYNET_DATA`` itself;
3. the user cache ``$XDG_CACHE_HOME/pynet/mnist`` (default ``~/.cache/pynet/mnist``), where
   :func:`download` puts the full 60,000/10,000 set;
4. the subset embedded in the package: the first 10,000 training images (original order) and
   the official 10,000 test images — so the lessons run offline, out of the box.

:func:`where` tells which of them was used and :func:`is_full` whether it holds the full
60,000/10,000 set (the MNIST lessons then train on it in a full run); ``pynet info`` prints the
whole search.

The books encode the same images differently; the helpers below produce each encoding:
:func:`rashid_inputs`/:func:`rashid_targets` (0.01..1.00 inputs, 0.01/0.99 targets),
:func:`nielsen_inputs`/:func:`nielsen_pairs` ((784, 1) columns), and
:func:`keras_images`/:func:`to_categorical` (float32 in [0, 1], one-hot).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import _locate
from ._download import RemoteFile, fetch_all
from ._locate import cache_dir  # noqa: F401  (public: mnist.cache_dir())
from .idx import read_idx

__all__ = [
    "load", "download", "where", "is_full", "FULL_TRAIN", "FULL_TEST", "search_status",
    "verify_embedded", "candidate_dirs", "cache_dir",
    "rashid_inputs", "rashid_targets", "to_categorical", "keras_images", "nielsen_inputs",
    "nielsen_pairs", "MIRRORS", "REMOTE_FILES", "EMBEDDED_DIR",
]

EMBEDDED_DIR = Path(__file__).parent / "data"
#: Train (images, labels) name pairs, preferred first: the full set, then the 10k subset.
TRAIN_FILES = [("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
               ("train-images-10k-idx3-ubyte.gz", "train-labels-10k-idx1-ubyte.gz")]
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

#: SHA-256 of the embedded files (checked by the tests; the same bytes as the shared data folder).
EMBEDDED_SHA256 = {
    "t10k-images-idx3-ubyte.gz": "167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b",
    "t10k-labels-idx1-ubyte.gz": "fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c",
    "train-images-10k-idx3-ubyte.gz":
        "f24bd5dc0c2e4699ceb54abba47fb204fb745fb994e43a8c05cec27836792e5d",
    "train-labels-10k-idx1-ubyte.gz":
        "211de1f9453fc674e502fa63a244cd79a2a4ae0874389de7c018c698dccef49a",
}

#: Mirrors of the original files, tried in order. PyTorch's and TensorFlow's copies come first
#: because the original host (yann.lecun.com) has at times refused downloads or timed out.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: The published files: sizes and SHA-256 as listed by TensorFlow Datasets and torchvision
#: (identical bytes on all three mirrors).
REMOTE_FILES = (
    RemoteFile("train-images-idx3-ubyte.gz",
               "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
    RemoteFile("train-labels-idx1-ubyte.gz",
               "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
    RemoteFile("t10k-images-idx3-ubyte.gz",
               "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
    RemoteFile("t10k-labels-idx1-ubyte.gz",
               "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
)


def verify_embedded() -> list[str]:
    """Names of the embedded files that are missing or differ from :data:`EMBEDDED_SHA256`
    (an empty list means the package's copy is intact; ``pynet info`` reports it)."""
    from ._download import sha256_of

    bad = []
    for name, sha in EMBEDDED_SHA256.items():
        path = EMBEDDED_DIR / name
        if not path.is_file() or sha256_of(path) != sha:
            bad.append(name)
    return bad


def places(path=None):
    """The places searched, in order, as :class:`~pynet.datasets._locate.Place` objects."""
    if path is not None:
        return [_locate.Place(Path(path).expanduser(), "path= argument", explicit=True)]
    out = []
    env = os.environ.get("PYNET_DATA")
    if env:
        env = os.path.expanduser(env)
        out += [_locate.Place(Path(env) / "mnist", "$PYNET_DATA/mnist"),
                _locate.Place(Path(env), "$PYNET_DATA")]
    out.append(_locate.Place(cache_dir() / "mnist", "user cache; mnist.download() puts it here"))
    out.append(_locate.Place(EMBEDDED_DIR, "embedded in pynet: 10k train subset"))
    return out


def candidate_dirs(path=None):
    """The directories searched, in order (see the module docstring)."""
    return [p.directory for p in places(path)]


def search_status(path=None, *, warn: bool = False):
    """``(found, statuses)``: the first complete place (or None) and what every place looked at
    holds (each status has ``.state`` and ``.describe()``); used by ``pynet info``."""
    return _locate.search(places(path), TRAIN_FILES, TEST_FILES, dataset="mnist",
                          warn=warn)


def locate(path=None):
    """Return ``(train_pair, test_pair, source_dir)`` of the first complete MNIST folder."""
    found, _ = search_status(path, warn=True)
    if found is None:  # only if the package's own files were removed
        raise FileNotFoundError(
            f"mnist: no MNIST files found, not even the embedded ones in {EMBEDDED_DIR}; "
            "reinstall pynet or run pynet.datasets.mnist.download()"
        )
    return found.train, found.test, found.place.directory


def where(path=None) -> Path:
    """The folder :func:`load` would read (with the same arguments)."""
    return locate(path)[2]


#: The sizes of the published set (what :func:`download` fetches and the books train on).
FULL_TRAIN, FULL_TEST = 60_000, 10_000


def is_full(path=None) -> bool:
    """Whether :func:`load` (with the same ``path``) would return the full 60,000/10,000 set.

    Reads only the two image files' IDX headers (their item counts), not the images; False for
    the embedded 10,000-image subset or when no complete set is found.
    """
    found, _ = search_status(path, warn=False)
    if found is None:
        return False
    return (_locate.header_count(found.train[0]) == FULL_TRAIN
            and _locate.header_count(found.test[0]) == FULL_TEST)


def load(path=None):
    """Load MNIST as uint8 arrays, Keras-style.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A folder with the four IDX files. Without it, the search order of the module docstring.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x_*`` uint8 ``(N, 28, 28)``, 0 = background, 255 = full ink; ``y_*`` uint8 ``(N,)``
        in 0..9. N is 60,000/10,000 for the full set, 10,000/10,000 for the embedded subset.

    Raises
    ------
    FileNotFoundError
        ``path`` was given and holds no complete set.
    pynet.datasets.idx.IDXError
        A file is truncated or corrupted.
    ValueError
        Images and labels counts differ, or the files are Fashion-MNIST.
    """
    train, test, _ = locate(path)
    (x_train, y_train), (x_test, y_test) = (_locate.load_pair(train, read_idx),
                                            _locate.load_pair(test, read_idx))
    _locate.check_not_other("mnist", "MNIST", "Fashion-MNIST", y_train, y_test, _locate.FASHION_SIGNATURE)
    return (x_train, y_train), (x_test, y_test)


def download(dest=None, *, base_urls=None, force: bool = False, checksums=None,
             timeout: float = 60.0, quiet: bool = False) -> Path:
    """Fetch the full MNIST set (60,000 train + 10,000 test) into the cache, verified.

    Each of the four files is tried on every mirror in turn until one gives exactly the published
    size and SHA-256; it is then moved into place atomically. A file already present and verified
    is kept (unless ``force``); one present with the wrong size or hash is deleted and fetched
    again. Nothing partial is ever kept or resumed.

    Parameters
    ----------
    dest : path, optional
        Target folder; default ``cache_dir() / "mnist"``, the third place :func:`load` searches.
    base_urls : sequence of str, optional
        Mirrors to try in order; default :data:`MIRRORS`.
    force : bool
        Download even the files already present and verified.
    checksums : dict, optional
        ``{file name: sha256}`` replacing the published hashes, for a mirror of your own that
        re-compressed the files; their sizes are then not checked (the IDX headers still are).
    timeout : float
        Seconds to wait for a mirror's answer.
    quiet : bool
        Do not print progress.

    Returns
    -------
    pathlib.Path
        The folder holding the four verified files (pass it to :func:`load`, or just call
        ``load()`` when ``dest`` is the default).

    Raises
    ------
    pynet.datasets._download.DownloadError
        A file could not be fetched from any mirror (network error, HTTP error, wrong size or
        checksum); the message lists each URL and its failure.
    """
    dest = Path(dest).expanduser() if dest is not None else cache_dir() / "mnist"
    fetch_all(REMOTE_FILES, MIRRORS if base_urls is None else base_urls, dest, checksums=checksums, force=force, timeout=timeout,
              label="mnist", quiet=quiet)
    for pair in ((REMOTE_FILES[0].name, REMOTE_FILES[1].name),
                 (REMOTE_FILES[2].name, REMOTE_FILES[3].name)):
        _locate.load_pair((dest / pair[0], dest / pair[1]), read_idx)
    return dest


# -- the books' encodings --------------------------------------------------------------------

def rashid_inputs(images) -> np.ndarray:
    """Rashid's scaling: pixels 0..255 -> 0.01..1.00 as float64 rows ``(N, 784)``.

    ``x / 255 * 0.99 + 0.01`` keeps every input away from 0, where a sigmoid net's weight
    update would vanish.
    """
    x = _check_pixels(images, "rashid_inputs")
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
    """One-hot encode integer labels (Keras's ``to_categorical``): ``(N,)`` -> ``(N, num_classes)``.

    A column of labels ``(N, 1)`` — the shape CIFAR-10's and many CSV loaders' labels have — is
    accepted as Keras accepts it and gives the same ``(N, num_classes)``; a second dimension
    other than 1 is refused (such rows are usually one-hot already).
    """
    y = np.asarray(labels)
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise ValueError(
                f"to_categorical(): labels must be 1-D integers, got shape {y.shape}; a column "
                f"(N, 1) is accepted too, but a second dimension of {y.shape[1]} is not a column "
                "of labels (one-hot rows already? then use them as they are, or "
                "labels.argmax(axis=1))")
        y = y[:, 0]
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
    x = _check_pixels(images, "keras_images").astype(dtype) / 255.0
    return x.reshape(x.shape[0], 28, 28, 1) if channels else x.reshape(x.shape[0], -1)


def nielsen_inputs(images) -> np.ndarray:
    """Nielsen's encoding: float64 in [0, 1] as ``(N, 784, 1)`` column vectors."""
    x = _check_pixels(images, "nielsen_inputs")
    return x.reshape(x.shape[0], -1, 1).astype(np.float64) / 255.0


def nielsen_pairs(images, labels, *, one_hot: bool):
    """A *list* (not a zip iterator) of ``(x, y)`` pairs as in Nielsen's loader: ``x`` is a
    (784, 1) column; ``y`` is a (10, 1) one-hot column when ``one_hot`` (training data) or the
    int label (evaluation data). The convention is explicit: no flag with two meanings."""
    xs = nielsen_inputs(images)
    y = _check_labels(labels, 10)
    if y.shape[0] != xs.shape[0]:
        raise ValueError(f"nielsen_pairs(): {xs.shape[0]} images but {y.shape[0]} labels")
    if one_hot:
        ys = to_categorical(y, 10, dtype=np.float64)[:, :, None]
        return [(xs[i], ys[i]) for i in range(xs.shape[0])]
    return [(xs[i], int(y[i])) for i in range(xs.shape[0])]


def _check_pixels(images, fn: str) -> np.ndarray:
    """Raw pixels as loaded: a batch ``(N, 784)``, ``(N, 28, 28)`` or ``(N, 28, 28, 1)`` of values
    in 0..255. Catches the classic slip of scaling twice (Rashid's readers who fed 1.01..1.02)."""
    x = np.asarray(images)
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"{fn}(): images must be a batch (N, 784), (N, 28, 28) or (N, 28, 28, 1), got shape "
            f"{x.shape}; for one image use images[None] or images[i:i+1]"
        )
    if x.dtype.kind not in "uif":
        raise TypeError(f"{fn}(): images must be numbers 0..255, got dtype {x.dtype}")
    if x.shape[1:] not in ((784,), (28, 28), (28, 28, 1)):
        one = " — that is one 28x28 image, not a batch; use images[None]" \
            if x.shape == (28, 28) else ""
        raise ValueError(
            f"{fn}(): images must be a batch (N, 784), (N, 28, 28) or (N, 28, 28, 1), got shape "
            f"{x.shape}{one}"
        )
    if x.size:
        lo, hi = float(x.min()), float(x.max())
        if lo < 0 or hi > 255 or not np.isfinite(hi):
            raise ValueError(f"{fn}(): pixel values must lie in 0..255, got {lo:g}..{hi:g}")
        if x.dtype.kind == "f" and hi <= 1.0 and np.any(np.mod(x, 1) != 0):
            raise ValueError(
                f"{fn}(): these pixels are already scaled ({lo:g}..{hi:g}); pass the raw 0..255 "
                "values as mnist.load() returns them, so they are not scaled twice"
            )
    return x


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
