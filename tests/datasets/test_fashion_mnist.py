"""Fashion-MNIST: the search order, the not-found message, and the real files."""
from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from pynet.datasets import fashion_mnist
from pynet.datasets.idx import write_idx

SHARED_SHA256 = {  # the shared data README (= Debian's dataset-fashion-mnist files)
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
}


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    # the machine running the tests may have the Debian package: point it somewhere empty
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", tmp_path / "usr-share-fashion")


def _make_set(folder, n_train=3):
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((n_train, 28, 28), np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.arange(n_train, dtype=np.uint8))
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.arange(2, dtype=np.uint8))
    return folder


def test_class_names():
    assert len(fashion_mnist.CLASS_NAMES) == 10
    assert fashion_mnist.CLASS_NAMES[0] == "T-shirt/top" and fashion_mnist.CLASS_NAMES[9] == "Ankle boot"


def test_not_found_lists_every_place_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PYNET_DATA", str(tmp_path / "env"))
    with pytest.raises(FileNotFoundError) as info:
        fashion_mnist.load()
    message = str(info.value)
    for place in (tmp_path / "env" / "fashion-mnist", tmp_path / "env",
                  tmp_path / "xdg-cache" / "pynet" / "fashion-mnist", tmp_path / "usr-share-fashion"):
        assert str(place) in message
    assert "apt install dataset-fashion-mnist" in message
    assert "fashion_mnist.download()" in message


def test_search_order(tmp_path, monkeypatch):
    system = _make_set(tmp_path / "usr-share-fashion", n_train=7)
    assert fashion_mnist.load()[0][0].shape[0] == 7 and fashion_mnist.where() == system
    cache = _make_set(tmp_path / "xdg-cache" / "pynet" / "fashion-mnist", n_train=6)
    assert fashion_mnist.where() == cache
    env = tmp_path / "env"
    _make_set(env, n_train=5)
    monkeypatch.setenv("PYNET_DATA", str(env))
    assert fashion_mnist.load()[0][0].shape[0] == 5
    _make_set(env / "fashion-mnist", n_train=4)
    assert fashion_mnist.load()[0][0].shape[0] == 4
    explicit = _make_set(tmp_path / "explicit", n_train=3)
    assert fashion_mnist.load(explicit)[0][0].shape[0] == 3
    with pytest.raises(FileNotFoundError, match="path="):
        fashion_mnist.load(tmp_path / "nowhere")


@pytest.mark.needs_shared_data
def test_shared_fashion_mnist(shared_data, monkeypatch):
    folder = shared_data("fashion-mnist/train-images-idx3-ubyte.gz").parent
    for name, sha in SHARED_SHA256.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha
    monkeypatch.setenv("PYNET_DATA", str(folder.parent))  # found as $PYNET_DATA/fashion-mnist
    (x, y), (xt, yt) = fashion_mnist.load()
    assert fashion_mnist.where() == folder
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    assert y.shape == (60000,) and yt.shape == (10000,)
    assert x.dtype == y.dtype == np.uint8
    # balanced: exactly 6,000 and 1,000 of each class
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10
    assert y[:3].tolist() == [9, 0, 0]  # ankle boot, T-shirt, T-shirt


@pytest.mark.needs_shared_data
def test_mnist_files_are_refused(shared_data, tmp_path):
    folder = tmp_path / "not-fashion"
    shutil.copytree(shared_data("mnist/t10k-images-idx3-ubyte.gz").parent, folder)
    with pytest.raises(ValueError, match="these files are MNIST, not Fashion-MNIST"):
        # the shared MNIST folder has no full train images; give it the subset under that name
        (folder / "train-images-10k-idx3-ubyte.gz").rename(folder / "train-images-idx3-ubyte.gz")
        (folder / "train-labels-idx1-ubyte.gz").unlink()
        (folder / "train-labels-10k-idx1-ubyte.gz").rename(folder / "train-labels-idx1-ubyte.gz")
        fashion_mnist.load(folder)


def test_the_embedded_subset_is_intact_and_holds_what_it_says():
    """The small-data lessons' quick runs read this copy offline: its bytes and contents."""
    from pynet.datasets._download import sha256_of

    for name, sha in fashion_mnist.SUBSET_SHA256.items():
        assert sha256_of(fashion_mnist.SUBSET_DIR / name) == sha, name
    (x, y), (xt, yt) = fashion_mnist.load_subset()
    assert x.shape == (2500, 28, 28) and xt.shape == (300, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == [450, 200, 200, 200, 200, 200, 450, 200, 200, 200]
    assert np.bincount(yt, minlength=10).tolist() == [150, 0, 0, 0, 0, 0, 150, 0, 0, 0]
    # the full set's first training label is 9 (ankle boot), its first test labels 9, 2, 1, 1, 6
    assert y[0] == 9 and yt[0] == 6
