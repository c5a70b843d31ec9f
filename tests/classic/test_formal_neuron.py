"""The formal neuron S = Σ wX − b, Y = F(S), its activations, and the §1.3 weight matrix."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.classic.formal_neuron import (
    LECTURE_WEIGHT_MATRIX, ConnectionMatrix, FormalNeuron, Identity, LinearThreshold, Sigmoid,
    Tanh, Threshold, get_activation,
)

S = np.linspace(-4.0, 4.0, 33) + 0.01       # avoids the kinks, where F′ is one-sided


def test_threshold_levels_and_the_documented_value_at_the_threshold():
    step = Threshold()                       # θ = 0, levels 0/1, S = θ → high ("otherwise max")
    assert step([-1e-9, 0.0, 1e-9]).tolist() == [0.0, 1.0, 1.0]
    strict = Threshold(at_threshold="low")   # Nielsen's perceptron: 0 at exactly 0
    assert strict([-1e-9, 0.0, 1e-9]).tolist() == [0.0, 0.0, 1.0]
    bipolar = Threshold(threshold=0.5, low=-1.0, high=1.0)
    assert bipolar([0.4, 0.5, 0.6]).tolist() == [-1.0, 1.0, 1.0]
    assert not np.any(step.derivative(S))


def test_linear_threshold_is_a_saturating_ramp():
    f = LinearThreshold(start=-1.0, end=1.0, low=-2.0, high=2.0)     # slope 4/2 = 2
    assert f([-5, -1, -0.5, 0, 0.5, 1, 5]).tolist() == [-2, -2, -1, 0, 1, 2, 2]
    assert f.derivative([-5, -0.5, 0.5, 5]).tolist() == [0, 2, 2, 0]


def test_sigmoid_and_tanh_values():
    sig = Sigmoid()
    assert sig(0.0) == 0.5
    assert sig(4.0) == pytest.approx(0.98201, abs=1e-5)     # Nielsen: w = b = 2, x = 1 → "0.98"
    assert sig(-1000.0) == 0.0 and sig(1000.0) == 1.0        # no overflow
    assert Tanh()(np.array([-50.0, 0.0, 50.0])).tolist() == [-1.0, 0.0, 1.0]
    assert Identity()(S).tolist() == S.tolist()


@pytest.mark.parametrize("activation", [Sigmoid(), Sigmoid(slope=2.5), Tanh(), Identity(),
                                        LinearThreshold(start=-2.0, end=3.0)])
def test_derivatives_match_central_differences(activation):
    """F′ takes S (not Y); compare with (F(S + h) − F(S − h)) / 2h."""
    h = 1e-6
    numeric = (activation(S + h) - activation(S - h)) / (2 * h)
    np.testing.assert_allclose(activation.derivative(S), numeric, rtol=1e-6, atol=1e-8)


def test_activation_by_name():
    assert isinstance(get_activation("sigmoid"), Sigmoid)
    assert isinstance(get_activation("LINEAR"), Identity)
    with pytest.raises(ValueError, match="'activation' must be an Activation or one of"):
        get_activation("relu6")


def test_formal_neuron_subtracts_its_threshold():
    """w = (0.5, −1, 2), b = 1, X = (2, 1, 0.5): S = 1 − 1 + 1 − 1 = 0 → step gives 1 (S ≥ 0)."""
    n = FormalNeuron([0.5, -1.0, 2.0], threshold=1.0)
    assert n.weighted_sum([2, 1, 0.5]) == 0.0
    assert n([2, 1, 0.5]) == 1.0
    n_sig = FormalNeuron([0.5, -1.0, 2.0], threshold=1.0, activation="sigmoid")
    assert n_sig([2, 1, 0.5]) == 0.5
    assert n.parameters["threshold"] == 1.0
    assert n.parameters["weights"].tolist() == [0.5, -1.0, 2.0]


def test_formal_neuron_on_a_batch_of_patterns():
    and_neuron = FormalNeuron([1.0, 1.0], threshold=1.5)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    assert and_neuron.weighted_sum(X).tolist() == [-1.5, -0.5, -0.5, 0.5]
    assert and_neuron(X).tolist() == [0, 0, 0, 1]


def test_formal_neuron_errors():
    n = FormalNeuron([1.0, 1.0], threshold=0.0)
    with pytest.raises(ValueError, match="this neuron has 2 inputs"):
        n([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NaN"):
        n([1.0, float("nan")])
    with pytest.raises(ValueError, match="'threshold' must be a finite real number, got inf"):
        FormalNeuron([1.0], threshold=float("inf"))
    with pytest.raises(ValueError, match="'low' must be below 'high'"):
        Threshold(low=1.0, high=0.0)


def test_lecture_weight_matrix_second_to_third_is_three():
    """"From the 2nd element to the 3rd there is a connection of weight 3" (1-based)."""
    W = ConnectionMatrix()
    assert W.weight(2, 3) == 3.0
    assert LECTURE_WEIGHT_MATRIX[1, 2] == 3.0                  # the same entry, 0-based
    assert W.weight(3, 2) == 0.0                               # connections are directed
    assert len(W.connections()) == 10
    assert (2, 3, 3.0) in W.connections()
    assert W.W[4].tolist() == [0.0] * 5                        # element 5 feeds nothing
    with pytest.raises(ValueError, match="element number 1..5"):
        W.weight(0, 3)


def test_combined_input_worked_example():
    """§1.2: neuron 1 outputs 5 and its connection to neuron 2 has weight 2 → neuron 2 gets 5·2."""
    W = np.zeros((2, 2))
    W[0, 1] = 2.0
    assert ConnectionMatrix(W).net([5.0, 0.0]).tolist() == [0.0, 10.0]
    # the lecture matrix: element outputs all 1 → net_j is column j's sum
    np.testing.assert_allclose(ConnectionMatrix().net(np.ones(5)), LECTURE_WEIGHT_MATRIX.sum(axis=0))
