"""Lesson 46 runs quickly on the active backend, and its checks hold."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import quick_run, run_lesson

def load_lesson():
    return lessons.load_lesson("46_kernels_and_backends")


def test_quick_run_agrees_and_reports_backend_and_blas():
    import pynet.kernels as kernels
    from pynet.kernels.threads import blas_info

    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert f"pynet.kernels.BACKEND = {kernels.BACKEND!r}" in text
    for lib in blas_info():
        assert lib.filename in text
    checks = [r for r in report.rows if r.agree is True]
    # loops, pynet matmul, BLAS-beats-loops; plus the two C loops on the compiled backend
    assert len(checks) == (5 if kernels.BACKEND == "cython" else 3)
    assert not report.failures
    assert "64x64" in text  # quick mode uses the small size
    assert report.headline.quantity.startswith("naive loops vs vectorised")


def test_lesson_notices_a_wrong_answer(monkeypatch):
    # The checks must be able to fail: a kernel that returns a wrong product fails the lesson.
    from pynet.kernels import loops
    from pynet.lessons import LessonFailed

    lesson = load_lesson()
    monkeypatch.setattr(loops, "matmul", lambda a, b: (a @ b) + 1.0)
    with pytest.raises(LessonFailed, match="agrees with NumPy"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
