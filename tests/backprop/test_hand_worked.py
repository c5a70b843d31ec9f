"""Two steps worked by hand, digit by digit, so a reader can check the code against paper.

Both nets are small enough that every number below was derived with a pencil (σ(0) = 0.5,
σ(1) = 0.7310586, σ(0.25) = 0.5621765 from a table); the tests compare pynet with those numbers,
on both backends, so they do not depend on another implementation being right.
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet.backprop.costs import CrossEntropyCost, QuadraticCost
from pynet.backprop.feedforward_network import Network
from pynet.backprop.three_layer_network import ThreeLayerNetwork

BACKENDS = ["python", "cython"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_rashid_one_training_step_of_a_2_2_1_network(backend, skip_or_fail):
    """Rashid's update rule, ΔW = lr · (E ⊙ O(1 − O)) · Iᵀ, on one record.

    x = (1, 0.5), target 0.8, lr = 0.5
    wih = [[0.5, −0.5], [0.25, 0]]  →  hidden inputs (0.25, 0.25), hidden outputs h = σ(0.25)
                                        = (0.5621765, 0.5621765), h(1 − h) = 0.2461341
    who = [[1, −1]]                 →  final input 0, output o = 0.5, o(1 − o) = 0.25
    output error  e_o = 0.8 − 0.5 = 0.3;  hidden errors e_h = whoᵀ e_o = (0.3, −0.3)
    Δwho = 0.5 · 0.3 · 0.25 · h                 = (0.0210816, 0.0210816)
    Δwih = 0.5 · (±0.3) · 0.2461341 · (1, 0.5)  = ±(0.0369201, 0.0184601)
    """
    if backend == "cython":
        from pynet import kernels
        if not kernels.compiled_available():
            skip_or_fail("compiled kernels not built")
    net = ThreeLayerNetwork(2, 2, 1, 0.5, seed=0, backend=backend, dtype=np.float64)
    net.wih[...] = [[0.5, -0.5], [0.25, 0.0]]
    net.who[...] = [[1.0, -1.0]]
    np.testing.assert_allclose(net.query([1.0, 0.5]).ravel(), [0.5], atol=1e-12)
    net.train([1.0, 0.5], [0.8])
    np.testing.assert_allclose(net.who, [[1.0210816, -0.9789184]], atol=1e-7)
    np.testing.assert_allclose(net.wih, [[0.5369201, -0.4815399], [0.2130799, -0.0184601]],
                               atol=1e-7)


def _tiny_nielsen_net(cost):
    """[2, 2, 1] with weights chosen so z^3 = 0: W² = [[1, 2], [−1, 0.5]], b² = 0,
    W³ = [[1, 1]], b³ = −1. For x = (1, 0): z² = (1, −1), a² = (0.7310586, 0.2689414),
    z³ = 0.7310586 + 0.2689414 − 1 = 0, a³ = 0.5."""
    net = Network([2, 2, 1], cost=cost, seed=0)
    net.weights = [np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([[1.0, 1.0]])]
    net.biases = [np.zeros((2, 1)), np.array([[-1.0]])]
    return net


def test_nielsen_bp1_to_bp4_for_the_quadratic_cost():
    """y = 1. BP1: δ³ = (a³ − y) σ′(z³) = (0.5 − 1) · 0.25 = −0.125.
    BP3/BP4 at layer 3: ∂C/∂b³ = −0.125; ∂C/∂W³ = δ³ a²ᵀ = (−0.0913823, −0.0336177).
    BP2: δ² = W³ᵀ δ³ ⊙ σ′(z²) = (−0.125 · 0.1966119) twice = (−0.0245765, −0.0245765),
    since σ′(1) = σ′(−1) = 0.7310586 · 0.2689414 = 0.1966119.
    BP3/BP4 at layer 2: ∂C/∂b² = δ²; ∂C/∂W² = δ² xᵀ = [[−0.0245765, 0], [−0.0245765, 0]]."""
    net = _tiny_nielsen_net(QuadraticCost)
    nabla_b, nabla_w = net.backprop(np.array([[1.0], [0.0]]), np.array([[1.0]]))
    np.testing.assert_allclose(nabla_b[1], [[-0.125]], atol=1e-7)
    np.testing.assert_allclose(nabla_w[1], [[-0.0913823, -0.0336177]], atol=1e-7)
    np.testing.assert_allclose(nabla_b[0], [[-0.0245765], [-0.0245765]], atol=1e-7)
    np.testing.assert_allclose(nabla_w[0], [[-0.0245765, 0.0], [-0.0245765, 0.0]], atol=1e-7)


def test_nielsen_bp1_for_the_cross_entropy_cost_has_no_sigma_prime():
    """With the cross-entropy cost σ′(z³) cancels (Nielsen ch. 3): δ³ = a³ − y = −0.5, four times
    the quadratic cost's −0.125, and every gradient below it scales by the same 4."""
    quad = _tiny_nielsen_net(QuadraticCost).backprop(np.array([[1.0], [0.0]]), np.array([[1.0]]))
    cross = _tiny_nielsen_net(CrossEntropyCost).backprop(np.array([[1.0], [0.0]]),
                                                         np.array([[1.0]]))
    np.testing.assert_allclose(cross[0][1], [[-0.5]], atol=1e-12)
    for q, c in zip(quad[0] + quad[1], cross[0] + cross[1]):
        np.testing.assert_allclose(c, 4 * q, atol=1e-12)
