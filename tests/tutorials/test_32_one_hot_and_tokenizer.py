"""Lesson 32 reproduces listings 6.1–6.4 exactly and notices a Tokenizer that numbers words wrongly."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson


def load_lesson():
    return lessons.load_lesson("32_one_hot_and_tokenizer")


def test_quick_run():
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert rows["unique tokens"].ours == "9" and rows["unique tokens"].agree
    assert rows["array shape"].agree and rows["bag of trigrams (size)"].ours == "15"
    assert rows["words kept from a long text"].ours == "the last 20"
    assert "sequences:  [[1, 2, 3, 4, 1, 5], [1, 6, 7, 8, 9]]" in out.getvalue()
    assert report.headline.quantity == "unique tokens"
    assert not report.failures


def test_lesson_notices_a_tokenizer_that_ignores_frequency(monkeypatch):
    """Numbering words in order of appearance (a common mistake) must fail the lesson."""
    from pynet import text

    original = text.Tokenizer.fit_on_texts

    def first_seen_order(self, texts):
        original(self, texts)
        self.word_index = {w: i + 1 for i, w in enumerate(self.word_counts)}
        self.index_word = {i: w for w, i in self.word_index.items()}

    monkeypatch.setattr(text.Tokenizer, "fit_on_texts", first_seen_order)
    lesson = load_lesson()
    with pytest.raises(LessonFailed):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
