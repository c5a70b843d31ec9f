"""Character-level text generation (Chollet §8.1): cut, vectorise, sample with a temperature, generate.

A *language model* predicts the next character from the ones before it. Chollet's pipeline, one
function per step::

    chars, char_indices = char_vocabulary(text)              # sorted unique characters
    sentences, next_chars = cut_sequences(text, maxlen=60, step=3)
    x, y = vectorize(sentences, next_chars, char_indices)   # one-hot, bool
    # x: (n, 60, len(chars)); y: (n, len(chars))  -> LSTM(128) -> Dense(len(chars), softmax)
    next_index = sample(model.predict(x[:1])[0], temperature=0.5, rng=rng)
    new_text = generate(model, seed_text, 400, 0.5, char_indices, rng=rng)

Sampling with a temperature (listings 8.1 and 8.6)
--------------------------------------------------
Greedy decoding (always the most likely character) repeats itself. Sampling from the softmax
output ``p`` is better, and the *temperature* ``T`` sets how adventurous it is: the reweighted
distribution is ``q_i = p_i^(1/T) / Σ_j p_j^(1/T)`` — computed as ``exp(log p_i / T)``,
normalised. ``T = 1`` leaves ``p`` as it is; ``T → 0`` tends to greedy decoding (all mass on the
most likely character); ``T > 1`` flattens ``p`` toward uniform. The book's code divides
``exp(log p / T)`` by its sum directly; we subtract the largest ``log p / T`` first, which changes
nothing mathematically but keeps a small ``T`` (0.01) from underflowing every entry to 0.

Randomness comes from a ``numpy.random.Generator`` (``rng=`` or ``seed=``), so a seed gives the
same text every time. Characters with probability 0 are never drawn.

Memory
------
``vectorize`` builds the book's whole one-hot array, ``n · maxlen · len(chars)`` bytes for ``x``
(the book's Nietzsche: 200,278 · 60 · 57 ≈ 685 MB). It refuses more than ``max_bytes`` (default
:data:`MAX_ONE_HOT_BYTES`) and points at :func:`batches`, which one-hot encodes one batch at a
time for ``fit(generator, steps_per_epoch=...)``.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from pynet import _validate as validate

__all__ = ["char_vocabulary", "cut_sequences", "vectorize", "batches", "reweight_distribution",
           "sample", "generate", "unigram_baseline", "MAX_ONE_HOT_BYTES"]

#: vectorize() refuses to allocate more than this for x (1 GiB).
MAX_ONE_HOT_BYTES = 1 << 30
#: How far a distribution's sum may stray from 1 (softmax outputs in float32 sum to 1 ± 1e-6).
SUM_TOLERANCE = 1e-3


def _check_text(text, where: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{where}: expected a str, got {type(text).__name__}")


def _check_index(char_indices, where: str) -> dict:
    if not isinstance(char_indices, dict) or not char_indices:
        raise TypeError(f"{where}: char_indices must be a non-empty dict char -> index (from "
                        f"char_vocabulary), got {type(char_indices).__name__}")
    values = sorted(char_indices.values())
    if values != list(range(len(values))):
        raise ValueError(f"{where}: char_indices must number the characters 0..{len(values) - 1}, "
                         "each once")
    return char_indices


def _index_of(char_indices, char: str, where: str) -> int:
    try:
        return char_indices[char]
    except KeyError:
        raise ValueError(f"{where}: the character {char!r} is not in char_indices (the model "
                         "knows only the characters of its training text)") from None


# ----------------------------------------------------------------------------------------------
# Listing 8.3: the corpus as (sequence, next character) pairs, one-hot encoded
# ----------------------------------------------------------------------------------------------

def char_vocabulary(text: str):
    """The sorted unique characters of ``text`` and the dict character -> position.

    Returns
    -------
    chars : list of str
    char_indices : dict, ``char_indices[chars[i]] == i``
    """
    _check_text(text, "char_vocabulary(text)")
    if not text:
        raise ValueError("char_vocabulary(text): the text is empty")
    chars = sorted(set(text))
    return chars, {c: i for i, c in enumerate(chars)}


def cut_sequences(text: str, maxlen: int = 60, step: int = 3):
    """Windows of ``maxlen`` characters starting every ``step`` characters, and the character
    after each.

    Window ``k`` is ``text[k·step : k·step + maxlen]`` and its target ``text[k·step + maxlen]``,
    for every start below ``len(text) - maxlen`` (the book's ``range(0, len(text) - maxlen,
    step)``), so there are ``ceil((len(text) - maxlen) / step)`` of them.
    """
    where = "cut_sequences"
    _check_text(text, f"{where}(text)")
    maxlen = validate.positive_int(where, "maxlen", maxlen)
    step = validate.positive_int(where, "step", step)
    if len(text) <= maxlen:
        raise ValueError(f"{where}: the text has {len(text)} characters; a window of maxlen="
                         f"{maxlen} and the character after it need at least {maxlen + 1}")
    starts = range(0, len(text) - maxlen, step)
    return [text[i:i + maxlen] for i in starts], [text[i + maxlen] for i in starts]


def _one_hot(sentences, next_chars, char_indices, where):
    n, maxlen = len(sentences), len(sentences[0])
    x = np.zeros((n, maxlen, len(char_indices)), dtype=bool)
    y = np.zeros((n, len(char_indices)), dtype=bool)
    for i, sentence in enumerate(sentences):
        if len(sentence) != maxlen:
            raise ValueError(f"{where}: sentences[{i}] has {len(sentence)} characters, "
                             f"sentences[0] has {maxlen}; all must be equally long")
        for t, char in enumerate(sentence):
            x[i, t, _index_of(char_indices, char, where)] = True
        y[i, _index_of(char_indices, next_chars[i], where)] = True
    return x, y


def _check_pairs(sentences, next_chars, where):
    if not isinstance(sentences, (list, tuple)) or not isinstance(next_chars, (list, tuple)):
        raise TypeError(f"{where}: sentences and next_chars must be lists of str (from "
                        "cut_sequences)")
    if len(sentences) != len(next_chars):
        raise ValueError(f"{where}: {len(sentences)} sentences but {len(next_chars)} next_chars")
    if not sentences:
        raise ValueError(f"{where}: no sentences")
    for name, items in (("sentences", sentences), ("next_chars", next_chars)):
        for i, s in enumerate(items):
            if not isinstance(s, str) or not s:
                raise TypeError(f"{where}: {name}[{i}] must be a non-empty str, got {s!r}")
    for i, c in enumerate(next_chars):
        if len(c) != 1:
            raise ValueError(f"{where}: next_chars[{i}] must be one character, got {c!r}")


def vectorize(sentences, next_chars, char_indices, max_bytes: int = MAX_ONE_HOT_BYTES):
    """One-hot ``x`` (n, maxlen, chars) and ``y`` (n, chars), both bool, as listing 8.3 builds them.

    ``x[i, t, char_indices[sentences[i][t]]]`` and ``y[i, char_indices[next_chars[i]]]`` are True,
    everything else False. Refuses (``MemoryError``, before allocating) when ``x`` would take
    more than ``max_bytes``; use :func:`batches` then.
    """
    where = "vectorize"
    _check_pairs(sentences, next_chars, where)
    char_indices = _check_index(char_indices, where)
    need = len(sentences) * len(sentences[0]) * len(char_indices)
    if need > max_bytes:
        raise MemoryError(f"{where}: x would take {need:,} bytes ({len(sentences):,} × "
                          f"{len(sentences[0])} × {len(char_indices)}), more than max_bytes="
                          f"{max_bytes:,}; cut the text, or train from batches(...) with "
                          "fit(generator, steps_per_epoch=...)")
    return _one_hot(sentences, next_chars, char_indices, where)


def batches(sentences, next_chars, char_indices, batch_size: int = 128, *, shuffle: bool = True,
            seed=None):
    """An endless generator of one-hot ``(x, y)`` batches (float32), reshuffled every pass.

    For ``model.fit(batches(...), steps_per_epoch=ceil(n / batch_size))`` when the whole
    one-hot array would not fit in memory. The last batch of a pass may be smaller.
    """
    where = "batches"
    _check_pairs(sentences, next_chars, where)
    char_indices = _check_index(char_indices, where)
    batch_size = validate.positive_int(where, "batch_size", batch_size)
    rng = np.random.default_rng(seed)
    n = len(sentences)

    def endless():
        while True:
            order = rng.permutation(n) if shuffle else np.arange(n)
            for s in range(0, n, batch_size):
                idx = order[s:s + batch_size]
                x, y = _one_hot([sentences[i] for i in idx], [next_chars[i] for i in idx],
                                char_indices, where)
                yield x.astype(np.float32), y.astype(np.float32)
    return endless()


# ----------------------------------------------------------------------------------------------
# Listings 8.1 and 8.6: reweighting by temperature, sampling
# ----------------------------------------------------------------------------------------------

def _check_temperature(temperature, where: str) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)) \
            or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"{where}: temperature must be a finite number > 0, got {temperature!r}")
    return float(temperature)


def _check_distribution(preds, where: str) -> np.ndarray:
    p = np.asarray(preds, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"{where}: preds must be a 1-D array of probabilities, got shape "
                         f"{p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{where}: preds must be finite (a softmax output), got "
                         f"{int((~np.isfinite(p)).sum())} NaN/inf value(s)")
    if np.any(p < 0):
        raise ValueError(f"{where}: preds must be >= 0 (a softmax output), got min {p.min():.6g}")
    total = float(p.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"{where}: preds must sum to 1 (a probability distribution), they sum "
                         f"to {total:.6g}")
    return p


def reweight_distribution(preds, temperature: float = 0.5) -> np.ndarray:
    """Listing 8.1: ``q_i = exp(log p_i / T) / Σ_j exp(log p_j / T)`` (float64, sums to 1)."""
    where = "reweight_distribution"
    temperature = _check_temperature(temperature, where)
    p = _check_distribution(preds, where)
    with np.errstate(divide="ignore"):  # log 0 = -inf: that character keeps probability 0
        logits = np.log(p) / temperature
    logits -= logits.max()  # exp(0) = 1 for the likeliest character: no underflow to all zeros
    q = np.exp(logits)
    return q / q.sum()


def sample(preds, temperature: float = 1.0, rng=None, *, seed=None) -> int:
    """Listing 8.6: the index of one character drawn from ``preds`` reweighted by ``temperature``.

    ``rng`` is a ``numpy.random.Generator`` (or give ``seed``); as in the book, one multinomial
    draw of a single trial, and the index of the category that came up.
    """
    q = reweight_distribution(preds, temperature)
    if rng is None:
        rng = np.random.default_rng(seed)
    elif not isinstance(rng, np.random.Generator):
        raise TypeError(f"sample: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return int(np.argmax(rng.multinomial(1, q)))


# ----------------------------------------------------------------------------------------------
# Listing 8.7's inner loop: generating text
# ----------------------------------------------------------------------------------------------

def generate(model, seed_text: str, length: int, temperature: float, char_indices: dict, *,
             maxlen: int = 60, rng=None, seed=None) -> str:
    """``length`` new characters, each sampled from the model's prediction for the last
    ``maxlen`` characters written so far (the seed, then what was generated).

    Parameters
    ----------
    model : a trained model mapping one-hot ``(1, maxlen, len(char_indices))`` to a softmax over
        the characters
    seed_text : str with at least ``maxlen`` characters, all in ``char_indices``
    length : int >= 0, characters to generate
    temperature : float > 0, see :func:`sample`
    char_indices : dict char -> index (from :func:`char_vocabulary`)
    rng / seed : a ``numpy.random.Generator`` or a seed for one

    Returns
    -------
    str : the generated characters only (``seed_text`` is not repeated)
    """
    where = "generate"
    _check_text(seed_text, f"{where}(seed_text)")
    length = validate.nonnegative_int(where, "length", length)
    temperature = _check_temperature(temperature, where)
    char_indices = _check_index(char_indices, where)
    maxlen = validate.positive_int(where, "maxlen", maxlen)
    if len(seed_text) < maxlen:
        raise ValueError(f"{where}: seed_text has {len(seed_text)} characters; the model reads "
                         f"windows of maxlen={maxlen}")
    for char in set(seed_text):
        _index_of(char_indices, char, f"{where}(seed_text)")
    if rng is None:
        rng = np.random.default_rng(seed)
    chars = sorted(char_indices, key=char_indices.get)
    window = seed_text[-maxlen:]
    out = []
    x = np.zeros((1, maxlen, len(chars)), dtype=np.float32)
    for _ in range(int(length)):
        x[:] = 0.0
        for t, char in enumerate(window):
            x[0, t, char_indices[char]] = 1.0
        preds = np.asarray(model.predict(x, verbose=0))[0]
        next_char = chars[sample(preds, temperature, rng)]
        out.append(next_char)
        window = window[1:] + next_char
    return "".join(out)


# ----------------------------------------------------------------------------------------------
# What a model must beat
# ----------------------------------------------------------------------------------------------

def unigram_baseline(next_chars):
    """The two scores of a model that ignores the context and knows only character frequencies.

    Returns
    -------
    entropy : float
        ``H = −Σ_c f_c log f_c`` in nats, ``f_c`` the frequency of ``c`` among ``next_chars``:
        the cross-entropy of predicting ``f`` every time. A language model's loss must go below it.
    accuracy : float
        The share of the most frequent character (usually the space): the accuracy of always
        guessing it.
    most_frequent : str
    """
    if isinstance(next_chars, str):
        next_chars = list(next_chars)
    if not next_chars:
        raise ValueError("unigram_baseline: next_chars is empty")
    counts = Counter(next_chars)
    n = len(next_chars)
    f = np.array(list(counts.values()), dtype=np.float64) / n
    char, top = counts.most_common(1)[0]
    return float(-(f * np.log(f)).sum()), top / n, char
