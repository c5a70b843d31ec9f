"""Lesson 43 runs quickly: L-BFGS lowers the style-transfer loss, the Gram-matrix distance to the
style image falls, and the photo's content stays."""
from __future__ import annotations

import io
from pathlib import Path

from pynet import lessons
from pynet.lessons import quick_run, run_lesson


def test_quick_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    monkeypatch.delenv("PYNET_VGG19_WEIGHTS", raising=False)
    lesson = lessons.load_lesson("43_style_transfer")
    report, text = quick_run(lesson)
    assert "content: " in text and "style:   " in text               # both pictures labelled
    rows = {r.quantity: r for r in report.rows}
    head = rows["total loss, photo / result"]
    assert head.agree is True and float(head.ours.lstrip("÷")) > 3
    assert report.headline is head
    assert rows["Gram style distance to the style image"].agree is True
    assert rows["content distance, result / style image's"].agree is True
    assert rows["weights content / style / TV"].book == "0.025 / 1 / 1e-4"
    assert not report.failures


def test_with_a_vgg19_weight_file_the_lesson_uses_the_books_layers(monkeypatch, tmp_path):
    import sys
    import types

    sys.path.insert(0, str(Path(__file__).parent))
    from test_42_deepdream import fake_vgg19 as make_fake      # the VGG19 stand-in

    calls = []
    module = types.ModuleType("pynet.applications")
    module.VGG19 = make_fake(calls)
    monkeypatch.setitem(sys.modules, "pynet.applications", module)
    weights = tmp_path / "vgg19.h5"
    weights.write_bytes(b"x")
    monkeypatch.setenv("PYNET_VGG19_WEIGHTS", str(weights))
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = lessons.load_lesson("43_style_transfer")
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    assert calls == [(False, str(weights), (96, 144, 3))]
    text = out.getvalue()
    assert "content layer block5_conv2" in text and "block5_conv1" in text
    rows = {r.quantity: r for r in report.rows}
    assert rows["weights content / style / TV"].ours == "0.025 / 1 / 0.0001"
    assert rows["total loss, photo / result"].agree is True and not report.failures
    assert rows["content distance, result / style image's"].agree is None   # not measured
