"""Nielsen's Network: both backprop paths, gradient checks, SGD, monitoring, bad input, save/load."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from pynet.backprop.feedforward_network import (
    CrossEntropyCost, History, LogLikelihoodCost, Net, Network, QuadraticCost,
    default_weight_initializer, large_weight_initializer, load,
)
from pynet.datasets import mnist
from pynet.persistence import PersistenceError

ALL_COSTS = [QuadraticCost, CrossEntropyCost, LogLikelihoodCost]


@pytest.fixture(scope="module")
def digits():
    """600 training pairs (one-hot) and 300 test pairs (int labels) from the embedded MNIST."""
    (xt, yt), (xs, ys) = mnist.load()
    return (mnist.nielsen_pairs(xt[:600], yt[:600], one_hot=True),
            mnist.nielsen_pairs(xs[:300], ys[:300], one_hot=False))


def toy_data(rng, n, sizes, one_hot=True):
    xs = [rng.random((sizes[0], 1)) for _ in range(n)]
    labels = rng.integers(0, sizes[-1], n)
    if one_hot:
        return [(x, np.eye(sizes[-1])[:, [int(c)]]) for x, c in zip(xs, labels)]
    return [(x, int(c)) for x, c in zip(xs, labels)]


def params(net):
    return [p.copy() for p in net.weights + net.biases]


def max_diff(a, b):
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


# -- construction and initialisation ------------------------------------------------------------

def test_shapes_and_parameter_count():
    net = Network([784, 30, 10], seed=0)
    assert [w.shape for w in net.weights] == [(30, 784), (10, 30)]
    assert [b.shape for b in net.biases] == [(30, 1), (10, 1)]
    assert net.num_parameters == 23860          # the text's count (L1003)
    assert Network([784, 100, 10], seed=0).num_parameters == 79510
    assert Net is Network


def test_seed_reproduces_and_different_seeds_differ():
    a, b, c = Network([5, 4, 3], seed=7), Network([5, 4, 3], seed=7), Network([5, 4, 3], seed=8)
    assert max_diff(params(a), params(b)) == 0
    assert max_diff(params(a), params(c)) > 0.1


def test_initialiser_spreads():
    rng = np.random.default_rng(0)
    w, b = default_weight_initializer([1000, 200, 10], rng)
    assert np.std(w[0]) == pytest.approx(1 / np.sqrt(1000), rel=0.02)
    assert np.std(b[0]) == pytest.approx(1.0, rel=0.15)
    w, b = large_weight_initializer([1000, 200, 10], rng)
    assert np.std(w[0]) == pytest.approx(1.0, rel=0.02)


def test_z_widths_of_the_two_initialisations():
    """Half of 1000 inputs on: z ~ N(0, √501 ≈ 22.4) with N(0, 1) weights and N(0, √1.5 ≈ 1.22)
    with N(0, 1/√n_in) weights (text §6.1–6.2), measured over 4000 hidden units."""
    x = np.zeros((1000, 1))
    x[:500] = 1.0
    large = Network([1000, 4000, 1], seed=1, initializer="large")
    small = Network([1000, 4000, 1], seed=1, initializer="default")
    z_large = large.weights[0] @ x + large.biases[0]
    z_small = small.weights[0] @ x + small.biases[0]
    assert np.std(z_large) == pytest.approx(np.sqrt(501), rel=0.05)
    assert np.std(z_small) == pytest.approx(np.sqrt(1.5), rel=0.05)


# -- bad input: clear errors, raised before any weight changes ----------------------------------

@pytest.mark.parametrize("sizes, exc, match", [
    ([784], ValueError, "at least two layers"),
    ([], ValueError, "at least two layers"),
    ([784, 0, 10], ValueError, r"sizes\[1\] is 0"),
    ([784, -3, 10], ValueError, r"sizes\[1\] is -3"),
    ([784, 30.5, 10], TypeError, r"sizes\[1\] must be an integer"),
    ([784, True, 10], TypeError, r"sizes\[1\]"),
    ("784,30", TypeError, "list of layer sizes"),
])
def test_bad_sizes(sizes, exc, match):
    with pytest.raises(exc, match=match):
        Network(sizes)


def test_bad_constructor_options():
    with pytest.raises(ValueError, match="'method'"):
        Network([3, 2], method="fast")
    with pytest.raises(ValueError, match="'initializer'"):
        Network([3, 2], initializer="xavier")
    with pytest.raises(ValueError, match="'backend'"):
        Network([3, 2], backend="torch")
    with pytest.raises(ValueError, match="cost must be one of"):
        Network([3, 2], cost="MSE")


def test_feedforward_wrong_length():
    net = Network([784, 30, 10], seed=0)
    with pytest.raises(ValueError, match=r"expected 784 inputs.*got shape \(342, 1\)"):
        net.feedforward(np.zeros((342, 1)))
    with pytest.raises(ValueError, match="784"):
        net.feedforward(np.zeros(783))
    with pytest.raises(TypeError, match="numbers"):
        net.feedforward(np.array(["a"] * 784))


def _sgd_bad_cases(rng):
    good = toy_data(rng, 20, [6, 4, 3])
    nan_x = list(good)
    x = good[5][0].copy()
    x[2, 0] = np.nan
    nan_x[5] = (x, good[5][1])
    nan_y = list(good)
    nan_y[3] = (good[3][0], np.full((3, 1), np.nan))
    short = list(good)
    short[7] = (np.zeros((5, 1)), good[7][1])
    out_of_range = [(x, 3) for x, _ in good]
    negative = [(x, -1) for x, _ in good]
    wrong_vec = list(good)
    wrong_vec[2] = (good[2][0], np.zeros((4, 1)))
    mixed = list(good)
    mixed[4] = (good[4][0], 1)
    kw = dict(epochs=1, mini_batch_size=5, eta=0.5)
    return good, [
        (dict(training_data=nan_x, **kw), ValueError, r"training_data\[5\] has NaN or Inf in its inputs"),
        (dict(training_data=nan_y, **kw), ValueError, r"training_data\[3\] has NaN or Inf in its targets"),
        (dict(training_data=short, **kw), ValueError, r"training_data\[7\]\[0\].*\(6, 1\).*\(5, 1\)"),
        (dict(training_data=out_of_range, **kw), ValueError, r"label 3.*0\.\.2"),
        (dict(training_data=negative, **kw), ValueError, r"label -1"),
        (dict(training_data=wrong_vec, **kw), ValueError, r"training_data\[2\]\[1\].*\(3, 1\)"),
        (dict(training_data=mixed, **kw), TypeError, "one convention"),
        (dict(training_data=[], **kw), ValueError, "empty"),
        (dict(training_data=good, epochs=1, mini_batch_size=0, eta=0.5), ValueError,
         "'mini_batch_size' must be a positive integer, got 0"),
        (dict(training_data=good, epochs=1, mini_batch_size=-2, eta=0.5), ValueError, "'mini_batch_size'"),
        (dict(training_data=good, epochs=1, mini_batch_size=2.5, eta=0.5), TypeError, "'mini_batch_size'"),
        (dict(training_data=good, epochs=-1, mini_batch_size=5, eta=0.5), ValueError, "'epochs'"),
        (dict(training_data=good, epochs=1, mini_batch_size=5, eta=0.0), ValueError, "'eta'"),
        (dict(training_data=good, epochs=1, mini_batch_size=5, eta=float("nan")), ValueError, "'eta'"),
        (dict(training_data=good, lmbda=-1.0, **kw), ValueError, "'lmbda'"),
        (dict(training_data=good, evaluation_data=nan_x, **kw), ValueError, r"evaluation_data\[5\]"),
        (dict(training_data=good, monitor_evaluation_accuracy=True, **kw), ValueError, "needs evaluation_data"),
        (dict(training_data=good, method="gpu", **kw), ValueError, "'method'"),
        (dict(training_data=[(1, 2, 3)] * 3, **kw), TypeError, r"training_data\[0\] must be an \(x, y\) pair"),
    ]


@pytest.mark.parametrize("method", ["loop", "matrix"])
def test_sgd_bad_input_raises_before_any_weight_change(rng, method):
    good, cases = _sgd_bad_cases(rng)
    net = Network([6, 4, 3], seed=3, method=method)
    before = params(net)
    state = net.rng.bit_generator.state
    for kwargs, exc, match in cases:
        with pytest.raises(exc, match=match):
            net.SGD(verbose=False, **kwargs)
        assert max_diff(params(net), before) == 0, kwargs
    assert net.rng.bit_generator.state == state      # not even the shuffle was drawn
    net.SGD(good, 1, 5, 0.5, verbose=False)           # and the good data still trains
    assert max_diff(params(net), before) > 0


def test_update_mini_batch_and_backprop_bad_input(rng):
    net = Network([6, 4, 3], seed=3)
    before = params(net)
    batch = toy_data(rng, 4, [6, 4, 3])
    with pytest.raises(ValueError, match=r"mini_batch\[0\]\[0\]"):
        net.update_mini_batch([(np.zeros((7, 1)), batch[0][1])], 0.5)
    with pytest.raises(ValueError, match="'eta'"):
        net.update_mini_batch(batch, -0.5)
    with pytest.raises(ValueError, match="label 7"):
        net.backprop(np.zeros((6, 1)), 7)
    with pytest.raises(ValueError, match="column"):
        net.backprop(np.zeros((6, 2)), np.zeros((3, 1)))
    assert max_diff(params(net), before) == 0


def test_unscaled_pixels_warn(rng):
    net = Network([6, 3], seed=0)
    data = [(rng.integers(0, 256, (6, 1)).astype(float), 1) for _ in range(5)]
    with pytest.warns(UserWarning, match="divide by 255"):
        net.SGD(data, 1, 5, 0.1, verbose=False)


def test_divergence_is_reported(rng):
    net = Network([6, 4, 3], seed=0, cost=QuadraticCost)
    data = toy_data(rng, 20, [6, 4, 3])
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="epoch 0.*smaller eta"):
        net.SGD(data, 1, 5, 1e308, lmbda=1e300, verbose=False)


# -- the two paths give one result ---------------------------------------------------------------

@pytest.mark.parametrize("cost", ALL_COSTS, ids=lambda c: c.name)
@pytest.mark.parametrize("lmbda", [0.0, 2.0])
@pytest.mark.parametrize("sizes", [[6, 4, 3], [5, 1, 4], [7, 6, 5, 4]], ids=str)
def test_loop_and_matrix_paths_give_identical_weights(backend_name, kernels_of, rng, cost, lmbda, sizes):
    kernels_of(backend_name, ["nielsen"])            # skips (or fails in CI) if not built
    data = toy_data(rng, 47, sizes)
    loop = Network(sizes, cost=cost, seed=11, method="loop")
    matrix = Network(sizes, cost=cost, seed=11, method="matrix", backend=backend_name)
    start = params(loop)
    loop.SGD(data, 2, 10, 0.5, lmbda=lmbda, verbose=False)
    matrix.SGD(data, 2, 10, 0.5, lmbda=lmbda, verbose=False)
    assert max_diff(params(loop), start) > 1e-3
    assert max_diff(params(loop), params(matrix)) <= 1e-10


def test_paths_and_backends_agree_on_mnist(digits, kernels_of):
    """[784, 30, 10], mini-batch 10, η = 0.5, λ = 5, one epoch of 600 digits: three ways."""
    kernels_of("cython", ["nielsen"])
    train, _ = digits
    nets = [Network([784, 30, 10], seed=5, method="loop"),
            Network([784, 30, 10], seed=5, method="matrix", backend="python"),
            Network([784, 30, 10], seed=5, method="matrix", backend="cython")]
    for net in nets:
        net.SGD(train, 1, 10, 0.5, lmbda=5.0, verbose=False)
    assert max_diff(params(nets[0]), params(nets[1])) <= 1e-10
    assert max_diff(params(nets[1]), params(nets[2])) <= 1e-10


def test_update_mini_batch_paths_agree(rng):
    batch = toy_data(rng, 9, [6, 5, 3])
    a = Network([6, 5, 3], seed=2, method="loop")
    b = Network([6, 5, 3], seed=2, method="matrix")
    a.update_mini_batch(batch, 0.8, lmbda=1.5, n=100)
    b.update_mini_batch(batch, 0.8, lmbda=1.5, n=100)
    assert max_diff(params(a), params(b)) <= 1e-12
    # and it is the hand-written Eq. 54 step:
    c = Network([6, 5, 3], seed=2)
    nb = [np.zeros_like(x) for x in c.biases]
    nw = [np.zeros_like(x) for x in c.weights]
    for x, y in batch:
        db, dw = c.backprop(x, y)
        nb = [p + q for p, q in zip(nb, db)]
        nw = [p + q for p, q in zip(nw, dw)]
    expected = [(1 - 0.8 * 1.5 / 100) * w - 0.8 / 9 * g for w, g in zip(c.weights, nw)] + \
               [b_ - 0.8 / 9 * g for b_, g in zip(c.biases, nb)]
    assert max_diff(params(a), expected) <= 1e-12


def test_backprop_accepts_int_label_and_columns(rng):
    net = Network([5, 4, 3], seed=0)
    x = rng.random((5, 1))
    g_int = net.backprop(x, 2)
    g_vec = net.backprop(x, np.eye(3)[:, [2]])
    assert max_diff(g_int[0] + g_int[1], g_vec[0] + g_vec[1]) == 0
    X = rng.random((5, 4))
    Y = np.eye(3)[:, [0, 1, 2, 0]]
    g_all = net.backprop(X, Y)
    parts = [net.backprop(X[:, [c]], Y[:, [c]]) for c in range(4)]
    summed = [sum(p[0][i] for p in parts) for i in range(2)] + [sum(p[1][i] for p in parts) for i in range(2)]
    assert max_diff(g_all[0] + g_all[1], summed) <= 1e-12


# -- SGD, monitoring, measuring ------------------------------------------------------------------

def test_sgd_learns_digits(digits):
    train, test = digits
    net = Network([784, 30, 10], seed=0)
    before = net.accuracy(test)
    history = net.SGD(train, 5, 10, 0.5, evaluation_data=test, monitor_evaluation_accuracy=True,
                      monitor_training_cost=True, verbose=False)
    assert before < 0.3
    assert history.evaluation_accuracy[-1] > 0.75
    assert history.training_cost[-1] < history.training_cost[0]


def test_history_monitoring_and_printed_lines(digits):
    train, test = digits
    lines = []
    net = Network([784, 20, 10], seed=1)
    h = net.SGD(train[:200], 3, 10, 0.5, lmbda=1.0, validation_data=test[:100],
                monitor_validation_cost=True, monitor_evaluation_accuracy=True,
                monitor_training_cost=True, monitor_training_accuracy=True, print_fn=lines.append)
    assert h.epochs == 3 and len(lines) == 3
    ec, ea, tc, ta = h                               # the original's return order
    assert len(ec) == len(ea) == len(tc) == len(ta) == 3
    assert lines[2] == (f"Epoch 2: Cost_train[{tc[2]:.6f}]..Acc_train[{ta[2]:.6f}].."
                        f"Cost_val[{ec[2]:.6f}]..Acc_val[{ea[2]:.6f}]")
    # The recorded numbers are the network's own measures after the last epoch.
    assert ta[-1] == net.accuracy(train[:200])
    assert ea[-1] == net.accuracy(test[:100])
    assert tc[-1] == pytest.approx(net.total_cost(train[:200], lmbda=1.0), rel=1e-12)
    assert ec[-1] == pytest.approx(net.total_cost(test[:100], lmbda=1.0), rel=1e-12)
    assert h.to_keras() == {"loss": tc, "accuracy": ta, "val_loss": ec, "val_accuracy": ea}
    assert h.lines(-2) == lines[1:]
    quiet = History(epochs=2)
    assert quiet.epoch_line(1) == "Epoch 1 complete"


def test_total_cost_includes_the_l2_term_once(rng):
    net = Network([5, 4, 3], seed=0)
    data = toy_data(rng, 8, [5, 4, 3])
    plain = net.total_cost(data)
    by_hand = sum(CrossEntropyCost.fn(net.feedforward(x), y) for x, y in data) / 8
    assert plain == pytest.approx(by_hand, rel=1e-12)
    sum_w2 = sum(float(np.sum(w ** 2)) for w in net.weights)
    assert net.total_cost(data, lmbda=2.0) == pytest.approx(plain + 2.0 / (2 * 8) * sum_w2, rel=1e-12)


def test_label_conventions_give_the_same_measures(rng):
    net = Network([5, 4, 3], seed=0)
    hot = toy_data(rng, 30, [5, 4, 3])
    ints = [(x, int(np.argmax(y))) for x, y in hot]
    assert net.accuracy(hot) == net.accuracy(ints)
    assert net.total_cost(hot) == pytest.approx(net.total_cost(ints), rel=1e-14)
    assert net.evaluate(ints) == round(net.accuracy(ints) * 30)
    correct = sum(int(np.argmax(net.feedforward(x)) == y) for x, y in ints)
    assert net.evaluate(ints) == correct


def test_zip_and_generators_are_accepted_and_data_not_mutated(rng):
    data = toy_data(rng, 12, [5, 4, 3])
    xs, ys = [x for x, _ in data], [y for _, y in data]
    snapshot = [x.copy() for x in xs]
    a = Network([5, 4, 3], seed=9)
    b = Network([5, 4, 3], seed=9)
    a.SGD(zip(xs, ys), 2, 4, 0.5, verbose=False)
    b.SGD(data, 2, 4, 0.5, verbose=False)
    assert max_diff(params(a), params(b)) == 0
    assert all(np.array_equal(x, s) for x, s in zip(xs, snapshot))
    assert all(d[0] is x for d, x in zip(data, xs))  # order of the caller's list untouched


def test_feedforward_and_predict_shapes(rng):
    net = Network([5, 4, 3], seed=0)
    x = rng.random((5, 1))
    assert net.feedforward(x).shape == (3, 1)
    assert net.feedforward(x.ravel()).shape == (3,)
    X = rng.random((5, 7))
    out = net.feedforward(X)
    assert out.shape == (3, 7)
    np.testing.assert_allclose(out[:, [2]], net.feedforward(X[:, [2]]), rtol=1e-14)
    assert net.predict(x.ravel()) == int(np.argmax(net.feedforward(x)))
    np.testing.assert_array_equal(net.predict(X), np.argmax(out, axis=0))
    soft = Network([5, 4, 3], seed=0, cost=LogLikelihoodCost)
    np.testing.assert_allclose(soft.feedforward(X).sum(axis=0), 1.0)


def test_reinitialisers_use_the_network_generator():
    a, b = Network([6, 5, 2], seed=3), Network([6, 5, 2], seed=3)
    a.large_weight_initializer()
    b.large_weight_initializer()
    assert max_diff(params(a), params(b)) == 0
    assert np.std(a.weights[0]) > 0.5
    a.default_weight_initializer()
    assert np.std(a.weights[0]) < 0.8


# -- save / load ---------------------------------------------------------------------------------

def test_save_load_round_trip(tmp_path, rng):
    net = Network([6, 5, 3], seed=1, cost=QuadraticCost)
    net.SGD(toy_data(rng, 10, [6, 5, 3]), 1, 5, 0.5, verbose=False)
    path = tmp_path / "net.json"
    net.save(path)
    back = load(path)
    assert back.sizes == net.sizes and back.cost is QuadraticCost
    assert max_diff(params(back), params(net)) == 0  # JSON floats round-trip exactly
    assert sorted(os.listdir(tmp_path)) == ["net.json"]   # no temporary file left behind
    doc = json.loads(path.read_text())
    assert doc["cost"] == "QuadraticCost" and doc["sizes"] == [6, 5, 3]
    assert Network.load(path, method="loop").method == "loop"


def test_load_rejects_bad_files(tmp_path):
    net = Network([4, 3, 2], seed=0)
    path = tmp_path / "net.json"
    net.save(path)
    text = path.read_text()
    good = json.loads(text)

    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) // 2])
    with pytest.raises(PersistenceError, match="not valid JSON"):
        load(truncated)

    def write(name, **changes):
        p = tmp_path / name
        p.write_text(json.dumps({**good, **changes}))
        return p

    with pytest.raises(PersistenceError, match="names cost"):
        load(write("evil.json", cost="__import__('os').system('echo hacked')"))
    with pytest.raises(PersistenceError, match=r"weights\[0\] has shape \(3, 5\), expected \(3, 4\)"):
        load(write("shape.json", weights=[np.zeros((3, 5)).tolist(), good["weights"][1]]))
    with pytest.raises(PersistenceError, match="'biases' must be a list of 2"):
        load(write("count.json", biases=good["biases"][:1]))
    with pytest.raises(PersistenceError, match="bad 'sizes'"):
        load(write("sizes.json", sizes=[4]))
    with pytest.raises(PersistenceError, match="format"):
        load(write("format.json", format="something else"))
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({"sizes": [4, 3, 2]}))
    with pytest.raises(PersistenceError, match="missing"):
        load(missing)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.json")


def test_missing_compiled_backend_says_how_to_build(monkeypatch):
    from pynet import kernels

    def missing(name, domains=None):
        raise ImportError("No module named 'pynet.kernels._c_nielsen'")

    monkeypatch.setattr(kernels, "load_backend", missing)
    with pytest.raises(ImportError, match="compiled kernels are not available.*build them"):
        Network([3, 2], backend="cython")
