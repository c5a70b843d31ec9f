"""Lesson 24 runs the book's dense text classifiers on the fortune stand-ins and agrees with PyTorch."""
from __future__ import annotations

import io

import numpy as np

from pynet import lessons
from pynet.lessons import run_lesson


def load_lesson():
    return lessons.load_lesson("24_text_classification_dense")


def test_listing_helpers_worked_by_hand():
    lesson = load_lesson()
    x = lesson.vectorize_sequences([[1, 3, 3], []], dimension=5)
    assert x.tolist() == [[0, 1, 0, 1, 0], [0, 0, 0, 0, 0]] and x.dtype == np.float32
    assert lesson.to_one_hot([2, 0], 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    # a constant label list matches itself however it is shuffled; alternating ones half the time
    assert lesson.shuffled_label_baseline([4] * 10, 0) == 1.0
    assert 0.0 <= lesson.shuffled_label_baseline([0, 1] * 50, 0) <= 1.0


def test_quick_run(require):
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert report.headline.quantity == "two-class test accuracy"
    assert float(rows["two-class test accuracy"].ours) > 0.6
    assert rows["many-class test accuracy"].agree is None       # different data: information
    assert float(rows["shuffled-labels baseline"].ours) < 0.1   # 39 categories
    assert "computers vs politics" in out.getvalue()
    require("torch")      # the PyTorch rows below exist only when torch is installed
    assert rows["two-class test accuracy, PyTorch vs pynet"].agree
    assert rows["many-class test accuracy, PyTorch vs pynet"].agree
