"""The embedded airline series: 144 months, the known values, the lecture's windows."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.datasets import airline


def test_embedded_series_is_box_and_jenkins_series_g():
    months, values = airline.load()
    assert len(months) == len(values) == airline.N_MONTHS == 144
    assert months[0] == "1949-01" and months[-1] == "1960-12"
    assert values[:3].tolist() == [112, 118, 132] and values[-1] == 432
    assert values.max() == 622 and values.dtype == np.float32


def test_embedded_copy_equals_the_shared_file(shared_data):
    months, values = airline.load(shared_data("airline/airline-passengers.csv"))
    np.testing.assert_array_equal(values, airline.load()[1])


def test_windows_follow_the_lecture():
    """look_back=1 on the 96-month training part: 94 pairs (the lecture drops one)."""
    series = np.arange(96.0)
    X, y = airline.windows(series, 1)
    assert X.shape == (94, 1) and y[0] == 1 and X[-1, 0] == 93
    X3, y3 = airline.windows(series, 3, lecture_off_by_one=False)
    assert X3.shape == (93, 3) and X3[0].tolist() == [0, 1, 2] and y3[0] == 3 and y3[-1] == 95
    with pytest.raises(ValueError, match="no window"):
        airline.windows(np.arange(3.0), 3)


def test_bad_files_are_refused(tmp_path):
    bad = tmp_path / "a.csv"
    bad.write_text("Month,Passengers\n1949-01,lots\n")
    with pytest.raises(ValueError, match="line 2: passenger count 'lots' is not a number"):
        airline.load(bad)
    bad.write_text("date,value\n")
    with pytest.raises(ValueError, match="expected the header"):
        airline.load(bad)
