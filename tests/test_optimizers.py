"""Optimizers: updates follow the written formulas step by step, on both backends; Keras's
names, defaults, the old ``lr`` argument, decay, state save/restore and clear errors."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import optimizers


def run(opt, kernels, steps=3, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.standard_normal((3, 2))
    grads = [rng.standard_normal((3, 2)) for _ in range(steps)]
    for g in grads:
        opt.apply_gradients([("w", p, g)], kernels)
    return p, grads


def start(seed=0):
    return np.random.default_rng(seed).standard_normal((3, 2))


@pytest.fixture
def kern(backend_name, kernels_of):
    return kernels_of(backend_name, ["dense"])


def test_sgd_plain_and_decay(kern):
    p, grads = run(optimizers.SGD(learning_rate=0.1, decay=0.5), kern)
    w = start()
    for t, g in enumerate(grads):
        w = w - 0.1 / (1 + 0.5 * t) * g
    np.testing.assert_allclose(p, w, rtol=1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum(kern, nesterov):
    p, grads = run(optimizers.SGD(lr=0.05, momentum=0.9, nesterov=nesterov), kern)
    w, v = start(), 0.0
    for g in grads:
        v = 0.9 * v - 0.05 * g
        w = w + (0.9 * v - 0.05 * g if nesterov else v)
    np.testing.assert_allclose(p, w, rtol=1e-12)


def test_rmsprop(kern):
    p, grads = run(optimizers.RMSprop(), kern)
    w, s = start(), 0.0
    for g in grads:
        s = 0.9 * s + 0.1 * g * g
        w = w - 0.001 * g / (np.sqrt(s) + 1e-7)
    np.testing.assert_allclose(p, w, rtol=1e-12)


def test_adam_bias_correction(kern):
    p, grads = run(optimizers.Adam(learning_rate=0.01), kern)
    w, m, v = start(), 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(p, w, rtol=1e-12)


def test_adagrad(kern):
    p, grads = run(optimizers.Adagrad(learning_rate=0.1), kern)
    w, a = start(), 0.1
    for g in grads:
        a = a + g * g
        w = w - 0.1 * g / (np.sqrt(a) + 1e-7)
    np.testing.assert_allclose(p, w, rtol=1e-12)


def test_keras_defaults_and_names():
    assert optimizers.get("sgd").learning_rate == 0.01
    assert optimizers.get("RMSprop").learning_rate == 0.001
    assert optimizers.get("adam").beta_2 == 0.999
    opt = optimizers.RMSprop(lr=1e-4)
    assert opt.learning_rate == 1e-4 and opt.lr == 1e-4
    opt.lr = 2e-4
    assert opt.learning_rate == 2e-4
    same = optimizers.SGD(0.1)
    assert optimizers.get(same) is same


def test_bad_arguments():
    with pytest.raises(ValueError, match="known optimizers: adagrad, adam, rmsprop, sgd"):
        optimizers.get("adamw")
    with pytest.raises(TypeError, match="not both"):
        optimizers.SGD(learning_rate=0.1, lr=0.2)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.Adam(learning_rate=-1)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = float("nan")


def test_state_round_trip_resumes_exactly(kern):
    a = optimizers.Adam(0.01)
    p, _ = run(a, kern, steps=2)
    b = optimizers.get(optimizers.serialize(a))
    b.set_state({k: v.copy() for k, v in a.get_state().items()})
    g = np.ones((3, 2))
    q = p.copy()
    a.apply_gradients([("w", p, g)], kern)
    b.apply_gradients([("w", q, g)], kern)
    np.testing.assert_array_equal(p, q)
    assert b.iterations == 3


# -- gradient clipping (Chollet's GAN: RMSprop(lr=0.0008, clipvalue=1.0, decay=1e-8)) ----------

def test_clipvalue_clips_each_element_before_the_update(kern):
    opt = optimizers.SGD(learning_rate=0.1, clipvalue=1.0)
    p = np.zeros(4)
    g = np.array([-3.0, -0.5, 0.25, 7.0])
    opt.apply_gradients([("w", p, g)], kern)
    # w ← w − η·clip(g, −1, 1) = −0.1·[−1, −0.5, 0.25, 1]
    np.testing.assert_allclose(p, [0.1, 0.05, -0.025, -0.1], rtol=1e-12)
    np.testing.assert_array_equal(g, [-3.0, -0.5, 0.25, 7.0])   # the layer's gradient is kept


def test_clipnorm_rescales_a_long_gradient_only(kern):
    opt = optimizers.SGD(learning_rate=1.0, clipnorm=1.0)
    p, q = np.zeros(2), np.zeros(2)
    opt.apply_gradients([("p", p, np.array([3.0, 4.0])),      # norm 5 → [0.6, 0.8]
                         ("q", q, np.array([0.3, 0.4]))], kern)  # norm 0.5: unchanged
    np.testing.assert_allclose(p, [-0.6, -0.8], rtol=1e-12)
    np.testing.assert_allclose(q, [-0.3, -0.4], rtol=1e-12)


def test_rmsprop_with_the_gans_clipping_and_decay(kern):
    opt = optimizers.RMSprop(lr=0.0008, clipvalue=1.0, decay=1e-8)
    p, grads = run(opt, kern)
    w, s = start(), 0.0
    for t, g in enumerate(grads):
        g = np.clip(g, -1.0, 1.0)
        lr = 0.0008 / (1 + 1e-8 * t)          # Keras 2: η / (1 + decay · iterations)
        s = 0.9 * s + 0.1 * g * g
        w = w - lr * g / (np.sqrt(s) + 1e-7)
    np.testing.assert_allclose(p, w, rtol=1e-12)
    assert opt.get_config()["clipvalue"] == 1.0 and "clipnorm" not in opt.get_config()
    again = optimizers.get(optimizers.serialize(opt))
    assert again.clipvalue == 1.0 and again.decay == 1e-8


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam, optimizers.Adagrad])
def test_every_optimizer_takes_clipping_arguments(cls):
    opt = cls(clipnorm=2.0, clipvalue=0.5)
    g = np.array([10.0, 0.0], dtype=np.float32)
    c = opt.clipped(g)                        # norm 10 → [2, 0], then clipped to [0.5, 0]
    np.testing.assert_allclose(c, [0.5, 0.0])
    assert c.dtype == np.float32


@pytest.mark.parametrize("name", ["clipvalue", "clipnorm"])
@pytest.mark.parametrize("value", [0.0, -1.0, float("nan")])
def test_bad_clipping_is_refused_by_name(name, value):
    with pytest.raises(ValueError, match=name):
        optimizers.RMSprop(**{name: value})
