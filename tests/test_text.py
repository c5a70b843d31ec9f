"""pynet.text: the book's listings 6.1–6.4 and Keras 2's Tokenizer, worked by hand and against Keras."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from pynet import text
from pynet.persistence import PersistenceError
from pynet.text import Tokenizer, bag_of_ngrams, hashing_trick, one_hot, text_to_word_sequence

SAMPLES = ["The cat sat on the mat.", "The dog ate my homework."]  # Chollet's two sentences


# -- splitting ---------------------------------------------------------------------------------

def test_text_to_word_sequence_lowercases_and_drops_punctuation_but_keeps_apostrophes():
    assert text_to_word_sequence("The cat sat on the mat.") == ["the", "cat", "sat", "on", "the", "mat"]
    assert text_to_word_sequence("Don't PANIC!\tReally--now") == ["don't", "panic", "really", "now"]
    assert text_to_word_sequence("A,B", lower=False, filters="") == ["A,B"]
    assert text_to_word_sequence("a|b||c", split="|") == ["a", "b", "c"]
    assert text_to_word_sequence("") == []


def test_text_to_word_sequence_refuses_non_strings():
    with pytest.raises(TypeError, match="expected a str, got bytes"):
        text_to_word_sequence(b"bytes")


# -- bag of n-grams: the book's sets -------------------------------------------------------------

def test_bag_of_bigrams_and_trigrams_are_the_books_sets():
    tokens = "The cat sat on the mat".split()
    assert bag_of_ngrams(tokens, 2) == {"The", "The cat", "cat", "cat sat", "sat", "sat on", "on",
                                        "on the", "the", "the mat", "mat"}
    assert bag_of_ngrams(tokens, 3) == {"The", "The cat", "cat", "cat sat", "The cat sat", "sat",
                                        "sat on", "on", "cat sat on", "on the", "the",
                                        "sat on the", "the mat", "mat", "on the mat"}
    with pytest.raises(ValueError, match="n"):
        bag_of_ngrams(tokens, 0)


# -- listings 6.1, 6.2, 6.4 ----------------------------------------------------------------------

def test_listing_6_1_word_one_hot():
    results, token_index = text.one_hot_words(SAMPLES, max_length=10)
    # str.split keeps the full stop: "mat." and "homework." are words of their own
    assert token_index == {"The": 1, "cat": 2, "sat": 3, "on": 4, "the": 5, "mat.": 6, "dog": 7,
                           "ate": 8, "my": 9, "homework.": 10}
    assert results.shape == (2, 10, 11)
    assert results[0, 0, 1] == 1 and results[0, 5, 6] == 1 and results[1, 4, 10] == 1
    assert results.sum() == 6 + 5  # one 1 per word; positions past the text stay all zero
    assert results[0, 6:].sum() == 0


def test_listing_6_2_character_one_hot_with_the_books_bug_fixed():
    import string

    results = text.one_hot_characters(SAMPLES, max_length=50)
    assert results.shape == (2, 50, len(string.printable) + 1)
    # 'T' is printable character number 56 (0-based 55), so its index is 56
    assert results[0, 0, string.printable.index("T") + 1] == 1
    assert results[0].sum() == len(SAMPLES[0])
    with pytest.raises(ValueError, match=r"samples\[0\]\[1\] is 'é'"):
        text.one_hot_characters(["né"])


def test_listing_6_4_hashing_is_reproducible_with_md5_and_bounded():
    a = text.one_hot_hashed_words(SAMPLES, dimensionality=1000, max_length=10)
    b = text.one_hot_hashed_words(SAMPLES, dimensionality=1000, max_length=10)
    assert a.shape == (2, 10, 1000) and np.array_equal(a, b)
    assert a.sum() == 11
    # "The" appears as the first word of both samples: the same column in both rows
    assert np.array_equal(a[0, 0], a[1, 0])


def test_hashing_trick_md5_values_are_fixed_and_skip_zero():
    # md5("the") = 8fc42c6d... ; 1 + that % 9
    expected_the = int("8fc42c6ddf9966db3b09e84365034357", 16) % 9 + 1
    seq = hashing_trick("The cat the", 10, hash_function="md5")
    assert seq[0] == seq[2] == expected_the
    assert all(1 <= i <= 9 for i in hashing_trick(" ".join(map(str, range(500))), 10, "md5"))
    with pytest.raises(ValueError, match="n"):
        hashing_trick("a", 1)


def test_one_hot_is_hashing_with_pythons_hash():
    seq = one_hot("the cat the", 50)
    assert len(seq) == 3 and seq[0] == seq[2] == hash("the") % 49 + 1


# -- Tokenizer (listing 6.3) ---------------------------------------------------------------------

def fitted(**kwargs) -> Tokenizer:
    tok = Tokenizer(**kwargs)
    tok.fit_on_texts(SAMPLES)
    return tok


def test_listing_6_3_tokenizer_numbers_words_by_frequency_then_first_appearance():
    tok = fitted(num_words=1000)
    # "the" occurs 3 times: index 1; the others once each, in the order first seen
    assert tok.word_index == {"the": 1, "cat": 2, "sat": 3, "on": 4, "mat": 5, "dog": 6,
                              "ate": 7, "my": 8, "homework": 9}
    assert tok.word_counts["the"] == 3 and tok.word_docs["the"] == 2
    assert tok.document_count == 2
    assert tok.texts_to_sequences(SAMPLES) == [[1, 2, 3, 4, 1, 5], [1, 6, 7, 8, 9]]
    matrix = tok.texts_to_matrix(SAMPLES, mode="binary")
    assert matrix.shape == (2, 1000) and matrix.dtype == np.float64
    assert np.flatnonzero(matrix[0]).tolist() == [1, 2, 3, 4, 5]
    assert np.flatnonzero(matrix[1]).tolist() == [1, 6, 7, 8, 9]


def test_num_words_keeps_indices_below_it_without_changing_word_index():
    tok = fitted(num_words=3)
    assert len(tok.word_index) == 9
    assert tok.texts_to_sequences(SAMPLES) == [[1, 2, 1], [1]]
    assert tok.texts_to_matrix(SAMPLES).shape == (2, 3)
    assert tok.sequences_to_texts([[1, 2, 7]]) == ["the cat"]


def test_oov_token_takes_index_one_and_replaces_unknown_or_rare_words():
    tok = fitted(num_words=4, oov_token="<?>")
    assert tok.word_index["<?>"] == 1 and tok.word_index["the"] == 2
    assert tok.texts_to_sequences(["the cat ate a fish"]) == [[2, 3, 1, 1, 1]]
    assert tok.sequences_to_texts([[2, 3, 8]]) == ["the cat <?>"]


def test_matrix_modes_worked_by_hand():
    tok = fitted()
    seqs = [[1, 1, 2]]  # "the the cat"
    assert tok.sequences_to_matrix(seqs, "count")[0, :3].tolist() == [0, 2, 1]
    assert tok.sequences_to_matrix(seqs, "freq")[0, :3].tolist() == [0, 2 / 3, 1 / 3]
    tfidf = tok.sequences_to_matrix(seqs, "tfidf")[0]
    # "the": tf = 1 + ln 2, in 2 of 2 texts: idf = ln(1 + 2/3); "cat": tf = 1, idf = ln(1 + 2/2)
    assert tfidf[1] == pytest.approx((1 + np.log(2)) * np.log(1 + 2 / 3))
    assert tfidf[2] == pytest.approx(np.log(2))
    assert tok.sequences_to_matrix(seqs).shape == (1, 10)  # len(word_index) + 1
    with pytest.raises(ValueError, match="mode must be one of"):
        tok.texts_to_matrix(SAMPLES, mode="onehot")
    with pytest.raises(ValueError, match="fit the Tokenizer"):
        Tokenizer(num_words=5).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match="give num_words"):
        Tokenizer().sequences_to_matrix([[1]])


def test_char_level_counts_characters():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["abca", "B"])
    assert tok.word_index == {"a": 1, "b": 2, "c": 3}
    assert tok.texts_to_sequences(["cab!"]) == [[3, 1, 2]]


def test_fit_on_sequences_counts_documents_for_tfidf():
    tok = Tokenizer(num_words=4)
    tok.fit_on_sequences([[1, 1, 2], [2, 3]])
    assert tok.document_count == 2 and tok.index_docs == {1: 1, 2: 2, 3: 1}
    assert tok.sequences_to_matrix([[2]], "tfidf")[0, 2] == pytest.approx(np.log(1 + 2 / 3))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"num_words.*got 0"):
        Tokenizer(num_words=0)
    tok = Tokenizer()
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        tok.fit_on_texts(["fine", 3])
    assert tok.document_count == 0 and not tok.word_index  # nothing counted before the error
    with pytest.raises(TypeError, match="single str"):
        tok.fit_on_texts("one text")
    with pytest.raises(TypeError, match=r"sequences\[0\] holds 1.5"):
        fitted().sequences_to_texts([[1.5]])


# -- saving --------------------------------------------------------------------------------------

def test_json_round_trip_gives_the_same_tokenizer(tmp_path):
    tok = fitted(num_words=6, oov_token="<?>")
    path = tmp_path / "tokenizer.json"
    tok.save(path)
    back = Tokenizer.load(path)
    assert back.word_index == tok.word_index and back.index_word == tok.index_word
    assert back.word_counts == tok.word_counts and back.index_docs == tok.index_docs
    assert back.num_words == 6 and back.oov_token == "<?>" and back.document_count == 2
    assert back.texts_to_sequences(SAMPLES) == tok.texts_to_sequences(SAMPLES)
    assert np.array_equal(back.texts_to_matrix(SAMPLES, "tfidf"), tok.texts_to_matrix(SAMPLES, "tfidf"))
    assert [p.name for p in tmp_path.iterdir()] == ["tokenizer.json"]  # no temporary left behind


def test_loading_a_damaged_file_raises_and_names_the_problem(tmp_path, monkeypatch):
    good = fitted().to_json()
    truncated = tmp_path / "t.json"
    truncated.write_text(good[: len(good) // 2])
    with pytest.raises(PersistenceError, match="not valid JSON"):
        Tokenizer.load(truncated)
    config = json.loads(good)
    config["config"]["word_index"] = json.dumps({"the": "one"})
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps(config))
    with pytest.raises(PersistenceError, match=r"word_index.*'the'.*expected int"):
        Tokenizer.load(bad)
    monkeypatch.setattr(text, "MAX_TOKENIZER_FILE_BYTES", 100)
    big = tmp_path / "big.json"
    big.write_text(good)
    with pytest.raises(PersistenceError, match="more than the 100"):
        Tokenizer.load(big)
    with pytest.raises(FileNotFoundError):
        Tokenizer.load(tmp_path / "absent.json")


# -- Keras's own Tokenizer as the oracle, on a real corpus ---------------------------------------

@pytest.fixture(scope="module")
def keras_text(require):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return require("keras.src.legacy.preprocessing.text")


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 500, "oov_token": "<OOV>"},
                                    {"char_level": True, "num_words": 40}, {"lower": False}])
def test_same_word_index_sequences_matrices_and_json_as_keras(keras_text, kwargs):
    from pynet.datasets import fortunes

    texts, _, _ = fortunes.load_texts("topics", path=fortunes.EMBEDDED_DIR)
    ours, theirs = Tokenizer(**kwargs), keras_text.Tokenizer(**kwargs)
    ours.fit_on_texts(texts)
    theirs.fit_on_texts(texts)
    assert ours.word_index == theirs.word_index
    assert ours.texts_to_sequences(texts) == theirs.texts_to_sequences(texts)
    for mode in ("binary", "count", "freq", "tfidf"):
        assert np.array_equal(ours.texts_to_matrix(texts[:40], mode),
                              theirs.texts_to_matrix(texts[:40], mode))
    seqs = ours.texts_to_sequences(texts[:40])
    assert ours.sequences_to_texts(seqs) == theirs.sequences_to_texts(seqs)
    assert ours.to_json() == theirs.to_json()
    back = text.tokenizer_from_json(theirs.to_json())  # a Keras file loads into pynet
    assert back.texts_to_sequences(texts[:40]) == seqs
