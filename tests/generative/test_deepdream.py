"""DeepDream (Chollet listings 8.9–8.13): the loss worked by hand, its gradient by finite
differences (alone and through the network), gradient ascent raising the loss, octave shapes, and
the lost-detail re-injection that gives back the photo when the ascent does nothing."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from dream_convnets import functional_convnet, image, sequential_convnet  # noqa: E402

from pynet.generative.deepdream import (deep_dream, dream_loss,  # noqa: E402
                                        dream_loss_gradient, gradient_ascent,
                                        normalize_gradient, octave_shapes, resize_image)
from pynet.generative.features import FeatureExtractor  # noqa: E402
from pynet.layers.base import using_backend  # noqa: E402


def test_the_loss_by_hand_border_pixels_left_out():
    # a 5x5 map with border 2 keeps only the centre pixel: c * a[2,2]^2 / 25
    a = np.zeros((1, 5, 5, 1))
    a[0, 2, 2, 0] = 3.0
    a[0, 0, 0, 0] = 100.0                      # on the border: ignored
    assert dream_loss([a], [2.0]) == pytest.approx(2.0 * 9.0 / 25)
    # two layers add up, each divided by its own full size (the book's K.prod(K.shape(a)))
    b = np.ones((1, 6, 6, 2))                  # inner 2x2x2 = 8 ones, size 72
    assert dream_loss([a, b], [2.0, 0.5]) == pytest.approx(18 / 25 + 0.5 * 8 / 72)
    assert dream_loss([b], [1.0], border=0) == pytest.approx(1.0)


def test_the_loss_gradient_by_finite_differences():
    rng = np.random.default_rng(0)
    acts = [rng.standard_normal((1, 7, 8, 3)), rng.standard_normal((1, 6, 5, 2))]
    coeffs = [0.2, 3.0]
    grads = dream_loss_gradient(acts, coeffs)
    eps = 1e-6
    for k, a in enumerate(acts):
        for idx in [(0, 3, 3, 1), (0, 2, 2, 0), (0, 0, 4, 1), (0, 3, 2, 1)]:
            if idx[3] >= a.shape[3] or idx[1] >= a.shape[1] or idx[2] >= a.shape[2]:
                continue
            up = [x.copy() for x in acts]
            down = [x.copy() for x in acts]
            up[k][idx] += eps
            down[k][idx] -= eps
            numeric = (dream_loss(up, coeffs) - dream_loss(down, coeffs)) / (2 * eps)
            assert grads[k][idx] == pytest.approx(numeric, abs=1e-8)


@pytest.mark.parametrize("make, weights, size", [
    (sequential_convnet, {"block1_conv1": 0.2, "block3_conv1": 3.0}, (17, 19, 3)),
    (functional_convnet, {"mixed1": 2.0, "mixed2": 1.5}, (15, 13, 3)),
])
def test_the_loss_gradient_with_respect_to_the_image(make, weights, size, kernels_of,
                                                    backend_name):
    """The network's backward pass against central differences on every pixel, with the
    compiled kernels and with their NumPy twins."""
    with using_backend(kernels_of(backend_name)):
        check_dream_gradient(make, weights, size)


def check_dream_gradient(make, weights, size):
    model = make()
    fx = FeatureExtractor(model, list(weights))
    coeffs = [weights[n] for n in fx.layers]
    x = image((1,) + size, seed=5)

    def loss(z):
        return dream_loss(fx.activations(z), coeffs)

    acts = fx.activations(x)
    grad = fx.input_gradient(dream_loss_gradient(acts, coeffs))
    eps = 1e-6
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (loss(up) - loss(down)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9)


def test_normalize_gradient_makes_the_mean_absolute_value_one():
    g = np.array([[-2.0, 6.0], [0.0, 4.0]])
    np.testing.assert_allclose(normalize_gradient(g), g / 3.0)
    np.testing.assert_array_equal(normalize_gradient(np.zeros(3)), np.zeros(3))


def test_gradient_ascent_raises_the_loss():
    model = sequential_convnet()
    weights = {"block2_conv1": 1.0, "block3_conv1": 2.0}
    x = image((24, 24, 3), seed=2)
    dream, losses = gradient_ascent(model, weights, x, iterations=10, step=0.01)
    assert dream.shape == x.shape and len(losses) == 11
    assert losses[-1] > 1.2 * losses[0]
    assert all(b > a for a, b in zip(losses, losses[1:]))     # small steps: every step climbs
    # the last loss is the returned image's
    fx = FeatureExtractor(model, list(weights))
    assert dream_loss(fx.activations(dream), [1.0, 2.0]) == pytest.approx(losses[-1])


def test_max_loss_stops_before_the_step_that_would_pass_it():
    model = sequential_convnet()
    weights = {"block3_conv1": 1.0}
    x = image((1, 24, 24, 3), seed=2)
    _, full = gradient_ascent(model, weights, x, iterations=10, step=0.02)
    limit = (full[3] + full[4]) / 2                     # crossed between evaluations 3 and 4
    dream, losses = gradient_ascent(model, weights, x, iterations=10, step=0.02, max_loss=limit)
    assert dream.shape == x.shape
    assert len(losses) == 5 and losses[-1] > limit and max(losses[:-1]) <= limit


def test_octave_shapes_as_in_listing_8_12():
    # the book's three octaves of scale 1.4 on china.jpg's 427x640: int(dim / 1.4**i)
    assert octave_shapes((427, 640), 3, 1.4) == [(217, 326), (305, 457), (427, 640)]
    assert octave_shapes((10, 10), 1, 1.4) == [(10, 10)]


def test_resize_image_gives_the_exact_shape_and_keeps_an_image_of_one_size():
    x = image((1, 9, 13, 3))
    assert resize_image(x, (20, 7)).shape == (1, 20, 7, 3)
    np.testing.assert_allclose(resize_image(x, (9, 13)), x, atol=1e-12)


def test_lost_detail_is_put_back():
    """With steps too small to change anything, the octave loop must return the photo itself:
    each octave blows up a smaller, blurred image, and the re-injected detail
    resize(original) − resize(shrunk original) makes up exactly for that blur."""
    model = sequential_convnet()
    x = image((40, 44, 3), seed=9)
    dream, history = deep_dream(model, {"block1_conv1": 1.0}, x, iterations=1, step=1e-12,
                                num_octave=3, octave_scale=1.4)
    assert [h["shape"] for h in history] == [(20, 22), (28, 31), (40, 44)]
    np.testing.assert_allclose(dream, x, atol=1e-9)
    blurred = resize_image(resize_image(x[np.newaxis], (20, 22)), (40, 44))[0]
    assert np.abs(blurred - x).mean() > 0.1          # what the re-injection made up for


def test_deep_dream_raises_the_loss_at_every_octave():
    model = sequential_convnet(activation="relu")
    x = image((36, 36, 3), seed=4)
    seen = []
    dream, history = deep_dream(model, {"block2_conv1": 1.0, "block3_conv1": 1.0}, x,
                                iterations=5, step=0.01, num_octave=2, max_loss=None,
                                callback=lambda k, shape, img, losses: seen.append(shape))
    assert dream.shape == x.shape and seen == [(25, 25), (36, 36)]
    for octave in history:
        assert octave["losses"][-1] > octave["losses"][0]


@pytest.mark.parametrize("kwargs, message", [
    ({"iterations": 0}, "'iterations' must be a positive integer, got 0"),
    ({"iterations": 2.5}, "'iterations' must be a positive integer"),
    ({"step": -0.01}, "'step' must be a finite real number > 0, got -0.01"),
    ({"step": float("nan")}, "'step' must be a finite real number > 0"),
    ({"num_octave": 0}, "'num_octave' must be a positive integer, got 0"),
    ({"octave_scale": 0.0}, "'octave_scale' must be a finite real number > 0, got 0.0"),
    ({"num_octave": 12}, "below one pixel"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        deep_dream(sequential_convnet(), {"block1_conv1": 1.0}, image((20, 20, 3)), **kwargs)


def test_bad_layer_weights_and_images_are_refused():
    model = sequential_convnet()
    x = image((20, 20, 3))
    with pytest.raises(ValueError, match=r"no layer named 'mixed2'.*block1_conv1, block1_pool"):
        gradient_ascent(model, {"mixed2": 0.2}, x)
    with pytest.raises(ValueError, match="non-empty dict"):
        gradient_ascent(model, {}, x)
    with pytest.raises(ValueError, match="coefficient of layer 'block1_conv1'"):
        gradient_ascent(model, {"block1_conv1": "big"}, x)
    with pytest.raises(ValueError, match=r"got shape \(20, 20\)"):
        gradient_ascent(model, {"block1_conv1": 1.0}, x[..., 0])
    with pytest.raises(ValueError, match=r"outputs 3x3 maps: nothing is left"):
        gradient_ascent(model, {"block3_conv1": 1.0}, image((12, 12, 3)), border=2)
    with pytest.raises(ValueError, match="not feature maps"):
        gradient_ascent(model, {"predictions": 1.0}, image((16, 16, 3)))
