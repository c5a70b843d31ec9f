"""The shared argument checks take a cheap path for the common case — a C-contiguous float32 or
float64 ``ndarray``, arrays of one dtype, a Python float — because a per-sample training step
(batch 1, the airline LSTM) calls them dozens of times. These tests pin down that the cheap path
changes nothing: the same array comes back (no copy), and every refusal still happens with its
message."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.kernels._checks import as_float_array, require_scalar, same_dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_ready_array_comes_back_as_is(dtype):
    a = np.ones((3, 4), dtype)
    assert as_float_array("x", a, ndim=2, kernel="k") is a
    assert as_float_array("x", a, kernel="k") is a
    assert as_float_array("x", a, ndim=(1, 2), kernel="k") is a       # tuple: the full path


def test_the_full_path_still_copies_and_refuses():
    f = np.asfortranarray(np.ones((3, 4)))
    out = as_float_array("x", f, ndim=2, kernel="k")
    assert out is not f and out.flags.c_contiguous
    np.testing.assert_array_equal(out, f)
    assert as_float_array("x", np.ones(6)[::2], kernel="k").flags.c_contiguous
    with pytest.raises(ValueError, match=r"k\(\): argument 'x' must be 3-D, got float64 array"):
        as_float_array("x", np.ones((3, 4)), ndim=3, kernel="k")
    with pytest.raises(TypeError, match="must be a float32 or float64 array, got dtype int64"):
        as_float_array("x", np.ones((3, 4), np.int64), ndim=2, kernel="k")
    with pytest.raises(TypeError, match="float16"):
        as_float_array("x", np.ones((3, 4), np.float16), ndim=2, kernel="k")


def test_same_dtype_names_every_argument_when_they_differ():
    a, b = np.ones(2), np.ones(2)
    assert same_dtype("k", a=a, b=b) == np.float64
    assert same_dtype("k", {"a": a}, b=b) == np.float64
    with pytest.raises(TypeError, match=r"k\(\): arguments must share one float dtype, got "
                                        r"a=float64, b=float64, c=float32"):
        same_dtype("k", a=a, b=b, c=np.ones(2, np.float32))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), np.float32("inf"), -np.inf])
def test_require_scalar_still_refuses_what_is_not_finite(value):
    with pytest.raises(ValueError, match="'lr' must be a finite real number"):
        require_scalar("lr", value, where="k()")
    assert require_scalar("lr", np.float32(0.5), where="k()") == 0.5
