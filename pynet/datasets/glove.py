"""Pretrained GloVe word vectors (Pennington, Socher, Manning, 2014) from ``glove.6B.*d.txt``.

Chollet's listings 6.10–6.11 read ``glove.6B.100d.txt`` — one word per line followed by its 100
numbers, separated by spaces — into a dict, then copy the vectors of the words a Tokenizer knows
into the rows of an Embedding weight matrix (row ``i`` for word index ``i``; words without a
vector, and row 0, stay zero).

``load(path, dims=None, words=None)``: the dict (float32 vectors). ``dims`` is checked on every
line (inferred from the first when not given); ``words`` keeps only those words (the book's use:
400,000 vectors of which a 10,000-word model needs at most 10,000). A line with the wrong number
of values, or a value that is not a number, raises ``ValueError`` naming the file and line.
``embedding_matrix(embeddings, word_index, max_words)``: listing 6.11.
``find(dims=100)``: where a ``glove.6B.<dims>d.txt`` is, or ``None`` (see its docstring).
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
from pynet import _validate as validate

__all__ = ["load", "embedding_matrix", "find", "places", "download", "ARCHIVE_NAME", "MAX_LINE_BYTES"]

#: A 300-d GloVe line has about 3 kB; longer lines are refused instead of read whole.
MAX_LINE_BYTES = 1 << 20


def load(path, dims=None, words=None) -> dict:
    """``{word: float32 vector}`` from a GloVe text file (plain or ``.gz``)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"glove: no such file: {os.fspath(path)!r}")
    dims = validate.positive_int("glove.load()", "dims", dims, allow_none=True)
    keep = None if words is None else set(words)
    name = os.fspath(path)
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    out = {}
    with (gzip.open if compressed else open)(path, "rb") as fh:
        line_no = 0
        while True:
            try:
                raw = fh.readline(MAX_LINE_BYTES + 1)
            except (OSError, EOFError) as exc:
                raise ValueError(f"{name}: cannot be read after line {line_no} ({exc})") from None
            if not raw:
                break
            line_no += 1
            if len(raw) > MAX_LINE_BYTES:
                raise ValueError(f"{name}, line {line_no}: longer than {MAX_LINE_BYTES} bytes; "
                                 "not a GloVe file")
            values = raw.decode("utf-8", errors="replace").rstrip("\n").rstrip("\r").split(" ")
            if values == [""]:
                continue
            word, numbers = values[0], values[1:]
            if dims is None:
                dims = len(numbers)
                if dims < 1:
                    raise ValueError(f"{name}, line {line_no}: a word without numbers")
            if len(numbers) != dims:
                raise ValueError(f"{name}, line {line_no}: {len(numbers)} values for {word!r}, "
                                 f"expected {dims}")
            if keep is not None and word not in keep:
                continue
            try:
                vector = np.asarray(numbers, dtype=np.float32)
            except ValueError:
                raise ValueError(f"{name}, line {line_no}: a value for {word!r} is not a "
                                 "number") from None
            out[word] = vector
    if line_no == 0:
        raise ValueError(f"{name}: empty file")
    return out


def embedding_matrix(embeddings: dict, word_index: dict, max_words: int, dims=None) -> np.ndarray:
    """Listing 6.11: row ``i`` is the vector of the word with index ``i < max_words``; rows of
    words without a vector (and row 0, padding) are zeros. Shape ``(max_words, dims)``."""
    max_words = validate.positive_int("embedding_matrix()", "max_words", max_words)
    if dims is None:
        if not embeddings:
            raise ValueError("embedding_matrix: no vectors and no dims given")
        dims = len(next(iter(embeddings.values())))
    matrix = np.zeros((max_words, dims), dtype=np.float32)
    for word, i in word_index.items():
        if i < max_words and word in embeddings:
            matrix[i] = embeddings[word]
    return matrix


def places(dims: int = 100) -> list:
    """The files :func:`find` tries, in order: ``$PYNET_GLOVE`` (a file, or a folder holding
    ``glove.6B.<dims>d.txt``), then ``glove/`` and the top of ``$PYNET_DATA``, then
    ``$PYNET_SHARED_DATA/text/glove/``, then the user cache ``~/.cache/pynet/glove/``; each as
    ``.txt`` or ``.txt.gz``."""
    from ._locate import cache_dir

    name = f"glove.6B.{dims}d.txt"
    folders = []
    explicit = os.environ.get("PYNET_GLOVE")
    out = []
    if explicit:
        explicit = Path(explicit).expanduser()
        if explicit.is_dir():
            folders.append(explicit)
        else:
            out.append(explicit)
    data = os.environ.get("PYNET_DATA")
    if data:
        folders += [Path(data).expanduser() / "glove", Path(data).expanduser()]
    shared = os.environ.get("PYNET_SHARED_DATA")
    if shared:
        folders.append(Path(shared).expanduser() / "text" / "glove")
    folders.append(cache_dir() / "glove")
    for folder in folders:
        out += [folder / name, folder / (name + ".gz")]
    return out


def find(dims: int = 100):
    """The first existing file of :func:`places`, or ``None`` when there is no GloVe file (the
    822 MB ``glove.6B.zip`` is not shipped; unzip it and point ``PYNET_GLOVE`` at it)."""
    return next((p for p in places(dims) if p.is_file()), None)


# -- download ---------------------------------------------------------------------------------------

#: Stanford's archive of the four 6B files (822 MB; its SHA-256 is not known to pynet).
ARCHIVE_NAME = "glove.6B.zip"
MIRRORS = ("https://nlp.stanford.edu/data/",)
DIMS = (50, 100, 200, 300)


def download(dims: int = 100, dest=None, *, base_urls=None, force: bool = False, checksums=None,
             timeout: float = 600.0, quiet: bool = False) -> Path:
    """Fetch ``glove.6B.zip`` into the cache and take ``glove.6B.<dims>d.txt`` out of it into
    ``dest`` (default ``~/.cache/pynet/glove``, where :func:`find` looks), atomically; return the
    text file's path. The text is read with :func:`load` before it is kept: a zip without the
    member, or a member that is not GloVe text, is removed and ``DownloadError`` raised."""
    import shutil
    import tempfile
    import zipfile

    from ._download import DownloadError, RemoteFile, fetch_all
    from ._locate import cache_dir

    if dims not in DIMS:
        raise ValueError(f"glove.download(dims): expected one of {DIMS}, got {dims!r}")
    dest = Path(dest).expanduser() if dest is not None else cache_dir() / "glove"
    [archive] = fetch_all([RemoteFile(ARCHIVE_NAME, None, None)],
                          MIRRORS if base_urls is None else base_urls, dest,
                          checksums=checksums, force=force, timeout=timeout, label="glove",
                          quiet=quiet)
    member, target = f"glove.6B.{dims}d.txt", dest / f"glove.6B.{dims}d.txt"
    fd, tmp = tempfile.mkstemp(prefix=f".{member}.", suffix=".tmp", dir=dest)
    try:
        with zipfile.ZipFile(archive) as z, z.open(member) as src, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        load(tmp, dims=dims, words=())
        os.replace(tmp, target)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        for path in (tmp, archive):
            Path(path).unlink(missing_ok=True)
        raise DownloadError(f"glove: the downloaded {ARCHIVE_NAME} does not hold GloVe text "
                            f"{member} ({exc}); it was removed") from None
    return target
