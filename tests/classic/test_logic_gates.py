"""Gates built only from the text's NAND perceptron (w = −2, −2; b = 3)."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.classic.logic_gates import (
    AND, NAND, NAND_BIAS, NAND_PERCEPTRON, NAND_WEIGHTS, NOT, OR, XOR, Circuit, check_bit,
)

#   x1 x2 | NAND AND OR XOR
TRUTH = [
    (0, 0, 1, 0, 0, 0),
    (0, 1, 1, 0, 1, 1),
    (1, 0, 1, 0, 1, 1),
    (1, 1, 0, 1, 1, 0),
]


def test_the_gate_is_the_texts_perceptron():
    assert NAND_WEIGHTS == (-2.0, -2.0) and NAND_BIAS == 3.0
    assert NAND_PERCEPTRON.weights.tolist() == [-2.0, -2.0] and NAND_PERCEPTRON.bias == 3.0


@pytest.mark.parametrize("x1,x2,nand,and_,or_,xor", TRUTH)
def test_truth_tables(x1, x2, nand, and_, or_, xor):
    assert NAND(x1, x2) == nand
    assert AND(x1, x2) == and_
    assert OR(x1, x2) == or_
    assert XOR(x1, x2) == xor


def test_not():
    assert NOT(0) == 1 and NOT(1) == 0


def test_bits_may_be_bools_floats_and_numpy_scalars():
    assert NAND(True, True) == 0
    assert XOR(1.0, 0.0) == 1
    assert AND(np.int64(1), np.float32(1)) == 1


@pytest.mark.parametrize("bad", [2, -1, 0.5, "1", None, float("nan")])
def test_non_binary_inputs_are_refused_with_the_argument_named(bad):
    with pytest.raises(ValueError, match=r"argument 'x2' must be a bit \(0 or 1\)"):
        NAND(1, bad)
    with pytest.raises(ValueError, match=r"XOR\(\): argument 'x1' must be a bit"):
        XOR(bad, 0)
    with pytest.raises(ValueError, match="'x'"):
        NOT(bad)


def test_check_bit_returns_plain_ints():
    assert check_bit("b", np.float64(1.0), "f()") == 1
    assert type(check_bit("b", True, "f()")) is int


def test_circuit_counts_and_prints_the_wiring():
    c = Circuit("xor", ["a", "b"])
    c.set_output("y", c.XOR("a", "b"))
    assert c.gate_count == 4
    # every gate reads the wires the standard 4-NAND XOR uses
    assert [g.inputs for g in c.gates] == [("a", "b"), ("a", "n1"), ("b", "n1"), ("n2", "n3")]
    text = c.describe([1, 1])
    assert "4 NAND perceptrons" in text
    assert "n1 = NAND(a, b) = 0" in text
    assert "y = n4 = 0" in text
    assert [c.evaluate([x1, x2])["y"] for x1, x2, *_ in TRUTH] == [row[5] for row in TRUTH]


def test_circuit_composites_have_the_advertised_sizes():
    c = Circuit("gates", ["p", "q"])
    c.set_output("not", c.NOT("p"))
    c.set_output("and", c.AND("p", "q"))
    c.set_output("or", c.OR("p", "q"))
    assert c.gate_count == 1 + 2 + 3
    for p, q, _, and_, or_, _ in TRUTH:
        assert c.evaluate({"p": p, "q": q}) == {"not": 1 - p, "and": and_, "or": or_}


def test_circuit_input_errors():
    c = Circuit("xor", ["a", "b"])
    c.set_output("y", c.XOR("a", "b"))
    with pytest.raises(ValueError, match="expected 2 input bits"):
        c.evaluate([1])
    with pytest.raises(ValueError, match="argument 'b' must be a bit"):
        c.evaluate([1, 3])
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        c.evaluate({"a": 1})
    with pytest.raises(ValueError, match="no wire called 'zz'"):
        c.nand("a", "zz")
