# %% [markdown]
# # 37 · Chollet §6.4: Conv1D over text (shape chain; characters of fortunes)
#
# A Conv1D window slides along the text and fires where its pattern occurs, wherever that is;
# MaxPooling1D shortens the sequence so the next window sees a longer stretch; GlobalMaxPooling1D
# keeps, for every filter, the strongest match anywhere. Chollet's listing 6.46 runs this over word
# embeddings of IMDB reviews (500 → 494 → 98 → 92 → 32).
#
# This lesson checks that chain, layer by layer, with the book's sizes, and then trains the same
# stack on the two-class fortune stand-in (`pynet.datasets.fortunes`, "computers" vs "politics").
# The data differ from IMDB, so the book's qualitative result ("a little below the LSTM, much
# faster") is shown beside our number, not matched; PyTorch trains the same network from the same
# weights on the same batches and must land within seed noise of pynet.

# %%
"""Chollet §6.4: a 1-D convnet reads text — the book's shape chain, then characters of fortunes.

Listing 6.46's shape chain, then the same stack on one-hot characters of the fortunes.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "37 · Chollet §6.4: Conv1D over text (shape chain; characters of fortunes)"
SEED = 26

#: Listing 6.46 / Fig. 7.x: Embedding(10000, 128) output (500, 128), then each layer's output.
BOOK_SHAPES = [(494, 32), (98, 32), (92, 32), (32,), (1,)]
BOOK_CONV_PARAMS = [7 * 128 * 32 + 32, 7 * 32 * 32 + 32]      # 28,704 and 7,200
CHARACTERS = 48     # the 47 most frequent characters get a column each (index 0 is padding)


# %% [markdown]
# ## The network
#
# Listing 6.46 without the Embedding: its input is already a sequence of vectors. Conv1D(32, 7) →
# MaxPooling1D(5) → Conv1D(32, 7) → GlobalMaxPooling1D → Dense(1). Listing 6.46 ends in `Dense(1)`
# without a sigmoid but trains with binary cross-entropy (an erratum); we use the sigmoid.

# %%
def convnet(steps, channels, lr=None):
    """Listing 6.46 without the Embedding (its input is already a sequence of vectors)."""
    from pynet import optimizers
    from pynet.layers import Conv1D, Dense, GlobalMaxPooling1D, MaxPooling1D
    from pynet.sequential import Sequential

    model = Sequential()
    model.add(Conv1D(32, 7, activation="relu", input_shape=(steps, channels)))
    model.add(MaxPooling1D(5))
    model.add(Conv1D(32, 7, activation="relu"))
    model.add(GlobalMaxPooling1D())
    model.add(Dense(1, activation="sigmoid"))
    model.compile(optimizer=optimizers.RMSprop(learning_rate=lr) if lr else "rmsprop",
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


# %% [markdown]
# ## Characters, one-hot
#
# The texts are read as **characters**, one-hot encoded (the 47 most frequent characters get a
# column each; index 0 is padding), so no Embedding layer is needed. The book notes that a character
# window of 5 learns word fragments.

# %%
def one_hot_characters(sequences, width):
    """Character ids ``(N, steps)`` -> ``(N, steps, width)`` float32; id 0 (padding) -> zeros."""
    eye = np.eye(width, dtype=np.float32)
    eye[0] = 0.0
    return eye[sequences]


def load_characters(quick):
    """Fortune texts as padded character ids, shuffled and split 80/20 (seeded)."""
    from pynet.datasets import fortunes
    from pynet.preprocessing import pad_sequences
    from pynet.text import Tokenizer

    path = fortunes.EMBEDDED_DIR if quick else None
    texts, labels, names = fortunes.load_texts("two_class", path=path, seed=SEED)
    order = np.random.RandomState(SEED).permutation(len(texts))
    texts = [texts[i] for i in order]
    labels = labels[order].astype(np.float32)
    split = int(0.8 * len(texts))
    tokenizer = Tokenizer(num_words=CHARACTERS, char_level=True)
    tokenizer.fit_on_texts(texts[:split])                 # the vocabulary from training texts only
    maxlen = 150 if quick else 400
    ids = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=maxlen)
    x = one_hot_characters(ids, CHARACTERS)
    return (x[:split], labels[:split]), (x[split:], labels[split:]), tokenizer, names


# %% [markdown]
# ## The same network in PyTorch
#
# From the same starting weights, on the same batches, with Keras's RMSprop constants: its test
# accuracy must land within seed noise of pynet's.

# %%
def torch_accuracy(torch, start, x, y, x_test, y_test, epochs, batch_size, seed):
    """The same convnet in PyTorch from ``start``'s weights, trained on the same batches."""
    nn, F = torch.nn, torch.nn.functional
    conv1, conv2, dense = start.layers[0], start.layers[2], start.layers[4]

    def conv_weight(layer):  # Keras (k, in, out) -> PyTorch (out, in, k)
        return nn.Parameter(torch.from_numpy(layer.params["kernel"].transpose(2, 1, 0).copy()))

    params = [conv_weight(conv1), nn.Parameter(torch.from_numpy(conv1.params["bias"].copy())),
              conv_weight(conv2), nn.Parameter(torch.from_numpy(conv2.params["bias"].copy())),
              nn.Parameter(torch.from_numpy(dense.params["kernel"].T.copy())),
              nn.Parameter(torch.from_numpy(dense.params["bias"].copy()))]
    w1, b1, w2, b2, w3, b3 = params

    def net(xb):
        h = F.relu(F.conv1d(xb.permute(0, 2, 1), w1, b1))
        h = F.max_pool1d(h, 5)
        h = F.relu(F.conv1d(h, w2, b2))
        return F.linear(h.max(dim=2).values, w3, b3)[:, 0]

    opt = torch.optim.RMSprop(params, lr=1e-3, alpha=0.9, eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(x)))
        for s in range(0, len(x), batch_size):
            idx = order[s:s + batch_size]
            opt.zero_grad()
            F.binary_cross_entropy_with_logits(net(xt[idx]), yt[idx]).backward()
            opt.step()
    with torch.no_grad():
        pred = (net(torch.from_numpy(x_test)).numpy() > 0).astype(np.float32)
    return float(np.mean(pred == y_test))


# %% [markdown]
# ## Run the lesson
#
# `run` prints the shape chain beside the book's, the parameter counts (28,704 and 7,200 with the
# book's 128-wide embeddings), then the trained network's accuracy beside PyTorch's.
#
# `--quick` uses the 600 fortunes shipped in pynet, shorter texts and fewer epochs.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.kernels.threads import limit_blas_threads

    # These products are small (a few hundred rows): one BLAS thread each is fastest, and on a
    # busy machine threaded BLAS pools fighting for the cores made an epoch 100x slower
    # (the policy of pynet/kernels/threads.py).
    with limit_blas_threads(1):
        lesson(report, quick)


def lesson(report: Report, quick: bool) -> None:
    from pynet.utils import clear_session, set_seed

    clear_session()
    report.section("Listing 6.46: the shape chain with the book's sizes")
    model = convnet(500, 128)
    shapes = [layer.output_shape for layer in model.layers]
    for layer, shape in zip(model.layers, shapes):
        report.say(f"  {layer.name:<26} (None, {', '.join(map(str, shape))})  "
                   f"{layer.count_params():>7,} parameters")
    report.compare("output shapes, layer by layer", book=BOOK_SHAPES, ours=shapes,
                   agree=shapes == BOOK_SHAPES, note="valid windows: 500 − 7 + 1 = 494; 494 // 5 = 98")
    conv_params = [model.layers[0].count_params(), model.layers[2].count_params()]
    report.compare("Conv1D parameters", book=BOOK_CONV_PARAMS, ours=conv_params,
                   agree=conv_params == BOOK_CONV_PARAMS, note="7·128·32 + 32, 7·32·32 + 32")

    report.section("Characters of fortunes, one-hot, through the same stack")
    (x, y), (x_test, y_test), tokenizer, names = load_characters(quick)
    report.say(f"  {len(x)} training and {len(x_test)} test texts ({' vs '.join(names)}), "
               f"{x.shape[1]} characters each (pad_sequences keeps the last ones), "
               f"{x.shape[2] - 1} distinct characters + padding")
    report.say("  most frequent characters: " + repr("".join(list(tokenizer.word_index)[:20])))
    epochs = 15
    batch = 32
    set_seed(SEED)
    model = convnet(x.shape[1], x.shape[2])
    start = convnet(x.shape[1], x.shape[2])
    start.set_weights(model.get_weights())
    history = model.fit(x, y, epochs=epochs, batch_size=batch, validation_data=(x_test, y_test),
                        verbose=0, seed=SEED)
    curve = history.history["val_accuracy"]
    report.say("  val_accuracy: " + " ".join(f"{v:.3f}" for v in curve))
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    # A few hundred held-out texts make single epochs noisy (±5 points): average the last five.
    settled = float(np.mean(curve[-5:]))
    report.compare("held-out accuracy, mean of the last 5 epochs", book="a bit below LSTM (≈89%)",
                   ours=settled, agree=None, headline=True,
                   kind="same-data" if report.importable("torch") else "differs",
                   data="fortune characters stand in for IMDB words",
                   reference="PyTorch from the same start and batches (checked below)",
                   reason="IMDB is not available here, and PyTorch (the same-data reference) "
                          "is not installed",
                   note="IMDB word embeddings vs fortune characters: different data and input")
    report.check(history.history["loss"][-1] < history.history["loss"][0],
                 "the training loss falls")
    report.check(settled > 0.6, "clearly above the 50% of guessing on balanced classes")

    try:
        import torch
    except ImportError:
        report.say("  (PyTorch is not installed: the cross-check against it is skipped)")
        return
    torch.set_num_threads(1)
    theirs = torch_accuracy(torch, start, x, y, x_test, y_test, epochs, batch, SEED)
    tolerance = 0.08 if quick else 0.05
    report.compare("held-out accuracy after the last epoch, PyTorch vs pynet", book=theirs,
                   ours=accuracy,
                   agree=abs(theirs - accuracy) <= tolerance,
                   note=f"'book' = PyTorch, same start and batches; tolerance {tolerance}")


# %%
if __name__ == "__main__":
    main(run, TITLE)
