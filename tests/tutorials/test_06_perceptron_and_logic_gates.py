"""Lesson 06 runs in quick mode on the active backend, and every comparison agrees."""
from __future__ import annotations

from pynet import lessons
from pynet.lessons import quick_run

def load_lesson():
    return lessons.load_lesson("06_perceptron_and_logic_gates")


def test_quick_run_agrees_with_the_texts(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))          # any plot goes here
    lesson = load_lesson()
    report, text = quick_run(lesson)   # raises on a mismatch
    assert not report.failures
    assert sum(r.agree is True for r in report.rows) >= 3
    assert "cheese festival" in text.lower()
    assert 'NAND' in text
    assert '8-bit adder' in text
    assert 'not linearly separable' in text
