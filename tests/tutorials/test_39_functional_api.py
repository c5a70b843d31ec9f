"""Lesson 39 runs quickly; its comparisons agree, and they can fail."""
from __future__ import annotations

import io

from pynet import lessons
import pytest

from pynet.lessons import LessonFailed, run_lesson
from pynet.lessons import quick_run


def load_lesson():
    return lessons.load_lesson("39_functional_api")


def test_quick_run_reproduces_the_books_counts_and_names():
    lesson = load_lesson()
    report, text = quick_run(lesson)
    rows = {r.quantity: r for r in report.rows}
    assert rows["parameters in all"].ours == "3466" and rows["parameters in all"].agree
    assert rows["History keys"].agree
    assert "Connected to" in text and "concatenate_1" in text
    assert "(None, 16, 16, 128) and (None, 15, 15, 128)" in text     # the Inception erratum
    assert not report.failures


def test_a_wrong_parameter_count_would_be_reported(monkeypatch):
    lesson = load_lesson()
    monkeypatch.setattr(lesson, "BOOK_MLP_TOTAL", 3467)
    with pytest.raises(LessonFailed, match="parameters in all"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
