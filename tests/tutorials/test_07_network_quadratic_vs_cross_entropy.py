"""Lesson 07 runs quickly, shows the learning slowdown, and can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson

def load_lesson():
    return lessons.load_lesson("07_network_quadratic_vs_cross_entropy")


def test_quick_run(monkeypatch, tmp_path, require):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert rows["quadratic: output after 150 epochs"].agree is True
    assert float(rows["quadratic: output after 150 epochs"].ours) > 0.85
    assert float(rows["cross-entropy: output after 150 epochs"].ours) < 0.1
    accuracy_rows = [r for r in report.rows if r.quantity.endswith("test accuracy")]
    assert len(accuracy_rows) == 4 and all(r.agree is None for r in accuracy_rows)
    assert "60,000" in out.getvalue()
    assert "1. Number: " in out.getvalue() and "Predicted number: " in out.getvalue()
    assert rows["misclassified test images"].ours.endswith("of 1000")
    require("matplotlib")
    assert (tmp_path / "07_network_quadratic_vs_cross_entropy" / "misclassified.png").stat().st_size > 1000
    assert report.headline.quantity.startswith("CrossEntropyCost, [784,30,10]")


def test_lesson_notices_a_cross_entropy_that_keeps_sigma_prime(monkeypatch):
    """If cross-entropy's output error kept σ′(z) (the quadratic δ), the neuron would learn
    slowly and the lesson must fail."""
    from pynet.backprop import costs

    monkeypatch.setattr(costs.CrossEntropyCost, "kernel_name", "quadratic")
    lesson = load_lesson()
    with pytest.raises(LessonFailed, match="cross-entropy: output after 150 epochs"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
