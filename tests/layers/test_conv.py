"""Conv2D: Keras's shapes and parameter counts, finite-difference gradients, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers
from pynet.gradient_check import check_gradients, numerical_gradient, relative_error
from pynet.layers.base import using_backend
from pynet.layers.conv import Conv2D

# (constructor kwargs, input shape, Keras's output shape, Keras's parameter count)
SHAPES = [
    (dict(filters=32, kernel_size=(3, 3)), (28, 28, 1), (26, 26, 32), 320),      # Chollet 5.1
    (dict(filters=64, kernel_size=(3, 3)), (13, 13, 32), (11, 11, 64), 18_496),
    (dict(filters=64, kernel_size=(3, 3)), (5, 5, 64), (3, 3, 64), 36_928),
    (dict(filters=32, kernel_size=3, padding="same"), (32, 32, 3), (32, 32, 32), 896),  # CIFAR
    (dict(filters=32, kernel_size=3), (32, 32, 32), (30, 30, 32), 9_248),
    (dict(filters=8, kernel_size=3, strides=2, padding="same"), (7, 7, 1), (4, 4, 8), 80),
    (dict(filters=8, kernel_size=3, strides=2), (7, 7, 1), (3, 3, 8), 80),
    (dict(filters=8, kernel_size=(3, 5), strides=(1, 2)), (10, 11, 2), (8, 4, 8), 248),
    (dict(filters=4, kernel_size=3, dilation_rate=2), (10, 10, 1), (6, 6, 4), 40),
    (dict(filters=4, kernel_size=3, dilation_rate=2, padding="same"), (10, 10, 1), (10, 10, 4), 40),
    (dict(filters=5, kernel_size=1, use_bias=False), (4, 4, 3), (4, 4, 5), 15),
    # the lecture notes' channels_first MNIST CNNs (Theano 'th' ordering)
    (dict(filters=32, kernel_size=(5, 5), data_format="channels_first"), (1, 28, 28), (32, 24, 24), 832),
    (dict(filters=15, kernel_size=(3, 3), data_format="channels_first"), (30, 12, 12), (15, 10, 10), 4_065),
]


@pytest.mark.parametrize("kwargs,in_shape,out_shape,params", SHAPES)
def test_keras_shapes_and_param_counts(kwargs, in_shape, out_shape, params):
    layer = Conv2D(**kwargs)
    layer.build(in_shape)
    assert layer.output_shape == out_shape
    assert layer.count_params() == params
    kh, kw = layer.kernel_size
    c = in_shape[0] if layer.data_format == "channels_first" else in_shape[2]
    assert layer.params["kernel"].shape == (kh, kw, c, kwargs["filters"])


def test_forward_output_matches_built_shape(rng):
    for kwargs, in_shape, out_shape, _ in SHAPES[:10]:
        layer = Conv2D(**kwargs)
        y = layer(rng.normal(size=(2,) + in_shape).astype(np.float32))
        assert y.shape == (2,) + out_shape and y.dtype == np.float32


@pytest.fixture(autouse=True)
def _seeded_initializers():
    initializers.set_seed(7)


def _grad_check(layer, x, rng):
    """Check dL/dkernel, dL/dbias and dL/dx of L = Σ y ⊙ R against central differences."""
    y = layer(x)
    r = rng.normal(size=y.shape)

    def loss():
        return float(np.sum(layer.forward(x) * r))

    layer.forward(x)
    dx = layer.backward(r)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    # Elementwise relative error below 1e-5: round-off in a sum of ~100 products stays near
    # 1e-7..1e-6 on the smallest entries, while a wrong gradient is off by 1e-2 or more.
    report = check_gradients(loss, layer.params, analytic, tolerance=1e-5)
    assert report.ok, str(report)
    num_dx = numerical_gradient(loss, x)
    assert relative_error(dx, num_dx).max() < 1e-5
    assert np.abs(dx - num_dx).max() < 1e-7 * max(1.0, np.abs(num_dx).max())


GRAD_CASES = [
    dict(filters=3, kernel_size=3),
    dict(filters=3, kernel_size=(2, 3), strides=2, padding="same"),
    dict(filters=2, kernel_size=3, strides=(3, 2)),
    dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"),
    dict(filters=2, kernel_size=(3, 2), dilation_rate=(1, 2)),
    dict(filters=3, kernel_size=3, activation="tanh", padding="same"),
    dict(filters=3, kernel_size=2, activation="sigmoid", use_bias=False),
    dict(filters=3, kernel_size=1, strides=2),
]


@pytest.mark.parametrize("kwargs", GRAD_CASES, ids=[str(k) for k in GRAD_CASES])
def test_gradients_channels_last(kernels_of, backend_name, rng, kwargs):
    with using_backend(kernels_of(backend_name)):
        layer = Conv2D(dtype="float64", bias_initializer="random_normal", **kwargs)
        x = rng.normal(size=(2, 7, 6, 2))
        _grad_check(layer, x, rng)


def test_gradients_channels_first(kernels_of, backend_name, rng):
    with using_backend(kernels_of(backend_name)):
        layer = Conv2D(3, (3, 2), strides=2, padding="same", data_format="channels_first",
                       activation="tanh", dtype="float64", bias_initializer="random_normal")
        x = rng.normal(size=(2, 2, 7, 6))
        _grad_check(layer, x, rng)


def test_channels_first_equals_channels_last_transposed(rng):
    last = Conv2D(4, 3, strides=2, padding="same")
    first = Conv2D(4, 3, strides=2, padding="same", data_format="channels_first")
    x = rng.normal(size=(3, 9, 8, 2)).astype(np.float32)
    y_last = last(x)
    first.build((2, 9, 8))
    first.set_weights(last.get_weights())          # the kernel layout is the same in both
    y_first = first(x.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(y_first.transpose(0, 2, 3, 1), y_last, rtol=1e-5, atol=1e-5)


def test_first_layer_skips_input_gradient(rng):
    layer = Conv2D(2, 3)
    x = rng.normal(size=(1, 5, 5, 1)).astype(np.float32)
    y = layer(x)
    layer.input_grad_needed = False
    assert layer.backward(np.ones_like(y)) is None
    assert np.abs(layer.grads["kernel"]).sum() > 0


def test_matches_pytorch_when_installed(rng, require):
    torch = require("torch")
    F = torch.nn.functional
    layer = Conv2D(5, (3, 3), strides=2, padding="same", dtype="float64",
                   bias_initializer="random_normal")
    x = rng.normal(size=(2, 9, 9, 3))
    y = layer(x)
    # Keras 'same' for n=9, k=3, s=2: out 5, total padding (5-1)*2+3-9 = 2, 1 before, 1 after
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    kt = torch.tensor(layer.params["kernel"].transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bt = torch.tensor(layer.params["bias"], requires_grad=True)
    yt = F.conv2d(F.pad(xt, (1, 1, 1, 1)), kt, bt, stride=2)
    np.testing.assert_allclose(y, yt.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10)
    g = rng.normal(size=y.shape)
    dx = layer.backward(g)
    yt.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads["kernel"], kt.grad.numpy().transpose(2, 3, 1, 0),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads["bias"], bt.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_config_round_trip():
    layer = Conv2D(6, (3, 2), strides=(2, 1), padding="same", activation="relu",
                   data_format="channels_first", kernel_regularizer="l2", name="c")
    config = layer.get_config()
    again = Conv2D.from_config(config)
    assert again.get_config() == config


# -- bad input: a clear message, raised before anything changes -----------------------------

def test_kernel_larger_than_input_with_valid_padding():
    layer = Conv2D(4, 5, name="big")
    with pytest.raises(ValueError, match=r"Conv2D 'big' \(input \(None, 3, 3, 1\)\): the window "
                                         r"spans 5 pixels along height but the input has only 3"):
        layer.build((3, 3, 1))
    assert not layer.built and layer.params == {}


def test_channel_count_that_does_not_match_the_weights(rng):
    layer = Conv2D(4, 3, name="c1")
    layer(rng.normal(size=(1, 8, 8, 3)).astype(np.float32))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"layer 'c1' \(Conv2D\) expected input of shape "
                                         r"\(None, 8, 8, 3\), got \(1, 8, 8, 1\)"):
        layer.forward(np.ones((1, 8, 8, 1), dtype=np.float32))
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_wrong_data_format():
    with pytest.raises(ValueError, match=r"data_format must be 'channels_last' .* or "
                                         r"'channels_first' .*, got 'NHWC'"):
        Conv2D(4, 3, data_format="NHWC")


@pytest.mark.parametrize("strides,exc,pattern", [
    (0, ValueError, r"Conv2D\(\): strides must be >= 1, got 0"),
    (1.5, TypeError, r"Conv2D\(\): strides must be an int or a pair of ints, got 1.5"),
    ((2, 0), ValueError, r"strides must be >= 1, got \(2, 0\)"),
    ("2", TypeError, r"strides must be an int or a pair of ints"),
])
def test_non_integer_or_zero_strides(strides, exc, pattern):
    with pytest.raises(exc, match=pattern):
        Conv2D(4, 3, strides=strides)


def test_bad_kernel_size_and_filters():
    with pytest.raises(ValueError, match=r"kernel_size must be >= 1, got \(3, 0\)"):
        Conv2D(4, (3, 0))
    with pytest.raises(ValueError, match=r"'filters' must be a positive integer, got 0"):
        Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"padding must be 'valid' or 'same', got 'full'"):
        Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match=r"strides > 1 cannot be combined with dilation_rate > 1"):
        Conv2D(4, 3, strides=2, dilation_rate=2)


def test_images_without_a_channel_axis():
    layer = Conv2D(4, 3, name="first")
    with pytest.raises(ValueError, match=r"Conv2D 'first' expects images of shape \(None,\) \+ "
                                         r"\(height, width, channels\) \(channels_last\), got input "
                                         r"shape \(None, 28, 28\) — .* gives \(None, 28, 28, 1\)"):
        layer.build((28, 28))
    assert not layer.built
    built = Conv2D(4, 3, name="built")
    built.build((28, 28, 1))
    with pytest.raises(ValueError, match=r"expected a 4-D batch of shape \(None, 28, 28, 1\), "
                                         r"got \(5, 28, 28\) — images without a channel axis"):
        built.forward(np.ones((5, 28, 28), dtype=np.float32))
    cf = Conv2D(4, 3, data_format="channels_first", name="cf")
    with pytest.raises(ValueError, match=r"x\[:, np.newaxis\] gives \(None, 1, 28, 28\)"):
        cf.build((28, 28))


def test_failed_forward_keeps_the_previous_cache(rng):
    layer = Conv2D(2, 3)
    x = rng.normal(size=(2, 6, 6, 1)).astype(np.float32)
    y = layer(x)
    with pytest.raises(ValueError):
        layer.forward(np.ones((2, 6, 6, 2), dtype=np.float32))
    dx = layer.backward(np.ones_like(y))          # still the gradient of the good batch
    assert dx.shape == x.shape


def test_relu_is_fused_and_exact(rng):
    """Conv2D(activation='relu') uses the kernel's fused ReLU; it must equal a linear Conv2D
    followed by max(0, ·), forward and backward."""
    relu = Conv2D(4, 3, activation="relu", padding="same", dtype="float64")
    linear = Conv2D(4, 3, padding="same", dtype="float64")
    x = rng.normal(size=(2, 6, 5, 3))
    relu.build(x.shape[1:])
    linear.build(x.shape[1:])
    linear.set_weights(relu.get_weights())
    assert relu._fused_activation() == "relu" and linear._fused_activation() == "linear"
    y, z = relu.forward(x), linear.forward(x)
    np.testing.assert_array_equal(y, np.maximum(z, 0))
    g = rng.normal(size=y.shape)
    np.testing.assert_array_equal(relu.backward(g), linear.backward(g * (z > 0)))
    np.testing.assert_array_equal(relu.grads["kernel"], linear.grads["kernel"])
    np.testing.assert_array_equal(relu.grads["bias"], linear.grads["bias"])


def test_a_convnet_saves_and_loads(tmp_path, rng):
    """Conv2D and pooling layers go through Sequential.save/load_model (JSON + NPZ) unchanged."""
    from pynet.layers import AveragePooling2D, Dense, Flatten, GlobalMaxPooling2D, MaxPooling2D
    from pynet.sequential import Sequential, load_model

    model = Sequential([
        Conv2D(4, 3, activation="relu", padding="same", input_shape=(1, 9, 9),
               data_format="channels_first"),
        MaxPooling2D(2, data_format="channels_first"),
        Conv2D(3, (2, 3), strides=(1, 2), data_format="channels_first"),
        AveragePooling2D(2, strides=1, padding="same", data_format="channels_first"),
        GlobalMaxPooling2D(data_format="channels_first"), Flatten(), Dense(2)])
    model.compile(optimizer="rmsprop", loss="mse")
    x = rng.normal(size=(3, 1, 9, 9)).astype(np.float32)
    model.fit(x, rng.normal(size=(3, 2)).astype(np.float32), epochs=1, verbose=0)
    model.save(tmp_path / "cnn")
    again = load_model(tmp_path / "cnn")
    assert [type(l).__name__ for l in again.layers] == [type(l).__name__ for l in model.layers]
    assert again.layers[2].get_config() == model.layers[2].get_config()
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
