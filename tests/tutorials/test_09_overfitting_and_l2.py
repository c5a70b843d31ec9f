"""Lesson 09 runs quickly, checks the L2 bookkeeping, and can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson

def load_lesson():
    return lessons.load_lesson("09_overfitting_and_l2")


def test_quick_run(monkeypatch, tmp_path, require):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert rows["training accuracy at the end"].agree is True
    assert rows["monitored training cost includes λ/2n·Σw²"].agree is True
    assert rows["Σw² at the end, λ = 0.1 vs λ = 0"].agree is True
    assert report.headline.quantity == "test accuracy with λ = 0.1"
    assert "60,000" in out.getvalue()
    require("matplotlib")
    assert (tmp_path / "09_overfitting_and_l2" / "lambda0_curves.png").stat().st_size > 1000
    assert (tmp_path / "09_overfitting_and_l2" / "lambda0.1_overlay.png").exists()


def test_lesson_notices_a_cost_without_the_l2_term(monkeypatch):
    """The original course code left λ/2n·Σw² out of total_cost; the lesson must catch that."""
    from pynet.backprop.feedforward_network import Network

    monkeypatch.setattr(Network, "_l2", lambda self, lmbda, n: 0.0)
    lesson = load_lesson()
    with pytest.raises(LessonFailed, match="includes λ/2n"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
