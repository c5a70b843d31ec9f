"""Lesson 22 runs quickly, its checks hold, and they can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson
from pynet.lessons import quick_run


def load_lesson():
    return lessons.load_lesson("22_scalar_autodiff")


def test_quick_run_agrees(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert not report.failures
    assert sum(r.agree is True for r in report.rows) == 6
    assert "dy/dw (chain rule by hand vs engine)" in text and "1.57289547" in text
    assert "y = tanh(n4)" in text
    assert report.headline.ours == "0 1 1 0"


def test_a_wrong_derivative_fails_the_lesson(monkeypatch):
    # break tanh's local derivative: the hand-worked chain rule and the finite differences notice
    from pynet.autodiff import Value
    lesson = load_lesson()
    real_tanh = Value.tanh

    def bad_tanh(self):
        out = real_tanh(self)
        forward_backward = out._backward

        def doubled():
            before = self.grad
            forward_backward()
            self.grad += self.grad - before
        out._backward = doubled
        return out
    monkeypatch.setattr(Value, "tanh", bad_tanh)
    with pytest.raises(LessonFailed, match="chain rule by hand vs engine"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
