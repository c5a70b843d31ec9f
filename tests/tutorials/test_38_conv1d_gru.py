"""Lesson 38 builds listing 6.49 on windows of any length, trains it (quick mode) and checks the
same network in PyTorch from the same weights on the same batches."""
from __future__ import annotations

import importlib.util
import io

import numpy as np

from pynet import lessons
from pynet.lessons import run_lesson


def load_lesson():
    return lessons.load_lesson("38_conv1d_gru")


def test_listing_6_49_has_the_books_parameters_and_reads_any_length():
    lesson = load_lesson()
    model = lesson.conv_gru(14)
    # Conv1D(32, 5) on 14 features, Conv1D(32, 5) on 32, GRU(32) (reset_after), Dense(1)
    assert model.count_params() == (5 * 14 * 32 + 32) + (5 * 32 * 32 + 32) + 3 * 32 * 66 + 33
    for steps in (240, 480):
        assert model.predict(np.zeros((2, steps, 14), np.float32)).shape == (2, 1)


def test_the_pytorch_twin_computes_the_same_function(require):
    torch = require("torch")
    lesson = load_lesson()
    model = lesson.conv_gru(2, dropout=False)
    rng = np.random.default_rng(4)
    model.set_weights([w + rng.normal(scale=0.1, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    forward, params = lesson.torch_twin(torch, model)
    assert sum(p.numel() for p in params) == model.count_params()
    x = rng.normal(size=(3, 50, 2)).astype(np.float32)
    with torch.no_grad():
        theirs = forward(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model.predict(x).reshape(-1), theirs, rtol=1e-4, atol=1e-5)


def test_quick_run():
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert report.headline.quantity == "Conv1D + GRU: best val MAE"
    text = out.getvalue()
    assert "96 steps → 92 → 30 → 26 steps reach the GRU" in text
    assert "(None, None, 32)" in text                      # summary with None steps
    naive = float(rows["naive baseline MAE (normalised)"].ours)
    best = float(rows["Conv1D + GRU: best val MAE"].ours)
    assert 0.1 < naive < 0.4 and np.isfinite(best) and best < 2 * naive
    reference = rows.get("Conv1D + GRU (no dropout), mean over seeds")
    if importlib.util.find_spec("torch") is not None:     # the lesson runs it whenever it can
        assert reference is not None
        theirs, ours = float(reference.book.split()[1]), float(reference.ours.split()[0])
        assert abs(theirs - ours) < 0.01 and reference.agree
    assert not report.failures
