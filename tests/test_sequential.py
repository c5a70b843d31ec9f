"""Sequential: the Keras workflow end to end, whole-model gradient checks, bad input (clear
error, model unchanged), divergence diagnosis, seeds, save/load."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from pynet import optimizers
from pynet.callbacks import Callback
from pynet.gradient_check import check_gradients
from pynet.layers import (Activation, Dense, Dropout, Flatten, Input, reset_name_counters,
                          using_backend)
from pynet.persistence import PersistenceError
from pynet.sequential import (NotCompiledError, Sequential, TrainingDiverged, load_model,
                              model_from_json)
from pynet.utils import set_seed, to_categorical


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same initial weights (deterministic outcomes)."""
    set_seed(1234)


def blobs(rng, n=300, classes=3, dim=4):
    """Well separated Gaussian clusters: a problem any working MLP solves."""
    centres = rng.standard_normal((classes, dim)) * 4
    labels = rng.integers(0, classes, n)
    x = centres[labels] + rng.standard_normal((n, dim))
    return x.astype(np.float32), labels


def mlp(classes=3, dim=4, dtype="float32", **kw):
    return Sequential([Dense(16, activation="relu", input_shape=(dim,), dtype=dtype, **kw),
                       Dense(classes, activation="softmax", dtype=dtype)])


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def assert_same_weights(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_chollet_ch2_summary():
    reset_name_counters()
    model = Sequential()
    model.add(Dense(512, activation="relu", input_shape=(28 * 28,)))
    model.add(Dense(10, activation="softmax"))
    text = model.summary(print_fn=lambda s: None)
    lines = text.splitlines()
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    assert "dense_1 (Dense)" in text and "dense_2 (Dense)" in text
    row1 = next(l for l in lines if l.startswith("dense_1"))
    assert "(None, 512)" in row1 and row1.split()[-1] == "401920"
    row2 = next(l for l in lines if l.startswith("dense_2"))
    assert "(None, 10)" in row2 and row2.split()[-1] == "5130"
    assert "Total params: 407,050" in lines and "Trainable params: 407,050" in lines
    assert "Non-trainable params: 0" in lines
    assert model.count_params() == 407050
    assert model.input_shape == (None, 784) and model.output_shape == (None, 10)


def test_summary_counts_frozen_layers_as_non_trainable():
    model = mlp()
    model.layers[0].trainable = False
    text = model.summary(print_fn=lambda s: None)
    assert "Trainable params: 51" in text and "Non-trainable params: 80" in text


def test_fit_learns_and_history_follows_keras(rng):
    x, labels = blobs(rng)
    y = to_categorical(labels, 3)
    model = mlp()
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0, validation_split=0.2, seed=1)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 15 for v in history.history.values())
    assert history.epoch == list(range(15))
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert history.history["val_accuracy"][-1] > 0.95
    loss, acc = model.evaluate(x, y)
    assert acc > 0.95
    p = model.predict(x[:7])
    assert p.shape == (7, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_sparse_labels_acc_name_and_validation_data(rng):
    x, labels = blobs(rng)
    model = mlp()
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["acc"])
    h = model.fit(x[:200], labels[:200], epochs=8, batch_size=32, verbose=0,
                  validation_data=(x[200:], labels[200:]), seed=0)
    assert set(h.history) == {"loss", "acc", "val_loss", "val_acc"}
    assert h.history["val_acc"][-1] > 0.95


def test_binary_and_regression_metrics(rng):
    x = rng.standard_normal((200, 3)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    model = Sequential([Dense(8, activation="tanh", input_dim=3), Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    assert model.metrics[0].fn.__name__ == "binary_accuracy"
    h = model.fit(x, y, epochs=30, batch_size=20, verbose=0, seed=0)
    assert h.history["accuracy"][-1] > 0.9
    reg = Sequential([Dense(1, input_shape=(3,))])
    reg.compile(optimizer=optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    target = x @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3
    h = reg.fit(x, target, epochs=40, batch_size=20, verbose=0, seed=0)
    assert set(h.history) == {"loss", "mae"}
    assert h.history["mae"][-1] < 0.01
    np.testing.assert_allclose(reg.layers[0].params["kernel"][:, 0], [1, -2, 0.5], atol=0.02)


def test_validation_split_holds_out_the_last_samples(rng):
    x, labels = blobs(rng, n=100)
    seen = []

    class Spy(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(logs["size"])

    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, labels, epochs=1, batch_size=30, validation_split=0.25, verbose=0, callbacks=[Spy()])
    assert seen == [30, 30, 15]  # 75 training samples


def test_same_seed_same_numbers(rng):
    x, labels = blobs(rng)
    runs = []
    for _ in range(2):
        set_seed(42)
        model = Sequential([Dense(16, activation="relu", input_shape=(4,)), Dropout(0.3),
                            Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        h = model.fit(x, labels, epochs=3, batch_size=32, verbose=0, seed=7)
        runs.append((h.history, weights_of(model)))
    assert runs[0][0] == runs[1][0]
    assert_same_weights(runs[0][1], runs[1][1])
    set_seed(42)
    other = Sequential([Dense(16, activation="relu", input_shape=(4,)), Dropout(0.3),
                        Dense(3, activation="softmax")])
    other.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    h = other.fit(x, labels, epochs=3, batch_size=32, verbose=0, seed=8)
    assert h.history["loss"] != runs[0][0]["loss"]


@pytest.mark.parametrize("loss,last,target", [
    ("categorical_crossentropy", "softmax", "onehot"),
    ("sparse_categorical_crossentropy", "softmax", "ids"),
    ("binary_crossentropy", "sigmoid", "binary"),
    ("mse", "tanh", "real"),
    ("categorical_crossentropy", "relu_then_softmax_layer", "onehot"),
])
def test_whole_model_gradient_check(backend_name, kernels_of, rng, loss, last, target):
    ns = kernels_of(backend_name, None)
    with using_backend(ns):
        layers = [Dense(5, activation="tanh", input_shape=(3,), dtype="float64",
                        bias_initializer="random_normal"),
                  Dense(4, activation="elu", dtype="float64")]
        if last == "relu_then_softmax_layer":
            layers += [Dense(3, dtype="float64"), Activation("softmax", dtype="float64")]
        else:
            layers += [Dense(3 if target != "binary" else 2, activation=last, dtype="float64")]
        model = Sequential(layers)
        model.compile(optimizer="sgd", loss=loss)
        x = rng.standard_normal((6, 3))
        ids = rng.integers(0, 3, 6)
        y = {"onehot": np.eye(3)[ids], "ids": ids, "binary": rng.integers(0, 2, (6, 2)).astype(float),
             "real": rng.uniform(-0.9, 0.9, (6, 3))}[target]
        model._start_training()
        assert model._fused() == (loss != "mse")
        out = model._forward(x, True)
        model._backward(y, out)
        params = {f"{l.name}/{k}": p for l in model.layers for k, p in l.params.items()}
        grads = {f"{l.name}/{k}": l.grads[k].copy() for l in model.layers for k in l.params}
        report = check_gradients(lambda: model.loss(y, model._forward(x, True)), params, grads,
                                 eps=1e-5)
        assert report.ok, f"{loss}/{last} on {backend_name}:\n{report}"


def test_both_backends_train_to_the_same_numbers(kernels_of, rng):
    x, labels = blobs(rng)
    results = []
    for name in ("python", "cython"):
        with using_backend(kernels_of(name, None)):
            set_seed(3)
            model = mlp(dtype="float64")
            model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
            h = model.fit(x, labels, epochs=2, batch_size=32, verbose=0, seed=1)
            results.append((h.history["loss"], model.get_weights()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-9)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


def test_image_inputs_flow_through_flatten(rng):
    x = rng.random((40, 6, 5, 1)).astype(np.float32)
    labels = (x.mean(axis=(1, 2, 3)) > 0.5).astype(int)
    model = Sequential([Input(shape=(6, 5, 1)), Flatten(), Dense(2, activation="softmax")])
    assert [type(l).__name__ for l in model.layers] == ["Flatten", "Dense"]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, epochs=2, batch_size=8, verbose=0)
    with pytest.raises(ValueError) as info:
        model.predict(x[:, :5])
    assert "flatten" in str(info.value) and "(None, 6, 5, 1)" in str(info.value) and "(40, 5, 5, 1)" in str(info.value)


# -- bad input: a clear error, and the model is unchanged ------------------------------------

@pytest.fixture
def compiled(rng):
    model = mlp()
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    x, labels = blobs(rng, n=40)
    return model, x, to_categorical(labels, 3), labels


def _bad_fit_cases(x, y, labels):
    nan_x = x.copy()
    nan_x[3, 1] = np.nan
    inf_y = y.copy()
    inf_y[5, 0] = np.inf
    return [
        (dict(x=x[:, :3], y=y), ValueError, ["dense_", "(None, 4)", "(40, 3)"]),
        (dict(x=x, y=labels), ValueError, ["sparse_categorical_crossentropy", "to_categorical"]),
        (dict(x=x, y=np.eye(5)[labels]), ValueError, ["3 units", "5 columns"]),
        (dict(x=nan_x, y=y), ValueError, ["x contains 1 NaN/Inf", "(3, 1)"]),
        (dict(x=x, y=inf_y), ValueError, ["y contains 1 NaN/Inf", "(5, 0)"]),
        (dict(x=x, y=y, batch_size=0), ValueError, ["batch_size", ">= 1", "0"]),
        (dict(x=x, y=y, batch_size=-5), ValueError, ["batch_size"]),
        (dict(x=x, y=y, batch_size=2.5), TypeError, ["batch_size must be an int"]),
        (dict(x=x, y=y[:30]), ValueError, ["40 samples", "30"]),
        (dict(x=x, y=y, validation_split=1.5), ValueError, ["validation_split"]),
        (dict(x=x, y=y, validation_data=(x, labels)), ValueError, ["validation_data", "to_categorical"]),
        (dict(x=x, y=y, verbose=3), ValueError, ["verbose"]),
    ]


def test_bad_fit_input_raises_before_changing_anything(compiled):
    model, x, y, labels = compiled
    before = weights_of(model)
    for kwargs, exc, fragments in _bad_fit_cases(x, y, labels):
        with pytest.raises(exc) as info:
            model.fit(**{"epochs": 1, "verbose": 0, **kwargs})
        for fragment in fragments:
            assert fragment in str(info.value), (fragment, str(info.value))
        assert_same_weights(before, model.get_weights())
        assert model.optimizer.iterations == 0


def test_out_of_range_class_ids(rng):
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, labels = blobs(rng, n=20)
    labels[4] = 3
    before = weights_of(model)
    with pytest.raises(ValueError, match=r"class ids must lie in \[0, 2\].*max=3"):
        model.fit(x, labels, verbose=0)
    assert_same_weights(before, model.get_weights())


def test_fit_before_compile_and_unknown_names(rng):
    model = mlp()
    x, labels = blobs(rng, n=10)
    with pytest.raises(NotCompiledError, match="compile"):
        model.fit(x, labels)
    with pytest.raises(NotCompiledError):
        model.evaluate(x, labels)
    with pytest.raises(ValueError, match="known optimizers"):
        model.compile(optimizer="rmsprob", loss="mse")
    with pytest.raises(ValueError, match="known losses"):
        model.compile(optimizer="sgd", loss="crossentropy")
    with pytest.raises(ValueError, match="known metrics"):
        model.compile(optimizer="sgd", loss="mse", metrics=["acuracy"])
    assert not model.compiled


def test_divergence_stops_with_a_diagnosis(rng):
    x, labels = blobs(rng, n=200)
    x = x * 1000  # unscaled inputs
    model = Sequential([Dense(32, activation="relu", input_shape=(4,)), Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=5.0), loss="mse")
    with pytest.raises(TrainingDiverged) as info, np.errstate(over="ignore", invalid="ignore"):
        model.fit(x, labels.astype(np.float32), epochs=20, batch_size=10, verbose=0)
    msg = str(info.value)
    assert "training stopped at epoch 1" in msg and "not finite" in msg
    assert "lower the learning rate (try 0.5)" in msg and "scale the inputs" in msg
    assert info.value.history is not None


def test_get_layer_pop_and_add_errors():
    model = mlp()
    first = model.layers[0]
    assert model.get_layer(first.name) is first and model.get_layer(index=-1) is model.layers[1]
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="already in the model"):
        model.add(first)
    with pytest.raises(TypeError, match="expected a Layer"):
        model.add("dense")
    last = model.pop()
    assert last.name not in [l.name for l in model.layers]
    with pytest.raises(ValueError, match="Input layer can only come first"):
        model.add(Input(shape=(3,)))


def test_lazy_build_from_data(rng):
    model = Sequential([Dense(4, activation="relu"), Dense(2)])
    assert not model.built
    with pytest.raises(ValueError, match="not built"):
        model.summary(print_fn=lambda s: None)
    out = model.predict(rng.standard_normal((3, 5)).astype(np.float32))
    assert out.shape == (3, 2) and model.input_shape == (None, 5)


def test_frozen_layer_is_not_updated(rng):
    x, labels = blobs(rng, n=64)
    model = mlp()
    model.layers[0].trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    frozen = model.layers[0].get_weights()
    last = model.layers[1].get_weights()
    model.fit(x, labels, epochs=1, verbose=0)
    assert_same_weights(frozen, model.layers[0].get_weights())
    assert not np.array_equal(last[0], model.layers[1].get_weights()[0])


def test_dropout_only_in_training(rng):
    model = Sequential([Dense(50, input_shape=(4,)), Dropout(0.5)])
    x = rng.standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    assert (model(x, training=True) == 0).any() and not (model(x) == 0).any()


# -- saving -------------------------------------------------------------------------------------

def test_save_load_round_trip_and_resume(tmp_path, rng):
    x, labels = blobs(rng)
    model = Sequential([Dense(8, activation="relu", input_shape=(4,), name="hidden"), Dropout(0.2),
                        Dense(3, activation="softmax", name="out")])
    model.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, labels, epochs=2, verbose=0, seed=0)
    json_path, npz_path = model.save(tmp_path / "clf")
    assert os.path.basename(json_path) == "clf.json" and os.path.exists(npz_path)
    doc = json.loads(open(json_path).read())
    assert [l["class_name"] for l in doc["config"]["layers"]] == ["Dense", "Dropout", "Dense"]
    assert doc["compile"]["loss"] == "sparse_categorical_crossentropy"
    with np.load(npz_path, allow_pickle=False) as data:  # readable without pickle
        assert "weights/hidden/kernel" in data.files
    again = load_model(tmp_path / "clf.json")
    np.testing.assert_array_equal(model.predict(x), again.predict(x))
    assert again.evaluate(x, labels) == model.evaluate(x, labels)
    assert again.optimizer.iterations == model.optimizer.iterations
    # resuming from the file continues exactly like the original
    h1 = model.fit(x, labels, epochs=1, verbose=0, seed=5)
    h2 = again.fit(x, labels, epochs=1, verbose=0, seed=5)
    assert h1.history == h2.history


def test_torn_or_corrupt_files_are_detected(tmp_path, rng):
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    _, weights_file = model.save(tmp_path / "m")
    other = mlp()
    other.compile(optimizer="sgd", loss="mse")
    other.save_weights(tmp_path / "w")
    # the weights file the JSON names is replaced: the pair no longer matches
    (tmp_path / "w.npz").replace(weights_file)
    with pytest.raises(PersistenceError, match="checksum"):
        load_model(tmp_path / "m")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(PersistenceError, match="not valid JSON"):
        load_model(tmp_path / "bad")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing")


def test_load_weights_checks_shapes_first(tmp_path):
    a = mlp()
    a.save_weights(tmp_path / "w")
    b = Sequential([Dense(16, activation="relu", input_shape=(5,), name=a.layers[0].name),
                    Dense(3, activation="softmax", name=a.layers[1].name)])
    before = weights_of(b)
    with pytest.raises(PersistenceError, match="shape"):
        b.load_weights(tmp_path / "w")
    assert_same_weights(before, b.get_weights())
    c = Sequential([Dense(16, activation="relu", input_shape=(4,), name=a.layers[0].name),
                    Dense(3, activation="softmax", name=a.layers[1].name)])
    c.load_weights(tmp_path / "w.npz")
    assert_same_weights(a.get_weights(), c.get_weights())


def test_to_json_round_trip():
    model = mlp()
    clone = model_from_json(model.to_json())
    assert clone.get_config() == model.get_config()
    assert clone.count_params() == model.count_params()


def test_set_weights_all_or_nothing():
    model = mlp()
    before = weights_of(model)
    bad = [np.zeros_like(w) for w in before]
    bad[-1] = np.zeros(7)
    with pytest.raises(ValueError, match="has shape"):
        model.set_weights(bad)
    assert_same_weights(before, model.get_weights())


def test_model_check_gradients_passes_and_catches_a_wrong_backward(rng, monkeypatch):
    from pynet import regularizers
    from pynet.layers.core import Dense as DenseClass

    model = Sequential([Dense(6, activation="tanh", input_shape=(4,),
                              kernel_regularizer=regularizers.l2(0.01)),
                        Dropout(0.5), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, labels = blobs(rng, n=8)
    report = model.check_gradients(x, labels, samples=10)
    assert report.ok, str(report)
    assert len(report.errors) == 4
    original = DenseClass.backward_logits

    def slightly_wrong(self, grad_z, _shape=None):
        return original(self, grad_z * 1.02, _shape)

    monkeypatch.setattr(DenseClass, "backward_logits", slightly_wrong)
    bad = model.check_gradients(x, labels, samples=10)
    assert not bad.ok and "FAILS" in str(bad)


def test_reshape_permute_model_round_trip(tmp_path, rng):
    from pynet.layers import Permute, Reshape

    model = Sequential([Reshape((4, 3), input_shape=(12,)), Permute((2, 1)), Flatten(),
                        Dense(2, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["acc"])
    x = rng.standard_normal((5, 12)).astype(np.float32)
    expected = x.reshape(5, 4, 3).transpose(0, 2, 1).reshape(5, 12) @ model.layers[-1].params["kernel"]
    np.testing.assert_allclose(model.predict(x), 1 / (1 + np.exp(-expected)), rtol=1e-5)
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert model.check_gradients(x, (x[:, :2] > 0).astype(np.float32)).ok


def test_accuracy_resolved_after_a_lazy_build(rng):
    model = Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])  # shape unknown yet
    x = rng.standard_normal((16, 3)).astype(np.float32)
    model.fit(x, (x[:, 0] > 0).astype(np.float32), epochs=1, verbose=0)
    assert model.metrics[0].fn.__name__ == "binary_accuracy"


def test_input_layer_and_first_layer_shape_must_agree():
    model = Sequential([Input(shape=(4,))])
    with pytest.raises(ValueError, match="declares input_shape"):
        model.add(Dense(2, input_shape=(5,)))
    assert model.layers == []


@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_fit_verbose_levels(capsys, rng, verbose):
    x, labels = blobs(rng, n=64)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, epochs=2, batch_size=32, verbose=verbose)
    out = capsys.readouterr().out
    if verbose == 0:
        assert out == ""
    else:
        assert out.count("Epoch ") == 2 and "2/2" in out and "loss: " in out and "accuracy: " in out
        assert ("[" in out) == (verbose == 1)


def test_input_gradient_matches_central_differences():
    """model.input_gradient(x, k) is d softmax_k / d x: check it element by element."""
    import numpy as np

    from pynet.gradient_check import numerical_gradient
    from pynet.layers.core import Dense
    from pynet.sequential import Sequential

    model = Sequential([Dense(5, activation="tanh", input_shape=(4,), dtype="float64"),
                        Dense(3, activation="softmax", dtype="float64")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x = np.random.default_rng(7).standard_normal((1, 4))
    analytic = model.input_gradient(x, 2)
    numeric = numerical_gradient(lambda: float(model.predict(x)[0, 2]), x)
    assert analytic.shape == x.shape
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)
