"""The IDX file format of MNIST and Fashion-MNIST: read and write, raw or gzip-compressed.

Layout (all integers big-endian)::

    bytes 0-1   two zero bytes
    byte  2     type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    4 .. 4+4d   d sizes, uint32 each
    then        prod(sizes) values of the type, C order (last index fastest), big-endian

Read as one big-endian uint32, the first four bytes are the "magic number": MNIST's labels are
2049 (0x00000801: uint8, d = 1) and its images 2051 (0x00000803: uint8, d = 3).

Every read checks the magic number, the dimensions and the exact file length, so a truncated
download, a corrupted gzip stream or a file of another kind raises :class:`IDXError` naming the
file and what is wrong, instead of returning a silently shorter array. The size the header
declares is checked against ``max_bytes`` before any data is decompressed (in bounded chunks).
"""
from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib

import numpy as np

from ..persistence import atomic_write

__all__ = ["IDXError", "TYPE_CODES", "read_idx", "parse_idx", "write_idx", "idx_bytes", "read_header"]

#: IDX type code -> big-endian NumPy dtype of the stored values.
TYPE_CODES = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
# native-order dtype string ("|u1", "<i2", ...) -> type code, for the writer
CODE_FOR_DTYPE = {d.newbyteorder("=").str: c for c, d in TYPE_CODES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
_MAX_DIM = 2**32 - 1


class IDXError(ValueError):
    """The data is not a valid IDX file: bad magic number, truncated, wrong length, bad gzip."""


#: The largest IDX file :func:`read_idx` decompresses by default: 512 MiB, ten times MNIST's
#: training images. The header's declared size is checked against it before any data is read.
MAX_IDX_BYTES = 512 << 20
_CHUNK = 1 << 20


def _gzip_error(path, exc):
    return IDXError(f"{path!r}: the gzip stream is corrupted or truncated ({exc}); "
                    "delete the file and download it again")


def _read_exact(stream, n: int) -> bytes:
    """Up to ``n`` bytes, in bounded chunks (a short result means the stream ended)."""
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = stream.readinto(view[got:got + _CHUNK])
        if not k:
            break
        got += k
    return bytes(buf[:got]) if got < n else bytes(buf)


def _read_bounded(path, max_bytes: int, expect_ndim):
    """Read (and gunzip, when the file starts with gzip's magic bytes) an IDX file whose header's
    declared size is checked against ``max_bytes`` before its data is decompressed."""
    from ..persistence import PersistenceError, regular_file

    path = os.fspath(path)
    try:
        regular_file(path, max_bytes=max_bytes, what="IDX file")
    except PersistenceError as exc:
        raise IDXError(str(exc)) from None
    except FileNotFoundError:
        raise FileNotFoundError(f"no such IDX file: {path!r}") from None
    source = repr(path)
    with open(path, "rb") as raw:
        gz = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        try:
            head = _read_exact(stream, 4)
            if len(head) == 4:
                head += _read_exact(stream, 4 * head[3])
            dtype, dims, header_len = read_header(head, source=source)
            if expect_ndim is not None and len(dims) != expect_ndim:
                parse_idx(head, source=source, expect_ndim=expect_ndim)   # raises its message
            expected = math.prod(dims) * dtype.itemsize
            if header_len + expected > max_bytes:
                raise IDXError(
                    f"{source}: the header declares dims {dims} = {expected} data bytes, more "
                    f"than max_bytes={max_bytes}; raise the limit if the file is trusted")
            data = _read_exact(stream, expected)
            trailing = 0                              # counted, not kept, up to max_bytes
            while header_len + expected + trailing <= max_bytes:
                block = stream.read(_CHUNK)
                if not block:
                    break
                trailing += len(block)
        except (OSError, EOFError, zlib.error) as exc:
            raise _gzip_error(path, exc) from None
    if len(data) < expected or trailing:
        what = "truncated" if len(data) < expected else "trailing bytes after the data"
        raise IDXError(
            f"{source}: the header promises dims {dims} = {expected} data bytes, the file has "
            f"{len(data) + trailing} ({what})")
    return parse_idx(head + data, source=source, expect_ndim=expect_ndim)


def read_header(data: bytes, *, source: str = "<bytes>"):
    """Parse and check an IDX header.

    Parameters
    ----------
    data : bytes
        At least the header of an (uncompressed) IDX file.
    source : str
        Name used in error messages.

    Returns
    -------
    dtype : numpy.dtype
        Big-endian dtype of the values.
    dims : tuple of int
        The sizes, e.g. ``(10000, 28, 28)``.
    header_len : int
        Bytes taken by the header (``4 + 4 * len(dims)``).
    """
    if len(data) < 4:
        raise IDXError(f"{source}: {len(data)} bytes is too short for an IDX header (needs 4+)")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or code not in TYPE_CODES:
        magic = struct.unpack(">I", data[:4])[0]
        raise IDXError(
            f"{source}: bad magic number {magic} (0x{magic:08x}); an IDX file starts with two zero "
            "bytes and a type code (MNIST: 2049 for labels, 2051 for images) — is this an IDX file?"
        )
    if ndim == 0:
        raise IDXError(f"{source}: the header says 0 dimensions; an IDX file needs at least 1")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise IDXError(
            f"{source}: truncated header: {ndim} dimensions need {header_len} header bytes, "
            f"the file has {len(data)}"
        )
    dims = struct.unpack(">" + "I" * ndim, data[4:header_len])
    return TYPE_CODES[code], dims, header_len


def parse_idx(data: bytes, *, source: str = "<bytes>", expect_ndim: int | None = None) -> np.ndarray:
    """Parse uncompressed IDX bytes into a native-endian array of shape ``dims``.

    Parameters
    ----------
    data : bytes
        The whole (already decompressed) file.
    source : str
        Name used in error messages.
    expect_ndim : int, optional
        Raise unless the header has this many dimensions (MNIST images 3, labels 1).

    Raises
    ------
    IDXError
        Bad magic number, wrong number of dimensions, or a data length that differs from what
        the header promises (truncated file or trailing bytes).
    """
    dtype, dims, header_len = read_header(data, source=source)
    if expect_ndim is not None and len(dims) != expect_ndim:
        raise IDXError(
            f"{source}: expected {expect_ndim} dimension(s), the header says {len(dims)} {dims} "
            f"— images have 3 (count, rows, cols), labels 1"
        )
    # math.prod on Python ints cannot overflow, unlike a product in int64
    expected = math.prod(dims) * dtype.itemsize
    actual = len(data) - header_len
    if actual != expected:
        what = "truncated" if actual < expected else "trailing bytes after the data"
        raise IDXError(
            f"{source}: the header promises dims {dims} = {expected} data bytes, the file has "
            f"{actual} ({what})"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header_len).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path, *, expect_ndim: int | None = None, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw (told apart by the first bytes, not the name).

    Parameters
    ----------
    path : str or os.PathLike
    expect_ndim : int, optional
        See :func:`parse_idx`.
    max_bytes : int
        The largest file (compressed) and the largest declared content (decompressed) accepted;
        a gzip file is decompressed in bounded chunks only after its header's declared size has
        been checked against it, so a small "gzip bomb" is refused before it expands.

    Returns
    -------
    numpy.ndarray
        Native byte order, shape as in the header; MNIST images are uint8 ``(N, 28, 28)``.

    Raises
    ------
    FileNotFoundError
        No such file.
    IDXError
        The file is not valid IDX, its gzip stream is damaged, it is not a regular file, or it
        declares more than ``max_bytes``.
    """
    return _read_bounded(path, max_bytes, expect_ndim)


def idx_bytes(array) -> bytes:
    """The uncompressed IDX encoding of ``array`` (header + big-endian values).

    Parameters
    ----------
    array : array_like
        1 to 255 dimensions, each below 2**32; dtype uint8, int8, int16, int32, float32 or
        float64 (any byte order).
    """
    arr = np.asarray(array)
    key = arr.dtype.newbyteorder("=").str
    if key not in CODE_FOR_DTYPE:
        allowed = ", ".join(str(d.newbyteorder("=")) for d in TYPE_CODES.values())
        raise TypeError(f"write_idx(): array has dtype {arr.dtype}, IDX can store only {allowed}")
    if not 1 <= arr.ndim <= 255:
        raise ValueError(f"write_idx(): array must have 1..255 dimensions, got {arr.ndim}")
    if max(arr.shape) > _MAX_DIM:
        raise ValueError(f"write_idx(): every dimension must be < 2**32, got shape {arr.shape}")
    code = CODE_FOR_DTYPE[key]
    header = struct.pack(">HBB", 0, code, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    return header + np.ascontiguousarray(arr, dtype=TYPE_CODES[code]).tobytes()


def write_idx(path, array, *, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file, atomically (a crash never leaves half a file).

    Parameters
    ----------
    path : str or os.PathLike
    array : array_like
        See :func:`idx_bytes`.
    compress : bool, optional
        gzip the file; by default, when ``path`` ends in ``.gz``. The gzip header carries no
        time stamp, so the same array always gives the same bytes (and SHA-256).
    """
    data = idx_bytes(array)
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    if compress:
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
            gz.write(data)
        data = buf.getvalue()
    atomic_write(path, data)
