"""Keras's HDF5 weight files built by hand with h5py, in Keras 2's and Keras 3's layouts, read
into pynet models: what loads, how layers are paired, and every file that is refused — with
nothing half-loaded. (``test_keras_real.py`` does the same with files Keras itself wrote.)"""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from pynet.layers import LSTM, BatchNormalization, Dense
from pynet.models import Input, Model
from pynet.sequential import Sequential


@pytest.fixture
def h5py(require):
    return require("h5py")


@pytest.fixture
def keras_io(h5py):
    from pynet.interop import keras as keras_io
    return keras_io


def mlp(names=("dense_a", "dense_b"), sizes=(4, 3, 2)):
    """A 4 -> 3 -> 2 MLP: two layers with weights, a kernel and a bias each."""
    return Sequential([Dense(sizes[1], activation="relu", input_shape=(sizes[0],), name=names[0]),
                       Dense(sizes[2], name=names[1])])


def keras2_file(h5py, path, layers, full_model=False, suffix=":0"):
    """Write ``layers = [(name, {weight: array})]`` in Keras 2's layout (``save_weights``, or
    ``model.save`` with ``full_model``); an InputLayer with no weights comes first, as Keras 2
    listed it."""
    with h5py.File(path, "w") as f:
        if full_model:
            f.attrs["model_config"] = '{"class_name": "Sequential"}'
            f.attrs["keras_version"] = "2.4.0"
            f.attrs["backend"] = "tensorflow"
            root = f.create_group("model_weights")
        else:
            root = f
        root.attrs["keras_version"] = "2.4.0"
        root.attrs["backend"] = "tensorflow"
        names = ["input_1"] + [name for name, _ in layers]
        root.attrs["layer_names"] = np.array([n.encode() for n in names])
        # an empty list as some writers store it: a null dataspace (Keras 3 writes float64 [])
        root.create_group("input_1").attrs["weight_names"] = h5py.Empty("S1")
        for name, weights in layers:
            group = root.create_group(name)
            wnames = [f"{name}/{key}{suffix}" for key in weights]
            group.attrs["weight_names"] = np.array([w.encode() for w in wnames])
            for wname, array in zip(wnames, weights.values()):
                group.create_dataset(wname, data=array)


def keras3_file(h5py, path, layers, model_name="sequential"):
    """Write ``layers = [(group path, layer name, [arrays])]`` in Keras 3's ``.weights.h5``
    layout (``layers/<path>/vars/0..n``)."""
    with h5py.File(path, "w") as f:
        f.create_group("vars").attrs["name"] = model_name
        f.create_group("layers")
        for group_path, name, arrays in layers:
            vars_group = f.require_group(f"layers/{group_path}/vars")
            vars_group.attrs["name"] = name
            for i, a in enumerate(arrays):
                vars_group.create_dataset(str(i), data=a)


def random_mlp_weights(rng, sizes=(4, 3, 2)):
    return [rng.standard_normal((sizes[0], sizes[1])).astype("f4"),
            rng.standard_normal(sizes[1]).astype("f4"),
            rng.standard_normal((sizes[1], sizes[2])).astype("f4"),
            rng.standard_normal(sizes[2]).astype("f4")]


def assert_weights_equal(model, expected):
    got = model.get_weights()
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


# -- Keras 2 -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("full_model", [False, True], ids=["save_weights", "model.save"])
def test_a_keras2_file_loads_layer_by_layer_in_order(h5py, keras_io, rng, tmp_path, full_model):
    k1, b1, k2, b2 = random_mlp_weights(rng)
    path = tmp_path / "mlp.h5"
    # the file's layer names differ from the model's: order decides, as in Keras 2
    keras2_file(h5py, path, [("dense_1", {"kernel": k1, "bias": b1}),
                             ("dense_2", {"kernel": k2, "bias": b2})], full_model=full_model)
    model = mlp()
    assert keras_io.detect_format(path) == "keras2"
    loaded = keras_io.load_weights(model, path)
    assert loaded == [("dense_a", "dense_1"), ("dense_b", "dense_2")]
    assert_weights_equal(model, [k1, b1, k2, b2])
    x = rng.standard_normal((5, 4)).astype("f4")
    np.testing.assert_allclose(model.predict(x), np.maximum(x @ k1 + b1, 0) @ k2 + b2, rtol=1e-5,
                               atol=1e-6)


def test_keras2_by_name_loads_only_the_layers_whose_names_match(h5py, keras_io, rng, tmp_path):
    k1, b1, k2, b2 = random_mlp_weights(rng)
    path = tmp_path / "named.h5"
    keras2_file(h5py, path, [("other", {"kernel": k2, "bias": b2}),
                             ("dense_a", {"kernel": k1, "bias": b1})])
    model = mlp()
    before = model.get_weights()
    assert keras_io.load_weights(model, path, by_name=True) == [("dense_a", "dense_a")]
    assert_weights_equal(model, [k1, b1] + before[2:])   # dense_b kept its weights


def test_keras2_nested_model_keeps_keras2s_trainable_first_order(h5py, keras_io, rng, tmp_path):
    """Keras 2 wrote a nested model's arrays as trainable_weights + non_trainable_weights: a
    BatchNormalization's moving statistics come after the Dense behind it."""
    inner = Sequential([BatchNormalization(input_shape=(3,), name="bn"), Dense(2, name="d")],
                       name="inner")
    x = Input(shape=(3,))
    model = Model(x, inner(x))
    g, b, mm, mv = (rng.standard_normal(3).astype("f4") for _ in range(4))
    mv = np.abs(mv) + 0.5
    k, bias = rng.standard_normal((3, 2)).astype("f4"), rng.standard_normal(2).astype("f4")
    path = tmp_path / "nested.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"input_1", b"inner"])
        f.create_group("input_1").attrs["weight_names"] = np.array([], dtype="S1")
        grp = f.create_group("inner")
        names = ["inner/bn/gamma:0", "inner/bn/beta:0", "inner/d/kernel:0", "inner/d/bias:0",
                 "inner/bn/moving_mean:0", "inner/bn/moving_variance:0"]
        grp.attrs["weight_names"] = np.array([n.encode() for n in names])
        for n, a in zip(names, [g, b, k, bias, mm, mv]):
            grp.create_dataset(n, data=a)
    keras_io.load_weights(model, path)
    assert_weights_equal(model, [g, b, mm, mv, k, bias])
    # and pynet writes the same order back
    out = tmp_path / "again.h5"
    keras_io.save_weights(model, out, format="keras2")
    with h5py.File(out) as f:
        written = [n.decode() for n in f["inner"].attrs["weight_names"]]
        assert written == ["inner/bn/gamma", "inner/bn/beta", "inner/d/kernel", "inner/d/bias",
                           "inner/bn/moving_mean", "inner/bn/moving_variance"]


def test_keras2_attributes_split_into_chunks_are_read(h5py, keras_io, rng, tmp_path):
    """Keras splits an attribute larger than HDF5's 64 KiB header into name0, name1, ..."""
    k1, b1, k2, b2 = random_mlp_weights(rng)
    path = tmp_path / "chunked.h5"
    keras2_file(h5py, path, [("d1", {"kernel": k1, "bias": b1}), ("d2", {"kernel": k2, "bias": b2})])
    with h5py.File(path, "a") as f:
        names = f.attrs["layer_names"]
        del f.attrs["layer_names"]
        f.attrs["layer_names0"] = names[:2]
        f.attrs["layer_names1"] = names[2:]
    model = mlp()
    keras_io.load_weights(model, path)
    assert_weights_equal(model, [k1, b1, k2, b2])


# -- Keras 3 -----------------------------------------------------------------------------------------

def test_a_keras3_file_loads_by_keras3s_class_derived_paths(h5py, keras_io, rng, tmp_path):
    k1, b1, k2, b2 = random_mlp_weights(rng)
    path = tmp_path / "mlp.weights.h5"
    keras3_file(h5py, path, [("dense", "fc_one", [k1, b1]), ("dense_1", "fc_two", [k2, b2])])
    model = mlp()
    assert keras_io.detect_format(path) == "keras3"
    assert keras_io.load_weights(model, path) == [("dense_a", "fc_one"), ("dense_b", "fc_two")]
    assert_weights_equal(model, [k1, b1, k2, b2])


def test_keras3_recurrent_cells_and_nested_models(h5py, keras_io, rng, tmp_path):
    """An LSTM's arrays sit in ``cell/vars``; a nested Sequential's under its own ``layers/``."""
    inner = Sequential([Dense(2, input_shape=(3,), name="head")], name="inner")
    x = Input(shape=(5, 4))
    model = Model(x, inner(LSTM(3, name="rnn")(x)))
    arrays = [rng.standard_normal(w.shape).astype("f4") for w in model.get_weights()]
    path = tmp_path / "rnn.weights.h5"
    with h5py.File(path, "w") as f:
        f.create_group("vars").attrs["name"] = "functional"
        for group, name, values in [("layers/input_layer", "input_layer", []),
                                    ("layers/lstm/cell", "lstm_cell", arrays[:3]),
                                    ("layers/sequential/layers/dense", "head", arrays[3:])]:
            vars_group = f.require_group(f"{group}/vars")
            vars_group.attrs["name"] = name
            for i, a in enumerate(values):
                vars_group.create_dataset(str(i), data=a)
        f["layers/lstm"].require_group("vars").attrs["name"] = "rnn"
        f["layers/sequential"].require_group("vars").attrs["name"] = "inner"
    keras_io.load_weights(model, path)
    assert_weights_equal(model, arrays)


def test_keras3_by_name_reads_the_name_attribute_of_each_vars_group(h5py, keras_io, rng,
                                                                    tmp_path):
    k1, b1, k2, b2 = random_mlp_weights(rng)
    path = tmp_path / "named.weights.h5"
    keras3_file(h5py, path, [("dense", "dense_b", [k2, b2]), ("dense_1", "unrelated", [k1, b1])])
    model = mlp()
    before = model.get_weights()
    assert keras_io.load_weights(model, path, by_name=True) == [("dense_b", "dense_b")]
    assert_weights_equal(model, before[:2] + [k2, b2])


# -- pynet writes both layouts -----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["keras3", "keras2"])
def test_save_then_load_gives_the_same_weights_and_replaces_the_file_atomically(
        h5py, keras_io, rng, tmp_path, fmt):
    model = mlp()
    model.set_weights(random_mlp_weights(rng))
    path = tmp_path / ("m.weights.h5" if fmt == "keras3" else "m.h5")
    path.write_bytes(b"an older file")
    assert keras_io.save_weights(model, path, format=fmt) == os.fspath(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]   # no temporary left
    assert keras_io.detect_format(path) == fmt
    fresh = mlp(names=("x1", "x2"))
    keras_io.load_weights(fresh, path)
    assert_weights_equal(fresh, model.get_weights())


def test_save_weights_refuses_an_unknown_format(keras_io, tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        keras_io.save_weights(mlp(), tmp_path / "w.h5", format="keras1")
    assert not (tmp_path / "w.h5").exists()


# -- refused files: nothing half-loaded ------------------------------------------------------------

def _refused(keras_io, model, path, match, **kwargs):
    before = model.get_weights()
    with pytest.raises(keras_io.KerasWeightsError, match=match):
        keras_io.load_weights(model, path, **kwargs)
    assert_weights_equal(model, before)


def test_a_wrong_layer_count_is_refused_naming_both_lists(h5py, keras_io, rng, tmp_path):
    k1, b1, _, _ = random_mlp_weights(rng)
    path = tmp_path / "one.h5"
    keras2_file(h5py, path, [("dense_1", {"kernel": k1, "bias": b1})])
    _refused(keras_io, mlp(), path, r"weights for 1 layers \['dense_1'\].*2 layers with weights "
                                    r"\['dense_a', 'dense_b'\]")
    path3 = tmp_path / "one.weights.h5"
    keras3_file(h5py, path3, [("dense", "d", [k1, b1])])
    _refused(keras_io, mlp(), path3, r"weights for 1 layers.*\['dense', 'dense_1'\]")


def test_a_wrong_shape_is_refused_naming_both_layers_and_both_shapes(h5py, keras_io, rng,
                                                                     tmp_path):
    k1, b1, _, _ = random_mlp_weights(rng)
    k2, b2 = rng.standard_normal((3, 7)).astype("f4"), rng.standard_normal(7).astype("f4")
    path = tmp_path / "shape.h5"
    # the first layer is right: it must not be assigned when the second is refused
    keras2_file(h5py, path, [("dense_1", {"kernel": k1, "bias": b1}),
                             ("dense_2", {"kernel": k2, "bias": b2})])
    _refused(keras_io, mlp(), path, r"model layer 'dense_b' <- file layer 'dense_2': weight 0 "
                                    r"\(kernel:0\) has shape \(3, 7\) in the file, the model "
                                    r"expects \(3, 2\)")
    path3 = tmp_path / "shape.weights.h5"
    keras3_file(h5py, path3, [("dense", "fc1", [k1, b1]), ("dense_1", "fc2", [k2, b2])])
    _refused(keras_io, mlp(), path3, r"'dense_b' <- file layer 'fc2'.*\(3, 7\).*\(3, 2\)")


def test_a_wrong_weight_count_within_a_layer_is_refused(h5py, keras_io, rng, tmp_path):
    k1, b1, k2, _ = random_mlp_weights(rng)
    path = tmp_path / "nobias.h5"
    keras2_file(h5py, path, [("dense_1", {"kernel": k1, "bias": b1}), ("dense_2", {"kernel": k2})])
    _refused(keras_io, mlp(), path, r"'dense_b' <- file layer 'dense_2': the model layer has 2 "
                                    r"weight arrays.*the file has 1")


def test_skip_mismatch_skips_the_layer_with_a_warning_and_loads_the_rest(h5py, keras_io, rng,
                                                                         tmp_path):
    k1, b1, _, _ = random_mlp_weights(rng)
    path = tmp_path / "shape.h5"
    keras2_file(h5py, path, [("dense_1", {"kernel": k1, "bias": b1}),
                             ("dense_2", {"kernel": np.ones((3, 7), "f4"),
                                          "bias": np.ones(7, "f4")})])
    model = mlp()
    before = model.get_weights()
    with pytest.warns(UserWarning, match="skipped model layer 'dense_b'"):
        loaded = keras_io.load_weights(model, path, skip_mismatch=True)
    assert loaded == [("dense_a", "dense_1")]
    assert_weights_equal(model, [k1, b1] + before[2:])


def test_by_name_with_no_matching_name_is_refused_listing_both(h5py, keras_io, rng, tmp_path):
    k1, b1, k2, b2 = random_mlp_weights(rng)
    path = tmp_path / "names.h5"
    keras2_file(h5py, path, [("fc1", {"kernel": k1, "bias": b1}), ("fc2", {"kernel": k2, "bias": b2})])
    _refused(keras_io, mlp(), path, r"no layer name of the model \['dense_a', 'dense_b'\] is in "
                                    r"the file \['fc1', 'fc2'\]", by_name=True)


def test_a_matching_name_with_the_wrong_shape_is_refused_by_name(h5py, keras_io, rng, tmp_path):
    path = tmp_path / "names.h5"
    keras2_file(h5py, path, [("dense_a", {"kernel": np.ones((5, 3), "f4"),
                                          "bias": np.ones(3, "f4")})])
    _refused(keras_io, mlp(), path, r"'dense_a' <- file layer 'dense_a'.*\(5, 3\).*\(4, 3\)",
             by_name=True)


def test_a_truncated_file_is_refused(h5py, keras_io, rng, tmp_path):
    model = mlp()
    model.set_weights(random_mlp_weights(rng))
    path = tmp_path / "full.h5"
    keras_io.save_weights(model, path, format="keras2")
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 64, 100):
        broken = tmp_path / f"cut{cut}.h5"
        broken.write_bytes(data[:cut])
        _refused(keras_io, mlp(), broken, r"truncated|corrupt")


def test_a_file_that_is_not_hdf5_or_not_keras_is_refused(h5py, keras_io, tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_bytes(os.urandom(4096))
    _refused(keras_io, mlp(), junk, "could not be opened as HDF5")
    zipped = tmp_path / "model.keras"
    zipped.write_bytes(b"PK\x03\x04" + bytes(100))
    _refused(keras_io, mlp(), zipped, r"zip archive.*model\.weights\.h5")
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    _refused(keras_io, mlp(), other, "neither a Keras 2 weight file")
    with pytest.raises(FileNotFoundError, match="no such file"):
        keras_io.load_weights(mlp(), tmp_path / "absent.h5")


def test_a_dataset_claiming_a_gigantic_shape_is_refused_unread(h5py, keras_io, tmp_path):
    """A chunked dataset of 10^12 x 10^6 floats costs a few bytes on disk; its shape is compared
    with the model's before anything is read, so nothing near that size is ever allocated."""
    path = tmp_path / "huge.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense_1", b"dense_2"])
        for name, bias in (("dense_1", 3), ("dense_2", 2)):
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(),
                                                f"{name}/bias:0".encode()])
            g.create_dataset(f"{name}/kernel:0", shape=(10 ** 12, 10 ** 6), dtype="f4",
                             chunks=(1, 1024))
            g.create_dataset(f"{name}/bias:0", data=np.zeros(bias, "f4"))
    assert path.stat().st_size < 100_000
    _refused(keras_io, mlp(), path, r"\(1000000000000, 1000000\) in the file, the model expects "
                                    r"\(4, 3\)")


def test_a_gigantic_attribute_is_refused_unread(h5py, keras_io, tmp_path, monkeypatch):
    path = tmp_path / "names.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"x" * 100] * 50)
    from pynet.interop import hdf5
    monkeypatch.setattr(hdf5, "MAX_ATTRIBUTE_BYTES", 1000)
    _refused(keras_io, mlp(), path, r"attribute 'layer_names' .* holds 50 values in 5000 bytes")


def test_links_to_other_files_and_non_numbers_and_nan_are_refused(h5py, keras_io, rng, tmp_path):
    k1, b1, k2, b2 = random_mlp_weights(rng)
    elsewhere = tmp_path / "elsewhere.h5"
    with h5py.File(elsewhere, "w") as f:
        f.create_dataset("k", data=k2)
    cases = {"external link": h5py.ExternalLink(os.fspath(elsewhere), "k"),
             "soft link": h5py.SoftLink("/dense_1/dense_1/kernel:0")}
    for what, link in cases.items():
        path = tmp_path / f"{what}.h5"
        keras2_file(h5py, path, [("dense_1", {"kernel": k1, "bias": b1}),
                                 ("dense_2", {"kernel": k2, "bias": b2})])
        with h5py.File(path, "a") as f:
            del f["dense_2/dense_2/kernel:0"]
            f["dense_2/dense_2/kernel:0"] = link
        _refused(keras_io, mlp(), path, "may not link elsewhere")
    text = tmp_path / "text.h5"
    keras2_file(h5py, text, [("dense_1", {"kernel": k1, "bias": b1}),
                             ("dense_2", {"kernel": k2, "bias": np.array([b"a", b"b"])})])
    _refused(keras_io, mlp(), text, "not numbers")
    nan = tmp_path / "nan.h5"
    k2_nan = k2.copy()
    k2_nan[0, 0] = np.nan
    keras2_file(h5py, nan, [("dense_1", {"kernel": k1, "bias": b1}),
                            ("dense_2", {"kernel": k2_nan, "bias": b2})])
    _refused(keras_io, mlp(), nan, "NaN or Inf")


def test_an_external_storage_dataset_is_refused(h5py, keras_io, rng, tmp_path):
    """HDF5 can keep a dataset's bytes in another file (even /dev/zero): refused unread."""
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.ones(12, "f4").tobytes())
    path = tmp_path / "external.h5"
    k1, b1, k2, b2 = random_mlp_weights(rng)
    keras2_file(h5py, path, [("dense_1", {"kernel": k1, "bias": b1}),
                             ("dense_2", {"kernel": k2, "bias": b2})])
    with h5py.File(path, "a") as f:
        del f["dense_1/dense_1/kernel:0"]
        f["dense_1"].create_dataset("dense_1/kernel:0", shape=(4, 3), dtype="f4",
                                    external=[(os.fspath(raw), 0, 48)])
    _refused(keras_io, mlp(), path, "external file")


def test_an_unbuilt_model_or_a_layer_is_refused(keras_io, tmp_path):
    with pytest.raises(ValueError, match="not built"):
        keras_io.load_weights(Sequential([Dense(2)]), tmp_path / "w.h5")
    with pytest.raises(TypeError, match="must be a pynet Model"):
        keras_io.load_weights(Dense(2), tmp_path / "w.h5")


def test_without_h5py_the_error_says_what_to_install(monkeypatch, tmp_path):
    from pynet.interop import keras as keras_io
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install h5py \(or pip install 'pynet\[h5\]'\)"):
        keras_io.load_weights(mlp(), tmp_path / "w.h5")
    with pytest.raises(ImportError, match="h5py"):
        keras_io.save_weights(mlp(), tmp_path / "w.h5")


def test_large_attributes_are_written_in_kerass_chunks(h5py, keras_io, rng, tmp_path, monkeypatch):
    """Past HDF5's 64 KiB header limit Keras writes ``layer_names0``, ``layer_names1``…; a small
    limit here makes two layer names need two chunks."""
    monkeypatch.setattr(keras_io, "ATTRIBUTE_CHUNK_BYTES", 8)
    model = mlp()
    model.set_weights(random_mlp_weights(rng))
    path = tmp_path / "chunks.h5"
    keras_io.save_weights(model, path, format="keras2")
    with h5py.File(path) as f:
        assert "layer_names" not in f.attrs
        assert [n.decode() for k in ("layer_names0", "layer_names1") for n in f.attrs[k]] == \
            ["dense_a", "dense_b"]
    fresh = mlp()
    keras_io.load_weights(fresh, path)
    assert_weights_equal(fresh, model.get_weights())
