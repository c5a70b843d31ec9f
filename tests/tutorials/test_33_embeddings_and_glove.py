"""Lesson 33 runs listings 6.5–6.18 on the fortune stand-in: without a GloVe file (said so, the
from-scratch comparison only) and with a small file in GloVe's text format written here."""
from __future__ import annotations


import numpy as np

from pynet import lessons
from pynet.inspect.curves import matplotlib_available
from pynet.lessons import quick_run


def load_lesson():
    return lessons.load_lesson("33_embeddings_and_glove")


def test_listing_6_7_model_worked_by_hand():
    lesson = load_lesson()
    model = lesson.embedding_flatten_model(10_000, 8, 20)
    # Embedding 10,000·8 = 80,000; Flatten 0; Dense (20·8)·1 + 1 = 161
    assert model.count_params() == 80_161
    model = lesson.embedding_flatten_model(10_000, 100, 100, hidden=32)
    # 1,000,000 + (100·100)·32 + 32 + 33 = 1,320,065 (the book's summary of listing 6.12)
    assert model.count_params() == 1_320_065


def test_quick_run_without_glove(require, monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_GLOVE", str(tmp_path / "absent.txt"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PYNET_DATA", str(tmp_path / "no-data"))
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))          # listing 6.15's curves go here
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert "no GloVe file" in text
    rows = {r.quantity: r for r in report.rows}
    assert report.headline.quantity == "validation accuracy, Embedding(10000, 8) on 20 words"
    assert float(rows["validation accuracy, Embedding(10000, 8) on 20 words"].ours) > 0.6
    assert "test accuracy, from-scratch model" in rows
    assert not any("GloVe frozen" in q for q in rows)
    assert not (tmp_path / "33_embeddings_and_glove" / "glove_curves.png").exists()
    if matplotlib_available():                                 # matplotlib is optional
        assert (tmp_path / "33_embeddings_and_glove" / "from_scratch_curves.png").stat().st_size > 1000
    else:
        assert "matplotlib not installed: no curves drawn" in text
    require("torch")      # the PyTorch rows exist only when torch is installed
    assert rows["validation accuracy, PyTorch vs pynet (listing 6.7)"].agree
    assert rows["validation accuracy, PyTorch vs pynet (listing 6.16)"].agree


def test_quick_run_with_a_small_glove_file(require, monkeypatch, tmp_path):
    lesson = load_lesson()
    # GloVe's format: a word, then 100 numbers, space-separated, one word per line. Vectors for
    # the 1,500 most frequent words of the lesson's texts (seeded), plus one word it never sees.
    word_index = lesson.raw_text_data(True, lesson.SEEDS[0])["tokenizer"].word_index
    words = [w for w, i in sorted(word_index.items(), key=lambda kv: kv[1])[:1500]]
    rng = np.random.default_rng(0)
    lines = [w + " " + " ".join(f"{v:.5f}" for v in rng.normal(0, 0.4, 100))
             for w in words + ["zyzzyva"]]
    path = tmp_path / "glove.6B.100d.txt"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("PYNET_GLOVE", str(path))
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    report, text = quick_run(lesson)
    assert "no GloVe file" not in text
    assert "glove.6B.100d.txt: 1,500 of our" in text and "1,500 of the 10,000 rows filled" in text
    assert "the frozen Embedding still holds the GloVe vectors after 10 epochs: ok" in text
    rows = {r.quantity: r for r in report.rows}
    train = float(rows["training accuracy after 10 epochs, GloVe frozen"].ours)
    assert train > float(rows["validation accuracy, GloVe frozen, 200 samples"].ours) + 0.1
    assert "test accuracy, GloVe model" in rows
    if matplotlib_available():
        assert (tmp_path / "33_embeddings_and_glove" / "glove_curves.png").stat().st_size > 1000
    require("torch")
    assert rows["validation accuracy, GloVe frozen, PyTorch vs pynet"].agree
