# %% [markdown]
# # 26 · Capacity, L2 and dropout: when each network starts to overfit (Chollet §4.4)
#
# *Deep Learning with Python* §4.4 fights overfitting on the IMDB reviews (10,000-word multi-hot
# vectors, 16-16-1 network, RMSprop, binary cross-entropy) four ways and compares validation-loss
# curves over 20 epochs:
#
# - a **smaller** network, 4-4-1: starts to overfit later — "after 6 epochs rather than 4" — and
#   degrades more slowly;
# - a **bigger** one, 512-512-1: overfits "almost right away, after just one epoch", more severely,
#   with a noisier validation loss, while its training loss goes to about 0;
# - **L2** weight regularisation, `kernel_regularizer=l2(0.001)` on both hidden layers: much more
#   resistant to overfitting than the original with the same number of parameters;
# - **Dropout(0.5)** after each hidden layer: again an improvement over the original.
#
# What is checked (`agree`) are the book's *orderings*, not its epoch numbers: the smaller network
# reaches its lowest validation loss no earlier than the original, the bigger one no later, and the
# regularised networks rise less after their minimum than the original does.

# %%
"""Capacity, L2 and dropout (Chollet §4.4): where each network starts to overfit, on a two-class text stand-in.

Five networks on the fortunes stand-in; the book's orderings are checked, not its epoch numbers.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "26 · Capacity, L2 and dropout: when each network starts to overfit (Chollet §4.4)"
SEED = 29

#: The book's statements (IMDB, 20 epochs, batch 512): epoch of the lowest validation loss.
BOOK_OVERFIT_EPOCH = {"original 16-16-1": 4, "smaller 4-4-1": 6, "bigger 512-512-1": 1}
BOOK_STATEMENT = {
    "original 16-16-1": "overfits after epoch 4",
    "smaller 4-4-1": "after 6 epochs rather than 4; degrades more slowly",
    "bigger 512-512-1": "after 1 epoch; noisier; training loss ~0",
    "L2(0.001) 16-16-1": "much more resistant to overfitting",
    "Dropout(0.5) 16-16-1": "an improvement over the original",
}
VALIDATION_FRACTION = 0.4
UPDATES_PER_EPOCH = 30          # the book: ceil(15,000 / 512)


# %% [markdown]
# ## The stand-in data
#
# IMDB cannot be downloaded here. The stand-in is `pynet.datasets.fortunes`'s two-class task: short
# fortune-mod texts filed under "computers" against "politics" (a topic task, not sentiment; 1,124
# training texts with the full files, 480 with the subset embedded in pynet, against IMDB's 25,000
# reviews).
#
# The texts become multi-hot vectors as in Chollet's listing 3.2 (`vectorize_sequences`), and 40% of
# the training texts are held out for validation (the book held out 10,000 of 25,000).

# %%
def vectorize_sequences(sequences, dimension):
    """Multi-hot encoding (listing 3.2's idea): row i has a 1 at every word index text i uses."""
    results = np.zeros((len(sequences), dimension), dtype="float32")
    for i, sequence in enumerate(sequences):
        results[i, np.asarray(sequence, dtype=np.int64)] = 1.0
    return results


def load(num_words):
    """The two-class fortunes, multi-hot, with the first 40% of the training texts for validation."""
    from pynet.datasets import fortunes

    (train_data, train_labels), _ = fortunes.load_data("two_class", num_words=num_words)
    x = vectorize_sequences(train_data, num_words)
    y = np.asarray(train_labels, dtype="float32")[:, None]
    n_val = int(len(x) * VALIDATION_FRACTION)
    return (x[n_val:], y[n_val:]), (x[:n_val], y[:n_val]), fortunes.where()


# %% [markdown]
# ## Five networks
#
# Listings 4.3–4.8: the original 16-16-1, the smaller 4-4-1, the bigger 512-512-1, the original with
# L2(0.001) on both hidden layers, and the original with Dropout(0.5) after each hidden layer; all
# compiled as in listing 3.4.

# %%
def build(name, num_words):
    """One of the five networks of §4.4 (listings 4.3–4.8), compiled as in listing 3.4."""
    from pynet import regularizers
    from pynet.layers import Dense, Dropout
    from pynet.sequential import Sequential

    units = {"smaller 4-4-1": 4, "bigger 512-512-1": 512}.get(name, 16)
    reg = regularizers.l2(0.001) if name.startswith("L2") else None
    model = Sequential()
    model.add(Dense(units, activation="relu", kernel_regularizer=reg, input_shape=(num_words,)))
    if name.startswith("Dropout"):
        model.add(Dropout(0.5))
    model.add(Dense(units, activation="relu", kernel_regularizer=reg))
    if name.startswith("Dropout"):
        model.add(Dropout(0.5))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


# %% [markdown]
# ## Training curves, averaged over seeds
#
# The batch size is a thirtieth of the training texts (22 with the full files, 10 with the embedded
# subset), so that an epoch makes as many updates as the book's (15,000 / 512 ≈ 30). With so little
# data the curves are noisier than the book's, so each small network's curve is averaged over
# several seeds; the epoch numbers are the point, not the loss values.

# %%
def batch_size(n_train) -> int:
    """A batch size giving the book's ~30 updates per epoch."""
    return max(1, round(n_train / UPDATES_PER_EPOCH))


def curves(name, train, val, num_words, epochs, seeds):
    """Training and validation loss per epoch, averaged over ``seeds``."""
    from pynet.utils import set_seed

    loss, val_loss = [], []
    for seed in seeds:
        set_seed(seed)
        model = build(name, num_words)
        h = model.fit(*train, epochs=epochs, batch_size=batch_size(len(train[0])),
                      validation_data=val, verbose=0,
                      seed=seed).history
        loss.append(h["loss"])
        val_loss.append(h["val_loss"])
    return np.mean(loss, axis=0), np.mean(val_loss, axis=0)


# %% [markdown]
# ## Reading a curve
#
# The epoch of the lowest validation loss is where the network starts to overfit; how far the loss
# climbs from that minimum to the last epoch says how badly.

# %%
def overfit_epoch(val_loss) -> int:
    """The epoch (1-based) of the lowest validation loss: after it, the network overfits."""
    return int(np.argmin(val_loss)) + 1


def rise(val_loss) -> float:
    """How far the validation loss climbs from its minimum to the last epoch."""
    return float(val_loss[-1] - np.min(val_loss))


# %% [markdown]
# ## Run the lesson
#
# `run` trains the five networks, prints their validation losses epoch by epoch, then each network's
# overfitting epoch beside the book's statement and the orderings the book describes. The curves are
# saved as a PNG when matplotlib is installed.
#
# `--quick` is short and says so: 2,000-word vectors, 10 epochs instead of 20, 2 seeds instead of 3,
# and the orderings are shown but not checked.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.utils import clear_session

    clear_session()
    num_words, epochs = (2000, 10) if quick else (10000, 20)
    seeds = tuple(SEED + i for i in range(2 if quick else 3))
    train, val, folder = load(num_words)
    report.say(f"  fortunes 'computers' vs 'politics' from {folder.name}/ ({len(train[0])} training, "
               f"{len(val[0])} validation texts; the book: IMDB, 15,000 / 10,000 reviews)")
    report.say(f"  {num_words}-word multi-hot vectors, RMSprop, binary cross-entropy, batch "
               f"{batch_size(len(train[0]))} (~{UPDATES_PER_EPOCH} updates per epoch, as the book), "
               f"{epochs} epochs" + ("  — quick mode: the book uses 10,000 words and 20 epochs"
                                     if quick else ""))

    names = list(BOOK_STATEMENT)
    results = {}
    for name in names:
        # the big network is slow and its behaviour is not subtle: one seed is enough
        runs = seeds[:1] if name.startswith("bigger") else seeds
        results[name] = curves(name, train, val, num_words, epochs, runs)

    report.section("Validation loss per epoch (mean over seeds; the 512-512 network: one seed)")
    report.say("  epoch " + "".join(f"{n.split()[0]:>10}" for n in names))
    for e in range(epochs):
        report.say(f"  {e + 1:>5} " + "".join(f"{results[n][1][e]:>10.3f}" for n in names))

    report.section("Where each starts to overfit: the epoch of its lowest validation loss")
    first = {n: overfit_epoch(results[n][1]) for n in names}
    rises = {n: rise(results[n][1]) for n in names}
    for name in names:
        report.compare(f"{name}: overfits after epoch", book=BOOK_OVERFIT_EPOCH.get(name, "—"),
                       ours=first[name], agree=None,
                       note=f"rise after the minimum {rises[name]:.3f}; book: {BOOK_STATEMENT[name]}")
    orig, small, big = "original 16-16-1", "smaller 4-4-1", "bigger 512-512-1"
    check = not quick
    report.compare("smaller overfits no earlier than original", book="6 vs 4",
                   ours=f"{first[small]} vs {first[orig]}",
                   agree=(first[small] >= first[orig]) if check else None, headline=True,
                   kind="differs", reason="fortunes stand in for IMDB: the book's ordering is "
                   "checked (not in --quick), not its epochs")
    report.compare("bigger overfits no later than original", book="1 vs 4",
                   ours=f"{first[big]} vs {first[orig]}",
                   agree=(first[big] <= first[orig]) if check else None)
    report.compare("bigger: training loss at the end", book="~0", ours=float(results[big][0][-1]),
                   agree=(results[big][0][-1] < 0.05) if check else None)
    for name in ("L2(0.001) 16-16-1", "Dropout(0.5) 16-16-1"):
        report.compare(f"{name.split()[0]}: rises less than the original", book="yes",
                       ours=f"{rises[name]:.3f} vs {rises[orig]:.3f}",
                       agree=(rises[name] < rises[orig]) if check else None)
    save_plot(report, results, names, epochs)


def save_plot(report, results, names, epochs):
    from pynet.inspect.curves import matplotlib_available
    from pynet.inspect.images import output_dir

    if not matplotlib_available():
        report.say("  (matplotlib not installed: no curves drawn)")
        return
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    x = range(1, epochs + 1)
    for name in names:
        ax.plot(x, results[name][1], "o-" if name.startswith("original") else "+-", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation loss")
    ax.set_title("Chollet §4.4 on the fortunes stand-in")
    from pynet.inspect.figures import legend_outside
    legend_outside(ax)
    fig.tight_layout()
    path = output_dir() / "validation_loss.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    report.say(f"  curves saved: {path}")


# %%
if __name__ == "__main__":
    main(run, TITLE)
