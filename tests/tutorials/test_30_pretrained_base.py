"""Lesson 30: a base pretrained on eight classes transfers; freezing and fine-tuning behave."""
from __future__ import annotations

import importlib.util
import io
import sys
import types
from pathlib import Path

import numpy as np

from pynet.lessons import Report, run_lesson


def load_lesson():
    """The lesson beside this checkout's tests (not an installed copy of the tutorials)."""
    path = Path(__file__).resolve().parents[2] / "tutorials" / "30_pretrained_base.py"
    spec = importlib.util.spec_from_file_location("lesson_40_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    monkeypatch.delenv("PYNET_VGG16_WEIGHTS", raising=False)
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert rows["trainable weight tensors before / after freezing"].ours == "10 / 4"
    assert rows["summary counts the frozen base's 92,672 parameters as non-trainable"].agree
    assert rows["the frozen base's weights did not move during training"].agree
    assert rows["fine-tuning moves block3_conv1 only; blocks 1 and 2 stay as pretrained"].agree
    control = rows["validation + test accuracy: untrained base (control)"]
    assert control.agree is None                  # shown, not judged: the gap is within noise
    assert float(control.book) > 0.6 and float(control.ours) > 0.5   # both features carry signal
    assert report.headline.book == "0.97"
    assert "skipped: set PYNET_VGG16_WEIGHTS" in out.getvalue()


def test_the_source_classes_exclude_the_task(monkeypatch):
    lesson = load_lesson()
    _, x, y = lesson.source_data(quick=True)
    assert x.shape == (1600, 28, 28, 1) and 0 <= x.min() and x.max() <= 1
    assert np.bincount(y).tolist() == [200] * 8
    assert 0 not in lesson.SOURCE_CLASSES and 6 not in lesson.SOURCE_CLASSES


def test_trainable_false_on_a_nested_base_freezes_it_in_fit():
    """Listing 5.20's mechanism on its own: a frozen Sequential inside a Sequential."""
    lesson = load_lesson()
    from pynet.utils import set_seed

    set_seed(1)
    base = lesson.conv_base()
    model = lesson.model_on_base(base)
    base.trainable = False
    lesson.compile_binary(model, 1e-3)
    before = [w.copy() for w in model.get_weights()]
    rng = np.random.default_rng(0)
    model.fit(rng.random((8, 28, 28, 1), dtype=np.float32), np.array([0, 1] * 4, np.float32),
              epochs=1, batch_size=4, verbose=0, seed=0)
    changed = [not np.array_equal(a, b) for a, b in zip(before, model.get_weights())]
    assert changed == [False] * 6 + [True] * 4      # 3 convs × (kernel, bias) frozen; head moves


def test_the_vgg16_path_runs_when_a_weight_file_and_the_module_are_there(tmp_path, monkeypatch):
    """pynet.applications is written elsewhere: a stand-in module with the issue's signature
    checks that the lesson calls it as promised (weights path from the environment)."""
    lesson = load_lesson()
    calls = []

    def VGG16(include_top, weights, input_shape):
        from pynet.layers import Conv2D, MaxPooling2D
        from pynet.models import Sequential
        calls.append((include_top, weights, input_shape))
        return Sequential([Conv2D(2, 3, input_shape=input_shape), MaxPooling2D(30)])

    monkeypatch.setitem(sys.modules, "pynet.applications", types.SimpleNamespace(VGG16=VGG16))
    monkeypatch.setenv("PYNET_VGG16_WEIGHTS", str(tmp_path / "vgg16_notop.h5"))
    task = lesson.small_task()
    _, splits = task.load_pair(quick=True)
    root = task.write_tree(tmp_path / "tree", splits)
    report = Report("vgg", out=io.StringIO())
    lesson.vgg16_part(report, root, quick=True)
    assert calls == [(False, str(tmp_path / "vgg16_notop.h5"), (150, 150, 3))]
    rows = {r.quantity: r for r in report.rows}
    assert rows["VGG16 base parameters"].agree is False          # the stand-in is not VGG16
    assert 0 <= float(rows["VGG16 features: validation accuracy"].ours) <= 1


def test_without_the_module_the_vgg16_part_says_it_is_skipped(tmp_path, monkeypatch):
    lesson = load_lesson()
    monkeypatch.setitem(sys.modules, "pynet.applications", None)     # import fails
    monkeypatch.setenv("PYNET_VGG16_WEIGHTS", str(tmp_path / "w.h5"))
    out = io.StringIO()
    lesson.vgg16_part(Report("vgg", out=out), tmp_path, quick=True)
    assert "pynet.applications.VGG16 is not available" in out.getvalue()
