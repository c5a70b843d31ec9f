"""Rashid's CSV records: the shared files equal MNIST; every kind of broken line is named."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.datasets import csv_records, mnist
from pynet.datasets.csv_records import CSVFormatError, read_csv, write_csv


@pytest.fixture(scope="module")
def embedded():
    return mnist.load(mnist.EMBEDDED_DIR)


@pytest.mark.needs_shared_data
def test_mnist_train_100_is_the_first_100_training_images(shared_data, embedded):
    (x_train, y_train), _ = embedded
    images, labels = read_csv(shared_data("rashid/mnist_train_100.csv"))
    assert images.shape == (100, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (100,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(images, x_train[:100])
    np.testing.assert_array_equal(labels, y_train[:100])
    flat, _ = read_csv(shared_data("rashid/mnist_train_100.csv"), flat=True)
    assert flat.shape == (100, 784)
    # the book's own line: (numpy.asfarray(all_values[1:]) / 255.0 * 0.99) + 0.01
    first_line = shared_data("rashid/mnist_train_100.csv").read_text().split("\n")[0]
    values = first_line.split(",")
    book = np.array(values[1:], dtype=float) / 255.0 * 0.99 + 0.01
    np.testing.assert_allclose(mnist.rashid_inputs(images[:1])[0], book)
    assert int(values[0]) == labels[0] == 5


@pytest.mark.needs_shared_data
def test_mnist_test_10_is_the_first_10_test_images(shared_data, embedded):
    _, (x_test, y_test) = embedded
    images, labels = read_csv(shared_data("rashid/mnist_test_10.csv"))
    np.testing.assert_array_equal(images, x_test[:10])
    assert labels.tolist() == y_test[:10].tolist()


def test_write_read_round_trip_is_byte_stable(tmp_path, embedded):
    (x, y), _ = embedded
    write_csv(tmp_path / "a.csv", x[:20], y[:20])
    images, labels = read_csv(tmp_path / "a.csv")
    np.testing.assert_array_equal(images, x[:20])
    np.testing.assert_array_equal(labels, y[:20])
    text = (tmp_path / "a.csv").read_text()
    assert text.count("\n") == 20 and text.endswith("\n")
    assert text.split("\n")[0].count(",") == 784 and text.startswith("5,0,0,")
    write_csv(tmp_path / "b.csv", images.reshape(20, 784), labels)
    assert (tmp_path / "b.csv").read_text() == text


@pytest.mark.needs_shared_data
def test_writer_reproduces_the_books_file(shared_data, embedded, tmp_path):
    (x, y), _ = embedded
    write_csv(tmp_path / "train_100.csv", x[:100], y[:100])
    book = shared_data("rashid/mnist_train_100.csv").read_bytes().replace(b"\r\n", b"\n")
    assert (tmp_path / "train_100.csv").read_bytes() == book


def _record(label=3, pixel=0):
    return ",".join([str(label)] + [str(pixel)] * 784)


def _file(tmp_path, lines, end="\n"):
    path = tmp_path / "broken.csv"
    path.write_text(end.join(lines) + end)
    return path


@pytest.mark.parametrize("bad_line, message", [
    ("", r"line 3 is blank"),
    ("   ", r"line 3 is blank"),
    (",".join(["7"] + ["0"] * 342), r"line 3: expected 785 values \(label \+ 784 pixels\), got 343"
                                    r" — is the row truncated\?"),
    (_record() + ",0", r"line 3: expected 785 values .* got 786 — are two rows joined"),
    (_record().replace(",", ";"), r"line 3: expected 785 values .* got 1 — is the separator"),
    (_record().replace(",0,", ",x,", 1), r"line 3: pixel 1 is 'x', not an integer"),
    (_record().replace("3,", "3.5,", 1), r"line 3: the label is '3.5', not an integer"),
    (_record(pixel=256), r"line 3: pixel 1 is 256, outside 0\.\.255"),
    (_record(pixel=-1), r"line 3: pixel 1 is -1, outside 0\.\.255"),
    (_record(label=10), r"line 3: label 10 is outside 0\.\.9"),
])
def test_broken_line_is_named(tmp_path, bad_line, message):
    path = _file(tmp_path, [_record(), _record(), bad_line, _record()])
    with pytest.raises(CSVFormatError, match=message):
        read_csv(path)


def test_a_bad_value_late_in_the_file_gets_its_line(tmp_path):
    lines = [_record()] * 50
    lines[41] = _record(pixel=999)
    with pytest.raises(CSVFormatError, match="line 42: pixel 1 is 999"):
        read_csv(_file(tmp_path, lines))


def test_a_header_line_is_recognised(tmp_path):
    header = ",".join(["label"] + [f"{r}x{c}" for r in range(1, 29) for c in range(1, 29)])
    with pytest.raises(CSVFormatError, match="line 1: the label is 'label', not an integer "
                                             r"\(a header line\?"):
        read_csv(_file(tmp_path, [header, _record()]))


def test_label_range_is_configurable(tmp_path):
    path = _file(tmp_path, [_record(label=12)])
    assert read_csv(path, n_classes=None)[1].tolist() == [12]
    with pytest.raises(CSVFormatError, match=r"label 12 is outside 0\.\.9"):
        read_csv(path)


def test_line_ends_and_last_newline(tmp_path):
    assert read_csv(_file(tmp_path, [_record(), _record(label=4)], end="\r\n"))[1].tolist() == [3, 4]
    path = tmp_path / "no-final-newline.csv"
    path.write_text(_record(label=6))
    assert read_csv(path)[1].tolist() == [6]


def test_empty_missing_and_binary_files(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(CSVFormatError, match="is empty"):
        read_csv(tmp_path / "empty.csv")
    with pytest.raises(FileNotFoundError, match="no such CSV file"):
        read_csv(tmp_path / "missing.csv")
    (tmp_path / "bin.csv").write_bytes(b"\x1f\x8b\x08\x00\xff\xfe")
    with pytest.raises(CSVFormatError, match="not a text file"):
        read_csv(tmp_path / "bin.csv")


def test_writer_checks(tmp_path):
    x = np.zeros((2, 28, 28), np.uint8)
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\), got \(3,\)"):
        write_csv(tmp_path / "w.csv", x, [1, 2, 3])
    with pytest.raises(ValueError, match=r"shape \(N, 28, 28\) or \(N, 784\).*got \(2, 27, 28\)"):
        write_csv(tmp_path / "w.csv", np.zeros((2, 27, 28)), [1, 2])
    with pytest.raises(ValueError, match=r"images must lie in 0\.\.255, got 0\.\.300"):
        write_csv(tmp_path / "w.csv", x.astype(int) + np.eye(28, dtype=int) * 300, [1, 2])
    with pytest.raises(TypeError, match="images must be integers"):
        write_csv(tmp_path / "w.csv", x + 0.5, [1, 2])
    assert not (tmp_path / "w.csv").exists()
    assert csv_records.PIXELS == 784
