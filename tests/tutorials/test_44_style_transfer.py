"""Lesson 44 runs quickly: L-BFGS lowers the style-transfer loss, the Gram-matrix distance to the
style image falls, and the photo's content stays."""
from __future__ import annotations

import io

from pynet import lessons
from pynet.lessons import run_lesson


def test_quick_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    monkeypatch.delenv("PYNET_VGG19_WEIGHTS", raising=False)
    lesson = lessons.load_lesson("44_style_transfer")
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    text = out.getvalue()
    assert "content: " in text and "style:   " in text               # both pictures labelled
    rows = {r.quantity: r for r in report.rows}
    head = rows["total loss, photo / result"]
    assert head.agree is True and float(head.ours.lstrip("÷")) > 3
    assert report.headline is head
    assert rows["Gram style distance to the style image"].agree is True
    assert rows["content distance, result / style image's"].agree is True
    assert rows["weights content / style / TV"].book == "0.025 / 1 / 1e-4"
    assert not report.failures
