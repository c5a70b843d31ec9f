"""utils: to_categorical (re-exported), hold-out and K-fold splits, smooth_curve, seeds."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import utils
from pynet.datasets import mnist


def test_to_categorical_is_the_datasets_one():
    assert utils.to_categorical is mnist.to_categorical
    np.testing.assert_array_equal(utils.to_categorical(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


def test_holdout_split():
    x, y = np.arange(10), np.arange(10) * 10
    (xt, yt), (xv, yv) = utils.holdout_split(x, y, validation_fraction=0.3, seed=0)
    assert len(xt) == 7 and len(xv) == 3
    np.testing.assert_array_equal(yt, xt * 10)
    assert sorted(np.concatenate([xt, xv]).tolist()) == list(range(10))
    xt2, xv2 = utils.holdout_split(x, validation_fraction=0.2, shuffle=False)
    np.testing.assert_array_equal(xv2, [8, 9])
    with pytest.raises(ValueError, match="10 samples but y has 9"):
        utils.holdout_split(x, y[:9])


def test_kfold_each_sample_validated_once():
    folds = utils.kfold_splits(10, k=4, shuffle=True, seed=1)
    assert len(folds) == 4
    seen = np.concatenate([v for _, v in folds])
    assert sorted(seen.tolist()) == list(range(10))
    for train, val in folds:
        assert not set(train) & set(val) and len(train) + len(val) == 10
    with pytest.raises(ValueError, match="k must be an int >= 2"):
        utils.kfold_splits(10, k=1)


def test_smooth_curve():
    assert utils.smooth_curve([1.0, 2.0, 3.0], 0.5) == [1.0, 1.5, 2.25]
    with pytest.raises(ValueError):
        utils.smooth_curve([1.0], 1.0)


def test_set_seed_makes_models_repeatable():
    from pynet.layers import Dense
    utils.set_seed(5)
    a = Dense(3)
    a.build((4,))
    utils.set_seed(5)
    b = Dense(3)
    b.build((4,))
    np.testing.assert_array_equal(a.params["kernel"], b.params["kernel"])
