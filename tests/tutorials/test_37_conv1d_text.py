"""Lesson 37 reproduces listing 6.46's shape chain exactly and trains the stack on fortune characters."""
from __future__ import annotations

import io

import numpy as np

from pynet import lessons
from pynet.lessons import run_lesson


def load_lesson():
    return lessons.load_lesson("37_conv1d_text")


def test_one_hot_characters_leave_padding_empty():
    lesson = load_lesson()
    x = lesson.one_hot_characters(np.array([[0, 2, 1]]), 3)
    assert x.tolist() == [[[0, 0, 0], [0, 0, 1], [0, 1, 0]]] and x.dtype == np.float32


def test_quick_run(require):
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert rows["output shapes, layer by layer"].agree and rows["Conv1D parameters"].agree
    assert "(None, 494, 32)   28,704 parameters" in out.getvalue()
    assert report.headline.quantity == "held-out accuracy, mean of the last 5 epochs"
    assert float(report.headline.ours) > 0.6
    require("torch")   # a missing torch skips here in a clone and fails under CI
    assert rows["held-out accuracy after the last epoch, PyTorch vs pynet"].agree
