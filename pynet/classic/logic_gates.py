"""Logic gates built from one perceptron: the NAND gate of Nielsen's chapter 1 (course §1.2).

The text's NAND perceptron has weights −2, −2 and bias 3::

    x1 x2 | z = −2·x1 − 2·x2 + 3 | output
     0  0 |  3                   |   1
     0  1 |  1                   |   1
     1  0 |  1                   |   1
     1  1 | −1                   |   0

NAND is universal: every other gate is a few NANDs wired together, so a network of these
perceptrons can compute anything a digital circuit can. The wirings used here (the text's
figure is missing, so they are written out):

    NOT x     = NAND(x, x)                                  1 NAND
    AND(a, b) = NOT(NAND(a, b))                             2 NANDs
    OR(a, b)  = NAND(NOT a, NOT b)                          3 NANDs
    XOR(a, b) = NAND(NAND(a, m), NAND(b, m)), m = NAND(a, b)  4 NANDs

:class:`Circuit` records such a wiring gate by gate, evaluates it with the NAND perceptron and
prints it (which NAND feeds which), so a learner can follow every wire; the adders in
:mod:`pynet.classic.binary_adder` are Circuits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .perceptron import Perceptron

__all__ = [
    "NAND_WEIGHTS", "NAND_BIAS", "NAND_PERCEPTRON", "check_bit",
    "NAND", "NOT", "AND", "OR", "XOR", "Gate", "Circuit",
]

#: The text's NAND perceptron: weights (−2, −2), bias 3.
NAND_WEIGHTS = (-2.0, -2.0)
NAND_BIAS = 3.0
NAND_PERCEPTRON = Perceptron(NAND_WEIGHTS, bias=NAND_BIAS)


def check_bit(name: str, value, where: str) -> int:
    """Return ``value`` as the int 0 or 1, or raise naming the argument.

    Accepts 0/1 as int, bool, float (0.0, 1.0) or a NumPy scalar; anything else (2, 0.5, "1",
    NaN) is refused, because a gate's truth table is only defined on bits.
    """
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return int(value)
    raise ValueError(f"{where}: argument {name!r} must be a bit (0 or 1), got {value!r}")


def NAND(x1, x2) -> int:
    """NAND of two bits, computed by the text's perceptron (w = −2, −2; b = 3)."""
    x1 = check_bit("x1", x1, "NAND()")
    x2 = check_bit("x2", x2, "NAND()")
    return NAND_PERCEPTRON((x1, x2))


def NOT(x) -> int:
    """NOT x = NAND(x, x): one NAND perceptron."""
    x = check_bit("x", x, "NOT()")
    return NAND(x, x)


def AND(x1, x2) -> int:
    """AND = NOT(NAND(x1, x2)): two NAND perceptrons."""
    x1, x2 = check_bit("x1", x1, "AND()"), check_bit("x2", x2, "AND()")
    return NOT(NAND(x1, x2))


def OR(x1, x2) -> int:
    """OR = NAND(NOT x1, NOT x2) (De Morgan): three NAND perceptrons."""
    x1, x2 = check_bit("x1", x1, "OR()"), check_bit("x2", x2, "OR()")
    return NAND(NOT(x1), NOT(x2))


def XOR(x1, x2) -> int:
    """XOR with four NAND perceptrons: m = NAND(x1, x2); NAND(NAND(x1, m), NAND(x2, m))."""
    x1, x2 = check_bit("x1", x1, "XOR()"), check_bit("x2", x2, "XOR()")
    m = NAND(x1, x2)
    return NAND(NAND(x1, m), NAND(x2, m))


@dataclass(frozen=True)
class Gate:
    """One NAND perceptron in a circuit: ``name = NAND(inputs[0], inputs[1])``.

    ``note`` says which composite gate it belongs to (e.g. ``"XOR(a0, b0) 2/4"``).
    """

    name: str
    inputs: tuple
    note: str = ""


class Circuit:
    """A wiring of NAND perceptrons, recorded gate by gate so it can be printed and traced.

    Wires are named by strings: the circuit's inputs, and ``n1``, ``n2``, … for the gates in
    the order they were added (each gate reads only wires that exist already, so evaluating
    them in that order is a valid forward pass).

    Parameters
    ----------
    name : str
        Shown in :meth:`describe`.
    inputs : sequence of str
        Input wire names, in the order :meth:`evaluate` takes them.

    Examples
    --------
    >>> c = Circuit("xor", ["a", "b"])
    >>> c.set_output("y", c.XOR("a", "b"))
    >>> c.gate_count, c.evaluate([1, 0])
    (4, {'y': 1})
    """

    def __init__(self, name: str, inputs: Sequence[str]):
        self.name = name
        self.inputs = list(inputs)
        if len(set(self.inputs)) != len(self.inputs):
            raise ValueError(f"Circuit(): input names must be distinct, got {self.inputs}")
        self.gates: list[Gate] = []
        self.outputs: dict[str, str] = {}
        #: the first NAND of the most recent XOR, NAND(a, b), which adders reuse for the carry
        self.last_nand_ab: str | None = None

    # -- building ---------------------------------------------------------------------------
    def _wire(self, wire: str) -> str:
        if wire not in self.inputs and not any(g.name == wire for g in self.gates):
            raise ValueError(f"Circuit {self.name!r}: no wire called {wire!r} yet")
        return wire

    def nand(self, a: str, b: str, note: str = "") -> str:
        """Add one NAND perceptron reading wires ``a`` and ``b``; return its output wire."""
        gate = Gate(f"n{len(self.gates) + 1}", (self._wire(a), self._wire(b)), note)
        self.gates.append(gate)
        return gate.name

    def NOT(self, a: str, label: str = "") -> str:
        return self.nand(a, a, label or f"NOT {a}")

    def AND(self, a: str, b: str, label: str = "") -> str:
        label = label or f"AND({a}, {b})"
        m = self.nand(a, b, f"{label} 1/2")
        return self.nand(m, m, f"{label} 2/2")

    def OR(self, a: str, b: str, label: str = "") -> str:
        label = label or f"OR({a}, {b})"
        na = self.nand(a, a, f"{label} 1/3")
        nb = self.nand(b, b, f"{label} 2/3")
        return self.nand(na, nb, f"{label} 3/3")

    def XOR(self, a: str, b: str, label: str = "") -> str:
        """Four NANDs; returns the output wire. The first NAND, NAND(a, b), is available as
        :attr:`last_nand_ab` so an adder can reuse it for its carry."""
        label = label or f"XOR({a}, {b})"
        m = self.nand(a, b, f"{label} 1/4")
        self.last_nand_ab = m
        p = self.nand(a, m, f"{label} 2/4")
        q = self.nand(b, m, f"{label} 3/4")
        return self.nand(p, q, f"{label} 4/4")

    def set_output(self, name: str, wire: str) -> None:
        self.outputs[name] = self._wire(wire)

    @property
    def gate_count(self) -> int:
        """Number of NAND perceptrons."""
        return len(self.gates)

    # -- running ----------------------------------------------------------------------------
    def trace(self, bits) -> dict:
        """Values of every wire (inputs and gates) for the given input bits.

        ``bits`` is a sequence in the order of :attr:`inputs`, or a mapping name -> bit.
        """
        where = f"Circuit {self.name!r}"
        if isinstance(bits, Mapping):
            missing = [n for n in self.inputs if n not in bits]
            extra = [n for n in bits if n not in self.inputs]
            if missing or extra:
                raise ValueError(f"{where}: inputs must be exactly {self.inputs}; missing {missing}, unknown {extra}")
            values = {n: check_bit(n, bits[n], where) for n in self.inputs}
        else:
            bits = list(bits)
            if len(bits) != len(self.inputs):
                raise ValueError(
                    f"{where}: expected {len(self.inputs)} input bits ({', '.join(self.inputs)}), got {len(bits)}"
                )
            values = {n: check_bit(n, v, where) for n, v in zip(self.inputs, bits)}
        for gate in self.gates:
            values[gate.name] = NAND_PERCEPTRON((values[gate.inputs[0]], values[gate.inputs[1]]))
        return values

    def evaluate(self, bits) -> dict:
        """The circuit's outputs (name -> bit) for the given input bits."""
        values = self.trace(bits)
        return {name: values[wire] for name, wire in self.outputs.items()}

    def describe(self, bits=None) -> str:
        """The wiring as text, one NAND perceptron per line; with ``bits``, each wire's value."""
        values = self.trace(bits) if bits is not None else None
        head = (f"{self.name}: {self.gate_count} NAND perceptrons "
                f"(each w = {NAND_WEIGHTS[0]:g}, {NAND_WEIGHTS[1]:g}; b = {NAND_BIAS:g})")
        lines = [head, "  inputs:  " + " ".join(
            f"{n}={values[n]}" if values else n for n in self.inputs)]
        width = max(len(g.name) for g in self.gates) if self.gates else 2
        for g in self.gates:
            text = f"  {g.name:>{width}} = NAND({g.inputs[0]}, {g.inputs[1]})"
            if values:
                text += f" = {values[g.name]}"
            if g.note:
                text = f"{text:<34} # {g.note}"
            lines.append(text)
        lines.append("  outputs: " + "  ".join(
            f"{n} = {w}" + (f" = {values[w]}" if values else "") for n, w in self.outputs.items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Circuit({self.name!r}, inputs={self.inputs}, gates={self.gate_count}, outputs={list(self.outputs)})"
