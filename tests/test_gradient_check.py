"""The finite-difference checker itself, on functions whose gradients are known by hand.

Every layer's gradient test rests on :mod:`pynet.gradient_check`, so it gets its own worked
examples: a quadratic whose gradient is written down, a deliberately wrong gradient that must be
caught (and located), and the argument checks.
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet.gradient_check import (DEFAULT_TOLERANCE, GradientReport, check_gradients,
                                  numerical_gradient, relative_error)


def test_central_difference_of_a_quadratic_is_exact_to_round_off():
    # f(x) = Σ a_i x_i² + b·x  ->  ∂f/∂x_i = 2 a_i x_i + b_i  (central differences are exact
    # for quadratics: the ε² term of the error is the third derivative, 0 here)
    a = np.array([1.0, -2.0, 0.5])
    b = np.array([0.3, 0.0, -1.0])
    x = np.array([0.7, -1.2, 2.0])
    grad = numerical_gradient(lambda: float(np.sum(a * x ** 2 + b * x)), x)
    np.testing.assert_allclose(grad, 2 * a * x + b, atol=1e-8)
    np.testing.assert_array_equal(x, [0.7, -1.2, 2.0])     # perturbed in place, then restored


def test_a_matrix_parameter_is_perturbed_element_by_element():
    # f(W) = uᵀ W v  ->  ∂f/∂W = u vᵀ
    u, v = np.array([1.0, 2.0]), np.array([3.0, -1.0, 0.5])
    w = np.arange(6, dtype=np.float64).reshape(2, 3)
    grad = numerical_gradient(lambda: float(u @ w @ v), w)
    np.testing.assert_allclose(grad, np.outer(u, v), atol=1e-8)


def test_relative_error_is_symmetric_scale_free_and_zero_for_two_zeros():
    err = relative_error([1.0, 0.0, 1e-12, 2.0], [1.1, 0.0, 0.0, -2.0])
    np.testing.assert_allclose(err[0], 0.1 / 2.1)
    assert err[1] == 0.0 and err[2] == 0.0              # both numerically zero
    assert err[3] == 1.0                                # opposite signs: the worst possible
    np.testing.assert_allclose(relative_error([1e6], [1.1e6]), relative_error([1.0], [1.1]))


def test_a_correct_gradient_passes_and_a_wrong_one_fails_at_the_right_element():
    w = np.array([[0.5, -0.3], [0.8, 0.1]])
    x = np.array([1.0, 2.0])

    def loss():
        return float(np.sum(np.tanh(w @ x) ** 2))

    h = np.tanh(w @ x)
    right = np.outer(2 * h * (1 - h ** 2), x)
    report = check_gradients(loss, {"W": w}, {"W": right})
    assert report.ok and report.errors["W"] < 1e-8

    wrong = right.copy()
    wrong[1, 0] *= 1.01                                  # a 1% error in one entry
    report = check_gradients(loss, {"W": w}, {"W": wrong})
    assert not report.ok
    assert report.worst_index["W"] == (1, 0)
    assert report.errors["W"] > 100 * DEFAULT_TOLERANCE
    assert "FAILS" in str(report) and "W" in str(report)


def test_a_missing_sigma_prime_is_caught():
    # the classic mistake: forgetting σ′ in the chain rule of a sigmoid unit
    w = np.array([0.4, -0.6, 0.2])
    x = np.array([1.0, 0.5, -2.0])

    def loss():
        return float(1.0 / (1.0 + np.exp(-(w @ x))))

    s = loss()
    assert check_gradients(loss, {"w": w}, {"w": s * (1 - s) * x}).ok
    assert not check_gradients(loss, {"w": w}, {"w": x}).ok


def test_bad_arguments_are_refused_with_the_name():
    x32 = np.ones(3, np.float32)
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, x32)
    transposed = np.ones((3, 4)).T                   # no flat view of it exists
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda: 0.0, transposed)
    every_other = np.zeros((4, 4))[:, ::2]           # evenly strided: a flat view exists, fine
    np.testing.assert_array_equal(numerical_gradient(lambda: float(every_other.sum()), every_other),
                                  np.ones((4, 2)))
    p = np.ones(2)
    with pytest.raises(KeyError, match="'b'"):
        check_gradients(lambda: 0.0, {"b": p}, {"a": p})
    with pytest.raises(ValueError, match=r"gradient 'b' has shape \(3,\), parameter has \(2,\)"):
        check_gradients(lambda: 0.0, {"b": p}, {"b": np.ones(3)})


def test_empty_parameters_report_zero_error():
    report = check_gradients(lambda: 1.0, {"e": np.zeros((0, 3))}, {"e": np.zeros((0, 3))})
    assert report.ok and report.errors["e"] == 0.0 and report.worst_index["e"] == ()
    assert isinstance(report, GradientReport)
