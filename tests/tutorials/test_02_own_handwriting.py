"""Lesson 02 runs quickly, reads a user's PNG, and its checks can fail."""
from __future__ import annotations

import io

import numpy as np
import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson
from pynet.lessons import quick_run

def load_lesson():
    return lessons.load_lesson("02_own_handwriting")


def test_quick_run_with_a_users_png(tmp_path, monkeypatch, require):
    Image = require("PIL.Image")
    from pynet.datasets import mnist

    _, (x_test, y_test) = mnist.load()
    folder = tmp_path / "digits"
    folder.mkdir()
    Image.fromarray(np.kron(255 - x_test[0], np.ones((6, 6), dtype=np.uint8))).save(
        folder / f"my_own_{int(y_test[0])}.png")
    (folder / "notes.txt").write_text("not an image")
    monkeypatch.setenv("PYNET_OWN_DIGITS", str(folder))
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path / "out"))
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert not report.failures
    row = next(r for r in report.rows if r.quantity == f"my_own_{int(y_test[0])}.png")
    assert row.book == str(int(y_test[0])) and row.ours == row.book      # a clean 7 is read
    kinds = [r.quantity for r in report.rows if "recognised in" in r.quantity]
    assert len(kinds) == 6 and "noisy '6': recognised in" in kinds
    assert float(report.headline.ours) > 0.8
    assert "notes.txt" not in text


def test_lesson_notices_when_preparation_does_nothing(tmp_path, monkeypatch):
    from pynet.datasets import own_digits

    monkeypatch.setenv("PYNET_OWN_DIGITS", "")
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    real = own_digits.preprocess

    def shrink_only(image, **kw):             # the book's recipe in place of MNIST's preparation
        a = np.asarray(image, dtype=float)
        if a.shape == (28, 28):
            return real(image, **kw)
        from scipy import ndimage
        small = ndimage.zoom(a, (28 / a.shape[0], 28 / a.shape[1]), order=1)[:28, :28]
        return (255 - small) / 255 * 0.99 + 0.01

    monkeypatch.setattr(own_digits, "preprocess", shrink_only)
    with pytest.raises(LessonFailed, match="recovers the photos"):
        run_lesson(load_lesson().run, "06", quick=True, out=io.StringIO())
