"""The scalar engine: each operation's derivative against a central difference, and the chain
rule worked by hand on one neuron."""
from __future__ import annotations

import math

import pytest

from pynet.autodiff import Value

EPS = 1e-6


def central_difference(f, x):
    return (f(x + EPS) - f(x - EPS)) / (2 * EPS)


UNARY = {
    "exp": (lambda v: v.exp(), math.exp),
    "log": (lambda v: v.log(), math.log),
    "tanh": (lambda v: v.tanh(), math.tanh),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0)),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "pow3": (lambda v: v ** 3, lambda x: x ** 3),
    "pow-0.5": (lambda v: v ** -0.5, lambda x: x ** -0.5),
    "neg": (lambda v: -v, lambda x: -x),
    "rdiv": (lambda v: 2.0 / v, lambda x: 2.0 / x),
    "rsub": (lambda v: 1.0 - v, lambda x: 1.0 - x),
}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("x", [0.7, 1.9])
def test_unary_derivative_matches_central_difference(name, x):
    engine, plain = UNARY[name]
    v = Value(x)
    out = engine(v)
    out.backward()
    assert out.data == pytest.approx(plain(x), rel=1e-12)
    assert v.grad == pytest.approx(central_difference(plain, x), rel=1e-6)


def test_sigmoid_and_relu_at_the_far_ends():
    big = Value(-1000.0).sigmoid()            # no overflow: exp(1000) is never formed
    assert big.data == 0.0
    r = Value(-2.0)
    r.relu().backward()
    assert r.grad == 0.0


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_binary_derivatives(op):
    f = {"+": lambda a, b: a + b, "-": lambda a, b: a - b,
         "*": lambda a, b: a * b, "/": lambda a, b: a / b}[op]
    a, b = Value(1.3), Value(-0.4)
    f(a, b).backward()
    assert a.grad == pytest.approx(central_difference(lambda x: f(x, -0.4), 1.3), rel=1e-6)
    assert b.grad == pytest.approx(central_difference(lambda y: f(1.3, y), -0.4), rel=1e-6)


def test_one_neuron_by_hand():
    # y = tanh(w·x + b) with x = 2, w = −3, b = 6.5:  z = 0.5, y = tanh(0.5) = 0.46211716
    # dy/dz = 1 − y² = 0.78644773;  dy/dw = x·dy/dz = 1.5728955;  dy/dx = w·dy/dz = −2.3593432
    x, w, b = Value(2.0), Value(-3.0), Value(6.5)
    y = (w * x + b).tanh()
    y.backward()
    assert y.data == pytest.approx(0.46211716, abs=1e-8)
    assert w.grad == pytest.approx(1.5728955, abs=1e-7)
    assert x.grad == pytest.approx(-2.3593432, abs=1e-7)
    assert b.grad == pytest.approx(0.78644773, abs=1e-8)


def test_a_node_used_twice_collects_both_paths():
    # f = a·a + a = a² + a, df/da = 2a + 1 = 7 at a = 3: both uses must add up, not overwrite
    a = Value(3.0)
    f = a * a + a
    f.backward()
    assert a.grad == 7.0


def test_backward_visits_parents_before_children_and_each_node_once():
    a = Value(1.0, label="a")
    b = a * 2
    c = a + b
    d = c * b
    order = d.topological_order()
    assert len(order) == len({id(n) for n in order})
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for p in node.parents:
            assert position[id(p)] < position[id(node)]


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_gradients_accumulate_until_zeroed():
    a = Value(2.0)
    f = a * a
    f.backward()
    f.backward()
    assert a.grad == 8.0          # 4 + 4: the second call adds to the first
    f.zero_grad()
    f.backward()
    assert a.grad == 4.0


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="k must be an int or float"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="must be positive, got -1"):
        Value(-1.0).log()
