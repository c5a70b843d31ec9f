"""The fortune categories as Keras-style integer datasets: parsing, numbering, search order, limits."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from pynet.datasets import fortunes


def write(folder, name, entries, *, trailing="%\n", gz=False):
    """A fortune file in the real format: entries each followed by a line holding only '%'."""
    body = "".join(e + "\n%\n" for e in entries[:-1]) + entries[-1] + "\n" + trailing
    path = folder / (name + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(body.encode()) if gz else body.encode())
    return path


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """Two tiny categories; the word ranks are worked out in the tests below."""
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.delenv("PYNET_SHARED_DATA", raising=False)
    write(tmp_path, "cats", ["The cat sat.", "A cat, a hat."])
    write(tmp_path, "dogs", ["The dog ate the homework.", "Dog days", "Hot dog!"], gz=True)
    (tmp_path / "cats.dat").write_bytes(b"\x00\x00\x00\x02binary index")
    (tmp_path / "COPYRIGHT").write_text("BSD")
    return tmp_path


# -- reading files -------------------------------------------------------------------------------

def test_entries_are_split_on_percent_lines_and_cleaned(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"first\r\nline two\r\n%\n\n%\n   \n%\nsecond  \n\tindented\n%\n100% sure\n")
    assert fortunes.read_fortune_file(path) == ["first\nline two", "second  \n\tindented",
                                                "100% sure"]


def test_gzip_latin1_nul_and_size_limits(tmp_path, monkeypatch):
    gz = write(tmp_path, "g", ["one", "two"], gz=True)
    assert fortunes.read_fortune_file(gz) == ["one", "two"]
    latin = tmp_path / "latin"
    latin.write_bytes(b"caf\xe9\n%\n")
    assert fortunes.read_fortune_file(latin) == ["caf\ufffd"]
    binary = tmp_path / "x.dat"
    binary.write_bytes(b"\x00\x01")
    with pytest.raises(ValueError, match="NUL bytes"):
        fortunes.read_fortune_file(binary)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(b"a\n%\n" * 100)[:20])
    with pytest.raises(ValueError, match="truncated"):
        fortunes.read_fortune_file(cut)
    monkeypatch.setattr(fortunes, "MAX_FILE_BYTES", 10)
    with pytest.raises(ValueError, match="more than 10 bytes"):
        fortunes.read_fortune_file(write(tmp_path, "big", ["x" * 50]))


def test_categories_skip_indexes_and_licences(corpus):
    assert fortunes.categories_in(corpus) == ["cats", "dogs"]


# -- numbering: Keras's conventions, worked by hand ------------------------------------------------

def test_word_index_is_frequency_rank_over_the_corpus(corpus):
    index = fortunes.get_word_index(categories=["cats", "dogs"], path=corpus)
    # counts: the 3, cat 2, a 2, dog 3 ... ties keep first appearance (categories in name order):
    # the(3) dog(3) cat(2) a(2) sat hat ate homework days hot
    assert index == {"the": 1, "dog": 2, "cat": 3, "a": 4, "sat": 5, "hat": 6, "ate": 7,
                     "homework": 8, "days": 9, "hot": 10}


def test_sequences_follow_start_oov_and_index_from(corpus):
    (x, y), (xt, yt) = fortunes.load_data(categories=["cats", "dogs"], path=corpus,
                                          test_split=0.0, seed=0)
    assert len(x) == 5 and len(xt) == 0 and x.dtype == object
    decoded = {tuple(s): label for s, label in zip(x, y)}
    # "The cat sat." -> start 1, then ranks 1, 3, 5 shifted by 3
    assert decoded[(1, 4, 6, 8)] == 0
    assert decoded[(1, 4, 5, 10, 4, 11)] == 1  # "The dog ate the homework."
    (x, _), _ = fortunes.load_data(categories=["cats", "dogs"], path=corpus, test_split=0.0,
                                   seed=0, num_words=6)
    # only values below 6 survive: 'the' (4) and 'dog' (5); every other word becomes oov (2)
    assert sorted(map(tuple, x)) == [(1, 2, 2, 2, 2), (1, 2, 5), (1, 4, 2, 2), (1, 4, 5, 2, 4, 2),
                                     (1, 5, 2)]
    assert max(max(s) for s in x) == 5
    (x, _), _ = fortunes.load_data(categories=["cats", "dogs"], path=corpus, test_split=0.0,
                                   seed=0, num_words=6, oov_char=None, start_char=None,
                                   index_from=0)
    assert sorted(map(tuple, x)) == [(1, 2, 1), (1, 3, 5), (2,), (2,), (4, 3, 4)]


def test_maxlen_drops_texts_that_long_or_longer_as_keras_does(corpus):
    (x, _), _ = fortunes.load_data(categories=["cats", "dogs"], path=corpus, test_split=0.0,
                                   maxlen=4)
    assert sorted(len(s) for s in x) == [3, 3]  # length 4 ("The cat sat.") is dropped too
    with pytest.raises(ValueError, match="nothing is left"):
        fortunes.load_data(categories=["cats", "dogs"], path=corpus, maxlen=1)


def test_the_split_is_seeded_and_reuters_shaped(corpus):
    a = fortunes.load_data(categories=["cats", "dogs"], path=corpus, test_split=0.4, seed=3)
    b = fortunes.load_data(categories=["cats", "dogs"], path=corpus, test_split=0.4, seed=3)
    (x, y), (xt, yt) = a
    assert len(x) == 3 and len(xt) == 2  # int(5 * 0.6)
    assert [list(s) for s in x] == [list(s) for s in b[0][0]] and np.array_equal(y, b[0][1])
    assert y.dtype == np.int64


def test_balance_samples_the_larger_category_down(corpus):
    texts, labels, names = fortunes.load_texts(categories=["cats", "dogs"], path=corpus,
                                               balance=True)
    assert names == ("cats", "dogs") and labels.tolist() == [0, 0, 1, 1]
    assert texts[:2] == ["The cat sat.", "A cat, a hat."]


def test_bad_arguments_are_named(corpus):
    for kwargs, message in [({"num_words": 0}, "num_words"), ({"maxlen": 0}, "maxlen"),
                            ({"test_split": 1.0}, "test_split"), ({"skip_top": -1}, "skip_top")]:
        with pytest.raises(ValueError, match=message):
            fortunes.load_data(categories=["cats", "dogs"], path=corpus, **kwargs)
    with pytest.raises(ValueError, match="task must be one of"):
        fortunes.load_data("imdb")
    with pytest.raises(TypeError, match="list of names"):
        fortunes.load_data(categories="cats")
    with pytest.raises(fortunes.FortunesNotFound, match=r"lacks the categories \['birds'\]"):
        fortunes.load_data(categories=["cats", "birds"], path=corpus)


def test_search_order_skips_folders_without_the_categories(corpus, tmp_path_factory, monkeypatch):
    partial = tmp_path_factory.mktemp("partial")
    write(partial / "", "cats", ["only cats here"])
    monkeypatch.setattr(fortunes, "places",
                        lambda path=None: [(partial, "partial"), (corpus, "complete")])
    with pytest.warns(UserWarning, match="lacks"):
        assert fortunes.where(["cats", "dogs"]) == corpus
    monkeypatch.setattr(fortunes, "places", lambda path=None: [(partial, "partial")])
    with pytest.raises(fortunes.FortunesNotFound, match="Looked in"):
        with pytest.warns(UserWarning):
            fortunes.load_data(categories=["cats", "dogs"])


def test_environment_places_come_before_debian_and_the_embedded_subset(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_DATA", str(tmp_path))
    monkeypatch.setenv("PYNET_SHARED_DATA", str(tmp_path / "shared"))
    dirs = [d for d, _ in fortunes.places()]
    assert dirs == [tmp_path / "fortunes", tmp_path / "text" / "fortunes",
                    tmp_path / "shared" / "text" / "fortunes", fortunes.DEBIAN_DIR,
                    fortunes.EMBEDDED_DIR]


# -- the embedded subset and the full set ----------------------------------------------------------

def test_embedded_subset_has_both_tasks():
    found = fortunes.categories_in(fortunes.EMBEDDED_DIR)
    assert set(fortunes.TOPICS) <= set(found)
    assert (fortunes.EMBEDDED_DIR / "COPYRIGHT").is_file()
    texts, labels, _ = fortunes.load_texts(path=fortunes.EMBEDDED_DIR)
    assert np.bincount(labels).tolist() == [300, 300]
    (x, y), (xt, yt) = fortunes.load_data("topics", path=fortunes.EMBEDDED_DIR)
    assert len(x) + len(xt) == 2799 - 0 and set(y) == set(range(39))


def test_embedded_entries_are_unchanged_entries_of_the_full_set(shared_data):
    full = shared_data("text/fortunes")
    for name in fortunes.TOPICS:
        embedded = fortunes.read_fortune_file(fortunes.EMBEDDED_DIR / f"{name}.gz")
        original = fortunes.read_fortune_file(full / name)
        assert set(embedded) <= set(original), name
        # kept in the original order
        positions = [original.index(e) for e in embedded]
        assert positions == sorted(positions), name


def test_full_set_tasks_have_the_documented_sizes(shared_data):
    full = shared_data("text/fortunes")
    texts, labels, _ = fortunes.load_texts(path=full)
    assert np.bincount(labels).tolist() == [703, 703]
    _, labels, names = fortunes.load_texts("topics", path=full)
    counts = np.bincount(labels)
    assert len(names) == 39 and counts.min() == 52 and counts.max() == 1251
    (x, _), _ = fortunes.load_data(path=full, num_words=10000)
    assert max(max(s) for s in x) == 9999  # as the book's IMDB after num_words=10000
