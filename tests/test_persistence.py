"""pynet.persistence on its own: atomic writes, bounded JSON and NPZ reads, shape checks.

The hostile-file cases (zip bombs, FIFOs, forged headers, a kill during a save) live in
``tests/robustness/test_persistence.py``; these are the module's ordinary promises, one by one.
"""
from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from pynet import persistence
from pynet.persistence import (META_KEY, PersistenceError, atomic_write, check_shapes, load_json,
                               load_npz, read_npz_arrays, regular_file, remove_stale_temps,
                               save_json, save_npz)


def test_atomic_write_replaces_the_whole_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "sub" / "file.bin"                 # the folder is made on the way
    atomic_write(path, b"first version, long")
    atomic_write(path, b"second")
    assert path.read_bytes() == b"second"
    assert sorted(p.name for p in path.parent.iterdir()) == ["file.bin"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    atomic_write(path, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(persistence.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_stale_temporaries_of_a_crashed_write_are_removed_by_the_next(tmp_path):
    path = tmp_path / "w.npz"
    (tmp_path / ".w.npz.pynet-abc.tmp").write_bytes(b"half")
    (tmp_path / ".pynet-old.tmp").write_bytes(b"older pynet")
    (tmp_path / ".other.npz.pynet-x.tmp").write_bytes(b"someone else's")
    assert remove_stale_temps(path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.npz.pynet-x.tmp"]


def test_json_round_trip_and_limits(tmp_path):
    path = tmp_path / "doc.json"
    doc = {"name": "net", "sizes": [784, 100, 10], "nested": {"a": [1, {"b": None}]}}
    save_json(path, doc)
    assert load_json(path) == doc
    with pytest.raises(PersistenceError, match="max_bytes=10"):
        load_json(path, max_bytes=10)
    with pytest.raises(PersistenceError, match="max_depth=3"):
        load_json(path, max_depth=3)                     # {nested: {a: [.., {b}]}} is 4 deep
    path.write_text('{"cut": [1, 2')
    with pytest.raises(PersistenceError, match="not valid JSON"):
        load_json(path)


def test_regular_file_refuses_a_directory_and_names_a_missing_file(tmp_path):
    with pytest.raises(PersistenceError, match="not a regular file"):
        regular_file(tmp_path, max_bytes=10)
    with pytest.raises(FileNotFoundError, match="no such file"):
        regular_file(tmp_path / "nope", max_bytes=10)
    (tmp_path / "f").write_bytes(b"12345")
    assert regular_file(tmp_path / "f", max_bytes=5) == 5


def test_npz_round_trip_keeps_dtypes_shapes_and_meta(tmp_path):
    path = tmp_path / "w.npz"
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(3),
              "steps": np.array(7, dtype=np.int64), "fortran": np.asfortranarray(np.eye(3)[:, :2])}
    save_npz(path, arrays, {"layer": "dense_1"})
    back, meta = load_npz(path)
    assert set(back) == set(arrays)
    for name, a in arrays.items():
        assert back[name].dtype == a.dtype and back[name].shape == a.shape
        np.testing.assert_array_equal(back[name], a)
    assert meta["layer"] == "dense_1" and meta["format"] == persistence.FORMAT_VERSION
    assert "pynet_version" in meta


def test_npz_refuses_object_arrays_and_the_reserved_name(tmp_path):
    with pytest.raises(TypeError, match="dtype object"):
        save_npz(tmp_path / "o.npz", {"x": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ValueError, match="reserved"):
        save_npz(tmp_path / "m.npz", {META_KEY: np.zeros(1)})
    assert not list(tmp_path.iterdir())                  # nothing was written


def test_an_npz_without_pynet_metadata_or_of_another_format_is_refused(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.ones(2))
    assert set(read_npz_arrays(plain)) == {"w"}          # readable as arrays ...
    with pytest.raises(PersistenceError, match="not written by pynet"):
        load_npz(plain)                                  # ... but not as a pynet file
    future = tmp_path / "future.npz"
    np.savez(future, **{META_KEY: np.frombuffer(json.dumps({"format": 99}).encode(), np.uint8)})
    with pytest.raises(PersistenceError, match="format 99"):
        load_npz(future)


def test_a_truncated_npz_is_named_not_half_read(tmp_path):
    path = tmp_path / "w.npz"
    save_npz(path, {"w": np.ones((50, 50))})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(PersistenceError, match="w.npz"):
        load_npz(path)


def test_an_entry_larger_than_the_budget_is_refused_from_its_header(tmp_path):
    path = tmp_path / "big.npz"
    save_npz(path, {"w": np.ones(1000)})
    with pytest.raises(PersistenceError, match="max_bytes"):
        read_npz_arrays(path, max_bytes=4000)            # 8000 bytes of float64 declared


def test_a_non_npy_entry_is_refused(tmp_path):
    path = tmp_path / "odd.npz"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "hello")
    path.write_bytes(buf.getvalue())
    with pytest.raises(PersistenceError, match="'notes.txt' is not a .npy array"):
        read_npz_arrays(path)


def test_check_shapes_names_missing_extra_and_wrong_arrays():
    arrays = {"w": np.zeros((2, 3)), "b": np.zeros(3)}
    check_shapes("f.npz", arrays, {"w": (2, 3), "b": (3,)})
    with pytest.raises(PersistenceError, match=r"missing arrays \['k'\], unexpected \['b'\]"):
        check_shapes("f.npz", arrays, {"w": (2, 3), "k": (1,)})
    with pytest.raises(PersistenceError, match=r"'w' has shape \(2, 3\), expected \(3, 2\)"):
        check_shapes("f.npz", arrays, {"w": (3, 2), "b": (3,)})


def test_paths_may_be_strings_or_path_objects(tmp_path):
    save_json(os.fspath(tmp_path / "a.json"), [1])
    assert load_json(tmp_path / "a.json") == [1]
