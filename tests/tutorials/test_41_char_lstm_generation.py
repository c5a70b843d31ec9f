"""Lesson 41 trains Chollet's character LSTM for one quick epoch on the Jargon File stand-in."""
from __future__ import annotations

import ast
import io
import math
import re

from pynet import lessons
from pynet.lessons import quick_run


def test_quick_run(monkeypatch):
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.delenv("PYNET_SHARED_DATA", raising=False)      # the embedded excerpt
    lesson = lessons.load_lesson("41_char_lstm_generation")
    report, text = quick_run(lesson)
    rows = {r.quantity: r for r in report.rows}
    # 45,000 characters -> ceil(44,940 / 3) = 14,980 windows; 69 characters -> 110,277 weights
    assert rows["sequences (60 characters every 3)"].ours == "14980"
    assert rows["unique characters"].ours == "69" and rows["unique characters"].book == "57"
    assert "Total params: 110,277" in text
    assert report.headline.quantity == "held-out loss < unigram entropy (nats)"
    assert report.headline.agree is True
    assert float(report.headline.ours) < float(report.headline.book) < math.log(69)
    # text at each of the book's four temperatures, 40 characters each
    samples = [(t, ast.literal_eval("'" + s + "'")) for t, s in re.findall(r"T=(\S+)\s+'(.*)'", text)]
    samples += [(t, ast.literal_eval('"' + s + '"')) for t, s in re.findall(r'T=(\S+)\s+"(.*)"', text)]
    assert sorted(t for t, _ in samples) == ["0.2", "0.5", "1.0", "1.2"]   # printed with repr()
    assert all(len(s) == 40 for _, s in samples)
    assert not report.failures


def test_the_baseline_check_can_fail():
    """Before training the model predicts nearly uniformly: its loss is about ln 69 = 4.23 nats,
    far above the unigram entropy (~3 nats), so the lesson's headline would fail."""
    from pynet import text_generation as tg
    from pynet.utils import set_seed

    lesson = lessons.load_lesson("41_char_lstm_generation")
    _, held_out, chars, index, _ = lesson.corpus(quick=True)
    sentences, next_chars = tg.cut_sequences(held_out, lesson.MAXLEN, lesson.STEP)
    x, y = tg.vectorize(sentences, next_chars, index)
    set_seed(0)
    loss, _ = lesson.model(len(chars)).evaluate(x, y, verbose=0)
    assert loss > tg.unigram_baseline(next_chars)[0]
    assert abs(loss - math.log(len(chars))) < 0.3


def test_full_mode_path_trains_from_a_generator(monkeypatch, require):
    """The full run feeds batches from text_generation.batches; here on a book size cut to
    8,000 characters, one epoch and 5 characters per temperature (so little training need not
    beat the baseline, so that row is not checked; the PyTorch twin must agree)."""
    require("torch")
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.delenv("PYNET_SHARED_DATA", raising=False)
    lesson = lessons.load_lesson("41_char_lstm_generation")
    monkeypatch.setattr(lesson, "BOOK_CORPUS_CHARS", 8_000)
    monkeypatch.setattr(lesson, "FULL_EPOCHS", 1)
    monkeypatch.setattr(lesson, "BOOK_GENERATED", 5)
    out = io.StringIO()
    report = lessons.Report(lesson.TITLE, out=out)
    lesson.run(report, quick=False)
    text = out.getvalue()
    rows = {r.quantity: r for r in report.rows}
    # 8,000 − 3,060 held out = 4,940 characters -> ceil(4,880 / 3) = 1,627 windows
    assert rows["sequences (60 characters every 3)"].ours == "1627"
    assert "x would be (1627, 60, 69) bool" in text and "text_generation.batches" in text
    assert "training loss after epoch 1" in rows
    assert "held-out loss < unigram entropy (nats)" in rows
    # PyTorch from the same initial weights, same 13 batches: the same held-out loss within noise
    torch_row = rows["held-out loss, PyTorch vs pynet"]
    assert torch_row.agree is True and abs(float(torch_row.book) - float(torch_row.ours)) < 0.05
