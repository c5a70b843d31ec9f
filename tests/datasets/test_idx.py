"""The IDX reader and writer: round trips, and every way a file can be broken."""
from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pynet.datasets.idx import IDXError, idx_bytes, parse_idx, read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


def _example(dtype, shape, rng):
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is not None:  # the extremes of the type must survive the trip
        a = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
        a.flat[0], a.flat[-1] = info.min, info.max
        return a
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("suffix", [".gz", ".idx"])
@pytest.mark.parametrize("shape", [(7,), (3, 5, 4), (2, 1, 3, 2)])
def test_round_trip_every_dtype(tmp_path, rng, dtype, suffix, shape):
    a = _example(dtype, shape, rng)
    path = tmp_path / ("x" + suffix)
    write_idx(path, a)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == (suffix == ".gz")
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative
    assert b.shape == shape
    np.testing.assert_array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(
    dtype=st.sampled_from([np.dtype(d).newbyteorder(o) for d in DTYPES for o in "<>"]),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)))
def test_round_trip_property(array):
    # any shape (zero-size included), either byte order; NaNs must come back as NaNs
    back = parse_idx(idx_bytes(array))
    assert back.shape == array.shape and back.dtype == array.dtype.newbyteorder("=")
    np.testing.assert_array_equal(back, array)


def test_header_layout_is_the_published_one():
    # MNIST's label files start 00 00 08 01 (= 2049) and then the count, big-endian.
    data = idx_bytes(np.array([5, 0, 4], dtype=np.uint8))
    assert data[:4] == bytes([0, 0, 0x08, 1]) and struct.unpack(">I", data[:4])[0] == 2049
    assert struct.unpack(">I", data[4:8])[0] == 3
    assert data[8:] == bytes([5, 0, 4])
    images = idx_bytes(np.zeros((2, 28, 28), np.uint8))
    assert struct.unpack(">IIII", images[:16]) == (2051, 2, 28, 28)
    # multi-byte values are stored big-endian whatever the machine's order
    assert idx_bytes(np.array([1], dtype="<i4"))[-4:] == b"\x00\x00\x00\x01"


def test_big_endian_input_and_compress_flag(tmp_path):
    a = np.arange(6, dtype=">i2").reshape(2, 3)
    write_idx(tmp_path / "plain.gz", a, compress=False)
    assert (tmp_path / "plain.gz").read_bytes()[:2] == b"\x00\x00"
    np.testing.assert_array_equal(read_idx(tmp_path / "plain.gz"), a)
    write_idx(tmp_path / "packed.idx", a, compress=True)
    assert (tmp_path / "packed.idx").read_bytes()[:2] == b"\x1f\x8b"


def test_gzip_output_is_reproducible(tmp_path):
    a = np.arange(100, dtype=np.uint8)
    write_idx(tmp_path / "a.gz", a)
    write_idx(tmp_path / "b.gz", a)
    digest = [hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in ("a.gz", "b.gz")]
    assert digest[0] == digest[1]


def test_write_rejects_what_idx_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match="dtype uint16"):
        write_idx(tmp_path / "x", np.zeros(3, np.uint16))
    with pytest.raises(TypeError, match="dtype int64"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="1..255 dimensions, got 0"):
        write_idx(tmp_path / "x", np.uint8(3))
    assert not (tmp_path / "x").exists()


def _good_bytes():
    return idx_bytes(np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4))  # 16 + 24 bytes


def test_truncated_header(tmp_path):
    with pytest.raises(IDXError, match="3 bytes is too short"):
        parse_idx(b"\x00\x00\x08")
    data = _good_bytes()[:10]  # 3 dims need 16 header bytes
    (tmp_path / "h.idx").write_bytes(data)
    with pytest.raises(IDXError, match=r"h\.idx.*truncated header: 3 dimensions need 16"):
        read_idx(tmp_path / "h.idx")


def test_truncated_body_raw_and_gz(tmp_path):
    data = _good_bytes()[:-5]
    (tmp_path / "t.idx").write_bytes(data)
    with pytest.raises(IDXError, match=r"promises dims \(2, 3, 4\) = 24 data bytes, the file has "
                                       r"19 \(truncated\)"):
        read_idx(tmp_path / "t.idx")
    # a valid gzip stream whose content is short is also caught (by the length check)
    (tmp_path / "t.gz").write_bytes(gzip.compress(data))
    with pytest.raises(IDXError, match="truncated"):
        read_idx(tmp_path / "t.gz")


def test_trailing_bytes(tmp_path):
    (tmp_path / "x.idx").write_bytes(_good_bytes() + b"\x00\x01")
    with pytest.raises(IDXError, match="file has 26 .trailing bytes"):
        read_idx(tmp_path / "x.idx")


@pytest.mark.parametrize("head", [b"PK\x03\x04", b"\x00\x01\x08\x03", b"\x00\x00\x07\x01"])
def test_bad_magic(tmp_path, head):
    (tmp_path / "m.idx").write_bytes(head + _good_bytes()[4:])
    with pytest.raises(IDXError, match="bad magic number .* is this an IDX file"):
        read_idx(tmp_path / "m.idx")


def test_zero_dimensions_and_wrong_ndim():
    with pytest.raises(IDXError, match="0 dimensions"):
        parse_idx(b"\x00\x00\x08\x00")
    with pytest.raises(IDXError, match=r"expected 1 dimension\(s\), the header says 3"):
        parse_idx(_good_bytes(), expect_ndim=1)


def test_corrupted_gzip(tmp_path):
    packed = bytearray(gzip.compress(_good_bytes() * 50))
    # flip bytes in the middle of the deflate data
    for i in range(20, 30):
        packed[i] ^= 0xFF
    (tmp_path / "c.gz").write_bytes(bytes(packed))
    # The stream is read in bounded chunks, so the damage shows either as a deflate/CRC error or
    # as a garbled header declaring an impossible size, refused before it is decompressed.
    with pytest.raises(IDXError, match="gzip stream is corrupted or truncated|header declares"):
        read_idx(tmp_path / "c.gz")


def test_truncated_gzip(tmp_path):
    packed = gzip.compress(_good_bytes() * 50)
    (tmp_path / "t.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IDXError, match="gzip stream is corrupted or truncated"):
        read_idx(tmp_path / "t.gz")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such IDX file"):
        read_idx(tmp_path / "nope.gz")


# -- the real MNIST files of the shared data folder -----------------------------------------

MNIST_FILES = {
    # name: (SHA-256 from the shared data README, shape)
    "t10k-images-idx3-ubyte.gz":
        ("167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b", (10000, 28, 28)),
    "t10k-labels-idx1-ubyte.gz":
        ("fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c", (10000,)),
    "train-images-10k-idx3-ubyte.gz":
        ("f24bd5dc0c2e4699ceb54abba47fb204fb745fb994e43a8c05cec27836792e5d", (10000, 28, 28)),
    "train-labels-10k-idx1-ubyte.gz":
        ("211de1f9453fc674e502fa63a244cd79a2a4ae0874389de7c018c698dccef49a", (10000,)),
    "train-labels-idx1-ubyte.gz":
        ("ec02e7948609e5754d47881c09b8afdd8dfa60600b9e5388c8c54a67069ec772", (60000,)),
}


@pytest.mark.needs_shared_data
@pytest.mark.parametrize("name", sorted(MNIST_FILES))
def test_shared_mnist_files(shared_data, name):
    path = shared_data(f"mnist/{name}")
    sha, shape = MNIST_FILES[name]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    a = read_idx(path)
    assert a.shape == shape and a.dtype == np.uint8
    if a.ndim == 1:
        assert set(np.unique(a)) == set(range(10))
        # each digit is 9-11% of MNIST
        assert np.all(np.bincount(a, minlength=10) > 0.08 * len(a))
    else:
        assert a.max() == 255 and a.min() == 0


@pytest.mark.needs_shared_data
def test_full_train_labels_begin_with_the_10k_subset(shared_data):
    full = read_idx(shared_data("mnist/train-labels-idx1-ubyte.gz"))
    sub = read_idx(shared_data("mnist/train-labels-10k-idx1-ubyte.gz"))
    np.testing.assert_array_equal(full[:10000], sub)
