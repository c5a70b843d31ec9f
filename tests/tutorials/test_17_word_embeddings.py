"""Lesson 17 reproduces the lecture's 433 parameters and 100% training accuracy."""
from __future__ import annotations


from pynet import lessons
from pynet.lessons import quick_run


def test_quick_run():
    lesson = lessons.load_lesson("17_word_embeddings")
    report, text = quick_run(lesson)
    assert "Total params: 433" in text and "embedding_1 (Embedding)" in text
    rows = {r.quantity: r for r in report.rows}
    assert rows["total parameters"].agree is True
    assert rows["accuracy on the training documents (%)"].ours == "100"
    assert not report.failures


def test_the_accuracy_comparison_can_fail():
    """An untrained model does not reach 100%: the lesson's comparison would say DIFFERS."""
    lesson = lessons.load_lesson("17_word_embeddings")
    _, padded = lesson.encode()
    net = lesson.model()
    accuracy = net.evaluate(padded, lesson.LABELS, verbose=0)[1]
    assert accuracy < 1.0
