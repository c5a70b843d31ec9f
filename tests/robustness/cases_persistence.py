"""Bad files for pynet.persistence and the book models' save/load (the table's "persistence" row).

Files that would block (a FIFO), never end (``/dev/zero``), expand (a zip bomb, an NPZ entry
declaring 10**10 values, a Rashid file declaring 10**5 x 10**5 weights), lead outside the model's
folder (``..``, an absolute path, a symlink), or are malformed (top level ``[]``, a missing key,
100 000 nested levels). Each must raise a :class:`PersistenceError` (or ``FileNotFoundError``)
naming the file and the field, within the memory cap of the child process.
"""
from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import tempfile
import zipfile
import zlib

import numpy as np

from pynet.persistence import (
    PersistenceError, load_json, load_model_files, load_npz, save_model_files, save_npz,
    validate_layer_config,
)

from .harness import case

P = (PersistenceError, FileNotFoundError)


def _tmp():
    d = tempfile.mkdtemp(prefix="pynet-robust-")
    atexit.register(shutil.rmtree, d, True)
    return d


def _npy_entry(shape, dtype="<f8", payload=b""):
    """A raw .npy file whose header declares ``shape`` (the data may be shorter: forged)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    return buf.getvalue() + payload


def _zip(path, entries, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _meta():
    return _npy_entry((2,), "|u1", b"{}")


def _model_pair(d, weights_file, extra=None):
    """A valid pair, then the JSON pointed at ``weights_file``."""
    stem = os.path.join(d, "m")
    save_model_files(stem, {"format": 1, "class_name": "Sequential", "config": {}},
                     {"w": np.ones(3)})
    doc = json.load(open(stem + ".json"))
    doc["weights_file"] = weights_file
    doc.pop("weights_sha256", None)
    doc.update(extra or {})
    json.dump(doc, open(stem + ".json", "w"))
    return stem


# --- JSON ----------------------------------------------------------------------------------------
@case("persistence", raises=P, mentions=("x.json",))
def json_missing_file():
    return lambda: load_json(os.path.join(_tmp(), "x.json"))


@case("persistence", raises=PersistenceError, mentions=("x.json", "not valid JSON"))
def json_truncated():
    p = os.path.join(_tmp(), "x.json")
    open(p, "w").write('{"sizes": [1, 2')
    return lambda: load_json(p)


@case("persistence", raises=PersistenceError, mentions=("x.json", "nested"))
def json_100k_nested_levels():
    p = os.path.join(_tmp(), "x.json")
    open(p, "w").write("[" * 100_000 + "]" * 100_000)
    return lambda: load_json(p)


@case("persistence", raises=PersistenceError, mentions=("/dev/zero", "regular file"),
      isolated=True)
def json_dev_zero():
    return lambda: load_json("/dev/zero")


@case("persistence", raises=PersistenceError, mentions=("fifo", "regular file"), isolated=True)
def json_named_pipe():
    p = os.path.join(_tmp(), "fifo")
    os.mkfifo(p)
    return lambda: load_json(p)


@case("persistence", raises=PersistenceError, mentions=("big.json", "max_bytes"))
def json_over_size_cap():
    p = os.path.join(_tmp(), "big.json")
    open(p, "w").write(" " * 2000 + "1")
    return lambda: load_json(p, max_bytes=1000)


# --- NPZ -----------------------------------------------------------------------------------------
@case("persistence", raises=PersistenceError, mentions=("/dev/zero",), isolated=True)
def npz_dev_zero():
    return lambda: load_npz("/dev/zero")


class _RepeatedDeflate:
    """Stands in for zipfile's compressor while 1 GiB of zeros is written: every 16 MiB block of
    zeros deflates to the same full-flushed segment, computed once (honest output, ~1 MB in all,
    in a second instead of the half minute zlib needs for the whole GiB)."""

    def __init__(self, block):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.block, self.segment = block, c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
        self.real = zlib.compressobj(9, zlib.DEFLATED, -15)

    def compress(self, data):
        return self.segment if data is self.block else self.real.compress(data) + \
            self.real.flush(zlib.Z_FULL_FLUSH)

    def flush(self):
        return self.real.flush()


@case("persistence", raises=PersistenceError, mentions=("bomb.npz", "zip bomb"), isolated=True)
def npz_zip_bomb_1gb():
    p = os.path.join(_tmp(), "bomb.npz")
    block = bytes(1 << 24)
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("w.npy", "w", force_zip64=True) as fh:
            if hasattr(fh, "_compressor"):
                fh._compressor = _RepeatedDeflate(block)
            fh.write(_npy_entry(((1 << 30) // 8,)))
            for _ in range(64):                           # 1 GiB of zeros, ~1 MB compressed
                fh.write(block)
        zf.writestr("__meta__.npy", _meta())
    assert os.path.getsize(p) < 2 << 20
    return lambda: load_npz(p)


@case("persistence", raises=PersistenceError, mentions=("huge.npz", "'w.npy'", "10000000000"),
      isolated=True)
def npz_entry_declares_10e10():
    p = _zip(os.path.join(_tmp(), "huge.npz"),
             {"w.npy": _npy_entry((10 ** 10,), payload=bytes(64)), "__meta__.npy": _meta()})
    return lambda: load_npz(p)


@case("persistence", raises=PersistenceError, mentions=("short.npz", "'w.npy'"))
def npz_entry_shorter_than_declared():
    p = _zip(os.path.join(_tmp(), "short.npz"),
             {"w.npy": _npy_entry((100,), payload=bytes(80)), "__meta__.npy": _meta()})
    return lambda: load_npz(p)


@case("persistence", raises=PersistenceError, mentions=("obj.npz", "object"))
def npz_object_array_refused_unread():
    p = os.path.join(_tmp(), "obj.npz")
    np.savez(p, w=np.array([{"a": 1}], dtype=object), __meta__=np.zeros(1, np.uint8))
    return lambda: load_npz(p)


@case("persistence", raises=PersistenceError, mentions=("nometa.npz", "__meta__"))
def npz_without_meta():
    p = os.path.join(_tmp(), "nometa.npz")
    np.savez(p, w=np.ones(2))
    return lambda: load_npz(p)


@case("persistence", raises=PersistenceError, mentions=("listmeta.npz", "metadata"))
def npz_meta_is_a_list():
    p = os.path.join(_tmp(), "listmeta.npz")
    np.savez(p, w=np.ones(2), __meta__=np.frombuffer(b"[]", np.uint8))
    return lambda: load_npz(p)


@case("persistence", raises=PersistenceError, mentions=("junk.npz",))
def npz_not_a_zip():
    p = os.path.join(_tmp(), "junk.npz")
    open(p, "wb").write(b"PK\x03\x04 not really a zip")
    return lambda: load_npz(p)


@case("persistence", raises=PersistenceError, mentions=("cut.npz",))
def npz_truncated_save():
    p = os.path.join(_tmp(), "cut.npz")
    save_npz(p, {"w": np.ones(1000)})
    data = open(p, "rb").read()
    open(p, "wb").write(data[: len(data) // 2])
    return lambda: load_npz(p)


# --- a model pair: confinement and malformed JSON ---------------------------------------------------
@case("persistence", raises=PersistenceError, mentions=("m.json", "weights_file"))
def model_weights_file_dotdot():
    d = _tmp()
    os.makedirs(os.path.join(d, "other"))
    np.savez(os.path.join(d, "other", "x.npz"), w=np.ones(3))
    stem = _model_pair(os.path.join(d, "model"), "../other/x.npz")
    return lambda: load_model_files(stem)


@case("persistence", raises=PersistenceError, mentions=("m.json", "weights_file"), isolated=True)
def model_weights_file_dev_zero():
    stem = _model_pair(_tmp(), "/dev/zero")
    return lambda: load_model_files(stem)


@case("persistence", raises=PersistenceError, mentions=("pipe", "regular file"), isolated=True)
def model_weights_file_named_pipe():
    d = _tmp()
    os.mkfifo(os.path.join(d, "pipe"))
    stem = _model_pair(d, "pipe")
    return lambda: load_model_files(stem)


@case("persistence", raises=PersistenceError, mentions=("m.json", "outside"))
def model_weights_file_symlink_out():
    d, elsewhere = _tmp(), _tmp()
    save_npz(os.path.join(elsewhere, "x.npz"), {"w": np.ones(3)})
    os.symlink(os.path.join(elsewhere, "x.npz"), os.path.join(d, "link.npz"))
    stem = _model_pair(d, "link.npz")
    return lambda: load_model_files(stem)


@case("persistence", raises=PersistenceError, mentions=("m.json", "JSON object"))
def model_json_top_level_list():
    d = _tmp()
    open(os.path.join(d, "m.json"), "w").write("[]")
    return lambda: load_model_files(os.path.join(d, "m"))


@case("persistence", raises=PersistenceError, mentions=("m.json", "'config'"))
def model_json_missing_key():
    d = _tmp()
    stem = _model_pair(d, "x")
    doc = json.load(open(stem + ".json"))
    del doc["config"]
    json.dump(doc, open(stem + ".json", "w"))
    return lambda: load_model_files(stem)


@case("persistence", raises=PersistenceError, mentions=("checksum",))
def model_pair_torn():
    d = _tmp()
    stem = os.path.join(d, "m")
    _, npz = save_model_files(stem, {"format": 1, "class_name": "S", "config": {}},
                              {"w": np.ones(3)})
    save_npz(npz, {"w": np.zeros(3)})           # the NPZ replaced behind the JSON's back
    return lambda: load_model_files(stem)


@case("persistence", raises=PersistenceError, mentions=("model.json", "Dense", "'units'"))
def layer_config_units_1e7():
    return lambda: validate_layer_config("Dense", {"units": 10 ** 7}, where="model.json")


@case("persistence", raises=PersistenceError, mentions=("Dense", "'unitz'"))
def layer_config_unexpected_key():
    return lambda: validate_layer_config("Dense", {"unitz": 3}, allowed={"units", "activation"})


@case("persistence", raises=PersistenceError, mentions=("Conv2D", "'kernel_size'"))
def layer_config_float_kernel():
    return lambda: validate_layer_config("Conv2D", {"filters": 3, "kernel_size": [2.5, 2]})


@case("persistence", raises=PersistenceError, mentions=("Dense", "'batch_input_shape'"))
def layer_config_input_elements():
    return lambda: validate_layer_config("Dense", {"batch_input_shape": [None, 1 << 20, 1 << 20]})


# --- the book models' files --------------------------------------------------------------------
@case("persistence", raises=PersistenceError, mentions=("r.npz", "inodes"), isolated=True)
def rashid_metadata_declares_1e5_nodes():
    from pynet.backprop.three_layer_network import ThreeLayerNetwork

    d = _tmp()
    p = os.path.join(d, "r.npz")
    net = ThreeLayerNetwork(3, 2, 1, 0.1, seed=0)
    net.save(p)
    arrays, meta = load_npz(p)
    meta.update(inodes=10 ** 5, hnodes=10 ** 5)
    save_npz(p, arrays, meta)
    return lambda: ThreeLayerNetwork.load(p)


@case("persistence", raises=PersistenceError, mentions=("n.json", "sizes"), isolated=True)
def nielsen_sizes_1e5():
    from pynet.backprop.feedforward_network import Network

    p = os.path.join(_tmp(), "n.json")
    json.dump({"sizes": [10 ** 5, 10 ** 5], "weights": [[[0.0]]], "biases": [[[0.0]]],
               "cost": "QuadraticCost"}, open(p, "w"))
    return lambda: Network.load(p)


@case("persistence", raises=PersistenceError, mentions=("n.json", "top level"))
def nielsen_json_top_level_list():
    from pynet.backprop.feedforward_network import Network

    p = os.path.join(_tmp(), "n.json")
    open(p, "w").write("[]")
    return lambda: Network.load(p)


@case("persistence", raises=PersistenceError, mentions=("n.json", "weights[0]"))
def nielsen_weights_not_numbers():
    from pynet.backprop.feedforward_network import Network

    p = os.path.join(_tmp(), "n.json")
    json.dump({"sizes": [2, 1], "weights": [[["a", "b"]]], "biases": [[[0.0]]],
               "cost": "QuadraticCost"}, open(p, "w"))
    return lambda: Network.load(p)
