"""The training loop's bookkeeping that the mutation run (tools/mutate.py) found untested.

Each test names the planted bug it kills. Worked with plain SGD, batch size 1 and a linear
model, where the order of the samples changes the result: w ← w − η·(w·x − y)·x after each one.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from pynet import optimizers
from pynet.layers.core import Dense
from pynet.sequential import Sequential

X = np.array([[1.0], [2.0], [-1.0], [3.0], [0.5], [-2.0]], dtype=np.float64)
Y = np.array([[2.0], [1.0], [0.0], [4.0], [-1.0], [1.0]], dtype=np.float64)
LR = 0.1


def _model():
    model = Sequential([Dense(1, use_bias=False, input_shape=(1,), dtype="float64",
                              kernel_initializer="zeros")])
    model.compile(optimizer=optimizers.SGD(learning_rate=LR), loss="mse")
    return model


def _sgd_by_hand(order):
    """w after one epoch of per-sample SGD on the MSE (dL/dw = 2·(w·x − y)·x), starting at 0."""
    w = 0.0
    for i in order:
        x, y = X[i, 0], Y[i, 0]
        w -= LR * 2.0 * (w * x - y) * x
    return w


def test_without_shuffle_the_samples_are_taken_in_order():
    model = _model()
    model.fit(X, Y, batch_size=1, epochs=1, shuffle=False, verbose=0)
    # by hand: 0.4, 0.48, 0.384, 0.1536 ... — the order 0, 1, 2, ... as given
    assert model.get_weights()[0][0, 0] == pytest.approx(_sgd_by_hand(range(6)), abs=1e-12)


def test_shuffle_changes_the_order_and_a_seed_repeats_it():
    # kills `order is None` -> `order is not None` in fit(): shuffled batches taken in order
    in_order = _sgd_by_hand(range(6))
    results = []
    for _ in range(2):
        model = _model()
        model.fit(X, Y, batch_size=1, epochs=1, shuffle=True, seed=3, verbose=0)
        results.append(model.get_weights()[0][0, 0])
    assert results[0] == results[1]                       # the same seed, the same order
    assert results[0] != in_order                         # ... which is not the given one
    assert any(abs(results[0] - _sgd_by_hand(p)) < 1e-12                  # some permutation
               for p in itertools.permutations(range(6)))


def test_fit_leaves_its_history_on_the_model():
    # kills dropping `self.history = history` in fit()
    model = _model()
    returned = model.fit(X, Y, batch_size=2, epochs=3, verbose=0)
    assert model.history is returned
    assert returned.epoch == [0, 1, 2] and len(returned.history["loss"]) == 3


def test_evaluate_on_no_samples_is_zero_not_nan():
    # kills `sums / max(n, 1)` -> `sums / max(n, 0)` in _evaluate_arrays: 0/0 would be NaN
    model = _model()
    with np.errstate(all="raise"):                        # no silent division by zero either
        loss = model.evaluate(X[:0], Y[:0], verbose=0)
    assert loss == 0.0
