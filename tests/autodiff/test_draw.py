"""Drawing graphs of all three kinds, as text and PNG."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import autodiff as ad
from pynet.autodiff import draw
from pynet.autodiff import graph as tf


def test_a_neuron_as_text_lists_inputs_first():
    x, w, b = ad.Value(2.0, label="x"), ad.Value(-3.0, label="w"), ad.Value(6.5, label="b")
    z = w * x + b
    z.label = "z"
    y = z.tanh()
    y.label = "y"
    y.backward()
    text = draw.to_text(y)
    lines = text.splitlines()
    assert len(lines) == 6                              # x, w, w·x, b, z, y
    assert "y = tanh(n4)" in lines[-1]
    assert "grad 1" in lines[-1]
    assert text.index("x") < text.index("tanh")


def test_a_tensor_and_a_graph_node_as_text():
    w = ad.tensor(np.ones((2, 3)), requires_grad=True, name="W")
    text = draw.to_text(ad.reduce_sum(ad.relu(w)))
    assert "W" in text and "relu(n0)" in text and "reduce_sum(n1)" in text
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 3), name="x")
        y = tf.nn.relu(x, name="hidden")
    text = draw.to_text(y)
    assert "hidden(n0)" in text and "placeholder (None, 3)" in text


def test_png(require, tmp_path):
    require("matplotlib")
    a = ad.Value(1.0, label="a")
    path = draw.to_png((a * a + a).tanh(), tmp_path / "g.png", title="f")
    assert path.stat().st_size > 1000 and path.read_bytes()[:4] == b"\x89PNG"


def test_other_objects_are_refused():
    with pytest.raises(TypeError, match="expected a Value, Tensor or graph Node, got list"):
        draw.to_text([1, 2])
