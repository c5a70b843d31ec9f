"""Lesson 27 computes the common-sense baseline two ways (they must agree) and trains both models."""
from __future__ import annotations

import io

import numpy as np

from pynet import lessons
from pynet.lessons import run_lesson


def load_lesson():
    return lessons.load_lesson("27_temperature_baselines")


def test_windows_match_the_books_generator():
    from pynet.preprocessing import generator

    lesson = load_lesson()
    data = np.random.default_rng(0).normal(size=(400, 2))
    x, y = lesson.windows(data, lesson.LOOKBACK, 300)
    samples, targets = next(generator(data, lesson.LOOKBACK, lesson.DELAY, 0, 300,
                                      batch_size=len(x) - 1, step=lesson.STEP, target_column=0))
    np.testing.assert_allclose(x[:len(samples)], samples, rtol=1e-6)
    np.testing.assert_allclose(y[:len(targets)], targets, rtol=1e-6)


def test_quick_run():
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert report.headline.quantity == "naive baseline MAE (°C)"
    assert 0.1 < float(rows["naive baseline MAE (normalised)"].ours) < 0.5
    assert rows["the generator's baseline equals the direct computation over the same rows"].agree
    assert "(236, 32) → (78, 32) → (74, 32) → (24, 32) → (20, 32) → (32,) → (1,)" in out.getvalue()
    assert not report.failures
