"""Activation functions: values, stability, by name or function, derivatives by finite
differences on both backends."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import activations
from pynet.gradient_check import check_gradients

NAMES = ["linear", "sigmoid", "tanh", "relu", "softmax", "leaky_relu", "elu", "selu"]


def test_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(activations.relu(z), [[0, 0, 3]])
    np.testing.assert_allclose(activations.sigmoid(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(activations.tanh(z), np.tanh(z))
    np.testing.assert_allclose(activations.leaky_relu(z), [[-0.4, 0, 3]])
    np.testing.assert_allclose(activations.elu(z), [[np.exp(-2) - 1, 0, 3]])
    np.testing.assert_allclose(activations.selu(z),
                               1.0507009873554805 * np.array([[1.6732632423543772 * (np.exp(-2) - 1), 0, 3]]))
    e = np.exp(z - 3)
    np.testing.assert_allclose(activations.softmax(z), e / e.sum())
    np.testing.assert_allclose(activations.softmax(np.array([1.0, 2.0])).sum(), 1.0)


def test_no_overflow_warnings():
    z = np.array([[-1000.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        np.testing.assert_allclose(activations.sigmoid(z), [[0.0, 1.0]])
        np.testing.assert_allclose(activations.softmax(z), [[0.0, 1.0]])
        assert np.isfinite(activations.elu(z)).all()


@pytest.mark.parametrize("name", NAMES)
def test_derivative_from_output(name, backend_name, kernels_of, rng):
    act = activations.get(name)
    k = kernels_of(backend_name, ["dense"])
    z = rng.standard_normal((3, 4)) * 2
    g = rng.standard_normal((3, 4))
    y = act.forward(z, k)
    analytic = act.backward(y, g, k)
    report = check_gradients(lambda: float((act.forward(z, k) * g).sum()), {"z": z}, {"z": analytic}, eps=1e-5)
    assert report.ok, f"{name}:\n{report}"


def test_get_by_name_function_and_errors():
    assert activations.get("relu") is activations.get(activations.relu)
    assert activations.get(None).name == "linear"
    with pytest.raises(ValueError, match="known activations"):
        activations.get("swishh")
    with pytest.raises(TypeError, match="derivative"):
        activations.get(np.tanh)
