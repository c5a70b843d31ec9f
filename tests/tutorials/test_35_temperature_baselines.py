"""Lesson 35 computes the common-sense baseline two ways (they must agree) and trains both models."""
from __future__ import annotations

import importlib.util
import io

import numpy as np

from pynet import lessons
from pynet.lessons import run_lesson


def load_lesson():
    return lessons.load_lesson("35_temperature_baselines")


def test_windows_match_the_books_generator():
    from pynet.preprocessing import generator

    lesson = load_lesson()
    data = np.random.default_rng(0).normal(size=(400, 2))
    x, y = lesson.windows(data, lesson.LOOKBACK, 300)
    samples, targets = next(generator(data, lesson.LOOKBACK, lesson.DELAY, 0, 300,
                                      batch_size=len(x) - 1, step=lesson.STEP, target_column=0))
    np.testing.assert_allclose(x[:len(samples)], samples, rtol=1e-6)
    np.testing.assert_allclose(y[:len(targets)], targets, rtol=1e-6)


def test_quick_run():
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert report.headline.quantity == "naive baseline MAE (°C)"
    assert 0.1 < float(rows["naive baseline MAE (normalised)"].ours) < 0.5
    assert rows["the generator's baseline equals the direct computation over the same rows"].agree
    assert "(236, 32) → (78, 32) → (74, 32) → (24, 32) → (20, 32) → (32,) → (1,)" in out.getvalue()
    assert not report.failures
    reference = rows.get("dense net, mean best val MAE, pynet vs PyTorch")
    if importlib.util.find_spec("torch") is not None:   # CI installs it: pynet within seed noise
        assert reference is not None and reference.agree
    else:
        assert reference is None and "PyTorch is not installed" in out.getvalue()


def test_pytorch_twin_starts_where_pynet_starts_and_learns(require):
    """The PyTorch reference copies pynet's initial weights: before any step, both nets give the
    same validation MAE; after two epochs it has learned (lower MAE)."""
    torch = require("torch")
    lesson = load_lesson()
    from pynet.utils import set_seed

    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, lesson.LOOKBACK, 2)).astype(np.float32)
    y = (x[:, -1, 0] * 0.8).astype(np.float32)
    set_seed(3)
    model = lesson.dense_model(2)
    zero_epochs = lesson.torch_dense_val_mae(torch, model, x, y, x, y, 0, seed=0)
    assert zero_epochs == []
    ours = float(np.mean(np.abs(model.predict(x, verbose=0)[:, 0] - y)))
    twin_start = lesson.torch_dense_val_mae(torch, model, x[:0], y[:0], x, y, 1, seed=0)[0]
    assert abs(ours - twin_start) < 1e-4
    learned = lesson.torch_dense_val_mae(torch, model, x, y, x, y, 3, seed=0)
    assert learned[-1] < 0.8 * twin_start
