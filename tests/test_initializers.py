"""Initializers: the variances Keras states, fans for dense and conv kernels, seeds."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers as init


def test_fans():
    assert init.compute_fans((784, 512)) == (784, 512)
    assert init.compute_fans((3, 3, 16, 32)) == (144, 288)


@pytest.mark.parametrize("name,shape,var", [
    ("glorot_uniform", (300, 200), 2 / 500), ("glorot_normal", (300, 200), 2 / 500),
    ("he_uniform", (400, 100), 2 / 400), ("he_normal", (400, 100), 2 / 400),
    ("lecun_uniform", (400, 100), 1 / 400), ("lecun_normal", (400, 100), 1 / 400),
    ("normal", (300, 300), 0.05 ** 2), ("uniform", (300, 300), 0.1 ** 2 / 12),
])
def test_variance(name, shape, var):
    init.set_seed(1)
    w = init.get(name)(shape, "float64")
    assert w.shape == shape
    assert abs(w.mean()) < 0.02 * np.sqrt(var) * 10
    assert w.var() == pytest.approx(var, rel=0.05)


def test_uniform_limits_and_truncation():
    w = init.GlorotUniform(seed=0)((100, 50))
    limit = np.sqrt(6 / 150)
    assert w.dtype == np.float32 and np.abs(w).max() <= limit
    w = init.HeNormal(seed=0)((500, 100), "float64")
    stddev = np.sqrt(2 / 500) / 0.87962566103423978
    assert np.abs(w).max() <= 2 * stddev


def test_seeds():
    a = init.GlorotUniform(seed=3)((4, 4))
    b = init.GlorotUniform(seed=3)((4, 4))
    np.testing.assert_array_equal(a, b)
    init.set_seed(11)
    c = init.get("he_normal")((4, 4))
    init.set_seed(11)
    d = init.get("he_normal")((4, 4))
    np.testing.assert_array_equal(c, d)


def test_constants_and_errors():
    assert (init.get("ones")((2, 2)) == 1).all() and (init.get("zeros")((2,)) == 0).all()
    assert (init.Constant(0.5)((3,)) == 0.5).all()
    with pytest.raises(ValueError, match="known: .*glorot_uniform"):
        init.get("xavier")
    assert init.serialize(init.get("he_normal")) == "he_normal"
    again = init.get(init.serialize(init.RandomNormal(stddev=0.1, seed=2)))
    assert again.stddev == 0.1 and again.seed == 2
