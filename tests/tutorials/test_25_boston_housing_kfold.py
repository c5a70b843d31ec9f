"""Lesson 25 reproduces Keras's Boston split, matches PyTorch for one step, and runs its K-fold tour."""
from __future__ import annotations

import io

from pynet import lessons
from pynet.lessons import run_lesson

def load_lesson(stem="25_boston_housing_kfold"):
    return lessons.load_lesson(stem)


def test_quick_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert rows["training targets begin"].agree is True
    assert rows["training rows / test rows"].ours == "404 / 102"
    assert rows["parameters"].ours == "5121"
    assert rows["test MAE, mean over seeds ($1000s)"].agree is True
    mean_row = next(r for q, r in rows.items() if q.startswith("mean K-fold MAE"))
    assert mean_row.agree is None and report.headline is mean_row     # quick mode: information
    assert 1.5 < float(mean_row.ours) < 4.5      # a few thousand dollars off, like the book's 2.99
    assert "quick mode" in out.getvalue()
    assert not report.failures


def test_smoothed_minimum_counts_epochs_after_the_dropped_points():
    lesson = load_lesson()
    curve = [9.0] * 10 + [5.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 6.0, 8.0]
    smooth, position, epoch = lesson.smoothed_minimum(curve, drop=10, factor=0.0)
    assert smooth.tolist() == curve[10:]
    assert position == 3 and epoch == 13            # the first 3.0 is the 13th epoch
