"""Lesson 28 runs quickly, matches Keras's summary exactly, and agrees with PyTorch."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson

def load_lesson():
    return lessons.load_lesson("28_convnet_mnist")


def test_quick_run(require):
    lesson = load_lesson()
    out = io.StringIO()
    report, seconds = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert rows["parameters of the conv base"].ours == "55744"
    assert rows["parameters in all"].ours == "93322"
    assert rows["output shapes, layer by layer"].agree
    assert "0.9908" in out.getvalue() and "60,000" in out.getvalue()
    assert report.headline.quantity == "test accuracy, book (60k images) vs ours"   # the tour's row
    require("torch")   # a missing torch skips here in a clone and fails under CI
    assert rows["max |weight difference| after the step"].agree
    assert float(rows["max |weight difference| after the step"].ours) < 1e-4
    assert rows["test accuracy, PyTorch vs pynet"].agree


def test_lesson_notices_a_wrong_parameter_count(monkeypatch):
    """A Conv2D that forgot its bias would have 55,584 base parameters: the lesson must fail."""
    from pynet.layers import conv

    lesson = load_lesson()
    original = conv.Conv2D.__init__

    def no_bias(self, *args, **kwargs):
        kwargs["use_bias"] = False
        original(self, *args, **kwargs)

    monkeypatch.setattr(conv.Conv2D, "__init__", no_bias)
    with pytest.raises((LessonFailed, KeyError), match="parameters"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
