"""The 'nielsen' kernels: compiled == NumPy reference, on random and awkward networks.

Witnesses: the reference kernels (readable NumPy), the compiled ones (BLAS gemm, one nogil block),
and Network.backprop (chapter 3's per-example loop, written independently in
pynet/backprop/feedforward_network.py).
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet.backprop.feedforward_network import Network

COSTS = ["quadratic", "cross_entropy", "log_likelihood"]
NET_COSTS = {"quadratic": "QuadraticCost", "cross_entropy": "CrossEntropyCost",
             "log_likelihood": "LogLikelihoodCost"}
# Awkward shapes: odd sizes, a 1-unit hidden layer, a single output, deeper nets.
SIZES = [[3, 2], [7, 5, 3], [5, 1, 4], [9, 6, 5, 4, 3], [4, 3, 1], [784, 30, 10]]


def make_net(rng, sizes, dtype=np.float64):
    ws = [(rng.standard_normal((b, a)) / np.sqrt(a)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [rng.standard_normal((b, 1)).astype(dtype) for b in sizes[1:]]
    return ws, bs


def copy(params):
    return [p.copy() for p in params]


def max_diff(xs, ys):
    return max(float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
               for a, b in zip(xs, ys))


@pytest.fixture
def both(kernels_of):
    return kernels_of("python", ["nielsen"]), kernels_of("cython", ["nielsen"])


@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("m", [1, 2, 7])
def test_backprop_compiled_matches_reference_and_loop(both, rng, sizes, cost, m):
    py, cy = both
    ws, bs = make_net(rng, sizes)
    x = rng.random((sizes[0], m))
    y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)]
    nb_p, nw_p = py.nielsen_backprop(ws, bs, x, y, cost)
    nb_c, nw_c = cy.nielsen_backprop(ws, bs, x, y, cost)
    assert [a.shape for a in nb_c] == [b.shape for b in bs]
    assert [a.shape for a in nw_c] == [w.shape for w in ws]
    assert max_diff(nb_p + nw_p, nb_c + nw_c) <= 1e-12
    # The per-example loop of the network class, summed over the columns.
    if sizes[-1] == 1 and cost == "log_likelihood":
        return  # softmax of one output is constant 1; covered below with more outputs
    net = Network(sizes, cost=NET_COSTS[cost], seed=0)
    net.weights, net.biases = copy(ws), copy(bs)
    loop_b = [np.zeros_like(b) for b in bs]
    loop_w = [np.zeros_like(w) for w in ws]
    for c in range(m):
        db, dw = net.backprop(x[:, c:c + 1], y[:, c:c + 1])
        loop_b = [a + d for a, d in zip(loop_b, db)]
        loop_w = [a + d for a, d in zip(loop_w, dw)]
    assert max_diff(loop_b + loop_w, nb_c + nw_c) <= 1e-12


@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("lmbda", [0.0, 3.0])
def test_step_is_the_update_of_the_gradients(both, rng, cost, lmbda):
    """nielsen_step == W(1 - ηλ/n) - (η/m)·nielsen_backprop, on both backends."""
    sizes, m, n, eta = [6, 4, 3], 5, 40, 0.7
    ws, bs = make_net(rng, sizes)
    x, y = rng.random((6, m)), rng.random((3, m))
    nb, nw = both[0].nielsen_backprop(ws, bs, x, y, cost)
    expected_w = [(1 - eta * lmbda / n) * w - eta / m * g for w, g in zip(ws, nw)]
    expected_b = [b - eta / m * g for b, g in zip(bs, nb)]
    for k in both:
        w2, b2 = copy(ws), copy(bs)
        k.nielsen_step(w2, b2, x, y, eta, lmbda, n, cost)
        assert max_diff(w2 + b2, expected_w + expected_b) <= 1e-12


@pytest.mark.parametrize("sizes", SIZES[1:], ids=str)
@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("mbs", [1, 4, 10])
def test_epoch_compiled_matches_reference(both, rng, sizes, cost, mbs):
    """A whole epoch (the last mini-batch short), float64: identical weights to <= 1e-10."""
    py, cy = both
    n = 37 if sizes[0] < 100 else 300
    ws, bs = make_net(rng, sizes)
    # Inputs with |x|^2 ~ 1: with 784 uniform pixels (|x|^2 ~ 260) and one example per step,
    # η = 0.5 is far past the stable step size and SGD turns chaotic — rounding differences then
    # grow ~10x every 10 steps in *any* two implementations, which would test nothing.
    x = rng.random((n, sizes[0])) * np.sqrt(3.0 / sizes[0])
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    order = rng.permutation(n)
    wp, bp, wc, bc = copy(ws), copy(bs), copy(ws), copy(bs)
    py.nielsen_epoch(wp, bp, x, y, order, mbs, 0.5, 5.0, n, cost)
    cy.nielsen_epoch(wc, bc, x, y, order, mbs, 0.5, 5.0, n, cost)
    assert max_diff(wp + bp, ws + bs) > 1e-3          # it did train
    assert max_diff(wp + bp, wc + bc) <= 1e-10


def test_epoch_equals_steps_in_order(both, rng):
    sizes, n, mbs = [5, 4, 3], 23, 6
    ws, bs = make_net(rng, sizes)
    x, y = rng.random((n, 5)), rng.random((n, 3))
    order = rng.permutation(n)
    for k in both:
        w1, b1, w2, b2 = copy(ws), copy(bs), copy(ws), copy(bs)
        k.nielsen_epoch(w1, b1, x, y, order, mbs, 0.3, 1.0, n, "cross_entropy")
        for s in range(0, n, mbs):
            batch = order[s:s + mbs]
            k.nielsen_step(w2, b2, x[batch].T, y[batch].T, 0.3, 1.0, n, "cross_entropy")
        assert max_diff(w1 + b1, w2 + b2) <= 1e-12


def test_epoch_order_subset_and_repeats(both, rng):
    """order may repeat rows or skip them; mini-batch larger than the data is one batch."""
    ws, bs = make_net(rng, [4, 3, 2])
    x, y = rng.random((6, 4)), rng.random((6, 2))
    order = np.array([5, 5, 0, 2])
    res = []
    for k in both:
        w, b = copy(ws), copy(bs)
        k.nielsen_epoch(w, b, x, y, order, 100, 1.0, 0.0, 6, "quadratic")
        res.append(w + b)
    assert max_diff(*res) <= 1e-12
    w, b = copy(ws), copy(bs)
    both[0].nielsen_step(w, b, x[order].T, y[order].T, 1.0, 0.0, 6, "quadratic")
    assert max_diff(res[0], w + b) <= 1e-12


def test_empty_order_changes_nothing(both, rng):
    ws, bs = make_net(rng, [4, 3, 2])
    for k in both:
        w, b = copy(ws), copy(bs)
        k.nielsen_epoch(w, b, rng.random((3, 4)), rng.random((3, 2)), np.array([], dtype=int),
                        10, 1.0, 0.0, 3, "quadratic")
        assert max_diff(w + b, ws + bs) == 0


def test_float32_backends_agree(both, rng):
    sizes = [13, 7, 4]
    ws, bs = make_net(rng, sizes, np.float32)
    x = rng.random((40, 13)).astype(np.float32)
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 40)]
    order = rng.permutation(40)
    out = []
    for k in both:
        w, b = copy(ws), copy(bs)
        k.nielsen_epoch(w, b, x, y, order, 8, 0.5, 1.0, 40, "log_likelihood")
        assert all(a.dtype == np.float32 for a in w + b)
        out.append(w + b)
    assert max_diff(*out) <= 1e-4
    nb = [k.nielsen_backprop(ws, bs, x[:5].T, y[:5].T, "quadratic") for k in both]
    assert all(a.dtype == np.float32 for a in nb[1][0] + nb[1][1])
    assert max_diff(nb[0][0] + nb[0][1], nb[1][0] + nb[1][1]) <= 1e-5


def test_non_contiguous_inputs(both, rng):
    """Inputs may be strided views (copied once); the result is the same as for copies."""
    ws, bs = make_net(rng, [6, 5, 3])
    big_x = rng.random((12, 20))
    big_y = rng.random((6, 20))
    x, y = big_x[::2, ::3], big_y[::2, ::3]          # (6, 7) and (3, 7), non-contiguous
    xf = np.asfortranarray(rng.random((30, 6)))
    yf = np.asfortranarray(rng.random((30, 3)))
    order = rng.permutation(30)
    for k in both:
        g1 = k.nielsen_backprop(ws, bs, x, y, "cross_entropy")
        g2 = k.nielsen_backprop(ws, bs, x.copy(), y.copy(), "cross_entropy")
        assert max_diff(g1[0] + g1[1], g2[0] + g2[1]) == 0
        w1, b1, w2, b2 = copy(ws), copy(bs), copy(ws), copy(bs)
        k.nielsen_epoch(w1, b1, xf, yf, order, 4, 0.5, 0.0, 30, "cross_entropy")
        k.nielsen_epoch(w2, b2, np.ascontiguousarray(xf), np.ascontiguousarray(yf), order, 4,
                        0.5, 0.0, 30, "cross_entropy")
        assert max_diff(w1 + b1, w2 + b2) == 0
    # Non-contiguous *parameters* for backprop are fine (read only).
    wt = [np.asfortranarray(w) for w in ws]
    g = [k.nielsen_backprop(wt, bs, x, y, "quadratic") for k in both]
    assert max_diff(g[0][0] + g[0][1], g[1][0] + g[1][1]) <= 1e-12


def test_one_dimensional_biases_are_updated_in_place(both, rng):
    ws, bs = make_net(rng, [4, 3, 2])
    flat = [b.reshape(-1).copy() for b in bs]
    x, y = rng.random((4, 3)), rng.random((2, 3))
    for k in both:
        w, b = copy(ws), [f.copy() for f in flat]
        k.nielsen_step(w, b, x, y, 1.0, 0.0, 3, "quadratic")
        w2, b2 = copy(ws), copy(bs)
        k.nielsen_step(w2, b2, x, y, 1.0, 0.0, 3, "quadratic")
        assert max_diff(b, [v.reshape(-1) for v in b2]) == 0


def test_softmax_output_is_stable_for_huge_z(both):
    """z of ±1e4 at the output: no overflow, finite gradients, identical in both backends."""
    ws = [np.array([[1e4], [-1e4], [0.0]])]
    bs = [np.zeros((3, 1))]
    x, y = np.ones((1, 2)), np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        grads = [k.nielsen_backprop(ws, bs, x, y, "log_likelihood") for k in both]
    for nb, nw in grads:
        assert np.isfinite(nw[0]).all()
        # a = (1, 0, 0) in both columns, so δ = a − y is (1, −1, 0) and (0, 0, 0).
        np.testing.assert_allclose(nb[0].ravel(), [1.0, -1.0, 0.0])


# -- errors: same message from both backends, raised before anything changes --------------------

def _raises_same(both, call, exc, match):
    messages = []
    for k in both:
        with pytest.raises(exc, match=match) as info:
            call(k)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_errors_are_identical_and_leave_weights_alone(both, rng):
    ws, bs = make_net(rng, [4, 3, 2])
    before = copy(ws) + copy(bs)
    x, y = rng.random((4, 5)), rng.random((2, 5))
    X, Y = rng.random((5, 4)), rng.random((5, 2))
    order = np.arange(5)
    cases = [
        (lambda k: k.nielsen_step(ws, bs, x, y, 1.0, 0.0, 5, "mse"), ValueError, "'cost'"),
        (lambda k: k.nielsen_step(ws, bs, x[:3], y, 1.0, 0.0, 5, "quadratic"), ValueError, "4 rows"),
        (lambda k: k.nielsen_step(ws, bs, x, y[:, :4], 1.0, 0.0, 5, "quadratic"), ValueError, "'y'"),
        (lambda k: k.nielsen_step(ws, bs, x[:, :0], y[:, :0], 1.0, 0.0, 5, "quadratic"), ValueError, "empty"),
        (lambda k: k.nielsen_step(ws, bs, x, y, -1.0, 0.0, 5, "quadratic"), ValueError, "'eta'"),
        (lambda k: k.nielsen_step(ws, bs, x, y, 1.0, float("nan"), 5, "quadratic"), ValueError, "'lmbda'"),
        (lambda k: k.nielsen_step(ws, bs, x, y, 1.0, 0.0, 0, "quadratic"), ValueError, "'n'"),
        (lambda k: k.nielsen_step(ws, bs, x.astype(np.float32), y, 1.0, 0.0, 5, "quadratic"),
         TypeError, "dtype"),
        (lambda k: k.nielsen_step(ws, bs, x.astype(int), y, 1.0, 0.0, 5, "quadratic"), TypeError, "'x'"),
        (lambda k: k.nielsen_step([ws[0], ws[0]], bs, x, y, 1.0, 0.0, 5, "quadratic"), ValueError, "weights\\[1\\]"),
        (lambda k: k.nielsen_step(ws, bs[:1], x, y, 1.0, 0.0, 5, "quadratic"), ValueError, "equal"),
        (lambda k: k.nielsen_step(ws, [bs[0], np.zeros((3, 1))], x, y, 1.0, 0.0, 5, "quadratic"),
         ValueError, "biases\\[1\\]"),
        (lambda k: k.nielsen_epoch(ws, bs, X, Y, np.array([0, 5]), 2, 1.0, 0.0, 5, "quadratic"),
         ValueError, "'order'"),
        (lambda k: k.nielsen_epoch(ws, bs, X, Y, order.astype(float), 2, 1.0, 0.0, 5, "quadratic"),
         TypeError, "'order'"),
        (lambda k: k.nielsen_epoch(ws, bs, X, Y, order, 0, 1.0, 0.0, 5, "quadratic"),
         ValueError, "'mini_batch_size'"),
        (lambda k: k.nielsen_epoch(ws, bs, X.T, Y, order, 2, 1.0, 0.0, 5, "quadratic"),
         ValueError, "'x_rows'"),
    ]
    for call, exc, match in cases:
        _raises_same(both, call, exc, match)
    assert max_diff(ws + bs, before) == 0


def test_parameters_updated_in_place_must_be_contiguous(both, rng):
    ws, bs = make_net(rng, [4, 3, 2])
    wf = [np.asfortranarray(w) for w in ws]
    x, y = rng.random((4, 2)), rng.random((2, 2))
    _raises_same(both, lambda k: k.nielsen_step(wf, bs, x, y, 1.0, 0.0, 2, "quadratic"),
                 ValueError, "C-contiguous")
    ro = copy(ws)
    ro[1].flags.writeable = False
    _raises_same(both, lambda k: k.nielsen_step(ro, bs, x, y, 1.0, 0.0, 2, "quadratic"),
                 ValueError, "read-only")
    assert max_diff(wf, ws) == 0


# -- the compiled epoch's sparse first layer (zero inputs skipped, lazy L2 decay) ---------------

@pytest.fixture
def first_layer(both, monkeypatch):
    """Set the compiled module's FIRST_LAYER switch ("auto", "dense", "sparse") for one test."""
    import pynet.kernels._c_nielsen as compiled

    def use(mode):
        monkeypatch.setattr(compiled, "FIRST_LAYER", mode)
        return compiled
    return use


def sparse_data(rng, n, n_in, n_out, density, dtype):
    """Inputs with about ``density`` nonzeros, some all-zero columns and rows, |x|^2 ~ 1."""
    mask = rng.random((n, n_in)) < density
    mask[:, ::5] = False                       # features that are never nonzero
    mask[::7] = False                          # examples that are all zero
    x = rng.random((n, n_in)) * mask * np.sqrt(3.0 / (n_in * max(density, 1e-3)))
    y = np.eye(n_out)[rng.integers(0, n_out, n)]
    return x.astype(dtype), y.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("density", [0.0, 0.03, 0.2, 0.6, 1.0])
@pytest.mark.parametrize("sizes", [[40, 1, 3], [40, 9, 5], [61, 17, 6, 4], [30, 4]], ids=str)
@pytest.mark.parametrize("mbs", [1, 10])
@pytest.mark.parametrize("lmbda", [0.0, 5.0])
def test_sparse_first_layer_matches_reference(both, first_layer, rng, dtype, density, sizes, mbs,
                                              lmbda):
    """The sparse path (forced) == the reference twin after a whole epoch; n = 53 rows, so
    mini-batch 10 ends with a short batch of 3."""
    py, cy = both
    first_layer("sparse")
    n = 53
    ws, bs = make_net(rng, sizes, dtype)
    x, y = sparse_data(rng, n, sizes[0], sizes[-1], density, dtype)
    order = rng.permutation(n)
    wp, bp, wc, bc = copy(ws), copy(bs), copy(ws), copy(bs)
    py.nielsen_epoch(wp, bp, x, y, order, mbs, 0.5, lmbda, n, "cross_entropy")
    cy.nielsen_epoch(wc, bc, x, y, order, mbs, 0.5, lmbda, n, "cross_entropy")
    assert all(a.dtype == dtype for a in wc + bc)
    assert max_diff(wp + bp, ws + bs) > 1e-3                  # it did train
    assert max_diff(wp + bp, wc + bc) <= (1e-10 if dtype == np.float64 else 2e-5)


@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("eta_lmbda_over_n", [0.5, 1.0, 0.999])
def test_sparse_lazy_decay_renormalises(both, first_layer, rng, cost, dtype, eta_lmbda_over_n):
    """Long epochs with a strong decay: the scale of the lazily decayed layer 1 leaves [1e-3, 1]
    every few mini-batches (factor 0.5), is exactly 0 (factor 0) or tiny at once (factor 1e-3),
    and is folded back each time; still == the reference."""
    py, cy = both
    first_layer("sparse")
    sizes, n_rows, eta = [50, 8, 4], 400, 0.5
    lmbda, n = eta_lmbda_over_n * 10.0 / eta, 10
    ws, bs = make_net(rng, sizes, dtype)
    x, y = sparse_data(rng, n_rows, sizes[0], sizes[-1], 0.15, dtype)
    order = np.concatenate([rng.permutation(n_rows) for _ in range(3)])      # 1200 steps
    wp, bp, wc, bc = copy(ws), copy(bs), copy(ws), copy(bs)
    py.nielsen_epoch(wp, bp, x, y, order, 1, eta, lmbda, n, cost)
    cy.nielsen_epoch(wc, bc, x, y, order, 1, eta, lmbda, n, cost)
    assert max_diff(wp + bp, wc + bc) <= (1e-10 if dtype == np.float64 else 2e-5)


def test_sparse_long_mild_decay_matches_reference(both, first_layer, rng):
    """Many mini-batches with the bench's mild decay (scale drifts to ~0.4 without a fold) on
    [784, 30, 10], mini-batch 1 and 10 and a short last batch."""
    py, cy = both
    first_layer("sparse")
    sizes, n_rows = [784, 30, 10], 3000
    ws, bs = make_net(rng, sizes)
    x, y = sparse_data(rng, n_rows, 784, 10, 0.19, np.float64)
    for mbs in (1, 7):
        order = rng.permutation(n_rows)
        wp, bp, wc, bc = copy(ws), copy(bs), copy(ws), copy(bs)
        py.nielsen_epoch(wp, bp, x, y, order, mbs, 0.5, 5.0, 10000, "cross_entropy")
        cy.nielsen_epoch(wc, bc, x, y, order, mbs, 0.5, 5.0, 10000, "cross_entropy")
        assert max_diff(wp + bp, wc + bc) <= 1e-10


def test_sparse_and_dense_paths_agree_and_auto_chooses(both, first_layer, rng):
    """Forced dense, forced sparse and "auto" give the same weights; "auto" takes the sparse path
    for mostly-zero inputs and the dense path otherwise; a bad switch value is an error."""
    _, cy = both
    sizes, n = [64, 12, 5], 90
    ws, bs = make_net(rng, sizes)
    for density, expect_sparse in ((0.1, True), (0.9, False)):
        x, y = sparse_data(rng, n, 64, 5, density, np.float64)
        order = rng.permutation(n)
        out = []
        for mode in ("dense", "sparse", "auto"):
            module = first_layer(mode)
            w, b = copy(ws), copy(bs)
            cy.nielsen_epoch(w, b, x, y, order, 10, 0.5, 5.0, n, "log_likelihood")
            out.append(w + b)
        assert max_diff(out[0], out[1]) <= 1e-12
        assert max_diff(out[0], out[2]) <= 1e-12
        assert module._use_sparse(x, order) is expect_sparse
    module = first_layer("fast")
    with pytest.raises(ValueError, match="FIRST_LAYER"):
        cy.nielsen_epoch(copy(ws), copy(bs), x, y, order, 10, 0.5, 5.0, n, "quadratic")


def test_the_cost_codes_the_twins_switch_on_are_named_alike():
    """The reference switches on the names of _checks.nielsen; csrc/nielsen.pyx's enum must hold
    the same values (read from its source, so a renumbering on one side fails here)."""
    import re
    from pathlib import Path

    from pynet.kernels._checks import nielsen as checks

    assert checks.COST_CODES == {"quadratic": checks.QUADRATIC,
                                 "cross_entropy": checks.CROSS_ENTROPY,
                                 "log_likelihood": checks.LOG_LIKELIHOOD}
    pyx = Path(__file__).resolve().parents[2] / "csrc" / "nielsen.pyx"
    enum = dict(re.findall(r"^\s+(QUADRATIC|LOG_LIKELIHOOD) = (\d+)$", pyx.read_text(), re.M))
    assert enum == {"QUADRATIC": str(checks.QUADRATIC), "LOG_LIKELIHOOD": str(checks.LOG_LIKELIHOOD)}
