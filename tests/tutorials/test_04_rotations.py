"""Lesson 04 runs quickly, reports accuracy for every angle, and its check can fail."""
from __future__ import annotations

import io

import numpy as np
import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson
from pynet.lessons import quick_run

def load_lesson():
    return lessons.load_lesson("04_rotations")


def test_quick_run(tmp_path, monkeypatch, require):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert not report.failures
    for angle in lesson.ANGLES:
        assert f"{angle:>2} deg" in text
    assert report.headline.book == "0.9669"
    assert 0.8 < float(report.headline.ours) < 1.0
    assert any(r.agree is True and "tilted" in r.quantity for r in report.rows)
    require("matplotlib")   # skips here in a clone without it, fails under CI
    assert (tmp_path / "04_rotations" / "rotations.png").exists()


def test_check_fails_when_rotation_does_nothing(tmp_path, monkeypatch):
    """If the 'rotated' copies were plain copies, tilted digits would not improve."""
    import pynet.augment as augment

    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))

    def fake(inputs, targets, angle, **kw):
        x, t = np.asarray(inputs), np.asarray(targets)
        return (np.repeat(x, 3, axis=0), np.repeat(t, 3, axis=0)) if angle else (x, t)

    monkeypatch.setattr(augment, "with_rotations", fake)
    with pytest.raises(LessonFailed, match="tilted"):
        run_lesson(load_lesson().run, "07", quick=True, out=io.StringIO())
