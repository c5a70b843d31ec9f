"""VGG16 and VGG19 as Keras builds them: the same layer names, shapes and parameter counts, and
a weight file written by Keras loads into pynet's VGG16 with the same features out."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from pynet.applications import VGG16, VGG19, decode_predictions, preprocess_input

VGG16_BASE, VGG16_TOP = 14_714_688, 138_357_544
VGG19_BASE, VGG19_TOP = 20_024_384, 143_667_240


def _weighted(model):
    return [(l.name, [tuple(w.shape) for w in l.get_weights()]) for l in model.layers
            if type(l).__name__ != "InputLayer"]


@pytest.mark.parametrize("build, base", [(VGG16, VGG16_BASE), (VGG19, VGG19_BASE)])
def test_the_convolutional_base_has_kerass_parameter_count(build, base):
    model = build(include_top=False, input_shape=(32, 32, 3))
    assert model.count_params() == base
    assert model.output_shape == (None, 1, 1, 512)
    assert model.layers[-1].name == "block5_pool"


@pytest.mark.parametrize("build, total", [(VGG16, VGG16_TOP), (VGG19, VGG19_TOP)])
def test_with_the_top_at_224_the_count_is_kerass(build, total):
    """The full 224×224 model (about 0.55 GB of float32 weights, a few seconds to build)."""
    model = build()
    assert model.count_params() == total
    assert [l.name for l in model.layers[-4:]] == ["flatten", "fc1", "fc2", "predictions"]
    assert model.get_layer("fc1").params["kernel"].shape == (7 * 7 * 512, 4096)
    assert model.output_shape == (None, 1000)


@pytest.mark.parametrize("name", ["VGG16", "VGG19"])
def test_names_and_weight_shapes_match_keras_applications(require, name):
    """Keras builds its model without weights (nothing is downloaded); at 32×32 with the top the
    head is small, so both models are cheap."""
    require("h5py")
    keras = require("keras")
    theirs = getattr(keras.applications, name)(weights=None, include_top=True,
                                               input_shape=(32, 32, 3), classes=10)
    ours = {"VGG16": VGG16, "VGG19": VGG19}[name](include_top=True, input_shape=(32, 32, 3),
                                                  classes=10)
    assert _weighted(ours) == _weighted(theirs)
    assert ours.count_params() == theirs.count_params()
    assert ours.name == theirs.name
    for pooling, size in (("avg", 512), ("max", 512)):
        assert VGG16(include_top=False, pooling=pooling, input_shape=(32, 32, 3)).output_shape \
            == (None, size)


@pytest.mark.parametrize("writer", ["keras3", "legacy_h5"])
def test_a_vgg16_file_written_by_keras_loads_with_the_same_features(require, rng, tmp_path,
                                                                   writer):
    """Keras's VGG16 base (random weights, 32×32) saved by Keras, loaded by path."""
    require("h5py")
    keras = require("keras")
    theirs = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = os.fspath(tmp_path / ("vgg16.weights.h5" if writer == "keras3" else "vgg16.h5"))
    if writer == "keras3":
        theirs.save_weights(path)
    else:
        theirs.save(path)
    ours = VGG16(include_top=False, weights=path, input_shape=(32, 32, 3))
    images = rng.uniform(0, 255, size=(2, 32, 32, 3)).astype("float32")
    x = preprocess_input(images)
    expected = np.asarray(keras.ops.convert_to_numpy(theirs(x, training=False)))
    got = ours.predict(x)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    assert np.abs(expected).max() > 0    # the features are not all zero


def test_weights_imagenet_is_refused_naming_the_file_to_download():
    with pytest.raises(ValueError, match=r"does not download.*"
                                         r"vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5.*"
                                         r"pass its path"):
        VGG16(include_top=False, weights="imagenet")
    with pytest.raises(ValueError, match=r"vgg19_weights_tf_dim_ordering_tf_kernels\.h5"):
        VGG19(weights="imagenet")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"at least 32"):
        VGG16(include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match=r"\(height, width, 3\)"):
        VGG16(include_top=False, input_shape=(32, 32, 1))
    with pytest.raises(ValueError, match="pooling must be"):
        VGG16(include_top=False, input_shape=(32, 32, 3), pooling="mean")
    with pytest.raises(ValueError, match="'classes' must be a positive integer, got 0"):
        VGG16(input_shape=(32, 32, 3), classes=0)


def test_a_weight_file_for_another_model_is_refused(require, tmp_path):
    require("h5py")
    from pynet.interop.keras import KerasWeightsError, save_weights
    v19 = VGG19(include_top=False, input_shape=(32, 32, 3))
    path = tmp_path / "vgg19.weights.h5"
    save_weights(v19, path)
    with pytest.raises(KerasWeightsError, match=r"weights for 16 layers.*13 layers"):
        VGG16(include_top=False, weights=path, input_shape=(32, 32, 3))


def test_preprocess_input_is_kerass_caffe_mode():
    rgb = np.array([[[255.0, 128.0, 0.0]]], dtype="float32")
    out = preprocess_input(rgb)
    np.testing.assert_allclose(out, [[[0.0 - 103.939, 128.0 - 116.779, 255.0 - 123.68]]],
                               rtol=1e-6)
    assert rgb[0, 0, 0] == 255.0                     # the input is left as it was
    assert preprocess_input(np.zeros((2, 4, 4, 3), "uint8")).dtype == np.float32
    with pytest.raises(ValueError, match="3 channels"):
        preprocess_input(np.zeros((4, 4, 1)))


def test_preprocess_input_agrees_with_keras(require, rng):
    keras = require("keras")
    x = rng.uniform(0, 255, size=(2, 5, 5, 3)).astype("float32")
    theirs = keras.applications.vgg16.preprocess_input(x.copy())
    np.testing.assert_allclose(preprocess_input(x), np.asarray(theirs), rtol=1e-6)


def _class_index(tmp_path, n=6):
    path = tmp_path / "imagenet_class_index.json"
    path.write_text(json.dumps({str(i): [f"n{i:08d}", f"label{i}"] for i in range(n)}))
    return path


def test_decode_predictions_lists_the_top_classes_by_score(tmp_path):
    path = _class_index(tmp_path)
    preds = np.array([[0.1, 0.5, 0.0, 0.3, 0.05, 0.05],
                      [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]])
    top = decode_predictions(preds, path, top=2)
    assert top[0] == [("n00000001", "label1", 0.5), ("n00000003", "label3", 0.3)]
    assert top[1][0] == ("n00000005", "label5", 1.0)
    with pytest.raises(ValueError, match=r"shape \(samples, 6\)"):
        decode_predictions(np.zeros((1, 1000)), path)
    with pytest.raises(ValueError, match=r"'top' must be an integer in \[1, 6\], got 0"):
        decode_predictions(preds, path, top=0)


def test_decode_predictions_refuses_a_malformed_class_index(tmp_path):
    from pynet.persistence import PersistenceError
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"0": ["n0", "a"], "2": ["n2", "c"]}))
    with pytest.raises(PersistenceError, match="without gaps"):
        decode_predictions(np.zeros((1, 2)), bad)
    bad.write_text(json.dumps({"0": "tench"}))
    with pytest.raises(PersistenceError, match="not"):
        decode_predictions(np.zeros((1, 1)), bad)


def test_a_file_laid_out_like_kerass_imagenet_notop_file_loads(require, rng, tmp_path):
    """``vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`` (which pynet cannot download) is a
    Keras 2 weights-only file whose weight names are ``block1_conv1_W_1:0`` and
    ``block1_conv1_b_1:0``, listed after an ``input_1`` with none: the same layout, built here
    from random arrays of the right shapes."""
    h5py = require("h5py")
    source = VGG16(include_top=False, input_shape=(32, 32, 3))
    arrays = {l.name: [rng.standard_normal(w.shape).astype("f4") * 0.05 for w in l.get_weights()]
              for l in source.layers if l.count_params()}
    path = tmp_path / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    names = [l.name for l in source.layers]
    names[0] = "input_1"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n in names])
        for name in names:
            group = f.create_group(name)
            weight_names = [f"{name}_W_1:0", f"{name}_b_1:0"] if name in arrays else []
            group.attrs["weight_names"] = np.array([w.encode() for w in weight_names], dtype="S")
            for wname, value in zip(weight_names, arrays.get(name, [])):
                group.create_dataset(wname, data=value)
    model = VGG16(include_top=False, weights=path, input_shape=(48, 48, 3))   # any size >= 32
    compared = 0
    for layer in model.layers:
        for got, want in zip(layer.get_weights(), arrays.get(layer.name, [])):
            np.testing.assert_array_equal(got, want)
            compared += 1
    assert compared == 26      # 13 convolutions, a kernel and a bias each
