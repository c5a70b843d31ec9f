"""Rashid's ThreeLayerNetwork: the book's numbers on both backends, back-query, bad input that
changes nothing, and save/load without pickle."""
from __future__ import annotations

import os

import numpy as np
import pytest
from scipy.special import expit, logit

from pynet.backprop.three_layer_network import BookNetwork, ThreeLayerNetwork
from pynet.persistence import PersistenceError, load_npz, save_npz


def mnist_rows(n_train=2000, n_test=1000):
    from pynet.datasets import mnist

    (xtr, ytr), (xte, yte) = mnist.load()
    return (mnist.rashid_inputs(xtr[:n_train]), mnist.rashid_targets(ytr[:n_train]), ytr[:n_train],
            mnist.rashid_inputs(xte[:n_test]), yte[:n_test])


def net_for(backend_name, kernels_of, *args, **kw):
    kernels_of(backend_name, ["linalg", "rashid"])  # skip (or fail in CI) when not built
    return ThreeLayerNetwork(*args, backend=backend_name, **kw)


# -- construction -----------------------------------------------------------------------------

def test_shapes_and_book_initialisation():
    net = ThreeLayerNetwork(784, 200, 10, 0.1, seed=3)
    assert (net.inodes, net.hnodes, net.onodes, net.lr) == (784, 200, 10, 0.1)
    assert net.wih.shape == (200, 784) and net.who.shape == (10, 200)
    # the listing's spread: hnodes^-0.5 = 0.0707 for wih and onodes^-0.5 = 0.316 for who
    assert abs(net.wih.std() - 200 ** -0.5) < 0.002
    assert abs(net.who.std() - 10 ** -0.5) < 0.02
    assert abs(net.wih.mean()) < 0.001


def test_fan_in_initialisation():
    net = ThreeLayerNetwork(784, 200, 10, 0.1, seed=3, init="fan_in")
    assert abs(net.wih.std() - 784 ** -0.5) < 0.001     # 0.0357
    assert abs(net.who.std() - 200 ** -0.5) < 0.005     # 0.0707


def test_seed_reproducible_and_matches_book_formulation():
    a, b = ThreeLayerNetwork(20, 7, 3, 0.1, seed=5), ThreeLayerNetwork(20, 7, 3, 0.1, seed=5)
    np.testing.assert_array_equal(a.wih, b.wih)
    np.testing.assert_array_equal(a.who, b.who)
    assert not np.array_equal(a.wih, ThreeLayerNetwork(20, 7, 3, 0.1, seed=6).wih)
    book = BookNetwork(20, 7, 3, 0.1, seed=5)
    np.testing.assert_array_equal(a.wih, book.wih)
    np.testing.assert_array_equal(a.who, book.who)


@pytest.mark.parametrize("kwargs, text", [
    (dict(learningrate=0), "'learningrate' must be a finite real number > 0"),
    (dict(learningrate=-0.1), "'learningrate' must be a finite real number > 0"),
    (dict(learningrate=float("nan")), "'learningrate'"),
    (dict(learningrate="fast"), "'learningrate' must be a finite real number > 0, got 'fast'"),
    (dict(inputnodes=0), "'inputnodes' must be a positive integer"),
    (dict(hiddennodes=2.5), "'hiddennodes' must be a positive integer"),
    (dict(outputnodes=True), "'outputnodes' must be a positive integer"),
    (dict(init="xavier"), "'init' must be one of"),
    (dict(dtype="int32"), "'dtype' must be float32 or float64"),
    (dict(backend="gpu"), "'backend' must be None, 'python' or 'cython'"),
    (dict(input_range=(1, 0)), "low < high"),
])
def test_constructor_rejects(kwargs, text):
    args = dict(inputnodes=4, hiddennodes=3, outputnodes=2, learningrate=0.1)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=None) as info:
        ThreeLayerNetwork(**args)
    assert text in str(info.value)


def test_learning_rate_setter_checks_and_keeps_old_value():
    net = ThreeLayerNetwork(4, 3, 2, 0.1)
    with pytest.raises(ValueError, match="> 0"):
        net.lr = 0
    assert net.lr == 0.1
    net.lr = 0.01
    assert net.lr == 0.01


# -- the book's arithmetic on both backends ------------------------------------------------------

def test_train_and_query_equal_the_book_formulation(backend_name, kernels_of):
    x, t, _, xt, _ = mnist_rows(300, 50)
    net = net_for(backend_name, kernels_of, 784, 100, 10, 0.1, seed=11)
    book = BookNetwork(784, 100, 10, 0.1, seed=11)
    for n in range(300):
        net.train(x[n], t[n])
        book.train(list(x[n]), list(t[n]))     # the book passes lists
    np.testing.assert_allclose(net.wih, book.wih, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.who, book.who, rtol=0, atol=1e-12)
    assert np.abs(net.wih - BookNetwork(784, 100, 10, 0.1, seed=11).wih).max() > 1e-4
    for row in xt[:10]:
        np.testing.assert_allclose(net.query(row), book.query(row), rtol=0, atol=1e-13)
    np.testing.assert_allclose(net.query_batch(xt), np.hstack([book.query(r) for r in xt]).T,
                               rtol=0, atol=1e-13)


def test_train_epoch_equals_train_loop(backend_name, kernels_of):
    x, t, *_ = mnist_rows(100, 1)
    a = net_for(backend_name, kernels_of, 784, 30, 10, 0.2, seed=2)
    b = a.copy()
    a.train_epoch(x, t)
    for n in range(100):
        b.train(x[n], t[n])
    np.testing.assert_allclose(a.wih, b.wih, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.who, b.who, rtol=0, atol=1e-12)


def test_same_seed_same_numbers_on_both_backends(kernels_of):
    x, t, _, xt, _ = mnist_rows(1000, 200)
    nets = [net_for(b, kernels_of, 784, 200, 10, 0.1, seed=42) for b in ("python", "cython")]
    for net in nets:
        net.train_epoch(x, t)
    assert np.abs(nets[0].wih - nets[1].wih).max() <= 1e-10
    assert np.abs(nets[0].who - nets[1].who).max() <= 1e-10
    np.testing.assert_array_equal(nets[0].predict(xt), nets[1].predict(xt))


def test_accepts_list_1d_column_and_strings_as_in_the_book():
    base = ThreeLayerNetwork(6, 4, 3, 0.3, seed=1)
    x = [0.01, 0.5, 1.0, 0.2, 0.3, 0.9]
    t = [0.99, 0.01, 0.01]
    results = []
    for xs, ts in [(x, t), (np.array(x), np.array(t)), (np.array(x, ndmin=2).T, np.array(t, ndmin=2).T),
                   ([str(v) for v in x], t)]:
        net = base.copy()
        net.train(xs, ts)
        results.append(net.wih.copy())
        assert net.query(xs).shape == (3, 1)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_learns_mnist(backend_name, kernels_of):
    """2000 images, one epoch: far above the 10 % of guessing (the book's full run reaches ~0.95)."""
    x, t, _, xt, yt = mnist_rows(2000, 1000)
    net = net_for(backend_name, kernels_of, 784, 100, 10, 0.1, seed=1)
    before = net.score(xt, yt)
    net.train_epoch(x, t)
    after = net.score(xt, yt)
    assert before < 0.3 < 0.85 < after


def test_float32_network_tracks_float64(kernels_of, backend_name):
    x, t, _, xt, yt = mnist_rows(500, 300)
    n64 = net_for(backend_name, kernels_of, 784, 50, 10, 0.1, seed=4)
    n32 = net_for(backend_name, kernels_of, 784, 50, 10, 0.1, seed=4, dtype="float32")
    assert n32.wih.dtype == np.float32
    n64.train_epoch(x, t)
    n32.train_epoch(x, t)
    assert np.abs(n32.wih - n64.wih).max() < 1e-4
    assert np.mean(n32.predict(xt) == n64.predict(xt)) > 0.98


def test_rashid_csv_records_as_in_the_book(shared_data):
    """The book's own loop over its CSV file: split, drop the label, scale, train."""
    path = shared_data("rashid/mnist_train_100.csv")
    records = path.read_text().strip().splitlines()
    assert len(records) == 100
    net = ThreeLayerNetwork(784, 100, 10, 0.3, seed=0)
    for _ in range(5):
        for record in records:
            values = record.split(",")
            inputs = np.asarray(values[1:], dtype=float) / 255.0 * 0.99 + 0.01
            targets = np.zeros(10) + 0.01
            targets[int(values[0])] = 0.99
            net.train(inputs, targets)
    labels = [int(r.split(",")[0]) for r in records]
    x = np.array([np.asarray(r.split(",")[1:], dtype=float) for r in records]) / 255 * 0.99 + 0.01
    assert net.score(x, labels) > 0.9       # it has memorised its 100 training records
    # a raw CSV record (label included, pixels unscaled) is caught with a hint
    with pytest.raises(ValueError, match="did the label"):
        net.query(records[0].split(","))


# -- back-query -------------------------------------------------------------------------------

def test_backquery_follows_the_book(backend_name, kernels_of):
    net = net_for(backend_name, kernels_of, 12, 5, 3, 0.1, seed=8)
    targets = np.array([0.99, 0.01, 0.01])
    # the book's steps, written out independently
    fo = targets[:, None]
    ho = net.who.T @ logit(fo)
    ho = (ho - ho.min()) / (ho - ho.min()).max() * 0.98 + 0.01
    inp = net.wih.T @ logit(ho)
    inp = (inp - inp.min()) / (inp - inp.min()).max() * 0.98 + 0.01
    got = net.backquery(targets)
    assert got.shape == (12, 1)
    np.testing.assert_allclose(got, inp, rtol=0, atol=1e-13)
    assert got.min() == pytest.approx(0.01) and got.max() == pytest.approx(0.99)
    np.testing.assert_allclose(net.backquery_label(0), got, rtol=0, atol=0)


def test_backquery_single_hidden_node_gives_no_nan():
    net = ThreeLayerNetwork(4, 1, 2, 0.1, seed=0)
    out = net.backquery([0.99, 0.01])
    assert np.isfinite(out).all()


@pytest.mark.parametrize("targets, text", [
    ([1.0, 0.01, 0.01], "targets must lie in (0, 1)"),
    ([0.99, 0.0, 0.01], "use 0.01 and 0.99"),
    ([0.99, 0.01], "expected 3 targets, got 2"),
    ([0.99, np.nan, 0.01], "NaN/Inf"),
])
def test_backquery_rejects(targets, text):
    net = ThreeLayerNetwork(4, 3, 3, 0.1)
    with pytest.raises(ValueError) as info:
        net.backquery(targets)
    assert text in str(info.value)
    with pytest.raises(ValueError, match=r"'label' must be an integer in \[0, 2\], got 3"):
        net.backquery_label(3)


def test_backquery_of_a_trained_net_looks_like_the_digit():
    """Back-query images correlate best with their own digit's contrast image (its average
    minus the average of all digits: where it has more ink than digits in general)."""
    x, t, y, *_ = mnist_rows(3000, 1)
    net = ThreeLayerNetwork(784, 100, 10, 0.1, seed=1)
    before = [net.backquery_label(d)[:, 0] for d in range(10)]
    net.train_epoch(x, t)
    contrast = np.stack([x[y == d].mean(axis=0) for d in range(10)]) - x.mean(axis=0)

    def hits(images):
        return sum(int(np.argmax([np.corrcoef(img, c)[0, 1] for c in contrast]) == d)
                   for d, img in enumerate(images))

    assert hits([net.backquery_label(d)[:, 0] for d in range(10)]) >= 8
    assert hits(before) <= 4                 # random weights: no such pattern


# -- bad input: a clear error, nothing changed ------------------------------------------------

@pytest.mark.parametrize("method, args, text", [
    ("train", ([0.5] * 342, [0.01] * 10), "expected 784 inputs, got 342 — is a CSV row truncated"),
    ("train", ([5] + [0.5] * 784, [0.01] * 10), "did the label"),
    ("train", ([0.5] * 784, [0.01] * 9), "expected 10 targets, got 9"),
    ("train", ([np.nan] + [0.5] * 783, [0.01] * 10), "'inputs' contains 1 NaN/Inf value(s), first at index 0"),
    ("train", ([200.0] * 784, [0.01] * 10), "x / 255 * 0.99 + 0.01"),
    ("train", ([0.5] * 784, [7] * 10), "not the label itself"),
    ("train", (np.zeros((2, 784)), [0.01] * 10), "for many samples use train_epoch"),
    ("train", ([None] * 784, [0.01] * 10), "must hold numbers"),
    ("train", (["a"] * 784, [0.01] * 10), "not a number"),
    ("query", ([0.5] * 100,), "expected 784 inputs, got 100"),
    ("train_epoch", (np.full((3, 784), 0.5), np.full((2, 10), 0.01)), "inputs has 3 rows but targets has 2"),
    ("train_epoch", (np.full((3, 783), 0.5), np.full((3, 10), 0.01)), "expected rows of 784 inputs"),
    ("train_epoch", (np.full(784, 0.5), np.full((1, 10), 0.01)), "must be 2-D"),
    ("train_epoch", (np.where(np.eye(3, 784) > 0, np.nan, 0.5), np.full((3, 10), 0.01)), "NaN/Inf"),
    ("query_batch", (np.full((3, 10), 0.5),), "expected rows of 784 inputs"),
])
def test_bad_input_raises_and_changes_nothing(method, args, text):
    net = ThreeLayerNetwork(784, 20, 10, 0.1, seed=1)
    wih, who = net.wih.copy(), net.who.copy()
    with pytest.raises((ValueError, TypeError)) as info:
        getattr(net, method)(*args)
    assert text in str(info.value), str(info.value)
    np.testing.assert_array_equal(net.wih, wih)
    np.testing.assert_array_equal(net.who, who)


def test_input_range_check_can_be_switched_off():
    net = ThreeLayerNetwork(2, 2, 1, 0.1, seed=0, input_range=None)
    net.train([-3.0, 4.0], [0.99])
    assert net.query([-3.0, 4.0]).shape == (1, 1)


def test_score_checks_labels():
    net = ThreeLayerNetwork(4, 3, 2, 0.1)
    with pytest.raises(ValueError, match="one per row"):
        net.score(np.full((3, 4), 0.5), [0, 1])
    with pytest.raises(ValueError, match="no samples"):
        net.score(np.full((0, 4), 0.5), [])


# -- save / load --------------------------------------------------------------------------------

def test_save_load_roundtrip(tmp_path, backend_name, kernels_of):
    x, t, _, xt, _ = mnist_rows(200, 50)
    net = net_for(backend_name, kernels_of, 784, 30, 10, 0.2, seed=9, init="fan_in")
    net.train_epoch(x, t)
    path = tmp_path / "rashid.npz"
    net.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["rashid.npz"]   # no temporary file left
    back = ThreeLayerNetwork.load(path, backend=backend_name)
    np.testing.assert_array_equal(back.wih, net.wih)
    np.testing.assert_array_equal(back.who, net.who)
    assert (back.lr, back.init, back.seed) == (0.2, "fan_in", 9)
    np.testing.assert_array_equal(back.query_batch(xt), net.query_batch(xt))
    back.train(x[0], t[0])                   # a loaded network trains on
    with open(path, "rb") as fh:
        assert b"pickle" not in fh.read()


def test_load_checks_shapes_and_kind(tmp_path):
    net = ThreeLayerNetwork(6, 4, 3, 0.1, seed=1)
    path = tmp_path / "net.npz"
    net.save(path)
    arrays, meta = load_npz(path)
    # weights that do not fit the stored layer sizes
    bad = tmp_path / "bad.npz"
    save_npz(bad, {"wih": arrays["wih"][:, :5], "who": arrays["who"]},
             {k: v for k, v in meta.items() if k not in ("format", "pynet_version")})
    with pytest.raises(PersistenceError, match=r"array 'wih' has shape \(4, 5\), expected \(4, 6\)"):
        ThreeLayerNetwork.load(bad)
    other = tmp_path / "other.npz"
    save_npz(other, arrays, {"model": "something else"})
    with pytest.raises(PersistenceError, match="not a pynet.backprop.ThreeLayerNetwork"):
        ThreeLayerNetwork.load(other)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:100])
    with pytest.raises(PersistenceError):
        ThreeLayerNetwork.load(truncated)
    with pytest.raises(FileNotFoundError):
        ThreeLayerNetwork.load(tmp_path / "missing.npz")


def test_copy_is_independent():
    net = ThreeLayerNetwork(4, 3, 2, 0.1, seed=0)
    twin = net.copy()
    twin.train([0.5] * 4, [0.99, 0.01])
    assert not np.array_equal(net.wih, twin.wih)
    assert "ThreeLayerNetwork(4, 3, 2" in repr(net)
    import copy

    deep = copy.deepcopy(net)
    deep.train([0.5] * 4, [0.99, 0.01])
    assert not np.array_equal(net.wih, deep.wih)
    np.testing.assert_array_equal(copy.copy(net).wih, net.wih)


def test_rashid_csv_through_the_checked_reader(shared_data):
    """The book's 100-record CSV via pynet.datasets.csv_records and the book's scaling: the
    network trained on it answers the 10-record test file well above chance."""
    from pynet.datasets import mnist
    from pynet.datasets.csv_records import read_csv

    train_images, train_labels = read_csv(shared_data("rashid/mnist_train_100.csv"))
    test_images, test_labels = read_csv(shared_data("rashid/mnist_test_10.csv"))
    net = ThreeLayerNetwork(784, 100, 10, 0.3, seed=0)
    for _ in range(5):
        net.train_epoch(mnist.rashid_inputs(train_images), mnist.rashid_targets(train_labels))
    assert net.score(mnist.rashid_inputs(test_images), test_labels) >= 0.5
