"""Losses: values worked by hand, finite-difference gradients (plain and fused with the
output activation), stability at p = 0 and 1, and target checks with helpful messages."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, softmax

from pynet import losses
from pynet.gradient_check import check_gradients


def test_values_by_hand():
    y = np.array([[0.0, 1.0, 0.0]])
    p = np.array([[0.2, 0.7, 0.1]])
    # categorical: −ln 0.7 = 0.35667...
    assert losses.get("categorical_crossentropy")(y, p) == pytest.approx(-np.log(0.7))
    assert losses.get("sparse_categorical_crossentropy")(np.array([1]), p) == pytest.approx(-np.log(0.7))
    # mse: (0.04 + 0.09 + 0.01) / 3
    assert losses.get("mse")(y, p) == pytest.approx(0.14 / 3)
    assert losses.get("mae")(y, p) == pytest.approx(0.6 / 3)
    yb, pb = np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]])
    assert losses.get("binary_crossentropy")(yb, pb) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)


def test_stable_at_certain_wrong_answers():
    y = np.array([[1.0, 0.0]])
    p = np.array([[0.0, 1.0]])
    for name in ("categorical_crossentropy", "binary_crossentropy"):
        value = losses.get(name)(y, p)
        assert np.isfinite(value) and value > 10  # −ln(1e-7) ≈ 16.1
        assert np.isfinite(losses.get(name).gradient(y, p)).all()


def _check(loss_value, p, analytic):
    # eps 1e-5: tiny gradient entries (p ≈ 1e-4) would otherwise drown in rounding noise
    report = check_gradients(loss_value, {"p": p}, {"p": analytic}, eps=1e-5)
    assert report.ok, str(report)


@pytest.mark.parametrize("name", ["mse", "mae", "binary_crossentropy", "categorical_crossentropy"])
def test_gradient_wrt_output(rng, name):
    loss = losses.get(name)
    p = rng.uniform(0.05, 0.95, (4, 3))
    y = rng.uniform(0, 1, (4, 3)) if name != "categorical_crossentropy" else np.eye(3)[[0, 2, 1, 1]]
    if name == "mae":
        p = y + rng.choice([-1, 1], p.shape) * rng.uniform(0.05, 0.3, p.shape)
    _check(lambda: loss(y, p), p, loss.gradient(y, p))


def test_sparse_gradient_wrt_output(rng):
    loss = losses.get("sparse_categorical_crossentropy")
    p = rng.uniform(0.05, 0.95, (5, 4))
    y = np.array([0, 3, 1, 1, 2])
    _check(lambda: loss(y, p), p, loss.gradient(y, p))


@pytest.mark.parametrize("name,labels", [("categorical_crossentropy", False),
                                         ("sparse_categorical_crossentropy", True)])
def test_fused_softmax_gradient_is_p_minus_y(rng, name, labels):
    loss = losses.get(name)
    z = rng.standard_normal((5, 4)) * 3
    ids = np.array([0, 3, 1, 1, 2])
    y = ids if labels else np.eye(4)[ids]
    analytic = loss.gradient_logits(y, softmax(z, axis=1))
    _check(lambda: loss(y, softmax(z, axis=1)), z, analytic)
    np.testing.assert_allclose(analytic, (softmax(z, axis=1) - np.eye(4)[ids]) / 5, rtol=1e-12)


def test_fused_softmax_with_soft_labels(rng):
    loss = losses.get("categorical_crossentropy")
    z = rng.standard_normal((3, 4))
    y = rng.dirichlet(np.ones(4), 3)
    _check(lambda: loss(y, softmax(z, axis=1)), z, loss.gradient_logits(y, softmax(z, axis=1)))


def test_fused_sigmoid_binary_crossentropy(rng):
    loss = losses.get("binary_crossentropy")
    z = rng.standard_normal((6, 2)) * 2
    y = rng.integers(0, 2, (6, 2)).astype(float)
    _check(lambda: loss(y, expit(z)), z, loss.gradient_logits(y, expit(z)))


def test_names_functions_and_unknown():
    assert isinstance(losses.get("mean_squared_error"), losses.MeanSquaredError)
    assert isinstance(losses.get(losses.binary_crossentropy), losses.BinaryCrossentropy)
    np.testing.assert_allclose(losses.mse(np.zeros((2, 2)), np.ones((2, 2))), [1.0, 1.0])
    with pytest.raises(ValueError, match="known losses: .*categorical_crossentropy"):
        losses.get("cross_entropy")


def test_target_checks():
    cce = losses.get("categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy.*to_categorical"):
        cce.check_targets(np.array([1, 2, 3]), (10,))
    with pytest.raises(ValueError, match="10 units but y has 5 columns"):
        cce.check_targets(np.zeros((3, 5)), (10,))
    scce = losses.get("sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="looks one-hot"):
        scce.check_targets(np.eye(10)[:3], (10,))
    with pytest.raises(ValueError, match=r"\[0, 9\].*max=10"):
        scce.check_targets(np.array([0, 10]), (10,))
    with pytest.raises(ValueError, match="whole-number"):
        scce.check_targets(np.array([0.5, 1.0]), (10,))
    assert scce.check_targets(np.array([[1], [2]]), (10,)).shape == (2,)
    bce = losses.get("binary_crossentropy")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bce.check_targets(np.array([0.0, 2.0]), (1,))
    assert bce.check_targets(np.array([0, 1]), (1,)).shape == (2, 1)


def test_binary_crossentropy_takes_the_gans_noisy_labels_but_not_class_ids():
    # Chollet listing 8.32: labels of 1 get + 0.05·U[0, 1), so targets reach 1.05
    loss = losses.get("binary_crossentropy")
    y = np.array([[1.049], [0.0]])
    assert np.isfinite(loss(y, np.array([[0.9], [0.2]])))
    assert loss.check_targets(y, (1,)) is not None
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        loss.check_targets(np.array([[2.0], [0.0]]), (1,))
    with pytest.raises(ValueError, match="min=-0.5"):
        loss.check_targets(np.array([[-0.5]]), (1,))


def test_the_fast_mean_is_numpys_mean_bit_for_bit():
    """The losses average with ``np.add.reduce`` / count instead of ``np.mean`` (a per-sample
    training step computes several means): the same sum and the same division, so the same
    bits, for whole-array and last-axis means; anything else is handed to ``np.mean``."""
    rng = np.random.default_rng(3)
    for shape in [(1,), (1, 1), (7,), (3, 5), (1000, 37), (2, 3, 4)]:
        for _ in range(10):
            a = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 8)
            whole, ours = np.mean(a), losses._mean(a)
            assert ours == whole and type(ours) is type(whole)
            np.testing.assert_array_equal(losses._mean(a, axis=-1), np.mean(a, axis=-1))
    f32 = rng.standard_normal((4, 3)).astype(np.float32)        # not float64: np.mean itself
    assert losses._mean(f32) == np.mean(f32) and losses._mean(f32).dtype == np.float32
    with pytest.warns(RuntimeWarning):                           # empty: np.mean's warning
        assert np.isnan(losses._mean(np.zeros(0)))
