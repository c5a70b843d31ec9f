"""FeatureExtractor: a twin of the model's layers built for the image's size, same weights,
the model left untouched; and the checks on images and layer names."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from dream_convnets import functional_convnet, image, sequential_convnet  # noqa: E402

from pynet.generative.features import FeatureExtractor, check_image  # noqa: E402
from pynet.models import Model  # noqa: E402


def test_at_the_training_size_the_twin_gives_the_models_own_activations():
    model = sequential_convnet()
    x = image((1, 16, 16, 3))
    names = ["block1_conv1", "block3_conv1"]
    probe = Model(model.input, [model.get_layer(n).output for n in names])
    expected = probe.predict(x)
    got = FeatureExtractor(model, names).activations(x)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def test_any_size_works_although_the_classifier_was_built_for_16x16():
    # 16x16 -> conv 14x14 -> pool 7x7 -> same 7x7 -> conv 5x5; at 30x41: 28x39, 14x19, 12x17
    model = sequential_convnet()
    acts = FeatureExtractor(model, ["block1_conv1", "block3_conv1"]).activations(
        image((30, 41, 3)))
    assert acts[0].shape == (1, 28, 39, 4) and acts[1].shape == (1, 12, 17, 5)


def test_a_functional_graph_with_branches_is_followed():
    model = functional_convnet()
    x = image((1, 12, 12, 3))
    probe = Model(model.input, model.get_layer("mixed1").output)
    got = FeatureExtractor(model, ["mixed1"]).activations(x)[0]
    np.testing.assert_allclose(got, probe.predict(x), rtol=1e-12, atol=1e-12)


def test_the_gradient_is_a_vector_jacobian_product():
    # <dL/dx, v> == d/dt L(x + t v) for L = <g, activation(x)>, by central differences
    model = functional_convnet()
    fx = FeatureExtractor(model, ["stem", "mixed2"])
    rng = np.random.default_rng(3)
    x = rng.random((1, 14, 15, 3))
    acts = fx.activations(x)
    gs = [rng.standard_normal(a.shape) for a in acts]
    grad = fx.input_gradient(gs)
    v = rng.standard_normal(x.shape)
    eps = 1e-6

    def loss(z):
        return sum(float(np.sum(g * a)) for g, a in zip(gs, fx.activations(z)))

    numeric = (loss(x + eps * v) - loss(x - eps * v)) / (2 * eps)
    assert np.sum(grad * v) == pytest.approx(numeric, rel=1e-7)


def test_the_model_is_left_exactly_as_it_was():
    model = sequential_convnet()
    weights = [w.copy() for w in model.get_weights()]
    grads = {l.name: {k: g.copy() for k, g in l.grads.items()} for l in model.layers}
    flags = [l.input_grad_needed for l in model.layers]
    fx = FeatureExtractor(model, ["block2_conv1"])
    a = fx.activations(image((20, 20, 3)))
    fx.input_gradient([np.ones_like(a[0])])
    for w, w0 in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(w, w0)
    for l in model.layers:
        for k, g in l.grads.items():
            np.testing.assert_array_equal(g, grads[l.name][k])
    assert [l.input_grad_needed for l in model.layers] == flags


def test_an_unknown_layer_name_lists_the_models_layers():
    with pytest.raises(ValueError, match=r"no layer named 'mixed9'.*block1_conv1, block1_pool"):
        FeatureExtractor(sequential_convnet(), ["mixed9"])


@pytest.mark.parametrize("layers", [[], "block1_conv1", None])
def test_layers_must_be_a_list_of_names(layers):
    with pytest.raises(ValueError, match="non-empty list of layer names"):
        FeatureExtractor(sequential_convnet(), layers)


def test_a_layer_after_flatten_cannot_take_another_image_size():
    fx = FeatureExtractor(sequential_convnet(), ["predictions"])
    fx.activations(image((16, 16, 3)))                 # the size it was built for: fine
    with pytest.raises(ValueError, match=r"layer 'predictions' \(Dense\) cannot take an image "
                                         r"of size \(20, 20, 3\)"):
        fx.activations(image((20, 20, 3)))


@pytest.mark.parametrize("shape, message", [
    ((16, 16), r"\(height, width, channels\) or \(1, height, width, channels\), got shape "
               r"\(16, 16\)"),
    ((2, 16, 16, 3), r"got shape \(2, 16, 16, 3\)"),
    ((16, 16, 1), r"images with 3 channel\(s\), got an image of shape \(16, 16, 1\)"),
    ((0, 16, 3), "image is empty"),
])
def test_images_of_the_wrong_shape_are_refused(shape, message):
    with pytest.raises(ValueError, match=message):
        check_image(np.zeros(shape), "where()", channels=3)


def test_nan_and_text_images_are_refused():
    bad = np.zeros((4, 4, 3))
    bad[1, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        check_image(bad, "where()")
    with pytest.raises(TypeError, match="must hold numbers"):
        check_image(np.full((4, 4, 3), "a"), "where()")


def test_input_gradient_before_activations_is_an_error():
    with pytest.raises(RuntimeError, match="call activations"):
        FeatureExtractor(sequential_convnet(), ["block1_conv1"]).input_gradient([None])


def test_an_unbuilt_model_or_a_model_of_vectors_is_refused():
    from pynet.layers import Conv2D, Dense
    from pynet.sequential import Sequential

    with pytest.raises(ValueError, match="is not built"):
        FeatureExtractor(Sequential([Conv2D(2, 3)]), ["conv"])
    with pytest.raises(ValueError, match=r"not images \(None, height, width, channels\)"):
        FeatureExtractor(Sequential([Dense(2, input_shape=(4,))]), ["dense"])


def test_the_package_exports_the_books_functions():
    import pynet.generative as g

    for name in ("deep_dream", "gradient_ascent", "dream_loss", "content_loss", "gram_matrix",
                 "style_loss", "total_variation_loss", "transfer_style", "FeatureExtractor",
                 "sample_photo"):
        assert callable(getattr(g, name))
