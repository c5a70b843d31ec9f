"""Neural style transfer (Chollet listings 8.17–8.22): each loss worked by hand and checked by
finite differences, the whole loss's gradient through the network, and L-BFGS lowering it."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from dream_convnets import functional_convnet, image, sequential_convnet  # noqa: E402

from pynet.generative.style_transfer import (StyleTransferLoss, content_loss,  # noqa: E402
                                             content_loss_gradient, gram_matrix, style_loss,
                                             style_loss_gradient, total_variation_loss,
                                             total_variation_loss_gradient, transfer_style)
from pynet.layers.base import using_backend  # noqa: E402


def numeric_gradient(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        g[idx] = (f(up) - f(down)) / (2 * eps)
    return g


# -- each loss by hand ------------------------------------------------------------------------

def test_content_loss_is_the_squared_distance():
    base = np.array([[[1.0, 2.0]]])
    comb = np.array([[[4.0, 0.0]]])
    assert content_loss(base, comb) == 9.0 + 4.0
    np.testing.assert_array_equal(content_loss_gradient(base, comb), [[[6.0, -4.0]]])


def test_gram_matrix_by_hand():
    # two pixels, two channels: pixel 1 = (1, 2), pixel 2 = (3, 4)
    # G[k, m] = sum over pixels of x_k x_m: G00 = 1 + 9, G01 = 2 + 12, G11 = 4 + 16
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]])          # (h=1, w=2, c=2)
    np.testing.assert_array_equal(gram_matrix(x), [[10.0, 14.0], [14.0, 20.0]])
    assert gram_matrix(np.ones((1, 3, 4, 5))).shape == (5, 5)   # a batch of one is accepted


def test_style_loss_uses_the_books_normalisation():
    # the book divides by 4 * channels^2 * size^2 with channels = 3, size = img_height*img_width
    s = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    c = np.zeros_like(s)
    squared = 10.0 ** 2 + 2 * 14.0 ** 2 + 20.0 ** 2
    assert style_loss(s, c, channels=3, size=6) == pytest.approx(squared / (4 * 9 * 36))
    assert style_loss(s, c, channels=2) == pytest.approx(squared / (4 * 4 * 4))  # size = h*w
    assert style_loss(s, s) == 0.0


def test_total_variation_loss_by_hand():
    # one 2x2 grey image [[0, 1], [2, 3]]: a = (0 - 2)^2 = 4, b = (0 - 1)^2 = 1 -> 5^1.25
    x = np.array([[0.0, 1.0], [2.0, 3.0]])[:, :, None]
    assert total_variation_loss(x) == pytest.approx(5.0 ** 1.25)
    assert total_variation_loss(np.full((1, 4, 5, 3), 0.7)) == 0.0


# -- each gradient by finite differences ---------------------------------------------------------

def test_content_loss_gradient_by_finite_differences():
    rng = np.random.default_rng(0)
    base, comb = rng.standard_normal((2, 3, 4, 2))
    np.testing.assert_allclose(content_loss_gradient(base, comb),
                               numeric_gradient(lambda z: content_loss(base, z), comb),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("channels, size", [(3, 400), (4, None)])
def test_style_loss_gradient_by_finite_differences(channels, size):
    rng = np.random.default_rng(1)
    style, comb = rng.standard_normal((2, 3, 5, 4))
    np.testing.assert_allclose(
        style_loss_gradient(style, comb, channels, size),
        numeric_gradient(lambda z: style_loss(style, z, channels, size), comb),
        rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("shape", [(1, 5, 6, 3), (4, 3, 2)])
def test_total_variation_gradient_by_finite_differences(shape):
    x = np.random.default_rng(2).random(shape)
    np.testing.assert_allclose(total_variation_loss_gradient(x),
                               numeric_gradient(total_variation_loss, x), rtol=1e-5, atol=1e-9)


# -- the whole loss through the network ------------------------------------------------------------

@pytest.mark.parametrize("make, content, styles, size", [
    (sequential_convnet, "block3_conv1", ["block1_conv1", "block2_conv1"], (12, 13, 3)),
    (functional_convnet, "mixed2", ["stem", "mixed1"], (11, 10, 3)),
])
def test_the_whole_loss_gradient_by_finite_differences(make, content, styles, size, kernels_of,
                                                       backend_name):
    with using_backend(kernels_of(backend_name)):
        check_whole_gradient(make, content, styles, size)


def check_whole_gradient(make, content, styles, size):
    model = make()
    target, style, x = image(size, seed=1), image(size, seed=2), image(size, seed=3)
    # weights chosen so that all three terms matter at this scale
    loss = StyleTransferLoss(model, target, style, content, styles, content_weight=0.5,
                             style_weight=1e3, total_variation_weight=0.1)
    parts = loss.parts(x.ravel())
    assert min(parts["content"], parts["style"], parts["total_variation"]) > 1e-4
    value, grad = loss.loss_and_gradient(x.ravel())
    assert value == pytest.approx(parts["total"])
    numeric = numeric_gradient(lambda z: loss.loss_and_gradient(z)[0], x.ravel())
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9)


def test_the_target_itself_has_no_content_loss_and_the_style_image_no_style_loss():
    model = sequential_convnet()
    target, style = image((14, 14, 3), seed=1), image((14, 14, 3), seed=2)
    loss = StyleTransferLoss(model, target, style, "block3_conv1", ["block1_conv1"])
    assert loss.parts(target)["content"] == 0.0
    assert loss.parts(style)["style"] == 0.0


def test_lbfgs_lowers_the_loss():
    model = sequential_convnet(activation="relu")
    target, style = image((20, 22, 3), seed=1), image((20, 22, 3), seed=2)
    seen = []
    result, history = transfer_style(model, target, style, "block3_conv1",
                                     ["block1_conv1", "block2_conv1"], content_weight=0.1,
                                     style_weight=1e3, iterations=3, maxfun=10,
                                     callback=lambda i, img, value: seen.append(i))
    assert result.shape == target.shape and len(history) == 4 and seen == [0, 1, 2]
    assert history[-1] < 0.5 * history[0]
    assert all(b <= a + 1e-12 for a, b in zip(history, history[1:]))


@pytest.mark.parametrize("kwargs, message", [
    ({"iterations": 0}, "'iterations' must be a positive integer, got 0"),
    ({"maxfun": -1}, "'maxfun' must be a positive integer, got -1"),
    ({"content_weight": -1.0}, "'content_weight' must be a finite real number >= 0"),
    ({"style_weight": float("inf")}, "'style_weight' must be a finite real number >= 0"),
    ({"blas_threads": 0}, "'blas_threads' must be None or a positive integer, got 0"),
    ({"style_channels": 0}, "'style_channels' must be a positive integer, got 0"),
])
def test_bad_settings_are_refused(kwargs, message):
    x = image((16, 16, 3))
    with pytest.raises(ValueError, match=message):
        transfer_style(sequential_convnet(), x, x, "block3_conv1", ["block1_conv1"], **kwargs)


def test_bad_layers_and_images_are_refused():
    model = sequential_convnet()
    x = image((16, 16, 3))
    with pytest.raises(ValueError, match=r"no layer named 'block5_conv2'.*block1_conv1, "
                                         r"block1_pool, block2_conv1"):
        transfer_style(model, x, x, "block5_conv2", ["block1_conv1"])
    with pytest.raises(ValueError, match="style_layers must be a non-empty list"):
        transfer_style(model, x, x, "block3_conv1", "block1_conv1")
    with pytest.raises(ValueError, match=r"must have one size"):
        transfer_style(model, x, image((16, 18, 3)), "block3_conv1", ["block1_conv1"])
    with pytest.raises(ValueError, match=r"style_image: the model takes images with 3"):
        transfer_style(model, x, x[..., :1], "block3_conv1", ["block1_conv1"])
    with pytest.raises(ValueError, match=r"expected feature maps"):
        gram_matrix(np.ones((3, 4)))
