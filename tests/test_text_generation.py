"""Chollet §8.1's pipeline, step by step: windows, one-hot arrays, temperature, sampling, generation."""
from __future__ import annotations

import math

import numpy as np
import pytest

from pynet import text_generation as tg


# -- listing 8.3: windows and one-hot arrays --------------------------------------------------------

def test_windows_every_step_characters_and_the_next_one():
    # "abcdefgh", maxlen 3, step 2: starts 0, 2, 4 (range(0, 8 - 3, 2)); 6 would leave no target
    sentences, next_chars = tg.cut_sequences("abcdefgh", maxlen=3, step=2)
    assert sentences == ["abc", "cde", "efg"]
    assert next_chars == ["d", "f", "h"]


def test_number_of_windows_is_ceil_of_remaining_over_step():
    text = "x" * 1000
    for maxlen, step in [(60, 3), (7, 1), (10, 7)]:
        assert len(tg.cut_sequences(text, maxlen, step)[0]) == math.ceil((1000 - maxlen) / step)


def test_vocabulary_is_sorted_and_numbered():
    chars, index = tg.char_vocabulary("hello, world")
    assert chars == [" ", ",", "d", "e", "h", "l", "o", "r", "w"]
    assert index["h"] == 4 and all(index[c] == i for i, c in enumerate(chars))


def test_one_hot_arrays_by_hand():
    chars, index = tg.char_vocabulary("abc")
    x, y = tg.vectorize(["ab", "ca"], ["c", "b"], index)
    assert x.dtype == bool and y.dtype == bool
    assert x.shape == (2, 2, 3) and y.shape == (2, 3)
    assert x[0].astype(int).tolist() == [[1, 0, 0], [0, 1, 0]]     # "a", "b"
    assert x[1].astype(int).tolist() == [[0, 0, 1], [1, 0, 0]]     # "c", "a"
    assert y.astype(int).tolist() == [[0, 0, 1], [0, 1, 0]]        # "c", "b"


def test_batches_cover_every_window_once_per_pass_in_float32():
    text = "the quick brown fox jumps over the lazy dog"
    chars, index = tg.char_vocabulary(text)
    sentences, next_chars = tg.cut_sequences(text, 5, 2)
    x_all, y_all = tg.vectorize(sentences, next_chars, index)
    gen = tg.batches(sentences, next_chars, index, batch_size=4, seed=0)
    xs, ys = zip(*[next(gen) for _ in range(math.ceil(len(sentences) / 4))])
    assert len(sentences) == 19 and xs[0].dtype == np.float32
    assert [len(b) for b in xs] == [4, 4, 4, 4, 3]              # the last batch is short
    got = sorted(map(bytes, np.concatenate(xs).astype(bool).reshape(len(sentences), -1)))
    assert got == sorted(map(bytes, x_all.reshape(len(sentences), -1)))
    assert np.concatenate(ys).sum(axis=0).tolist() == y_all.sum(axis=0).tolist()


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.cut_sequences(b"bytes"), TypeError, "expected a str"),
    (lambda: tg.cut_sequences("abc", maxlen=0), ValueError, "'maxlen' must be a positive integer, got 0"),
    (lambda: tg.cut_sequences("abc", step=-1), ValueError, "'step' must be a positive integer, got -1"),
    (lambda: tg.cut_sequences("abc", maxlen=3), ValueError, "need at least 4"),
    (lambda: tg.char_vocabulary(""), ValueError, "empty"),
    (lambda: tg.vectorize(["ab"], ["c"], {"a": 0, "b": 1}), ValueError, "'c' is not in char_indices"),
    (lambda: tg.vectorize(["ab", "abc"], ["a", "b"], {"a": 0, "b": 1}), ValueError,
     r"sentences\[1\] has 3 characters"),
    (lambda: tg.vectorize(["ab"], ["a", "b"], {"a": 0, "b": 1}), ValueError, "1 sentences but 2"),
    (lambda: tg.vectorize(["ab"], ["ab"], {"a": 0, "b": 1}), ValueError, "one character"),
    (lambda: tg.vectorize(["ab"], ["a"], {"a": 0, "b": 5}), ValueError, "number the characters"),
    (lambda: tg.batches(["ab"], ["a"], {"a": 0, "b": 1}, batch_size=0), ValueError, "batch_size"),
])
def test_bad_inputs_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_vectorize_refuses_before_allocating_too_much():
    index = {"a": 0, "b": 1}
    with pytest.raises(MemoryError, match=r"12 bytes .* max_bytes=11; .*batches"):
        tg.vectorize(["ab", "ba", "aa"], ["a", "b", "a"], index, max_bytes=11)   # 3·2·2 = 12
    assert tg.vectorize(["ab", "ba", "aa"], ["a", "b", "a"], index, max_bytes=12)[0].nbytes == 12


# -- listings 8.1 and 8.6: temperature and sampling --------------------------------------------------

def test_temperature_one_changes_nothing_and_low_temperature_sharpens():
    p = np.array([0.5, 0.3, 0.2])
    assert np.allclose(tg.reweight_distribution(p, 1.0), p)
    # T = 0.5 squares the probabilities: 0.25, 0.09, 0.04 over 0.38
    assert np.allclose(tg.reweight_distribution(p, 0.5), np.array([0.25, 0.09, 0.04]) / 0.38)
    # T = 2 takes square roots: flatter
    q = tg.reweight_distribution(p, 2.0)
    assert np.allclose(q, np.sqrt(p) / np.sqrt(p).sum()) and q.max() < p.max()


def test_tiny_temperature_is_greedy_without_underflow():
    p = np.full(100, 0.009)
    p[42] = 1 - 0.009 * 99
    q = tg.reweight_distribution(p, 0.001)     # the book's exp(log p / T) would be 0/0 here
    assert q[42] == 1.0 and np.isfinite(q).all()


def test_zero_probability_is_never_drawn_and_seed_repeats():
    p = [0.0, 0.7, 0.3]
    draws = [tg.sample(p, 1.2, rng=np.random.default_rng(s)) for s in range(200)]
    assert 0 not in draws and set(draws) == {1, 2}
    assert draws == [tg.sample(p, 1.2, seed=s) for s in range(200)]


def test_sample_frequencies_follow_the_reweighted_distribution():
    rng = np.random.default_rng(0)
    p = [0.6, 0.3, 0.1]
    draws = np.bincount([tg.sample(p, 0.5, rng) for _ in range(4000)], minlength=3) / 4000
    q = np.array([0.36, 0.09, 0.01]) / 0.46                        # p² normalised
    assert np.abs(draws - q).max() < 0.03


@pytest.mark.parametrize("preds, temperature, message", [
    ([0.5, 0.5], 0, "temperature must be a finite number > 0, got 0"),
    ([0.5, 0.5], -1.0, "temperature"),
    ([0.5, 0.5], float("nan"), "temperature"),
    ([0.5, 0.5], "hot", "temperature"),
    ([0.5, 0.6], 1.0, "sum to 1 .* sum to 1.1"),
    ([1.5, -0.5], 1.0, ">= 0"),
    ([0.5, float("nan")], 1.0, "finite"),
    ([[0.5, 0.5]], 1.0, "1-D"),
    ([], 1.0, "1-D"),
])
def test_sample_refuses_bad_inputs(preds, temperature, message):
    with pytest.raises(ValueError, match=message):
        tg.sample(preds, temperature, seed=0)


def test_sample_wants_a_generator():
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        tg.sample([1.0], 1.0, rng=np.random.RandomState(0))


# -- listing 8.7: generation --------------------------------------------------------------------------

class NextLetter:
    """A fake model: after the window's last character it puts all its mass on the next letter
    of "abcd" (cyclically) — so generation from "xab" at any temperature must write "cdab..."."""

    def __init__(self, chars):
        self.chars = chars
        self.seen = []

    def predict(self, x, verbose=0):
        self.seen.append(x.copy())
        last = self.chars[int(np.argmax(x[0, -1]))]
        out = np.zeros((1, len(self.chars)), np.float32)
        out[0, self.chars.index("abcd"[("abcd".index(last) + 1) % 4] if last in "abcd" else "a")] = 1
        return out


def test_generate_slides_the_window_and_returns_only_new_text():
    chars, index = tg.char_vocabulary("abcdx")
    model = NextLetter(chars)
    assert tg.generate(model, "xxab", 6, 0.5, index, maxlen=3, seed=1) == "cdabcd"
    first, second = model.seen[0][0], model.seen[1][0]
    assert first.shape == (3, 5)
    assert [chars[i] for i in first.argmax(axis=1)] == list("xab")     # the last maxlen of the seed
    assert [chars[i] for i in second.argmax(axis=1)] == list("abc")    # slid by the sampled "c"
    assert tg.generate(model, "xxab", 0, 1.0, index, maxlen=3) == ""


def test_generate_is_repeatable_with_a_seed():
    class Uniform:
        def predict(self, x, verbose=0):
            return np.full((1, 5), 0.2, np.float32)
    chars, index = tg.char_vocabulary("abcdx")
    a = tg.generate(Uniform(), "abc", 50, 1.0, index, maxlen=3, seed=7)
    assert a == tg.generate(Uniform(), "abc", 50, 1.0, index, maxlen=3, seed=7)
    assert len(set(a)) > 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(seed_text="ab"), "seed_text has 2 characters; .* maxlen=3"),
    (dict(seed_text="abz"), "'z' is not in char_indices"),
    (dict(length=-1), "'length' must be a non-negative integer, got -1"),
    (dict(temperature=0.0), "temperature"),
])
def test_generate_refuses_bad_inputs(kwargs, message):
    chars, index = tg.char_vocabulary("abcdx")
    args = dict(seed_text="abc", length=5, temperature=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        tg.generate(NextLetter(chars), args["seed_text"], args["length"], args["temperature"],
                    index, maxlen=3)


# -- the baselines a language model must beat ----------------------------------------------------------

def test_unigram_baseline_by_hand():
    # "aab ": frequencies 1/2, 1/4, 1/4 -> H = 0.5 ln 2 + 2 · 0.25 ln 4 = 1.5 ln 2 nats
    entropy, accuracy, char = tg.unigram_baseline("aab ")
    assert entropy == pytest.approx(1.5 * math.log(2))
    assert accuracy == 0.5 and char == "a"
    with pytest.raises(ValueError, match="empty"):
        tg.unigram_baseline([])


# -- with a real pynet model ---------------------------------------------------------------------------

def _tiny_model(n_chars, maxlen):
    from pynet.layers import LSTM, Dense
    from pynet.optimizers import RMSprop
    from pynet.sequential import Sequential
    from pynet.utils import set_seed

    set_seed(3)
    net = Sequential([LSTM(8, input_shape=(maxlen, n_chars)), Dense(n_chars, activation="softmax")])
    net.compile(loss="categorical_crossentropy", optimizer=RMSprop(learning_rate=0.01))
    return net


def test_training_from_batches_equals_training_from_the_whole_array():
    """The full lesson feeds one-hot batches from a generator; unshuffled, that is the same
    training as fit(x, y) on the book's whole array, update for update."""
    text = "the cat sat on the mat and the dog sat on the log " * 4
    chars, index = tg.char_vocabulary(text)
    sentences, next_chars = tg.cut_sequences(text, 10, 3)
    x, y = tg.vectorize(sentences, next_chars, index)
    a, b = _tiny_model(len(chars), 10), _tiny_model(len(chars), 10)
    a.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    steps = math.ceil(len(sentences) / 16)
    b.fit(tg.batches(sentences, next_chars, index, 16, shuffle=False), steps_per_epoch=steps,
          epochs=2, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


def test_generate_with_a_pynet_model_uses_only_known_characters():
    chars, index = tg.char_vocabulary("abc ")
    net = _tiny_model(len(chars), 5)
    out = tg.generate(net, "abc a", 30, 1.0, index, maxlen=5, seed=0)
    assert len(out) == 30 and set(out) <= set(chars)
    assert out == tg.generate(net, "abc a", 30, 1.0, index, maxlen=5, seed=0)
