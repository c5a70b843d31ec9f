"""The scalar argument checks, written once: integers in a range, real numbers in a range.

Every public function takes its arguments in one order, ``(where, name, value, ...)``:

* ``where`` names the call a reader typed (``"Dense()"``, ``"Network.SGD()"``),
* ``name`` is the argument's name as the signature spells it,
* ``value`` is what arrived.

Each returns the value as a plain Python ``int`` or ``float`` (so a NumPy scalar that passes comes
back as a builtin), or ``None`` when ``allow_none=True`` and ``None`` arrived. A failure names all
three parts plus what was expected::

    >>> positive_int("Dense()", "units", 0)
    Traceback (most recent call last):
    ...
    ValueError: Dense(): argument 'units' must be a positive integer, got 0

Two kinds of failure, two exception types:

* the wrong *kind* of value (a string, a float for an integer, ``True`` for a count) raises
  :class:`ArgumentTypeError`, which is both a ``TypeError`` and a ``ValueError`` (as
  ``numpy.exceptions.AxisError`` is both a ``ValueError`` and an ``IndexError``), so callers that
  catch either keep working;
* the right kind out of range (``0`` units, a NaN learning rate) raises ``ValueError``.

``bool`` is refused wherever a number is asked for: ``True`` is an ``int`` to Python but never a
count or a rate to a reader. NumPy integers and floats are accepted (``numpy.int64(3)`` is a fine
layer size).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["ArgumentTypeError", "integer", "positive_int", "nonnegative_int", "real",
           "positive_real"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong kind (a ``TypeError`` that ``except ValueError`` also catches)."""


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def _fmt(x) -> str:
    """A bound as a reader writes it: ``1``, ``0.5``, ``1e-07``."""
    return format(x, "g") if isinstance(x, float) else str(x)


def _range_words(kind: str, low, high, low_open: bool, high_open: bool) -> str:
    """``'an integer >= 1'``, ``'a finite real number in (0, 1]'`` and the like."""
    if low is not None and high is not None:
        return (f"{kind} in {'(' if low_open else '['}{_fmt(low)}, "
                f"{_fmt(high)}{')' if high_open else ']'}")
    if low is not None:
        return f"{kind} {'>' if low_open else '>='} {_fmt(low)}"
    if high is not None:
        return f"{kind} {'<' if high_open else '<='} {_fmt(high)}"
    return kind


def _fail(exc, where, name, expected, value, allow_none, hint=""):
    expected = f"None or {expected}" if allow_none else expected
    raise exc(f"{where}: argument {name!r} must be {expected}, got {value!r}{hint}")


def integer(where: str, name: str, value, *, low: int | None = None, high: int | None = None,
            allow_none: bool = False, hint: str = "") -> int | None:
    """An integer in ``[low, high]`` (either end may be ``None``: unbounded).

    Accepts ``int`` and NumPy integers; refuses ``bool``, floats (even ``3.0``) and strings with
    :class:`ArgumentTypeError`, and an integer out of range with ``ValueError``. ``hint`` is
    appended to the message (why the bound is what it is).
    """
    if value is None and allow_none:
        return None
    if low == 1 and high is None:
        expected = "a positive integer"
    elif low == 0 and high is None:
        expected = "a non-negative integer"
    else:
        expected = _range_words("an integer", low, high, False, False)
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        _fail(ArgumentTypeError, where, name, expected, value, allow_none, hint)
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        _fail(ValueError, where, name, expected, value, allow_none, hint)
    return v


def positive_int(where: str, name: str, value, *, allow_none: bool = False) -> int | None:
    """A count: an integer ``>= 1`` (a layer size, a batch size, a number of epochs)."""
    return integer(where, name, value, low=1, allow_none=allow_none)


def nonnegative_int(where: str, name: str, value, *, allow_none: bool = False) -> int | None:
    """An integer ``>= 0`` (an index, an offset, a seed, a count that may be zero)."""
    return integer(where, name, value, low=0, allow_none=allow_none)


def real(where: str, name: str, value, *, low: float | None = None, high: float | None = None,
         low_open: bool = False, high_open: bool = False, allow_none: bool = False,
         hint: str = "") -> float | None:
    """A finite real number, optionally inside a range.

    ``low``/``high`` bound it (``None``: unbounded); ``low_open``/``high_open`` exclude the end
    itself, so ``low=0, low_open=True`` asks for ``> 0``. NaN and ±inf are always refused.
    ``hint`` is appended to the message (a sentence on why the range is what it is).
    Accepts ``int``, ``float`` and NumPy scalars; refuses ``bool`` and strings with
    :class:`ArgumentTypeError`.
    """
    if value is None and allow_none:
        return None
    # the message's words are built only on failure: kernels call this on every step
    if _is_bool(value) or not isinstance(value, numbers.Real):
        _fail(ArgumentTypeError, where, name,
              _range_words("a finite real number", low, high, low_open, high_open), value,
              allow_none, hint)
    v = float(value)
    bad = not math.isfinite(v)
    if low is not None:
        bad = bad or (v <= low if low_open else v < low)
    if high is not None:
        bad = bad or (v >= high if high_open else v > high)
    if bad:
        _fail(ValueError, where, name,
              _range_words("a finite real number", low, high, low_open, high_open), value,
              allow_none, hint)
    return v


def positive_real(where: str, name: str, value, *, allow_none: bool = False) -> float | None:
    """A finite real number ``> 0`` (a learning rate, a step size, a scale)."""
    return real(where, name, value, low=0, low_open=True, allow_none=allow_none)
