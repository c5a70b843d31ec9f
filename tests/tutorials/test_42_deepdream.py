"""Lesson 42 runs quickly: pynet's convnet learns coloured digits, and DeepDream raises the
chosen layers' loss on the photo at every octave and many times over the whole dream."""
from __future__ import annotations

import io

import numpy as np

from pynet import lessons
from pynet.lessons import quick_run, run_lesson


def load_lesson():
    return lessons.load_lesson("42_deepdream")


def test_quick_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    monkeypatch.delenv("PYNET_VGG19_WEIGHTS", raising=False)
    lesson = load_lesson()
    report, text = quick_run(lesson)
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


def fake_vgg19(calls):
    """Stands in for pynet.applications.VGG19 (written on another branch): a few filters in
    VGG19's block/layer names and pooling pattern, recording how it was called."""
    def VGG19(include_top=True, weights=None, input_shape=None):   # noqa: N802
        from pynet.layers import Conv2D, MaxPooling2D
        from pynet.sequential import Sequential

        calls.append((include_top, weights, input_shape))
        kw = dict(activation="relu", padding="same")
        layers = [Conv2D(3, 3, input_shape=input_shape, name="block1_conv1", **kw),
                  MaxPooling2D(2, name="block1_pool")]
        for b in (2, 3, 4, 5):
            names = {4: ["block4_conv1", "block4_conv3"], 5: ["block5_conv1", "block5_conv2"]}
            for name in names.get(b, [f"block{b}_conv1"]):
                layers.append(Conv2D(3, 3, name=name, **kw))
            if b < 5:
                layers.append(MaxPooling2D(2, name=f"block{b}_pool"))
        return Sequential(layers)
    return VGG19


def test_with_a_vgg19_weight_file_the_lesson_uses_pynet_applications(monkeypatch, tmp_path):
    import sys
    import types

    calls = []
    module = types.ModuleType("pynet.applications")
    module.VGG19 = fake_vgg19(calls)
    monkeypatch.setitem(sys.modules, "pynet.applications", module)
    weights = tmp_path / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    weights.write_bytes(b"not read by the stand-in")
    monkeypatch.setenv("PYNET_VGG19_WEIGHTS", str(weights))
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    assert calls == [(False, str(weights), (213, 320, 3))]
    assert "VGG19 (no top) with ImageNet weights from" in out.getvalue()
    assert "block4_conv1" in out.getvalue() and not report.failures
