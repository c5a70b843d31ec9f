"""The perceptron of Nielsen's chapter 1 and Rosenblatt's rule, on the texts' examples."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from pynet.classic.perceptron import ConvergenceWarning, Perceptron, is_linearly_separable

BITS = [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_nand_table_from_the_text():
    """w = (−2, −2), b = 3:
    00 → z = 3 > 0 → 1;  01, 10 → z = 1 → 1;  11 → z = −2 − 2 + 3 = −1 ≤ 0 → 0."""
    nand = Perceptron([-2, -2], bias=3)
    assert [nand.weighted_input(x) for x in BITS] == [3.0, 1.0, 1.0, -1.0]
    assert [nand(x) for x in BITS] == [1, 1, 1, 0]


def test_cheese_festival_threshold_5_follows_the_weather():
    """w = (6, 2, 2), threshold 5: only the weather (x1) matters — 2 + 2 = 4 ≤ 5, 6 > 5."""
    p = Perceptron([6, 2, 2], threshold=5)
    assert p.bias == -5
    for x in itertools.product((0, 1), repeat=3):
        assert p(x) == x[0], x


def test_cheese_festival_threshold_3_weather_or_both_others():
    """Threshold 3: go if the weather is good (6 > 3) or partner AND transport (2 + 2 = 4 > 3);
    one of the two alone gives 2 ≤ 3."""
    p = Perceptron([6, 2, 2], threshold=3)
    for x1, x2, x3 in itertools.product((0, 1), repeat=3):
        assert p((x1, x2, x3)) == int(x1 == 1 or (x2 == 1 and x3 == 1))


def test_bias_and_threshold_are_the_same_number_with_opposite_sign():
    a = Perceptron([1.0, 1.0], threshold=1.5)
    b = Perceptron([1.0, 1.0], bias=-1.5)
    assert a.threshold == b.threshold == 1.5
    assert [a(x) for x in BITS] == [b(x) for x in BITS] == [0, 0, 0, 1]


def test_zero_weighted_input_outputs_zero():
    """Eq. (1) uses a strict '>': z = 0 gives 0 (unlike the step function, which gives 1)."""
    p = Perceptron([1.0, -1.0], bias=0.0)
    assert p.weighted_input((1, 1)) == 0.0
    assert p((1, 1)) == 0


@pytest.mark.parametrize("name,targets", [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]),
                                          ("NAND", [1, 1, 1, 0])])
def test_rule_learns_separable_gates(name, targets, backend_name, kernels_of):
    kernels_of(backend_name, ["classic"])  # skip/fail cleanly when the compiled module is missing
    p = Perceptron.zeros(2, backend=backend_name)
    result = p.fit(BITS, targets, learning_rate=1.0, max_epochs=50)
    assert result.converged, result.message
    assert result.mistakes[-1] == 0 and result.epochs == len(result.mistakes)
    assert list(p.predict(BITS)) == targets
    assert is_linearly_separable(BITS, targets)


def test_rule_on_and_reaches_the_same_weights_on_both_backends(kernels_of):
    kernels_of("cython", ["classic"])
    runs = []
    for backend in ("python", "cython"):
        p = Perceptron.random(2, seed=5, backend=backend)
        runs.append((p.fit(BITS, [0, 0, 0, 1]).mistakes, p.weights.tolist(), p.bias))
    assert runs[0] == runs[1]


def test_rule_on_xor_stops_and_says_not_separable():
    p = Perceptron.zeros(2)
    with pytest.warns(ConvergenceWarning, match="not linearly separable"):
        result = p.fit(BITS, [0, 1, 1, 0], max_epochs=1000)
    assert not result.converged
    assert result.linearly_separable is False
    assert result.epochs < 1000                     # the cycle was spotted before the cap
    assert "cycling" in result.message
    assert list(p.predict(BITS)) != [0, 1, 1, 0]


def test_rule_on_xor_with_a_non_repeating_rate_stops_at_the_cap():
    """η = 0.37 and a random start: states need not repeat exactly, so the cap stops it."""
    p = Perceptron.random(2, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = p.fit(BITS, [0, 1, 1, 0], learning_rate=0.37, max_epochs=25)
    assert not result.converged
    assert result.epochs <= 25
    assert "not linearly separable" in result.message


def test_cap_too_small_for_separable_data_says_so():
    p = Perceptron.zeros(2)
    with pytest.warns(ConvergenceWarning, match="ARE linearly separable"):
        result = p.fit(BITS, [0, 0, 0, 1], max_epochs=2)
    assert result.linearly_separable is True


def test_linear_separability_by_linear_programming():
    assert is_linearly_separable(BITS, [0, 0, 0, 1])
    assert is_linearly_separable(BITS, [1, 1, 1, 1])            # one class: trivially
    assert not is_linearly_separable(BITS, [0, 1, 1, 0])        # XOR
    assert not is_linearly_separable(BITS, [1, 0, 0, 1])        # XNOR
    # 3-bit parity is not separable either (Minsky's "parity")
    cube = list(itertools.product((0, 1), repeat=3))
    assert not is_linearly_separable(cube, [sum(x) % 2 for x in cube])


@pytest.mark.parametrize("kwargs,exc,text", [
    (dict(X=[[0, 0], [1, 1]], t=[0, 1, 1]), ValueError, "has 3 target row(s) but 'X' has 2"),
    (dict(X=[[0, 0, 0]], t=[1]), ValueError, "must have 2 inputs per pattern"),
    (dict(X=np.zeros((0, 2)), t=[]), ValueError, "is empty"),
    (dict(X=[[0, np.nan]], t=[1]), ValueError, "NaN"),
    (dict(X=[[0, 1]], t=[2]), ValueError, "0/1 targets, got 2"),
    (dict(X=[[0, 1]], t=[1], learning_rate=0), ValueError,
     "'learning_rate' must be a finite real number > 0"),
    (dict(X=[[0, 1]], t=[1], max_epochs=0), ValueError, "'max_epochs' must be a positive integer"),
    (dict(X=[["a", "b"]], t=[1]), TypeError, "real numbers"),
])
def test_fit_refuses_bad_input_and_changes_nothing(kwargs, exc, text):
    p = Perceptron([0.5, -0.5], bias=0.25)
    with pytest.raises(exc) as info:
        p.fit(**kwargs)
    assert text in str(info.value)
    assert "Perceptron.fit()" in str(info.value)
    assert p.weights.tolist() == [0.5, -0.5] and p.bias == 0.25


def test_construction_and_call_errors_name_the_argument():
    with pytest.raises(ValueError, match="exactly one of 'bias' and 'threshold'"):
        Perceptron([1, 1], bias=1, threshold=1)
    with pytest.raises(ValueError, match="exactly one of 'bias' and 'threshold'"):
        Perceptron([1, 1])
    with pytest.raises(ValueError, match="'weights' must be a non-empty"):
        Perceptron([], bias=0)
    with pytest.raises(ValueError, match="has 2 inputs, so 'x' must be 2 numbers"):
        Perceptron([1, 1], bias=0)((1, 0, 1))
    with pytest.raises(ValueError, match="NaN"):
        Perceptron([1, 1], bias=0)((1, float("nan")))


def test_random_start_is_reproducible():
    a = Perceptron.random(3, seed=42)
    b = Perceptron.random(3, seed=np.random.default_rng(42))
    assert a.weights.tolist() == b.weights.tolist() and a.bias == b.bias
    assert Perceptron.random(3, seed=43).weights.tolist() != a.weights.tolist()
