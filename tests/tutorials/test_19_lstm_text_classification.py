"""Lesson 19 builds the lecture's 213,301-parameter model and trains it on the stand-in."""
from __future__ import annotations


from pynet import lessons
from pynet.lessons import quick_run


def test_quick_run():
    lesson = lessons.load_lesson("19_lstm_text_classification")
    report, text = quick_run(lesson)
    assert "Total params: 213,301" in text and "lstm_1 (LSTM)" in text
    rows = {r.quantity: r for r in report.rows}
    assert rows["parameters"].agree is True
    assert rows["test accuracy (%)"].agree is None          # IMDB's number is information
    assert not report.failures


def test_the_chance_check_can_fail():
    """An untrained model sits near 50%: the lesson's 'beats chance' check would fail."""
    lesson = lessons.load_lesson("19_lstm_text_classification")
    x, y, x_test, y_test, _ = lesson.load(20)
    acc = lesson.model(20, units=8).evaluate(x_test, y_test, verbose=0)[1]
    assert acc <= 0.6
