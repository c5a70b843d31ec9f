"""Saving and loading without pickle: JSON for structure, NPZ for arrays, atomic writes, bounded reads.

Every file pynet writes goes through :func:`atomic_write`: the bytes go to a temporary file in the
same directory, are flushed to disk, and replace the target in one ``os.replace`` (the directory
is fsynced too) — so a crash or a full disk leaves either the old file or the new one, never half
of one; temporary files left by an earlier crash are removed by the next write. Loading never
unpickles (``allow_pickle=False``), so a file from someone else cannot run code.

Reading is bounded whatever a file claims: only regular files are opened (never a FIFO, a device
or ``/dev/zero``), their size is capped, and an NPZ's entries are checked from the zip and ``.npy``
headers (declared sizes, shapes and dtypes) before a byte of them is decompressed.

Formats
-------
``save_json(path, obj)``
    UTF-8 JSON; arrays must be converted to lists by the caller.
``save_npz(path, arrays, meta)``
    An ``.npz`` holding the named arrays plus the JSON ``meta`` dict stored as the uint8 array
    ``__meta__``; ``meta`` gets ``format`` and ``pynet_version`` keys added.
``save_model_files(stem, doc, arrays)``
    A model as a pair: ``<stem>.json`` (the commit point) naming ``<stem>.<sha>.npz``; a kill at
    any moment leaves the old pair or the new one loadable (:func:`load_model_files`).

Limits (documented parameters; raise them deliberately for a larger trusted file)
------------------------------------------------------------------------------------
``MAX_JSON_BYTES``   64 MiB per JSON file;   ``MAX_JSON_DEPTH``  64 levels of nesting
``MAX_NPZ_BYTES``    2 GiB of array data per NPZ (compressed file and decompressed entries)
``MAX_NPZ_ENTRIES``  10 000 arrays per NPZ;  ``MAX_COMPRESSION_RATIO`` 100 (entries above 1 MiB)
``LAYER_LIMITS``     the largest size each layer-config key may ask for (:func:`validate_layer_config`)
"""
from __future__ import annotations

import glob
import hashlib
import io
import json
import math
import os
import re
import stat
import tempfile
import zipfile

import numpy as np

FORMAT_VERSION = 1
META_KEY = "__meta__"

MAX_JSON_BYTES = 64 << 20
MAX_JSON_DEPTH = 64
MAX_NPZ_BYTES = 2 << 30
MAX_NPZ_ENTRIES = 10_000
#: An entry above 1 MiB may decompress to at most this many times its compressed size (pynet
#: writes arrays uncompressed; zeros deflate 1000:1, the shape of a zip bomb).
MAX_COMPRESSION_RATIO = 100
#: Bytes read at a time when hashing or copying (bounded memory whatever the file size).
CHUNK = 1 << 20


class PersistenceError(ValueError):
    """A file could not be read back: truncated, corrupted, or not what was expected."""


def _temp_prefix(path: str) -> str:
    return f".{os.path.basename(path)}.pynet-"


def _fsync_dir(directory: str) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temps(path) -> int:
    """Remove temporary files an interrupted :func:`atomic_write` of ``path`` left behind (and the
    ``.pynet-*.tmp`` files of older pynet versions beside it); return how many."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    removed = 0
    pattern = glob.escape(_temp_prefix(path)) + "*.tmp"
    for tmp in glob.glob(os.path.join(glob.escape(directory), pattern)) + \
            glob.glob(os.path.join(glob.escape(directory), ".pynet-*.tmp")):
        try:
            os.unlink(tmp)
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def atomic_write(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same directory, fsync,
    ``os.replace``, fsync of the directory); stale temporaries of ``path`` are removed first."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)


def regular_file(path, *, max_bytes: int, what: str = "file") -> int:
    """Check that ``path`` is a regular file of at most ``max_bytes``; return its size.

    A FIFO would block forever, a device such as ``/dev/zero`` would read until memory runs out:
    both are refused before they are opened."""
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {path!r}") from None
    if not stat.S_ISREG(st.st_mode):
        raise PersistenceError(f"{path!r} is not a regular file (a directory, pipe or device); "
                               f"a {what} must be an ordinary file")
    if st.st_size > max_bytes:
        raise PersistenceError(f"{path!r} is {st.st_size} bytes, more than max_bytes={max_bytes} "
                               f"for a {what}; raise the limit if the file is trusted")
    return st.st_size


def _version() -> str:
    from . import __version__
    return __version__


def save_json(path, obj) -> None:
    """Write ``obj`` as indented UTF-8 JSON, atomically."""
    atomic_write(path, json.dumps(obj, indent=1, sort_keys=False).encode("utf-8"))


def _depth(obj) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        o, d = stack.pop()
        deepest = max(deepest, d)
        if isinstance(o, dict):
            stack.extend((v, d + 1) for v in o.values())
        elif isinstance(o, list):
            stack.extend((v, d + 1) for v in o)
    return deepest


def load_json(path, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH):
    """Read a JSON file of at most ``max_bytes`` nested at most ``max_depth`` levels; a truncated,
    invalid, oversized or too deeply nested file raises :class:`PersistenceError`."""
    path = os.fspath(path)
    regular_file(path, max_bytes=max_bytes, what="JSON file")
    with open(path, "rb") as fh:
        raw = fh.read(max_bytes + 1)
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PersistenceError(
            f"{path!r} is not valid JSON ({exc}); the file may be truncated or not a pynet file"
        ) from None
    except RecursionError:
        raise PersistenceError(f"{path!r} is nested deeper than max_depth={max_depth}") from None
    if _depth(obj) > max_depth:
        raise PersistenceError(f"{path!r} is nested deeper than max_depth={max_depth}")
    return obj


def npz_bytes(arrays: dict, meta: dict | None = None) -> bytes:
    """The bytes :func:`save_npz` writes (arrays plus the JSON ``meta`` as ``__meta__``)."""
    if META_KEY in arrays:
        raise ValueError(f"save_npz(): array name {META_KEY!r} is reserved")
    full_meta = {"format": FORMAT_VERSION, "pynet_version": _version(), **(meta or {})}
    payload = {k: np.asarray(v) for k, v in arrays.items()}
    for name, arr in payload.items():
        if arr.dtype == object:
            raise TypeError(f"save_npz(): array {name!r} has dtype object, which would need pickle")
    payload[META_KEY] = np.frombuffer(json.dumps(full_meta).encode("utf-8"), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **payload)
    return buf.getvalue()


def save_npz(path, arrays: dict, meta: dict | None = None) -> None:
    """Write named arrays and a JSON-serialisable ``meta`` dict to one ``.npz``, atomically.

    Array names must be strings and must not be ``"__meta__"``.
    """
    atomic_write(path, npz_bytes(arrays, meta))


_NUMERIC_KINDS = "biufc"


def _read_entry(path, zf, info, budget):
    """One ``.npy`` entry, its header checked before its data is read."""
    name = info.filename
    with zf.open(info) as fh:
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except ValueError as exc:
            raise PersistenceError(f"{path!r}: entry {name!r} has no valid .npy header ({exc})") \
                from None
        if dtype.hasobject or dtype.kind not in _NUMERIC_KINDS:
            raise PersistenceError(f"{path!r}: entry {name!r} has dtype {dtype}; only numeric "
                                   "arrays are read (never objects, which would need pickle)")
        if any((not isinstance(d, int)) or d < 0 for d in shape):
            raise PersistenceError(f"{path!r}: entry {name!r} declares shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > budget:
            raise PersistenceError(
                f"{path!r}: entry {name!r} declares shape {shape} of {dtype} ({nbytes} bytes), "
                f"more than the {budget} bytes left under max_bytes")
        header = fh.tell()
        if header + nbytes != info.file_size:
            raise PersistenceError(
                f"{path!r}: entry {name!r} declares shape {shape} of {dtype} ({nbytes} bytes) but "
                f"holds {info.file_size - header}; the file is truncated or forged")
        buf = bytearray(nbytes)
        view, got = memoryview(buf), 0
        while got < nbytes:
            n = fh.readinto(view[got:got + CHUNK])
            if not n:
                break
            got += n
        if got != nbytes or fh.read(1):
            raise PersistenceError(f"{path!r}: entry {name!r} is shorter or longer than declared")
    arr = np.frombuffer(buf, dtype=dtype)
    return (arr.reshape(shape[::-1]).T if fortran else arr.reshape(shape)), nbytes


def read_npz_arrays(path, *, max_bytes: int = MAX_NPZ_BYTES,
                    max_entries: int = MAX_NPZ_ENTRIES) -> dict:
    """Every array of an ``.npz``, bounded: the file must be regular and at most ``max_bytes``;
    the zip directory's declared sizes, then each entry's ``.npy`` header (shape, dtype), are
    checked against ``max_bytes`` before anything is decompressed (a zip bomb is refused from
    its headers), and reading stops at the declared size."""
    path = os.fspath(path)
    regular_file(path, max_bytes=max_bytes, what=".npz file")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > max_entries:
                raise PersistenceError(f"{path!r} holds {len(infos)} entries, more than "
                                       f"max_entries={max_entries}")
            declared = sum(i.file_size for i in infos)
            if declared > max_bytes:
                raise PersistenceError(
                    f"{path!r}: its entries declare {declared} bytes uncompressed, more than "
                    f"max_bytes={max_bytes} (a zip bomb, or raise the limit for a trusted file)")
            for info in infos:
                if info.file_size > (1 << 20) and \
                        info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                    raise PersistenceError(
                        f"{path!r}: entry {info.filename!r} would expand {info.compress_size} "
                        f"bytes to {info.file_size} (more than {MAX_COMPRESSION_RATIO}x): "
                        "refused as a zip bomb")
            arrays, budget = {}, max_bytes
            for info in infos:
                if not info.filename.endswith(".npy"):
                    raise PersistenceError(f"{path!r}: entry {info.filename!r} is not a .npy array")
                arr, used = _read_entry(path, zf, info, budget)
                budget -= used
                arrays[info.filename[:-len(".npy")]] = arr
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        if isinstance(exc, PersistenceError):
            raise
        raise PersistenceError(
            f"{path!r} could not be read as a pynet .npz file ({exc}); it may be truncated"
        ) from None
    return arrays


def load_npz(path, *, max_bytes: int = MAX_NPZ_BYTES):
    """Read a file written by :func:`save_npz`; return ``(arrays, meta)``.

    Bounded as :func:`read_npz_arrays`; raises :class:`PersistenceError` for a truncated,
    corrupted, oversized or forged file, and never unpickles.
    """
    path = os.fspath(path)
    arrays = read_npz_arrays(path, max_bytes=max_bytes)
    raw = arrays.pop(META_KEY, None)
    if raw is None:
        raise PersistenceError(f"{path!r} has no {META_KEY!r} entry; it was not written by pynet")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PersistenceError(f"{path!r}: metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise PersistenceError(f"{path!r}: metadata must be a JSON object, got "
                               f"{type(meta).__name__}")
    if meta.get("format") != FORMAT_VERSION:
        raise PersistenceError(
            f"{path!r} has format {meta.get('format')!r}; this pynet reads format {FORMAT_VERSION}"
        )
    return arrays, meta


def check_shapes(path, arrays: dict, expected: dict) -> None:
    """Raise :class:`PersistenceError` unless ``arrays`` has exactly the names and shapes of
    ``expected`` (a dict name -> shape)."""
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise PersistenceError(f"{os.fspath(path)!r}: missing arrays {missing}, unexpected {extra}")
    for name, shape in expected.items():
        if tuple(arrays[name].shape) != tuple(shape):
            raise PersistenceError(
                f"{os.fspath(path)!r}: array {name!r} has shape {arrays[name].shape}, "
                f"expected {tuple(shape)}"
            )


# -- a model as a JSON + NPZ pair ------------------------------------------------------------------
def _sha256_file(path, limit: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        read = 0
        while read <= limit:
            block = fh.read(CHUNK)
            if not block:
                break
            read += len(block)
            h.update(block)
    return h.hexdigest()


def _weights_pattern(base: str):
    return re.compile(re.escape(base) + r"\.[0-9a-f]{16}\.npz\Z")


def save_model_files(path_stem, doc: dict, arrays: dict, meta: dict | None = None) -> tuple:
    """Write a model as ``<stem>.json`` + ``<stem>.<sha>.npz`` so a kill at any moment leaves the
    old model or the new one loadable; return ``(json_path, npz_path)``.

    Order: the arrays go to a new, content-addressed NPZ (an old model's NPZ is never
    overwritten); then the JSON, which names that NPZ and its SHA-256, replaces the old JSON in
    one ``os.replace`` — the commit point; only then are the NPZs of earlier saves removed. Every
    rename is followed by an fsync of the directory, and temporary files of an earlier,
    interrupted save are removed first. ``doc`` gets ``weights_file`` and ``weights_sha256``.
    """
    stem = os.fspath(path_stem)
    json_path = stem + ".json"
    directory = os.path.dirname(os.path.abspath(json_path))
    base = os.path.basename(stem)
    if not isinstance(doc, dict):
        raise TypeError(f"save_model_files(): 'doc' must be a dict, got {type(doc).__name__}")
    data = npz_bytes(arrays, meta)
    digest = hashlib.sha256(data).hexdigest()
    npz_name = f"{base}.{digest[:16]}.npz"
    npz_path = os.path.join(os.path.dirname(json_path), npz_name)
    os.makedirs(directory, exist_ok=True)
    # temporaries of earlier, interrupted saves of this model (any content address)
    for tmp in glob.glob(os.path.join(glob.escape(directory), f".{glob.escape(base)}.*.pynet-*.tmp")):
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
    atomic_write(npz_path, data)                                   # 1. new arrays, beside the old
    full = {**doc, "weights_file": npz_name, "weights_sha256": digest}
    atomic_write(json_path, json.dumps(full, indent=1).encode("utf-8"))   # 2. the commit point
    pattern = _weights_pattern(base)                               # 3. earlier saves' arrays
    for name in os.listdir(directory):
        if pattern.match(name) and name != npz_name:
            try:
                os.unlink(os.path.join(directory, name))
            except FileNotFoundError:
                pass
    _fsync_dir(directory)
    return json_path, npz_path


def confined_sibling(json_path, name, *, key: str = "weights_file",
                     max_bytes: int = MAX_NPZ_BYTES) -> str:
    """The path of file ``name`` named by ``json_path``'s ``key``, accepted only when it is a plain
    file name in the JSON's own folder: no ``..``, no absolute path, no separator, no symlink
    leading elsewhere, a regular file (no FIFO or device) of at most ``max_bytes``."""
    json_path = os.fspath(json_path)
    if not isinstance(name, str) or not name:
        raise PersistenceError(f"{json_path!r}: {key!r} must be a file name, got {name!r}")
    seps = {os.sep, os.altsep or os.sep, "/", "\\"}
    if name in (".", "..") or any(s in name for s in seps) or os.path.isabs(name) \
            or "\x00" in name:
        raise PersistenceError(f"{json_path!r}: {key!r} = {name!r} must be a file name in the "
                               "same folder as the JSON (no path, no '..')")
    folder = os.path.dirname(os.path.abspath(json_path))
    path = os.path.join(folder, name)
    if os.path.dirname(os.path.realpath(path)) != os.path.realpath(folder):
        raise PersistenceError(f"{json_path!r}: {key!r} = {name!r} is a link to a file outside "
                               "the model's folder")
    regular_file(path, max_bytes=max_bytes, what=f"file named by {key!r}")
    return path


def load_model_files(path_stem, max_bytes: int = MAX_NPZ_BYTES, *,
                     required=("format", "class_name", "config", "weights_file"),
                     max_json_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH):
    """Read a pair written by :func:`save_model_files`; return ``(doc, arrays)``.

    The JSON must be an object holding every ``required`` key (a :class:`PersistenceError` names
    the file and the key otherwise), at most ``max_json_bytes`` and ``max_depth`` deep; its
    ``weights_file`` must be a regular file beside it (:func:`confined_sibling`) whose SHA-256
    matches ``weights_sha256`` when recorded; the NPZ is read with :func:`load_npz`'s bounds."""
    stem = os.fspath(path_stem)
    json_path = stem + ".json"
    doc = load_json(json_path, max_bytes=max_json_bytes, max_depth=max_depth)
    if not isinstance(doc, dict):
        raise PersistenceError(f"{json_path!r}: the top level must be a JSON object, got "
                               f"{type(doc).__name__}")
    for key in required:
        if key not in doc:
            raise PersistenceError(f"{json_path!r}: required key {key!r} is missing")
    npz_path = confined_sibling(json_path, doc["weights_file"], max_bytes=max_bytes)
    want = doc.get("weights_sha256")
    if want is not None:
        if _sha256_file(npz_path, max_bytes) != want:
            raise PersistenceError(f"{npz_path!r} does not match {json_path!r} (checksum "
                                   "differs): the pair was not written together")
    arrays, _meta = load_npz(npz_path, max_bytes=max_bytes)
    return doc, arrays


# -- layer configurations from files ---------------------------------------------------------------
#: The largest value each size-like key of a layer config may hold (a file asking for more is
#: refused before anything is allocated). Pass your own ``limits`` for larger trusted models.
LAYER_LIMITS = {
    "units": 1 << 20, "filters": 1 << 16, "kernel_size": 1 << 10, "pool_size": 1 << 10,
    "strides": 1 << 10, "dilation_rate": 1 << 10, "size": 1 << 10, "input_dim": 1 << 24,
    "output_dim": 1 << 20, "input_length": 1 << 24, "input_shape": 1 << 24,
    "batch_input_shape": 1 << 24, "target_shape": 1 << 24, "n": 1 << 20, "depth_multiplier": 1 << 10,
    "cropping": 1 << 16, "padding": 1 << 16, "max_elements": 1 << 28,
}
_MAX_CONFIG_DEPTH = 16


#: Keys whose list is a shape: the product of its entries is a number of elements.
_SHAPE_KEYS = ("input_shape", "batch_input_shape", "target_shape", "shape", "dims")


def _flat(value) -> list:
    """The scalars of a (possibly nested) list, in order."""
    if not isinstance(value, (list, tuple)):
        return [value]
    out = []
    for v in value:
        out.extend(_flat(v))
    return out


def validate_layer_config(class_name, config, limits=None, *, allowed=None, where="") -> dict:
    """Check a layer config read from a file before the layer is built; return it.

    ``config`` must be a dict with string keys holding JSON values, nested at most 16 deep. Every
    key in ``limits`` (default :data:`LAYER_LIMITS`) holding an integer or a list of integers must
    hold positive values no larger than its limit (``None`` entries, as in Keras's batch axis,
    pass); the product of a shape-like list must stay under ``limits['max_elements']``.
    ``allowed``: the constructor's keyword names — any other key is refused (instead of a
    ``TypeError`` from ``__init__``). Raises :class:`PersistenceError` naming ``where`` (the
    file), the layer class and the key.
    """
    limits = LAYER_LIMITS if limits is None else {**LAYER_LIMITS, **limits}
    at = f"{where}: " if where else ""
    if not isinstance(config, dict):
        raise PersistenceError(f"{at}config of layer {class_name!r} must be a JSON object, got "
                               f"{type(config).__name__}")
    if _depth(config) > _MAX_CONFIG_DEPTH:
        raise PersistenceError(f"{at}config of layer {class_name!r} is nested deeper than "
                               f"{_MAX_CONFIG_DEPTH}")
    for key, value in config.items():
        if not isinstance(key, str):
            raise PersistenceError(f"{at}config of layer {class_name!r} has a non-string key "
                                   f"{key!r}")
        if allowed is not None and key not in allowed:
            raise PersistenceError(f"{at}config of layer {class_name!r} has unexpected key "
                                   f"{key!r}; expected some of {sorted(allowed)}")
        if key not in limits:
            continue
        items = _flat(value)   # ((1, 1), (1, 1)): ZeroPadding2D/Cropping2D's nested pairs
        for v in items:
            if v is None or isinstance(v, str):          # None: Keras's batch axis; "same"
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or \
                    (isinstance(v, float) and not v.is_integer()):
                raise PersistenceError(f"{at}layer {class_name!r}: {key!r} must hold whole "
                                       f"numbers, got {value!r}")
            if not (0 <= v <= limits[key]):
                raise PersistenceError(f"{at}layer {class_name!r}: {key!r} = {value!r} is "
                                       f"outside [0, {limits[key]}] (limits[{key!r}])")
        whole = [int(v) for v in items if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if key in _SHAPE_KEYS and isinstance(value, (list, tuple)) and whole and \
                math.prod(whole) > limits["max_elements"]:
            raise PersistenceError(f"{at}layer {class_name!r}: {key!r} = {value!r} holds "
                                   f"{math.prod(whole)} elements, more than "
                                   f"limits['max_elements'] = {limits['max_elements']}")
    return config
