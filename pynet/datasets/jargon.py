"""The Jargon File as one long string: the offline stand-in for Chollet's Nietzsche corpus (§8.1).

Chollet trains his character-level language model on about 600,000 characters of Nietzsche's
writings, downloaded from Amazon S3. Here the text is the Jargon File 4.4.7 (Eric S. Raymond and
contributors, 2003; public domain), the hackers' dictionary: 1.68 million characters of English
prose, definitions and stories, as Debian's ``jargon-text`` package ships it::

    text = jargon.load_text(max_chars=600_000)      # the book's corpus size
    text[:40]                                       # '                                The Jargon'
    corpus = jargon.prepare(text)                   # 'this is the jargon file, a comprehensive...'

The book lower-cases Nietzsche and keeps everything else (57 distinct characters). The Jargon
File is laid out as an indented, line-wrapped document with a table of contents and typographic
quotes; :func:`prepare` makes it running prose of the same kind: the text from the preface on,
lower-cased, every run of white space one space, curly quotes and dashes as their ASCII
forms, accents dropped, other non-ASCII symbols removed (69 distinct characters remain).

Where the file comes from (first found wins)
--------------------------------------------
1. ``path=``: the file itself, or a folder holding one of :data:`FILE_NAMES`;
2. ``$PYNET_DATA/`` and ``$PYNET_DATA/text/``;
3. ``$PYNET_SHARED_DATA/text/``;
4. the excerpt embedded in pynet (``data/jargon-4.4.7-excerpt.txt.gz``: the file's first
   599,947 characters, cut at a line end; see ``data/ATTRIBUTION.md``) — the tour runs offline.

Bounds and errors
-----------------
A file (after decompression) larger than :data:`MAX_FILE_BYTES` is refused, whatever its size
on disk; a truncated ``.gz``, NUL bytes (a binary file) or bytes that are not UTF-8 raise
``ValueError`` naming the file (and the byte offset, for bad UTF-8). Windows line ends become
``\\n``. ``max_chars`` keeps the first ``max_chars`` characters.
"""
from __future__ import annotations

import gzip
import os
import unicodedata
from pathlib import Path

from ._locate import env_places
from pynet import _validate as validate

__all__ = ["load_text", "prepare", "where", "places", "is_excerpt", "FILE_NAMES", "EMBEDDED_FILE",
           "MAX_FILE_BYTES", "JargonNotFound"]

#: Names the file goes by (Debian's, ours), each also with ``.gz``.
FILE_NAMES = ("jargon-4.4.7.txt", "jargon.txt")
EMBEDDED_FILE = Path(__file__).parent / "data" / "jargon-4.4.7-excerpt.txt.gz"
#: The whole Jargon File is 1.68 MB; a text ten times that is not it (and a learner's own corpus
#: of that size would need a generator, not one one-hot array).
MAX_FILE_BYTES = 16 * 1024 * 1024


class JargonNotFound(FileNotFoundError):
    """No Jargon File where it was looked for."""


def _candidates(folder: Path):
    for name in FILE_NAMES:
        yield folder / (name + ".gz")
        yield folder / name


def places(path=None) -> list:
    """``(folder_or_file, why)`` pairs searched in order (see the module docstring)."""
    out = env_places(path, ("", "text"), "text")
    if path is not None:
        return out
    out.append((EMBEDDED_FILE, "embedded in pynet: the first 599,947 characters"))
    return out


def where(path=None) -> Path:
    """The file :func:`load_text` would read."""
    looked = []
    for place, why in places(path):
        if place.is_file():
            return place
        if place.is_dir():
            for candidate in _candidates(place):
                if candidate.is_file():
                    return candidate
            looked.append(f"  {place} ({why}): no {' / '.join(FILE_NAMES)} (or .gz)")
        else:
            looked.append(f"  {place} ({why}): does not exist")
        if path is not None:
            raise JargonNotFound(f"jargon: path={os.fspath(path)!r}: {looked[-1].split(': ', 1)[1]}")
    raise JargonNotFound("jargon: the Jargon File was not found. Looked in:\n" + "\n".join(looked)
                         + "\nThe embedded excerpt is missing: reinstall pynet, or set PYNET_DATA "
                         "to a folder holding jargon-4.4.7.txt(.gz)")


def is_excerpt(file) -> bool:
    """True when ``file`` is the excerpt embedded in pynet (not the whole Jargon File)."""
    return Path(file).resolve() == EMBEDDED_FILE.resolve()


def _read_bounded(file: Path) -> bytes:
    """The file's bytes (decompressed if gzip), at most :data:`MAX_FILE_BYTES` of them."""
    name = os.fspath(file)
    try:
        with open(file, "rb") as fh:
            compressed = fh.read(2) == b"\x1f\x8b"
        with (gzip.open if compressed else open)(file, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise ValueError(f"jargon: {name!r} cannot be read ({exc}); a truncated .gz?") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"jargon: {name!r} holds more than {MAX_FILE_BYTES:,} bytes (the Jargon "
                         "File has 1.68 MB); refusing to load it into memory as one string")
    return raw


def load_text(path=None, max_chars=None) -> str:
    """The Jargon File's text (or the embedded excerpt when no file is found).

    Parameters
    ----------
    path : str or Path, optional
        The file, or a folder holding ``jargon-4.4.7.txt`` / ``jargon.txt`` (``.gz`` or not).
    max_chars : int, optional
        Keep only the first ``max_chars`` characters (``>= 1``).

    Returns
    -------
    str
        The text as written (case and layout kept; ``\\r\\n`` -> ``\\n``).
    """
    max_chars = validate.positive_int("jargon.load_text()", "max_chars", max_chars, allow_none=True)
    file = where(path)
    raw = _read_bounded(file)
    if b"\x00" in raw:
        raise ValueError(f"jargon: {os.fspath(file)!r} holds NUL bytes: it is a binary file, "
                         "not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"jargon: {os.fspath(file)!r} is not UTF-8 text (byte {exc.start}: "
                         f"{raw[exc.start:exc.start + 1]!r})") from None
    text = text.replace("\r\n", "\n")
    return text if max_chars is None else text[:max_chars]


#: Typographic characters of the Jargon File and their ASCII forms (the rest go through NFKD).
_ASCII_FORMS = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2014": "--",
                "\u2013": "-", "\u2026": "...", "\u2212": "-", "\u00a0": " "}
#: Where the prose starts (after the title and the table of contents).
PREFACE = "This is the Jargon File, a comprehensive"


def prepare(text: str) -> str:
    """Running, lower-case ASCII prose from the File's text (see the module docstring).

    Starts at :data:`PREFACE` when the text holds it (else at the beginning); the result has
    no newlines and only characters below U+0080.
    """
    if not isinstance(text, str):
        raise TypeError(f"jargon.prepare(text): expected a str, got {type(text).__name__}")
    start = text.find(PREFACE)
    text = text[max(start, 0):]
    text = "".join(_ASCII_FORMS.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().split())
