"""NOAA hourly temperatures: the embedded copy, the real files, and malformed files."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from pynet.datasets import weather


def test_embedded_cities_align_on_8759_hours(monkeypatch):
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.delenv("PYNET_SHARED_DATA", raising=False)
    assert weather.where("sf").parent == weather.EMBEDDED_DIR
    times, temps = weather.load_cities()
    assert temps.shape == (8759, 2)
    assert str(times[0]) == "2010-01-01T00:00" and temps[0].tolist() == [39.4, 47.8]
    gaps = np.diff(times).astype(int)
    assert set(gaps.tolist()) == {60, 120}           # one hour lost to daylight saving time
    assert weather.fahrenheit_to_celsius([32, 212]).tolist() == [0, 100]


def test_embedded_copy_equals_the_shared_file(shared_data):
    original = shared_data("weather/seattle-temps.csv").read_bytes()
    assert gzip.decompress((weather.EMBEDDED_DIR / "seattle-temps.csv.gz").read_bytes()) == original


def test_either_column_order_and_date_format(tmp_path):
    (tmp_path / "sf-temps.csv").write_text("temp,date\n50.5,2010/01/01 01:00:00\n49,2010/01/01 00:00:00\n")
    times, temps = weather.load("sf", path=tmp_path)
    assert temps.tolist() == [49.0, 50.5]            # sorted by time


@pytest.mark.parametrize("body, message", [
    ("date,temp\n2010/01/01 00:00,warm\n", r"line 2: temperature 'warm' is not a number"),
    ("date,temp\n2010/01/01 00:00,1,2\n", "line 2: expected 2 fields"),
    ("date,temp\nyesterday,3\n", "line 2: 'yesterday' is not a date"),
    ("when,temp\n", "line 1: expected the columns date and temp"),
    ("date,temp\n", "no data rows"),
    ("date,temp\n2010/01/01 00:00,nan\n", "not finite"),
])
def test_malformed_files_name_file_and_line(tmp_path, body, message):
    (tmp_path / "seattle-temps.csv").write_text(body)
    with pytest.raises(ValueError, match=message):
        weather.load(path=tmp_path)


def test_missing_and_oversized(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="has no seattle-temps.csv"):
        weather.load(path=tmp_path)
    with pytest.raises(ValueError, match="city must be one of"):
        weather.load("paris")
    (tmp_path / "seattle-temps.csv").write_text("date,temp\n" + "2010/01/01 00:00,1\n" * 10)
    monkeypatch.setattr(weather, "MAX_FILE_BYTES", 50)
    with pytest.raises(ValueError, match="larger than 50 bytes"):
        weather.load(path=tmp_path)
