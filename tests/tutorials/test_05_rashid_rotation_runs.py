"""Lesson 05 trains Rashid's net on rotated copies at lr 0.01; PyTorch's same arithmetic agrees."""
from __future__ import annotations

import io

from pynet import lessons
from pynet.lessons import run_lesson

def load_lesson(stem="05_rashid_rotation_runs"):
    return lessons.load_lesson(stem)


def test_quick_run():
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert "quick mode: 2 and 4 epochs, not 5 and 10" in out.getvalue()
    peak = rows["peak accuracy after 4 epochs"]
    assert report.headline is peak and peak.book == "0.9787" and peak.agree is None
    assert 0.7 < float(peak.ours) < 0.99
    reference = rows.get("test accuracy after 1 epoch(s), PyTorch vs pynet")
    if reference is not None:
        assert reference.agree is True
    assert not report.failures


def test_five_epochs_of_a_ten_epoch_run_are_the_five_epoch_run():
    # records are visited in file order, so checkpoints of one long run are the shorter runs
    lesson = load_lesson()
    x, t, x_test, y_test = lesson.load(200, 200)
    long = lesson.train_and_test(x, t, x_test, y_test, (1, 2))
    short = lesson.train_and_test(x, t, x_test, y_test, (1,))
    assert long[1] == short[1]
