"""Saving and loading without pickle: JSON for structure, NPZ for arrays, atomic writes.

Every file pynet writes goes through :func:`atomic_write`: the bytes go to a temporary file in the
same directory, are flushed to disk, and replace the target in one ``os.replace`` — so a crash or a
full disk leaves either the old file or the new one, never half of one. Loading never unpickles
(``allow_pickle=False``), so a file from someone else cannot run code.

Formats
-------
``save_json(path, obj)``
    UTF-8 JSON; arrays must be converted to lists by the caller.
``save_npz(path, arrays, meta)``
    An ``.npz`` holding the named arrays plus the JSON ``meta`` dict stored as the uint8 array
    ``__meta__``; ``meta`` gets ``format`` and ``pynet_version`` keys added.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np

FORMAT_VERSION = 1
META_KEY = "__meta__"


class PersistenceError(ValueError):
    """A file could not be read back: truncated, corrupted, or not what was expected."""


def atomic_write(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same directory + rename)."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pynet-", suffix=".tmp", dir=directory)
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


def _version() -> str:
    from . import __version__
    return __version__


def save_json(path, obj) -> None:
    """Write ``obj`` as indented UTF-8 JSON, atomically."""
    atomic_write(path, json.dumps(obj, indent=1, sort_keys=False).encode("utf-8"))


def load_json(path):
    """Read a JSON file; a truncated or invalid file raises :class:`PersistenceError`."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {path!r}") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PersistenceError(
            f"{path!r} is not valid JSON ({exc}); the file may be truncated or not a pynet file"
        ) from None


def save_npz(path, arrays: dict, meta: dict | None = None) -> None:
    """Write named arrays and a JSON-serialisable ``meta`` dict to one ``.npz``, atomically.

    Array names must be strings and must not be ``"__meta__"``.
    """
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
    atomic_write(path, buf.getvalue())


def load_npz(path):
    """Read a file written by :func:`save_npz`; return ``(arrays, meta)``.

    Raises :class:`PersistenceError` for a truncated or corrupted file, and never unpickles.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path!r}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise PersistenceError(
            f"{path!r} could not be read as a pynet .npz file ({exc}); it may be truncated"
        ) from None
    raw = arrays.pop(META_KEY, None)
    if raw is None:
        raise PersistenceError(f"{path!r} has no {META_KEY!r} entry; it was not written by pynet")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PersistenceError(f"{path!r}: metadata is not valid JSON ({exc})") from None
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
