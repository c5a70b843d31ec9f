"""The Widrow–Hoff single-layer network: learning, stopping, divergence and bad input."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from pynet.classic.delta_rule import DeltaRule, ErrorHistory, TrainingDiverged, stable_alpha_limit
from pynet.classic.perceptron import ConvergenceWarning

BITS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def _linear_map(rng):
    """A known map with 3 inputs and 2 neurons: d = X @ W_true − b_true."""
    W_true = np.array([[1.5, -2.0], [0.5, 0.25], [-1.0, 3.0]])
    b_true = np.array([0.3, -0.7])
    X = rng.uniform(-1.0, 1.0, size=(30, 3))
    return X, X @ W_true - b_true, W_true, b_true


def test_recovers_a_known_linear_map(rng, backend_name, kernels_of):
    kernels_of(backend_name, ["classic"])
    X, D, W_true, b_true = _linear_map(rng)
    net = DeltaRule(3, 2, seed=7, backend=backend_name)
    history = net.fit(X, D, alpha=0.1, desired_error=1e-10, max_epochs=5000)
    assert history.converged and history.reason == "converged"
    assert history[-1] <= 1e-10 < history[0]
    np.testing.assert_allclose(net.W, W_true, atol=1e-3)
    np.testing.assert_allclose(net.b, b_true, atol=1e-3)
    # the error curve of an exactly solvable problem falls (almost) every epoch
    assert np.mean(np.diff(history) < 0) > 0.95


def test_same_seed_same_numbers_on_both_backends(rng, kernels_of):
    kernels_of("cython", ["classic"])
    X, D, *_ = _linear_map(rng)
    results = []
    for backend in ("python", "cython"):
        net = DeltaRule(3, 2, seed=11, backend=backend)
        h = net.fit(X, D, alpha=0.05, desired_error=1e-6, max_epochs=3000)
        results.append((list(h), net.W.copy(), net.b.copy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,targets", [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1])])
def test_learns_gates_with_a_threshold_read_out(name, targets):
    """A linear neuron cannot output exactly 0/1 on all four patterns: the least-squares fit for
    AND is Y = 0.5·x1 + 0.5·x2 − 0.25 with residuals ±0.25, so the least E is ½·4·0.0625 =
    0.125; Em must lie above it. Reading out Y > 0.5 then gives the gate."""
    net = DeltaRule(2, seed=3)
    history = net.fit(BITS, targets, alpha=0.05, desired_error=0.14, max_epochs=2000)
    assert history.converged
    assert net.classify(BITS)[:, 0].tolist() == targets
    assert 0.125 <= net.error(BITS, targets) < 0.14


def test_em_below_the_least_error_hits_the_cap_and_warns():
    net = DeltaRule(2, seed=3)
    with pytest.warns(ConvergenceWarning, match="least E is 0.125"):
        history = net.fit(BITS, [0, 0, 0, 1], alpha=0.05, desired_error=0.01, max_epochs=200)
    assert not history.converged and history.reason == "max_epochs" and len(history) == 200


def test_history_is_a_list_of_errors_per_epoch(rng):
    """Entry k is the E of epoch k: replaying the epochs with the textbook loops from the same
    initial weights gives the same numbers."""
    from pynet.kernels.loops import classic as loops

    X, D, *_ = _linear_map(rng)
    net = DeltaRule(3, 2, seed=1)
    W, b = net.W.tolist(), net.b.tolist()
    h = net.fit(X, D, alpha=0.1, desired_error=1e-4, max_epochs=500)
    assert isinstance(h, ErrorHistory) and isinstance(h, list)
    assert h.epochs == len(h) and all(isinstance(e, float) for e in h)
    replay = [loops.widrow_hoff_epoch(W, b, X, D, 0.1) for _ in range(len(h))]
    np.testing.assert_allclose(h, replay, rtol=1e-10)
    assert h[-1] <= 1e-4 < h[-2]                  # it stopped at the first epoch with E ≤ Em


def test_divergence_on_unscaled_inputs_raises_with_advice_and_changes_nothing(rng):
    X, D, *_ = _linear_map(rng)
    X = X * 100.0                                            # unscaled: |X| up to 100
    net = DeltaRule(3, 2, seed=7)
    W0, b0 = net.W.copy(), net.b.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                       # no overflow warnings leak out
        with pytest.raises(TrainingDiverged) as info:
            net.fit(X, D, alpha=0.5, max_epochs=1000)
    text = str(info.value)
    assert "diverged" in text and "Scale the inputs" in text and "lower alpha" in text
    assert f"{stable_alpha_limit(X):.3g}" in text
    assert info.value.history.reason == "diverged" and len(info.value.history) < 10
    np.testing.assert_array_equal(net.W, W0)
    np.testing.assert_array_equal(net.b, b0)


def test_divergence_from_too_large_alpha_on_scaled_inputs():
    """Inputs (3, 3): a single update multiplies the error by 1 − α(9 + 9 + 1) = 1 − 19α, so
    α = 0.9 overshoots by a factor 16 per step."""
    X = np.array([[3.0, 3.0], [-3.0, 3.0]])
    net = DeltaRule(2, seed=0)
    with pytest.raises(TrainingDiverged, match="lower alpha"):
        net.fit(X, [1.0, -1.0], alpha=0.9)
    assert stable_alpha_limit(X) == pytest.approx(2.0 / 19.0)
    # below the limit the same problem is learned
    assert net.fit(X, [1.0, -1.0], alpha=0.05, desired_error=1e-8, max_epochs=5000).converged


@pytest.mark.parametrize("kwargs,exc,text", [
    (dict(alpha=1.0), ValueError,
     "'alpha' must be a finite real number in (0, 1), got 1.0 (step 1"),
    (dict(alpha=0.0), ValueError, "'alpha' must be a finite real number in (0, 1)"),
    (dict(alpha=float("nan")), ValueError, "'alpha'"),
    (dict(desired_error=0.0), ValueError, "'desired_error' must be a finite real number > 0"),
    (dict(desired_error=-1.0), ValueError, "'desired_error'"),
    (dict(max_epochs=2.5), ValueError, "'max_epochs' must be a positive integer"),
    (dict(X=np.zeros((0, 2)), D=np.zeros(0)), ValueError, "'X' is empty"),
    (dict(X=BITS[:3]), ValueError, "'D' has 4 target row(s) but 'X' has 3"),
    (dict(X=np.ones((4, 3))), ValueError, "must have 2 inputs per pattern"),
    (dict(D=[0, 0, np.nan, 1]), ValueError, "'D' contains 1 NaN/Inf value(s), first at index (2,)"),
    (dict(X=[[0, 0], [0, 1], [1, np.inf], [1, 1]]), ValueError, "'X' contains 1 NaN/Inf"),
    (dict(D=np.zeros((4, 2))), ValueError, "'D' must have 1 value(s) per pattern"),
])
def test_bad_input_is_refused_before_anything_changes(kwargs, exc, text):
    args = dict(X=BITS, D=[0, 0, 0, 1], alpha=0.1, desired_error=0.2)
    args.update(kwargs)
    X, D = args.pop("X"), args.pop("D")
    net = DeltaRule(2, seed=3)
    W0, b0 = net.W.copy(), net.b.copy()
    with pytest.raises(exc) as info:
        net.fit(X, D, **args)
    assert text in str(info.value), str(info.value)
    assert str(info.value).startswith("DeltaRule.fit()")
    np.testing.assert_array_equal(net.W, W0)
    np.testing.assert_array_equal(net.b, b0)


def test_predict_shapes_and_errors():
    net = DeltaRule(2, 3, seed=0)
    assert net.predict([1.0, 0.0]).shape == (3,)
    assert net.predict(BITS).shape == (4, 3)
    np.testing.assert_allclose(net.predict(BITS), BITS @ net.W - net.b)   # S = ΣwX − b
    with pytest.raises(ValueError, match="one row of 2 inputs per pattern"):
        net.predict([1.0, 0.0, 1.0])


def test_initialisation_is_seeded():
    a, b = DeltaRule(4, 2, seed=9), DeltaRule(4, 2, seed=9)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.b, b.b)
    assert not np.array_equal(a.W, DeltaRule(4, 2, seed=10).W)
    assert np.all(np.abs(a.W) <= 0.5)


def test_steady_growth_is_stopped_long_before_overflow():
    """Inputs in [−2, 2] allow α < 2 / max(‖X‖² + 1) ≈ 0.2 per update; α = 0.5 makes E grow a
    few times per epoch. The loop stops once E is 10⁶ × the first epoch's, every E still finite."""
    rng = np.random.default_rng(2026)
    X = rng.uniform(-2, 2, size=(30, 3))
    D = X @ np.array([[1.5, -2.0], [0.5, 0.25], [-1.0, 3.0]]) - np.array([0.3, -0.7])
    net = DeltaRule(3, 2, seed=7)
    with pytest.raises(TrainingDiverged) as info:
        net.fit(X, D, alpha=0.5, max_epochs=1000)
    h = info.value.history
    assert 3 < len(h) < 100
    assert np.all(np.isfinite(h))
    assert h[-1] > 1e6 * h[0] and h[-2] <= 1e6 * h[0]
    # a larger divergence_factor lets it run longer before calling it
    with pytest.raises(TrainingDiverged) as later:
        net.fit(X, D, alpha=0.5, max_epochs=1000, divergence_factor=1e12)
    assert len(later.value.history) > len(h)
