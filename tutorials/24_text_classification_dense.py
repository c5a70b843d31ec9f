# %% [markdown]
# # 24 · Chollet §3.4–3.5: classifying text with dense networks (fortune stand-ins)
#
# The book classifies movie reviews as positive or negative (IMDB) and newswires into 46 topics
# (Reuters), each text a "multi-hot" vector of its words, with small stacks of Dense layers.
#
# Neither data set can be downloaded here, so this lesson runs the same programs on the stand-ins
# pynet ships: fortune-mod quotations, "computers" against "politics" for the two-class task and 39
# fortune categories for the many-class one (`pynet.datasets.fortunes`).
#
# **The data differ** — fewer, shorter texts, topics instead of sentiment — so the book's accuracies
# are printed beside ours for orientation, not as targets. What must hold is the method: the curves
# turn (overfitting), the random baseline is computed the book's way, the bottleneck costs accuracy,
# and PyTorch trained the same way on the same data lands within seed noise of pynet.

# %%
"""Chollet §3.4–3.5 with dense networks on text: two classes (IMDB's recipe) and many (Reuters').

The book's IMDB and Reuters programs, run on the fortune stand-ins; the markdown cells explain.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "24 · Chollet §3.4–3.5: classifying text with dense networks (fortune stand-ins)"
SEED = 25
NUM_WORDS = 10_000

BOOK_IMDB_TEST_ACCURACY = 0.88          # 16-16-1, 4 epochs on 25,000 reviews
BOOK_IMDB_BEST_EPOCH = 4
BOOK_REUTERS_TEST_ACCURACY = 0.797      # 64-64-46, 9 epochs
BOOK_REUTERS_RANDOM = 0.18655387355298308
BOOK_REUTERS_BOTTLENECK = 0.71          # 64-4-46, 20 epochs


# %% [markdown]
# ## Texts as multi-hot vectors
#
# A text is a list of word indices. Listing 3.2's `vectorize_sequences` turns it into a row of
# 10,000 zeros with a 1.0 at the index of every word it holds; listing 3.14's `to_one_hot` does the
# same for a label, so a category becomes a row with a single one.

# %%
def vectorize_sequences(sequences, dimension=NUM_WORDS):
    """Listing 3.2: a row per text with 1.0 at the index of every word it holds (float32)."""
    results = np.zeros((len(sequences), dimension), dtype=np.float32)
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.0
    return results


def to_one_hot(labels, dimension):
    """Listing 3.14: the label as a one-hot row."""
    results = np.zeros((len(labels), dimension), dtype=np.float32)
    results[np.arange(len(labels)), labels] = 1.0
    return results


# %% [markdown]
# ## The networks
#
# A stack of Dense layers with ReLU, ended by one sigmoid unit (two classes, binary cross-entropy)
# or a softmax over the categories (many classes, categorical cross-entropy), compiled with RMSprop
# as in the book.

# %%
def dense_net(widths, inputs, outputs, activation):
    from pynet.layers import Dense
    from pynet.sequential import Sequential

    model = Sequential()
    model.add(Dense(widths[0], activation="relu", input_shape=(inputs,)))
    for w in widths[1:]:
        model.add(Dense(w, activation="relu"))
    model.add(Dense(outputs, activation=activation))
    loss = "binary_crossentropy" if activation == "sigmoid" else "categorical_crossentropy"
    model.compile(optimizer="rmsprop", loss=loss, metrics=["accuracy"])
    return model


# %% [markdown]
# ## The book's random baseline
#
# How often would a guess that ignores the text be right? The book shuffles a copy of the test
# labels and counts how often it matches the original: 18.6% on Reuters.

# %%
def shuffled_label_baseline(labels, seed):
    """The book's random baseline: how often a shuffled copy of the labels matches the labels."""
    shuffled = np.array(labels).copy()
    np.random.RandomState(seed).shuffle(shuffled)
    return float(np.mean(np.array(labels) == shuffled))


# %% [markdown]
# ## The same network in PyTorch
#
# The cross-check: a PyTorch copy of the network starts from pynet's weights and trains with Keras's
# RMSprop constants on the same data. Its test accuracy should land within seed noise of ours.
# `curve` prints one history curve per line.

# %%
def torch_accuracy(torch, start, x, y, x_test, y_test, epochs, batch_size, seed, binary):
    """The same network, from the same starting weights, trained in PyTorch (Keras's RMSprop
    constants); returns its test accuracy."""
    nn = torch.nn
    dense = [layer for layer in start.layers]
    modules = []
    for k, layer in enumerate(dense):
        lin = nn.Linear(*layer.params["kernel"].shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.params["kernel"].T.copy()))
            lin.bias.copy_(torch.from_numpy(layer.params["bias"]))
        modules.append(lin)
        if k < len(dense) - 1:
            modules.append(nn.ReLU())
    twin = nn.Sequential(*modules)
    opt = torch.optim.RMSprop(twin.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(x)))
        for s in range(0, len(x), batch_size):
            idx = order[s:s + batch_size]
            opt.zero_grad()
            logits = twin(xt[idx])
            if binary:
                loss = nn.functional.binary_cross_entropy_with_logits(logits[:, 0], yt[idx])
            else:
                loss = nn.functional.cross_entropy(logits, yt[idx].argmax(1))
            loss.backward()
            opt.step()
    with torch.no_grad():
        out = twin(torch.from_numpy(x_test)).numpy()
    pred = (out[:, 0] > 0).astype(int) if binary else out.argmax(1)
    truth = y_test.astype(int) if binary else y_test.argmax(1)
    return float(np.mean(pred == truth))


def curve(report, history, key):
    values = history.history[key]
    report.say(f"  {key:>12}: " + " ".join(f"{v:.3f}" for v in values))
    return values


# %% [markdown]
# ## Two classes (§3.4's recipe)
#
# - Dense(16, relu) → Dense(16, relu) → Dense(1, sigmoid), trained with 40% of the texts held out
#   for validation (the book holds out 10,000 of 25,000);
# - the validation curves turn: the epoch where validation accuracy peaks is where memorising
#   starts;
# - listing 3.11: retrain on all training texts for that many epochs, then measure test accuracy;
# - `predict` gives a probability per text: confident near 0 or 1, unsure near 0.5.
#
# Our ~700 training texts use batches of 32, which gives about as many updates per epoch (~20) as
# the book's batch of 512 on 15,000 reviews (~30).

# %%
def two_classes(report, quick, torch):
    from pynet.datasets import fortunes
    from pynet.utils import set_seed

    path = fortunes.EMBEDDED_DIR if quick else None
    (train_data, train_labels), (test_data, test_labels) = fortunes.load_data(
        "two_class", path=path, num_words=NUM_WORDS)
    report.say(f"  {len(train_data)} training and {len(test_data)} test texts "
               f"({' vs '.join(fortunes.TWO_CLASS)}, balanced; the book: 25,000 + 25,000 reviews)")
    report.say(f"  train_data[0][:10] = {list(train_data[0][:10])} (1 = start, words from 4 on)")
    x_train, x_test = vectorize_sequences(train_data), vectorize_sequences(test_data)
    y_train = np.asarray(train_labels).astype("float32")
    y_test = np.asarray(test_labels).astype("float32")
    report.check(x_train.shape[1] == NUM_WORDS and set(np.unique(x_train)) <= {0.0, 1.0},
                 "listing 3.2: multi-hot rows of 10,000 zeros and ones")

    # The book holds out 10,000 of 25,000 (40%); its batch of 512 makes ~30 updates per epoch.
    n_val = int(0.4 * len(x_train))
    batch = 32   # our ~700 training texts: batch 32 gives ~20 updates per epoch, like the book's 30
    epochs = 20
    x_val, partial_x = x_train[:n_val], x_train[n_val:]
    y_val, partial_y = y_train[:n_val], y_train[n_val:]
    set_seed(SEED)
    model = dense_net((16, 16), NUM_WORDS, 1, "sigmoid")
    history = model.fit(partial_x, partial_y, epochs=epochs, batch_size=batch,
                        validation_data=(x_val, y_val), verbose=0, seed=SEED)
    report.say(f"  validation curves ({epochs} epochs, {len(partial_x)} texts, {n_val} held out):")
    curve(report, history, "loss")
    val_loss = curve(report, history, "val_loss")
    val_acc = curve(report, history, "val_accuracy")
    best = int(np.argmax(val_acc)) + 1
    report.compare("epoch where validation accuracy peaks", book=BOOK_IMDB_BEST_EPOCH, ours=best,
                   agree=None, note="after it the network learns the training texts by heart")
    report.check(history.history["loss"][-1] < 0.5 * val_loss[-1],
                 "training loss ends far below validation loss: the net memorises (overfitting)")

    report.section(f"Listing 3.11: retrain on all {len(x_train)} texts for {best} epochs, then test")
    set_seed(SEED)
    model = dense_net((16, 16), NUM_WORDS, 1, "sigmoid")
    start = dense_net((16, 16), NUM_WORDS, 1, "sigmoid")
    start.set_weights(model.get_weights())
    model.fit(x_train, y_train, epochs=best, batch_size=batch, verbose=0, seed=SEED)
    _, test_acc = model.evaluate(x_test, y_test, verbose=0)
    report.compare("two-class test accuracy", book=BOOK_IMDB_TEST_ACCURACY, ours=test_acc,
                   agree=None, headline=True,
                   note="IMDB sentiment vs fortune topics: different data, shown side by side",
                   kind="same-data" if torch is not None else "differs",
                   data="fortunes two-class topics stand in for IMDB reviews",
                   reference="PyTorch from the same start on the same data (checked below)",
                   reason="IMDB is not available here, and PyTorch (the same-data reference) "
                          "is not installed")
    report.check(test_acc > 0.6, "well above the 50% a coin reaches on balanced classes")
    predictions = model.predict(x_test[:6])[:, 0]
    report.say("  predict(x_test[:6]) = " + " ".join(f"{p:.2f}" for p in predictions)
               + "  (confident near 0 or 1, unsure near 0.5)")
    if torch is not None:
        theirs = torch_accuracy(torch, start, x_train, y_train, x_test, y_test, best, batch,
                                SEED, binary=True)
        tolerance = 0.08 if quick else 0.05
        report.compare("two-class test accuracy, PyTorch vs pynet", book=theirs, ours=test_acc,
                       agree=abs(theirs - test_acc) <= tolerance,
                       note=f"'book' = PyTorch, same start and data; tolerance {tolerance}")
    return test_acc


# %% [markdown]
# ## Many classes (§3.5's recipe)
#
# - Dense(64) → Dense(64) → Dense(N, softmax) with one-hot labels;
# - listing 3.21: retrain for the epoch where validation accuracy peaked, then test;
# - the shuffled-labels baseline beside the always-the-largest-class one;
# - listing 3.22: each prediction is N probabilities that sum to 1;
# - listing 3.23: a 4-unit layer in the middle is an information bottleneck — the book loses about 8
#   points of accuracy with it.

# %%
def many_classes(report, quick, torch):
    from pynet.datasets import fortunes
    from pynet.utils import set_seed

    path = fortunes.EMBEDDED_DIR if quick else None
    num_words = 2000 if quick else NUM_WORDS
    (train_data, train_labels), (test_data, test_labels) = fortunes.load_data(
        "topics", path=path, num_words=num_words)
    n_classes = len(fortunes.TOPICS)
    report.say(f"  {len(train_data)} training and {len(test_data)} test texts in {n_classes} "
               f"categories (the book: 8,982 + 2,246 newswires in 46 topics); {num_words:,} words")
    x_train = vectorize_sequences(train_data, num_words)
    x_test = vectorize_sequences(test_data, num_words)
    one_hot_train = to_one_hot(train_labels, n_classes)
    one_hot_test = to_one_hot(test_labels, n_classes)

    n_val = 300 if quick else 1000
    batch = 128 if quick else 512
    epochs = 12 if quick else 20
    x_val, partial_x = x_train[:n_val], x_train[n_val:]
    y_val, partial_y = one_hot_train[:n_val], one_hot_train[n_val:]
    set_seed(SEED)
    model = dense_net((64, 64), num_words, n_classes, "softmax")
    history = model.fit(partial_x, partial_y, epochs=epochs, batch_size=batch,
                        validation_data=(x_val, y_val), verbose=0, seed=SEED)
    report.say(f"  validation curves ({epochs} epochs, batch {batch}):")
    curve(report, history, "val_loss")
    val_acc = curve(report, history, "val_accuracy")
    best = int(np.argmax(val_acc)) + 1

    report.section(f"Listing 3.21: retrain for {best} epochs (the book: 9), then test")
    set_seed(SEED)
    model = dense_net((64, 64), num_words, n_classes, "softmax")
    start = dense_net((64, 64), num_words, n_classes, "softmax")
    start.set_weights(model.get_weights())
    model.fit(partial_x, partial_y, epochs=best, batch_size=batch,
              validation_data=(x_val, y_val), verbose=0, seed=SEED)
    _, test_acc = model.evaluate(x_test, one_hot_test, verbose=0)
    report.compare("many-class test accuracy", book=BOOK_REUTERS_TEST_ACCURACY, ours=test_acc,
                   agree=None, note="Reuters newswires vs fortune categories")
    random = shuffled_label_baseline(test_labels, SEED)
    majority = float(np.mean(np.asarray(test_labels) == np.bincount(train_labels).argmax()))
    report.compare("shuffled-labels baseline", book=BOOK_REUTERS_RANDOM, ours=random, agree=None,
                   note=f"computed the book's way; always-the-largest-class: {majority:.3f}")
    report.check(test_acc > 2 * random, "the network beats the random baseline by far")
    probabilities = model.predict(x_test[:1])[0]
    report.check(probabilities.shape == (n_classes,) and abs(probabilities.sum() - 1) < 1e-4,
                 f"predict gives {n_classes} probabilities that sum to 1 (listing 3.22)")
    if torch is not None:
        theirs = torch_accuracy(torch, start, partial_x, partial_y, x_test, one_hot_test, best,
                                batch, SEED, binary=False)
        tolerance = 0.06 if quick else 0.04
        report.compare("many-class test accuracy, PyTorch vs pynet", book=theirs, ours=test_acc,
                       agree=abs(theirs - test_acc) <= tolerance,
                       note=f"'book' = PyTorch, same start and data; tolerance {tolerance}")

    report.section("Listing 3.23: an information bottleneck of 4 units")
    set_seed(SEED)
    narrow = dense_net((64, 4), num_words, n_classes, "softmax")
    narrow.fit(partial_x, partial_y, epochs=epochs, batch_size=128, validation_data=(x_val, y_val),
               verbose=0, seed=SEED)
    _, narrow_acc = narrow.evaluate(x_test, one_hot_test, verbose=0)
    report.compare("test accuracy with a 4-unit layer", book=BOOK_REUTERS_BOTTLENECK,
                   ours=narrow_acc, agree=None,
                   note=f"book: 8 points below 64-64; ours: {100 * (narrow_acc - test_acc):+.1f} "
                        "points")


# %% [markdown]
# ## Run the lesson
#
# `run` prints the book's number beside ours for each step, then the PyTorch cross-checks (skipped
# when PyTorch is not installed). The products here are small (a few hundred rows), so the lesson
# runs with one BLAS thread: on a busy machine, threaded BLAS pools fighting for the cores made an
# epoch 100× slower (the policy of `pynet/kernels/threads.py`).
#
# `--quick` uses the fortunes shipped in pynet (600 + 2,799 texts), 2,000 words for the many-class
# task and fewer epochs.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.kernels.threads import limit_blas_threads

    # These products are small (a few hundred rows): one BLAS thread each is fastest, and on a
    # busy machine threaded BLAS pools fighting for the cores made an epoch 100x slower
    # (the policy of pynet/kernels/threads.py).
    with limit_blas_threads(1):
        lesson(report, quick)


def lesson(report: Report, quick: bool) -> None:
    from pynet.utils import clear_session

    clear_session()
    try:
        import torch
        torch.set_num_threads(1)
        torch.manual_seed(SEED)
    except ImportError:
        torch = None
        report.say("  (PyTorch is not installed: the cross-checks against it are skipped)")
    report.section("§3.4 stand-in: two classes of fortunes, Dense 16-16-1")
    two_classes(report, quick, torch)
    report.section("§3.5 stand-in: fortune categories, Dense 64-64-N")
    many_classes(report, quick, torch)


# %%
if __name__ == "__main__":
    main(run, TITLE)
