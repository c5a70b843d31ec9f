"""Lesson 03 runs quickly, draws the ten back-query images, and its checks can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson
from pynet.lessons import quick_run

def load_lesson():
    return lessons.load_lesson("03_backquery")


def test_quick_run_draws_ten_images(tmp_path, monkeypatch, require):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert not report.failures
    assert all(f"label {d}" in text for d in range(10))
    assert "@" in text                                     # the ASCII art is there
    assert any(r.agree is True and "[0.01, 0.99]" in r.quantity for r in report.rows)
    require("matplotlib")   # skips here in a clone without it, fails under CI
    assert (tmp_path / "03_backquery" / "backquery.png").stat().st_size > 1000


def test_lesson_notices_a_broken_rescale(tmp_path, monkeypatch):
    from pynet.backprop import three_layer_network

    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    from scipy.special import expit

    # squashes into (0, 1) so the logit still works, but not onto [0.01, 0.99]
    monkeypatch.setattr(three_layer_network, "_rescale", lambda s: expit(s) * 0.5 + 0.25)
    with pytest.raises(LessonFailed, match=r"\[0.01, 0.99\]"):
        run_lesson(load_lesson().run, "05", quick=True, out=io.StringIO())
