"""The summary table of a functional model and plot_model's drawing."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.layers import Dense
from pynet.models import Input, Model, plot_model, text_diagram

from graphs import PairSum


def branching():
    a = Input(shape=(4,), name="left")
    b = Input(shape=(4,), name="right")
    shared = Dense(3, name="shared")
    return Model([a, b], Dense(1, name="out")(PairSum(name="join")([shared(a), shared(b)])))


def test_summary_lists_inputs_calls_and_connections():
    text = branching().summary(print_fn=lambda s: None)
    lines = text.splitlines()
    assert any(l.startswith("left (InputLayer)") for l in lines)
    shared_rows = [l for l in lines if l.startswith("shared (Dense)")]
    assert len(shared_rows) == 2 and shared_rows[0].endswith("left[0][0]")
    assert shared_rows[1].endswith("right[0][0]")
    join = lines.index(next(l for l in lines if l.startswith("join (PairSum)")))
    assert lines[join].endswith("shared[0][0]") and lines[join + 1].strip() == "shared[1][0]"
    assert "Total params: 19" in text     # shared counted once: 4·3+3, out 3+1


def test_plot_model_writes_a_png_and_returns_the_text_diagram(tmp_path, require):
    require("matplotlib")
    model = branching()
    target = tmp_path / "graph.png"
    text = plot_model(model, to_file=str(target), show_shapes=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "left, right" not in text and "shared -> join (PairSum) -> (None, 3)" in text
    assert text == text_diagram(model, show_shapes=True)
