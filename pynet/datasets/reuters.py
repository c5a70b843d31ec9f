"""Reuters-21578 newswires (Lewis, 1997) from the real SGML files: Chollet §3.5's 46 topics.

The book calls ``keras.datasets.reuters.load_data(num_words=10000)``: 8,982 training and 2,246
test newswires from 1986–87, each labelled with one of 46 topics. Keras ships them as a *pickled*
``.npz``, which pynet never loads; this module rebuilds the data set from the public distribution
(the ``reut2-000.sgm`` … ``reut2-021.sgm`` files, 1,000 records each except the last, in a folder
or in ``reuters21578.tar.gz``, read in place with size limits).

The real files, and their quirks
--------------------------------
Each newswire is an SGML record::

    <REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5544" NEWID="1">
    <DATE>26-FEB-1987 15:01:01.79</DATE>
    <TOPICS><D>cocoa</D></TOPICS>
    <PLACES><D>el-salvador</D><D>usa</D></PLACES> ... <UNKNOWN> &#5;&#5;&#5;C T ...</UNKNOWN>
    <TEXT>&#2;
    <TITLE>BAHIA COCOA REVIEW</TITLE>
    <DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued ...
     Reuter
    &#3;</BODY></TEXT>
    </REUTERS>

* the files are not UTF-8: a few bytes are latin-1 (read here as latin-1, every byte a character);
* control characters are written as numeric references — ``&#2;`` starts a text, ``&#3;`` (ETX,
  "end of text") ends every body, ``&#1;``, ``&#5;``, ``&#22;``, ``&#31;``, ``&#127;`` fill the
  ``<UNKNOWN>`` teletype headers — and ``<`` inside text is ``&lt;`` (``&lt;AMERICAN EXPRESS>``),
  ``&`` is ``&amp;``;
* the ``TOPICS="YES"/"NO"`` attribute does not say whether the ``<TOPICS>`` element is empty
  (record 1 says "NO" and is filed under cocoa);
* ``<TEXT TYPE="BRIEF">`` records have a title and no body, ``TYPE="UNPROC"`` ones unformatted
  text and no body.

:func:`read_records` returns every record (:class:`Record`: ``newid``, ``topics``, ``title``,
``body`` with the references resolved and the control characters dropped, ``raw_body`` exactly as
in the file, and where it was found). A malformed record (no ``NEWID``, an unclosed element, a
``<TOPICS>`` that is not a list of ``<D>…</D>``, a record that never closes because the file was
cut) raises ``ValueError`` naming the file, the line and the record, and nothing is returned.

How this relates to Keras's 11,228 newswires / 46 topics
--------------------------------------------------------
Keras's file was made in 2015 by a small script (``make_reuters_dataset`` in early Keras). Read
closely, it does this — and so does :func:`load_data`:

1. **Every record whose** ``<TOPICS>`` **is not empty is kept, labelled with its first topic.**
   The script meant to keep single-topic wires (it tests for ``"</D><D>"``) but looks for that in
   the text *before* the first ``</``, which never contains it, so multi-topic wires pass with
   their first topic. (``load_texts(..., single_topic=True)`` gives the intended selection.)
2. Only topics with at least :data:`MIN_SAMPLES_PER_TOPIC` (15) such wires are kept: 46 topics
   on the real files; the book's "at least 10 examples per topic in the training set" follows.
3. Labels number the kept topics in order of first appearance, files read in order
   (``reut2-000.sgm`` first): cocoa 0, grain 1, veg-oil 2, earn 3, acq 4, …
4. The text is the body *as written in the file*, references unresolved, tokenised by the Keras
   Tokenizer: ``&#3;`` becomes the word "3" and ``&lt;`` the word "lt". That is why every Keras
   newswire ends in "reuter 3" (the book's ``train_data[10]`` ends ``…, 17, 12``: rank 14
   "reuter" and rank 9 "3", plus 3) — pynet keeps that convention so decoded wires read the same.
5. ``load_data`` then does what Keras's ``reuters.load_data`` does: shuffle all wires with
   ``np.random.RandomState(seed)``, add ``start_char``/``index_from``, drop wires of ``maxlen``
   words or more, cap the vocabulary (``num_words``, ``skip_top``, ``oov_char``) and cut the first
   ``1 - test_split`` for training (11,228 · 0.8 → 8,982 / 2,246).

What cannot be reproduced exactly (so the integers differ from Keras's file, the recipe does not):

* a record with topics but no body (the BRIEF ones): the script, searching on for ``<BODY>``,
  gave it the *next* record's body — a duplicate text under another label. pynet drops such
  records, so it finds somewhat fewer than 11,228 wires (how many fewer cannot be checked offline:
  the real files are not available here; count them with ``len(load_texts()[0])``);
* words of equal frequency: the script ran on Python 2, whose dict order broke ties in a way
  that cannot be recovered; pynet breaks them by first appearance (Keras 2's Tokenizer rule);
* topic order: the script read the files in ``os.listdir`` order (unspecified); pynet sorts them.
  The label list commonly quoted for Keras's file starts cocoa, grain, veg-oil, earn, acq, which
  is the first-appearance order of the sorted files;
* Python 2 lowercased bytes (ASCII letters only); pynet lowercases latin-1 letters too.

``download()`` fetches ``reuters21578.tar.gz`` (8 MB) from the UCI archive into the user cache,
atomically; the archive is then read as it is (no unpacking). Nothing of the collection ships with
pynet: its README says Reuters Ltd. and Carnegie Group allow free distribution *for research
purposes only* (the copyright of the texts stays with Reuters).
"""
from __future__ import annotations

import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pynet import _validate as validate

from . import _keras_sequences as ks
from ._download import RemoteFile, fetch_checked
from ._locate import cache_dir

__all__ = ["Record", "read_records", "load_texts", "load_data", "get_word_index", "download",
           "where", "topic_names", "ARCHIVE_NAME", "MIRRORS", "MIN_SAMPLES_PER_TOPIC",
           "MAX_FILE_BYTES", "MAX_TOTAL_BYTES", "MAX_RECORD_BYTES"]

ARCHIVE_NAME = "reuters21578.tar.gz"
#: Where the distribution lives (the UCI KDD archive and its newer address).
MIRRORS = ("https://archive.ics.uci.edu/ml/machine-learning-databases/reuters21578-mld/",
           "http://kdd.ics.uci.edu/databases/reuters21578/")
MIN_SAMPLES_PER_TOPIC = 15
#: Each real reut2-*.sgm has about 1.3 MB; a file or archive member above this is refused.
MAX_FILE_BYTES = 16 << 20
#: The 22 real files hold about 27 MB together.
MAX_TOTAL_BYTES = 128 << 20
#: The longest real record has a few tens of kB.
MAX_RECORD_BYTES = 1 << 20

_SGM_NAME = re.compile(r"reut2-\d{3}\.sgm")
_OPEN = re.compile(r"<REUTERS\b([^>]*)>")
_CLOSE = "</REUTERS>"
_NEWID = re.compile(r'\bNEWID="(\d+)"')
_SPLIT = re.compile(r'\bLEWISSPLIT="([A-Z-]*)"')
_D_LIST = re.compile(r"(?:<D>[^<]*</D>)*")
_D_ITEM = re.compile(r"<D>([^<]*)</D>")
_REFERENCE = re.compile(r"&(#\d+|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass(frozen=True)
class Record:
    """One ``<REUTERS>`` record. ``body`` is readable text, ``raw_body`` the body as in the file
    (``None`` both when the record has no ``<BODY>``); ``where`` is ``"file, line N"``."""

    newid: int
    topics: tuple
    title: str
    body: str | None
    raw_body: str | None
    lewis_split: str
    where: str


def unescape(text: str) -> str:
    """Resolve the files' references: ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` become characters;
    numeric ones for control characters (``&#3;``, ``&#22;``, …, below 32 or 127) are dropped;
    other numbers become their latin-1 character."""
    def one(match):
        ref = match.group(1)
        if ref in _NAMED:
            return _NAMED[ref]
        code = int(ref[1:])
        if code < 32 and ref not in ("#9", "#10") or code == 127 or code > 255:
            return ""
        return chr(code)
    return _REFERENCE.sub(one, text)


# ----------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------

def _element(content: str, tag: str, where: str, required: bool):
    """The text between ``<TAG ...>`` and ``</TAG>`` (first occurrence), or None."""
    start = re.search(rf"<{tag}\b[^>]*>", content)
    if start is None:
        if required:
            raise ValueError(f"{where}: no <{tag}> element")
        return None
    end = content.find(f"</{tag}>", start.end())
    if end < 0:
        raise ValueError(f"{where}: <{tag}> is not closed by </{tag}>")
    return content[start.end():end]


def _parse_record(attributes: str, content: str, name: str, line: int) -> Record:
    newid = _NEWID.search(attributes)
    if newid is None:
        raise ValueError(f"{name}, line {line}: a <REUTERS> record without NEWID=\"...\"; "
                         "not a Reuters-21578 record")
    where = f"{name}, line {line} (record NEWID={newid.group(1)})"
    if len(content) > MAX_RECORD_BYTES:
        raise ValueError(f"{where}: longer than {MAX_RECORD_BYTES} bytes; no real record is")
    topics = _element(content, "TOPICS", where, required=True)
    if not _D_LIST.fullmatch(topics):
        raise ValueError(f"{where}: <TOPICS> should hold <D>topic</D> items, got {topics[:60]!r}")
    title = _element(content, "TITLE", where, required=False)
    raw_body = _element(content, "BODY", where, required=False)
    split = _SPLIT.search(attributes)
    return Record(newid=int(newid.group(1)), topics=tuple(_D_ITEM.findall(topics)),
                  title=unescape(title or "").strip(),
                  body=None if raw_body is None else unescape(raw_body),
                  raw_body=raw_body, lewis_split=split.group(1) if split else "",
                  where=f"{name}, line {line}")


def parse_sgml(raw: bytes, name: str) -> list:
    """Every record of one ``reut2-*.sgm`` file's bytes (``name`` is used in error messages)."""
    if raw.startswith(b"\xef\xbb\xbf"):                # an editor's UTF-8 byte-order mark
        raw = raw[3:]
    text = raw.decode("latin-1")                     # every byte is a character: never fails
    text = text.replace("\r\n", "\n")                 # a copy saved with Windows line ends
    if "\x00" in text:
        raise ValueError(f"{name}: holds NUL bytes; binary, not a Reuters SGML file")
    records, pos, line = [], 0, 1
    while True:
        opened = _OPEN.search(text, pos)
        stray = text.find(_CLOSE, pos)
        if stray >= 0 and (opened is None or stray < opened.start()):
            line += text.count("\n", pos, stray)
            raise ValueError(f"{name}, line {line}: </REUTERS> without an opening <REUTERS>")
        if opened is None:
            break
        line += text.count("\n", pos, opened.start())
        close = text.find(_CLOSE, opened.end())
        nested = _OPEN.search(text, opened.end())
        newid = _NEWID.search(opened.group(1))
        label = f"record NEWID={newid.group(1)}" if newid else "a record"
        if close < 0:
            raise ValueError(f"{name}, line {line}: {label} is never closed by </REUTERS> "
                             "(a truncated file?)")
        if nested is not None and nested.start() < close:
            raise ValueError(f"{name}, line {line}: {label} is not closed before the next "
                             "<REUTERS> begins")
        records.append(_parse_record(opened.group(1), text[opened.end():close], name, line))
        line += text.count("\n", opened.start(), close)
        pos = close + len(_CLOSE)
    if not records:
        raise ValueError(f"{name}: no <REUTERS> records; not a Reuters-21578 file")
    return records


def _from_folder(folder: Path) -> list:
    files = sorted(p for p in folder.iterdir() if _SGM_NAME.fullmatch(p.name) and p.is_file())
    if not files:
        raise FileNotFoundError(f"reuters: {os.fspath(folder)!r} holds no reut2-NNN.sgm files; "
                                f"path= should be the unpacked folder or {ARCHIVE_NAME}")
    records, total = [], 0
    for file in files:
        size = file.stat().st_size
        total += size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"reuters: {os.fspath(file)!r} ({size} bytes) is larger than a "
                             "Reuters-21578 file can be; refused")
        if total > MAX_TOTAL_BYTES:
            raise ValueError(f"reuters: {os.fspath(folder)!r}: the reut2-*.sgm files up to "
                             f"{file.name} hold more than {MAX_TOTAL_BYTES} bytes; not "
                             "Reuters-21578")
        with open(file, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)      # bounded even if the file grew since stat()
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"reuters: {os.fspath(file)!r} is larger than a Reuters-21578 file "
                             "can be; refused")
        records += parse_sgml(raw, os.fspath(file))
    return records


def _from_archive(archive: Path) -> list:
    name = os.fspath(archive)
    found, total = [], 0
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:                       # streamed, one member at a time
                base = member.name.rsplit("/", 1)[-1]
                if not _SGM_NAME.fullmatch(base) or not member.isfile():
                    continue                         # links and devices are never followed
                total += member.size
                if member.size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                    raise ValueError(f"reuters: {name}: member {member.name!r} claims "
                                     f"{member.size} bytes; no Reuters-21578 file is that large")
                raw = tar.extractfile(member).read(MAX_FILE_BYTES + 1)
                found.append((base, f"{name}:{member.name}", raw))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"reuters: {name} cannot be read as a tar archive ({exc}); a truncated "
                         "download?") from None
    if not found:
        raise ValueError(f"reuters: {name} holds no reut2-NNN.sgm files; not {ARCHIVE_NAME}")
    records = []
    for _, label, raw in sorted(found):
        records += parse_sgml(raw, label)
    return records


# ----------------------------------------------------------------------------------------------
# Finding the files
# ----------------------------------------------------------------------------------------------

def _candidates():
    out = []
    for var, sub in (("PYNET_DATA", ""), ("PYNET_SHARED_DATA", "text")):
        base = os.environ.get(var)
        if base:
            base = Path(base).expanduser() / sub
            out += [base / "reuters21578", base / ARCHIVE_NAME]
    home = cache_dir() / "reuters21578"
    return out + [home / ARCHIVE_NAME, home]


def where(path=None) -> Path:
    """The folder or archive :func:`load_data` reads: ``path``, else the first of
    ``$PYNET_DATA/reuters21578[.tar.gz]``, ``$PYNET_SHARED_DATA/text/reuters21578[.tar.gz]`` and
    the cache :func:`download` fills."""
    if path is not None:
        path = Path(path).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"reuters: no such folder or archive: {os.fspath(path)!r}")
        return path
    looked = _candidates()
    for candidate in looked:
        if candidate.is_file() or (candidate.is_dir() and any(
                _SGM_NAME.fullmatch(p.name) for p in candidate.iterdir())):
            return candidate
    raise FileNotFoundError(
        "reuters: Reuters-21578 not found; looked at " + ", ".join(map(os.fspath, looked))
        + ". Run pynet.datasets.reuters.download() or give path= (the reut2-*.sgm folder or "
        f"{ARCHIVE_NAME}).")


def read_records(path=None) -> list:
    """Every record of the distribution, files in name order, records in file order."""
    path = where(path)
    return _from_folder(path) if path.is_dir() else _from_archive(path)


# ----------------------------------------------------------------------------------------------
# Keras's data set
# ----------------------------------------------------------------------------------------------

def _select(records, single_topic, min_samples):
    """Keras's selection (module docstring): records with a topic and a body, first topic as
    label, topics with at least ``min_samples`` wires, labels in order of first appearance."""
    kept = [r for r in records if r.topics and r.raw_body is not None
            and (len(r.topics) == 1 or not single_topic)]
    counts = {}
    for r in kept:
        counts[r.topics[0]] = counts.get(r.topics[0], 0) + 1
    names = []
    for r in kept:
        t = r.topics[0]
        if counts[t] >= min_samples and t not in names:
            names.append(t)
    return [r for r in kept if counts[r.topics[0]] >= min_samples], names


def load_texts(path=None, single_topic: bool = False, min_samples_per_topic=None,
               raw: bool = False):
    """``(texts, labels, topic_names)`` of the selected newswires, in file order (not shuffled).

    ``raw=True`` gives the bodies as written in the files (what :func:`load_data` tokenises);
    otherwise readable text. ``single_topic=True`` keeps only wires with exactly one topic.
    ``min_samples_per_topic`` defaults to :data:`MIN_SAMPLES_PER_TOPIC` (Keras's 15).
    """
    if min_samples_per_topic is None:
        min_samples_per_topic = MIN_SAMPLES_PER_TOPIC
    validate.positive_int("reuters.load_texts()", "min_samples_per_topic", min_samples_per_topic)
    kept, names = _select(read_records(path), single_topic, min_samples_per_topic)
    if not kept:
        raise ValueError(f"reuters: no topic has {min_samples_per_topic} newswires with a body "
                         "in these files")
    index = {t: i for i, t in enumerate(names)}
    texts = [r.raw_body if raw else r.body for r in kept]
    return texts, np.array([index[r.topics[0]] for r in kept], dtype=np.int64), names


def topic_names(path=None) -> list:
    """Label -> topic name, in order of first appearance (on the real files this should begin
    cocoa, grain, veg-oil, earn, acq, as the label list quoted for Keras's file does)."""
    return load_texts(path)[2]


def _tokenizer(texts):
    from ..text import Tokenizer

    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(texts)
    return tokenizer


def get_word_index(path=None) -> dict:
    """Word -> frequency rank (1 = most frequent) over the selected newswires, as tokenised by
    :func:`load_data` (so "3" and "lt" are words, as in Keras's index)."""
    texts, _, _ = load_texts(path, raw=True)
    return dict(_tokenizer(texts).word_index)


def load_data(path=None, num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """``(x_train, y_train), (x_test, y_test)`` with Keras's ``reuters.load_data`` conventions
    (see the module docstring for the selection and what differs from Keras's file)."""
    where_ = "reuters.load_data"
    ks.check_conventions(where_, num_words, skip_top, maxlen, seed, start_char, oov_char,
                         index_from)
    test_split = validate.real(f"{where_}()", "test_split", test_split, low=0.0, high=1.0,
                               high_open=True)
    texts, labels, _ = load_texts(path, raw=True)
    xs = _tokenizer(texts).texts_to_sequences(texts)
    order = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(order)
    xs, labels = [xs[i] for i in order], labels[order]
    xs = ks.shift_and_mark(xs, start_char, index_from)
    xs, labels = ks.drop_long(xs, labels, maxlen, where_)
    xs = ks.limit_vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((ks.object_array(xs[:cut]), labels[:cut]),
            (ks.object_array(xs[cut:]), labels[cut:]))


# ----------------------------------------------------------------------------------------------
# Download
# ----------------------------------------------------------------------------------------------

#: The published archive. Its SHA-256 is not known to pynet, so a download is verified by reading
#: it: it must hold reut2-*.sgm files whose every record parses, or it is deleted.
REMOTE_FILE = RemoteFile(ARCHIVE_NAME, None, None)


def download(dest=None, *, base_urls=None, force: bool = False, checksums=None,
             timeout: float = 60.0, quiet: bool = False) -> Path:
    """Fetch ``reuters21578.tar.gz`` into ``dest`` (default: the cache :func:`where` searches),
    trying each mirror in turn, atomically; return the archive's path.

    ``checksums={"reuters21578.tar.gz": sha256}`` pins the bytes. Without it the archive is
    checked by parsing it; one that does not parse is removed and ``DownloadError`` raised.
    """
    dest = Path(dest).expanduser() if dest is not None else cache_dir() / "reuters21578"
    archive = fetch_checked(REMOTE_FILE, MIRRORS if base_urls is None else base_urls, dest,
                            _from_archive, label="reuters", what="the Reuters-21578 distribution",
                            checksums=checksums, force=force, timeout=timeout, quiet=quiet)
    return archive
