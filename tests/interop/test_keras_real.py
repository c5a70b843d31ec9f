"""Files written by Keras 3 itself (torch backend), read by pynet — and pynet's files read by
Keras: the same small models built in both, with random weights, predict the same numbers.

Each model pairs a Keras model with the pynet model a learner would write for it. Keras writes
its ``.weights.h5`` (Keras 3 layout) and, through ``model.save('m.h5')``, the legacy Keras 2
layout it still supports; pynet loads each by order and by name. Then pynet writes both layouts
and Keras's ``load_weights`` reads them.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import pynet.layers as P
from pynet.models import Input, Model
from pynet.sequential import Sequential


@pytest.fixture
def keras(require):
    require("h5py")
    keras = require("keras")
    assert keras.backend.backend() == "torch", "these checks run Keras on the torch backend"
    return keras


@pytest.fixture
def keras_io(require):
    require("h5py")
    from pynet.interop import keras as keras_io
    return keras_io


def _mlp(keras):
    K = keras.layers
    x = keras.Input((6,))
    theirs = keras.Model(x, K.Dense(3, activation="softmax", name="out")(
        K.Dense(8, activation="relu", name="hidden")(x)))
    i = Input(shape=(6,))
    ours = Model(i, P.Dense(3, activation="softmax", name="out")(
        P.Dense(8, activation="relu", name="hidden")(i)))
    return theirs, ours, ("float", (4, 6))


def _conv(keras):
    def build(L, inp):
        x = inp
        x = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(x)
        x = L.BatchNormalization(name="bn")(x)
        x = L.MaxPooling2D(2, name="pool")(x)
        x = L.SeparableConv2D(5, 3, depth_multiplier=2, name="sep")(x)
        x = L.DepthwiseConv2D(3, padding="same", name="dw")(x)
        x = L.PReLU(shared_axes=[1, 2], name="prelu")(x)
        x = L.Conv2DTranspose(3, 3, strides=2, name="up")(x)
        x = L.Flatten(name="flat")(x)
        return L.Dense(2, name="head")(x)
    inp = keras.Input((10, 10, 3))
    theirs = keras.Model(inp, build(keras.layers, inp))
    i = Input(shape=(10, 10, 3))
    return theirs, Model(i, build(P, i)), ("float", (3, 10, 10, 3))


def _conv1d(keras):
    def build(L, inp):
        x = L.Conv1D(4, 3, activation="relu", name="c1")(inp)
        x = L.MaxPooling1D(2, name="pool")(x)
        x = L.Conv1D(3, 2, padding="same", name="c2")(x)
        x = L.GlobalMaxPooling1D(name="gmp")(x)
        return L.Dense(2, name="head")(x)
    inp = keras.Input((12, 3))
    i = Input(shape=(12, 3))
    return keras.Model(inp, build(keras.layers, inp)), Model(i, build(P, i)), ("float", (3, 12, 3))


def _recurrent(keras):
    def build(L, inp):
        x = L.Embedding(20, 4, name="emb")(inp)
        x = L.Bidirectional(L.LSTM(3, return_sequences=True, name="lstm"), name="bi")(x)
        x = L.TimeDistributed(L.Dense(5, name="td_dense"), name="td")(x)
        x = L.GRU(3, return_sequences=True, name="gru")(x)
        x = L.GRU(3, return_sequences=True, reset_after=False, name="gru_v1")(x)
        x = L.SimpleRNN(2, name="rnn")(x)
        return L.Dense(1, name="head")(x)
    inp = keras.Input((7,), dtype="int32")
    i = Input(shape=(7,), dtype="int32")
    return keras.Model(inp, build(keras.layers, inp)), Model(i, build(P, i)), ("int", (3, 7))


def _nested(keras):
    K = keras.layers
    inner = keras.Sequential([keras.Input((6,)), K.Dense(4, name="d"),
                              K.BatchNormalization(name="bn")], name="block")
    x = keras.Input((6,))
    theirs = keras.Model(x, K.Dense(2, name="head")(inner(x)))
    inner_p = Sequential([P.Dense(4, input_shape=(6,), name="d"), P.BatchNormalization(name="bn")],
                         name="block")
    i = Input(shape=(6,))
    ours = Model(i, P.Dense(2, name="head")(inner_p(i)))
    return theirs, ours, ("float", (4, 6))


def _nested_frozen(keras):
    """A frozen layer inside a nested model: Keras 2's layout lists its arrays after the
    trainable ones of that model."""
    theirs, ours, data = _nested(keras)
    theirs.get_layer("block").get_layer("d").trainable = False
    ours.get_layer("block").get_layer("d").trainable = False
    return theirs, ours, data


def _sequential(keras):
    K = keras.layers
    theirs = keras.Sequential([keras.Input((6,)), K.Dense(5, activation="relu", name="d1"),
                               K.BatchNormalization(name="bn"), K.Dropout(0.5, name="drop"),
                               K.Dense(2, name="d2")])
    ours = Sequential([P.Dense(5, activation="relu", input_shape=(6,), name="d1"),
                       P.BatchNormalization(name="bn"), P.Dropout(0.5, name="drop"),
                       P.Dense(2, name="d2")])
    return theirs, ours, ("float", (4, 6))


MODELS = {"mlp": _mlp, "conv": _conv, "conv1d": _conv1d, "recurrent": _recurrent,
          "nested": _nested, "nested_frozen": _nested_frozen, "sequential": _sequential}


def _randomize(keras_model, rng):
    """Random weights in Keras (BatchNormalization's moving variance kept positive)."""
    weights = []
    for w in keras_model.weights:
        value = rng.standard_normal(tuple(w.shape)).astype("float32") * 0.5
        if "variance" in w.path:
            value = np.abs(value) + 0.5
        weights.append(value)
    keras_model.set_weights(weights)


def _data(rng, kind, shape):
    if kind == "int":
        return rng.integers(0, 20, size=shape).astype("int32")
    return rng.standard_normal(shape).astype("float32")


def _keras_predict(keras, model, x):
    return np.asarray(keras.ops.convert_to_numpy(model(x, training=False)))


def _pynet_predict(model, x):
    return model.predict(x)


@pytest.mark.parametrize("name", list(MODELS))
def test_keras3_weights_h5_loads_into_pynet_with_equal_outputs(keras, keras_io, rng, tmp_path,
                                                               name):
    theirs, ours, (kind, shape) = MODELS[name](keras)
    _randomize(theirs, rng)
    path = os.fspath(tmp_path / "m.weights.h5")
    theirs.save_weights(path)
    assert keras_io.detect_format(path) == "keras3"
    x = _data(rng, kind, shape)
    keras_io.load_weights(ours, path)
    np.testing.assert_allclose(_pynet_predict(ours, x), _keras_predict(keras, theirs, x),
                               rtol=1e-4, atol=1e-5)
    for mine, theirs_w in zip(ours.get_weights(), theirs.get_weights()):   # Keras's own order
        np.testing.assert_array_equal(mine, theirs_w)


@pytest.mark.parametrize("name", list(MODELS))
def test_keras_legacy_h5_loads_into_pynet_by_order_and_by_name(keras, keras_io, rng, tmp_path,
                                                               name):
    """Keras 3 still writes Keras 2's layout for ``model.save('m.h5')`` (with a warning)."""
    theirs, ours, (kind, shape) = MODELS[name](keras)
    _randomize(theirs, rng)
    path = os.fspath(tmp_path / "m.h5")
    theirs.save(path)
    assert keras_io.detect_format(path) == "keras2"
    x = _data(rng, kind, shape)
    expected = _keras_predict(keras, theirs, x)
    keras_io.load_weights(ours, path)
    np.testing.assert_allclose(_pynet_predict(ours, x), expected, rtol=1e-4, atol=1e-5)
    _, fresh, _ = MODELS[name](keras)
    loaded = keras_io.load_weights(fresh, path, by_name=True)
    weighted = [l.name for l in fresh.layers if l.count_params()]
    assert loaded == [(n, n) for n in weighted]                        # paired by name, all
    np.testing.assert_allclose(_pynet_predict(fresh, x), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fmt", ["keras3", "keras2"])
@pytest.mark.parametrize("name", list(MODELS))
def test_pynet_files_load_into_keras_with_equal_outputs(keras, keras_io, rng, tmp_path, name, fmt):
    theirs, ours, (kind, shape) = MODELS[name](keras)
    ours.set_weights(_pynet_random(ours, rng))
    path = os.fspath(tmp_path / ("m.weights.h5" if fmt == "keras3" else "m.h5"))
    keras_io.save_weights(ours, path, format=fmt)
    theirs.load_weights(path)
    x = _data(rng, kind, shape)
    np.testing.assert_allclose(_keras_predict(keras, theirs, x), _pynet_predict(ours, x),
                               rtol=1e-4, atol=1e-5)


def _pynet_random(model, rng):
    out = []
    for key, w in model.params.items():
        value = rng.standard_normal(w.shape).astype(w.dtype) * 0.5
        if key.endswith("moving_variance"):
            value = np.abs(value) + 0.5
        out.append(value)
    return out


def test_a_keras_file_for_another_model_is_refused_naming_both_layers(keras, keras_io, rng,
                                                                      tmp_path):
    theirs, _, _ = _mlp(keras)
    path = os.fspath(tmp_path / "mlp.weights.h5")
    theirs.save_weights(path)
    i = Input(shape=(6,))
    ours = Model(i, P.Dense(3, name="out")(P.Dense(5, name="hidden")(i)))   # 5 units, not 8
    before = ours.get_weights()
    with pytest.raises(keras_io.KerasWeightsError,
                       match=r"model layer 'hidden' <- file layer 'hidden': weight 0 \(0\) has "
                             r"shape \(6, 8\) in the file, the model expects \(6, 5\)"):
        keras_io.load_weights(ours, path)
    for a, b in zip(before, ours.get_weights()):
        np.testing.assert_array_equal(a, b)
