"""Turning text into numbers: tokenizing, one-hot encoding, hashing (Chollet §6.1, Keras 2 names).

Chollet's chapter 6 opens with three ways to vectorize text, each written out in NumPy before
Keras does it for you. This module keeps both: the naive listings as small readable functions, and
Keras 2's ``keras.preprocessing.text`` API with the same names, defaults and results.

The book's listings (readable, slow on purpose)
-----------------------------------------------
``bag_of_ngrams(tokens, n)``        the "bag of bigrams/trigrams" sets of §6.1
``one_hot_words(samples)``          listing 6.1: a word index from ``str.split``, one-hot per word
``one_hot_characters(samples)``     listing 6.2: printable ASCII characters, one-hot per character
``one_hot_hashed_words(samples)``   listing 6.4: the hashing trick, ``hash(word) % dimensionality``

Keras 2's API (``keras.preprocessing.text``)
--------------------------------------------
``text_to_word_sequence(text, filters, lower, split)``   lower-case, drop punctuation, split
``hashing_trick(text, n, hash_function)`` / ``one_hot(text, n)``   words -> ``1 + hash % (n - 1)``
``Tokenizer(num_words, filters, lower, split, char_level, oov_token)``  listing 6.3
``tokenizer_from_json(s)``, ``Tokenizer.save(path)`` / ``Tokenizer.load(path)``
``pad_sequences`` (re-exported from :mod:`pynet.preprocessing.sequence`)

How the Tokenizer numbers words (the rule everyone trips over)
--------------------------------------------------------------
``fit_on_texts`` counts every word, then gives index 1 to the most frequent word, 2 to the next,
and so on; words with equal counts keep the order in which they were first seen. Index 0 is never
a word: ``pad_sequences`` uses it for padding. With ``oov_token`` set, that token takes index 1 and
every word moves up by one. ``num_words`` does not change ``word_index`` (it always holds every
word seen); it only makes ``texts_to_sequences`` and ``texts_to_matrix`` drop words whose index is
``num_words`` or more — so ``num_words=1000`` keeps the 999 most frequent words.

``one_hot`` uses Python's ``hash``, as Keras does. Python salts string hashes per process
(``PYTHONHASHSEED``), so its numbers change from run to run; pass ``hash_function="md5"`` to
:func:`hashing_trick` for numbers that are the same everywhere.
"""
from __future__ import annotations

import hashlib
import json
import os
import string
from collections import OrderedDict, defaultdict

import numpy as np

from .persistence import PersistenceError, atomic_write
from .preprocessing.sequence import pad_sequences  # noqa: F401  (Keras 2 users look for it here too)
from pynet import _validate as validate

__all__ = [
    "DEFAULT_FILTERS", "text_to_word_sequence", "hashing_trick", "one_hot", "Tokenizer",
    "tokenizer_from_json", "pad_sequences", "bag_of_ngrams", "one_hot_words",
    "one_hot_characters", "one_hot_hashed_words", "MATRIX_MODES",
]

#: Keras's default ``filters``: every ASCII punctuation mark except the apostrophe, plus tab and
#: newline. Each is replaced by ``split`` before splitting, so "don't" stays one word.
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

#: The four ways ``texts_to_matrix`` turns a text into a row (see :meth:`Tokenizer.sequences_to_matrix`).
MATRIX_MODES = ("binary", "count", "tfidf", "freq")

#: The largest tokenizer file :meth:`Tokenizer.load` reads (a vocabulary of millions of words
#: fits well below it); a bigger file is refused before it is read.
MAX_TOKENIZER_FILE_BYTES = 512 * 1024 * 1024


def _check_text(text, where: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{where}: expected a str, got {type(text).__name__} ({text!r:.60})")


def _check_texts(texts, where: str, *, allow_token_lists: bool = False) -> list:
    """``texts`` as a list, each item checked to be a str (or a list of str tokens)."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            f"{where}: texts must be a list of strings, got a single {type(texts).__name__}; "
            "wrap it in a list: [text]")
    try:
        texts = list(texts)
    except TypeError:
        raise TypeError(f"{where}: texts must be a list of strings, got {type(texts).__name__}") \
            from None
    for i, text in enumerate(texts):
        if isinstance(text, str):
            continue
        if allow_token_lists and isinstance(text, list) and all(isinstance(t, str) for t in text):
            continue
        raise TypeError(f"{where}: texts[{i}] is {type(text).__name__} ({text!r:.60}); "
                        "expected a str" + (" or a list of str tokens" if allow_token_lists else ""))
    return texts


# ----------------------------------------------------------------------------------------------
# Keras 2: text_to_word_sequence, hashing_trick, one_hot
# ----------------------------------------------------------------------------------------------

def text_to_word_sequence(text: str, filters: str = DEFAULT_FILTERS, lower: bool = True,
                          split: str = " ") -> list:
    """Split a text into words the way Keras does.

    Lower-case it (when ``lower``), replace every character of ``filters`` by ``split``, split
    on ``split`` and drop the empty strings. ``"The cat sat on the mat."`` ->
    ``['the', 'cat', 'sat', 'on', 'the', 'mat']``.
    """
    _check_text(text, "text_to_word_sequence(text)")
    if not isinstance(split, str) or not split:
        raise ValueError(f"text_to_word_sequence(split): expected a non-empty str, got {split!r}")
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in text.split(split) if word]


def _md5_hash(word: str) -> int:
    """The same integer for the same word in every process (Python's ``hash`` is salted)."""
    return int(hashlib.md5(word.encode("utf-8")).hexdigest(), 16)


def hashing_trick(text: str, n: int, hash_function=None, filters: str = DEFAULT_FILTERS,
                  lower: bool = True, split: str = " ", analyzer=None) -> list:
    """Words -> integers in ``1 .. n-1`` without a vocabulary: ``1 + hash(word) % (n - 1)``.

    Index 0 is left free (for padding), so ``n`` is the size of an Embedding that can take the
    result. Different words can land on the same index (a *collision*); that becomes likely once
    the number of distinct words approaches ``n`` (§6.1).

    Parameters
    ----------
    hash_function : callable, "md5" or None
        ``None`` is Python's ``hash`` (salted per process, like Keras); ``"md5"`` is stable.
    analyzer : callable, optional
        ``text -> list of tokens``, replacing :func:`text_to_word_sequence`.
    """
    _check_text(text, "hashing_trick(text)")
    n = validate.integer("hashing_trick()", "n", n, low=2, hint=" (index 0 is reserved)")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5_hash
    elif not callable(hash_function):
        raise ValueError(f"hashing_trick(hash_function): expected None, 'md5' or a callable, "
                         f"got {hash_function!r}")
    words = analyzer(text) if analyzer is not None else text_to_word_sequence(
        text, filters=filters, lower=lower, split=split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(text: str, n: int, filters: str = DEFAULT_FILTERS, lower: bool = True,
            split: str = " ", analyzer=None) -> list:
    """Keras's ``one_hot``: despite its name, :func:`hashing_trick` with Python's ``hash``.

    It returns one integer per word, not one-hot vectors; the numbers differ between Python
    processes unless ``PYTHONHASHSEED`` is fixed.
    """
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split,
                         analyzer=analyzer)


# ----------------------------------------------------------------------------------------------
# Keras 2: Tokenizer
# ----------------------------------------------------------------------------------------------

class Tokenizer:
    """Listing 6.3: a vocabulary learned from texts, and texts turned into indices or rows.

    Parameters
    ----------
    num_words : int or None
        Keep only words whose index is below ``num_words`` when converting (the
        ``num_words - 1`` most frequent); ``None`` keeps all. ``word_index`` always has every word.
    filters : str
        Characters removed (replaced by ``split``) before splitting; Keras's default.
    lower : bool
        Lower-case the texts first.
    split : str
        The word separator.
    char_level : bool
        Every character is a token (filters are not applied, as in Keras).
    oov_token : str or None
        When given, it gets index 1, and unknown (or beyond ``num_words``) words become it
        instead of being dropped.

    Attributes (after :meth:`fit_on_texts`)
    ---------------------------------------
    word_counts : OrderedDict word -> number of occurrences, in order of first appearance
    word_docs : dict word -> number of texts it occurs in
    word_index : dict word -> index (1 = most frequent); ``index_word`` is its inverse
    index_docs : dict index -> number of texts (used by ``mode='tfidf'``)
    document_count : number of texts seen
    """

    def __init__(self, num_words=None, filters: str = DEFAULT_FILTERS, lower: bool = True,
                 split: str = " ", char_level: bool = False, oov_token=None, analyzer=None,
                 document_count: int = 0):
        num_words = validate.positive_int("Tokenizer()", "num_words", num_words, allow_none=True)
        if not isinstance(filters, str):
            raise TypeError(f"Tokenizer(filters): expected a str, got {type(filters).__name__}")
        if not isinstance(split, str) or not split:
            raise ValueError(f"Tokenizer(split): expected a non-empty str, got {split!r}")
        if oov_token is not None and not isinstance(oov_token, str):
            raise TypeError(f"Tokenizer(oov_token): expected None or a str, got {oov_token!r}")
        self.num_words = None if num_words is None else int(num_words)
        self.filters = filters
        self.lower = bool(lower)
        self.split = split
        self.char_level = bool(char_level)
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.document_count = int(document_count)
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    # -- splitting one text into tokens ---------------------------------------------------------
    def _tokens(self, text) -> list:
        """One text as tokens: characters (``char_level`` or a token list), or words."""
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower,
                                     split=self.split)

    # -- learning the vocabulary ----------------------------------------------------------------
    def fit_on_texts(self, texts) -> None:
        """Count words over ``texts`` and (re)number them by frequency.

        Calling it again adds to the counts and renumbers everything.
        """
        texts = _check_texts(texts, "Tokenizer.fit_on_texts", allow_token_lists=True)
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for w in tokens:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(tokens):
                self.word_docs[w] += 1
        # Most frequent first; sorted() is stable, so ties stay in order of first appearance.
        by_count = sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token])
        vocabulary += [w for w, _ in by_count]
        # Index 0 is reserved (padding). dict(zip(...)) as Keras: if the OOV token also occurs as
        # a word, its later (frequency) index wins.
        self.word_index = dict(zip(vocabulary, range(1, len(vocabulary) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences) -> None:
        """Count, for ``mode='tfidf'``, how many sequences hold each index (no words needed)."""
        sequences = [_check_index_sequence(s, i, "Tokenizer.fit_on_sequences")
                     for i, s in enumerate(sequences)]
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    # -- texts <-> sequences ----------------------------------------------------------------------
    def texts_to_sequences(self, texts) -> list:
        """Each text as a list of word indices (unknown words dropped, or ``oov_token``)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """:meth:`texts_to_sequences` one text at a time."""
        texts = _check_texts(texts, "Tokenizer.texts_to_sequences", allow_token_lists=True)
        oov_index = self.word_index.get(self.oov_token)
        for text in texts:
            sequence = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None and not (self.num_words and i >= self.num_words):
                    sequence.append(i)
                elif self.oov_token is not None:
                    sequence.append(oov_index)
            yield sequence

    def sequences_to_texts(self, sequences) -> list:
        """Each sequence of indices back to a text: its words joined by spaces."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """:meth:`sequences_to_texts` one sequence at a time."""
        oov_index = self.word_index.get(self.oov_token)
        for k, seq in enumerate(sequences):
            seq = _check_index_sequence(seq, k, "Tokenizer.sequences_to_texts")
            words = []
            for i in seq:
                word = self.index_word.get(i)
                if word is not None and not (self.num_words and i >= self.num_words):
                    words.append(word)
                elif self.oov_token is not None:
                    words.append(self.index_word[oov_index])
            yield " ".join(words)

    # -- texts -> matrix (one row per text) -------------------------------------------------------
    def texts_to_matrix(self, texts, mode: str = "binary") -> np.ndarray:
        """Listing 6.3's ``texts_to_matrix``: one row of width ``num_words`` per text."""
        self._check_mode(mode)
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    @staticmethod
    def _check_mode(mode):
        if mode not in MATRIX_MODES:
            raise ValueError(f"Tokenizer: mode must be one of {MATRIX_MODES}, got {mode!r}")

    def sequences_to_matrix(self, sequences, mode: str = "binary") -> np.ndarray:
        """Rows of width ``num_words`` (or ``len(word_index) + 1``), float64 as in Keras.

        For a word index ``j`` occurring ``c`` times in a sequence of length ``L``:

        - ``binary``: 1
        - ``count``:  c
        - ``freq``:   c / L
        - ``tfidf``:  (1 + ln c) · ln(1 + N / (1 + d_j)), with N texts fitted and d_j of them
          holding word j (Keras's weighting; the column for index 0 stays 0)

        Indices ``>= num_words`` are ignored.
        """
        self._check_mode(mode)
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer.sequences_to_matrix: give num_words, or fit on texts first "
                             "(the matrix width is unknown)")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer.sequences_to_matrix(mode='tfidf'): fit the Tokenizer on "
                             "some texts first (the document frequencies are unknown)")
        sequences = [_check_index_sequence(s, i, "Tokenizer.sequences_to_matrix")
                     for i, s in enumerate(sequences)]
        x = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            if not seq:
                continue
            counts = defaultdict(int)
            for j in seq:
                if j < width:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "binary":
                    x[row, j] = 1
                elif mode == "count":
                    x[row, j] = c
                elif mode == "freq":
                    x[row, j] = c / len(seq)
                else:  # tfidf
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[row, j] = tf * idf
        return x

    # -- JSON state (Keras's format: tokenizer_from_json reads Keras's files and ours) ------------
    def get_config(self) -> dict:
        """The state as Keras stores it: counts and indices as JSON *strings* inside the dict."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs) -> str:
        """``{"class_name": "Tokenizer", "config": get_config()}`` as a JSON string."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)

    def save(self, path) -> None:
        """Write :meth:`to_json` to ``path`` atomically (UTF-8). A custom ``analyzer`` is code and
        is not saved: give it again after :meth:`load`."""
        atomic_write(path, self.to_json().encode("utf-8"))

    @classmethod
    def load(cls, path) -> "Tokenizer":
        """Read a file written by :meth:`save` (or Keras's ``to_json``); no pickle, bounded size."""
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Tokenizer.load: no such file: {path!r}")
        size = os.path.getsize(path)
        if size > MAX_TOKENIZER_FILE_BYTES:
            raise PersistenceError(f"Tokenizer.load: {path!r} has {size} bytes, more than the "
                                   f"{MAX_TOKENIZER_FILE_BYTES} a tokenizer file may have")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_TOKENIZER_FILE_BYTES + 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PersistenceError(f"Tokenizer.load: {path!r} is not UTF-8 text ({exc})") from None
        return tokenizer_from_json(text, source=path)


def tokenizer_from_json(json_string: str, *, source: str = "json_string") -> Tokenizer:
    """Rebuild a :class:`Tokenizer` from :meth:`Tokenizer.to_json` (Keras's format too).

    Every field is checked before the tokenizer is built: a malformed or truncated string raises
    :class:`~pynet.persistence.PersistenceError` naming the field.
    """
    def bad(why):
        return PersistenceError(f"tokenizer_from_json ({source}): {why}")

    try:
        outer = json.loads(json_string)
    except (json.JSONDecodeError, TypeError) as exc:
        raise bad(f"not valid JSON ({exc}); the file may be truncated") from None
    if not isinstance(outer, dict) or not isinstance(outer.get("config"), dict):
        raise bad('expected {"class_name": "Tokenizer", "config": {...}}')
    config = dict(outer["config"])

    def inner(name, key_type, value_type):
        raw = config.pop(name, "{}")
        try:
            table = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            raise bad(f"field {name!r} is not valid JSON ({exc})") from None
        if not isinstance(table, dict):
            raise bad(f"field {name!r} should be a JSON object, got {type(table).__name__}")
        out = {}
        for k, v in table.items():
            try:
                key = int(k) if key_type is int else k
            except ValueError:
                raise bad(f"field {name!r} has key {k!r}, expected an integer") from None
            if not isinstance(v, value_type) or isinstance(v, bool):
                raise bad(f"field {name!r}[{k!r}] is {v!r}, expected {value_type.__name__}")
            out[key] = v
        return out

    word_counts = inner("word_counts", str, int)
    word_docs = inner("word_docs", str, int)
    index_docs = inner("index_docs", int, int)
    index_word = inner("index_word", int, str)
    word_index = inner("word_index", str, int)
    known = {"num_words", "filters", "lower", "split", "char_level", "oov_token", "document_count"}
    unknown = sorted(set(config) - known)
    if unknown:
        raise bad(f"unknown config fields {unknown}")
    try:
        tokenizer = Tokenizer(**config)
    except (TypeError, ValueError) as exc:
        raise bad(str(exc)) from None
    tokenizer.word_counts = OrderedDict(word_counts)
    tokenizer.word_docs = defaultdict(int, word_docs)
    tokenizer.index_docs = defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer


def _check_index_sequence(seq, k: int, where: str) -> list:
    """A sequence of word indices as a list of Python ints; anything else is refused."""
    if isinstance(seq, (str, bytes)):
        raise TypeError(f"{where}: sequences[{k}] is a {type(seq).__name__}; expected integers")
    out = []
    for v in seq:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{where}: sequences[{k}] holds {v!r} ({type(v).__name__}); "
                            "expected integer word indices")
        if v < 0:
            raise ValueError(f"{where}: sequences[{k}] holds {v}; word indices are >= 0")
        out.append(int(v))
    return out


# ----------------------------------------------------------------------------------------------
# The book's listings, written out
# ----------------------------------------------------------------------------------------------

def bag_of_ngrams(tokens, n: int) -> set:
    """Every run of 1 to ``n`` consecutive tokens, joined by spaces: §6.1's "bag of n-grams".

    ``bag_of_ngrams("The cat sat on the mat".split(), 2)`` is the book's bag of bigrams:
    ``{"The", "The cat", "cat", "cat sat", ..., "the mat", "mat"}`` (a set: order is lost).
    """
    n = validate.positive_int("bag_of_ngrams()", "n", n)
    tokens = list(tokens)
    return {" ".join(tokens[start:start + size])
            for size in range(1, n + 1)
            for start in range(len(tokens) - size + 1)}


def one_hot_words(samples, max_length: int = 10):
    """Listing 6.1: word-level one-hot encoding, the long way.

    Words are what ``str.split`` gives (punctuation stays attached: ``"mat."``). Each new word
    gets the next index, starting at 1. Only the first ``max_length`` words of each sample count.

    Returns
    -------
    results : ndarray, shape ``(len(samples), max_length, max_index + 1)``
        ``results[i, j, token_index[word]] = 1`` for the ``j``-th word of sample ``i``.
    token_index : dict word -> index
    """
    samples = _check_texts(samples, "one_hot_words(samples)")
    token_index = {}
    for sample in samples:
        for word in sample.split():
            if word not in token_index:
                token_index[word] = len(token_index) + 1
    results = np.zeros((len(samples), max_length, max(token_index.values(), default=0) + 1))
    for i, sample in enumerate(samples):
        for j, word in list(enumerate(sample.split()))[:max_length]:
            results[i, j, token_index[word]] = 1.0
    return results, token_index


def one_hot_characters(samples, max_length: int = 50, characters: str = string.printable):
    """Listing 6.2: character-level one-hot encoding over the printable ASCII characters.

    ``token_index`` maps each of ``characters`` to 1, 2, ...; the array's last axis has
    ``max(token_index.values()) + 1`` entries (the book prints ``keys()``, which fails: the keys
    are characters). A character outside ``characters`` raises, naming it.
    """
    samples = _check_texts(samples, "one_hot_characters(samples)")
    token_index = dict(zip(characters, range(1, len(characters) + 1)))
    results = np.zeros((len(samples), max_length, max(token_index.values(), default=0) + 1))
    for i, sample in enumerate(samples):
        for j, character in enumerate(sample[:max_length]):
            if character not in token_index:
                raise ValueError(f"one_hot_characters: samples[{i}][{j}] is {character!r}, "
                                 "which is not in characters")
            results[i, j, token_index[character]] = 1.0
    return results


def one_hot_hashed_words(samples, dimensionality: int = 1000, max_length: int = 10,
                         hash_function="md5"):
    """Listing 6.4: the one-hot hashing trick: word -> ``abs(hash(word)) % dimensionality``.

    No word index is kept, so unseen words cost nothing; two words may share a column. The book
    uses Python's ``hash`` (``hash_function=None`` here), whose values change between runs; the
    default ``"md5"`` gives the same columns everywhere.

    Returns an array ``(len(samples), max_length, dimensionality)``.
    """
    samples = _check_texts(samples, "one_hot_hashed_words(samples)")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5_hash
    results = np.zeros((len(samples), max_length, dimensionality))
    for i, sample in enumerate(samples):
        for j, word in list(enumerate(sample.split()))[:max_length]:
            results[i, j, abs(hash_function(word)) % dimensionality] = 1.0
    return results
