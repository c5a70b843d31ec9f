"""vjp: the gradient of a function written with autodiff operations, as a layer's backward needs
it, against central differences."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import autodiff as ad

EPS = 1e-6


def numeric(f, x):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + EPS
        up = f()
        x[i] = old - EPS
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * EPS)
    return g


def test_a_lambda_against_finite_differences():
    fn = lambda x: ad.tanh(x) * 2 + x ** 2       # noqa: E731 - the kind of function a Lambda holds
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3))
    y, backward = ad.vjp(fn, [x])
    np.testing.assert_allclose(y, np.tanh(x) * 2 + x ** 2)
    seed = rng.normal(size=y.shape)
    (gx,), gp = backward(seed)
    assert gp == {}
    np.testing.assert_allclose(gx, numeric(lambda: np.sum((np.tanh(x) * 2 + x ** 2) * seed), x),
                               rtol=1e-6)
    np.testing.assert_allclose(gx, seed * (2 * (1 - np.tanh(x) ** 2) + 2 * x), rtol=1e-12)


def test_a_custom_dense_layer_with_parameters():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 4))
    params = {"kernel": rng.normal(size=(4, 3)), "bias": rng.normal(size=3)}

    def call(x, kernel, bias):
        return ad.softmax(ad.relu(x @ kernel + bias))
    y, backward = ad.vjp(call, [x], params)
    seed = rng.normal(size=y.shape)
    (gx,), grads = backward(seed)

    def loss():
        return float(np.sum(call(ad.tensor(x), **{k: ad.tensor(v) for k, v in params.items()})
                            .data * seed))
    np.testing.assert_allclose(gx, numeric(loss, x), rtol=1e-5, atol=1e-8)
    for key in params:
        np.testing.assert_allclose(grads[key], numeric(loss, params[key]), rtol=1e-5, atol=1e-8)


def test_several_inputs_several_outputs_and_unused_ones():
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array([7.0, 7.0])
    outs, backward = ad.vjp(lambda a, b, c: [a * b, a + 1.0], [a, b, c])
    assert [o.tolist() for o in outs] == [[3.0, -2.0], [2.0, 3.0]]
    (ga, gb, gc), _ = backward([np.ones(2), np.array([10.0, 10.0])])
    assert ga.tolist() == [13.0, 9.0]              # b + 10
    assert gb.tolist() == [1.0, 2.0]               # a
    assert gc.tolist() == [0.0, 0.0]               # c is unused: zeros, not None
    (ga, _, _), _ = backward([None, np.ones(2)])   # an output nobody used
    assert ga.tolist() == [1.0, 1.0]


def test_backward_can_run_twice_and_keeps_float32():
    x = np.ones((2, 2), np.float32)
    k = {"w": np.full((2, 2), 0.5, np.float32)}
    _, backward = ad.vjp(lambda x, w: ad.sigmoid(x @ w), [x], k)
    first = backward(np.ones((2, 2), np.float32))
    second = backward(np.ones((2, 2), np.float32))
    np.testing.assert_array_equal(first[1]["w"], second[1]["w"])
    assert first[0][0].dtype == np.float32 and first[1]["w"].dtype == np.float32


def test_integer_inputs_get_no_gradient():
    ids = np.array([0, 2, 2])
    table = {"embeddings": np.arange(6.0).reshape(3, 2)}
    y, backward = ad.vjp(lambda i, embeddings: embeddings[i.data], [ids], table)
    assert y.tolist() == [[0, 1], [4, 5], [4, 5]]
    (gi,), grads = backward(np.ones((3, 2)))
    assert gi is None
    assert grads["embeddings"].tolist() == [[1, 1], [0, 0], [2, 2]]   # row 2 picked twice


def test_bad_use_is_explained():
    with pytest.raises(TypeError, match="inputs must be a list of arrays, got ndarray"):
        ad.vjp(ad.tanh, np.ones(3))
    with pytest.raises(TypeError, match="output 0 is a ndarray"):
        ad.vjp(lambda x: np.tanh(x.data), [np.ones(3)])
    _, backward = ad.vjp(ad.tanh, [np.ones(3)])
    with pytest.raises(ValueError, match=r"grad_output has shape \(2,\) but the output has shape \(3,\)"):
        backward(np.ones(2))


# -- a custom layer whose call is written with autodiff operations trains without a backward ------
from pynet.layers.base import Layer, register_layer  # noqa: E402


@register_layer
class AutodiffTanhDense(Layer):
    """tanh(x @ kernel + bias) · scale + x @ kernel: written once, as operations; vjp supplies
    the backward pass the layer contract asks for."""

    name_prefix = "autodiff_tanh_dense"

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")
        self.add_weight("bias", (self.units,), "zeros")
        self.add_weight("scale", (1,), "ones")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    @staticmethod
    def call(x, kernel, bias, scale):
        z = x @ kernel
        return ad.tanh(z + bias) * scale + z

    def forward(self, x, training=False):
        y, self._backward = ad.vjp(self.call, [x], self.params)
        return y

    def backward(self, grad):
        (gx,), grads = self._backward(grad)
        for key, g in grads.items():
            self.grads[key][...] = g
        return gx

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_a_custom_layer_passes_sequentials_gradient_check_and_trains():
    from pynet.layers import Dense
    from pynet.sequential import Sequential
    from pynet.utils import set_seed
    set_seed(3)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 5)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 16)]
    net = Sequential([AutodiffTanhDense(4, input_shape=(5,)), Dense(3, activation="softmax")])
    from pynet.optimizers import SGD
    net.compile(optimizer=SGD(learning_rate=0.5), loss="categorical_crossentropy")
    report = net.check_gradients(x, y, samples=30)      # float64 twin, central differences
    assert report.ok, str(report)
    assert {"kernel", "bias", "scale"} <= {k.split("/")[1] for k in report.errors}
    first = net.evaluate(x, y, verbose=0)
    net.fit(x, y, epochs=100, batch_size=16, verbose=0)
    assert net.evaluate(x, y, verbose=0) < 0.3 * first
