"""Embedding: a lookup whose gradient is a scatter-add; mask_zero; integer ids only."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers
from pynet.gradient_check import check_gradients
from pynet.layers import Dense, Embedding, Flatten, using_backend
from pynet.sequential import Sequential


@pytest.fixture(autouse=True)
def _seeded():
    initializers.set_seed(3)


def test_lookup_is_a_one_hot_product():
    """E[x] equals one_hot(x) @ E: the lookup is a matrix product without the zeros."""
    layer = Embedding(6, 3)
    ids = np.array([[0, 5, 2], [2, 2, 1]])
    y = layer(ids)
    one_hot = np.eye(6)[ids]
    np.testing.assert_allclose(y, one_hot @ layer.params["embeddings"], rtol=1e-6)
    assert y.shape == (2, 3, 3) and layer.count_params() == 18
    assert np.abs(layer.params["embeddings"]).max() <= 0.05          # Keras's U(−0.05, 0.05)


def test_gradient_matches_central_differences(backend_name, kernels_of):
    kernels_of(backend_name, ["recurrent"])
    layer = Embedding(5, 2, dtype="float64")
    ids = np.array([[1, 1, 4], [0, 4, 1]])
    r = np.random.default_rng(0).normal(size=(2, 3, 2))
    with using_backend(backend_name):
        layer(ids)

        def loss():
            return float(np.sum(layer.forward(ids) * r))
        assert layer.backward(r) is None
        report = check_gradients(loss, layer.params, {k: g.copy() for k, g in layer.grads.items()})
    assert report.ok, str(report)
    np.testing.assert_array_equal(layer.grads["embeddings"][2], 0)    # id 2 never used


def test_mask_zero_marks_padding():
    layer = Embedding(10, 2, mask_zero=True)
    ids = np.array([[4, 2, 0, 0], [1, 0, 3, 0]])
    np.testing.assert_array_equal(layer.compute_mask(ids),
                                  [[True, True, False, False], [True, False, True, False]])
    assert Embedding(10, 2).compute_mask(ids) is None


def test_bad_ids_are_refused_with_value_and_position():
    layer = Embedding(5, 2, input_length=3)
    layer.build((3,))
    with pytest.raises(TypeError, match="must hold integers"):
        layer.forward(np.array([[1.0, 2.0, 3.0]]))
    with pytest.raises(ValueError, match=r"index 5 at position \(0, 2\) is outside \[0, 5\)"):
        layer.forward(np.array([[1, 2, 5]]))
    with pytest.raises(ValueError, match="'input_dim' must be a positive integer"):
        Embedding(0, 3)


def test_the_lecture_model_trains_on_integer_ids():
    """Embedding(50, 8, input_length=4) → Flatten → Dense(1, sigmoid): 400 + 33 parameters
    (the lecture's summary), fitted on integer ids that the model leaves integer."""
    model = Sequential([Embedding(50, 8, input_length=4), Flatten(), Dense(1, activation="sigmoid")])
    assert model.count_params() == 50 * 8 + 4 * 8 + 1
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    x = np.array([[1, 2, 0, 0], [3, 4, 0, 0], [5, 6, 7, 0], [8, 9, 0, 0]])
    y = np.array([1, 1, 0, 0])
    model.fit(x, y, epochs=100, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] == 1.0
    with pytest.raises(TypeError, match="takes integer ids"):
        model.predict(x.astype(np.float32))
