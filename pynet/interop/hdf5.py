"""Reading HDF5 files that come from elsewhere, bounded and confined.

h5py follows whatever a file says: a soft or external link, a dataset kept in another file (even
``/dev/zero``), a virtual dataset stitched from other files, a group of millions of members, an
attribute of gigabytes. :class:`Reader` follows hard links only, refuses external storage and
virtual datasets, checks a group's member count and an attribute's size before reading it, and
compares a dataset's shape with the one expected before a byte of it is read — so what a file
*claims* never decides how much memory is used. :func:`open_hdf5` refuses what is not a regular
file (a FIFO, a device) and turns h5py's errors on a truncated or corrupt file into one clear
error naming the file.

h5py is an optional dependency (``pip install 'pynet[h5]'``): :func:`import_h5py` imports it on
first use, with a message saying what to install.
"""
from __future__ import annotations

import os

import numpy as np

from pynet.persistence import PersistenceError, regular_file

__all__ = ["HDF5FileError", "Reader", "open_hdf5", "import_h5py", "holds_data"]

#: Largest attribute (``layer_names``, ``weight_names``) read from a file, in bytes.
MAX_ATTRIBUTE_BYTES = 16 << 20
#: Most members a group (or values an attribute) may have before it is refused unread.
MAX_GROUP_MEMBERS = 1 << 16
#: Deepest nesting of groups walked.
MAX_DEPTH = 32
#: Largest file opened (a VGG16 weight file with its top is about 0.55 GB).
MAX_FILE_BYTES = 16 << 30


class HDF5FileError(PersistenceError):
    """An HDF5 file that is refused (corrupt, truncated, linked elsewhere, too large)."""


def import_h5py(who="pynet"):
    try:
        import h5py
    except ImportError:
        raise ImportError(f"{who} reads and writes HDF5 files with h5py, which is not "
                          "installed: pip install h5py (or pip install 'pynet[h5]')") from None
    return h5py


class Reader:
    """Bounded, link-free access to an open h5py file."""

    def __init__(self, h5py, f, path, error=None):
        self.h5py, self.f, self.path = h5py, f, path
        self.error = HDF5FileError if error is None else error

    def fail(self, message):
        raise self.error(f"{self.path!r}: {message}")

    def get(self, group, relpath, kind=None):
        """``group[relpath]`` following hard links only; None when absent."""
        obj = group
        for part in [p for p in relpath.split("/") if p]:
            if not isinstance(obj, self.h5py.Group):
                return None
            if len(obj) > MAX_GROUP_MEMBERS:
                self.fail(f"group {obj.name!r} has {len(obj)} members (more than "
                          f"{MAX_GROUP_MEMBERS}); refused unread")
            try:
                link = obj.get(part, getlink=True)
            except (KeyError, ValueError, OSError) as exc:
                self.fail(f"cannot read {obj.name}/{part} ({exc}); the file may be corrupt")
            if link is None:
                return None
            if not isinstance(link, self.h5py.HardLink):
                self.fail(f"{obj.name}/{part} is a {type(link).__name__}: a weight file may not "
                          "link elsewhere")
            try:
                obj = obj[part]
            except (KeyError, ValueError, OSError) as exc:
                self.fail(f"cannot open {obj.name}/{part} ({exc}); the file may be corrupt")
        if kind is not None and not isinstance(obj, kind):
            self.fail(f"{obj.name!r} is not a {kind.__name__}")
        return obj

    def members(self, group):
        if len(group) > MAX_GROUP_MEMBERS:
            self.fail(f"group {group.name!r} has {len(group)} members (more than "
                      f"{MAX_GROUP_MEMBERS}); refused unread")
        return list(group.keys())

    def attribute(self, obj, name):
        """An attribute (Keras's chunked ``name0``, ``name1``… too), size-checked before reading;
        None when absent."""
        keys = list(obj.attrs.keys())
        if name in keys:
            parts = [name]
        elif f"{name}0" in keys:
            parts, k = [], 0
            while f"{name}{k}" in keys:
                parts.append(f"{name}{k}")
                k += 1
        else:
            return None
        values = []
        for part in parts:
            try:
                aid = obj.attrs.get_id(part)
                count = int(np.prod(aid.shape)) if aid.shape else 1
                size = count * aid.get_type().get_size()
            except (KeyError, OSError, ValueError, RuntimeError) as exc:
                self.fail(f"attribute {part!r} of {obj.name!r} cannot be read ({exc})")
            if size > MAX_ATTRIBUTE_BYTES or count > MAX_GROUP_MEMBERS:
                self.fail(f"attribute {part!r} of {obj.name!r} holds {count} values in {size} "
                          f"bytes (limit {MAX_GROUP_MEMBERS} values, {MAX_ATTRIBUTE_BYTES} bytes)")
            try:
                value = obj.attrs[part]
            except (OSError, ValueError, TypeError) as exc:
                self.fail(f"attribute {part!r} of {obj.name!r} cannot be read ({exc})")
            if len(parts) == 1:
                return value
            values.extend(np.atleast_1d(value).tolist())
        return values

    def strings(self, obj, name):
        value = self.attribute(obj, name)
        if value is None:
            return None
        if isinstance(value, self.h5py.Empty):     # a null dataspace: some files store [] so
            return []
        items = np.atleast_1d(np.asarray(value, dtype=object)).tolist() if not isinstance(
            value, list) else value
        out = []
        for item in items:
            if isinstance(item, bytes):
                try:
                    item = item.decode("utf-8")
                except UnicodeDecodeError:
                    self.fail(f"attribute {name!r} of {obj.name!r} is not UTF-8 text")
            if not isinstance(item, str):
                self.fail(f"attribute {name!r} of {obj.name!r} must hold strings, got "
                          f"{type(item).__name__}")
            out.append(item)
        return out

    def check_dataset(self, ds, expected_shape, what):
        """Refuse a dataset that is not a plain numeric array of ``expected_shape`` — before
        reading it. Returns None when fine, else the mismatch message (shape only)."""
        if not isinstance(ds, self.h5py.Dataset):
            self.fail(f"{what}: {ds.name!r} is not a dataset")
        if ds.is_virtual:
            self.fail(f"{what}: {ds.name!r} is a virtual dataset (it reads other files); refused")
        try:
            external = ds.id.get_create_plist().get_external_count()
        except (AttributeError, OSError):
            external = 0
        if external:
            self.fail(f"{what}: {ds.name!r} keeps its data in an external file; refused")
        if ds.dtype.kind not in "fiu":
            self.fail(f"{what}: {ds.name!r} holds {ds.dtype}, not numbers")
        if tuple(ds.shape) != tuple(expected_shape):
            return tuple(ds.shape)
        return None

    def read(self, ds, what):
        try:
            arr = ds[()]
        except (OSError, ValueError, TypeError) as exc:
            self.fail(f"{what}: {ds.name!r} cannot be read ({exc}); the file is truncated or "
                      "corrupt")
        arr = np.asarray(arr)
        if not np.isfinite(arr).all():
            self.fail(f"{what}: {ds.name!r} contains NaN or Inf")
        return arr


def holds_data(reader, group, depth=0):
    if depth > MAX_DEPTH:
        reader.fail(f"{group.name!r} is nested more than {MAX_DEPTH} groups deep")
    for key in reader.members(group):
        sub = reader.get(group, key)
        if isinstance(sub, reader.h5py.Dataset):
            return True
        if isinstance(sub, reader.h5py.Group) and holds_data(reader, sub, depth + 1):
            return True
    return False


class open_hdf5:   # noqa: N801 - used as a function: ``with open_hdf5(h5py, path) as (reader, f)``
    """Open ``path`` read-only after checking it is a regular file of at most
    :data:`MAX_FILE_BYTES`; yields ``(Reader, h5py.File)`` and closes the file afterwards."""

    def __init__(self, h5py, path, *, error=HDF5FileError, what="HDF5 file", zip_hint=None):
        self.h5py, self.path = h5py, os.fspath(path)
        self.error, self.what, self.zip_hint = error, what, zip_hint

    def __enter__(self):
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"no such file {self.path!r}")
        regular_file(self.path, max_bytes=MAX_FILE_BYTES, what=self.what)
        with open(self.path, "rb") as fh:
            head = fh.read(8)
        if head[:4] == b"PK\x03\x04":
            hint = f" ({self.zip_hint})" if self.zip_hint else ""
            raise self.error(f"{self.path!r} is a zip archive, not HDF5{hint}")
        try:
            self.f = self.h5py.File(self.path, "r")
        except OSError as exc:
            raise self.error(f"{self.path!r} could not be opened as HDF5 ({exc}); it is "
                             "truncated, corrupt or not an HDF5 file") from None
        return Reader(self.h5py, self.f, self.path, self.error), self.f

    def __exit__(self, *exc):
        self.f.close()
