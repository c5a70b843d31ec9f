# %% [markdown]
# # 27 · Overfitting and its remedies (Chollet 4.4): capacity, L2, dropout
#
# *Deep Learning with Python* §4.4 shows, on IMDB reviews, the three classic defences against
# overfitting: a network with fewer parameters, a weight penalty
# (`kernel_regularizer=regularizers.l2(0.001)`) and dropout (`Dropout(0.5)`). The book's findings,
# which this lesson re-runs on the image data we have (Fashion-MNIST when installed, else pynet's
# MNIST subset):
#
# - the **bigger** network (1024 units per layer here) starts overfitting almost at once: its
#   training loss heads to ~0 while its validation loss turns up early and noisily;
# - the **smaller** network (32 units here) starts overfitting later and degrades more slowly;
# - **L2** and **dropout** keep the original network's validation loss lower at the end, with the
#   same number of parameters;
# - the L2 penalty counts in the *training* loss only, so the training loss `fit` reports is higher
#   than the same data's loss under `evaluate`.

# %%
"""Chollet ch. 4.4 on images: capacity (smaller/original/bigger), L2 weight decay and dropout, with curves.

Lesson 26's defences (a smaller or bigger network, L2, dropout) on images, with the curves drawn.
"""
from __future__ import annotations


import numpy as np

from pynet.lessons import Report, main

TITLE = "27 · Overfitting and its remedies (Chollet 4.4): capacity, L2, dropout"
SEED = 14


# %% [markdown]
# ## The data
#
# Fashion-MNIST when it is installed, else pynet's 10,000-image MNIST subset; images flattened to
# 784 values and scaled to [0, 1]. 2,000 training images, validation on 5,000 others.

# %%
def load_data(n_train, n_val):
    """Fashion-MNIST (or the embedded MNIST subset), flattened and scaled to [0, 1]."""
    try:
        from pynet.datasets import fashion_mnist
        (x, y), (xt, yt) = fashion_mnist.load()
        name = "Fashion-MNIST"
    except FileNotFoundError:
        from pynet.datasets import mnist
        (x, y), (xt, yt) = mnist.load()
        name = "MNIST (pynet's 10k subset; Fashion-MNIST is not installed)"
    prep = lambda a: a.reshape(len(a), -1).astype("float32") / 255
    return name, prep(x[:n_train]), y[:n_train], prep(xt[:n_val]), yt[:n_val]


# %% [markdown]
# ## Five variants
#
# Dense(u, relu) → Dense(u, relu) → Dense(10, softmax) with u = 32 / 256 / 1024, and the 256-unit
# original again with L2(0.001) on its hidden layers or Dropout(0.5) after each of them. RMSprop,
# sparse categorical cross-entropy.

# %%
def model(units, *, l2=None, dropout=None):
    from pynet import regularizers
    from pynet.layers import Dense, Dropout
    from pynet.sequential import Sequential

    reg = regularizers.l2(l2) if l2 else None
    net = Sequential()
    net.add(Dense(units, activation="relu", kernel_regularizer=reg, input_shape=(784,)))
    if dropout:
        net.add(Dropout(dropout))
    net.add(Dense(units, activation="relu", kernel_regularizer=reg))
    if dropout:
        net.add(Dropout(dropout))
    net.add(Dense(10, activation="softmax"))
    net.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return net


VARIANTS = {
    "smaller (32)": dict(units=32),
    "original (256)": dict(units=256),
    "bigger (1024)": dict(units=1024),
    "original + L2(0.001)": dict(units=256, l2=0.001),
    "original + Dropout(0.5)": dict(units=256, dropout=0.5),
}


# %% [markdown]
# ## The curves
#
# Validation loss on the left, training loss (penalties included) on the right, one colour per
# variant. The PNG goes (with matplotlib) to `$PYNET_OUTPUT` or a temporary folder.

# %%
def plot(histories, path):
    from pynet.inspect.curves import matplotlib_available
    if not matplotlib_available():
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name, h in histories.items():
        epochs = range(1, len(h["loss"]) + 1)
        line, = axes[0].plot(epochs, h["val_loss"], label=name)
        axes[1].plot(epochs, h["loss"], label=name, color=line.get_color())
    axes[0].set_title("validation loss")
    axes[1].set_title("training loss (with penalties)")
    for ax in axes:
        ax.set_xlabel("epoch")
        from pynet.inspect.figures import legend_outside
        legend_outside(ax, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def best_epoch(values):
    return int(np.argmin(values)) + 1


# %% [markdown]
# ## Run the lesson
#
# `run` trains each variant (batch 128, 30 epochs), prints a table of its parameters, best
# validation epoch and final losses, then compares what the book says about each defence with what
# the curves show.
#
# `--quick`: 1,000 images, 20 epochs.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.utils import clear_session, set_seed

    clear_session()   # layer names start again at dense_1, as in a fresh Keras session

    n_train, n_val, epochs = (1000, 1000, 20) if quick else (2000, 5000, 30)
    name, x, y, x_val, y_val = load_data(n_train, n_val)
    report.say(f"  data: {name}; {n_train} training and {n_val} validation images; {epochs} epochs")

    histories, models = {}, {}
    report.section("Training the five variants")
    report.say(f"  {'variant':<26}{'params':>9}{'best val epoch':>16}{'min val loss':>14}"
               f"{'final val loss':>16}{'final train loss':>18}{'val acc':>9}")
    for label, kwargs in VARIANTS.items():
        set_seed(SEED)
        net = model(**kwargs)
        h = net.fit(x, y, epochs=epochs, batch_size=128, verbose=0, seed=SEED,
                    validation_data=(x_val, y_val)).history
        histories[label], models[label] = h, net
        report.say(f"  {label:<26}{net.count_params():>9,}{best_epoch(h['val_loss']):>16}"
                   f"{min(h['val_loss']):>14.4f}{h['val_loss'][-1]:>16.4f}{h['loss'][-1]:>18.4f}"
                   f"{h['val_accuracy'][-1]:>9.4f}")

    small, orig, big = (histories[k] for k in ("smaller (32)", "original (256)", "bigger (1024)"))
    l2, drop = histories["original + L2(0.001)"], histories["original + Dropout(0.5)"]
    # RMSprop's curves are noisy from epoch to epoch, so the checks compare the mean of the last
    # five epochs ("late") rather than single values.
    late = lambda values: float(np.mean(values[-5:]))
    rise = lambda h: late(h["val_loss"]) - min(h["val_loss"])   # how far validation loss climbed back

    report.section("Capacity")
    report.compare("bigger net: epoch of lowest validation loss", book="~1", ours=best_epoch(big["val_loss"]),
                   agree=None, note="IMDB in the book; 'overfits almost immediately'")
    report.compare("smaller net: epoch of lowest validation loss", book="later", ours=best_epoch(small["val_loss"]),
                   agree=None)
    report.check(best_epoch(big["val_loss"]) <= best_epoch(small["val_loss"]),
                 "the bigger net starts overfitting no later than the smaller one")
    report.check(late(big["loss"]) < late(small["loss"]),
                 "the bigger net fits its training data better (late training loss)")
    report.check(rise(big) > rise(small),
                 "the bigger net's validation loss climbs further above its best")

    report.section("Weight regularization (L2) and dropout, on the original net")
    report.compare("late validation loss: original vs + L2", book=round(late(orig["val_loss"]), 4),
                   ours=round(late(l2["val_loss"]), 4),
                   agree=None if quick else late(l2["val_loss"]) < late(orig["val_loss"]),
                   note="'book' column = the original net; mean of the last 5 epochs"
                   + ("; --quick: shown, not judged (on 1,000 MNIST images the 0.001 penalty can "
                      "outweigh the data loss)" if quick else ""))
    report.compare("late validation loss: original vs + Dropout", book=round(late(orig["val_loss"]), 4),
                   ours=round(late(drop["val_loss"]), 4),
                   agree=late(drop["val_loss"]) < late(orig["val_loss"]), headline=True,
                   kind="differs", reason="the book draws curves and prints no number; the "
                   "'book' column is our original net, which dropout must beat",
                   note="'book' column = the original net; mean of the last 5 epochs")
    reg_net = models["original + L2(0.001)"]
    plain_loss = reg_net.evaluate(x, y)[0]
    penalty = sum(layer.regularization_loss() for layer in reg_net.layers)
    report.say(f"  L2 net on its own training data: evaluate() loss {plain_loss:.4f}, "
               f"penalty 0.001·Σw² = {penalty:.4f}")
    report.check(penalty > 0 and reg_net.train_on_batch(x[:256], y[:256])[0] > reg_net.evaluate(x[:256], y[:256])[0],
                 "the penalty counts in the training loss, not in evaluate()")

    from pynet.inspect.images import output_dir

    folder = output_dir()
    path = plot(histories, folder / "overfitting_curves.png")
    report.say(f"  curves: {path}" if path else "  (matplotlib not installed: no PNG; the table above has the numbers)")


# %%
if __name__ == "__main__":
    main(run, TITLE)
