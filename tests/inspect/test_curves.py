"""Curves: history normalisation (ours, the 4-tuple, Keras dicts), figures, text table."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.backprop.feedforward_network import History
from pynet.inspect.curves import (
    curves_text, normalise_history, plot_history, plot_misclassified, plot_overlay,
)

H = History(evaluation_cost=[0.5, 0.4, 0.35], evaluation_accuracy=[0.8, 0.85, 0.86],
            training_cost=[0.6, 0.3, 0.2], training_accuracy=[0.82, 0.9, 0.95], epochs=3)


def test_normalise_all_three_forms():
    ours = normalise_history(H)
    assert ours["training_accuracy"] == [0.82, 0.9, 0.95]
    assert normalise_history(tuple(H)) == ours
    keras = {"loss": [0.6, 0.3, 0.2], "accuracy": [0.82, 0.9, 0.95],
             "val_loss": [0.5, 0.4, 0.35], "val_accuracy": [0.8, 0.85, 0.86]}
    assert normalise_history(keras) == ours
    old = normalise_history({"loss": [1.0], "acc": [0.5]})
    assert old["training_accuracy"] == [0.5] and old["evaluation_cost"] == []
    with pytest.raises(ValueError, match="none of the keys"):
        normalise_history({"lr": [0.1]})
    with pytest.raises(TypeError, match="Keras-style dict"):
        normalise_history(42)


def test_plot_history_draws_each_recorded_series(tmp_path, require):
    require("matplotlib")
    path = tmp_path / "curves.png"
    fig = plot_history(H, xmin=1, path=path)
    cost_ax, acc_ax = fig.axes
    assert len(cost_ax.lines) == 2 and len(acc_ax.lines) == 2
    np.testing.assert_array_equal(acc_ax.lines[0].get_xdata(), [1, 2])
    np.testing.assert_allclose(acc_ax.lines[0].get_ydata(), [0.9, 0.95])
    assert path.stat().st_size > 1000
    only_loss = plot_history({"loss": [3.0, 2.0]})
    # a regression's history has no accuracy: one panel, not an empty second one
    assert len(only_loss.axes) == 1 and len(only_loss.axes[0].lines) == 1


def test_overlay_and_misclassified_grid(tmp_path, require):
    require("matplotlib")
    fig = plot_overlay(H, ylim=0.6)
    assert fig.axes[0].get_ylim() == (0.6, 1.0)
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="no accuracy"):
        plot_overlay({"loss": [1.0]})
    imgs = np.random.default_rng(0).random((13, 784))
    fig = plot_misclassified(imgs, list(range(13)), [9] * 13, columns=5, path=tmp_path / "g.png")
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titled) == 13 and titled[2] == "says 2, is 9"
    with pytest.raises(ValueError, match="13 images but 2 predictions"):
        plot_misclassified(imgs, [1, 2], [1, 2])


def test_curves_text_table():
    text = curves_text(H)
    rows = text.splitlines()
    assert len(rows) == 4
    assert rows[3].split() == ["2", "0.200000", "0.950000", "0.350000", "0.860000"]
