"""Adding binary numbers with NAND perceptrons: half adder, full adder, ripple-carry adder.

Nielsen's chapter 1 (course §1.2) adds two bits x1, x2 with NAND perceptrons: the output is their
bitwise sum (x1 XOR x2) and a carry bit x1·x2 (x1 AND x2). The figure with the wiring is missing
from the text, so the circuits are spelled out here and can be printed with
:meth:`~pynet.classic.logic_gates.Circuit.describe`:

* half adder, 5 NANDs: the 4-NAND XOR gives the sum; its first NAND, NAND(x1, x2), inverted by a
  fifth NAND, gives the carry.
* full adder, 9 NANDs: sum = a XOR b XOR c_in; c_out = NAND(NAND(a, b), NAND(a XOR b, c_in)),
  i.e. (a AND b) OR ((a XOR b) AND c_in).
* n-bit ripple-carry adder: a half adder on the lowest bits, then n − 1 full adders, each
  taking the carry of the one before: 5 + 9(n − 1) NANDs.

Bit lists are written most significant bit first, as numbers are written on paper:
``[1, 0, 1]`` is 5. :func:`to_bits` and :func:`from_bits` convert.
"""
from __future__ import annotations

from functools import lru_cache

from .logic_gates import Circuit, check_bit
from pynet import _validate as validate

__all__ = [
    "half_adder", "full_adder", "half_adder_circuit", "full_adder_circuit",
    "ripple_carry_adder", "add_bits", "to_bits", "from_bits",
]


def half_adder_circuit() -> Circuit:
    """The 5-NAND half adder: inputs x1, x2; outputs sum, carry."""
    c = Circuit("half adder", ["x1", "x2"])
    s = c.XOR("x1", "x2", "sum = x1 XOR x2")
    carry = c.nand(c.last_nand_ab, c.last_nand_ab, "carry = NOT NAND(x1, x2) = x1·x2")
    c.set_output("sum", s)
    c.set_output("carry", carry)
    return c


def _full_adder_into(c: Circuit, a: str, b: str, cin: str, tag: str) -> tuple[str, str]:
    """Add the 9 NANDs of a full adder to ``c``; return its (sum, carry-out) wires."""
    half = c.XOR(a, b, f"{tag}: {a} XOR {b}")
    nand_ab = c.last_nand_ab
    s = c.XOR(half, cin, f"{tag}: sum = ({a} XOR {b}) XOR {cin}")
    nand_half_cin = c.last_nand_ab
    cout = c.nand(nand_ab, nand_half_cin, f"{tag}: carry = {a}·{b} OR ({a} XOR {b})·{cin}")
    return s, cout


def full_adder_circuit() -> Circuit:
    """The 9-NAND full adder: inputs a, b, c_in; outputs sum, c_out."""
    c = Circuit("full adder", ["a", "b", "c_in"])
    s, cout = _full_adder_into(c, "a", "b", "c_in", "full adder")
    c.set_output("sum", s)
    c.set_output("c_out", cout)
    return c


def ripple_carry_adder(n_bits: int) -> Circuit:
    """An n-bit ripple-carry adder of NAND perceptrons.

    Inputs ``a{n−1} … a0 b{n−1} … b0`` (most significant first, like :func:`add_bits`);
    outputs ``s{n} … s0`` where s{n} is the final carry. 5 + 9(n − 1) NANDs.
    """
    n_bits = validate.positive_int("ripple_carry_adder()", "n_bits", n_bits)
    a = [f"a{i}" for i in reversed(range(n_bits))]
    b = [f"b{i}" for i in reversed(range(n_bits))]
    c = Circuit(f"{n_bits}-bit ripple-carry adder", a + b)
    sums = []
    s0 = c.XOR("a0", "b0", "bit 0 (half adder): s0 = a0 XOR b0")
    carry = c.nand(c.last_nand_ab, c.last_nand_ab, "bit 0 (half adder): c1 = a0·b0")
    sums.append(s0)
    for i in range(1, n_bits):
        s, carry = _full_adder_into(c, f"a{i}", f"b{i}", carry, f"bit {i}")
        sums.append(s)
    c.set_output(f"s{n_bits}", carry)
    for i in reversed(range(n_bits)):
        c.set_output(f"s{i}", sums[i])
    return c


@lru_cache(maxsize=64)
def _adder(n_bits: int) -> Circuit:
    return ripple_carry_adder(n_bits)


@lru_cache(maxsize=1)
def _half() -> Circuit:
    return half_adder_circuit()


@lru_cache(maxsize=1)
def _full() -> Circuit:
    return full_adder_circuit()


def half_adder(x1, x2) -> tuple[int, int]:
    """(sum, carry) of two bits: sum = x1 XOR x2, carry = x1·x2, from 5 NAND perceptrons."""
    out = _half().evaluate([check_bit("x1", x1, "half_adder()"), check_bit("x2", x2, "half_adder()")])
    return out["sum"], out["carry"]


def full_adder(a, b, carry_in) -> tuple[int, int]:
    """(sum, carry_out) of three bits, from 9 NAND perceptrons."""
    bits = [check_bit("a", a, "full_adder()"), check_bit("b", b, "full_adder()"),
            check_bit("carry_in", carry_in, "full_adder()")]
    out = _full().evaluate(bits)
    return out["sum"], out["c_out"]


def to_bits(value: int, width: int | None = None) -> list[int]:
    """The binary digits of a non-negative int, most significant first: ``to_bits(5) == [1, 0, 1]``.

    ``width`` pads with leading zeros (and must be large enough).
    """
    value = validate.nonnegative_int("to_bits()", "value", value)
    need = max(value.bit_length(), 1)
    if width is None:
        width = need
    elif isinstance(width, bool) or not isinstance(width, int) or width < need:
        raise ValueError(f"to_bits(): argument 'width' must be an int ≥ {need} to hold {value}, got {width!r}")
    return [(value >> i) & 1 for i in reversed(range(width))]


def from_bits(bits) -> int:
    """The int whose binary digits (most significant first) are ``bits``."""
    value = 0
    for i, bit in enumerate(bits):
        value = 2 * value + check_bit(f"bits[{i}]", bit, "from_bits()")
    return value


def add_bits(a, b):
    """Add two binary numbers with a ripple-carry adder of NAND perceptrons.

    Parameters
    ----------
    a, b : list of bits (most significant first, same length) or non-negative ints
        Both lists, or both ints.

    Returns
    -------
    list of int or int
        For lists: the n + 1 sum bits, most significant (the final carry) first, e.g.
        ``add_bits([1, 1], [0, 1]) == [1, 0, 0]`` (3 + 1 = 4). For ints: the int sum, computed
        by the circuit on ``max(a.bit_length(), b.bit_length(), 1)`` bits.
    """
    where = "add_bits()"
    a_int = isinstance(a, int) and not isinstance(a, bool)
    b_int = isinstance(b, int) and not isinstance(b, bool)
    if a_int and b_int:
        if a < 0 or b < 0:
            raise ValueError(f"{where}: the adder works on non-negative ints, got a={a!r}, b={b!r}")
        width = max(a.bit_length(), b.bit_length(), 1)
        return from_bits(add_bits(to_bits(a, width), to_bits(b, width)))
    if a_int or b_int:
        raise TypeError(f"{where}: give two bit lists or two ints, got {type(a).__name__} and {type(b).__name__}")
    try:
        a_bits, b_bits = list(a), list(b)
    except TypeError:
        raise TypeError(f"{where}: arguments must be bit lists or ints, got {a!r} and {b!r}") from None
    if not a_bits:
        raise ValueError(f"{where}: argument 'a' is an empty bit list")
    if len(a_bits) != len(b_bits):
        raise ValueError(
            f"{where}: 'a' has {len(a_bits)} bits and 'b' {len(b_bits)}; pad the shorter with "
            "leading zeros, e.g. to_bits(n, width)"
        )
    a_bits = [check_bit(f"a[{i}]", v, where) for i, v in enumerate(a_bits)]
    b_bits = [check_bit(f"b[{i}]", v, where) for i, v in enumerate(b_bits)]
    n = len(a_bits)
    out = _adder(n).evaluate(a_bits + b_bits)
    return [out[f"s{i}"] for i in reversed(range(n + 1))]
