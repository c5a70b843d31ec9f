"""pynet.tensorboard writes real event files: TensorBoard's own reader gets back what was written."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.tensorboard import FileWriter, tensorboard_available

@pytest.fixture
def needs_tensorboard(require):
    """The optional tensorboard package (skips in a user's clone, fails under CI)."""
    return require("tensorboard")


def read_back(logdir):
    """Read the event files back with TensorBoard's own reader."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    return acc


@pytest.mark.usefixtures("needs_tensorboard")
def test_scalars_come_back_in_order(tmp_path):
    with FileWriter(tmp_path) as writer:
        for step, loss in enumerate([0.586, 0.213, 0.150]):
            writer.add_scalar("cost", loss, step)
        writer.add_scalar("accuracy", np.float32(0.9787), 9)
    acc = read_back(tmp_path)
    events = acc.Scalars("cost")
    assert [e.step for e in events] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in events], [0.586, 0.213, 0.150], rtol=1e-6)
    assert acc.Scalars("accuracy")[0].value == pytest.approx(0.9787, rel=1e-6)
    assert [str(p) for p in tmp_path.glob("events.out.tfevents.*")] == [writer.path]


@pytest.mark.usefixtures("needs_tensorboard")
def test_histograms_keep_count_sum_and_range(tmp_path):
    values = np.random.default_rng(0).normal(size=(20, 15))
    with FileWriter(tmp_path) as writer:
        writer.add_histogram("W1", values, step=3)
    (event,) = read_back(tmp_path).Histograms("W1")
    h = event.histogram_value
    assert event.step == 3
    assert h.num == 300 and sum(h.bucket) == 300
    assert h.min == pytest.approx(values.min()) and h.max == pytest.approx(values.max())
    assert h.sum == pytest.approx(values.sum())


@pytest.mark.usefixtures("needs_tensorboard")
def test_a_graph_is_readable(tmp_path):
    with FileWriter(tmp_path) as writer:
        writer.add_graph([{"name": "x", "op": "placeholder", "inputs": []},
                          {"name": "y", "op": "relu", "inputs": ["x"]}])
    graph = read_back(tmp_path).Graph()
    assert [(n.name, n.op, list(n.input)) for n in graph.node] == [
        ("x", "placeholder", []), ("y", "relu", ["x"])]


@pytest.mark.usefixtures("needs_tensorboard")
def test_flush_makes_records_visible_before_close(tmp_path):
    writer = FileWriter(tmp_path, flush_secs=3600)
    writer.add_scalar("loss", 1.5, 0)
    writer.flush()
    assert read_back(tmp_path).Scalars("loss")[0].value == 1.5
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.add_scalar("loss", 1.0, 1)


@pytest.mark.usefixtures("needs_tensorboard")
def test_bad_arguments_are_named(tmp_path):
    with FileWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="tag must be a non-empty string"):
            writer.add_scalar("", 1.0, 0)
        with pytest.raises(ValueError, match="'step' must be a non-negative integer, got -1"):
            writer.add_scalar("loss", 1.0, -1)
        with pytest.raises(ValueError, match="value must be a number, got 'high'"):
            writer.add_scalar("loss", "high", 0)
        with pytest.raises(ValueError, match="contain NaN or Inf"):
            writer.add_histogram("w", [1.0, np.nan], 0)
        with pytest.raises(ValueError, match="are empty"):
            writer.add_histogram("w", [], 0)


@pytest.mark.usefixtures("needs_tensorboard")
def test_the_graph_styles_filewriter_writes_session_summaries(tmp_path):
    from pynet.autodiff import graph as tf
    g = tf.Graph(name="c29")
    with g.as_default():
        x = tf.placeholder(tf.float32, (None,), name="x")
        tf.summary.scalar("mean", tf.reduce_mean(x))
        tf.summary.histogram("x", x)
        merged = tf.summary.merge_all()
    with tf.Session(g) as sess:
        writer = tf.summary.FileWriter(str(tmp_path), sess.graph)
        for step in range(3):
            writer.add_summary(sess.run(merged, {x: [step, step + 2.0]}), step)
        writer.close()
    acc = read_back(tmp_path)
    assert [e.value for e in acc.Scalars("mean")] == [1.0, 2.0, 3.0]
    assert len(acc.Histograms("x")) == 3
    assert {n.name for n in acc.Graph().node} >= {"x", "mean"}


def test_missing_package_message(monkeypatch):
    import builtins

    import pynet.tensorboard as tb
    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("tensorboard"):
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(ImportError, match="needs the 'tensorboard' package.*pip install tensorboard"):
        tb.FileWriter("unused")
    assert tb.tensorboard_available() is False
