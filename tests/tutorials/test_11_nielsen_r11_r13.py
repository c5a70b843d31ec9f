"""Lesson 11 runs R11–R13 and the 80/20 demo; pynet and PyTorch agree from the same start."""
from __future__ import annotations

import io

import numpy as np

from pynet import lessons
from pynet.lessons import run_lesson

def load_lesson(stem="11_nielsen_r11_r13"):
    return lessons.load_lesson(stem)


def test_quick_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    headline = rows["R11 test accuracy, 100 hidden"]
    assert report.headline is headline and headline.book == "0.979" and headline.agree is None
    assert 0.6 < float(headline.ours) < 1.0
    pytorch = rows.get("R11, PyTorch same start and batches")
    if pytorch is not None:                       # the same-data reference, when torch is there
        assert pytorch.agree is True
    assert "1600 / 400" in out.getvalue()         # the §7 80/20 split of the quick run's 2,000
    assert rows["demo: test accuracy"].book == "0.9782"
    assert not report.failures


def test_subset_keeps_rows_in_order():
    lesson = load_lesson()
    training, _ = lesson.load(50, 10)
    part = lesson.subset(training, 40, 50)
    assert len(part) == 10
    np.testing.assert_array_equal(part.labels, training.labels[40:])
    np.testing.assert_array_equal(part.x, training.x[40:])
