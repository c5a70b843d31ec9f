"""MNIST: the embedded subset, the search order, and the three books' encodings."""
from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from pynet.datasets import mnist
from pynet.datasets.idx import IDXError, read_idx, write_idx

FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # as printed in every MNIST tutorial
FIRST_TEST_LABELS = [7, 2, 1, 0, 4]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test sees the developer's $PYNET_DATA or real cache."""
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _make_set(folder, n_train=3, n_test=2, *, first_label=0, gz=True):
    """Write a small fake MNIST set whose labels identify it."""
    folder.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    tr = np.full((n_train, 28, 28), 7, np.uint8)
    te = np.full((n_test, 28, 28), 9, np.uint8)
    write_idx(folder / f"train-images-idx3-ubyte{ext}", tr)
    write_idx(folder / f"train-labels-idx1-ubyte{ext}", np.full(n_train, first_label, np.uint8))
    write_idx(folder / f"t10k-images-idx3-ubyte{ext}", te)
    write_idx(folder / f"t10k-labels-idx1-ubyte{ext}", np.full(n_test, first_label, np.uint8))
    return folder


# -- the embedded subset --------------------------------------------------------------------

def test_embedded_files_are_the_documented_bytes():
    for name, sha in mnist.EMBEDDED_SHA256.items():
        assert hashlib.sha256((mnist.EMBEDDED_DIR / name).read_bytes()).hexdigest() == sha
    assert (mnist.EMBEDDED_DIR / "ATTRIBUTION.md").read_text().count("CC BY-SA 3.0") >= 1
    assert mnist.verify_embedded() == []


def test_verify_embedded_notices_a_damaged_copy(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(mnist.EMBEDDED_DIR, copy)
    (copy / "t10k-labels-idx1-ubyte.gz").write_bytes(b"oops")
    (copy / "train-images-10k-idx3-ubyte.gz").unlink()
    monkeypatch.setattr(mnist, "EMBEDDED_DIR", copy)
    assert mnist.verify_embedded() == ["t10k-labels-idx1-ubyte.gz", "train-images-10k-idx3-ubyte.gz"]


def test_load_defaults_to_the_embedded_subset():
    (x_train, y_train), (x_test, y_test) = mnist.load()
    assert mnist.where() == mnist.EMBEDDED_DIR
    assert x_train.shape == (10000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (10000,) and y_test.shape == (10000,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
    assert y_train[:10].tolist() == FIRST_TRAIN_LABELS
    assert y_test[:5].tolist() == FIRST_TEST_LABELS
    # ink is high: a digit is a few bright pixels on a black background
    assert x_train[0].max() == 255 and np.median(x_train[0]) == 0
    assert 0.10 < (x_test > 0).mean() < 0.25


@pytest.mark.needs_shared_data
def test_embedded_subset_matches_the_shared_data(shared_data):
    (x_train, y_train), (x_test, y_test) = mnist.load()
    np.testing.assert_array_equal(x_test, read_idx(shared_data("mnist/t10k-images-idx3-ubyte.gz")))
    full_labels = read_idx(shared_data("mnist/train-labels-idx1-ubyte.gz"))
    np.testing.assert_array_equal(y_train, full_labels[:10000])


# -- the search order -----------------------------------------------------------------------

def test_explicit_path_comes_first(tmp_path, monkeypatch):
    explicit = _make_set(tmp_path / "explicit", n_train=3)
    monkeypatch.setenv("PYNET_DATA", str(_make_set(tmp_path / "env", n_train=4)))
    (x_train, _), (x_test, _) = mnist.load(explicit)
    assert x_train.shape == (3, 28, 28) and x_test.shape == (2, 28, 28)


def test_explicit_path_never_falls_back(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"path=.*empty.*nothing"):
        mnist.load(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mnist.load(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="that is a file; pass the folder"):
        mnist.load(mnist.EMBEDDED_DIR / "t10k-images-idx3-ubyte.gz")
    half = _make_set(tmp_path / "half")
    (half / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="missing t10k-labels-idx1-ubyte.gz"):
        mnist.load(half)


def test_pynet_data_subdir_then_dir_then_cache_then_embedded(tmp_path, monkeypatch):
    env = tmp_path / "env"
    cache = tmp_path / "xdg-cache" / "pynet" / "mnist"
    _make_set(cache, n_train=6)
    assert mnist.load()[0][0].shape[0] == 6 and mnist.where() == cache
    _make_set(env, n_train=5)
    monkeypatch.setenv("PYNET_DATA", str(env))
    assert mnist.load()[0][0].shape[0] == 5 and mnist.where() == env
    _make_set(env / "mnist", n_train=4)
    assert mnist.load()[0][0].shape[0] == 4 and mnist.where() == env / "mnist"
    assert mnist.candidate_dirs() == [env / "mnist", env, cache, mnist.EMBEDDED_DIR]


def test_home_cache_when_xdg_is_unset(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert mnist.cache_dir() == tmp_path / "home" / ".cache" / "pynet"
    _make_set(tmp_path / "home" / ".cache" / "pynet" / "mnist", n_train=8)
    assert mnist.load()[0][0].shape[0] == 8


def test_decompressed_files_are_found(tmp_path):
    folder = _make_set(tmp_path / "raw", gz=False)
    assert mnist.load(folder)[0][0].shape == (3, 28, 28)


def test_incomplete_places_are_skipped_with_a_warning(tmp_path, monkeypatch):
    env = _make_set(tmp_path / "env")
    (env / "train-images-idx3-ubyte.gz").unlink()
    monkeypatch.setenv("PYNET_DATA", str(env))
    with pytest.warns(UserWarning, match=r"incomplete: has .*missing train-images-idx3-ubyte"):
        (x_train, _), _ = mnist.load()
    assert x_train.shape[0] == 10000  # fell through to the embedded subset
    found, statuses = mnist.search_status()
    assert [s.state for s in statuses][-1] == "complete"
    assert "incomplete" in [s.state for s in statuses]


def test_mixed_full_labels_and_subset_is_not_a_pair(tmp_path):
    # a folder with the 60k labels and only the 10k subset images uses the subset pair
    folder = _make_set(tmp_path / "f")
    (folder / "train-images-idx3-ubyte.gz").unlink()
    write_idx(folder / "train-images-10k-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8))
    write_idx(folder / "train-labels-10k-idx1-ubyte.gz", np.zeros(2, np.uint8))
    assert mnist.load(folder)[0][0].shape[0] == 2


def test_count_mismatch_and_corrupted_file(tmp_path):
    folder = _make_set(tmp_path / "f")
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="has 3 images but .* has 4 labels"):
        mnist.load(folder)
    data = (folder / "t10k-images-idx3-ubyte.gz").read_bytes()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(data[: len(data) - 9])
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(IDXError, match="t10k-images"):
        mnist.load(folder)


@pytest.mark.needs_shared_data
def test_fashion_files_are_refused(shared_data, tmp_path):
    src = shared_data("fashion-mnist/t10k-labels-idx1-ubyte.gz").parent
    folder = tmp_path / "looks-like-mnist"
    shutil.copytree(src, folder)
    with pytest.raises(ValueError, match="these files are Fashion-MNIST, not MNIST"):
        mnist.load(folder)


# -- the encodings --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    (x, y), _ = mnist.load(mnist.EMBEDDED_DIR)
    return x[:50], y[:50]


def test_rashid_inputs(sample):
    x, _ = sample
    r = mnist.rashid_inputs(x)
    assert r.shape == (50, 784) and r.dtype == np.float64
    assert r.min() == pytest.approx(0.01) and r.max() == pytest.approx(1.0)
    # the book: (asfarray(all_values[1:]) / 255.0 * 0.99) + 0.01, pixel by pixel
    i = int(np.argmax(x[0].ravel() > 0))
    assert r[0, i] == pytest.approx(x[0].ravel()[i] / 255.0 * 0.99 + 0.01)
    np.testing.assert_array_equal(mnist.rashid_inputs(x.reshape(50, 784)), r)


def test_rashid_targets():
    t = mnist.rashid_targets(np.array([5, 0], np.uint8))
    assert t.shape == (2, 10) and t.dtype == np.float64
    assert t[0, 5] == 0.99 and t[1, 0] == 0.99
    assert np.count_nonzero(t == 0.01) == 18


def test_nielsen_encodings(sample):
    x, y = sample
    cols = mnist.nielsen_inputs(x)
    assert cols.shape == (50, 784, 1) and cols.dtype == np.float64
    assert cols.min() == 0.0 and cols.max() == 1.0
    train = mnist.nielsen_pairs(x, y, one_hot=True)
    assert isinstance(train, list) and len(train) == 50  # a list: len() and slicing work
    x0, y0 = train[0]
    assert x0.shape == (784, 1) and y0.shape == (10, 1) and y0[5, 0] == 1.0 and y0.sum() == 1.0
    test = mnist.nielsen_pairs(x, y, one_hot=False)
    assert test[0][1] == 5 and type(test[0][1]) is int
    with pytest.raises(ValueError, match="50 images but 49 labels"):
        mnist.nielsen_pairs(x, y[:49], one_hot=False)


def test_keras_encodings(sample):
    x, y = sample
    k = mnist.keras_images(x)
    assert k.shape == (50, 28, 28, 1) and k.dtype == np.float32 and k.max() == 1.0
    assert mnist.keras_images(x, channels=False).shape == (50, 784)
    c = mnist.to_categorical(y)
    assert c.shape == (50, 10) and c.dtype == np.float32
    np.testing.assert_array_equal(c.argmax(axis=1), y)
    assert mnist.to_categorical([2], 5, dtype="float64").tolist() == [[0, 0, 1, 0, 0]]


@pytest.mark.parametrize("labels, error, message", [
    ([[1, 2]], ValueError, "1-D integers, got shape"),
    ([0.5, 1], TypeError, "integers, got dtype float64"),
    ([0, 10], ValueError, r"0\.\.9, got min 0 max 10"),
    ([-1, 3], ValueError, "got min -1"),
    (["a"], TypeError, "integers"),
])
def test_label_errors(labels, error, message):
    with pytest.raises(error, match=message):
        mnist.rashid_targets(labels)
    with pytest.raises(error, match=message):
        mnist.to_categorical(labels, 10)


def test_float_labels_that_are_whole_numbers_are_accepted():
    assert mnist.to_categorical(np.array([1.0, 3.0]), 4)[1, 3] == 1


def test_pixel_errors(sample):
    x, _ = sample
    with pytest.raises(ValueError, match="already scaled"):
        mnist.rashid_inputs(mnist.keras_images(x, channels=False))
    with pytest.raises(ValueError, match=r"0\.\.255, got 0\.\.256"):
        mnist.nielsen_inputs(x.astype(np.int32) + (x == 255))
    with pytest.raises(ValueError, match=r"a batch .* got shape \(784,\)"):
        mnist.rashid_inputs(x[0].ravel())
    with pytest.raises(TypeError, match="dtype <U1"):
        mnist.keras_images(np.array([["a"]]))
