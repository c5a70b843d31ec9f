"""Lesson 23 runs quickly, the engine's gradients equal Sequential's, and the check can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson
from pynet.lessons import quick_run


def load_lesson():
    return lessons.load_lesson("23_chain_rule_vs_backward")


def test_quick_run_agrees():
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert not report.failures
    grads = [r for r in report.rows if r.quantity.startswith("dL/d dense_")]
    assert len(grads) == 4 and all(r.agree is True for r in grads)
    assert all(float(r.ours) <= 1e-12 for r in grads)
    assert "softmax(n" in text and "images" in text
    assert report.headline.quantity == "dL/d dense_1/kernel (float64)"


def test_a_wrong_engine_derivative_fails_the_lesson(monkeypatch):
    from pynet import autodiff as ad
    lesson = load_lesson()
    monkeypatch.setattr(ad, "relu", lambda x: ad.maximum(x, 0.0) * 1.0001)   # forward changed too
    with pytest.raises(LessonFailed, match="dL/d dense_1"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
