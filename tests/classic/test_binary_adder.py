"""Binary addition with NAND perceptrons, checked against Python's own integer addition."""
from __future__ import annotations

import random

import pytest

from pynet.classic.binary_adder import (
    add_bits, from_bits, full_adder, full_adder_circuit, half_adder, half_adder_circuit,
    ripple_carry_adder, to_bits,
)


def test_half_adder_table():
    # x1 x2 -> sum carry   (sum = x1 XOR x2, carry = x1·x2 as the text says)
    assert half_adder(0, 0) == (0, 0)
    assert half_adder(0, 1) == (1, 0)
    assert half_adder(1, 0) == (1, 0)
    assert half_adder(1, 1) == (0, 1)
    assert half_adder_circuit().gate_count == 5


def test_full_adder_table():
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                total = a + b + c
                assert full_adder(a, b, c) == (total % 2, total // 2), (a, b, c)
    assert full_adder_circuit().gate_count == 9


def test_bit_conversions():
    assert to_bits(5) == [1, 0, 1]
    assert to_bits(5, 6) == [0, 0, 0, 1, 0, 1]
    assert to_bits(0) == [0]
    assert from_bits([1, 1, 0, 1]) == 13
    with pytest.raises(ValueError, match="'width' must be an int ≥ 3"):
        to_bits(5, 2)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_ripple_carry_exhaustive(n):
    """All 2ⁿ × 2ⁿ pairs, as bit lists (most significant first)."""
    for a in range(2 ** n):
        for b in range(2 ** n):
            bits = add_bits(to_bits(a, n), to_bits(b, n))
            assert len(bits) == n + 1
            assert from_bits(bits) == a + b, (a, b)
    assert ripple_carry_adder(n).gate_count == 5 + 9 * (n - 1)


def test_worked_example_three_plus_one():
    # 11 + 01 = 100: bit 0: 1 + 1 = 0 carry 1; bit 1: 1 + 0 + 1 = 0 carry 1
    assert add_bits([1, 1], [0, 1]) == [1, 0, 0]


def test_random_16_bit_ints():
    rnd = random.Random(20261123)
    for _ in range(150):
        a, b = rnd.getrandbits(16), rnd.getrandbits(16)
        assert add_bits(a, b) == a + b
    assert add_bits(0xFFFF, 1) == 0x10000            # the carry ripples through all 16 bits


def test_ints_of_different_lengths():
    assert add_bits(200, 55) == 255
    assert add_bits(0, 0) == 0
    assert add_bits(1, 1023) == 1024


def test_circuit_printout_names_every_wire():
    text = ripple_carry_adder(2).describe([1, 1, 0, 1])          # a = 11, b = 01
    assert "2-bit ripple-carry adder: 14 NAND perceptrons" in text
    assert "n1 = NAND(a0, b0) = 0" in text
    assert "s2 = n14 = 1" in text and "s1 = n13 = 0" in text and "s0 = n4 = 0" in text


@pytest.mark.parametrize("a,b,exc,text", [
    ([1, 0], [1], ValueError, "'a' has 2 bits and 'b' 1"),
    ([1, 2], [0, 1], ValueError, "argument 'a[1]' must be a bit"),
    ([], [], ValueError, "empty"),
    (-1, 3, ValueError, "non-negative"),
    (3, [1, 1], TypeError, "two bit lists or two ints"),
])
def test_bad_input(a, b, exc, text):
    with pytest.raises(exc) as info:
        add_bits(a, b)
    assert text in str(info.value)


def test_adder_gates_refuse_non_bits():
    with pytest.raises(ValueError, match="argument 'carry_in' must be a bit"):
        full_adder(1, 0, 2)
    with pytest.raises(ValueError, match="argument 'x1' must be a bit"):
        half_adder(0.5, 1)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(a=st.integers(0, 2**24 - 1), b=st.integers(0, 2**24 - 1))
def test_property_adder_equals_integer_addition(a, b):
    assert add_bits(a, b) == a + b
