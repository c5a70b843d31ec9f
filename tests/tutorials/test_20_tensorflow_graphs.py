"""Lesson 20 runs quickly, reproduces the lecture notes' printed values, and can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson
from pynet.lessons import quick_run


def load_lesson():
    return lessons.load_lesson("20_tensorflow_graphs")


def test_quick_run_agrees_with_the_notes(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert not report.failures
    agreed = {r.quantity for r in report.rows if r.agree is True}
    assert {"session.run(y)", "session.run(z, feed_dict={x: 2.1, y: 3.0})", "C33: cos([0, 0, 0])",
            "segment_sum(tens1)", "argmin(x, 1)", "unique(y): values, idx"} <= agreed
    assert sum("reduce_" in q for q in agreed) == 7
    assert "6.2999997" in text
    assert "Epoch: 2 cost =" in text and "(the notes: 0.213)" in text
    assert report.headline.quantity == "test accuracy" and report.headline.book == "0.9787"


def test_a_wrong_reduction_fails_the_lesson(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    from pynet.autodiff import graph as tf
    lesson = load_lesson()
    real = tf.reduce_prod
    monkeypatch.setattr(tf, "reduce_prod", lambda x, axis=None, keepdims=False: real(x, axis) + 1)
    monkeypatch.setattr(lesson, "c38", lambda *args: None)      # the training is not needed here
    with pytest.raises(LessonFailed, match="reduce_prod"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
