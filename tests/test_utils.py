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
    with pytest.raises(ValueError, match="'k' must be an integer >= 2"):
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


# -- labels as a column, K-fold and iterated K-fold --------------------------------------------

def test_to_categorical_accepts_a_column_of_labels_as_keras_does():
    column = np.array([[2], [0], [1]])                 # CIFAR-10 and CSV labels come as (n, 1)
    np.testing.assert_array_equal(utils.to_categorical(column, 3),
                                  utils.to_categorical(np.array([2, 0, 1]), 3))
    assert utils.to_categorical(column).shape == (3, 3)


def test_to_categorical_refuses_a_second_dimension_other_than_1():
    one_hot = np.eye(3, dtype=int)
    with pytest.raises(ValueError, match=r"got shape \(3, 3\); a column \(N, 1\) is accepted too, but a second dimension of 3"):
        utils.to_categorical(one_hot)


def test_kfold_as_in_chollet_listing_3_27():
    # 404 samples, k = 4: the folds are the consecutive blocks [0, 101), [101, 202), ...
    folds = utils.kfold_splits(404, k=4)
    for i, (train, val) in enumerate(folds):
        np.testing.assert_array_equal(val, np.arange(i * 101, (i + 1) * 101))
        np.testing.assert_array_equal(
            train, np.concatenate([np.arange(0, i * 101), np.arange((i + 1) * 101, 404)]))


@pytest.mark.parametrize("k, n, message", [(1, 10, "'k' must be an integer >= 2"),
                                           (11, 10, "10 samples cannot make 11 folds"),
                                           (2.0, 10, "'k' must be an integer >= 2")])
def test_kfold_refuses_k_below_2_or_above_n(k, n, message):
    with pytest.raises(ValueError, match=message):
        utils.kfold_splits(n, k=k)
    with pytest.raises(ValueError, match=message):
        utils.iterated_kfold_splits(n, k=k, repeats=2)


def test_kfold_with_k_equal_to_n_is_leave_one_out():
    folds = utils.kfold_splits(5, k=5)
    assert [v.tolist() for _, v in folds] == [[0], [1], [2], [3], [4]]


def test_iterated_kfold_reshuffles_each_repeat():
    runs = utils.iterated_kfold_splits(12, k=3, repeats=4, seed=7)
    assert len(runs) == 4 and all(len(folds) == 3 for folds in runs)
    for folds in runs:   # within a repetition, every sample is validated exactly once
        assert sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(12))
    firsts = {tuple(folds[0][1].tolist()) for folds in runs}
    assert len(firsts) > 1                                  # the shuffles differ
    again = utils.iterated_kfold_splits(12, k=3, repeats=4, seed=7)
    assert all(np.array_equal(a[1], b[1]) for r, s in zip(runs, again) for a, b in zip(r, s))
    with pytest.raises(ValueError, match="'repeats' must be a positive integer"):
        utils.iterated_kfold_splits(12, k=3, repeats=0)


def _linear_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")) + 0.1
    return x, y


def _build():
    from pynet.layers import Dense
    from pynet.sequential import Sequential

    model = Sequential([Dense(8, activation="relu", input_shape=(3,)), Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    return model


def test_cross_validate_keeps_every_folds_history_and_score():
    x, y = _linear_problem()
    cv = utils.cross_validate(_build, x, y, k=4, epochs=3, batch_size=8, seed=1)
    assert len(cv.folds) == 4 and [f.index for f in cv.folds] == [0, 1, 2, 3]
    assert cv.curves("val_mae").shape == (4, 3)
    # the average curve is the mean over folds of each epoch's value (Chollet's average_mae_history)
    np.testing.assert_allclose(cv.average_curve("val_mae"),
                               [np.mean([f.history["val_mae"][e] for f in cv.folds]) for e in range(3)])
    # the score of a fold is evaluate() on its validation part after training: the last epoch's value
    for fold in cv.folds:
        assert fold.scores["mae"] == pytest.approx(fold.history["val_mae"][-1], rel=1e-5)
    assert cv.mean("mae") == pytest.approx(cv.scores("mae").mean())
    with pytest.raises(KeyError, match="no score 'accuracy'"):
        cv.scores("accuracy")
    with pytest.raises(KeyError, match="no history entry 'val_acc'"):
        cv.curves("val_acc")


def test_cross_validate_is_repeatable_with_a_seed_and_iterates_with_shuffling():
    x, y = _linear_problem()
    a = utils.cross_validate(_build, x, y, k=2, epochs=2, batch_size=8, seed=3)
    b = utils.cross_validate(_build, x, y, k=2, epochs=2, batch_size=8, seed=3)
    np.testing.assert_array_equal(a.scores("mae"), b.scores("mae"))
    it = utils.cross_validate(_build, x, y, k=2, repeats=3, epochs=1, batch_size=8, seed=3)
    assert len(it.folds) == 6 and [f.repeat for f in it.folds] == [0, 0, 1, 1, 2, 2]
    assert len({tuple(f.val_idx.tolist()) for f in it.folds}) > 2   # reshuffled per repetition


def test_cross_validate_prepare_sees_each_folds_parts():
    x, y = _linear_problem()
    seen = []

    def prepare(x_train, x_val):
        seen.append((len(x_train), len(x_val)))
        mean, std = x_train.mean(0), x_train.std(0)
        return (x_train - mean) / std, (x_val - mean) / std

    utils.cross_validate(_build, x, y, k=4, epochs=1, prepare=prepare, seed=0)
    assert seen == [(30, 10)] * 4


def test_cross_validate_bad_input():
    x, y = _linear_problem()
    with pytest.raises(ValueError, match="k must be <= the number of samples"):
        utils.cross_validate(_build, x[:3], y[:3], k=4)
    with pytest.raises(ValueError, match="40 samples but y has 39"):
        utils.cross_validate(_build, x, y[:39])
    with pytest.raises(TypeError, match="build_model must be a callable"):
        utils.cross_validate(_build(), x, y)
