# %% [markdown]
# # 25 · Boston housing: K-fold validation of a regression network (Chollet §3.6)
#
# *Deep Learning with Python* §3.6 predicts the median house price of 506 Boston suburbs of the
# 1970s from 13 features. There are only 404 training rows, so a single validation split would give
# a noisy score; the book uses **4-fold validation**: four models, each trained on three quarters
# and scored on the fourth, and the average of the four scores.
#
# This is one of the few places where pynet has the book's exact data: `boston_housing.load_data()`
# reproduces Keras's 404/102 split row for row, so the numbers below are a real reproduction — up to
# the randomness of the initial weights and the batch order, which is why several seeds are shown
# (the book's numbers are one run).

# %%
"""Boston housing prices with K-fold validation (Chollet §3.6), on the book's own data.

One model per fold, the validation curve smoothed, the final model over several seeds.
"""
from __future__ import annotations

import time

import numpy as np

from pynet.lessons import Report, main

TITLE = "25 · Boston housing: K-fold validation of a regression network (Chollet §3.6)"
SEED = 28

#: Chollet §3.6.4, 4-fold, 100 epochs, batch 1 (``all_scores``) and their mean.
BOOK_FOLD_MAE = (2.588258957792037, 3.1289568449719116, 3.1856116051248984, 3.0763342615401386)
BOOK_MEAN_MAE = 2.9947904173572462
# the author's own first-edition notebook, the same program and Keras 2: its saved run of this
# cell gives folds 2.08, 2.12, 2.91, 2.43 (and the book's final 2.5532...): an erratum of 2.99
NOTEBOOK_MEAN_MAE = 2.3837935992396706
BOOK_BEST_EPOCH = 80            # read off figure 3.12 (x axis of the smoothed, shortened curve)
BOOK_TEST_MAE = 2.5532484335057877
K = 4
CURVE_EPOCHS = 500              # the book's 500
QUICK_EPOCHS = 8


# %% [markdown]
# ## The network
#
# `build_model()` (listing 3.26): Dense 64 relu → Dense 64 relu → Dense 1 with no activation, a
# scalar regression. RMSprop, mean squared error as the loss, the mean absolute error (MAE) as the
# metric: an MAE of 3 means about $3,000 off.

# %%
def build_model(n_features=13):
    """Listing 3.26: two Dense(64, relu) layers and one linear output unit (a scalar regression)."""
    from pynet.layers import Dense
    from pynet.sequential import Sequential

    model = Sequential()
    model.add(Dense(64, activation="relu", input_shape=(n_features,)))
    model.add(Dense(64, activation="relu"))
    model.add(Dense(1))
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    return model


# %% [markdown]
# ## The data
#
# Listings 3.24–3.25: Keras's split, and the features standardised with the *training* data's mean
# and standard deviation only — the test rows must not leak into the scaling.

# %%
def load():
    """Listings 3.24–3.25: Keras's split, features standardised with the training statistics."""
    from pynet.datasets import boston_housing

    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    x_train, x_test = boston_housing.normalize(x_train, x_test)
    return (x_train.astype("float32"), y_train.astype("float32")[:, None],
            x_test.astype("float32"), y_test.astype("float32")[:, None])


# %% [markdown]
# ## K-fold validation and the final model
#
# Listings 3.27–3.28: the 404 rows cut into 4 folds in order; a new model per fold, trained on the
# other three, its validation MAE recorded every epoch. The book's per-fold scores after 100 epochs
# of batch 1 are [2.59, 3.13, 3.19, 3.08], mean 2.99 (for prices of $10k–50k).
#
# Listing 3.32: the final model trains on all 404 rows (80 epochs, batch 16) and is evaluated once
# on the 102 test rows; the book reports a test MAE of 2.55.

# %%
def k_fold(x, y, epochs, seed, batch_size=1):
    """Listing 3.27/3.28: 4 folds in order, a new model per fold, validation MAE every epoch."""
    from pynet.utils import cross_validate

    return cross_validate(build_model, x, y, k=K, epochs=epochs, batch_size=batch_size, seed=seed)


def final_test_mae(x, y, x_test, y_test, seed, epochs=80, batch_size=16):
    """Listing 3.32: train on all 404 rows, then evaluate once on the test rows."""
    from pynet.utils import set_seed

    set_seed(seed)
    model = build_model()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, seed=seed)
    _, mae = model.evaluate(x_test, y_test, verbose=0)
    return mae


# %% [markdown]
# ## When to stop: figure 3.12
#
# The same folds trained longer (500 epochs, as the book), the validation MAE averaged over the
# folds for each epoch, the first 10 points dropped and the rest smoothed with an exponential moving
# average (factor 0.9). Where the smoothed curve bottoms out is the epoch count for the final model:
# the book reads ~80 off its figure.
#
# The 100-epoch scores are the same runs read at epoch 100: a model trained for 500 epochs *is* the
# 100-epoch model at epoch 100, because the batches of an epoch do not depend on how many epochs
# follow (the lesson checks this).

# %%
def smoothed_minimum(curve, drop=10, factor=0.9):
    """The book's figure 3.12: drop the first ``drop`` points, smooth, find the lowest point.

    Returns ``(smoothed, x_axis_position, epoch)``: the position is 1-based on the shortened
    curve (what the book's plot shows on its x axis), the epoch counts from the start of training.
    """
    from pynet.utils import smooth_curve

    smooth = np.array(smooth_curve(curve[drop:], factor))
    position = int(np.argmin(smooth)) + 1
    return smooth, position, position + drop


# %% [markdown]
# ## One step against PyTorch
#
# One batch-1 RMSprop step from the same weights in pynet and in PyTorch, with Keras's RMSprop
# constants: the same loss and the same new weights.

# %%
def torch_one_step(report, x, y):
    """One batch-1 RMSprop step from the same weights in pynet and PyTorch."""
    try:
        import torch
    except ImportError:
        report.say("  (PyTorch is not installed: the one-step cross-check is skipped)")
        return
    from pynet.utils import set_seed

    torch.set_num_threads(1)
    set_seed(SEED)
    model = build_model()
    nn = torch.nn
    twin = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    with torch.no_grad():
        for ours, theirs in zip(model.layers, (twin[0], twin[2], twin[4])):
            theirs.weight.copy_(torch.from_numpy(ours.params["kernel"].T.copy()))
            theirs.bias.copy_(torch.from_numpy(ours.params["bias"]))
    # Keras's RMSprop constants (PyTorch's defaults are alpha=0.99, eps=1e-8)
    opt = torch.optim.RMSprop(twin.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_ours = model.train_on_batch(x[:1], y[:1])[0]
    opt.zero_grad()
    loss_t = torch.nn.functional.mse_loss(twin(torch.from_numpy(x[:1])), torch.from_numpy(y[:1]))
    loss_t.backward()
    opt.step()
    report.compare("loss of one sample, pynet vs PyTorch", book=loss_t.item(), ours=loss_ours,
                   agree=abs(loss_t.item() - loss_ours) <= 1e-5 * max(1.0, loss_ours),
                   note="'book' = PyTorch, same weights")
    diff = max(float(np.abs(ours.params[name] - (theirs.weight.detach().numpy().T if name == "kernel"
                                                  else theirs.bias.detach().numpy())).max())
               for ours, theirs in zip(model.layers, (twin[0], twin[2], twin[4]))
               for name in ("kernel", "bias"))
    report.compare("max |weight difference| after the step", book=0.0, ours=diff, agree=diff <= 1e-6,
                   note="RMSprop's first step moves each weight ~3e-3")


# %% [markdown]
# ## Run the lesson
#
# `run` prints the data check, the parameter count and the PyTorch step, the per-fold and mean
# K-fold MAE beside the book's, the smoothed curve (saved as a PNG when matplotlib is installed) and
# the final model's test MAE over five seeds. The matrices are small (batch-1 steps), so one BLAS
# thread is fastest.
#
# `--quick` is short and says so: 8 epochs of K-fold instead of 100 and 500 (so the curve ends long
# before the book's minimum), and the final model (which is cheap) with 2 seeds instead of 5. The
# K-fold MAE over 5 seeds and the same model in PyTorch on the same split are measured by
# `python -m bench.boston` (`bench/results/boston.md`).

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.kernels.threads import limit_blas_threads

    with limit_blas_threads(1):      # batch-1 steps: matrices too small to gain from BLAS threads
        lesson(report, quick)


def lesson(report: Report, quick: bool) -> None:
    from pynet.utils import clear_session

    clear_session()
    x, y, x_test, y_test = load()
    report.say(f"  training rows {len(x)}, test rows {len(x_test)} — Keras's split exactly "
               f"(training targets begin {', '.join(f'{v:g}' for v in y[:3, 0])}; the book: 15.2, "
               "42.3, 50)")
    report.compare("training targets begin", book="15.2, 42.3, 50",
                   ours=", ".join(f"{v:g}" for v in y[:3, 0]),
                   agree=np.allclose(y[:3, 0], [15.2, 42.3, 50.0]))
    report.compare("training rows / test rows", book="404 / 102", ours=f"{len(x)} / {len(x_test)}",
                   agree=(len(x), len(x_test)) == (404, 102))

    report.section("Listing 3.26: the network, and one step against PyTorch")
    report.compare("parameters", book=64 * 14 + 64 * 65 + 65, ours=build_model().count_params(),
                   agree=build_model().count_params() == 5121, note="13·64+64, 64·64+64, 64+1")
    torch_one_step(report, x, y)

    # A model trained for E + e epochs passes through the E-epoch model: the batches of epoch j
    # do not depend on how many epochs follow. So one long K-fold run gives the 100-epoch scores.
    short, longer = k_fold(x[:120], y[:120], 2, SEED), k_fold(x[:120], y[:120], 4, SEED)
    same = all(np.isclose(a.history["val_mae"][1], b.history["val_mae"][1], rtol=1e-6)
               for a, b in zip(short.folds, longer.folds))
    report.check(same, "a 4-epoch run read at epoch 2 equals a 2-epoch run (same seed)")

    epochs = QUICK_EPOCHS if quick else CURVE_EPOCHS
    at = min(100, epochs)
    report.section(f"Listings 3.27–3.28: 4-fold validation, batch 1, {epochs} epochs"
                   + (" (quick mode: the book trains 100 and 500)" if quick else " (the book: 100 and 500)"))
    t0 = time.perf_counter()
    cv = k_fold(x, y, epochs, SEED)
    seconds = time.perf_counter() - t0
    report.say(f"  {K} folds × {epochs} epochs × {len(cv.folds[0].train_idx)} steps in {seconds:.0f} s")
    curves = cv.curves("val_mae")
    fold_mae = curves[:, at - 1]
    report.compare(f"per-fold validation MAE at epoch {at}",
                   book=", ".join(f"{v:.2f}" for v in BOOK_FOLD_MAE),
                   ours=", ".join(f"{v:.2f}" for v in fold_mae), agree=None,
                   note="fold order as in the book: the first quarter validates first")
    mean_mae = float(fold_mae.mean())
    report.compare(f"mean K-fold MAE at epoch {at} ($1000s)", book=BOOK_MEAN_MAE, ours=mean_mae,
                   agree=None, headline=True, kind="differs",
                   data="the book's own data and split",
                   reason="the book's one Keras 2 run (2.99) lies outside the seed spread of "
                          "pynet, PyTorch and Keras 3 on the same split (2.36-2.60, "
                          "bench/results/boston.md), which agree with each other and hold "
                          f"the author's own notebook run of the same program "
                          f"({NOTEBOOK_MEAN_MAE:.2f}): an erratum, docs/experiments.md",
                   note=(f"quick: {epochs} epochs, not 100" if quick else
                         "one seed; the book: one Keras run; seeds and PyTorch on the same split: "
                         "bench/results/boston.md"))
    if not quick:
        report.check(2.0 < mean_mae < 4.0, "the K-fold MAE is a few thousand dollars, as in the book")

    average = cv.average_curve("val_mae")
    drop = 10 if epochs > 50 else 2
    smooth, position, epoch = smoothed_minimum(average, drop=drop)
    report.section(f"Figure 3.12: validation MAE averaged over the folds, smoothed, first {drop} "
                   "points dropped")
    shown = {drop + 1, 25, 50, 80, 100, 150, 200, 300, 400, epochs} & set(range(drop + 1, epochs + 1))
    for e in sorted(shown):
        report.say(f"  epoch {e:>3}: mean of folds {average[e - 1]:.3f}   "
                   f"smoothed {smooth[e - drop - 1]:.3f}")
    report.compare("where the smoothed curve bottoms out (x axis)", book=BOOK_BEST_EPOCH, ours=position,
                   agree=None, note=f"epoch {epoch} of training; lowest raw mean "
                                    f"{average.min():.3f} at epoch {int(np.argmin(average)) + 1}")
    if not quick:
        report.check(smooth[-1] > smooth.min() + 0.05,
                     "after its minimum the validation MAE climbs again (overfitting)")
    save_curve(report, smooth, drop)

    seeds = (SEED, SEED + 1) if quick else tuple(SEED + i for i in range(5))
    report.section(f"Listing 3.32: the final model, 80 epochs, batch 16, on all 404 rows — "
                   f"{len(seeds)} seeds")
    maes = [final_test_mae(x, y, x_test, y_test, s) for s in seeds]
    report.say("  test MAE per seed: " + ", ".join(f"{m:.2f}" for m in maes))
    mean_test = float(np.mean(maes))
    report.compare("test MAE, mean over seeds ($1000s)", book=BOOK_TEST_MAE, ours=mean_test,
                   agree=abs(mean_test - BOOK_TEST_MAE) <= max(0.6, 2 * float(np.std(maes))),
                   note=f"seeds span {min(maes):.2f}–{max(maes):.2f}; the book: one run")


def save_curve(report, smooth, drop):
    from pynet.inspect.curves import matplotlib_available
    from pynet.inspect.images import output_dir

    if not matplotlib_available():
        report.say("  (matplotlib not installed: no curve drawn)")
        return
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(drop + 1, drop + 1 + len(smooth)), smooth)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation MAE (smoothed), $1000s")
    ax.set_title("Boston housing, 4-fold average")
    path = output_dir() / "boston_val_mae.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    report.say(f"  curve saved: {path}")


# %%
if __name__ == "__main__":
    main(run, TITLE)
