"""The functional API worked through: the same network as Sequential and as a graph, several
inputs and outputs, shared layers, models used as layers, and the graphs that are refused."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.layers import Dense, Dropout, Layer, register_layer
from pynet.layers.base import reset_name_counters
from pynet.models import GraphError, Input, Model, Sequential
from pynet import optimizers

from graphs import PairSum, mlp_pair, multi_output_model, social_data, two_input_model


def test_sequential_and_functional_compute_and_train_alike():
    seq, fun, x, labels = mlp_pair()
    np.testing.assert_array_equal(seq.predict(x), fun.predict(x))
    assert seq.count_params() == fun.count_params() == 8 * 16 + 16 + 16 * 3 + 3
    for m in (seq, fun):
        m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["acc"])
    h1 = seq.fit(x, labels, epochs=3, batch_size=16, verbose=0, seed=5).history
    h2 = fun.fit(x, labels, epochs=3, batch_size=16, verbose=0, seed=5).history
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-6)
    for a, b in zip(seq.get_weights(), fun.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_symbolic_tensors_have_keras_shapes_and_layers_their_calls():
    x = Input(shape=(784,), name="digits")
    d = Dense(32)
    h = d(x)
    assert x.shape == (None, 784) and h.shape == (None, 32)
    assert d.input is x and d.output is h
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(h)


def test_two_inputs_accept_lists_and_dicts_and_check_names():
    model = two_input_model()
    rng = np.random.default_rng(1)
    xa, xb = rng.standard_normal((10, 4)), rng.standard_normal((10, 4))
    assert model.input_names == ["text", "question"]
    by_list = model.predict([xa, xb])
    by_dict = model.predict({"question": xb, "text": xa})
    np.testing.assert_array_equal(by_list, by_dict)
    with pytest.raises(ValueError, match=r"missing \['question'\]"):
        model.predict({"text": xa})
    with pytest.raises(ValueError, match="2 inputs"):
        model.predict([xa])
    with pytest.raises(ValueError, match="'question'.*shape \\(None, 4\\).*\\(10, 5\\)"):
        model.predict([xa, np.zeros((10, 5))])


def test_three_outputs_log_keras_names_and_weight_their_losses():
    model = multi_output_model()
    x, y = social_data()
    model.compile(optimizer="rmsprop",
                  loss={"age": "mse", "income": "sparse_categorical_crossentropy",
                        "gender": "binary_crossentropy"},
                  loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0},
                  metrics={"income": ["acc"], "gender": ["acc"]})
    assert model.metrics_names == ["loss", "age_loss", "income_loss", "gender_loss",
                                   "income_acc", "gender_acc"]
    values = model.evaluate(x, y, verbose=0)
    # the total is the weighted sum of the three losses
    assert values[0] == pytest.approx(0.25 * values[1] + values[2] + 10 * values[3], rel=1e-9)
    history = model.fit(x, [y["age"], y["income"], y["gender"]], epochs=2, verbose=0,
                        validation_split=0.25)
    assert set(history.history) == {*model.metrics_names, *("val_" + n for n in model.metrics_names)}
    age, income, gender = model.predict(x)
    assert age.shape == (32, 1) and income.shape == (32, 4) and gender.shape == (32, 1)


def test_shared_layer_sums_its_gradients_and_passes_a_gradient_check():
    x1, x2 = Input(shape=(3,), name="left"), Input(shape=(3,), name="right")
    shared = Dense(4, activation="tanh", name="shared", dtype="float64",
                   bias_initializer="random_normal")
    merged = PairSum(dtype="float64")([shared(x1), shared(x2)])
    out = Dense(2, name="out", dtype="float64")(merged)
    model = Model([x1, x2], out)
    assert len(shared._inbound_nodes) == 2 and model.count_params() == 16 + 10
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((5, 3)), rng.standard_normal((5, 3))]
    report = model.check_gradients(xs, rng.standard_normal((5, 2)), samples=100)
    assert report.ok, str(report)
    with pytest.raises(AttributeError, match="called 2 times"):
        shared.output


def test_models_nest_as_layers_and_share_weights():
    inner = Sequential([Dense(4, activation="relu", input_shape=(3,), dtype="float64"),
                        Dense(2, dtype="float64")], name="inner")
    outer_seq = Sequential([inner, Dense(1, dtype="float64")], name="outer")     # Sequential in Sequential
    assert outer_seq.output_shape == (None, 1)
    a, b = Input(shape=(3,), dtype="float64"), Input(shape=(3,), dtype="float64")
    twin = Model([a, b], PairSum(dtype="float64")([inner(a), inner(b)]))         # siamese
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 3))
    np.testing.assert_allclose(twin.predict([x, x]), 3 * inner.predict(x))
    for model, xs, ys in ((outer_seq, x, rng.standard_normal((6, 1))),
                          (twin, [x, rng.standard_normal((6, 3))], rng.standard_normal((6, 2)))):
        model.compile(optimizer="sgd", loss="mse")
        report = model.check_gradients(xs, ys, samples=100)
        assert report.ok, str(report)
    assert "inner/dense" in " ".join(outer_seq.params)


def test_activation_model_from_a_sequential_gives_every_layer_output():
    seq, _, x, _ = mlp_pair()
    probe = Model(seq.input, [layer.output for layer in seq.layers])
    hidden, probs = probe.predict(x)
    np.testing.assert_allclose(probs, seq.predict(x), rtol=1e-6)
    np.testing.assert_allclose(hidden, np.maximum(x @ seq.layers[0].params["kernel"]
                                                  + seq.layers[0].params["bias"], 0), rtol=1e-5,
                               atol=1e-6)


def test_an_output_without_a_loss_trains_nothing_through_it():
    model = multi_output_model()
    x, y = social_data()
    model.compile(optimizer="sgd", loss=[None, "sparse_categorical_crossentropy", None])
    before = model.get_layer("age").get_weights()
    model.fit(x, [None, y["income"], None], epochs=1, verbose=0)
    for w0, w1 in zip(before, model.get_layer("age").get_weights()):
        np.testing.assert_array_equal(w0, w1)
    assert model.metrics_names == ["loss", "income_loss"]


# -- graphs that are refused ---------------------------------------------------------------------

def test_disconnected_and_unused_inputs_are_named():
    a, b = Input(shape=(2,), name="a_in"), Input(shape=(2,), name="b_in")
    ya = Dense(1, name="from_a")(a)
    with pytest.raises(GraphError, match="input 'b_in' does not reach any output"):
        Model([a, b], ya)
    with pytest.raises(GraphError, match="not one of the model's inputs"):
        Model(b, ya)


def test_cycles_and_duplicate_names_are_refused():
    x = Input(shape=(2,))
    d1 = Dense(2, name="twice")
    h = d1(x)
    y = Dense(2, name="twice")(h)
    with pytest.raises(GraphError, match="two layers are named 'twice'"):
        Model(x, y)
    # a cycle cannot be made by calling layers; make one by hand to check the walk refuses it
    d2, d3 = Dense(2, name="c1"), Dense(2, name="c2")
    h2 = d2(x)
    h3 = d3(h2)
    h2.node.inputs = [h3]
    with pytest.raises(GraphError, match="cycle"):
        Model(x, h3)


def test_shape_mismatch_names_the_layer_and_both_shapes():
    x = Input(shape=(3,))
    d = Dense(2, name="fixed")
    d(x)
    with pytest.raises(ValueError, match=r"'fixed'.*\(None, 3\).*\(None, 5\)"):
        d(Input(shape=(5,)))


def test_compile_refuses_bad_loss_lists_and_weights_before_changing_anything():
    model = multi_output_model()
    with pytest.raises(ValueError, match="list of 2 but the model has 3"):
        model.compile(loss=["mse", "mse"])
    with pytest.raises(ValueError, match=r"unknown output\(s\) \['salary'\]"):
        model.compile(loss="mse", loss_weights={"salary": 1.0})
    with pytest.raises(ValueError, match="unknown output"):
        model.compile(loss={"age": "mse", "nope": "mse"})
    assert not model.compiled


def test_fit_refuses_missing_target_names_before_any_update():
    model = multi_output_model()
    x, y = social_data()
    model.compile(optimizer="sgd", loss=["mse", "sparse_categorical_crossentropy",
                                         "binary_crossentropy"])
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"missing \['gender'\]"):
        model.fit(x, {"age": y["age"], "income": y["income"]}, verbose=0)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_dropout_in_a_graph_is_off_at_inference():
    x = Input(shape=(5,))
    y = Dropout(0.5)(Dense(5)(x))
    model = Model(x, y)
    data = np.ones((4, 5), np.float32)
    np.testing.assert_array_equal(model.predict(data), model.predict(data))


def test_inputs_of_any_length_with_none_in_the_shape():
    from pynet.layers import Lambda
    seq = Input(shape=(None, 3), name="steps")
    assert seq.shape == (None, None, 3)
    pooled = Lambda(lambda t: t.sum(axis=1), output_shape=(3,))(seq)
    model = Model(seq, Dense(2, name="head")(pooled))
    short, long = np.ones((4, 5, 3), np.float32), np.ones((4, 9, 3), np.float32)
    assert model.predict(short).shape == model.predict(long).shape == (4, 2)
    with pytest.raises(ValueError, match=r"'steps' must have shape \(None, None, 3\), got \(4, 5, 2\)"):
        model.predict(np.ones((4, 5, 2)))


# -- what the mutation run of pynet/models found untested (docs/testing.md) ---------------------

def test_build_accepts_the_graphs_own_shapes_and_names_both_on_a_mismatch():
    one = mlp_pair()[1]
    one.build((8,))           # sample shapes, as layers are built: the shape it was made for
    with pytest.raises(ValueError, match=r"built for inputs \(8,\), got \(9,\)"):
        one.build((9,))
    two = two_input_model()
    two.build([(4,), (4,)])
    with pytest.raises(ValueError, match=r"got \[\(4,\), \(5,\)\]"):
        two.build([(4,), (5,)])


def test_calling_a_model_on_arrays_gives_what_predict_gives():
    model = multi_output_model()
    x, _ = social_data(n=5)
    called = model(x)
    predicted = model.predict(x)
    assert isinstance(called, list) and len(called) == 3
    for c, p in zip(called, predicted):
        np.testing.assert_allclose(c, p, rtol=1e-6)
    single = mlp_pair()[1]
    xs = np.random.default_rng(3).standard_normal((4, 8)).astype(np.float32)
    np.testing.assert_allclose(single(xs), single.predict(xs), rtol=1e-6)


def test_predict_on_no_rows_gives_empty_outputs_of_the_right_shapes():
    model = multi_output_model()
    outs = model.predict(np.zeros((0, 6), np.float32))
    assert [o.shape for o in outs] == [(0, 1), (0, 4), (0, 1)]


def test_validation_split_and_validation_data_together_are_refused():
    model = multi_output_model()
    model.compile(optimizer="sgd", loss=["mse", "sparse_categorical_crossentropy", "binary_crossentropy"])
    x, ys = social_data(n=8)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="give validation_split or validation_data, not both"):
        model.fit(x, ys, epochs=1, validation_split=0.25, validation_data=(x, ys), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_predict_in_batches_that_do_not_divide_the_rows_gives_every_row():
    model = multi_output_model()
    x, _ = social_data(n=10)                  # 10 rows of 6 features, batches of 4: 4 + 4 + 2
    whole = model(x)
    for batched, full in zip(model.predict(x, batch_size=4), whole):
        assert batched.shape[0] == 10
        np.testing.assert_allclose(batched, full, rtol=1e-6)
