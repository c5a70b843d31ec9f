"""Boston housing: Keras's split from the embedded CSV, the training-only normalisation, bad files."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from pynet.datasets import boston_housing
from pynet.datasets.boston_housing import BostonCSVError, load_data, normalize, read_csv

HEADER = '"","crim","zn","indus","chas","nox","rm","age","dis","rad","tax","ptratio","black","lstat","medv"'
ROW1 = '"1",0.00632,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24'
ROW2 = '"2",0.02731,0,7.07,0,0.469,6.421,78.9,4.9671,2,242,17.8,396.9,9.14,21.6'


def write(tmp_path, *lines):
    path = tmp_path / "boston.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_keras_split_exactly():
    (x_train, y_train), (x_test, y_test) = load_data()
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert y_train.shape == (404,) and y_test.shape == (102,)
    assert x_train.dtype == np.float64
    # Chollet listing 3.24 prints train_targets as [15.2, 42.3, 50. ... 19.4, 19.4, 29.1]
    np.testing.assert_array_equal(y_train[:3], [15.2, 42.3, 50.0])
    np.testing.assert_array_equal(y_train[-3:], [19.4, 19.4, 29.1])


def test_the_split_is_a_randomstate_113_shuffle_of_the_file_order():
    x, y = read_csv(boston_housing.EMBEDDED)
    assert x.shape == (506, 13)
    order = np.arange(506)
    np.random.RandomState(113).shuffle(order)
    (x_train, y_train), (x_test, y_test) = load_data()
    np.testing.assert_array_equal(x_train, x[order[:404]])
    np.testing.assert_array_equal(y_test, y[order[404:]])
    # the first row of the file, as printed in the MASS table
    np.testing.assert_array_equal(x[0], [0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296,
                                         15.3, 396.9, 4.98])
    assert y[0] == 24.0


def test_embedded_file_is_the_public_table(shared_data):
    embedded = boston_housing.EMBEDDED.read_bytes()
    assert hashlib.sha256(embedded).hexdigest() == \
        "a73bba75b82b2ffea542da3752edb63ea583620842d09810f0780fa2e8da9011"
    assert shared_data("boston/Boston.csv").read_bytes() == embedded


def test_other_splits_and_seeds():
    (a, _), (b, _) = load_data(test_split=0.5)
    assert len(a) == 253 and len(b) == 253
    (c, _), _ = load_data(seed=1)
    (d, _), _ = load_data()
    assert not np.array_equal(c, d) and sorted(c[:, 0]) != sorted(d[:, 0])


@pytest.mark.parametrize("bad", [0, 0.0, 1, 1.0, -0.1, 1.5])
def test_test_split_outside_0_1_is_refused(bad):
    with pytest.raises(ValueError, match=r"'test_split' must be a finite real number in \(0, 1\)"):
        load_data(test_split=bad)


def test_test_split_not_a_number_is_refused():
    with pytest.raises(TypeError, match="'test_split' must be a finite real number"):
        load_data(test_split="0.2")


def test_normalize_uses_training_statistics_only():
    (x_train, _), (x_test, _) = load_data()
    tr, te = normalize(x_train, x_test)
    np.testing.assert_allclose(tr.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(tr.std(axis=0), 1, atol=1e-12)
    # the test data are moved by the *training* mean and std, so theirs are not exactly 0 and 1
    np.testing.assert_allclose(te, (x_test - x_train.mean(0)) / x_train.std(0))
    assert np.abs(te.mean(axis=0)).max() > 0.01
    assert normalize(x_train).shape == (404, 13)
    with pytest.raises(ValueError, match=r"column\(s\) \[1\] are constant"):
        normalize(np.array([[1.0, 2.0], [3.0, 2.0]]))
    with pytest.raises(ValueError, match="argument 2 must be"):
        normalize(x_train, x_test[:, :5])


def test_a_small_file_reads_back(tmp_path):
    x, y = read_csv(write(tmp_path, HEADER, ROW1, ROW2, ""))
    assert x.shape == (2, 13) and y.tolist() == [24.0, 21.6]


def test_columns_are_found_by_name_in_any_order(tmp_path):
    path = write(tmp_path, "MEDV,lstat,black,ptratio,tax,rad,dis,age,rm,nox,chas,indus,zn,crim",
                 "24,4.98,396.9,15.3,296,1,4.09,65.2,6.575,0.538,0,2.31,18,0.00632")
    x, y = read_csv(path)
    np.testing.assert_array_equal(x[0], read_csv(write(tmp_path, HEADER, ROW1))[0][0])
    assert y[0] == 24.0


def test_missing_column_is_named(tmp_path):
    path = write(tmp_path, HEADER.replace(',"tax"', ""), ROW1)
    with pytest.raises(BostonCSVError, match=r"line 1 \(header\): column\(s\) 'tax' missing"):
        read_csv(path)


def test_short_row_names_line_and_the_missing_column(tmp_path):
    path = write(tmp_path, HEADER, ROW1, ROW2.rsplit(",", 1)[0])
    with pytest.raises(BostonCSVError, match=r"line 3: 14 fields, the header has 15; column 'medv'"):
        read_csv(path)


def test_non_numeric_cell_names_line_and_column(tmp_path):
    path = write(tmp_path, HEADER, ROW1, ROW2.replace("6.421", "six"))
    with pytest.raises(BostonCSVError, match=r"line 3, column 'rm' \(field 7\): 'six' is not"):
        read_csv(path)
    path = write(tmp_path, HEADER, ROW1.replace(",24", ",nan"))
    with pytest.raises(BostonCSVError, match=r"line 2, column 'medv'.*not a finite number"):
        read_csv(path)


def test_blank_line_inside_and_empty_files(tmp_path):
    with pytest.raises(BostonCSVError, match="line 3: blank line"):
        read_csv(write(tmp_path, HEADER, ROW1, "", ROW2))
    with pytest.raises(BostonCSVError, match="a header but no rows"):
        read_csv(write(tmp_path, HEADER))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(BostonCSVError, match="empty"):
        read_csv(empty)


def test_load_data_from_a_path_and_too_few_rows(tmp_path):
    path = write(tmp_path, HEADER, ROW1, ROW2)
    (x_train, _), (x_test, _) = load_data(path, test_split=0.5)
    assert len(x_train) == 1 and len(x_test) == 1
    with pytest.raises(ValueError, match="leaves 0 for training"):
        load_data(path, test_split=0.6)
