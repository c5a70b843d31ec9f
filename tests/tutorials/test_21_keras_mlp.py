"""Lesson 21 runs quickly, prints Keras's summary with 407,050 parameters, and its checks pass."""
from __future__ import annotations


from pynet import lessons
from pynet.lessons import quick_run

def load_lesson():
    return lessons.load_lesson("21_keras_mlp")


def test_quick_run():
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert "Total params: 407,050" in text and "dense_1 (Dense)" in text
    rows = {r.quantity: r for r in report.rows}
    assert rows["parameters"].agree is True and rows["parameters"].ours == "407050"
    assert rows["test accuracy"].agree is None  # the book's 60k-image number is information
    assert not report.failures
