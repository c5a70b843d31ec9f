"""The cost classes: values by hand, BP1 deltas against finite differences, stability, registry."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.backprop.costs import (
    COSTS, CrossEntropyCost, LogLikelihoodCost, QuadraticCost, get_cost, sigmoid, sigmoid_prime,
)


def test_sigmoid_and_its_derivative():
    # The text's single neuron: w = b = 2, x = 1 gives σ(4) ≈ 0.98.
    assert sigmoid(4.0) == pytest.approx(0.98201379, abs=1e-8)
    z = np.linspace(-6, 6, 13)
    h = 1e-6
    np.testing.assert_allclose(sigmoid_prime(z), (sigmoid(z + h) - sigmoid(z - h)) / (2 * h),
                               rtol=1e-7)
    assert sigmoid(-1000.0) == 0.0 and sigmoid(1000.0) == 1.0


def test_quadratic_value_by_hand():
    a = np.array([[0.2], [0.9]])
    y = np.array([[0.0], [1.0]])
    # ½((0.2)² + (0.1)²) = ½(0.04 + 0.01) = 0.025
    assert QuadraticCost.fn(a, y) == pytest.approx(0.025)


def test_cross_entropy_value_by_hand_and_from_z():
    z = np.array([[0.3], [-1.2], [2.0]])
    a = sigmoid(z)
    y = np.array([[1.0], [0.0], [1.0]])
    by_hand = -(np.log(a[0, 0]) + np.log(1 - a[1, 0]) + np.log(a[2, 0]))
    assert CrossEntropyCost.fn(a, y) == pytest.approx(by_hand, rel=1e-12)
    assert CrossEntropyCost.fn(a, y, z) == pytest.approx(by_hand, rel=1e-12)


def test_cross_entropy_saturated_outputs_are_finite_or_honestly_infinite():
    # σ(40) rounds to 1.0 in float64: from a alone a confident *right* answer costs 0, not NaN.
    z = np.array([[40.0], [-40.0]])
    a = sigmoid(z)
    y = np.array([[1.0], [0.0]])
    assert CrossEntropyCost.fn(a, y) == 0.0
    # A confident wrong answer: from z the cost is exact (≈ 40 + 40), from a it is inf, not 1.8e308.
    y_wrong = np.array([[0.0], [1.0]])
    assert CrossEntropyCost.fn(a, y_wrong, z) == pytest.approx(80.0, rel=1e-12)
    assert CrossEntropyCost.fn(a, y_wrong) == np.inf


def test_log_likelihood_is_minus_log_of_the_true_class():
    z = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 5.0]])
    y = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    a = LogLikelihoodCost.activation(z)
    np.testing.assert_allclose(a.sum(axis=0), 1.0)   # Eq. 47: a softmax column sums to 1
    expected = -np.log(a[1, 0]) - np.log(a[0, 1])
    assert LogLikelihoodCost.fn(a, y) == pytest.approx(expected, rel=1e-12)
    assert LogLikelihoodCost.fn(a, y, z) == pytest.approx(expected, rel=1e-12)


def test_softmax_is_stable_for_huge_z():
    z = np.array([[1000.0], [999.0], [-1000.0]])
    with np.errstate(over="raise", invalid="raise"):
        a = LogLikelihoodCost.activation(z)
        c = LogLikelihoodCost.fn(a, np.array([[0.0], [1.0], [0.0]]), z)
    np.testing.assert_allclose(a.ravel()[:2], [1 / (1 + np.exp(-1)), 1 / (1 + np.exp(1))])
    assert c == pytest.approx(np.log1p(np.exp(1.0)), rel=1e-12)


@pytest.mark.parametrize("cost", [QuadraticCost, CrossEntropyCost, LogLikelihoodCost])
def test_delta_is_the_derivative_of_fn_with_respect_to_z(cost, rng):
    """BP1 checked numerically: δ^L_j = ∂C/∂z^L_j, for every output and every column."""
    z = rng.standard_normal((4, 3)) * 2
    y = np.eye(4)[:, [0, 3, 1]]
    a = cost.activation(z)
    delta = cost.delta(z, a, y)
    h = 1e-6
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += h
        zm[idx] -= h
        numeric[idx] = (cost.fn(cost.activation(zp), y, zp) - cost.fn(cost.activation(zm), y, zm)) / (2 * h)
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9)


def test_quadratic_delta_keeps_sigma_prime_and_cross_entropy_drops_it():
    """The learning-slowdown argument (Eqs. 38–43): a saturated wrong output (z = 6, y = 0)."""
    z = np.array([[6.0]])
    a = sigmoid(z)
    y = np.array([[0.0]])
    quadratic = QuadraticCost.delta(z, a, y)[0, 0]
    cross = CrossEntropyCost.delta(z, a, y)[0, 0]
    assert cross == pytest.approx(a[0, 0])                     # a − y ≈ 0.9975
    assert quadratic == pytest.approx(a[0, 0] * sigmoid_prime(6.0))
    assert quadratic < cross / 100                             # ≈ 400× slower learning


def test_registry_and_lookup():
    assert set(COSTS) == {"QuadraticCost", "CrossEntropyCost", "LogLikelihoodCost"}
    assert get_cost("QuadraticCost") is QuadraticCost
    assert get_cost(CrossEntropyCost) is CrossEntropyCost
    assert get_cost(LogLikelihoodCost()) is LogLikelihoodCost
    with pytest.raises(ValueError, match="cost must be one of"):
        get_cost("__import__('os').system('true')")
    with pytest.raises(TypeError, match="cost must be one of"):
        get_cost(dict)
