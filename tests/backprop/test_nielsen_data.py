"""The data conventions of Nielsen's network: prepare() and as_columns()."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.backprop.nielsen_data import Data, as_columns, is_label, prepare

SIZES = [4, 3, 2]


def test_prepare_stacks_pairs_both_conventions():
    xs = [np.arange(4.0).reshape(4, 1) / 4, np.ones(4) / 2]
    labels = prepare([(xs[0], 1), (xs[1], np.int64(0))], SIZES, "t", "d")
    assert labels.x.shape == (2, 4) and labels.t.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert labels.labels.tolist() == [1, 0] and labels.x_max == 0.75
    targets = prepare([(xs[0], np.array([[0.2], [0.8]])), (xs[1], np.array([0.9, 0.1]))],
                      SIZES, "t", "d")
    assert targets.labels.tolist() == [1, 0]              # argmax of each target column
    np.testing.assert_array_equal(targets.t, [[0.2, 0.8], [0.9, 0.1]])
    assert prepare(labels, SIZES, "t", "d") is labels      # prepared data pass through
    assert len(prepare([], SIZES, "t", "d", allow_empty=True)) == 0


def test_prepare_reads_an_iterator_once():
    pairs = ((np.zeros((4, 1)), i % 2) for i in range(5))
    data = prepare(pairs, SIZES, "t", "d")
    assert isinstance(data, Data) and len(data) == 5


@pytest.mark.parametrize("data, exc, match", [
    (None, TypeError, "is None"),
    ([(np.zeros((4, 1)), 2)], ValueError, r"d\[0\]\[1\] is label 2.*0\.\.1"),
    ([(np.zeros((4, 1)), True)], ValueError, r"d\[0\]\[1\] must be an int label or a \(2, 1\)"),
    ([(np.zeros((5, 1)), 0)], ValueError, r"d\[0\]\[0\].*\(4, 1\) column, got shape \(5, 1\)"),
    ([(np.array(["a"] * 4), 0)], TypeError, r"d\[0\]\[0\].*numbers"),
    ([(np.zeros((4, 1)), 0), (np.full((4, 1), np.inf), 1)], ValueError, r"d\[1\] has NaN or Inf"),
    ([np.zeros(4)], TypeError, r"d\[0\] must be an \(x, y\) pair"),
])
def test_prepare_errors_name_the_example(data, exc, match):
    with pytest.raises(exc, match=match):
        prepare(data, SIZES, "t", "d")


def test_as_columns_and_is_label():
    x, kind = as_columns([0.1, 0.2, 0.3, 0.4], 4, "f()")
    assert x.shape == (4, 1) and kind == "vector" and x.dtype == np.float64
    x, kind = as_columns(np.zeros((4, 3), dtype=np.float32), 4, "f()")
    assert x.shape == (4, 3) and kind == "columns" and x.dtype == np.float64
    with pytest.raises(ValueError, match=r"f\(\): expected 4 inputs"):
        as_columns(np.zeros((3, 4)), 4, "f()")
    assert is_label(3) and is_label(np.int32(3)) and is_label(np.array(3))
    assert not is_label(True) and not is_label(3.0) and not is_label(np.array([3]))
