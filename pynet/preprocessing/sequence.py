"""Sequences of word indices: padding to one length, and word2vec's skip-gram pairs (Keras 2).

``pad_sequences`` is the one every text lesson uses: an Embedding layer needs a rectangular
``(samples, maxlen)`` array, but texts have different lengths. Keras's defaults surprise people,
so here they are in words:

* ``padding='pre'``: a short sequence gets zeros *in front* — the words end at the right edge,
  next to where a recurrent layer reads last;
* ``truncating='pre'``: a long sequence loses its *beginning* — ``maxlen=20`` keeps the **last**
  20 words, not the first 20 (Chollet's prose says "the first 20 words"; the code keeps the last);
* ``dtype='int32'``, ``value=0``: index 0 is the padding the Tokenizer never gives a word.

``make_sampling_table`` and ``skipgrams`` build word2vec training pairs, as Keras 2 did.
"""
from __future__ import annotations

import random

import numpy as np
from pynet import _validate as validate

__all__ = ["pad_sequences", "make_sampling_table", "skipgrams"]

_SIDES = ("pre", "post")


def _check_side(name, value):
    if value not in _SIDES:
        raise ValueError(f"pad_sequences({name}): expected 'pre' or 'post', got {value!r}")


def _as_values(s, idx: int, dtype: np.dtype) -> np.ndarray:
    """One (already truncated) sequence as an array of ``dtype``, refusing lossy conversions."""
    try:
        arr = np.asarray(s)
    except ValueError as exc:  # ragged inner items
        raise ValueError(f"pad_sequences: sequences[{idx}] is not rectangular ({exc})") from None
    if dtype.kind in "iu":
        if arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
                bad = arr[~(np.isfinite(arr) & (arr == np.round(arr)))].ravel()[0].item()
                raise ValueError(f"pad_sequences: sequences[{idx}] holds {bad!r}, which is not a "
                                 f"whole number; dtype={dtype.name} needs integers (pass "
                                 "dtype='float32' to pad real values)")
        elif arr.dtype.kind not in "biu" and arr.size:
            raise ValueError(f"pad_sequences: sequences[{idx}] holds {arr.dtype} values "
                             f"({arr.ravel()[0].item()!r}); dtype={dtype.name} needs integers")
        if arr.size:
            info = np.iinfo(dtype)
            lo, hi = arr.min(), arr.max()
            if lo < info.min or hi > info.max:
                raise ValueError(f"pad_sequences: sequences[{idx}] holds {(hi if hi > info.max else lo).item()}"
                                 f", outside the range of dtype={dtype.name}")
    elif dtype.kind == "f" and arr.dtype.kind not in "biuf" and arr.size:
        raise ValueError(f"pad_sequences: sequences[{idx}] holds {arr.dtype} values "
                         f"({arr.ravel()[0].item()!r}); dtype={dtype.name} needs numbers")
    return arr.astype(dtype, copy=False)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0) -> np.ndarray:
    """Make a list of sequences one ``(len(sequences), maxlen)`` array, Keras's way.

    Parameters
    ----------
    sequences : list (or array) of sequences
        Each a list/array of integers — or of equal-shaped items (vectors), which gives an array
        ``(len(sequences), maxlen) + item_shape``.
    maxlen : int >= 1 or None
        Length of the result; ``None`` is the longest sequence's length.
    dtype : dtype
        Of the result (``'int32'``). Integer dtypes refuse non-integer values instead of
        truncating them silently; use ``object`` or a string dtype to pad strings.
    padding, truncating : 'pre' or 'post'
        Where to add ``value``s to short sequences, and where to cut long ones.
    value : number or str
        The padding value.

    Examples
    --------
    >>> pad_sequences([[1, 2, 3], [4, 5], [6]], maxlen=2)
    array([[2, 3],
           [4, 5],
           [0, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__") or isinstance(sequences, (str, bytes)):
        raise ValueError(f"pad_sequences(sequences): expected a list of sequences, got "
                         f"{type(sequences).__name__}")
    maxlen = validate.positive_int("pad_sequences()", "maxlen", maxlen, allow_none=True)
    _check_side("padding", padding)
    _check_side("truncating", truncating)
    dtype = np.dtype(dtype)
    is_text_dtype = dtype.kind in "USO"
    if isinstance(value, str) and not is_text_dtype:
        raise ValueError(f"pad_sequences(value): {value!r} is a str but dtype is {dtype.name}; "
                         "pass dtype=object (or a str dtype) to pad with strings")

    # Lengths, and the shape of one item, taken from the first non-empty sequence.
    lengths, item_shape = [], None
    for idx, s in enumerate(sequences):
        if isinstance(s, (str, bytes)) and not is_text_dtype:
            raise ValueError(f"pad_sequences: sequences[{idx}] is a {type(s).__name__}; "
                             "expected a sequence of integers (tokenize texts first)")
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError(f"pad_sequences: sequences[{idx}] is {s!r:.40}, not a sequence") \
                from None
        if item_shape is None and len(s):
            item_shape = np.asarray(s[:1]).shape[1:]
    item_shape = item_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    maxlen = int(maxlen)

    x = np.full((len(sequences), maxlen) + tuple(item_shape), value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        kept = _as_values(kept, idx, dtype)
        if kept.shape[1:] != tuple(item_shape):
            raise ValueError(f"pad_sequences: sequences[{idx}] has items of shape {kept.shape[1:]}, "
                             f"but the first non-empty sequence's items have shape {item_shape}")
        if padding == "post":
            x[idx, :len(kept)] = kept
        else:
            x[idx, maxlen - len(kept):] = kept
    return x


def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """``p[i]``: the probability of keeping the ``i``-th most frequent word in :func:`skipgrams`.

    Word frequencies are assumed to follow Zipf's law, ``f(rank) ≈ 1 / (rank (ln rank + γ))``
    (γ ≈ 0.577), and word2vec's subsampling keeps a word with probability
    ``min(1, sqrt(sampling_factor / f))`` — frequent words ("the") are mostly skipped.
    """
    size = validate.positive_int("make_sampling_table()", "size", size)
    gamma = 0.577
    rank = np.arange(size, dtype=np.float64)
    rank[0] = 1
    inverse_frequency = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inverse_frequency
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size: int, window_size: int = 4, negative_samples: float = 1.0,
              shuffle: bool = True, categorical: bool = False, sampling_table=None, seed=None):
    """word2vec's training pairs: ``([word, context], 1)`` for words within ``window_size`` of
    each other, and ``([word, random word], 0)`` negatives (``negative_samples`` per positive).

    Index 0 (padding) is skipped. Uses its own ``random.Random(seed)``, so a seed gives the same
    pairs every time without touching Python's global random state (Keras reseeds the global
    generator; the pairs are drawn the same way but are not bit-identical to Keras's).

    Returns ``(couples, labels)``: lists of ``[wi, wj]`` and of ``1``/``0`` (or ``[0, 1]`` /
    ``[1, 0]`` when ``categorical``).
    """
    vocabulary_size = validate.integer("skipgrams()", "vocabulary_size", vocabulary_size, low=2)
    rnd = random.Random(seed)
    couples, labels = [], []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < rnd.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0 and couples:
        n_negative = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        rnd.shuffle(words)
        couples += [[words[i % len(words)], rnd.randint(1, vocabulary_size - 1)]
                    for i in range(n_negative)]
        labels += [[1, 0] if categorical else 0] * n_negative
    if shuffle:
        order = list(range(len(couples)))
        rnd.shuffle(order)
        couples = [couples[k] for k in order]
        labels = [labels[k] for k in order]
    return couples, labels
