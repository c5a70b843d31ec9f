"""NOAA hourly temperatures for Seattle and San Francisco, 2010: the stand-in for the Jena series.

Chollet's §6.3 forecasts the temperature 24 hours ahead from 10 days of 10-minute readings of 14
quantities at Jena. Here we have one quantity, the hourly air temperature, in two cities; the
lessons use both cities as two features and predict Seattle's. One Jena "step" of the book's
generator (``step=6``: one reading per hour) is one row here, so the book's ``lookback=1440,
step=6, delay=144`` becomes ``lookback=240, step=1, delay=24`` (10 days back, 24 h ahead).

``load(city)`` -> ``(times, temps)``: ``datetime64[m]`` and float64 °F, in time order.
``load_cities(("seattle", "sf"))`` -> ``(times, array (hours, cities))`` on the shared hours.

Search order: ``path=`` (a folder), ``$PYNET_DATA/weather``, ``$PYNET_SHARED_DATA/weather``, then
the copies embedded in pynet (public domain, see ``data/weather/ATTRIBUTION.md``). Each file is
read with a size limit and every row is checked: a malformed file raises ``ValueError`` naming
the file and line.
"""
from __future__ import annotations

import csv
import gzip
import io
import os
from datetime import datetime
from pathlib import Path

import numpy as np

__all__ = ["load", "load_cities", "where", "fahrenheit_to_celsius", "CITIES", "EMBEDDED_DIR"]

EMBEDDED_DIR = Path(__file__).parent / "data" / "weather"
CITIES = {"seattle": "seattle-temps.csv", "sf": "sf-temps.csv"}
#: A year of hourly rows is about 200 kB; anything past this is not one of these files.
MAX_FILE_BYTES = 64 * 1024 * 1024
_FORMATS = ("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def fahrenheit_to_celsius(t):
    """°C = (°F − 32) · 5/9 (the book's Jena temperatures are in °C)."""
    return (np.asarray(t, dtype=np.float64) - 32.0) * 5.0 / 9.0


def _places(path=None):
    if path is not None:
        return [Path(path).expanduser()]
    out = []
    for var in ("PYNET_DATA", "PYNET_SHARED_DATA"):
        if os.environ.get(var):
            out.append(Path(os.environ[var]).expanduser() / "weather")
    return out + [EMBEDDED_DIR]


def where(city: str = "seattle", path=None) -> Path:
    """The file :func:`load` reads for ``city``."""
    if city not in CITIES:
        raise ValueError(f"weather: city must be one of {sorted(CITIES)}, got {city!r}")
    for folder in _places(path):
        for name in (CITIES[city], CITIES[city] + ".gz"):
            if (folder / name).is_file():
                return folder / name
        if path is not None:
            raise FileNotFoundError(f"weather: {os.fspath(folder)!r} has no {CITIES[city]} "
                                    "(or .gz)")
    raise FileNotFoundError(f"weather: {CITIES[city]} not found in {_places()}; the package's "
                            "embedded copy is missing — reinstall pynet")


def _read_text(path: Path) -> str:
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open if compressed else open)(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise ValueError(f"{os.fspath(path)!r}: cannot be read ({exc}); truncated?") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"{os.fspath(path)!r} is larger than {MAX_FILE_BYTES} bytes; not an "
                         "hourly temperature file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{os.fspath(path)!r} is not UTF-8 text ({exc})") from None


def _parse_time(text: str, where: str):
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(f"{where}: {text!r} is not a date and time like 2010/01/01 00:00")


def load(city: str = "seattle", path=None):
    """``(times, temps)`` of one city: ``datetime64[m]`` and float64 °F, sorted by time."""
    file = where(city, path)
    name = os.fspath(file)
    reader = csv.reader(io.StringIO(_read_text(file)))
    header = next(reader, None)
    if header is None or sorted(h.strip() for h in header) != ["date", "temp"]:
        raise ValueError(f"{name}, line 1: expected the columns date and temp, got {header!r}")
    date_col = [h.strip() for h in header].index("date")
    times, temps = [], []
    for line_no, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != 2:
            raise ValueError(f"{name}, line {line_no}: expected 2 fields, got {len(row)}: {row!r}")
        times.append(_parse_time(row[date_col], f"{name}, line {line_no}"))
        try:
            t = float(row[1 - date_col])
        except ValueError:
            raise ValueError(f"{name}, line {line_no}: temperature {row[1 - date_col]!r} is not "
                             "a number") from None
        if not np.isfinite(t):
            raise ValueError(f"{name}, line {line_no}: temperature {t} is not finite")
        temps.append(t)
    if not times:
        raise ValueError(f"{name}: no data rows")
    times = np.array(times, dtype="datetime64[m]")
    temps = np.array(temps, dtype=np.float64)
    order = np.argsort(times, kind="stable")
    return times[order], temps[order]


def load_cities(cities=("seattle", "sf"), path=None):
    """``(times, temps)`` with ``temps[:, k]`` the °F of ``cities[k]``, on the hours all share."""
    series = [load(c, path) for c in cities]
    common = series[0][0]
    for times, _ in series[1:]:
        common = np.intersect1d(common, times)
    columns = [temps[np.isin(times, common)] for times, temps in series]
    return common, np.stack(columns, axis=1)
