"""The hand-wired threshold network for XOR from the lecture notes (§1.2, the XOR example).

Seven elements, numbered as in the notes::

    inputs        1, 2        (x1, x2)
    bias units    3, 4        activity always 1
    hidden        5, 6
    output        7

Each neuron adds up its weighted inputs, the bias unit's weight included (here the bias is
*added*, as a weight from a unit that is always 1; in the formal neuron's terms the threshold is
b = −bias), and fires (activity 1) when the sum is positive, else 0::

    net5 = −1·x1 − 1·x2 + 1.5      (fires unless both inputs are 1: a NAND)
    net6 = −1·x1 − 1·x2 + 0.5      (fires only when both inputs are 0: a NOR)
    net7 = +1·y5 − 1·y6 − 0.5      (y5 AND NOT y6: exactly one input is 1)

For x = (1, 0) the notes compute net5 = 0.5 → 1, net6 = −0.5 → 0, net7 = 0.5 → 1. No net input is
ever exactly 0 for binary inputs, so the notes' silence on that case does not matter here (0 would
give activity 0, as in Nielsen's perceptron).

Which bias unit (3 or 4) feeds which neuron is only in the missing figure; both are 1, so the
choice below (3 feeds 5, 4 feeds 6 and 7) changes nothing. The notes also write "(0 XOR 1 = 1)"
next to inputs (1, 0): a slip, harmless because XOR is symmetric.
"""
from __future__ import annotations

from dataclasses import dataclass

from .logic_gates import check_bit

__all__ = ["XORNetwork", "XORTrace"]


@dataclass(frozen=True)
class XORTrace:
    """Every intermediate value of one pass: the net inputs and activities of neurons 5, 6, 7."""

    x1: int
    x2: int
    net5: float
    y5: int
    net6: float
    y6: int
    net7: float
    y7: int

    @property
    def output(self) -> int:
        """The network's output, the activity of neuron 7."""
        return self.y7


class XORNetwork:
    """The lecture notes' XOR net with its fixed weights; nothing here is learned.

    Attributes
    ----------
    weights : dict
        ``weights[(i, j)]`` is the weight from element i to element j, numbered as in the notes
        (bias units 3 and 4 included).

    Examples
    --------
    >>> net = XORNetwork()
    >>> t = net.trace(1, 0)
    >>> t.net5, t.net6, t.net7, t.output
    (0.5, -0.5, 0.5, 1)
    """

    #: weight from element i to element j, as in the notes' worked computation
    WEIGHTS = {
        (1, 5): -1.0, (2, 5): -1.0, (3, 5): 1.5,
        (1, 6): -1.0, (2, 6): -1.0, (4, 6): 0.5,
        (5, 7): 1.0, (6, 7): -1.0, (4, 7): -0.5,
    }

    def __init__(self):
        self.weights = dict(self.WEIGHTS)

    @staticmethod
    def activity(net: float) -> int:
        """The threshold at 0: 1 if net > 0, else 0."""
        return 1 if net > 0 else 0

    def _net(self, j: int, activities: dict) -> float:
        return sum(w * activities[i] for (i, to), w in self.weights.items() if to == j)

    def trace(self, x1, x2) -> XORTrace:
        """Run the network on bits ``x1``, ``x2`` and return every intermediate value."""
        a = {1: check_bit("x1", x1, "XORNetwork()"), 2: check_bit("x2", x2, "XORNetwork()"),
             3: 1, 4: 1}
        net5 = self._net(5, a)
        a[5] = self.activity(net5)
        net6 = self._net(6, a)
        a[6] = self.activity(net6)
        net7 = self._net(7, a)
        a[7] = self.activity(net7)
        return XORTrace(a[1], a[2], net5, a[5], net6, a[6], net7, a[7])

    def __call__(self, x1, x2) -> int:
        """x1 XOR x2, computed by the network."""
        return self.trace(x1, x2).output

    def truth_table(self) -> list:
        """Traces for (0, 0), (0, 1), (1, 0), (1, 1)."""
        return [self.trace(x1, x2) for x1 in (0, 1) for x2 in (0, 1)]

    def describe(self) -> str:
        """The network's sums written out, one line per neuron."""
        lines = []
        for j in (5, 6, 7):
            terms = [(i, w) for (i, to), w in self.weights.items() if to == j]
            text = f"{terms[0][1]:g}·a{terms[0][0]}"
            for i, w in terms[1:]:
                text += f" {'+' if w >= 0 else '-'} {abs(w):g}·a{i}"
            lines.append(f"net{j} = {text}")
        lines.append("(a1, a2: the inputs; a3 = a4 = 1: the bias units; a5, a6: hidden activities)")
        return "\n".join(lines)
