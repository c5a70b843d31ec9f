"""Metrics: accuracy variants chosen as Keras chooses them, values by hand."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import losses, metrics


def test_accuracy_resolution():
    assert metrics.get("accuracy", losses.get("binary_crossentropy"), (1,)).fn is metrics.binary_accuracy
    assert metrics.get("acc", losses.get("mse"), (1,)).fn is metrics.binary_accuracy
    assert metrics.get("accuracy", losses.get("sparse_categorical_crossentropy"), (10,)).fn is \
        metrics.sparse_categorical_accuracy
    m = metrics.get("acc", losses.get("categorical_crossentropy"), (10,))
    assert m.fn is metrics.categorical_accuracy and m.name == "acc"


def test_values_by_hand():
    p = np.array([[0.1, 0.9], [0.8, 0.2], [0.4, 0.6]])
    y = np.array([[0, 1], [0, 1], [0, 1]])
    assert metrics.get("accuracy", losses.get("categorical_crossentropy"))(y, p) == pytest.approx(2 / 3)
    assert metrics.get("accuracy", losses.get("sparse_categorical_crossentropy"))(np.array([1, 0, 0]), p) == pytest.approx(2 / 3)
    assert metrics.binary_accuracy(np.array([[1], [0], [1]]), np.array([[0.7], [0.6], [0.2]])).mean() == pytest.approx(1 / 3)
    assert metrics.get("mae")(np.zeros((2, 2)), np.full((2, 2), 0.5)) == pytest.approx(0.5)
    assert metrics.get("mse")(np.zeros((2, 2)), np.full((2, 2), 0.5)) == pytest.approx(0.25)


def test_unknown_metric():
    with pytest.raises(ValueError, match="known metrics: .*accuracy"):
        metrics.get("precision")
