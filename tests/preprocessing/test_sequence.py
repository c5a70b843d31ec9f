"""pad_sequences with Keras's defaults (pre/pre, int32, 0), its bad inputs, and Keras as oracle."""
from __future__ import annotations

import os

import numpy as np
import pytest

from pynet.preprocessing import make_sampling_table, pad_sequences, skipgrams

SEQS = [[1, 2, 3], [4, 5], [6], [], [7, 8, 9, 10, 11]]


def test_defaults_pad_and_cut_at_the_front():
    x = pad_sequences(SEQS, maxlen=3)
    assert x.dtype == np.int32
    # short ones get zeros in front; the long one loses its *beginning* (keeps its last 3 words)
    assert x.tolist() == [[1, 2, 3], [0, 4, 5], [0, 0, 6], [0, 0, 0], [9, 10, 11]]


def test_post_padding_and_post_truncating():
    x = pad_sequences(SEQS, maxlen=3, padding="post", truncating="post", value=-1)
    assert x.tolist() == [[1, 2, 3], [4, 5, -1], [6, -1, -1], [-1, -1, -1], [7, 8, 9]]


def test_maxlen_none_is_the_longest_and_empty_inputs_have_a_shape():
    assert pad_sequences(SEQS).shape == (5, 5)
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([], maxlen=4).shape == (0, 4)
    assert pad_sequences([[], []]).shape == (2, 0)


def test_sequences_of_vectors_and_arrays_including_non_contiguous():
    a = np.arange(12, dtype=np.float64).reshape(6, 2)[::2]  # a strided view: 3 rows of 2
    x = pad_sequences([a, a[:1]], maxlen=2, dtype="float32")
    assert x.shape == (2, 2, 2) and x.dtype == np.float32
    assert x[0].tolist() == [[4, 5], [8, 9]] and x[1].tolist() == [[0, 0], [0, 1]]
    with pytest.raises(ValueError, match=r"sequences\[1\] has items of shape \(3,\)"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


def test_strings_can_be_padded_with_object_dtype():
    x = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert x.tolist() == [["a", "b"], ["<pad>", "c"]]


@pytest.mark.parametrize("kwargs, message", [
    ({"maxlen": 0}, r"maxlen.*got 0"),
    ({"maxlen": -2}, r"maxlen.*got -2"),
    ({"maxlen": 2.5}, r"maxlen.*got 2.5"),
    ({"padding": "middle"}, r"padding.*'middle'"),
    ({"truncating": "both"}, r"truncating.*'both'"),
    ({"value": "x"}, r"value.*dtype is int32"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pad_sequences([[1, 2]], **kwargs)


def test_bad_sequences_are_named():
    with pytest.raises(ValueError, match=r"sequences\[1\] holds 1.5, which is not a whole"):
        pad_sequences([[1], [1.5]])
    with pytest.raises(ValueError, match=r"sequences\[0\] is a str"):
        pad_sequences(["abc"])
    with pytest.raises(ValueError, match=r"sequences\[1\] is 3, not a sequence"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError, match=r"outside the range of dtype=int32"):
        pad_sequences([[2 ** 40]])
    with pytest.raises(ValueError, match=r"sequences\[0\] holds <U"):
        pad_sequences([["a"]])
    with pytest.raises(ValueError, match="expected a list"):
        pad_sequences(iter([[1]]))
    # whole-number floats are integers: accepted, as Keras accepts them
    assert pad_sequences([[1.0, 2.0]]).tolist() == [[1, 2]]


def test_sampling_table_follows_zipf_and_skipgrams_pairs_neighbours():
    table = make_sampling_table(10)
    assert table.shape == (10,) and np.all(np.diff(table[1:]) >= 0) and table.max() <= 1
    couples, labels = skipgrams([1, 2, 3], vocabulary_size=10, window_size=1,
                                negative_samples=0, shuffle=False)
    assert couples == [[1, 2], [2, 1], [2, 3], [3, 2]] and labels == [1, 1, 1, 1]
    couples, labels = skipgrams([1, 2, 0, 3], vocabulary_size=10, window_size=2, seed=7)
    assert labels.count(1) == labels.count(0) == 4
    assert all(0 not in c for c in couples)
    assert skipgrams([1, 2, 0, 3], vocabulary_size=10, window_size=2, seed=7) == (couples, labels)


@pytest.fixture(scope="module")
def keras_pad(require):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    utils = require("keras.utils")
    return utils.pad_sequences


@pytest.mark.parametrize("maxlen", [None, 1, 2, 3, 7])
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("dtype", ["int32", "float32", "int64"])
def test_same_as_keras(keras_pad, maxlen, padding, truncating, dtype):
    ours = pad_sequences(SEQS, maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating)
    theirs = keras_pad(SEQS, maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating)
    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
