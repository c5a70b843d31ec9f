"""Lesson 34: listing 6.21 equals the SimpleRNN layer; both models train with Chollet's counts."""
from __future__ import annotations

import io

from pynet import lessons
from pynet.lessons import run_lesson


def test_quick_run():
    lesson = lessons.load_lesson("34_simplernn_vs_lstm")
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert rows["SimpleRNN: parameters"].ours == "322113"
    assert rows["LSTM: parameters"].ours == "328353"
    assert rows["max |listing 6.21 − SimpleRNN layer|"].agree is True
    assert not report.failures


def test_the_numpy_rnn_comparison_can_fail():
    """The layer fed W instead of Wᵀ (the easy mistake) would not match listing 6.21."""
    import numpy as np

    from pynet.kernels.loops.recurrent import chollet_rnn
    from pynet.layers import SimpleRNN

    rng = np.random.default_rng(0)
    inputs, W, U, b = rng.random((5, 4)), rng.random((4, 4)), rng.random((4, 4)), rng.random(4)
    layer = SimpleRNN(4, return_sequences=True, dtype="float64")
    layer.build((5, 4))
    layer.set_weights([W, U, b])                      # not transposed
    assert np.abs(layer.forward(inputs[None])[0] - chollet_rnn(inputs, W, U, b)).max() > 1e-3
