"""pynet._validate: the one place scalar arguments are checked, read as worked examples."""
import math

import numpy as np
import pytest

from pynet import _validate as validate
from pynet._validate import ArgumentTypeError


# -- integers ------------------------------------------------------------------------------------

def test_a_count_comes_back_as_a_plain_int():
    assert validate.positive_int("Dense()", "units", 3) == 3
    n = validate.positive_int("Dense()", "units", np.int64(7))      # NumPy integers are counts too
    assert n == 7 and type(n) is int
    assert type(validate.integer("f()", "k", np.uint8(2), low=0)) is int


def test_the_message_names_the_call_the_argument_what_was_expected_and_what_arrived():
    with pytest.raises(ValueError) as info:
        validate.positive_int("Dense()", "units", 0)
    assert str(info.value) == "Dense(): argument 'units' must be a positive integer, got 0"


@pytest.mark.parametrize("bad", [True, False, np.bool_(True), 3.0, 2.5, "3", None, [3], np.array(3.0)])
def test_anything_but_an_integer_is_the_wrong_kind(bad):
    # True is an int to Python, never a count to a reader; 3.0 is a float even when whole.
    with pytest.raises(ArgumentTypeError, match=r"f\(\): argument 'n' must be a positive integer"):
        validate.positive_int("f()", "n", bad)


def test_the_wrong_kind_is_both_a_type_error_and_a_value_error():
    # so code written against either of the old validators keeps catching it
    for exc in (TypeError, ValueError):
        with pytest.raises(exc):
            validate.positive_int("f()", "n", "three")


@pytest.mark.parametrize("low, high, good, bad, words", [
    (1, None, [1, 10**12], [0, -1], "a positive integer"),
    (0, None, [0, 5], [-1], "a non-negative integer"),
    (2, None, [2, 3], [1], "an integer >= 2"),
    (1, 10, [1, 10], [0, 11], r"an integer in \[1, 10\]"),
    (None, 0, [0, -4], [1], "an integer <= 0"),
    (None, None, [-(10**30), 0, 10**30], [], "an integer"),
])
def test_bounds_are_inclusive_and_named(low, high, good, bad, words):
    for v in good:
        assert validate.integer("f()", "k", v, low=low, high=high) == v
    for v in bad:
        with pytest.raises(ValueError, match=rf"'k' must be {words}, got {v}$"):
            validate.integer("f()", "k", v, low=low, high=high)


def test_none_only_when_allowed_and_then_said_in_the_message():
    assert validate.positive_int("pad_sequences()", "maxlen", None, allow_none=True) is None
    with pytest.raises(ArgumentTypeError, match="'maxlen' must be a positive integer, got None"):
        validate.positive_int("pad_sequences()", "maxlen", None)
    with pytest.raises(ValueError, match="'maxlen' must be None or a positive integer, got 0"):
        validate.positive_int("pad_sequences()", "maxlen", 0, allow_none=True)
    assert validate.nonnegative_int("f()", "seed", None, allow_none=True) is None


# -- real numbers --------------------------------------------------------------------------------

def test_a_real_comes_back_as_a_plain_float():
    for v in (0.5, 1, np.float32(0.25), np.float64(2.0), np.int32(3)):
        r = validate.real("f()", "x", v)
        assert r == float(v) and type(r) is float


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -math.inf, np.float32("nan")])
def test_nan_and_infinity_are_never_a_number_we_can_use(bad):
    with pytest.raises(ValueError, match="'x' must be a finite real number, got"):
        validate.real("f()", "x", bad)


@pytest.mark.parametrize("bad", [True, np.bool_(False), "0.1", None, 1 + 0j, [0.1]])
def test_a_real_refuses_the_wrong_kind(bad):
    with pytest.raises(ArgumentTypeError, match="'x' must be a finite real number"):
        validate.real("f()", "x", bad)


def test_open_and_closed_ends():
    # alpha in (0, 1): both ends excluded, as step 1 of the delta rule asks
    kw = dict(low=0.0, high=1.0, low_open=True, high_open=True)
    assert validate.real("fit()", "alpha", 0.5, **kw) == 0.5
    for v in (0.0, 1.0):
        with pytest.raises(ValueError, match=rf"'alpha' must be a finite real number in \(0, 1\), "
                                             rf"got {v}"):
            validate.real("fit()", "alpha", v, **kw)
    # test_split in [0, 1): zero allowed, one is not
    assert validate.real("f()", "test_split", 0, low=0.0, high=1.0, high_open=True) == 0.0
    with pytest.raises(ValueError, match=r"in \[0, 1\)"):
        validate.real("f()", "test_split", 1, low=0.0, high=1.0, high_open=True)
    # one-sided bounds read as inequalities
    with pytest.raises(ValueError, match="must be a finite real number >= 0, got -0.1"):
        validate.real("f()", "lmbda", -0.1, low=0)
    with pytest.raises(ValueError, match="must be a finite real number <= 2, got 3"):
        validate.real("f()", "x", 3, high=2)


def test_positive_real_and_the_hint():
    assert validate.positive_real("SGD()", "eta", 3) == 3.0
    with pytest.raises(ValueError, match=r"'eta' must be a finite real number > 0, got 0$"):
        validate.positive_real("SGD()", "eta", 0)
    with pytest.raises(ValueError, match=r"got -1 \(the book uses 0\.1\)$"):
        validate.real("f()", "lr", -1, low=0, low_open=True, hint=" (the book uses 0.1)")
    assert validate.positive_real("f()", "x", None, allow_none=True) is None


# -- the validators in use -----------------------------------------------------------------------

def test_the_library_speaks_with_one_voice():
    """Six modules once had six wordings and three argument orders; now a zero count reads alike."""
    from pynet.backprop.three_layer_network import ThreeLayerNetwork
    from pynet.layers import Dense, Embedding
    from pynet.preprocessing.timeseries import generator
    from pynet.text_generation import cut_sequences

    calls = [
        (lambda: Dense(0), "Dense(): argument 'units'"),
        (lambda: Embedding(0, 4), "argument 'input_dim'"),
        (lambda: ThreeLayerNetwork(3, 0, 2, 0.1), "argument 'hiddennodes'"),
        (lambda: cut_sequences("abcdef", maxlen=0), "argument 'maxlen'"),
        (lambda: generator(np.zeros((10, 2)), lookback=0, delay=0, min_index=0, max_index=None), "argument 'lookback'"),
    ]
    for call, start in calls:
        with pytest.raises(ValueError) as info:
            call()
        assert start in str(info.value)
        assert str(info.value).endswith("must be a positive integer, got 0"), str(info.value)
