"""The lecture notes' hand-wired XOR threshold network."""
from __future__ import annotations

import pytest

from pynet.classic.xor_network import XORNetwork


def test_the_notes_worked_computation_for_input_1_0():
    """net5 = 1·(−1) + 0·(−1) + 1·1.5 = 0.5 → 1
    net6 = 1·(−1) + 0·(−1) + 1·0.5 = −0.5 → 0
    net7 = 1·(+1) + 0·(−1) + 1·(−0.5) = 0.5 → 1"""
    t = XORNetwork().trace(1, 0)
    assert (t.net5, t.y5) == (0.5, 1)
    assert (t.net6, t.y6) == (-0.5, 0)
    assert (t.net7, t.y7) == (0.5, 1)
    assert t.output == 1


def test_full_truth_table_with_every_sum():
    #        x1 x2  net5  net6  net7  out
    table = [(0, 0, 1.5, 0.5, -0.5, 0),
             (0, 1, 0.5, -0.5, 0.5, 1),
             (1, 0, 0.5, -0.5, 0.5, 1),
             (1, 1, -0.5, -1.5, -0.5, 0)]
    got = [(t.x1, t.x2, t.net5, t.net6, t.net7, t.output) for t in XORNetwork().truth_table()]
    assert got == table


def test_no_sum_is_ever_exactly_zero():
    for t in XORNetwork().truth_table():
        assert 0.0 not in (t.net5, t.net6, t.net7)


def test_call_and_description():
    net = XORNetwork()
    assert [net(a, b) for a in (0, 1) for b in (0, 1)] == [0, 1, 1, 0]
    assert "net5 = -1·a1 - 1·a2 + 1.5·a3" in net.describe()


@pytest.mark.parametrize("bad", [2, 0.5, "0"])
def test_non_binary_input(bad):
    with pytest.raises(ValueError, match="argument 'x2' must be a bit"):
        XORNetwork()(1, bad)
