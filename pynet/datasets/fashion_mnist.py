"""Fashion-MNIST: Zalando's article images (H. Xiao, K. Rasul, R. Vollgraf, 2017; MIT licence).

A drop-in twin of MNIST: 60,000 training and 10,000 test images, 28x28 greyscale uint8, ten
classes (:data:`CLASS_NAMES`), the same IDX files under the same names. It is harder than MNIST
(a good MLP reaches ~89% where it reaches ~98%), which makes it the full-size workload of the
lessons and the bench.

No copy ships with pynet (it is 30 MB). :func:`load` looks, in order, in

1. ``path=`` given explicitly (a folder holding the four IDX files, ``.gz`` or decompressed);
2. ``$PYNET_DATA/fashion-mnist``, then ``$PYNET_DATA`` itself;
3. the user cache ``$XDG_CACHE_HOME/pynet/fashion-mnist`` (default ``~/.cache/pynet/...``),
   where :func:`download` puts it;
4. ``/usr/share/datasets/fashion-mnist`` (Debian/Ubuntu: ``apt install dataset-fashion-mnist``).

When none holds the set, the error lists every place searched and how to get the data.
Because MNIST uses the same file names, both loaders check the labels and refuse the other set.

A small subset *does* ship (1.3 MB, for the small-data lessons' quick runs, which must work
offline): :func:`load_subset` reads it. It holds, in their original order, the first 450
training images of T-shirt/top (0) and Shirt (6), the first 200 of each other class (2,500 in
all), and the first 150 test images of classes 0 and 6 (300). ``tools/fashion_mnist_subset.py``
rebuilds it from the full set; the SHA-256 sums are in :data:`SUBSET_SHA256` and
``pynet/datasets/data/ATTRIBUTION.md``.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import _locate
from ._download import RemoteFile, fetch_all
from ._locate import cache_dir
from .idx import read_idx

__all__ = ["load", "load_subset", "download", "where", "search_status", "CLASS_NAMES",
           "MIRRORS", "REMOTE_FILES", "SYSTEM_DIR", "SUBSET_SHA256"]

#: Label -> name, as in the dataset's README.
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

#: Where the Debian package ``dataset-fashion-mnist`` installs the files.
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")

TRAIN_FILES = [("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")]
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

#: Zalando's own bucket first, then the copy in the project's GitHub repository.
MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
)

#: SHA-256 of the files as Zalando publishes them. (Debian's package re-compresses them: the
#: same images, different .gz bytes; those are found by :func:`load`, never downloaded.)
REMOTE_FILES = (
    RemoteFile("train-images-idx3-ubyte.gz",
               "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc"),
    RemoteFile("train-labels-idx1-ubyte.gz",
               "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc"),
    RemoteFile("t10k-images-idx3-ubyte.gz",
               "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229"),
    RemoteFile("t10k-labels-idx1-ubyte.gz",
               "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf"),
)

#: The embedded subset (see the module docstring): file name -> SHA-256.
SUBSET_DIR = Path(__file__).resolve().parent / "data"
SUBSET_TRAIN = ("fashion-mnist-subset-train-images-idx3-ubyte.gz",
                "fashion-mnist-subset-train-labels-idx1-ubyte.gz")
SUBSET_TEST = ("fashion-mnist-subset-t10k-images-idx3-ubyte.gz",
               "fashion-mnist-subset-t10k-labels-idx1-ubyte.gz")
SUBSET_SHA256 = {
    SUBSET_TRAIN[0]: "b093448226288435305679c28a206fc69b64a3f6de8c8c746c15e7422af62768",
    SUBSET_TRAIN[1]: "f7f15376ff6c751549526f1c3e00522317adfafbf15fab7615c36ebe2d0cac71",
    SUBSET_TEST[0]: "cbbb48df352dbab156bfc40034827e76420085b14459ed0b6da68e97ccc4b942",
    SUBSET_TEST[1]: "61d7e9328607cdf5ce14f6878eed01b5a945d17c22931a0e9e7e6f02f1f9d4a7",
}
#: How many images of each class the subset keeps: {class: (train, test)}.
SUBSET_COUNTS = {c: ((450, 150) if c in (0, 6) else (200, 0)) for c in range(10)}

HOW_TO_GET = (
    "How to get Fashion-MNIST (30 MB):\n"
    "  * python -c 'from pynet.datasets import fashion_mnist; fashion_mnist.download()'\n"
    "    (into the user cache, verified by SHA-256), or\n"
    "  * Debian/Ubuntu: sudo apt install dataset-fashion-mnist, or\n"
    "  * download the four .gz files from https://github.com/zalandoresearch/fashion-mnist\n"
    "    into a folder and set PYNET_DATA to it (or pass path=)."
)


def places(path=None):
    """The places searched, in order."""
    if path is not None:
        return [_locate.Place(Path(path).expanduser(), "path= argument", explicit=True)]
    out = []
    env = os.environ.get("PYNET_DATA")
    if env:
        env = os.path.expanduser(env)
        out += [_locate.Place(Path(env) / "fashion-mnist", "$PYNET_DATA/fashion-mnist"),
                _locate.Place(Path(env), "$PYNET_DATA")]
    out.append(_locate.Place(cache_dir() / "fashion-mnist",
                             "user cache; fashion_mnist.download() puts it here"))
    out.append(_locate.Place(SYSTEM_DIR, "Debian package dataset-fashion-mnist"))
    return out


def search_status(path=None, *, warn: bool = False):
    """``(found, statuses)``: the first complete place (or None) and what each place holds."""
    return _locate.search(places(path), TRAIN_FILES, TEST_FILES, dataset="fashion_mnist",
                          warn=warn)


def locate(path=None):
    """Return ``(train_pair, test_pair, source_dir)``, or raise FileNotFoundError saying where
    it looked and how to get the data."""
    found, statuses = search_status(path, warn=True)
    if found is None:
        searched = "\n".join("  " + s.describe() for s in statuses)
        raise FileNotFoundError(
            "fashion_mnist.load(): Fashion-MNIST not found. Searched, in order:\n"
            f"{searched}\n{HOW_TO_GET}"
        )
    return found.train, found.test, found.place.directory


def where(path=None) -> Path:
    """The folder :func:`load` would read."""
    return locate(path)[2]


def load(path=None):
    """Load Fashion-MNIST as uint8 arrays, Keras-style.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A folder with the four IDX files; without it, the search order of the module docstring.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x_*`` uint8 ``(N, 28, 28)`` (60,000 and 10,000), 0 = background; ``y_*`` uint8 ``(N,)``
        in 0..9, names in :data:`CLASS_NAMES`.

    Raises
    ------
    FileNotFoundError
        Nothing found (the message lists the places searched and how to get the data).
    pynet.datasets.idx.IDXError
        A file is truncated or corrupted.
    ValueError
        Images and labels counts differ, or the files are MNIST's.
    """
    train, test, _ = locate(path)
    (x_train, y_train), (x_test, y_test) = (_locate.load_pair(train, read_idx),
                                            _locate.load_pair(test, read_idx))
    _locate.check_not_other("fashion_mnist", "Fashion-MNIST", "MNIST", y_train, y_test,
                            _locate.MNIST_SIGNATURE)
    return (x_train, y_train), (x_test, y_test)


def load_subset():
    """The embedded subset, as uint8 arrays in :func:`load`'s layout (no search, always offline).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        2,500 training images (450 each of classes 0 and 6, 200 of every other class) and 300
        test images (150 each of classes 0 and 6), in the full set's order.
    """
    return (_locate.load_pair([SUBSET_DIR / n for n in SUBSET_TRAIN], read_idx),
            _locate.load_pair([SUBSET_DIR / n for n in SUBSET_TEST], read_idx))


def download(dest=None, *, base_urls=None, force: bool = False, checksums=None,
             timeout: float = 60.0, quiet: bool = False) -> Path:
    """Fetch Fashion-MNIST into the user cache, verified by SHA-256.

    Same behaviour and parameters as :func:`pynet.datasets.mnist.download`; the default ``dest``
    is ``cache_dir() / "fashion-mnist"`` and the default mirrors :data:`MIRRORS`.
    """
    dest = Path(dest).expanduser() if dest is not None else cache_dir() / "fashion-mnist"
    fetch_all(REMOTE_FILES, MIRRORS if base_urls is None else base_urls, dest, checksums=checksums, force=force, timeout=timeout,
              label="fashion-mnist", quiet=quiet)
    for pair in ((REMOTE_FILES[0].name, REMOTE_FILES[1].name),
                 (REMOTE_FILES[2].name, REMOTE_FILES[3].name)):
        _locate.load_pair((dest / pair[0], dest / pair[1]), read_idx)
    return dest
