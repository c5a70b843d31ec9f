"""SimpleRNN, LSTM, GRU: Keras's outputs with Keras's weights, finite-difference gradients in
every mode on both backends, Keras's parameter counts, stateful carry, and clear errors."""
from __future__ import annotations

import os

import numpy as np
import pytest

from pynet import initializers
from pynet.gradient_check import check_gradients, numerical_gradient, relative_error
from pynet.layers import GRU, LSTM, Dense, Embedding, SimpleRNN, using_backend
from pynet.sequential import Sequential
from tests.conftest import unavailable

LAYERS = {
    "simple_rnn": (SimpleRNN, {}),
    "lstm": (LSTM, {}),
    "gru": (GRU, {}),
    "gru_reset_before": (GRU, {"reset_after": False}),
}
MODES = {
    "last": {},
    "sequences": {"return_sequences": True},
    "backwards": {"return_sequences": True, "go_backwards": True},
    "state": {"return_state": True},
    "state_sequences_backwards": {"return_state": True, "return_sequences": True,
                                  "go_backwards": True},
}


@pytest.fixture(autouse=True)
def _seeded_initializers():
    initializers.set_seed(11)


def _ragged_mask(b, t):
    """Post-padding of different lengths plus one hole in the middle."""
    m = np.ones((b, t), dtype=bool)
    m[1, t - 2:] = False
    m[2, t - 1] = False
    m[0, 1] = False
    return m


def _outputs(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


# -- Keras parity -------------------------------------------------------------------------------

def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except Exception as exc:                       # noqa: BLE001 - any import failure
        unavailable(f"Keras 3 is not importable ({exc})")
    if keras.backend.backend() != "torch":
        unavailable(f"Keras uses the {keras.backend.backend()} backend, the test expects torch")
    return keras


@pytest.mark.parametrize("masked", [False, True], ids=["no_mask", "ragged_mask"])
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("kind", list(LAYERS))
def test_outputs_equal_keras_with_the_same_weights(kind, mode, masked):
    """Keras 3's layer makes its own random weights; ``set_weights(keras.get_weights())``
    moves them unchanged (same shapes, same gate order), and every output agrees."""
    keras = _keras()
    cls, kw = LAYERS[kind]
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 6, 4)).astype(np.float32)
    mask = _ragged_mask(3, 6) if masked else None
    klayer = getattr(keras.layers, cls.__name__)(5, **kw, **MODES[mode])
    kout = klayer(x, mask=None if mask is None else keras.ops.convert_to_tensor(mask))
    ours = cls(5, **kw, **MODES[mode])
    ours.build((6, 4))
    ours.set_weights(klayer.get_weights())
    assert ours.count_params() == klayer.count_params()
    pout = ours.forward(x, mask=mask)
    kout, pout = _outputs(kout), _outputs(pout)
    assert len(kout) == len(pout)
    for k, p in zip(kout, pout):
        np.testing.assert_allclose(p, keras.ops.convert_to_numpy(k), rtol=1e-5, atol=1e-6)


def test_embedding_lstm_stack_equals_keras_with_mask_zero():
    keras = _keras()
    ids = np.array([[3, 7, 2, 0, 0], [5, 1, 1, 9, 4]])
    kmodel = keras.Sequential([keras.Input((5,), dtype="int32"),
                               keras.layers.Embedding(10, 4, mask_zero=True),
                               keras.layers.LSTM(3), keras.layers.Dense(1)])
    ours = Sequential([Embedding(10, 4, mask_zero=True, input_length=5), LSTM(3), Dense(1)])
    ours.set_weights(kmodel.get_weights())
    np.testing.assert_allclose(ours.predict(ids), keras.ops.convert_to_numpy(kmodel(ids)),
                               rtol=1e-5, atol=1e-6)


# -- parameter counts (Keras's arithmetic) ------------------------------------------------------

@pytest.mark.parametrize("layer,expected", [
    (SimpleRNN(32), 32 * (32 + 32 + 1)),                 # Chollet 6.2: Embedding(·, 32) → SimpleRNN(32): 2,080
    (LSTM(100), 4 * 100 * (32 + 100 + 1)),               # lecture C24: 53,200
    (GRU(32), 3 * 32 * (32 + 32 + 2)),                   # Keras 3: two bias rows
    (GRU(32, reset_after=False), 3 * 32 * (32 + 32 + 1)),  # Keras 2 / the book
])
def test_parameter_counts(layer, expected):
    layer.build((10, 32))
    assert layer.count_params() == expected


def test_airline_lstm_has_96_parameters_and_forget_bias_one():
    """LSTM(4) on one feature (lecture C23): 4·4·(1 + 4 + 1) = 96 weights; unit_forget_bias
    starts the forget block of the bias (units 4..7) at 1, the others at 0."""
    layer = LSTM(4)
    layer.build((1, 1))
    assert layer.count_params() == 96
    np.testing.assert_array_equal(layer.params["bias"], [0] * 4 + [1] * 4 + [0] * 8)
    u = layer.params["recurrent_kernel"][:, :4]        # orthogonal blocks? the whole (4, 16)
    full = layer.params["recurrent_kernel"]
    np.testing.assert_allclose(full @ full.T, np.eye(4), atol=1e-5)   # orthonormal rows
    assert u.shape == (4, 4)


# -- gradients ---------------------------------------------------------------------------------

def _grad_check(layer, x, mask=None, *, reset=None, training=False):
    """L = Σ_outputs Σ y ⊙ R; every parameter and dL/dx against central differences."""
    rng = np.random.default_rng(5)

    def run():
        if reset is not None:
            reset()
        kw = {} if mask is None else {"mask": mask}
        return _outputs(layer.forward(x, training=training, **kw))

    rs = [rng.normal(size=y.shape) for y in run()]

    def loss():
        return float(sum(np.sum(y * r) for y, r in zip(run(), rs)))

    run()
    dx = layer.backward(rs if len(rs) > 1 else rs[0])
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    # elementwise relative error below 1e-5: round-off on the smallest entries of sums over
    # steps stays near 1e-7..1e-6, a wrong gradient is off by 1e-2 or more
    report = check_gradients(loss, layer.params, analytic, tolerance=1e-5)
    assert report.ok, str(report)
    num_dx = numerical_gradient(loss, x)
    assert relative_error(dx, num_dx).max() < 1e-5
    return dx


@pytest.mark.parametrize("masked", [False, True], ids=["no_mask", "ragged_mask"])
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("kind", list(LAYERS))
def test_gradients_match_central_differences(kind, mode, masked, backend_name, kernels_of):
    kernels_of(backend_name, ["recurrent"])
    cls, kw = LAYERS[kind]
    x = np.random.default_rng(1).normal(size=(3, 4, 2))
    layer = cls(3, dtype="float64", **kw, **MODES[mode])
    layer.build((4, 2))
    with using_backend(backend_name):
        _grad_check(layer, x, _ragged_mask(3, 4) if masked else None)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_gradients_with_dropout_and_recurrent_dropout(kind, backend_name, kernels_of):
    """With a fixed seed the masks are the same in every forward pass of the check."""
    kernels_of(backend_name, ["recurrent"])
    cls, kw = LAYERS[kind]
    layer = cls(3, dtype="float64", dropout=0.3, recurrent_dropout=0.4, seed=2,
                return_sequences=True, **kw)
    layer.build((4, 2))
    x = np.random.default_rng(2).normal(size=(3, 4, 2))

    def reseed():
        layer._own_rng = np.random.default_rng(2)

    with using_backend(backend_name):
        _grad_check(layer, x, reset=reseed, training=True)
        reseed()
        y_train = layer.forward(x, training=True)
        y_test = layer.forward(x, training=False)
    assert not np.allclose(y_train, y_test)          # the masks did something


@pytest.mark.parametrize("kind", list(LAYERS))
def test_gradients_with_a_carried_stateful_state(kind, backend_name, kernels_of):
    kernels_of(backend_name, ["recurrent"])
    cls, kw = LAYERS[kind]
    layer = cls(3, dtype="float64", stateful=True, batch_input_shape=(2, 3, 2), **kw)
    layer.build((3, 2))
    rng = np.random.default_rng(4)
    with using_backend(backend_name):
        layer.forward(rng.normal(size=(2, 3, 2)))
        carried = [s.copy() for s in layer.states]
        assert np.abs(carried[0]).max() > 0
        _grad_check(layer, rng.normal(size=(2, 3, 2)), reset=lambda: layer.reset_states(carried))


def test_use_bias_false_and_other_activations(backend_name, kernels_of):
    kernels_of(backend_name, ["recurrent"])
    layer = LSTM(3, use_bias=False, activation="relu", recurrent_activation="hard_sigmoid",
                 dtype="float64", return_sequences=True)
    layer.build((4, 2))
    assert list(layer.params) == ["kernel", "recurrent_kernel"]
    with using_backend(backend_name):
        _grad_check(layer, np.random.default_rng(6).normal(size=(2, 4, 2)))


# -- stateful behaviour --------------------------------------------------------------------------

def test_stateful_carries_the_state_and_reset_states_forgets_it():
    """Two halves of a sequence fed to a stateful layer give the whole sequence's output."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    whole = LSTM(4, return_sequences=True)
    whole.build((6, 3))
    halves = LSTM(4, return_sequences=True, stateful=True, batch_size=2)
    halves.build((3, 3))
    halves.set_weights(whole.get_weights())
    y = whole.forward(x)
    y1 = halves.forward(x[:, :3])
    y2 = halves.forward(x[:, 3:])
    np.testing.assert_allclose(np.concatenate([y1, y2], axis=1), y, rtol=1e-5, atol=1e-6)
    halves.reset_states()
    np.testing.assert_allclose(halves.forward(x[:, :3]), y[:, :3], rtol=1e-5, atol=1e-6)


def test_stateful_layer_refuses_another_batch_size_and_keeps_its_state():
    layer = GRU(2, stateful=True, batch_input_shape=(4, 3, 1))
    layer.build((3, 1))
    layer.forward(np.ones((4, 3, 1), np.float32))
    before = [s.copy() for s in layer.states]
    with pytest.raises(ValueError, match="stateful with batch size 4.*got a batch of 3"):
        layer.forward(np.ones((3, 3, 1), np.float32))
    np.testing.assert_array_equal(layer.states[0], before[0])
    with pytest.raises(RuntimeError, match="needs stateful=True"):
        GRU(2).reset_states()


# -- bad input ---------------------------------------------------------------------------------

def test_bad_input_gets_clear_errors_before_anything_changes():
    layer = LSTM(3)
    layer.build((5, 2))
    w = layer.get_weights()
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, timesteps, features\) "
                                         r"= \(None, 5, 2\), got \(4, 5\)"):
        layer.forward(np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match=r"\(None, 5, 2\), got \(4, 5, 3\)"):
        layer.forward(np.zeros((4, 5, 3), np.float32))
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = \(4, 5\)"):
        layer.forward(np.zeros((4, 5, 2), np.float32), mask=np.ones((5, 4), bool))
    with pytest.raises(ValueError, match="expects sequences of shape"):
        LSTM(3).build((5,))
    with pytest.raises(ValueError, match="units must be a positive int"):
        LSTM(0)
    with pytest.raises(ValueError, match="recurrent_activation must be one of"):
        LSTM(2, recurrent_activation="softmax")
    with pytest.raises(ValueError, match="dropout must lie in"):
        GRU(2, dropout=1.0)
    layer.forward(np.zeros((4, 5, 2), np.float32))
    with pytest.raises(ValueError, match="expects 1 gradients"):
        layer.backward([np.zeros((4, 3)), np.zeros((4, 3))])
    for a, b in zip(w, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_config_round_trip():
    layer = GRU(3, reset_after=False, return_sequences=True, go_backwards=True, dropout=0.1,
                recurrent_initializer="orthogonal")
    clone = GRU.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


# -- in a model ----------------------------------------------------------------------------------

def test_a_stacked_model_learns_to_add_a_sequence(backend_name, kernels_of):
    """Sum of 5 numbers: LSTM(8, return_sequences) → GRU(8) → Dense(1), trained with Adam."""
    kernels_of(backend_name, ["recurrent"])
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(256, 5, 1)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None]
    with using_backend(backend_name):
        initializers.set_seed(0)
        model = Sequential([LSTM(8, return_sequences=True, input_shape=(5, 1)), GRU(8), Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        first = model.evaluate(x, y, verbose=0)
        model.fit(x, y, epochs=30, batch_size=32, verbose=0, seed=0)
        last = model.evaluate(x, y, verbose=0)
    assert last < 0.1 * first
