# %% [markdown]
# # 35 · Chollet §6.3: temperature forecasting baselines (NOAA hourly stand-in)
#
# The book predicts the air temperature at Jena 24 hours ahead from the past 10 days of readings (14
# quantities every 10 minutes), cutting windows with the generator of listing 6.33. Before any
# network it measures the "no learning" baseline — tomorrow at this hour will be as warm as now —
# and every model must beat it.
#
# The Jena file cannot be downloaded here; this lesson runs the same programs on the hourly
# temperatures of Seattle and San Francisco in 2010 that pynet ships (`pynet.datasets.weather`): two
# features, Seattle's as the target. **The data differ** — one coastal city, one year, hourly — so
# the book's MAEs are printed beside ours, not matched.

# %%
"""Chollet §6.3–6.4 on NOAA hourly temperatures: the common-sense baseline, a dense net, a 1-D convnet.

The no-learning baseline, a dense net and a 1-D convnet on the NOAA hourly stand-in.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "35 · Chollet §6.3: temperature forecasting baselines (NOAA hourly stand-in)"
SEED = 27

BOOK_NAIVE_MAE = 0.29            # normalised, Jena validation rows
BOOK_NAIVE_CELSIUS = 2.57
BOOK_CONV_MAE = "above 0.40"     # listing 6.47 on Jena
# The book's split points as fractions of Jena's 420,551 rows.
TRAIN_END = 200_000 / 420_551
VAL_END = 300_000 / 420_551
LOOKBACK, STEP, DELAY, BATCH = 240, 1, 24, 128
TARGET = 0                       # Seattle's temperature


# %% [markdown]
# ## Normalising and cutting windows
#
# The book's sampling of one reading per hour (`step=6` on 10-minute data) is one row here, so
# `lookback=1440, step=6, delay=144` becomes `lookback=240, step=1, delay=24`; the splits keep the
# book's proportions (the first 47.6% of the rows to train, the next 23.8% to validate).
#
# Listing 6.32 normalises with the training rows' mean and standard deviation only. The series is
# small, so `windows` cuts every window at once for `fit`: `x[j]` is the `LOOKBACK` rows before row
# `j`, `y[j]` the target `DELAY` rows later.

# %%
def prepare(float_data):
    """Listing 6.32: subtract the training rows' mean, divide by their standard deviation."""
    n = len(float_data)
    train_end, val_end = int(TRAIN_END * n), int(VAL_END * n)
    mean = float_data[:train_end].mean(axis=0)
    std = float_data[:train_end].std(axis=0)
    return (float_data - mean) / std, mean, std, train_end, val_end


def windows(data, first_row, end_row):
    """Every window of rows ``[first_row, end_row)`` at once, for ``fit`` (small series only):
    ``x[j] = data[row − LOOKBACK : row : STEP]``, ``y[j] = data[row + DELAY, TARGET]``."""
    from pynet.preprocessing import timeseries_dataset_from_array

    rows = np.arange(first_row, end_row)
    ds = timeseries_dataset_from_array(
        data, data[first_row + DELAY:end_row + DELAY, TARGET], sequence_length=LOOKBACK // STEP,
        sampling_rate=STEP, batch_size=1024, start_index=first_row - LOOKBACK,
        end_index=end_row - 1)
    x, y = ds.arrays()
    assert len(x) == len(rows)
    return x.astype(np.float32), y.astype(np.float32)


# %% [markdown]
# ## The common-sense baseline
#
# Listings 6.33–6.36: predict that the temperature 24 hours from now equals the last reading of the
# window. Its MAE is the bar every network must clear (the book: 0.29 normalised, i.e. 2.57 °C); the
# lesson computes it twice, through the generator and directly.

# %%
def evaluate_naive_method(val_gen, val_steps):
    """Listing 6.35: predict that the target equals the last reading of the window."""
    batch_maes = []
    for _ in range(val_steps):
        samples, targets = next(val_gen)
        preds = samples[:, -1, TARGET]
        batch_maes.append(np.mean(np.abs(preds - targets)))
    return float(np.mean(batch_maes))


# %% [markdown]
# ## A dense network and a 1-D convnet
#
# Listing 6.37: Flatten → Dense(32, relu) → Dense(1), RMSprop, MAE loss — does it beat the baseline?
# Listing 6.47: three Conv1D(32, 5) with pooling. The book's convnet does *not* beat the baseline on
# Jena (validation MAE above 0.40), because it cannot tell recent readings from old.

# %%
def dense_model(channels):
    """Listing 6.37."""
    from pynet.layers import Dense, Flatten
    from pynet.sequential import Sequential

    model = Sequential()
    model.add(Flatten(input_shape=(LOOKBACK // STEP, channels)))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(1))
    model.compile(optimizer="rmsprop", loss="mae")
    return model


def conv_model(channels):
    """Listing 6.47."""
    from pynet.layers import Conv1D, Dense, GlobalMaxPooling1D, MaxPooling1D
    from pynet.sequential import Sequential

    model = Sequential()
    model.add(Conv1D(32, 5, activation="relu", input_shape=(LOOKBACK // STEP, channels)))
    model.add(MaxPooling1D(3))
    model.add(Conv1D(32, 5, activation="relu"))
    model.add(MaxPooling1D(3))
    model.add(Conv1D(32, 5, activation="relu"))
    model.add(GlobalMaxPooling1D())
    model.add(Dense(1))
    model.compile(optimizer="rmsprop", loss="mae")
    return model


# %% [markdown]
# ## The dense network in PyTorch, over seeds
#
# Listing 6.37's network in PyTorch starts from pynet's initial weights of the same seed and draws
# its batch order from `default_rng(seed)` as pynet's `fit(seed=...)` does, so it starts on the
# same trajectory: after the first epoch the two agree to float32 round-off. Over twenty epochs
# that round-off grows (the MAE loss's gradient is a sign, and one flipped sign sends a step
# elsewhere), so the best validation MAEs are compared as samples: their means must agree within
# the seeds' spread.

# %%
def torch_dense_val_mae(torch, start, x, y, x_val, y_val, epochs, seed):
    """Listing 6.37's network in PyTorch, from the weights ``start`` holds (Flatten → Dense(32,
    relu) → Dense(1), RMSprop with Keras's constants, MAE loss, batches of BATCH reshuffled each
    epoch by ``default_rng(seed).permutation``); returns the validation MAE after each epoch."""
    nn = torch.nn
    dense = [layer for layer in start.layers if "kernel" in getattr(layer, "params", {})]
    twin = nn.Sequential(nn.Flatten(), nn.Linear(*dense[0].params["kernel"].shape), nn.ReLU(),
                         nn.Linear(*dense[1].params["kernel"].shape))
    with torch.no_grad():
        for lin, layer in zip((twin[1], twin[3]), dense):
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.params["kernel"].T)))
            lin.bias.copy_(torch.from_numpy(layer.params["bias"]))
    opt = torch.optim.RMSprop(twin.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    xv, yv = torch.from_numpy(x_val), torch.from_numpy(y_val)
    rng = np.random.default_rng(seed)
    maes = []
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(x)))
        for s in range(0, len(x), BATCH):
            idx = order[s:s + BATCH]
            opt.zero_grad()
            (twin(xt[idx])[:, 0] - yt[idx]).abs().mean().backward()
            opt.step()
        with torch.no_grad():
            maes.append(float((twin(xv)[:, 0] - yv).abs().mean()))
    return maes


def dense_seed_spread(torch, x_train, y_train, x_val, y_val, epochs, seeds):
    """Validation MAE of listing 6.37's net after each epoch, for several seeds, in pynet and in
    PyTorch (PyTorch starts from pynet's initial weights of the same seed and draws its batch
    order from ``default_rng(seed)`` as pynet's ``fit(seed=...)`` does, so it starts on the same
    trajectory): two arrays of shape (seeds, epochs), the second empty without PyTorch."""
    from pynet.utils import set_seed

    ours, theirs = [], []
    for seed in seeds:
        set_seed(seed)
        model = dense_model(x_train.shape[2])
        start = dense_model(x_train.shape[2])
        start.set_weights(model.get_weights())
        history = model.fit(x_train, y_train, epochs=epochs, batch_size=BATCH, verbose=0,
                            validation_data=(x_val, y_val), seed=seed)
        ours.append(history.history["val_loss"])
        if torch is not None:
            torch.manual_seed(seed)
            theirs.append(torch_dense_val_mae(torch, start, x_train, y_train, x_val, y_val,
                                              epochs, seed))
    return np.array(ours, dtype=float), np.array(theirs, dtype=float)


# %% [markdown]
# ## Run the lesson
#
# `run` prints the baseline, then each network's validation MAE beside it and beside the book's. The
# products are small, so the lesson runs with one BLAS thread (`pynet/kernels/threads.py`).
#
# `--quick` trains fewer epochs.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.kernels.threads import limit_blas_threads

    # These products are small (a few hundred rows): one BLAS thread each is fastest, and on a
    # busy machine threaded BLAS pools fighting for the cores made an epoch 100x slower
    # (the policy of pynet/kernels/threads.py).
    with limit_blas_threads(1):
        lesson(report, quick)


def lesson(report: Report, quick: bool) -> None:
    from pynet.datasets import weather
    from pynet.preprocessing import generator
    from pynet.utils import clear_session, set_seed

    clear_session()
    report.section("The data: hourly °F in Seattle and San Francisco, 2010")
    times, float_data = weather.load_cities(("seattle", "sf"))
    report.say(f"  {len(float_data):,} hours × {float_data.shape[1]} features, {times[0]} .. "
               f"{times[-1]} (the book: 420,551 rows × 14 features, 2009–2016)")
    data, mean, std, train_end, val_end = prepare(float_data)
    report.say(f"  rows 0..{train_end - 1} train, {train_end + 1}..{val_end - 1} validate, "
               f"{val_end + 1}.. test (the book's 200,000 / 300,000 split, in proportion)")
    report.check(np.allclose(data[:train_end].mean(axis=0), 0, atol=1e-9) and
                 np.allclose(data[:train_end].std(axis=0), 1), "listing 6.32: training rows "
                 "have mean 0 and standard deviation 1 (validation rows need not)")

    report.section("Listings 6.33–6.36: the generator and the common-sense baseline")
    val_gen = generator(data, LOOKBACK, DELAY, train_end + 1, val_end, batch_size=BATCH,
                        step=STEP, target_column=TARGET)
    val_steps = (val_end - (train_end + 1) - LOOKBACK) // BATCH
    samples, targets = next(generator(data, LOOKBACK, DELAY, train_end + 1, val_end,
                                      batch_size=BATCH, step=STEP, target_column=TARGET))
    report.say(f"  one batch: samples {samples.shape}, targets {targets.shape}; "
               f"val_steps = {val_steps}")
    naive = evaluate_naive_method(val_gen, val_steps)
    rows = np.arange(train_end + 1 + LOOKBACK, train_end + 1 + LOOKBACK + val_steps * BATCH)
    direct = float(np.mean(np.abs(data[rows - 1, TARGET] - data[rows + DELAY, TARGET])))
    report.check(abs(naive - direct) < 1e-12, "the generator's baseline equals the direct "
                 "computation over the same rows")
    celsius = naive * std[TARGET] * 5 / 9
    report.compare("naive baseline MAE (normalised)", book=BOOK_NAIVE_MAE, ours=naive,
                   agree=None, note="Jena vs Seattle: different data")
    report.compare("naive baseline MAE (°C)", book=BOOK_NAIVE_CELSIUS, ours=celsius, agree=None,
                   headline=True, note=f"0.29 × 8.85 °C vs {naive:.3f} × {std[TARGET] * 5 / 9:.2f} °C",
                   kind="differs", reason="Seattle's hourly temperatures stand in for the Jena "
                   "climate series: a different place and climate")
    mean_guess = float(np.mean(np.abs(data[rows + DELAY, TARGET])))
    report.say(f"  for scale: always predicting the training mean gives {mean_guess:.3f}")

    report.section("Listing 6.37: a densely connected network")
    x_train, y_train = windows(data, LOOKBACK, train_end)
    x_val, y_val = windows(data, train_end + 1 + LOOKBACK, val_end)
    report.say(f"  {len(x_train):,} training windows and {len(x_val):,} validation windows of "
               f"{x_train.shape[1]} hours × {x_train.shape[2]} features (the book streams "
               "500 batches of 128 per epoch from the generator; ours fit in memory)")
    epochs = 8 if quick else 20
    set_seed(SEED)
    dense = dense_model(x_train.shape[2])
    history = dense.fit(x_train, y_train, epochs=epochs, batch_size=BATCH,
                        validation_data=(x_val, y_val), verbose=0, seed=SEED)
    val_mae = history.history["val_loss"]
    report.say("  val MAE by epoch: " + " ".join(f"{v:.3f}" for v in val_mae))
    best = float(min(val_mae))
    report.compare("dense net, best validation MAE", book="≈ baseline, not reliably below",
                   ours=best, agree=None,
                   note=f"baseline {naive:.3f}; {'below' if best < naive else 'not below'} it")
    report.check(np.isfinite(val_mae).all() and best < mean_guess,
                 "the dense net learns something: better than always predicting the mean")

    report.section("The same dense net in PyTorch, several seeds (a same-data reference)")
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
        report.say("  PyTorch is not installed: the same-data reference is skipped")
    seeds = (SEED, SEED + 1) if quick else tuple(range(SEED, SEED + 5))
    ours_curves, theirs_curves = dense_seed_spread(torch, x_train, y_train, x_val, y_val, epochs,
                                                   seeds)
    ours = ours_curves.min(axis=1)
    report.say(f"  pynet, seeds {seeds[0]}–{seeds[-1]}: best val MAE "
               + " ".join(f"{v:.3f}" for v in ours) + f" (mean {ours.mean():.3f} ± {ours.std(ddof=1):.3f})")
    if torch is not None:
        theirs = theirs_curves.min(axis=1)
        report.say(f"  PyTorch, same starts: best val MAE " + " ".join(f"{v:.3f}" for v in theirs)
                   + f" (mean {theirs.mean():.3f} ± {theirs.std(ddof=1):.3f})")
        # Same start and the same batch order (both draw it from default_rng(seed)): after one
        # epoch the two differ only by float32 round-off. Later the round-off grows, so the best
        # MAEs are compared as two samples, against the seeds' spread.
        first_gap = float(np.max(np.abs(ours_curves[:, 0] - theirs_curves[:, 0])))
        spread = max(ours.std(ddof=1), theirs.std(ddof=1))
        report.say(f"  after epoch 1 (same trajectory so far): largest per-seed difference "
                   f"{first_gap:.1e} (limit 5e-3)")
        report.compare("dense net, mean best val MAE, pynet vs PyTorch", book=round(theirs.mean(), 3),
                       ours=ours.mean(),
                       agree=first_gap < 5e-3 and abs(ours.mean() - theirs.mean()) <= spread,
                       note=f"the book column is PyTorch here, same starts and batch order; the "
                            f"means must differ by at most the seeds' spread ±{spread:.3f}, and "
                            f"the first epoch by round-off only")

    report.section("Listing 6.47: a 1-D convnet on the series")
    set_seed(SEED)
    conv = conv_model(x_train.shape[2])
    report.say("  shapes: " + " → ".join(str(layer.output_shape) for layer in conv.layers))
    history = conv.fit(x_train, y_train, epochs=epochs, batch_size=BATCH,
                       validation_data=(x_val, y_val), verbose=0, seed=SEED)
    conv_best = float(min(history.history["val_loss"]))
    report.say("  val MAE by epoch: " + " ".join(f"{v:.3f}" for v in history.history["val_loss"]))
    report.compare("Conv1D net, best validation MAE", book=BOOK_CONV_MAE, ours=conv_best,
                   agree=None, note=f"baseline {naive:.3f}: the convnet ignores *when* a "
                                    "pattern happened, which matters for a forecast")
    report.check(np.isfinite(conv_best), "the convnet trains (finite validation MAE)")


# %%
if __name__ == "__main__":
    main(run, TITLE)
