# %% [markdown]
# # 41 · Character-level LSTM text generation (Chollet §8.1) on the Jargon File
#
# Chollet trains a *language model* — a network that predicts the next character from the 60 before
# it — on Nietzsche's writings, then writes new text one character at a time, sampling each from the
# model's softmax reweighted by a *temperature* (0.2, 0.5, 1.0, 1.2). His corpus (`nietzsche.txt`,
# lower-cased) has 600,893 characters, 57 distinct ones, and gives 200,278 windows of 60 characters
# every 3. His results are samples of text, not numbers: at 0.2 real but repetitive words, at
# 1.0–1.2 invented ones ("eterned"), 0.5 "the most interesting".

# %%
"""Character-level text generation with an LSTM (Chollet §8.1), the Jargon File standing in for Nietzsche.

The book's language model and sampling loop on the Jargon File, with a held-out loss to judge.
"""
from __future__ import annotations

import math

import numpy as np

from pynet.lessons import Report, main

TITLE = "41 · Character-level LSTM text generation (Chollet §8.1) on the Jargon File"
SEED = 37
MAXLEN, STEP = 60, 3
TEMPERATURES = (0.2, 0.5, 1.0, 1.2)
BATCH = 128

# Nietzsche in the book's notebook (the printed text shows the code that prints them)
BOOK_CORPUS_CHARS = 600_893
BOOK_SEQUENCES = 200_278
BOOK_UNIQUE_CHARS = 57
BOOK_EPOCHS = 59                 # for epoch in range(1, 60)
BOOK_GENERATED = 400             # characters per temperature

QUICK_CHARS = 45_000
QUICK_EPOCHS, FULL_EPOCHS = 1, 4
QUICK_GENERATED = 40
TORCH_TOLERANCE = 0.15           # nats: two trainings of 4 epochs from the same start
HELD_OUT_CHARS = 3_060           # 1,000 windows of text the model never trains on


# %% [markdown]
# ## The corpus
#
# Nietzsche's text cannot be downloaded here. The stand-in is the Jargon File 4.4.7 (public domain,
# `pynet.datasets.jargon`), made into running lower-case prose with `jargon.prepare` (69 distinct
# characters). pynet ships its first 599,947 characters, about the book's corpus size;
# `$PYNET_SHARED_DATA`/`$PYNET_DATA` give the whole file. The last 3,060 characters (1,000 windows)
# are held out: the model never trains on them.
#
# The book's pipeline has one readable function per step in `pynet.text_generation`: `cut_sequences`
# (windows of 60 every 3), `vectorize` (one-hot bool `x` and `y`), `sample(preds, temperature, rng)`
# (listing 8.6, seeded) and `generate` (listing 8.7's loop).

# %%
def corpus(quick: bool):
    """``(train_text, held_out_text, chars, char_indices, file)`` for the lesson."""
    from pynet import text_generation as tg
    from pynet.datasets import jargon

    file = jargon.where()
    prose = jargon.prepare(jargon.load_text(file))
    chars, char_indices = tg.char_vocabulary(prose)
    if quick:
        train = prose[:QUICK_CHARS]
        held_out = prose[QUICK_CHARS:QUICK_CHARS + HELD_OUT_CHARS]
    else:
        total = min(len(prose), BOOK_CORPUS_CHARS)
        train, held_out = prose[:total - HELD_OUT_CHARS], prose[total - HELD_OUT_CHARS:total]
    return train, held_out, chars, char_indices, file


# %% [markdown]
# ## The model
#
# Listings 8.4–8.5: `LSTM(128) → Dense(n_chars, softmax)` on one-hot windows, RMSprop(lr=0.01),
# categorical cross-entropy.

# %%
def model(n_chars: int, units: int = 128):
    """Listings 8.4–8.5: LSTM(128) on one-hot windows → softmax over the characters."""
    from pynet.layers import LSTM, Dense
    from pynet.optimizers import RMSprop
    from pynet.sequential import Sequential

    net = Sequential()
    net.add(LSTM(units, input_shape=(MAXLEN, n_chars)))
    net.add(Dense(n_chars, activation="softmax"))
    net.compile(loss="categorical_crossentropy", optimizer=RMSprop(learning_rate=0.01),
                metrics=["accuracy"])
    return net


# %% [markdown]
# ## The same model in PyTorch
#
# In a full run, when PyTorch is installed: the same model trained in PyTorch from pynet's initial
# weights on the same batches in the same order. Its held-out loss must be within 0.15 nats of ours.
# Keras's LSTM stores its gates in the order i, f, c, o, as PyTorch does; the kernels are
# transposed.

# %%
def torch_held_out_loss(torch, net, batches, steps, epochs, held_x, held_y):
    """The same model in PyTorch from pynet's *initial* weights, trained on the same batches in
    the same order (RMSprop lr=0.01, rho 0.9, eps 1e-7); its cross-entropy on the held-out windows.

    Keras's LSTM kernel ``(features, 4·units)`` (gates i, f, c, o) is PyTorch's ``weight_ih.T``
    (gates i, f, g, o: the same order); PyTorch's second bias ``bias_hh`` is set to 0.
    """
    kernel, recurrent, bias, dense_w, dense_b = net.get_weights()
    units = recurrent.shape[0]
    lstm = torch.nn.LSTM(kernel.shape[0], units, batch_first=True)
    head = torch.nn.Linear(units, dense_w.shape[1])
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(kernel.T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(recurrent.T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(bias))
        lstm.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(dense_w.T.copy()))
        head.bias.copy_(torch.from_numpy(dense_b))
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.RMSprop(params, lr=0.01, alpha=0.9, eps=1e-7)
    for _ in range(epochs * steps):
        x, y = next(batches)
        opt.zero_grad()
        logits = head(lstm(torch.from_numpy(x))[0][:, -1])
        torch.nn.functional.cross_entropy(logits, torch.from_numpy(y.argmax(axis=1))).backward()
        opt.step()
    with torch.no_grad():
        logits = head(lstm(torch.from_numpy(held_x.astype(np.float32)))[0][:, -1])
        return float(torch.nn.functional.cross_entropy(
            logits, torch.from_numpy(held_y.argmax(axis=1))))


# %% [markdown]
# ## Run the lesson
#
# `run` prints the corpus size, windows and distinct characters beside the book's, then the loss
# after each epoch and text at the four temperatures.
#
# A number the book does not give but any language model must reach: on text it has not trained on,
# its cross-entropy must fall below the *unigram entropy* (what a model knowing only the character
# frequencies would score), and its next-character accuracy must beat always guessing the most
# frequent character (the space).
#
# `--quick`: the first 45,000 characters of the prose only (14,980 windows, 118 batches), one epoch,
# 40 generated characters per temperature — far less than the book's 59 epochs over 200,278 windows,
# so expect words, spaces and letter patterns rather than sentences. The full run trains 4 epochs on
# ~600,000 characters, feeding one-hot batches from a generator (`text_generation.batches`) because
# the whole one-hot array would take 2.8 GB as float32.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet import text_generation as tg
    from pynet.datasets import jargon
    from pynet.utils import clear_session, set_seed

    clear_session()
    train, held_out, chars, char_indices, file = corpus(quick)
    sentences, next_chars = tg.cut_sequences(train, MAXLEN, STEP)
    held_sentences, held_next = tg.cut_sequences(held_out, MAXLEN, STEP)

    report.section("The corpus (Nietzsche is not available offline: the Jargon File stands in)")
    source = "the excerpt embedded in pynet" if jargon.is_excerpt(file) else file.name
    report.say(f"  {source}, prepared as lower-case prose; first 100 characters:")
    report.say(f"  {train[:100]!r}")
    cut = " (quick: the first 45,000 characters only)" if quick else ""
    report.compare("corpus length (characters)", book=BOOK_CORPUS_CHARS, ours=len(train),
                   agree=None, note=f"Nietzsche vs the Jargon File{cut}")
    report.compare("sequences (60 characters every 3)", book=BOOK_SEQUENCES, ours=len(sentences),
                   agree=len(sentences) == math.ceil((len(train) - MAXLEN) / STEP),
                   note="ceil((length − 60) / 3): the rule holds for ours")
    report.compare("unique characters", book=BOOK_UNIQUE_CHARS, ours=len(chars), agree=None,
                   note="the vocabulary of the whole prepared text")

    report.section("Listing 8.3: one-hot windows and targets")
    if quick:
        x, y = tg.vectorize(sentences, next_chars, char_indices)
        report.say(f"  x: {x.shape} {x.dtype} ({x.nbytes / 1e6:.1f} MB), y: {y.shape} {y.dtype}")
        report.check(bool((x.sum(axis=2) == 1).all() and (y.sum(axis=1) == 1).all()),
                     "every position of x and every row of y holds exactly one True")
        data = dict(x=x, y=y, batch_size=BATCH)
    else:
        n_bytes = len(sentences) * MAXLEN * len(chars)
        report.say(f"  x would be ({len(sentences)}, {MAXLEN}, {len(chars)}) bool = "
                   f"{n_bytes / 1e6:.0f} MB (×4 as float32): batches are one-hot encoded as "
                   "they are needed, with text_generation.batches")
        steps = math.ceil(len(sentences) / BATCH)
        data = dict(x=tg.batches(sentences, next_chars, char_indices, BATCH, seed=SEED),
                    steps_per_epoch=steps)
    held_x, held_y = tg.vectorize(held_sentences, held_next, char_indices)

    report.section("Listings 8.4–8.5: LSTM(128) → Dense(chars, softmax), RMSprop(lr=0.01)")
    set_seed(SEED)
    net = model(len(chars))
    report.say(net.summary(print_fn=lambda s: None))
    params = 4 * 128 * (len(chars) + 128 + 1) + 129 * len(chars)
    report.compare("parameters", book=4 * 128 * (57 + 128 + 1) + 129 * 57, ours=net.count_params(),
                   agree=net.count_params() == params,
                   note=f"4·128·(chars + 129) + 129·chars; book 57 chars, ours {len(chars)}")
    initial = net.get_weights()

    epochs = QUICK_EPOCHS if quick else FULL_EPOCHS
    length = QUICK_GENERATED if quick else BOOK_GENERATED
    rng = np.random.default_rng(SEED)
    report.section(f"Listing 8.7: {epochs} epoch(s) (the book: {BOOK_EPOCHS}), text after each")
    losses = []
    for epoch in range(1, epochs + 1):
        history = net.fit(**data, epochs=1, verbose=0, seed=SEED + epoch)
        losses.append(history.history["loss"][0])
        report.say(f"  epoch {epoch}: loss {losses[-1]:.4f} - accuracy "
                   f"{history.history['accuracy'][0]:.4f}")
        start = int(rng.integers(0, len(train) - MAXLEN - 1))
        seed_text = train[start:start + MAXLEN]
        report.say(f"  --- generating with seed: {seed_text!r}")
        for temperature in TEMPERATURES:
            text = tg.generate(net, seed_text, length, temperature, char_indices, maxlen=MAXLEN,
                               rng=rng)
            report.say(f"  T={temperature:<4}  {text!r}")
    for epoch, loss in enumerate(losses, 1):
        report.compare(f"training loss after epoch {epoch}", book="-", ours=loss, agree=None,
                       note="the book prints its log but quotes no loss")

    report.section("What a language model must beat (on held-out text)")
    entropy, top_share, top_char = tg.unigram_baseline(held_next)
    loss, accuracy = net.evaluate(held_x, held_y, verbose=0)
    report.say(f"  {len(held_sentences)} windows of the text right after the training part; "
               f"unigram entropy of their next characters {entropy:.3f} nats; the most frequent "
               f"next character {top_char!r} is {top_share:.1%} of them")
    report.compare("held-out loss < unigram entropy (nats)", book=round(entropy, 4),
                   ours=loss, agree=bool(loss < entropy), headline=True,
                   kind="same-data" if report.importable("torch") and not quick else "differs",
                   data="the Jargon File stands in for Nietzsche",
                   reference="PyTorch from the same weights and batches (checked below)",
                   reason="the book prints no held-out loss; the 'book' column is the unigram "
                          "baseline" + (" (--quick skips the PyTorch reference)" if quick else ""),
                   note="'book' = the baseline: a model that knows only the character "
                        "frequencies (of the held-out text itself, so the bar is set high)")
    report.compare("held-out accuracy > most-frequent-char", book=round(top_share, 4),
                   ours=accuracy, agree=bool(accuracy > top_share),
                   note=f"always guessing {top_char!r}")

    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and not quick:
        torch.set_num_threads(1)
        twin = _clone(net, initial)
        t_loss = torch_held_out_loss(
            torch, twin, tg.batches(sentences, next_chars, char_indices, BATCH, seed=SEED),
            data["steps_per_epoch"], epochs, held_x, held_y)
        report.compare("held-out loss, PyTorch vs pynet", book=t_loss, ours=loss,
                       agree=abs(t_loss - loss) <= TORCH_TOLERANCE,
                       note="'book' = PyTorch from the same initial weights and batches; "
                            f"tolerance {TORCH_TOLERANCE} nats")


def _clone(net, weights):
    """A model of ``net``'s shape holding ``weights`` (pynet's initial weights, for PyTorch)."""
    twin = model(net.layers[-1].units)
    twin.set_weights(weights)
    return twin


# %%
if __name__ == "__main__":
    main(run, TITLE)
