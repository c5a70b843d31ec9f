"""BatchNormalization: Keras's weights and update rule, finite-difference gradients on both
backends, PyTorch and Keras 3 as witnesses, saving, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers
from pynet.gradient_check import check_gradients, numerical_gradient, relative_error
from pynet.layers import BatchNormalization, Conv2D, Dense, Flatten
from pynet.layers.base import using_backend
from pynet.sequential import Sequential, load_model

from .keras_oracle import keras_layer_to_numpy, keras_or_skip


@pytest.fixture(autouse=True)
def _seeded_initializers():
    initializers.set_seed(3)


def _random_weights(layer, rng):
    """γ, β, moving mean and a positive moving variance, not Keras's 1/0 defaults."""
    c = layer.params["moving_mean"].shape[0]
    values = {"gamma": rng.normal(size=c) + 1.0, "beta": rng.normal(size=c),
              "moving_mean": rng.normal(size=c), "moving_variance": rng.uniform(0.5, 2.0, size=c)}
    layer.set_weights([values[k] for k in layer.params])


def test_keras_weights_order_and_counts():
    """A BN after a 32-filter Conv2D: 4·32 = 128 parameters, 64 trainable (Keras's summary)."""
    layer = BatchNormalization()
    layer.build((26, 26, 32))
    assert list(layer.params) == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert layer.count_params() == 128 and layer.count_trainable_params() == 64
    assert [w.tolist()[:2] for w in layer.get_weights()] == [[1, 1], [0, 0], [0, 0], [1, 1]]
    bare = BatchNormalization(center=False, scale=False)
    bare.build((5,))
    assert list(bare.params) == ["moving_mean", "moving_variance"]
    assert bare.count_trainable_params() == 0


def test_worked_example_one_training_step():
    """One feature, batch [1, 2, 3, 6]: μ = 3, σ² = (4 + 1 + 0 + 9)/4 = 3.5 (biased), and the
    moving statistics move 1% of the way: 0.99·0 + 0.01·3 = 0.03, 0.99·1 + 0.01·3.5 = 1.025."""
    layer = BatchNormalization(dtype="float64")
    x = np.array([[1.0], [2.0], [3.0], [6.0]])
    y = layer(x, training=True)
    np.testing.assert_allclose(y[:, 0], (x[:, 0] - 3) / np.sqrt(3.5 + 1e-3))
    np.testing.assert_allclose(layer.params["moving_mean"], [0.03])
    np.testing.assert_allclose(layer.params["moving_variance"], [1.025])
    # inference uses the moving statistics: (x − 0.03)/sqrt(1.025 + 0.001)
    np.testing.assert_allclose(layer(x)[:, 0], (x[:, 0] - 0.03) / np.sqrt(1.026))


def test_frozen_layer_uses_moving_statistics_even_in_training(rng):
    layer = BatchNormalization(dtype="float64", trainable=False)
    x = rng.normal(size=(8, 3)) * 5 + 2
    layer.build((3,))
    before = [w.copy() for w in layer.get_weights()]
    np.testing.assert_allclose(layer.forward(x, training=True), x / np.sqrt(1 + 1e-3))
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


# (constructor kwargs, sample shape): Dense outputs, NHWC images, channels-first, a middle axis
CASES = [
    (dict(), (4,)),
    (dict(), (3, 3, 2)),
    (dict(axis=1), (2, 3, 3)),
    (dict(axis=2), (3, 4, 2)),
    (dict(axis=-2, center=False), (3, 2)),
    (dict(scale=False, epsilon=0.1), (5,)),
]


def _loss_and_grads(layer, x, rng, training):
    y = layer.forward(x, training=training)
    r = rng.normal(size=y.shape)

    def loss():
        return float(np.sum(layer.forward(x, training=training) * r))

    layer.forward(x, training=training)
    dx = layer.backward(r)
    return loss, dx


@pytest.mark.parametrize("backend", ["python", "cython"])
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("kwargs,shape", CASES, ids=[str(c) for c in CASES])
def test_gradients_match_finite_differences(kwargs, shape, training, backend, rng):
    with using_backend(backend):
        layer = BatchNormalization(dtype="float64", **kwargs)
        layer.build(shape)
        _random_weights(layer, rng)
        x = rng.normal(size=(3,) + shape) * 2 + 1
        loss, dx = _loss_and_grads(layer, x, rng, training)
        # In training the forward pass rewrites the moving statistics, so only γ and β are
        # perturbed there; at inference the output depends on all four weights.
        keys = ("gamma", "beta") if training else tuple(layer.params)
        checked = {k: layer.params[k] for k in keys if k in layer.params}
        analytic = {k: layer.grads[k].copy() for k in checked}
        report = check_gradients(loss, checked, analytic, tolerance=1e-6)
        assert report.ok, str(report)
        num_dx = numerical_gradient(loss, x)
        assert relative_error(dx, num_dx).max() < 1e-6
        if training:
            np.testing.assert_array_equal(layer.grads["moving_mean"], 0)


def _torch(require):
    return require("torch")


@pytest.mark.parametrize("shape,axis", [((6, 4), -1), ((5, 4, 3, 2), -1), ((5, 3, 4, 2), 1)])
def test_same_as_torch_batch_norm(require, shape, axis, rng):
    """Same output and gradients as torch.nn.functional.batch_norm; the moving mean agrees with
    torch's running mean for momentum_torch = 1 − momentum_keras, and the moving variance differs
    exactly by torch's unbiased estimate (m/(m−1) on the batch variance)."""
    torch = require("torch")
    layer = BatchNormalization(axis=axis, momentum=0.9, dtype="float64")
    layer.build(shape[1:])
    _random_weights(layer, rng)
    gamma, beta, mm, mv = [w.copy() for w in layer.get_weights()]
    x = rng.normal(size=shape) * 3 + 1
    g = rng.normal(size=shape)
    y = layer.forward(x, training=True)
    dx = layer.backward(g)

    # torch wants channels on axis 1
    to_nc = (lambda a: np.moveaxis(a, -1, 1)) if axis == -1 else (lambda a: a)
    xt = torch.tensor(to_nc(x), requires_grad=True)
    wt = torch.tensor(gamma, requires_grad=True)
    bt = torch.tensor(beta, requires_grad=True)
    rm, rv = torch.tensor(mm), torch.tensor(mv)
    yt = torch.nn.functional.batch_norm(xt, rm, rv, wt, bt, training=True, momentum=0.1, eps=1e-3)
    yt.backward(torch.tensor(to_nc(g)))
    np.testing.assert_allclose(to_nc(y), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_nc(dx), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.grads["gamma"], wt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.grads["beta"], bt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.params["moving_mean"], rm.numpy(), rtol=1e-12)
    m = x.size // shape[axis]
    batch_var = x.var(axis=tuple(i for i in range(x.ndim) if i != axis % x.ndim))
    np.testing.assert_allclose(layer.params["moving_variance"], 0.9 * mv + 0.1 * batch_var)
    np.testing.assert_allclose(rv.numpy(), 0.9 * mv + 0.1 * batch_var * m / (m - 1))
    # inference: torch with training=False on the updated statistics
    yi = layer.forward(x)
    want = torch.nn.functional.batch_norm(torch.tensor(to_nc(x)), rm, torch.tensor(layer.params["moving_variance"]),
                                          torch.tensor(gamma), torch.tensor(beta), training=False, eps=1e-3)
    np.testing.assert_allclose(to_nc(yi), want.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape,axis", [((6, 4), -1), ((4, 3, 3, 2), -1), ((4, 2, 3, 3), 1)])
def test_same_as_keras(require, shape, axis, rng):
    """Keras 3 with identical weights: same training output, same moving statistics after the
    step (its update rule), same inference output."""
    keras = keras_or_skip(require)
    ours = BatchNormalization(axis=axis, momentum=0.8)
    theirs = keras.layers.BatchNormalization(axis=axis, momentum=0.8)
    theirs.build((None,) + shape[1:])
    ours.build(shape[1:])
    _random_weights(ours, rng)
    theirs.set_weights(ours.get_weights())
    x = (rng.normal(size=shape) * 2 + 0.5).astype(np.float32)
    np.testing.assert_allclose(ours.forward(x, training=True),
                               keras_layer_to_numpy(theirs(x, training=True)), rtol=1e-4, atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.forward(x), keras_layer_to_numpy(theirs(x, training=False)),
                               rtol=1e-4, atol=1e-5)


def test_trains_saves_and_loads_in_a_convnet(tmp_path, rng):
    model = Sequential([Conv2D(4, 3, input_shape=(6, 6, 1)), BatchNormalization(momentum=0.5),
                        Flatten(), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = rng.normal(size=(16, 6, 6, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.int64)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    bn = model.layers[1]
    assert not np.allclose(bn.params["moving_mean"], 0)          # moved during fit
    moving = bn.params["moving_mean"].copy()
    model.predict(x)
    np.testing.assert_array_equal(bn.params["moving_mean"], moving)  # not during predict
    assert model.check_gradients(x[:4], y[:4]).ok          # inference mode: all four weights
    model.save(tmp_path / "bn")
    again = load_model(tmp_path / "bn")
    assert again.layers[1].get_config() == bn.get_config()
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_bad_input():
    with pytest.raises(ValueError, match=r"axis=3 is not a feature axis of inputs of shape \(None, 4, 2\)"):
        BatchNormalization(axis=3).build((4, 2))
    with pytest.raises(ValueError, match=r"axis=0 is not a feature axis"):
        BatchNormalization(axis=0).build((4,))
    with pytest.raises(TypeError, match="one int"):
        BatchNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match=r"'momentum' must be a finite real number in \[0, 1\]"):
        BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match=r"'epsilon' must be a finite real number > 0"):
        BatchNormalization(epsilon=0)
    layer = BatchNormalization()
    layer.build((3,))
    with pytest.raises(ValueError, match=r"expected input of shape \(None, 3\), got \(2, 4\)"):
        layer.forward(np.zeros((2, 4), np.float32), training=True)
    np.testing.assert_array_equal(layer.params["moving_mean"], 0)   # nothing changed
    with pytest.raises(ValueError, match="at least one value per channel"):
        layer.forward(np.zeros((0, 3), np.float32), training=True)
    np.testing.assert_array_equal(layer.params["moving_variance"], 1)
