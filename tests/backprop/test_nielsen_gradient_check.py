"""gradient_check(network, x, y): central differences against both backprop paths, all costs,
with and without L2 — and it must fail for a wrong δ or a missing λw/n term."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.backprop.feedforward_network import (
    CrossEntropyCost, LogLikelihoodCost, Network, QuadraticCost,
)
from pynet.backprop.nielsen_gradient_check import gradient_check

ALL_COSTS = [QuadraticCost, CrossEntropyCost, LogLikelihoodCost]


@pytest.mark.parametrize("cost", ALL_COSTS, ids=lambda c: c.name)
@pytest.mark.parametrize("lmbda", [0.0, 0.8])
@pytest.mark.parametrize("method", ["loop", "matrix"])
def test_gradient_check_passes(backend_name, kernels_of, rng, cost, lmbda, method):
    kernels_of(backend_name, ["nielsen"])
    net = Network([5, 4, 3, 3], cost=cost, seed=4, backend=backend_name)
    x = rng.random((5, 6))
    y = np.eye(3)[:, rng.integers(0, 3, 6)]
    report = gradient_check(net, x, y, lmbda=lmbda, n=20, method=method)
    assert set(report.errors) == {"weights[0]", "weights[1]", "weights[2]",
                                  "biases[0]", "biases[1]", "biases[2]"}
    assert report.ok, str(report)
    assert max(report.errors.values()) < 1e-6


def test_gradient_check_single_example_with_int_label():
    net = Network([4, 3, 2], seed=1, cost=QuadraticCost)
    report = gradient_check(net, np.array([0.1, 0.5, 0.9, 0.3]), 1)
    assert report.ok, str(report)


def test_gradient_check_catches_a_wrong_delta(rng):
    """A quadratic cost with the cross-entropy δ (σ′ forgotten) must fail the check."""
    class Broken:
        name = "QuadraticCost"
        kernel_name = "quadratic"
        activation = staticmethod(QuadraticCost.activation)
        fn = staticmethod(QuadraticCost.fn)
        delta = staticmethod(CrossEntropyCost.delta)

    net = Network([4, 3, 2], seed=2, cost=QuadraticCost)
    net.cost = Broken
    x, y = rng.random((4, 3)), np.eye(2)[:, [0, 1, 1]]
    report = gradient_check(net, x, y)
    assert not report.ok
    assert report.errors["biases[1]"] > 1e-2
    assert "FAILS" in str(report)


def test_gradient_check_catches_a_missing_l2_term(rng):
    """The analytic gradient omits λw/n when lmbda is not passed to it; the loss includes it."""
    net = Network([4, 3, 2], seed=2)
    x, y = rng.random((4, 3)), np.eye(2)[:, [0, 1, 1]]
    good = gradient_check(net, x, y, lmbda=3.0, n=3)
    assert good.ok
    # Shift all weights so λw/n is large, then compare with λ = 0 gradients: must differ.
    from pynet.gradient_check import check_gradients
    nb, nw = net.backprop(x, y)
    lmbda, n, m = 3.0, 3, 3

    def loss():
        zs, a = net._forward(x)
        return net.cost.fn(a[-1], y, zs[-1]) / m + net._l2(lmbda, n)

    bad = check_gradients(loss, {"weights[0]": net.weights[0]}, {"weights[0]": nw[0] / m})
    assert not bad.ok
