"""Saving whole graphs: topology, weights and optimizer state, through the layer registry."""
from __future__ import annotations

import json

import numpy as np
import pytest

from pynet.layers import Dense, Lambda
from pynet.models import Input, Model, Sequential, load_model, model_from_json
from pynet.persistence import PersistenceError

from graphs import PairSum, multi_output_model, social_data


def test_functional_model_round_trips_with_shared_and_nested_layers(tmp_path):
    inner = Sequential([Dense(4, activation="relu", input_shape=(3,))], name="encoder")
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    shared = Dense(4, name="shared")
    out = Dense(2, activation="softmax", name="head")(PairSum()([shared(inner(a)), shared(inner(b))]))
    model = Model([a, b], out, name="siamese")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((20, 3)).astype(np.float32) for _ in range(2)]
    labels = rng.integers(0, 2, 20)
    model.fit(xs, labels, epochs=2, verbose=0)
    json_path, npz_path = model.save(tmp_path / "siamese")
    loaded = load_model(tmp_path / "siamese")
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    np.testing.assert_array_equal(loaded.predict(xs), model.predict(xs))
    assert len(loaded.get_layer("shared")._inbound_nodes) == 2
    # training resumes from the same optimizer state: one more step gives the same weights
    model.train_on_batch(xs, labels)
    loaded.train_on_batch(xs, labels)
    for w0, w1 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(w0, w1, rtol=1e-6, atol=1e-7)
    doc = json.loads(open(json_path).read())
    assert doc["class_name"] == "Model"
    assert doc["config"]["output_layers"] == [["head", 0, 0]]


def test_multi_output_compile_settings_survive(tmp_path):
    model = multi_output_model()
    model.compile(optimizer="rmsprop", loss=["mse", "sparse_categorical_crossentropy",
                                             "binary_crossentropy"],
                  loss_weights=[0.25, 1.0, 10.0], metrics={"income": ["acc"]})
    model.save(tmp_path / "social")
    loaded = load_model(tmp_path / "social")
    x, y = social_data()
    assert loaded.metrics_names == model.metrics_names
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-6)


def test_json_architecture_alone():
    x = Input(shape=(5,))
    model = Model(x, Dense(2)(Dense(3)(x)))
    twin = model_from_json(model.to_json())
    assert [type(l).__name__ for l in twin.layers] == ["InputLayer", "Dense", "Dense"]
    assert twin.count_params() == model.count_params()


def test_lambda_layers_refuse_to_be_saved(tmp_path):
    x = Input(shape=(2,))
    model = Model(x, Lambda(lambda t: t * 2)(x))
    with pytest.raises(ValueError, match="holds Python code"):
        model.save(tmp_path / "lam")


@pytest.mark.parametrize("bad, message", [
    ([], "must be a JSON object"),
    ({"format": 1, "class_name": "Model"}, "required key 'config' is missing"),
    ({"format": 1, "class_name": "Model", "config": {"layers": []}, "weights_file": "../x.npz",
      "weights_sha256": ""}, "same folder as the JSON"),
])
def test_malformed_model_files_raise_persistence_errors(tmp_path, bad, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(PersistenceError, match=message):
        load_model(path)


def test_deeply_nested_json_is_refused_without_recursion(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(PersistenceError, match="nested"):
        load_model(path)


def test_load_weights_is_all_or_nothing(tmp_path):
    x = Input(shape=(3,))
    model = Model(x, Dense(2, name="second")(Dense(4, name="first")(x)))
    model.save_weights(tmp_path / "w")
    before = model.get_weights()
    from pynet.persistence import load_npz, save_npz
    arrays, _ = load_npz(tmp_path / "w.npz")
    arrays["weights/second/bias"] = np.array([0.0, np.nan], np.float32)
    arrays["weights/first/kernel"] = arrays["weights/first/kernel"] + 1
    save_npz(tmp_path / "w.npz", arrays, {"kind": "pynet.weights"})
    with pytest.raises(PersistenceError, match="second/bias.*NaN"):
        model.load_weights(tmp_path / "w")
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_set_weights_is_all_or_nothing():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    before = model.get_weights()
    new = [w + 1 for w in before]
    new[-1] = np.array([1.0, np.nan], np.float32)
    with pytest.raises(ValueError, match="NaN"):
        model.set_weights(new)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)
