"""Lesson 26 compares five networks' validation-loss curves on the fortunes two-class stand-in."""
from __future__ import annotations

import io

import numpy as np

from pynet import lessons
from pynet.lessons import run_lesson

def load_lesson(stem="26_capacity_and_regularization"):
    return lessons.load_lesson(stem)


def test_multi_hot_as_in_listing_3_2():
    lesson = load_lesson()
    x = lesson.vectorize_sequences([[3, 5], [1, 1, 4], []], dimension=6)
    np.testing.assert_array_equal(x, [[0, 0, 0, 1, 0, 1], [0, 1, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]])


def test_overfit_epoch_and_rise():
    lesson = load_lesson()
    val = [0.6, 0.5, 0.45, 0.5, 0.7]
    assert lesson.overfit_epoch(val) == 3                 # lowest validation loss at epoch 3
    assert lesson.rise(val) == 0.7 - 0.45


def test_the_networks_of_section_4_4():
    lesson = load_lesson()
    counts = {name: lesson.build(name, 100).count_params() for name in lesson.BOOK_STATEMENT}
    assert counts["original 16-16-1"] == 100 * 16 + 16 + 16 * 16 + 16 + 17
    assert counts["smaller 4-4-1"] == 100 * 4 + 4 + 4 * 4 + 4 + 5
    assert counts["bigger 512-512-1"] == 100 * 512 + 512 + 512 * 512 + 512 + 513
    # L2 and dropout keep the original's parameters: same capacity, different constraint
    assert counts["L2(0.001) 16-16-1"] == counts["Dropout(0.5) 16-16-1"] == counts["original 16-16-1"]
    assert lesson.batch_size(288) == 10 and lesson.batch_size(674) == 22


def test_quick_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert "quick mode" in out.getvalue() and "fortunes" in out.getvalue()
    headline = rows["smaller overfits no earlier than original"]
    assert report.headline is headline and headline.book == "6 vs 4" and headline.agree is None
    big = rows["bigger 512-512-1: overfits after epoch"]
    assert 1 <= int(big.ours) <= 10
    assert not report.failures
