"""Lesson 31 looks inside lesson 28's convnet; its checks hold and can fail."""
from __future__ import annotations

import io

import numpy as np
import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson

def load_lesson():
    return lessons.load_lesson("31_inside_a_convnet")


def test_ink_share():
    lesson = load_lesson()
    digit = np.zeros((4, 4))
    digit[:, :2] = 1.0                      # half the image is ink
    on_ink = np.zeros((4, 4))
    on_ink[:, 0] = 1.0
    assert lesson.ink_share(on_ink, digit) == pytest.approx(2.0)
    assert lesson.ink_share(np.ones((4, 4)), digit) == pytest.approx(1.0)


def test_quick_run(tmp_path, monkeypatch, require):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    out = io.StringIO()
    report, seconds = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert float(rows["Grad-CAM heat on ink / ink area (mean)"].ours) > 1.0
    assert rows["gradient ascent raised every responding filter's mean activation"].agree
    plt = require("matplotlib.pyplot")  # a missing matplotlib skips here, fails under CI
    folder = tmp_path / "31_inside_a_convnet"             # the lesson's own picture folder
    assert (folder / "grad_cam.png").stat().st_size > 1000
    assert (folder / "filter_patterns.png").exists()
    grid = plt.imread(folder / "activations_layer0_conv2d.png")    # 32 channels, 16 a row
    assert grid.shape[1] >= 16 * 64 and grid.shape[0] >= 2 * 64


def test_lesson_notices_a_misplaced_heatmap(monkeypatch, tmp_path):
    """A Grad-CAM that points at the background (here: the inverted map) must fail the check."""
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    from pynet.inspect import convnet

    original = convnet.grad_cam

    def inverted(*args, **kwargs):
        heat, c = original(*args, **kwargs)
        return 1.0 - heat, c

    monkeypatch.setattr(convnet, "grad_cam", inverted)
    with pytest.raises(LessonFailed, match="Grad-CAM"):
        run_lesson(load_lesson().run, "17", quick=True, out=io.StringIO())
