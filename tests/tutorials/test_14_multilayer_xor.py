"""Lesson 14 runs in quick mode on the active backend, and every comparison agrees."""
from __future__ import annotations

import io

from pynet import lessons
from pynet.lessons import run_lesson

def load_lesson():
    return lessons.load_lesson("14_multilayer_xor")


def test_quick_run_agrees_with_the_texts(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))          # any plot goes here
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)   # raises on a mismatch
    text = out.getvalue()
    assert not report.failures
    assert sum(r.agree is True for r in report.rows) >= 3
    assert 'XOR learned' in text
    assert 'stalled at epoch' in text
    assert 'match finite differences' in text
