"""The Jena climate series (Max Planck Institute for Biogeochemistry, 2009–2016), Chollet §6.3.

``load(path)`` reads ``jena_climate_2009_2016.csv`` (or the ``.csv.zip`` it is downloaded as):
a header of 15 quoted names — ``"Date Time"`` then 14 quantities (``"p (mbar)"``, ``"T (degC)"``,
...) — and one row every 10 minutes, 420,551 in all. It returns ``(header, times, float_data)``:
the 15 names, the date strings (``"01.01.2009 00:10:00"``) and a float64 array ``(rows, 14)`` —
listing 6.29's ``float_data``, whose column 1 is the temperature in °C.

Every row is checked as it is read (15 fields, 14 numbers): a malformed file raises ``ValueError``
naming the file and the line, before anything is returned. Files larger than
:data:`MAX_FILE_BYTES` are refused (the real one has 43 MB).
"""
from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["load", "download", "FILE_NAME", "ZIP_NAME", "MAX_FILE_BYTES"]

FILE_NAME = "jena_climate_2009_2016.csv"
MAX_FILE_BYTES = 256 << 20


def _text(path: Path) -> str:
    name = os.fspath(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.endswith(".csv")
                       and not m.filename.startswith("__MACOSX")]
            if len(members) != 1:
                raise ValueError(f"{name}: expected one .csv inside the zip, found "
                                 f"{[m.filename for m in members]}")
            with archive.open(members[0]) as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)
    else:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"{name} holds more than {MAX_FILE_BYTES} bytes; not the Jena file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name} is not UTF-8 text ({exc})") from None


def load(path):
    """``(header, times, float_data)`` of the Jena file (see the module docstring)."""
    path = Path(path).expanduser()
    if path.is_dir():
        candidates = [path / FILE_NAME, path / (FILE_NAME + ".zip")]
        path = next((c for c in candidates if c.is_file()), candidates[0])
    if not path.is_file():
        raise FileNotFoundError(f"jena_climate: no such file: {os.fspath(path)!r} (download "
                                f"{FILE_NAME}.zip as in Chollet §6.3 and give its path)")
    name = os.fspath(path)
    reader = csv.reader(io.StringIO(_text(path)))
    header = next(reader, None)
    if not header or len(header) < 2 or header[0] != "Date Time":
        raise ValueError(f"{name}, line 1: expected a header starting with \"Date Time\", got "
                         f"{header!r:.80}")
    width = len(header)
    times, rows = [], []
    for line_no, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != width:
            raise ValueError(f"{name}, line {line_no}: expected {width} fields, got {len(row)}")
        try:
            values = [float(v) for v in row[1:]]
        except ValueError:
            bad = next(v for v in row[1:] if not _is_float(v))
            raise ValueError(f"{name}, line {line_no}: {bad!r} is not a number") from None
        times.append(row[0])
        rows.append(values)
    if not rows:
        raise ValueError(f"{name}: no data rows")
    return header, np.array(times), np.array(rows, dtype=np.float64)


def _is_float(v) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


# -- download ---------------------------------------------------------------------------------------

#: Where Chollet §6.3 downloads the file (``wget`` of the zip); its SHA-256 is not known to pynet,
#: so a download is checked by reading it as :func:`load` does.
ZIP_NAME = FILE_NAME + ".zip"
MIRRORS = ("https://s3.amazonaws.com/keras-datasets/",)


def download(dest=None, *, base_urls=None, force: bool = False, checksums=None,
             timeout: float = 60.0, quiet: bool = False) -> Path:
    """Fetch ``jena_climate_2009_2016.csv.zip`` into ``dest`` (default: pynet's cache,
    ``~/.cache/pynet/jena_climate``), atomically; return its path, which :func:`load` accepts.
    A file that does not read as the Jena CSV is removed and ``DownloadError`` raised."""
    from ._download import RemoteFile, fetch_checked
    from ._locate import cache_dir

    dest = Path(dest).expanduser() if dest is not None else cache_dir() / "jena_climate"
    return fetch_checked(RemoteFile(ZIP_NAME, None, None),
                         MIRRORS if base_urls is None else base_urls, dest, load,
                         label="jena_climate", what="the Jena climate CSV", checksums=checksums,
                         force=force, timeout=timeout, quiet=quiet)
