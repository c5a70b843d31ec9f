"""DepthwiseConv2D and SeparableConv2D: Keras's shapes, weights and parameter counts,
finite-difference gradients on both backends, PyTorch (grouped conv2d) and Keras 3 as witnesses."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers
from pynet.gradient_check import check_gradients, numerical_gradient
from pynet.kernels._checks.conv import output_length
from pynet.layers import Dense, DepthwiseConv2D, Flatten, SeparableConv2D
from pynet.layers.base import using_backend
from pynet.sequential import Sequential, load_model

from .keras_oracle import keras_layer_to_numpy, keras_or_skip


@pytest.fixture(autouse=True)
def _seeded_initializers():
    initializers.set_seed(11)


# (layer, input shape, Keras's output shape, Keras's parameter count, weight shapes)
SHAPES = [
    # the book's example: SeparableConv2D(32, 3) on 64x64 RGB = 3·3·3 + 3·32 + 32 = 155
    (lambda: SeparableConv2D(32, 3, activation="relu"), (64, 64, 3), (62, 62, 32), 155,
     [(3, 3, 3, 1), (1, 1, 3, 32), (32,)]),
    (lambda: SeparableConv2D(64, 3, padding="same"), (10, 10, 64), (10, 10, 64), 4_736,
     [(3, 3, 64, 1), (1, 1, 64, 64), (64,)]),
    (lambda: SeparableConv2D(8, (3, 5), strides=2, depth_multiplier=2, use_bias=False),
     (9, 11, 4), (4, 4, 8), 3 * 5 * 4 * 2 + 8 * 8, [(3, 5, 4, 2), (1, 1, 8, 8)]),
    (lambda: DepthwiseConv2D(3), (28, 28, 16), (26, 26, 16), 3 * 3 * 16 + 16,
     [(3, 3, 16, 1), (16,)]),
    (lambda: DepthwiseConv2D(3, depth_multiplier=3, padding="same", strides=2), (7, 7, 2),
     (4, 4, 6), 3 * 3 * 2 * 3 + 6, [(3, 3, 2, 3), (6,)]),
    (lambda: DepthwiseConv2D(3, dilation_rate=2, data_format="channels_first"), (4, 9, 9),
     (4, 5, 5), 40, [(3, 3, 4, 1), (4,)]),
]


@pytest.mark.parametrize("make,in_shape,out_shape,count,weights", SHAPES)
def test_keras_shapes_weights_and_counts(make, in_shape, out_shape, count, weights, rng):
    layer = make()
    layer.build(in_shape)
    assert layer.output_shape == out_shape
    assert layer.count_params() == count
    assert [w.shape for w in layer.get_weights()] == weights
    y = layer(rng.normal(size=(2,) + in_shape).astype(np.float32))
    assert y.shape == (2,) + out_shape


GRAD_CASES = [
    (lambda: DepthwiseConv2D(3, dtype="float64"), (5, 5, 2)),
    (lambda: DepthwiseConv2D((2, 3), strides=2, padding="same", depth_multiplier=2,
                             dtype="float64"), (5, 6, 2)),
    (lambda: DepthwiseConv2D(3, dilation_rate=2, padding="same", activation="tanh",
                             dtype="float64"), (5, 5, 1)),
    (lambda: DepthwiseConv2D(2, data_format="channels_first", dtype="float64"), (2, 4, 3)),
    (lambda: SeparableConv2D(3, 3, dtype="float64"), (5, 5, 2)),
    (lambda: SeparableConv2D(2, 3, strides=2, padding="same", depth_multiplier=2,
                             activation="tanh", dtype="float64"), (5, 4, 3)),
    (lambda: SeparableConv2D(2, 2, use_bias=False, data_format="channels_first",
                             dtype="float64"), (3, 4, 4)),
]


@pytest.mark.parametrize("backend", ["python", "cython"])
@pytest.mark.parametrize("make,shape", GRAD_CASES, ids=[str(i) for i in range(len(GRAD_CASES))])
def test_gradients_match_finite_differences(make, shape, backend, rng):
    with using_backend(backend):
        layer = make()
        x = rng.normal(size=(2,) + shape)
        y = layer(x)
        for key in layer.params:                       # non-zero bias: exercise its gradient
            layer.params[key][...] = rng.normal(size=layer.params[key].shape) * 0.5
        r = rng.normal(size=y.shape)

        def loss():
            return float(np.sum(layer.forward(x) * r))

        layer.forward(x)
        dx = layer.backward(r)
        analytic = {k: g.copy() for k, g in layer.grads.items()}
        # below 1e-5: round-off on the smallest entries of a sum of products stays near 1e-6,
        # a wrong gradient is off by 1e-2 or more
        report = check_gradients(loss, layer.params, analytic, tolerance=1e-5)
        assert report.ok, str(report)
        # dx has entries near 1e-4 where the central difference's round-off (~1e-9 absolute)
        # is already 1e-5 relative: compare with an absolute floor as well (a wrong gradient is
        # off by 1e-2 or more)
        np.testing.assert_allclose(dx, numerical_gradient(loss, x), rtol=1e-5, atol=1e-8)


def _same_pads(n, k, s, d):
    _, before, after = output_length(n, k, s, d, "same")
    return before, after


@pytest.mark.parametrize("kind", ["depthwise", "separable"])
@pytest.mark.parametrize("padding,strides,mult", [("valid", 1, 1), ("same", 2, 2), ("same", 1, 3)])
def test_same_as_torch_grouped_convolution(require, kind, padding, strides, mult, rng):
    """PyTorch's depthwise convolution is conv2d with groups = C and weight (C·M, 1, kh, kw), whose
    output channel c·M + m reads input channel c — TensorFlow's order, so the weights just
    transpose. The pointwise step is a 1x1 conv2d."""
    torch = require("torch")
    F = torch.nn.functional
    c, f = 3, 4
    layer = DepthwiseConv2D(3, strides=strides, padding=padding, depth_multiplier=mult,
                            activation="relu", dtype="float64") if kind == "depthwise" else \
        SeparableConv2D(f, 3, strides=strides, padding=padding, depth_multiplier=mult,
                        activation="relu", dtype="float64")
    x = rng.normal(size=(2, 7, 8, c))
    layer.build(x.shape[1:])
    for key in layer.params:
        layer.params[key][...] = rng.normal(size=layer.params[key].shape)
    y = layer.forward(x)
    g = rng.normal(size=y.shape)
    dx = layer.backward(g)

    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    dk = torch.tensor(layer.params["depthwise_kernel"].reshape(3, 3, c * mult).transpose(2, 0, 1)[:, None],
                      requires_grad=True)
    xin = xt
    if padding == "same":
        top, bottom = _same_pads(7, 3, strides, 1)
        left, right = _same_pads(8, 3, strides, 1)
        xin = F.pad(xt, (left, right, top, bottom))
    bias = torch.tensor(layer.params["bias"], requires_grad=True)
    z = F.conv2d(xin, dk, None if kind == "separable" else bias, stride=strides, groups=c)
    if kind == "separable":
        pk = torch.tensor(layer.params["pointwise_kernel"][0, 0].T[:, :, None, None].copy(),
                          requires_grad=True)
        z = F.conv2d(z, pk, bias)
    yt = torch.relu(z)
    yt.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(y, yt.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(layer.grads["depthwise_kernel"],
                               dk.grad.numpy()[:, 0].transpose(1, 2, 0).reshape(3, 3, c, mult),
                               rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(layer.grads["bias"], bias.grad.numpy(), rtol=1e-9, atol=1e-11)
    if kind == "separable":
        np.testing.assert_allclose(layer.grads["pointwise_kernel"][0, 0],
                                   pk.grad.numpy()[:, :, 0, 0].T, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name,kwargs", [
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, padding="same", strides=2)),
    ("SeparableConv2D", dict(filters=5, kernel_size=(3, 2), depth_multiplier=2, padding="same")),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, dilation_rate=2)),
])
def test_same_as_keras(require, name, kwargs, rng):
    """Keras 3 with the same weights (set_weights in Keras's order) gives the same output."""
    keras = keras_or_skip(require)
    import pynet.layers as ours_module
    x = rng.normal(size=(2, 9, 8, 3)).astype(np.float32)
    ours = getattr(ours_module, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    theirs.build((None,) + x.shape[1:])
    ours.build(x.shape[1:])
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    weights = [rng.normal(size=w.shape).astype(np.float32) for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours.forward(x), keras_layer_to_numpy(theirs(x)), rtol=1e-4, atol=1e-4)


def test_trains_saves_and_loads(tmp_path, rng):
    model = Sequential([SeparableConv2D(4, 3, activation="relu", input_shape=(8, 8, 2)),
                        DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
                        Flatten(), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(16, 8, 8, 2)).astype(np.float32)
    y = x.mean(axis=(1, 2, 3))[:, None]
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    assert model.check_gradients(x[:2], y[:2]).ok
    model.save(tmp_path / "sep")
    again = load_model(tmp_path / "sep")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert [l.get_config() for l in again.layers] == [l.get_config() for l in model.layers]


def test_bad_input():
    with pytest.raises(ValueError, match="strides > 1 cannot be combined with dilation_rate > 1"):
        DepthwiseConv2D(3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="'depth_multiplier' must be a positive integer"):
        SeparableConv2D(4, 3, depth_multiplier=0)
    with pytest.raises(ValueError, match="'filters' must be a positive integer"):
        SeparableConv2D(0, 3)
    with pytest.raises(ValueError, match="grayscale images need a channel axis"):
        DepthwiseConv2D(3).build((28, 28))
    layer = SeparableConv2D(2, 5)
    with pytest.raises(ValueError, match="window spans 5 pixels"):
        layer.build((4, 4, 1))
    assert not layer.params
    layer = DepthwiseConv2D(3)
    layer.build((6, 6, 2))
    with pytest.raises(ValueError, match=r"expected input of shape \(None, 6, 6, 2\), got \(1, 6, 6, 3\)"):
        layer.forward(np.zeros((1, 6, 6, 3), np.float32))


@pytest.mark.parametrize("backend", ["python", "cython"])
def test_empty_batch(backend):
    with using_backend(backend):
        for layer in (DepthwiseConv2D(2, depth_multiplier=2), SeparableConv2D(3, 2, padding="same")):
            y = layer(np.zeros((0, 4, 4, 2), np.float32))
            assert y.shape == (0,) + layer.output_shape
            assert layer.backward(np.zeros_like(y)).shape == (0, 4, 4, 2)
