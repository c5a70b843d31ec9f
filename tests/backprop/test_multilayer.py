"""The lecture notes' multilayer algorithm: derived γ terms, gradient check, XOR, stall report."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.backprop.multilayer import (
    XOR_CONVERGING_SEED, XOR_INPUTS, XOR_STALLING_SEED, XOR_TARGETS, MultilayerNetwork,
)
from pynet.classic.delta_rule import TrainingDiverged
from pynet.classic.perceptron import ConvergenceWarning
from pynet.gradient_check import check_gradients


def _pattern_error(net, x, d):
    return lambda: 0.5 * float(np.sum((net.predict(x[None, :])[0] - d) ** 2))


@pytest.mark.parametrize("sizes,activation", [([2, 2, 1], "sigmoid"), ([3, 4, 3, 2], "sigmoid"),
                                              ([2, 3, 1], "tanh"), ([1, 1], "sigmoid")])
def test_gamma_terms_give_the_finite_difference_gradient(rng, sizes, activation):
    net = MultilayerNetwork(sizes, activation=activation, seed=4)
    x = rng.uniform(-1, 1, size=sizes[0])
    d = rng.uniform(0, 1, size=sizes[-1])
    grad_w, grad_b = net.gradients(x, d)
    params = {f"w{k + 1}": W for k, W in enumerate(net.weights)}
    params.update({f"b{k + 1}": b for k, b in enumerate(net.thresholds)})
    analytic = {f"w{k + 1}": g for k, g in enumerate(grad_w)}
    analytic.update({f"b{k + 1}": g for k, g in enumerate(grad_b)})
    report = check_gradients(_pattern_error(net, x, d), params, analytic)
    assert report.ok, str(report)


def test_output_gamma_is_y_minus_d_and_hidden_gamma_goes_back_through_the_weights():
    """By hand for a 1-1-1 sigmoid net with w¹ = 0.5, b¹ = 0, w² = 2, b² = 1, x = 1, d = 0:
    S¹ = 0.5, Y¹ = σ(0.5); S² = 2·σ(0.5) − 1, Y² = σ(S²);
    γ² = Y² − 0;  γ¹ = γ² · F′(S²) · w² = γ² · Y²(1 − Y²) · 2."""
    net = MultilayerNetwork([1, 1, 1], seed=0)
    net.weights = [np.array([[0.5]]), np.array([[2.0]])]
    net.thresholds = [np.array([0.0]), np.array([1.0])]
    sig = lambda z: 1 / (1 + np.exp(-z))
    y1 = sig(0.5)
    y2 = sig(2 * y1 - 1)
    g1, g2 = net.error_terms(np.array([1.0]), np.array([0.0]))
    assert g2[0] == pytest.approx(y2)
    assert g1[0] == pytest.approx(y2 * y2 * (1 - y2) * 2)


def test_one_training_step_is_the_notes_update():
    """w ← w − α γ F′(S) Y_prev and b ← b + α γ F′(S): the threshold moves against the weights."""
    net = MultilayerNetwork([2, 1], seed=2)
    x, d = np.array([1.0, 0.5]), np.array([1.0])
    W0, b0 = net.weights[0].copy(), net.thresholds[0].copy()
    (gw,), (gb,) = net.gradients(x, d)
    net.fit(x[None, :], d[None, :], alpha=0.1, desired_error=1e-9, max_epochs=1, warn=False)
    np.testing.assert_allclose(net.weights[0], W0 - 0.1 * gw)
    np.testing.assert_allclose(net.thresholds[0], b0 - 0.1 * gb)
    assert np.sign(net.thresholds[0] - b0) == -np.sign(net.weights[0][0] - W0[0])   # x₁ > 0


def test_learns_xor_with_the_documented_seed():
    net = MultilayerNetwork([2, 2, 1], seed=XOR_CONVERGING_SEED)
    history = net.fit(XOR_INPUTS, XOR_TARGETS, alpha=0.5, desired_error=0.01)
    assert history.converged, history.message
    assert history[-1] <= 0.01 < history[0]
    Y = net.predict(XOR_INPUTS)[:, 0]
    assert (Y > 0.5).astype(int).tolist() == [0, 1, 1, 0]
    assert np.all(np.abs(Y - XOR_TARGETS[:, 0]) < 0.15)


def test_the_stalling_seed_is_reported_not_looped():
    net = MultilayerNetwork([2, 2, 1], seed=XOR_STALLING_SEED)
    with pytest.warns(ConvergenceWarning, match="stalled"):
        history = net.fit(XOR_INPUTS, XOR_TARGETS, alpha=0.5, desired_error=0.01, max_epochs=20000)
    assert history.reason == "stalled" and not history.converged
    assert len(history) < 20000
    assert history[-1] > 0.2                               # far above Em: a pattern is wrong
    Y = net.predict(XOR_INPUTS)[:, 0]
    assert (Y > 0.5).astype(int).tolist() != [0, 1, 1, 0]
    assert "another seed" in history.message


def test_same_seed_same_network():
    a = MultilayerNetwork([2, 3, 1], seed=8)
    b = MultilayerNetwork([2, 3, 1], seed=np.random.default_rng(8))
    for Wa, Wb in zip(a.weights + a.thresholds, b.weights + b.thresholds):
        np.testing.assert_array_equal(Wa, Wb)
    assert [W.shape for W in a.weights] == [(2, 3), (3, 1)]


def test_non_finite_error_raises_and_leaves_the_net_unchanged():
    net = MultilayerNetwork([1, 1], activation="identity", seed=0)
    W0 = net.weights[0].copy()
    X = np.array([[1e200], [-1e200]])
    with pytest.raises(TrainingDiverged, match="lower alpha"):
        net.fit(X, [1.0, 0.0], alpha=0.9)
    np.testing.assert_array_equal(net.weights[0], W0)


@pytest.mark.parametrize("kwargs,exc,text", [
    (dict(alpha=1.5), ValueError, "'alpha' must be a finite real number in (0, 1)"),
    (dict(desired_error=0), ValueError, "'desired_error' must be a finite real number > 0"),
    (dict(X=XOR_INPUTS[:2]), ValueError, "'D' has 4 target row(s) but 'X' has 2"),
    (dict(X=np.zeros((0, 2)), D=np.zeros((0, 1))), ValueError, "'X' is empty"),
    (dict(X=np.ones((4, 3))), ValueError, "must have 2 inputs per pattern"),
    (dict(D=[[0], [1], [np.nan], [0]]), ValueError, "NaN"),
])
def test_bad_input_changes_nothing(kwargs, exc, text):
    args = dict(X=XOR_INPUTS, D=XOR_TARGETS, alpha=0.5, desired_error=0.01)
    args.update(kwargs)
    net = MultilayerNetwork([2, 2, 1], seed=1)
    before = [p.copy() for p in net.weights + net.thresholds]
    with pytest.raises(exc) as info:
        net.fit(args.pop("X"), args.pop("D"), **args)
    assert text in str(info.value)
    for p, q in zip(before, net.weights + net.thresholds):
        np.testing.assert_array_equal(p, q)


def test_construction_errors():
    with pytest.raises(ValueError, match="at least an input and an output"):
        MultilayerNetwork([2])
    with pytest.raises(ValueError, match=r"'layer_sizes\[1\]' must be a positive integer"):
        MultilayerNetwork([2, 0, 1])
    with pytest.raises(ValueError, match="F′ = 0"):
        MultilayerNetwork([2, 2, 1], activation="threshold")


def test_an_overflow_in_the_very_last_update_is_caught():
    # one identity neuron, w = 1e-10, x = 1e160: y = 1e150, so E = 5e299 is finite, but the
    # update alpha·(y − d)·x = 0.9·1e310 overflows — only a check after the loop can see it
    net = MultilayerNetwork([1, 1], activation="identity", seed=0)
    net.weights[0][...] = 1e-10
    net.thresholds[0][...] = 0.0
    before = [w.copy() for w in net.weights]
    with pytest.raises(TrainingDiverged, match="last update left non-finite weights"):
        net.fit(np.array([[1e160]]), [0.0], alpha=0.9, max_epochs=1)
    for a, b in zip(net.weights, before):
        np.testing.assert_array_equal(a, b)
