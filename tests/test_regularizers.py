"""Regularizers: penalties and gradients by hand, and "training loss only" in a model."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import regularizers
from pynet.gradient_check import check_gradients
from pynet.layers import Dense
from pynet.sequential import Sequential


def test_penalties_by_hand():
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert regularizers.l1(0.1)(w) == pytest.approx(0.1 * 3.5)
    assert regularizers.l2(0.01)(w) == pytest.approx(0.01 * 5.25)
    assert regularizers.l1_l2(l1=0.1, l2=0.01)(w) == pytest.approx(0.35 + 0.0525)


def test_gradient_by_finite_differences(rng):
    reg = regularizers.l1_l2(l1=0.03, l2=0.2)
    w = rng.standard_normal((4, 3))
    report = check_gradients(lambda: reg(w), {"w": w}, {"w": reg.gradient(w)})
    assert report.ok, str(report)


def test_bad_coefficients_and_names():
    with pytest.raises(ValueError, match=">= 0"):
        regularizers.l2(-0.1)
    with pytest.raises(ValueError, match="known: l1, l2, l1_l2"):
        regularizers.get("l3")
    assert regularizers.get("l2").l2 == 0.01


def test_penalty_counts_in_training_loss_only(rng):
    model = Sequential([Dense(3, input_shape=(4,), kernel_regularizer=regularizers.l2(0.5),
                              dtype="float64")])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
    w = model.layers[0].params["kernel"]
    penalty = 0.5 * float((w ** 2).sum())
    plain = model.evaluate(x, y)
    # train_on_batch reports the loss before the update: data loss + penalty
    assert model.train_on_batch(x, y) == pytest.approx(plain + penalty)
    assert model.evaluate(x, y) < plain + penalty


def test_whole_model_gradient_includes_penalty(rng):
    model = Sequential([Dense(3, activation="tanh", input_shape=(2,), dtype="float64",
                              kernel_regularizer=regularizers.l1_l2(0.01, 0.1)),
                        Dense(2, dtype="float64", bias_regularizer=regularizers.l2(0.3))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))

    def loss():
        return model.loss(y, model._forward(x, True)) + model._regularization_loss()

    model._start_training()
    out = model._forward(x, True)
    model._backward(y, out)
    for layer in model.layers:
        layer.add_regularization_gradients()
    params = {f"{l.name}/{k}": p for l in model.layers for k, p in l.params.items()}
    grads = {f"{l.name}/{k}": l.grads[k].copy() for l in model.layers for k in l.params}
    report = check_gradients(loss, params, grads, eps=1e-5)
    assert report.ok, str(report)
