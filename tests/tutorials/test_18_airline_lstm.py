"""Lesson 18 builds the lecture's pipeline (96 training months, 94 pairs, 101 parameters) and
trains all four LSTMs in quick mode."""
from __future__ import annotations

import io

import numpy as np

from pynet import lessons
from pynet.lessons import run_lesson


def test_quick_run():
    lesson = lessons.load_lesson("18_airline_lstm")
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity.strip(): r for r in report.rows}
    assert rows["training pairs with look_back=1"].ours == "94"
    assert rows["parameters"].agree is True
    for framing in ("window", "time_steps", "stateful"):
        assert f"{framing}: train / test RMSE" in rows
    assert not report.failures


def test_the_rmse_comparison_can_fail():
    """An untrained model's test RMSE is far from the lecture's 47.53: the full run's 35%
    band would mark it DIFFERS."""
    lesson = lessons.load_lesson("18_airline_lstm")
    data = lesson.prepare(1)
    net = lesson.lstm_model(1, 1)
    pred = net.predict(data["test_x"].reshape(-1, 1, 1))
    te = lesson.rmse(data, pred, data["test_y"])
    assert abs(te - lesson.BOOK_TEST_RMSE) > 0.35 * lesson.BOOK_TEST_RMSE
    assert np.isclose(lesson.unscale(data, data["scaled"][:1])[0], 112.0)
