"""Lesson 43 runs quickly: pynet's convnet learns coloured digits, and DeepDream raises the
chosen layers' loss on the photo at every octave and many times over the whole dream."""
from __future__ import annotations

import io

import numpy as np

from pynet import lessons
from pynet.lessons import run_lesson


def load_lesson():
    return lessons.load_lesson("43_deepdream")


def test_quick_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    monkeypatch.delenv("PYNET_VGG19_WEIGHTS", raising=False)
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    text = out.getvalue()
    assert "china.jpg" in text or "generated landscape" in text      # the photo is labelled
    assert "ImageNet's VGG19 is skipped" in text
    rows = {r.quantity: r for r in report.rows}
    head = rows["dream loss, final image / photo (full size)"]
    assert head.agree is True and float(head.ours.lstrip("×")) > 1.5
    assert rows["the loss rises within every octave"].agree is True
    assert report.headline is head and not report.failures


def test_colour_digits_keep_ink_darker_than_paper():
    lesson = load_lesson()
    digits = np.zeros((50, 28, 28), dtype=np.uint8)
    digits[:, 10:18, 12:16] = 255                      # a bar of full ink in each image
    rgb = lesson.colour_digits(digits, np.random.default_rng(0))
    assert rgb.shape == (50, 28, 28, 3) and rgb.dtype == np.float32
    ink, paper = rgb[:, 12, 13].mean(axis=1), rgb[:, 0, 0].mean(axis=1)
    assert np.all(paper - ink >= 0.3 - 1e-6)
    assert rgb[:, 12, 13].std(axis=0).min() > 0.1       # the ink colours vary


def test_vgg_preprocessing_round_trips():
    lesson = load_lesson()
    rgb = np.random.default_rng(1).random((4, 5, 3))
    x = lesson.vgg_preprocess(rgb)
    # red 1.0 becomes the last (BGR) channel: 255 - 123.68
    assert lesson.vgg_preprocess(np.array([[[1.0, 0, 0]]]))[0, 0, 2] == 255 - 123.68
    np.testing.assert_allclose(lesson.vgg_deprocess(x), rgb, atol=1e-12)


def test_a_missing_weight_file_is_said_and_skipped(monkeypatch, tmp_path):
    lesson = load_lesson()
    out = io.StringIO()
    report = lessons.Report("t", out=out)
    monkeypatch.setenv("PYNET_VGG19_WEIGHTS", str(tmp_path / "nowhere.h5"))
    assert lesson.vgg19_weights(report) is None
    assert "is not a file: VGG19 skipped" in out.getvalue()
