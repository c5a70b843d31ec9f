"""Lesson 08: loop, NumPy matrix and compiled paths end with the same weights; it can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson

def load_lesson():
    return lessons.load_lesson("08_loop_vs_matrix_backprop")


def test_quick_run(kernels_of):
    kernels_of("cython", ["nielsen"])                 # skip (or fail under CI) if not built
    lesson = load_lesson()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
    diffs = [r for r in report.rows if r.quantity.startswith("max |weight difference|")]
    assert len(diffs) == 2 and all(r.agree for r in diffs)
    assert max(float(r.ours) for r in diffs) <= 1e-10
    assert report.headline.quantity == "speed-up, compiled matrix over the loop"


def test_lesson_notices_a_loop_that_forgets_weight_decay(monkeypatch):
    from pynet.backprop.feedforward_network import Network

    original = Network._update_loop
    monkeypatch.setattr(Network, "_update_loop",
                        lambda self, batch, eta, lmbda, n: original(self, batch, eta, 0.0, n))
    lesson = load_lesson()
    with pytest.raises(LessonFailed, match="weight difference"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
