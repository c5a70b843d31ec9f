"""The edges of the data parsers: what Excel, editors and broken downloads do to a file.

Each case is either read correctly or refused with an error that names the file, the line (or
byte offset) and the field. Rashid's CSV saved by Excel starts with a UTF-8 byte-order mark and
ends its lines with CR LF; an editor may leave blank lines at the end.
"""
from __future__ import annotations

import gzip
import re
import struct

import numpy as np
import pytest

from pynet.datasets.csv_records import CSVFormatError, read_csv, write_csv
from pynet.datasets.idx import IDXError, idx_bytes, parse_idx, read_header, read_idx

BOM = b"\xef\xbb\xbf"


def _record(label=3, pixel=0, sep=","):
    return sep.join([str(label)] + [str(pixel)] * 784)


def _write(tmp_path, data: bytes, name="edge.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- CSV: read correctly ----------------------------------------------------------------------

def test_excel_csv_with_byte_order_mark_and_crlf(tmp_path):
    # what "Save as CSV UTF-8" in Excel writes: BOM, then records ending in CR LF
    data = BOM + (_record(5, 7) + "\r\n" + _record(0, 255) + "\r\n").encode()
    images, labels = read_csv(_write(tmp_path, data))
    assert labels.tolist() == [5, 0]                  # not "'\ufeff5' is not an integer"
    assert images.shape == (2, 28, 28)
    assert images[0].max() == 7 and images[1].min() == 255


def test_byte_order_mark_on_a_one_record_file_without_final_newline(tmp_path):
    images, labels = read_csv(_write(tmp_path, BOM + _record(9, 1).encode()))
    assert labels.tolist() == [9] and int(images.sum()) == 784


def test_the_book_file_round_trips_through_an_excel_style_save(tmp_path, rng):
    images = rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    labels = np.array([1, 4, 1, 5], np.uint8)
    write_csv(tmp_path / "plain.csv", images, labels)
    excel = BOM + (tmp_path / "plain.csv").read_bytes().replace(b"\n", b"\r\n")
    got_images, got_labels = read_csv(_write(tmp_path, excel, "excel.csv"))
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


@pytest.mark.parametrize("ending", ["\n\n", "\n\n\n", "\r\n\r\n", "\n  \n\t\n", "\r\n \r\n"])
def test_blank_lines_at_the_very_end_are_ignored(tmp_path, ending):
    data = (_record(1) + "\n" + _record(2) + ending).encode()
    assert read_csv(_write(tmp_path, data))[1].tolist() == [1, 2]


def test_spaces_and_tabs_around_values_are_read(tmp_path):
    line = "\t3 ," + ",".join([" 0"] * 783 + ["12\t"])
    images, labels = read_csv(_write(tmp_path, (line + "\n").encode()))
    assert labels.tolist() == [3] and images[0, 27, 27] == 12


def test_many_leading_zeros_are_still_a_number(tmp_path):
    # a 10,000-character field "000…07" is the number 7
    line = ",".join(["3", "0" * 9_999 + "7"] + ["0"] * 783)
    images, _ = read_csv(_write(tmp_path, (line + "\n").encode()))
    assert images[0, 0, 0] == 7


# -- CSV: refused, with file, line and field ---------------------------------------------------

def test_a_blank_line_in_the_middle_is_named(tmp_path):
    path = _write(tmp_path, (_record() + "\r\n\r\n" + _record() + "\r\n").encode())
    with pytest.raises(CSVFormatError, match=r"edge\.csv'?: line 2 is blank"):
        read_csv(path)


def test_tab_separated_file_is_named_as_such(tmp_path):
    path = _write(tmp_path, (_record(sep="\t") + "\n").encode())
    with pytest.raises(CSVFormatError, match=r"edge\.csv'?: line 1: expected 785 values .* got 1 "
                                             r"— is the separator a comma\?"):
        read_csv(path)


@pytest.mark.parametrize("field, message", [
    (1, r"line 2: pixel 1 is '', not an integer"),
    (784, r"line 2: pixel 784 is '', not an integer"),
    (0, r"line 2: the label is '', not an integer"),
])
def test_an_empty_field_is_named(tmp_path, field, message):
    values = _record().split(",")
    values[field] = ""
    path = _write(tmp_path, (_record() + "\n" + ",".join(values) + "\n").encode())
    with pytest.raises(CSVFormatError, match=message):
        read_csv(path)


def test_a_huge_field_is_named_in_a_short_message(tmp_path):
    values = _record().split(",")
    values[5] = "x" * 1_000_000
    path = _write(tmp_path, (_record() + "\n" + ",".join(values) + "\n").encode())
    with pytest.raises(CSVFormatError) as info:
        read_csv(path)
    message = str(info.value)
    assert "line 2: pixel 5 is 'xxxxxxxxxxxxxxxxxxxxxxxx'… (1,000,000 characters)" in message
    assert len(message) < 300 and "edge.csv" in message


def test_a_byte_order_mark_in_the_middle_is_not_silently_dropped(tmp_path):
    # only the first bytes of a file may be a BOM; one pasted into line 2 is an error on line 2
    path = _write(tmp_path, (_record() + "\n").encode() + BOM + (_record() + "\n").encode())
    with pytest.raises(CSVFormatError, match=r"line 2: the label is '\\ufeff3', not an integer"):
        read_csv(path)


def test_utf16_file_is_refused_naming_the_file(tmp_path):
    # Excel's "Unicode text" is UTF-16 with tabs: not Rashid's format
    path = _write(tmp_path, (_record(sep="\t") + "\r\n").encode("utf-16"), "unicode.txt")
    with pytest.raises(CSVFormatError, match=r"unicode\.txt'? is not a text file"):
        read_csv(path)


def test_only_blank_lines_is_empty(tmp_path):
    with pytest.raises(CSVFormatError, match=r"edge\.csv'? is empty: no records"):
        read_csv(_write(tmp_path, BOM + b"\r\n\r\n"))


# -- IDX headers --------------------------------------------------------------------------------

def _labels_bytes(values=(5, 0, 4)):
    return idx_bytes(np.array(values, np.uint8))


def test_idx_header_worked_out():
    # MNIST labels: 00 00 08 01 (uint8, 1 dimension), then the count as a big-endian uint32
    data = _labels_bytes()
    assert data[:8] == bytes([0, 0, 8, 1, 0, 0, 0, 3])
    dtype, dims, header_len = read_header(data)
    assert (dtype, dims, header_len) == (np.dtype(">u1"), (3,), 8)


@pytest.mark.parametrize("first_four, what", [
    (b"\x00\x01\x08\x01", "bad magic number 67585 (0x00010801)"),     # the zero bytes are not zero
    (b"\x00\x00\x07\x01", "bad magic number 1793 (0x00000701)"),      # unknown type code
    (b"PK\x03\x04", "bad magic number"),                               # a zip file
    (b"\x89PNG", "bad magic number"),                                  # an image
])
def test_idx_wrong_magic(tmp_path, first_four, what):
    path = tmp_path / "labels.idx"
    path.write_bytes(first_four + _labels_bytes()[4:])
    with pytest.raises(IDXError, match=rf"labels\.idx'?: {re.escape(what)}"):
        read_idx(path)


@pytest.mark.parametrize("cut, message", [
    (0, r"0 bytes is too short for an IDX header"),
    (3, r"3 bytes is too short for an IDX header"),
    (6, r"truncated header: 1 dimensions need 8 header bytes, the file has 6"),
    (9, r"the header promises dims \(3,\) = 3 data bytes, the file has 1 \(truncated\)"),
])
def test_idx_truncated(tmp_path, cut, message):
    path = tmp_path / "labels.idx"
    path.write_bytes(_labels_bytes()[:cut])
    with pytest.raises(IDXError, match=message):
        read_idx(path)


def test_idx_trailing_bytes(tmp_path):
    path = tmp_path / "labels.idx"
    path.write_bytes(_labels_bytes() + b"\x00")
    with pytest.raises(IDXError, match=r"file has 4 \(trailing bytes after the data\)"):
        read_idx(path)


def test_idx_zero_dimensions():
    with pytest.raises(IDXError, match="0 dimensions"):
        parse_idx(b"\x00\x00\x08\x00")


def test_idx_dims_whose_product_overflows_int64_is_refused_without_allocating():
    # three dimensions of 2**32 − 1: their product (≈ 7.9e28 bytes) overflows int64; the reader
    # compares lengths in Python integers and refuses before any allocation
    big = 2**32 - 1
    data = struct.pack(">HBB", 0, 0x08, 3) + struct.pack(">III", big, big, big) + b"\x00" * 16
    with pytest.raises(IDXError, match=r"dims \(4294967295, 4294967295, 4294967295\) = "
                                       r"79228162458924105385300197375 data bytes, the file has 16"):
        parse_idx(data, source="'huge.idx'")


def test_idx_product_that_wraps_to_the_true_length_in_32_bits_is_refused():
    # 65,536 × 65,536 × 1 = 2**32, which wraps to 0 in uint32 arithmetic: a reader multiplying in
    # 32 bits would accept an empty body
    data = struct.pack(">HBB", 0, 0x08, 3) + struct.pack(">III", 65536, 65536, 1)
    with pytest.raises(IDXError, match=r"= 4294967296 data bytes, the file has 0"):
        parse_idx(data)


def test_idx_zero_size_dimension_reads_as_empty():
    data = struct.pack(">HBB", 0, 0x08, 3) + struct.pack(">III", 0, 28, 28)
    assert parse_idx(data).shape == (0, 28, 28)


def test_idx_gzip_cut_short_is_named(tmp_path):
    path = tmp_path / "labels.idx.gz"
    path.write_bytes(gzip.compress(_labels_bytes() * 50)[:-10])
    with pytest.raises(IDXError, match=r"labels\.idx\.gz'?: the gzip stream is corrupted or "
                                       r"truncated"):
        read_idx(path)


def test_idx_wrong_number_of_dimensions_is_named():
    with pytest.raises(IDXError, match=r"expected 3 dimension\(s\), the header says 1 \(3,\)"):
        parse_idx(_labels_bytes(), expect_ndim=3)
