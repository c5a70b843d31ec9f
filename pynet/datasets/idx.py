"""The IDX file format of MNIST and Fashion-MNIST: read and write, raw or gzip-compressed.

Layout (big-endian): two zero bytes, a type code (0x08 = uint8, 0x09 int8, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), the number of dimensions d, then d uint32 sizes, then the data in
C order. MNIST's magic numbers are 2049 (labels: type 0x08, d = 1) and 2051 (images: d = 3).
"""
from __future__ import annotations

import gzip
import io
import os
import struct

import numpy as np

from ..persistence import atomic_write

TYPE_CODES = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
CODE_FOR_DTYPE = {np.dtype(d).newbyteorder("=").str: c for c, d in TYPE_CODES.items()}


class IDXError(ValueError):
    """The file is not a valid IDX file (bad magic number, truncated, wrong length)."""


def _read_bytes(path) -> bytes:
    path = os.fspath(path)
    with open(path, "rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        raw = fh.read()
    if head == b"\x1f\x8b":  # gzip magic
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise IDXError(f"{path!r}: gzip stream is corrupted or truncated ({exc})") from None
    return raw


def parse_idx(data: bytes, *, source: str = "<bytes>", expect_ndim: int | None = None) -> np.ndarray:
    """Parse IDX bytes (already decompressed) into a native-endian array."""
    if len(data) < 4:
        raise IDXError(f"{source}: {len(data)} bytes is too short for an IDX header")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or code not in TYPE_CODES:
        magic = struct.unpack(">I", data[:4])[0]
        raise IDXError(
            f"{source}: bad magic number {magic} (0x{magic:08x}); expected 2049 (labels) or "
            "2051 (images) — is this an IDX file?"
        )
    if ndim == 0:
        raise IDXError(f"{source}: header says 0 dimensions")
    if expect_ndim is not None and ndim != expect_ndim:
        raise IDXError(f"{source}: expected {expect_ndim} dimensions, header says {ndim}")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise IDXError(f"{source}: truncated header ({len(data)} bytes)")
    dims = struct.unpack(">" + "I" * ndim, data[4:header_len])
    dtype = TYPE_CODES[code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header_len
    if actual != expected:
        raise IDXError(
            f"{source}: header promises dims {dims} = {expected} data bytes, file has {actual}"
            + (" (truncated)" if actual < expected else " (trailing bytes)")
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header_len).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path, *, expect_ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw, detected from its first bytes)."""
    return parse_idx(_read_bytes(path), source=repr(os.fspath(path)), expect_ndim=expect_ndim)


def write_idx(path, array, *, compress: bool | None = None) -> None:
    """Write ``array`` as IDX (gzip-compressed when ``compress`` or the name ends in ``.gz``)."""
    arr = np.asarray(array)
    key = arr.dtype.newbyteorder("=").str
    if key not in CODE_FOR_DTYPE:
        raise TypeError(f"write_idx(): dtype {arr.dtype} has no IDX type code")
    if arr.ndim == 0 or arr.ndim > 255:
        raise ValueError(f"write_idx(): array must have 1..255 dimensions, got {arr.ndim}")
    code = CODE_FOR_DTYPE[key]
    header = struct.pack(">HBB", 0, code, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    body = np.ascontiguousarray(arr, dtype=TYPE_CODES[code]).tobytes()
    data = header + body
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    if compress:
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
            gz.write(data)
        data = buf.getvalue()
    atomic_write(path, data)
