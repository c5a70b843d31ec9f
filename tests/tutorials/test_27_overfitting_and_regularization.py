"""Lesson 27 runs quickly and its capacity/regularization checks pass."""
from __future__ import annotations

import io

from pynet import lessons
from pynet.lessons import run_lesson

def load_lesson():
    return lessons.load_lesson("27_overfitting_and_regularization")


def test_quick_run(tmp_path, monkeypatch, require):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    checks = [r for r in report.rows if r.book == "" and r.agree is not None]
    assert len(checks) == 4 and all(r.agree for r in checks)
    dropout = next(r for r in report.rows if "Dropout" in r.quantity)
    assert dropout.agree is True
    require("matplotlib")   # a missing matplotlib skips here in a clone and fails under CI
    assert (tmp_path / "27_overfitting_and_regularization" / "overfitting_curves.png").stat().st_size > 1000
