"""Lesson 10 measures the z widths √501 and √1.5, and can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson

def load_lesson():
    return lessons.load_lesson("10_weight_initialisation")


def test_quick_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
    rows = {r.quantity: r for r in report.rows}
    old, new = rows["std of z, N(0, 1) weights"], rows["std of z, N(0, 1/√n_in) weights"]
    assert old.agree and new.agree
    assert abs(float(old.ours) - 22.38) < 0.7 and abs(float(new.ours) - 1.22) < 0.04
    assert rows["first epoch: new init ahead of the old"].agree is True
    assert report.headline is new


def test_lesson_notices_a_wrong_initialiser(monkeypatch):
    from pynet.backprop import feedforward_network as ffn

    monkeypatch.setitem(ffn.INITIALIZERS, "default", ffn.large_weight_initializer)
    lesson = load_lesson()
    with pytest.raises(LessonFailed, match="N\\(0, 1/√n_in\\)"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
