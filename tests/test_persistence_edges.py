"""The edges of pynet's own files: JSON model descriptions and NPZ weight files.

A saved model is ``<name>.json`` (architecture, compile settings, the SHA-256 of the weights)
plus ``<name>.npz`` (weights, optimizer state, a JSON ``__meta__`` entry). Each damaged or edited
file is either read correctly or refused with an error naming the file and, for JSON, the line
and column where it goes wrong — never a bare ``KeyError`` or ``AttributeError``, never unpickled.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
import zipfile

import numpy as np
import pytest

from pynet.layers.core import Dense
from pynet.persistence import PersistenceError, load_json, load_npz, save_json, save_npz
from pynet.sequential import Sequential, load_model

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def saved(tmp_path):
    """A small compiled model saved as m.json + its weights file (m.<content hash>.npz); returns
    (model, json path, npz path)."""
    model = Sequential([Dense(3, activation="relu", input_shape=(4,)), Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    json_path, npz_path = model.save(tmp_path / "m")
    return model, tmp_path / "m.json", Path(npz_path)


def test_round_trip_is_exact(saved, rng):
    model, json_path, _ = saved
    again = load_model(json_path)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


# -- JSON ---------------------------------------------------------------------------------------

def test_crlf_json_reads_the_same(saved, rng):
    # the JSON opened and saved again on Windows: CR LF line ends are JSON whitespace
    model, json_path, _ = saved
    json_path.write_bytes(json_path.read_bytes().replace(b"\n", b"\r\n"))
    x = rng.normal(size=(2, 4)).astype(np.float32)
    np.testing.assert_array_equal(load_model(json_path).predict(x), model.predict(x))


def test_truncated_json_names_file_line_and_column(saved):
    _, json_path, _ = saved
    text = json_path.read_bytes()
    json_path.write_bytes(text[: len(text) // 2])
    with pytest.raises(PersistenceError, match=r"m\.json'? is not valid JSON \(.*line \d+ "
                                               r"column \d+"):
        load_model(json_path)


def test_json_with_byte_order_mark_is_refused_with_the_reason(saved):
    # Notepad's "UTF-8 with BOM": json says so, with the position
    _, json_path, _ = saved
    json_path.write_bytes(BOM + json_path.read_bytes())
    with pytest.raises(PersistenceError, match=r"m\.json'? is not valid JSON \(Unexpected UTF-8 "
                                               r"BOM.*line 1 column 1"):
        load_model(json_path)


def test_json_edited_with_a_trailing_comma_names_the_line(saved):
    _, json_path, _ = saved
    lines = json_path.read_text().split("\n")
    lines[-1] = lines[-1].replace("}", ",}")                 # {"a": 1,} on the last line
    json_path.write_text("\n".join(lines))
    with pytest.raises(PersistenceError, match=rf"line {len(lines)} column \d+"):
        load_model(json_path)


def test_json_that_is_not_a_model_file(saved):
    _, json_path, _ = saved
    doc = json.loads(json_path.read_text())
    json_path.write_text(json.dumps({**doc, "class_name": "Functional"}))
    with pytest.raises(PersistenceError, match=r"m\.json'? is not a pynet model file "
                                               r"\(format 1, class 'Functional'\)"):
        load_model(json_path)


def test_json_whose_top_level_is_not_an_object(saved):
    _, json_path, _ = saved
    json_path.write_text("[1, 2, 3]")
    with pytest.raises(PersistenceError, match=r"m\.json"):
        load_model(json_path)


def test_json_without_the_weights_file_field(saved):
    _, json_path, _ = saved
    doc = json.loads(json_path.read_text())
    del doc["weights_file"]
    json_path.write_text(json.dumps(doc))
    with pytest.raises(PersistenceError, match=r"weights_file"):
        load_model(json_path)


def test_load_json_names_line_and_column(tmp_path):
    path = tmp_path / "c.json"
    path.write_bytes(b'{\n "a": 1,\n "b": tru\n}\n')
    with pytest.raises(PersistenceError, match=r"c\.json'? is not valid JSON \(.*line 3 column"):
        load_json(path)


def test_load_json_round_trip_and_empty_file(tmp_path):
    save_json(tmp_path / "ok.json", {"units": [3, 2], "name": "café"})
    assert load_json(tmp_path / "ok.json") == {"units": [3, 2], "name": "café"}
    (tmp_path / "empty.json").write_bytes(b"")
    with pytest.raises(PersistenceError, match=r"empty\.json'? is not valid JSON"):
        load_json(tmp_path / "empty.json")


def test_load_json_latin1_bytes_are_refused(tmp_path):
    (tmp_path / "latin.json").write_bytes('{"name": "café"}'.encode("latin-1"))
    with pytest.raises(PersistenceError, match=r"latin\.json'? is not valid JSON \(.*utf-8"):
        load_json(tmp_path / "latin.json")


# -- NPZ ----------------------------------------------------------------------------------------

def test_npz_round_trip_keeps_dtype_and_meta(tmp_path):
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "i": np.array([1, 2], np.int64)}
    save_npz(tmp_path / "a.npz", arrays, {"kind": "test"})
    got, meta = load_npz(tmp_path / "a.npz")
    assert meta["kind"] == "test" and meta["format"] == 1
    for name, a in arrays.items():
        assert got[name].dtype == a.dtype
        np.testing.assert_array_equal(got[name], a)


@pytest.mark.parametrize("keep", [0, 10, 100, 0.5])
def test_truncated_npz_is_refused_naming_the_file(tmp_path, keep):
    save_npz(tmp_path / "a.npz", {"w": np.ones((20, 20))})
    data = (tmp_path / "a.npz").read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep
    (tmp_path / "a.npz").write_bytes(data[:cut])
    with pytest.raises(PersistenceError, match=r"a\.npz'? could not be read as a pynet \.npz file"):
        load_npz(tmp_path / "a.npz")


def test_npz_holding_a_pickle_is_refused_not_unpickled(tmp_path):
    buf = io.BytesIO()
    np.savez(buf, w=np.array([{"x": 1}], dtype=object), __meta__=np.frombuffer(b'{"format": 1}',
                                                                               np.uint8))
    (tmp_path / "evil.npz").write_bytes(buf.getvalue())
    with pytest.raises(PersistenceError, match=r"evil\.npz'?: entry 'w\.npy' has dtype object"):
        load_npz(tmp_path / "evil.npz")


def test_npz_without_meta_or_with_bad_meta(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(3))
    with pytest.raises(PersistenceError, match=r"plain\.npz'? has no '__meta__' entry"):
        load_npz(tmp_path / "plain.npz")
    np.savez(tmp_path / "badmeta.npz", w=np.ones(3), __meta__=np.frombuffer(b"{nope", np.uint8))
    with pytest.raises(PersistenceError, match=r"badmeta\.npz'?: metadata is not valid JSON"):
        load_npz(tmp_path / "badmeta.npz")
    np.savez(tmp_path / "future.npz", w=np.ones(3),
             __meta__=np.frombuffer(b'{"format": 2}', np.uint8))
    with pytest.raises(PersistenceError, match=r"future\.npz'? has format 2; this pynet reads "
                                               r"format 1"):
        load_npz(tmp_path / "future.npz")


def test_a_zip_that_is_not_an_npz(tmp_path):
    with zipfile.ZipFile(tmp_path / "notes.npz", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(PersistenceError, match=r"notes\.npz'?"):
        load_npz(tmp_path / "notes.npz")


def test_weights_file_swapped_under_the_json_is_refused(saved, tmp_path):
    _, json_path, npz_path = saved
    other = Sequential([Dense(3, activation="relu", input_shape=(4,)), Dense(2)])
    other.compile(optimizer="sgd", loss="mse")
    _, other_npz = other.save(tmp_path / "other")
    npz_path.write_bytes(open(other_npz, "rb").read())
    with pytest.raises(PersistenceError, match=r"m\.\w+\.npz'? does not match .*m\.json'? "
                                               r"\(checksum differs\)"):
        load_model(json_path)


def test_weights_of_the_wrong_shape_are_named(tmp_path):
    model = Sequential([Dense(3, input_shape=(4,), name="hidden"), Dense(2, name="out")])
    model.save_weights(tmp_path / "w")
    wider = Sequential([Dense(5, input_shape=(4,), name="hidden"), Dense(2, name="out")])
    with pytest.raises(PersistenceError, match=r"w\.npz'?: array 'hidden/kernel' has shape \(4, 3\), "
                                               r"expected \(4, 5\)"):
        wider.load_weights(tmp_path / "w")
