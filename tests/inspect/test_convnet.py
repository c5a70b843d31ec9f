"""pynet.inspect.convnet: input gradients (checked by finite differences), Grad-CAM, filter
patterns, activation grids and weight tiles on small float64 models."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import initializers
from pynet.gradient_check import numerical_gradient, relative_error
from pynet.inspect import convnet as cv
from pynet.layers.conv import Conv2D
from pynet.layers.core import Dense, Flatten
from pynet.layers.pooling import MaxPooling2D
from pynet.sequential import Sequential


def small_model(data_format="channels_last", activation="tanh"):
    initializers.set_seed(3)
    shape = (8, 8, 2) if data_format == "channels_last" else (2, 8, 8)
    model = Sequential([
        Conv2D(3, 3, activation=activation, input_shape=shape, data_format=data_format,
               dtype="float64", bias_initializer="random_normal"),
        MaxPooling2D(2, data_format=data_format, dtype="float64"),
        Conv2D(4, 2, activation=activation, data_format=data_format, dtype="float64"),
        Flatten(dtype="float64"),
        Dense(5, activation="softmax", dtype="float64"),
    ])
    return model


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_input_gradient_of_a_class_score(rng, data_format):
    model = small_model(data_format)
    x = rng.normal(size=(2,) + model.layers[0].input_shape)
    g = cv.input_gradient(model, x, output_index=3)

    def score():
        return float(model.predict(x)[:, 3].sum())

    num = numerical_gradient(score, x)
    assert relative_error(g, num).max() < 1e-5
    assert np.abs(g).max() > 1e-4          # not trivially zero


def test_input_gradient_of_a_filter(rng):
    model = small_model()
    x = rng.normal(size=(1, 8, 8, 2))
    g = cv.input_gradient(model, x, 1, layer=2)

    def mean_activation():
        return float(cv.layer_outputs(model, x, upto=2)[-1][..., 1].mean())

    assert relative_error(g, numerical_gradient(mean_activation, x)).max() < 1e-5


def test_walks_leave_the_model_unchanged(rng):
    model = small_model()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    weights = model.get_weights()
    for layer in model.layers:
        for g in layer.grads.values():
            g[...] = 7.0
    flags = [layer.input_grad_needed for layer in model.layers]
    cv.input_gradient(model, rng.normal(size=(1, 8, 8, 2)), 0)
    cv.grad_cam(model, rng.normal(size=(8, 8, 2)))
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert all((g == 7.0).all() for layer in model.layers for g in layer.grads.values())
    assert flags == [layer.input_grad_needed for layer in model.layers]


def test_grad_cam_finds_where_the_evidence_is():
    """A bright 3x3 patch in the top-left corner of a dark image, a non-negative kernel, and a
    class whose Dense weights are all positive: the only evidence is where the filters see the
    patch, so the heatmap is zero everywhere else (output rows/columns 0..2 overlap it)."""
    initializers.set_seed(5)
    model = Sequential([Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1), dtype="float64"),
                        Flatten(dtype="float64"),
                        Dense(2, activation="softmax", dtype="float64")])
    conv, dense = model.layers[0], model.layers[2]
    conv.params["kernel"][...] = np.abs(conv.params["kernel"])
    dense.params["kernel"][:, 0] = np.abs(dense.params["kernel"][:, 0])
    dense.params["kernel"][:, 1] = 0.0
    x = np.zeros((8, 8, 1))
    x[:3, :3, 0] = 1.0
    heat, cls = cv.grad_cam(model, x, class_index=0)
    assert cls == 0 and heat.shape == (6, 6)
    assert np.all(heat[3:, :] == 0) and np.all(heat[:, 3:] == 0)
    assert np.all(heat[:3, :3] > 0) and heat.max() == pytest.approx(1.0)


def test_grad_cam_matches_a_hand_computation(rng):
    """α_k = mean over the map of d y_c / d A_k, by finite differences on the layers after A."""
    model = small_model(activation="relu")
    x = rng.normal(size=(8, 8, 2))
    outs = cv.layer_outputs(model, x)
    a = outs[2].copy()                             # the last Conv2D's output (1, 2, 2, 4)

    def class_score():
        h = a
        for layer in model.layers[3:]:
            h = layer.forward(h)
        return float(h[0, 1])

    g = numerical_gradient(class_score, a)
    alpha = g[0].mean(axis=(0, 1))
    want = np.maximum((a[0] * alpha).sum(axis=-1), 0)
    want = want / want.max() if want.max() > 0 else want
    heat, _ = cv.grad_cam(model, x, class_index=1)
    np.testing.assert_allclose(heat, want, atol=1e-6)


def test_grad_cam_default_class_and_layer(rng):
    model = small_model(activation="relu")
    x = rng.normal(size=(8, 8, 2))
    heat, cls = cv.grad_cam(model, x)
    assert heat.shape == (2, 2)                   # the last Conv2D's map
    assert cls == int(np.argmax(model.predict(x[np.newaxis])[0]))   # the predicted class
    with pytest.raises(ValueError, match="one image at a time"):
        cv.grad_cam(model, rng.normal(size=(2, 8, 8, 2)))
    with pytest.raises(ValueError, match="class_index 9 out of range: the model has 5 outputs"):
        cv.grad_cam(model, rng.normal(size=(8, 8, 2)), class_index=9)


def test_filter_pattern_increases_the_activation():
    model = small_model()
    image, history = cv.filter_pattern(model, 2, 1, steps=15, step=0.05)
    assert image.shape == (8, 8, 2)
    assert history[-1] > history[0]
    shown = cv.deprocess_image(image)
    assert shown.min() >= 0 and shown.max() <= 1


def test_activation_maps_and_grid(rng):
    model = small_model("channels_first")
    maps = cv.activation_maps(model, rng.normal(size=(2, 8, 8)), 0)
    assert maps.shape == (6, 6, 3)                # channels_last for pictures
    grid = cv.activation_grid(maps, columns=2, margin=1)
    assert grid.shape == (2 * 7 - 1, 2 * 7 - 1)
    # each channel is scaled to [0, 1] on its own
    assert grid[:6, :6].max() == pytest.approx(1.0) and grid[:6, :6].min() == pytest.approx(0.0)
    assert np.all(grid[7:, 7:] == 0)              # the 4th tile is empty: 3 channels only
    with pytest.raises(ValueError, match="not feature maps"):
        cv.activation_maps(model, rng.normal(size=(2, 8, 8)), 3)


def test_first_layer_tiles():
    model = small_model()
    tiles = cv.first_layer_tiles(model)
    assert len(tiles) == 3 and tiles[0].shape == (3, 3)
    np.testing.assert_array_equal(tiles[2], model.layers[0].params["kernel"][:, :, :, 2].mean(axis=2))


def test_upsample_and_overlay():
    heat = np.array([[0.0, 1.0], [0.0, 0.0]])
    big = cv.upsample(heat, (5, 5))
    assert big.shape == (5, 5) and big[0, 4] == 1.0 and big[4, 0] == 0.0 and big[0, 2] == 0.5
    rgb = cv.overlay_heatmap(np.ones((5, 5)), heat)
    assert rgb.shape == (5, 5, 3) and rgb[0, 4, 0] > rgb[0, 4, 1]


def test_bad_input_messages(rng):
    model = small_model()
    with pytest.raises(ValueError, match=r"expected input of shape \(None,\) \+ \(8, 8, 2\)"):
        cv.input_gradient(model, rng.normal(size=(1, 8, 8)), 0)
    with pytest.raises(ValueError, match="no layer 'nope'"):
        cv.activation_maps(model, rng.normal(size=(8, 8, 2)), "nope")
    with pytest.raises(ValueError, match="has 4 channels; output_index must be one of them"):
        cv.input_gradient(model, rng.normal(size=(1, 8, 8, 2)), 4, layer=2)


def test_receptive_field_of_chollets_second_conv_layer():
    """conv 3x3 (centre +1) -> pool 2x2/2 (+0.5, stride 2) -> conv 3x3 (+1 at stride 2):
    output row i of conv2d_2 is centred on input pixel 3.5 + 2i (row 10 on 23.5, not 27)."""
    model = Sequential([Conv2D(2, 3, input_shape=(28, 28, 1)), MaxPooling2D(2), Conv2D(2, 3),
                        MaxPooling2D(2), Conv2D(2, 3)])
    assert cv.receptive_field(model, 2) == ((2.0, 2.0), (3.5, 3.5))
    assert cv.receptive_field(model, 4) == ((4.0, 4.0), (8.5, 8.5))   # 3.5 + 2·0.5 + 4·1
    same = Sequential([Conv2D(2, 3, padding="same", strides=2, input_shape=(9, 9, 1))])
    assert cv.receptive_field(same, 0) == ((2.0, 2.0), (0.0, 0.0))


def test_heatmap_on_input_puts_the_peak_over_its_window():
    model = Sequential([Conv2D(1, 3, input_shape=(8, 8, 1))])     # centre of output i: i + 1
    heat = np.zeros((6, 6))
    heat[2, 3] = 1.0
    big = cv.heatmap_on_input(model, 0, heat)
    assert big.shape == (8, 8)
    assert np.unravel_index(big.argmax(), big.shape) == (3, 4) and big[3, 4] == 1.0


def test_activation_figure_one_labelled_tile_per_channel(rng, tmp_path, require):
    """32 channels in rows of 16: two rows of tiles at least 64 pixels wide, each titled with
    its channel index, under a title naming the layer and its shape."""
    plt = require("matplotlib.pyplot")
    maps = rng.normal(size=(26, 26, 32))
    maps[:, :, 7] = 0.0                                   # a blank channel is drawn, not dropped
    path = cv.activation_figure(maps, tmp_path / "a.png", title="layer 0 · Conv2D")
    png = plt.imread(path)
    assert png.shape[1] >= 16 * 64 and png.shape[0] >= 2 * 64
    text = cv.activation_figure(maps[:, :, :3], ascii=True)
    assert text.splitlines()[0].split() == ["0", "1", "2"]     # labelled by channel index
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        cv.activation_figure(maps[:, :, 0], tmp_path / "b.png")
    with pytest.raises(ValueError, match="columns must be >= 1"):
        cv.activation_figure(maps, tmp_path / "c.png", columns=0)


def test_layer_names_in_pictures_do_not_carry_the_global_counter(rng):
    """Two identical models built one after the other get layer names conv2d_N and
    conv2d_N+1; their pictures' captions and file names are the same."""
    first, second = small_model(), small_model()
    assert first.layers[0].name != second.layers[0].name
    assert cv.layer_file_stem(first, 0) == cv.layer_file_stem(second, 0) == "layer0_conv2d"
    assert cv.layer_caption(first, 2) == cv.layer_caption(second, 2) == \
        "layer 2 · Conv2D · output 2×2×4"
    maps = cv.activation_maps(first, rng.normal(size=(8, 8, 2)), 0)
    assert cv.layer_caption(first, 0, maps) == "layer 0 · Conv2D · output 6×6×3"
