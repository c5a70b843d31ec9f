"""Lesson 40 runs quickly: both convnets train with the §7.2 callbacks, and the comparisons can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson
from pynet.lessons import quick_run


def load_lesson():
    return lessons.load_lesson("40_callbacks_batchnorm_separable")


def test_quick_run():
    lesson = load_lesson()
    report, text = quick_run(lesson)
    rows = {r.quantity: r for r in report.rows}
    assert rows["parameters: chapter-5 vs separable+BN"].agree
    assert "SeparableConv2D" in text and "BatchNormalization" in text
    assert "ActivationLogger wrote one file per epoch: ok" in text
    assert not report.failures


def test_a_wrong_moving_average_rule_would_be_reported(monkeypatch):
    lesson = load_lesson()
    from pynet.layers import BatchNormalization
    original = BatchNormalization.__init__

    def wrong_momentum(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.momentum = 0.5              # not Keras's 0.99: the moving mean moves too far
    monkeypatch.setattr(BatchNormalization, "__init__", wrong_momentum)
    monkeypatch.setattr(lesson, "run", _only_the_batchnorm_section(lesson))
    with pytest.raises(LessonFailed, match="moving mean"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())


def _only_the_batchnorm_section(lesson):
    def run(report, quick):
        lesson.batchnorm_modes(report)
    return run
