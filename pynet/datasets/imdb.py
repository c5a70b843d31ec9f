"""IMDB movie reviews (Maas et al., 2011) from the real ``aclImdb`` folder or ``aclImdb_v1.tar.gz``.

Chollet's §3.4 uses ``keras.datasets.imdb.load_data``: 25,000 training and 25,000 test reviews,
half positive, as integer sequences. Keras ships them as a *pickled* ``.npz``, which pynet never
loads (unpickling runs code from the file); this module reads the original release instead —
the folder ``aclImdb/{train,test}/{neg,pos}/*.txt`` (listing 6.8's source) or its archive, which
it reads in place, member by member, with size limits.

``load_texts(path, subset)`` -> ``(texts, labels)`` in file-name order (neg first, label 0; then pos);
``load_data(path, num_words, skip_top, maxlen, seed, start_char, oov_char, index_from)`` -> the
Keras-style ``(x_train, y_train), (x_test, y_test)``; ``get_word_index(path)``.

The word index is computed here with :class:`pynet.text.Tokenizer` over all 50,000 reviews
(frequency ranks, as Keras's), so the numbers differ from Keras's file (whose tokenizer and
vocabulary are its own) while every convention — start 1, OOV 2, words from 3 on, ``num_words``,
``maxlen``, ``skip_top``, the seeded shuffle of each split — is Keras's. The reviews contain HTML
line breaks (``<br />``); the Tokenizer's filters turn them into the word "br".
"""
from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np

from . import _keras_sequences as ks

__all__ = ["load_texts", "load_data", "get_word_index", "download", "ARCHIVE_NAME", "MAX_REVIEW_BYTES", "MAX_TOTAL_BYTES"]

#: The longest review in aclImdb is about 14 kB; a member larger than this is refused.
MAX_REVIEW_BYTES = 1 << 20
#: All 100,000 files of the archive (with the unlabelled ones) are about 130 MB uncompressed.
MAX_TOTAL_BYTES = 512 << 20
SUBSETS = ("train", "test")
LABELS = ("neg", "pos")


def _check_subset(subset):
    if subset not in SUBSETS:
        raise ValueError(f"imdb: subset must be 'train' or 'test', got {subset!r}")


def _from_folder(root: Path, subset: str):
    base = root / "aclImdb" if (root / "aclImdb").is_dir() else root
    texts, labels = [], []
    for label, name in enumerate(LABELS):
        folder = base / subset / name
        if not folder.is_dir():
            raise FileNotFoundError(f"imdb: {os.fspath(folder)!r} is missing; path= should be the "
                                    "aclImdb folder (with train/ and test/), or aclImdb_v1.tar.gz")
        for file in sorted(folder.iterdir()):
            if file.suffix != ".txt" or not file.is_file():
                continue
            if file.stat().st_size > MAX_REVIEW_BYTES:
                raise ValueError(f"imdb: {os.fspath(file)!r} is larger than {MAX_REVIEW_BYTES} "
                                 "bytes; not a review")
            texts.append(file.read_bytes().decode("utf-8", errors="replace"))
            labels.append(label)
    return texts, labels


def _from_archive(archive: Path, subset: str):
    found = {name: [] for name in LABELS}
    total = 0
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:                       # streamed: never the whole listing at once
                parts = member.name.split("/")
                if len(parts) != 4 or parts[0] != "aclImdb" or parts[1] != subset \
                        or parts[2] not in LABELS or not parts[3].endswith(".txt"):
                    continue
                if not member.isfile():
                    continue                         # links and devices are never followed
                if member.size > MAX_REVIEW_BYTES:
                    raise ValueError(f"imdb: {os.fspath(archive)!r}: member {member.name!r} has "
                                     f"{member.size} bytes; not a review")
                total += member.size
                if total > MAX_TOTAL_BYTES:
                    raise ValueError(f"imdb: {os.fspath(archive)!r} holds more than "
                                     f"{MAX_TOTAL_BYTES} bytes of reviews; not aclImdb")
                data = tar.extractfile(member).read(MAX_REVIEW_BYTES + 1)
                found[parts[2]].append((parts[3], data.decode("utf-8", errors="replace")))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"imdb: {os.fspath(archive)!r} cannot be read as a tar archive ({exc}); "
                         "truncated download?") from None
    texts, labels = [], []
    for label, name in enumerate(LABELS):
        if not found[name]:
            raise ValueError(f"imdb: {os.fspath(archive)!r} has no aclImdb/{subset}/{name}/*.txt")
        for _, text in sorted(found[name]):
            texts.append(text)
            labels.append(label)
    return texts, labels


def load_texts(path, subset: str = "train"):
    """``(texts, labels)`` of one split, negatives (0) then positives (1), by file name."""
    _check_subset(subset)
    path = Path(path).expanduser()
    if path.is_dir():
        texts, labels = _from_folder(path, subset)
    elif path.is_file():
        texts, labels = _from_archive(path, subset)
    else:
        raise FileNotFoundError(f"imdb: no such folder or archive: {os.fspath(path)!r}")
    return texts, np.asarray(labels, dtype=np.int64)


def _word_index(train_texts, test_texts):
    from ..text import Tokenizer

    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(train_texts + test_texts)
    return tokenizer


def get_word_index(path) -> dict:
    """Word -> frequency rank (1 = most frequent) over all 50,000 reviews."""
    train, _ = load_texts(path, "train")
    test, _ = load_texts(path, "test")
    return dict(_word_index(train, test).word_index)


def load_data(path, num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3):
    """``(x_train, y_train), (x_test, y_test)`` with Keras's ``imdb.load_data`` conventions."""
    where = "imdb.load_data"
    ks.check_conventions(where, num_words, skip_top, maxlen, seed, start_char, oov_char,
                         index_from)
    train_texts, train_labels = load_texts(path, "train")
    test_texts, test_labels = load_texts(path, "test")
    tokenizer = _word_index(train_texts, test_texts)
    rng = np.random.RandomState(seed)
    splits = []
    for texts, labels in ((train_texts, train_labels), (test_texts, test_labels)):
        xs = tokenizer.texts_to_sequences(texts)
        order = np.arange(len(xs))
        rng.shuffle(order)
        xs, labels = [xs[i] for i in order], labels[order]
        xs = ks.shift_and_mark(xs, start_char, index_from)
        xs, labels = ks.drop_long(xs, labels, maxlen, where)
        splits.append((xs, labels))
    n_train = len(splits[0][0])
    xs = ks.limit_vocabulary(splits[0][0] + splits[1][0], num_words, skip_top, oov_char)
    return ((ks.object_array(xs[:n_train]), splits[0][1]),
            (ks.object_array(xs[n_train:]), splits[1][1]))


# -- download ---------------------------------------------------------------------------------------

#: The release's archive and where Stanford publishes it (its SHA-256 is not known to pynet, so a
#: download is checked by reading it as :func:`load_texts` does).
ARCHIVE_NAME = "aclImdb_v1.tar.gz"
MIRRORS = ("https://ai.stanford.edu/~amaas/data/sentiment/",)


def download(dest=None, *, base_urls=None, force: bool = False, checksums=None,
             timeout: float = 60.0, quiet: bool = False) -> Path:
    """Fetch ``aclImdb_v1.tar.gz`` (84 MB) into ``dest`` (default: pynet's cache,
    ``~/.cache/pynet/imdb``), atomically; return its path, which ``load_data`` accepts.

    The archive is read after the download (the training reviews, as :func:`load_texts` reads
    them); one that does not read is removed and ``DownloadError`` raised. ``checksums=
    {"aclImdb_v1.tar.gz": sha256}`` pins the bytes."""
    from ._download import RemoteFile, fetch_checked
    from ._locate import cache_dir

    dest = Path(dest).expanduser() if dest is not None else cache_dir() / "imdb"
    return fetch_checked(RemoteFile(ARCHIVE_NAME, None, None),
                         MIRRORS if base_urls is None else base_urls, dest,
                         lambda path: load_texts(path, "train"), label="imdb",
                         what="the aclImdb release", checksums=checksums, force=force,
                         timeout=timeout, quiet=quiet)
