"""The training loop's options: sample and class weights, generators, divergence after the
last update."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import optimizers
from pynet.layers import Dense
from pynet.models import Input, Model, Sequential, TrainingDiverged


def regression(seed=0, n=12):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)).astype(np.float32), rng.standard_normal((n, 1)).astype(np.float32)


def test_sample_weight_scales_each_sample_and_zero_removes_it():
    x, y = regression()
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    w = np.zeros(12)
    w[:6] = 2.0
    weighted = model.evaluate(x, y, verbose=0, sample_weight=w)
    plain_first_half = model.evaluate(x[:6], y[:6], verbose=0)
    # mean over all 12 of w·loss = (2 · Σ first six losses) / 12 = mean of the first six
    assert weighted == pytest.approx(plain_first_half, rel=1e-6)
    start = model.get_weights()
    model.train_on_batch(x, y, sample_weight=w)
    step_weighted = [a - b for a, b in zip(model.get_weights(), start)]
    model.set_weights(start)
    model.train_on_batch(x[:6], y[:6])
    step_half = [a - b for a, b in zip(model.get_weights(), start)]
    for a, b in zip(step_weighted, step_half):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_class_weight_is_a_sample_weight_from_the_label():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((10, 2)).astype(np.float32)
    labels = np.array([0, 1] * 5)
    model = Sequential([Dense(2, activation="softmax", input_shape=(2,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    start = model.get_weights()
    model.fit(x, labels, epochs=1, batch_size=10, verbose=0, shuffle=False,
              class_weight={0: 3.0, 1: 0.5})
    by_class = model.get_weights()
    model.set_weights(start)
    model.fit(x, labels, epochs=1, batch_size=10, verbose=0, shuffle=False,
              sample_weight=np.where(labels == 0, 3.0, 0.5))
    for a, b in zip(by_class, model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    with pytest.raises(ValueError, match="sample_weight.*shape \\(10,\\)"):
        model.fit(x, labels, sample_weight=np.ones(3), verbose=0)


def test_fit_from_a_generator_matches_fit_from_arrays():
    x, y = regression(n=16)

    def batches():
        while True:
            for i in range(0, 16, 4):
                yield x[i:i + 4], y[i:i + 4]

    models = []
    for source in ("arrays", "generator"):
        model = Sequential([Dense(1, input_shape=(3,), kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss="mse")
        if source == "arrays":
            h = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                          validation_data=(x, y))
        else:
            h = model.fit(batches(), steps_per_epoch=4, epochs=2, verbose=0,
                          validation_data=batches(), validation_steps=4)
        models.append((model.get_weights(), h.history))
    np.testing.assert_allclose(models[0][0][0], models[1][0][0], rtol=1e-6)
    np.testing.assert_allclose(models[0][1]["val_loss"], models[1][1]["val_loss"], rtol=1e-6)

    def short():
        yield x[:4], y[:4]
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="stopped after 1 batches"):
        model.fit(short(), steps_per_epoch=3, verbose=0)


def test_an_update_that_overflows_the_weights_cannot_return_normally():
    x, y = regression()
    model = Sequential([Dense(4, input_shape=(3,)), Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=1e38), loss="mse")
    with pytest.raises(TrainingDiverged, match="non-finite values in .*learning_rate"):
        model.fit(x, y * 1e6, epochs=1, batch_size=12, verbose=0)
    model2 = Sequential([Dense(4, input_shape=(3,)), Dense(1)])
    model2.compile(optimizer=optimizers.SGD(learning_rate=1e38), loss="mse")
    with pytest.raises(TrainingDiverged):
        model2.train_on_batch(x, y * 1e6)


def test_a_diverging_epoch_leaves_the_weights_it_started_with():
    x, y = regression()
    model = Sequential([Dense(4, input_shape=(3,)), Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=1e38), loss="mse")
    before = model.get_weights()
    with pytest.raises(TrainingDiverged, match="learning_rate") as info:
        model.fit(x, y * 1e6, epochs=1, batch_size=4, verbose=0)
    assert "back as they were" in str(info.value)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    with pytest.raises(TrainingDiverged):
        model.train_on_batch(x, y * 1e6)
    for w0, w1 in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_a_diverging_step_puts_back_adams_moments_and_step_count():
    """The snapshot a step starts from holds the optimizer's whole state (Adam's m, v per weight
    and its iteration count), not only the weights: after the failed step they are back, bit
    for bit, and the next good step is exactly the one the failed step would have been."""
    x, y = regression()
    model = Sequential([Dense(4, input_shape=(3,)), Dense(1)])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse")
    for _ in range(3):
        model.train_on_batch(x, y)

    def saved_state():
        return {k: np.array(v, copy=True) for k, v in model.optimizer.get_state().items()}
    weights, state = model.get_weights(), saved_state()
    assert int(state["iterations"]) == 3
    model.train_on_batch(x, y)                              # the fourth step, as it should be
    fourth = model.get_weights()
    model.set_weights(weights)
    model.optimizer.set_state({k: v.copy() for k, v in state.items()})

    model.optimizer.learning_rate = 1e37                   # finite loss, an update that explodes
    with pytest.raises(TrainingDiverged, match="back as they were"):
        model.train_on_batch(x, y)
    after = saved_state()
    assert sorted(after) == sorted(state)
    for key in state:
        np.testing.assert_array_equal(after[key], state[key])
    for w0, w1 in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    model.optimizer.learning_rate = 0.01
    model.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), fourth):
        np.testing.assert_array_equal(a, b)


# -- the probe after a train_on_batch step -------------------------------------------------------

def test_a_step_with_finite_weights_whose_outputs_overflow_is_undone():
    """SGD moves one weight from 1 to about 1e30 (finite in float32); on inputs of 1e10 the
    outputs are then ~1e40, past float32's range. The probe sees it and the step is undone."""
    x = np.full((4, 1), 1e10, dtype=np.float32)
    model = Sequential([Dense(1, input_shape=(1,), use_bias=False)])
    model.compile(optimizer=optimizers.SGD(learning_rate=1.0), loss="mse")
    model.set_weights([np.ones((1, 1), np.float32)])
    y = np.full((4, 1), -5e9, dtype=np.float32)     # dL/dw = 2·mean((w·x − y)·x) ≈ 3e20
    model.optimizer.learning_rate = 3e9             # the step: about −1e30, finite
    with pytest.raises(TrainingDiverged, match="outputs of .*back as they were"):
        model.train_on_batch(x, y)
    np.testing.assert_array_equal(model.get_weights()[0], np.ones((1, 1), np.float32))


def test_the_probe_runs_after_large_steps_only():
    from pynet.models import diagnosis
    x, y = regression()
    model = Sequential([Dense(4, input_shape=(3,)), Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=1e-3), loss="mse")
    runs = []
    forward = model._runner.forward

    def counted(*args, **kwargs):
        runs.append(kwargs.get("training"))
        return forward(*args, **kwargs)
    model._runner.forward = counted
    model.train_on_batch(x, y)                        # a small step: the training pass only
    assert runs.count(False) == 0 and runs.count(True) == 1
    model.optimizer.learning_rate = 50.0              # a step far larger than the weights
    before = diagnosis.Snapshot(model)
    try:
        model.train_on_batch(x, y)
    except TrainingDiverged:
        pass
    assert runs.count(False) == 1                     # the probe ran
    model.set_weights([w for w in before.weights])


def test_largest_step_fraction_per_layer():
    from pynet.models import diagnosis
    model = Sequential([Dense(2, input_shape=(2,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([np.array([[1.0, -4.0], [2.0, 0.5]], np.float32), np.zeros(2, np.float32),
                       np.array([[2.0], [1.0]], np.float32), np.zeros(1, np.float32)])
    snap = diagnosis.Snapshot(model)
    assert diagnosis.largest_step_fraction(model, snap) == 0.0
    first = model.layers[0].params
    first[next(iter(first))][0, 0] += 0.5            # 0.5 / 4 (the layer's largest |w|)
    assert diagnosis.largest_step_fraction(model, snap) == pytest.approx(0.125)
    assert not diagnosis.step_was_large(model, snap)
    second = model.layers[1].params
    second[next(iter(second))][1, 0] -= 1.0          # 1 / 2 in the second layer
    assert diagnosis.largest_step_fraction(model, snap) == pytest.approx(0.5)
    assert diagnosis.step_was_large(model, snap)
    snap.restore()
    model.set_weights([np.zeros((2, 2), np.float32), np.zeros(2, np.float32),
                       np.array([[2.0], [1.0]], np.float32), np.zeros(1, np.float32)])
    snap = diagnosis.Snapshot(model)
    first[next(iter(first))][1, 1] = 1e-6            # a layer that was all 0 moved: large
    assert diagnosis.largest_step_fraction(model, snap) == np.inf
    first[next(iter(first))][1, 1] = np.nan
    assert diagnosis.largest_step_fraction(model, snap) == np.inf


# -- trainable is read at compile time (Keras; Chollet listing 8.31) -----------------------------

def changed(before, after):
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


def test_freezing_takes_effect_at_the_next_compile_as_in_keras():
    """The GAN's trick: the discriminator is compiled while trainable, then frozen and wrapped
    in ``gan``. Its own ``train_on_batch`` still trains it; ``gan`` trains only the generator."""
    x, y = regression()
    d_in = Input(shape=(3,))
    discriminator = Model(d_in, Dense(1, activation="sigmoid")(Dense(4)(d_in)))
    discriminator.compile(optimizer=optimizers.SGD(0.1), loss="binary_crossentropy")
    discriminator.trainable = False
    g_in = Input(shape=(2,))
    generator = Model(g_in, Dense(3)(g_in))
    gan = Model(g_in, discriminator(generator(g_in)))
    gan.compile(optimizer=optimizers.SGD(0.1), loss="binary_crossentropy")
    labels = (y > 0).astype(np.float32)
    z = x[:, :2]

    d0, g0 = discriminator.get_weights(), generator.get_weights()
    gan.train_on_batch(z, labels)
    assert not any(changed(d0, discriminator.get_weights()))      # frozen inside gan
    assert all(changed(g0, generator.get_weights()))               # the generator moved
    discriminator.train_on_batch(x, labels)
    assert all(changed(d0, discriminator.get_weights()))           # compiled before: trains

    d1 = discriminator.get_weights()
    discriminator.compile(optimizer=optimizers.SGD(0.1), loss="binary_crossentropy")
    discriminator.train_on_batch(x, labels)                       # recompiled while frozen
    assert not any(changed(d1, discriminator.get_weights()))


def test_unfreezing_after_compile_also_waits_for_compile():
    x, y = regression()
    model = Sequential([Dense(2, input_shape=(3,), trainable=False), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.layers[0].trainable = True
    w0 = model.layers[0].get_weights()
    model.train_on_batch(x, y)
    assert not any(changed(w0, model.layers[0].get_weights()))
    model.compile(optimizer="sgd", loss="mse")
    model.train_on_batch(x, y)
    assert all(changed(w0, model.layers[0].get_weights()))


def test_fit_generator_is_keras_2s_name_for_fit_on_a_generator():
    x, y = regression(n=16)

    def batches():
        while True:
            for i in range(0, 16, 4):
                yield x[i:i + 4], y[i:i + 4]

    weights = []
    for how in ("fit", "fit_generator"):
        model = Sequential([Dense(1, input_shape=(3,), kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss="mse")
        if how == "fit":
            model.fit(batches(), steps_per_epoch=4, epochs=2, verbose=0)
        else:
            model.fit_generator(batches(), steps_per_epoch=4, epochs=2, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_a_generator_batch_of_the_wrong_shape_is_named_by_its_step():
    x, y = regression(n=16)

    def batches():
        yield x[:4], y[:4]
        yield x[4:8, :2], y[4:8]                      # the second batch lost a feature

    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"generator batch 2 of 3"):
        model.fit(batches(), steps_per_epoch=3, epochs=1, verbose=0)
