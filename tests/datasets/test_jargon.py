"""The Jargon File loader: the embedded excerpt, the search order, and files it must refuse."""
from __future__ import annotations

import gzip

import pytest

from pynet.datasets import jargon


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.delenv("PYNET_SHARED_DATA", raising=False)


def test_embedded_excerpt_is_the_books_corpus_size(no_env):
    assert jargon.is_excerpt(jargon.where())
    text = jargon.load_text()
    assert len(text) == 599_947                      # the book's Nietzsche: 600,893 (notebook)
    assert text.lstrip().startswith("The Jargon File") and text.endswith("\n")
    assert jargon.EMBEDDED_FILE.stat().st_size < 300_000


def test_excerpt_is_the_start_of_the_shared_file(shared_data, no_env):
    whole = shared_data("text/jargon-4.4.7.txt.gz")
    full = jargon.load_text(whole)
    assert len(full) > 1_600_000                      # 1.68 MB of (mostly ASCII) text
    assert full.startswith(jargon.load_text())


def test_search_order_pynet_data_then_shared_then_embedded(tmp_path, monkeypatch, no_env):
    shared = tmp_path / "shared"
    (shared / "text").mkdir(parents=True)
    (shared / "text" / "jargon-4.4.7.txt").write_text("from shared\n")
    monkeypatch.setenv("PYNET_SHARED_DATA", str(shared))
    assert jargon.load_text() == "from shared\n"
    mine = tmp_path / "mine"
    mine.mkdir()
    with gzip.open(mine / "jargon.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("mine, compressed\r\nsecond line")
    monkeypatch.setenv("PYNET_DATA", str(mine))
    assert jargon.load_text() == "mine, compressed\nsecond line"   # \r\n -> \n
    assert jargon.load_text(max_chars=4) == "mine"


def test_explicit_path_file_or_folder(tmp_path):
    f = tmp_path / "corpus.txt"
    f.write_text("héllo wörld", encoding="utf-8")
    assert jargon.load_text(f) == "héllo wörld"
    (tmp_path / "jargon-4.4.7.txt").write_text("in a folder")
    assert jargon.load_text(tmp_path) == "in a folder"


def test_explicit_path_never_falls_back(tmp_path):
    with pytest.raises(jargon.JargonNotFound, match="does not exist"):
        jargon.load_text(tmp_path / "nowhere.txt")
    with pytest.raises(jargon.JargonNotFound, match="no jargon-4.4.7.txt"):
        jargon.load_text(tmp_path)                    # an empty folder


@pytest.mark.parametrize("content, message", [
    (b"caf\xe9 latin-1", r"not UTF-8 text \(byte 3"),
    (b"text\x00with NUL", "NUL bytes"),
    (gzip.compress(b"x" * 1000)[:20], "cannot be read"),       # a truncated .gz
])
def test_bad_files_name_the_file(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        jargon.load_text(f)
    assert "bad.txt" in str(info.value)


def test_size_limit_holds_whatever_the_file_claims(tmp_path, monkeypatch):
    monkeypatch.setattr(jargon, "MAX_FILE_BYTES", 100)
    f = tmp_path / "big.txt.gz"
    f.write_bytes(gzip.compress(b"a" * 101))       # 101 bytes once decompressed
    with pytest.raises(ValueError, match="more than 100 bytes"):
        jargon.load_text(f)
    f.write_bytes(gzip.compress(b"a" * 100))
    assert len(jargon.load_text(f)) == 100


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "10"])
def test_max_chars_must_be_a_positive_int(bad):
    with pytest.raises(ValueError, match="max_chars"):
        jargon.load_text(max_chars=bad)


def test_prepare_makes_running_lower_case_ascii_prose():
    raw = ("  Title\n\n  Contents\n\n   This is the Jargon File, a comprehensive “Café”\n"
           "   compendium — of hacker ‘slang’ ⊕\n")
    assert jargon.prepare(raw) == ('this is the jargon file, a comprehensive "cafe" compendium '
                                   "-- of hacker 'slang'")
    assert jargon.prepare("No Preface  here\n") == "no preface here"
    with pytest.raises(TypeError, match="expected a str"):
        jargon.prepare(b"bytes")


def test_prepared_excerpt_has_69_characters(no_env):
    corpus = jargon.prepare(jargon.load_text())
    assert len(corpus) == 531_939 and len(set(corpus)) == 69
    assert corpus.startswith("this is the jargon file, a comprehensive compendium of hacker slang")
