"""Lesson 01 runs quickly, agrees with the book's own NumPy code, and can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson
from pynet.lessons import quick_run

def load_lesson():
    return lessons.load_lesson("01_three_layer_network_mnist")


def test_quick_run_matches_the_book_formulation():
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert not report.failures
    same_code = [r for r in report.rows if r.quantity.startswith("accuracy, book's NumPy code")]
    assert len(same_code) == 2 and all(r.agree for r in same_code)
    assert all(float(r.ours) > 0.8 for r in same_code)
    diffs = [float(r.ours) for r in report.rows if r.quantity.startswith("max |weight")]
    assert len(diffs) == 2 and max(diffs) <= 1e-10
    assert "60,000" in text and "1500" in text          # says the book used more images
    assert report.headline.quantity.startswith("accuracy, book's NumPy code")


def test_lesson_notices_a_book_network_that_does_not_learn(monkeypatch):
    from pynet.backprop import three_layer_network

    lesson = load_lesson()
    monkeypatch.setattr(three_layer_network.BookNetwork, "train", lambda self, i, t: None)
    with pytest.raises(LessonFailed, match="weight difference"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
