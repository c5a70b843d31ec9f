"""Lesson 36 trains the book's five recurrent models on the weather stand-in (quick mode) and the
same GRU in PyTorch from the same weights on the same batches."""
from __future__ import annotations

import importlib.util
import io

import numpy as np
import pytest

from pynet import lessons
from pynet.lessons import run_lesson


def load_lesson():
    return lessons.load_lesson("36_temperature_recurrent")


def test_windows_follow_listing_6_33():
    """Window j of rows [first, end): data[row − lookback : row : step], target data[row + 24, 0]."""
    from pynet.preprocessing import generator

    lesson = load_lesson()
    data = np.random.default_rng(0).normal(size=(400, 2)).astype(np.float32)
    x, y = lesson.windows(data, 48, 300, 48, 2)
    samples, targets = next(generator(data, 48, lesson.DELAY, 0, 300, batch_size=100, step=2,
                                      target_column=0))
    np.testing.assert_allclose(x[:100], samples, rtol=1e-6)
    np.testing.assert_allclose(y[:100], targets, rtol=1e-6)
    assert lesson.naive_mae(x, y) == pytest.approx(np.mean(np.abs(x[:, -1, 0] - y)))


def test_every_model_reads_any_length_and_has_the_books_parameter_count():
    lesson = load_lesson()
    counts = {kind: lesson.build(kind, 14).count_params() for kind in lesson.BOOK}
    gru = 3 * 32 * (14 + 32 + 2) + 33          # reset_after=True: two bias rows
    assert counts["GRU(32)"] == counts["GRU, reversed windows"] == gru
    assert counts["Bidirectional GRU"] == 2 * (gru - 33) + 65
    assert counts["stacked GRU 32→64"] == 3 * 32 * 48 + 3 * 64 * (32 + 64 + 2) + 65
    model = lesson.build("stacked GRU 32→64", 2)
    for steps in (10, 17):
        assert model.predict(np.zeros((2, steps, 2), np.float32)).shape == (2, 1)


def test_the_pytorch_twin_holds_the_same_weights(require):
    """Same initial weights, one forward pass: the gate reordering z, r, h → r, z, n is right."""
    torch = require("torch")
    lesson = load_lesson()
    model = lesson.build("GRU(32)", 2)
    rng = np.random.default_rng(3)
    model.set_weights([w + rng.normal(scale=0.1, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    gru, head = lesson.torch_gru_from(torch, model)
    x = rng.normal(size=(4, 9, 2)).astype(np.float32)
    with torch.no_grad():
        theirs = head(gru(torch.from_numpy(x))[0][:, -1]).numpy()
    np.testing.assert_allclose(model.predict(x), theirs, rtol=1e-4, atol=1e-5)


def test_quick_run():
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert report.headline.quantity == "does GRU(32) beat the common-sense baseline?"
    naive = float(rows["naive baseline MAE (normalised)"].ours)
    assert 0.1 < naive < 0.4
    gru = float(rows["GRU(32): best val MAE"].ours)
    assert gru < naive                              # the book's claim, on the stand-in
    for kind in lesson.BOOK:
        assert np.isfinite(float(rows[f"{kind}: best val MAE"].ours))
    assert rows["GRU on reversed windows = GRU(go_backwards=True) on the windows as they are"].agree
    reference = rows.get("GRU(32) best val MAE, mean over seeds")
    if importlib.util.find_spec("torch") is not None:   # the lesson runs it whenever it can
        assert reference is not None
        theirs = float(reference.book.split()[1])
        ours = float(reference.ours.split()[0])
        assert abs(theirs - ours) < 0.01 and reference.agree
    assert not report.failures


def test_the_headline_can_fail():
    """An untrained GRU is far worse than the baseline: the headline would say DIFFERS."""
    lesson = load_lesson()
    from pynet.datasets import weather

    _, float_data = weather.load_cities(("seattle", "sf"))
    data, _, _, train_end, val_end = lesson.prepare(float_data)
    xv, yv = lesson.windows(data, train_end + 1 + 48, train_end + 1 + 48 + 256, 48, 1)
    untrained = lesson.build("GRU(32)", 2)
    mae = float(np.mean(np.abs(untrained.predict(xv).reshape(-1) - yv)))
    assert mae > lesson.naive_mae(xv, yv)
