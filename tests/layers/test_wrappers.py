"""Bidirectional and TimeDistributed: Keras's outputs, weight order, gradients."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers
from pynet.layers import GRU, LSTM, Bidirectional, Dense, SimpleRNN, TimeDistributed, using_backend
from pynet.sequential import Sequential
from tests.layers.test_recurrent import _grad_check, _keras, _outputs, _ragged_mask


@pytest.fixture(autouse=True)
def _seeded():
    initializers.set_seed(5)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_equals_keras(merge_mode, return_sequences):
    keras = _keras()
    x = np.random.default_rng(0).normal(size=(3, 5, 4)).astype(np.float32)
    mask = _ragged_mask(3, 5)
    kl = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=return_sequences),
                                    merge_mode=merge_mode)
    kout = kl(x, mask=keras.ops.convert_to_tensor(mask))
    ours = Bidirectional(GRU(3, return_sequences=return_sequences), merge_mode=merge_mode)
    ours.build((5, 4))
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in kl.get_weights()]
    ours.set_weights(kl.get_weights())
    for k, p in zip(_outputs(kout), _outputs(ours.forward(x, mask=mask))):
        np.testing.assert_allclose(p, keras.ops.convert_to_numpy(k), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
def test_bidirectional_gradients(merge_mode, backend_name, kernels_of):
    kernels_of(backend_name, ["recurrent"])
    layer = Bidirectional(LSTM(2, return_sequences=True, dtype="float64"), merge_mode=merge_mode)
    layer.build((4, 3))
    assert list(layer.params)[:3] == ["forward_kernel", "forward_recurrent_kernel", "forward_bias"]
    with using_backend(backend_name):
        _grad_check(layer, np.random.default_rng(1).normal(size=(2, 4, 3)), _ragged_mask(3, 4)[:2])


def test_bidirectional_in_a_model_counts_twice_the_parameters():
    model = Sequential([Bidirectional(SimpleRNN(4), input_shape=(6, 2)), Dense(1)])
    assert model.layers[0].output_shape == (8,)
    assert model.count_params() == 2 * 4 * (2 + 4 + 1) + 9
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((4, 6, 2), np.float32), np.zeros((4, 1), np.float32), epochs=1, verbose=0)


def test_bidirectional_refuses_non_recurrent_layers():
    with pytest.raises(TypeError, match="recurrent layer instance"):
        Bidirectional(Dense(3))
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        Bidirectional(LSTM(2), merge_mode="max")


def test_time_distributed_dense_is_dense_on_every_step(backend_name, kernels_of):
    kernels_of(backend_name, ["recurrent"])
    x = np.random.default_rng(2).normal(size=(3, 5, 4))
    layer = TimeDistributed(Dense(2, activation="tanh", dtype="float64"))
    layer.build((5, 4))
    assert layer.output_shape == (5, 2) and list(layer.params) == ["kernel", "bias"]
    y = layer.forward(x)
    np.testing.assert_allclose(y[:, 3], layer.layer.forward(x[:, 3]), rtol=1e-12)
    with using_backend(backend_name):
        _grad_check(layer, x)


def test_a_model_of_every_sequence_layer_saves_and_loads(tmp_path):
    """Embedding(mask_zero) → Bidirectional(GRU) → TimeDistributed(Dense) → LSTM → Dense:
    the configs (orthogonal initializer, wrapped layers) and weights round-trip exactly."""
    from pynet.sequential import load_model
    from pynet.layers import Embedding

    model = Sequential([Embedding(20, 4, input_length=5, mask_zero=True),
                        Bidirectional(GRU(3, return_sequences=True)), TimeDistributed(Dense(2)),
                        LSTM(3), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 20, size=(6, 5)), rng.random((6, 1))
    model.fit(x, y, epochs=1, verbose=0, seed=0)
    json_path, _ = model.save(tmp_path / "seq")
    again = load_model(json_path)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert again.count_params() == model.count_params() == 80 + 2 * 3 * 3 * (4 + 3 + 2) + 14 + 72 + 4
