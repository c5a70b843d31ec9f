# %% [markdown]
# # 18 · Airline passengers with an LSTM (lecture C23) + windows, time steps, stateful
#
# The lecture (C23) predicts next month's international airline passengers (thousands,
# 1949–1960, 144 months) from this month's: the series scaled to [0, 1] with MinMax, the first 67%
# (96 months) for training and the rest for testing, in order; `look_back = 1` month in, one month
# out; `LSTM(4) → Dense(1)`, mean squared error, Adam, 100 epochs, batch 1. It reports the error in
# passengers after undoing the scaling: **train 22.93, test 47.53 RMSE** (thousands).

# %%
"""Forecasting airline passengers with an LSTM (lecture notes C23), then windows, time steps and a stateful LSTM.

Run it: ``pynet run 18 [--quick]``; as a notebook: ``pynet notebook 18``.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "18 · Airline passengers with an LSTM (lecture C23) + windows, time steps, stateful"
SEED = 7
BOOK_TRAIN_RMSE = 22.93
BOOK_TEST_RMSE = 47.53
BOOK_PARAMS = 4 * 4 * (1 + 4 + 1) + 5          # LSTM(4) on one feature + Dense(1) = 101


# %% [markdown]
# ## The data pipeline, step by step
#
# Scaling, the ordered split and the `create_dataset` windows, including the lecture's habit of
# dropping the last pair; RMSE is measured after undoing the scaling.

# %%
def prepare(look_back=1):
    """The lecture's pipeline: MinMax to [0, 1], 67/33 ordered split, windows."""
    from pynet.datasets import airline

    _, passengers = airline.load()
    low, high = float(passengers.min()), float(passengers.max())
    scaled = ((passengers - low) / (high - low)).astype(np.float32)
    train_size = int(len(scaled) * 0.67)
    train, test = scaled[:train_size], scaled[train_size:]
    train_x, train_y = airline.windows(train, look_back)
    test_x, test_y = airline.windows(test, look_back)
    return dict(series=passengers, scaled=scaled, low=low, high=high, train_size=train_size,
                train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y)


def unscale(data, values):
    return np.asarray(values).reshape(-1) * (data["high"] - data["low"]) + data["low"]


def rmse(data, predicted, target):
    return float(np.sqrt(np.mean((unscale(data, predicted) - unscale(data, target)) ** 2)))


# %% [markdown]
# ## The lecture's model
#
# `LSTM(4) → Dense(1)`: 96 parameters.

# %%
def lstm_model(timesteps, features, *, stateful=False):
    from pynet.layers import LSTM, Dense
    from pynet.sequential import Sequential

    if stateful:
        first = LSTM(4, batch_input_shape=(1, timesteps, features), stateful=True)
    else:
        first = LSTM(4, input_shape=(timesteps, features))
    net = Sequential([first, Dense(1)])
    net.compile(loss="mean_squared_error", optimizer="adam")
    return net


def train_and_score(data, framing, epochs, seed):
    """Fit one model; return (train RMSE, test RMSE, train predictions, test predictions)."""
    from pynet.utils import set_seed

    set_seed(seed)
    tx, vx = data["train_x"], data["test_x"]
    lb = tx.shape[1]
    if framing == "time_steps":
        shape = (lb, 1)
    else:                                      # 'window' (and the lecture's look_back=1)
        shape = (1, lb)
    tx3, vx3 = tx.reshape((-1,) + shape), vx.reshape((-1,) + shape)
    if framing == "stateful":
        tx3, vx3 = tx.reshape(-1, lb, 1), vx.reshape(-1, lb, 1)
        net = lstm_model(lb, 1, stateful=True)
        layer = net.layers[0]
        for _ in range(epochs):
            net.fit(tx3, data["train_y"], epochs=1, batch_size=1, verbose=0, shuffle=False,
                    seed=seed)
            layer.reset_states()
        train_pred = net.predict(tx3, batch_size=1)
        layer.reset_states()
        test_pred = net.predict(vx3, batch_size=1)
    else:
        net = lstm_model(*shape)
        net.fit(tx3, data["train_y"], epochs=epochs, batch_size=1, verbose=0, seed=seed)
        train_pred, test_pred = net.predict(tx3), net.predict(vx3)
    return (rmse(data, train_pred, data["train_y"]), rmse(data, test_pred, data["test_y"]),
            train_pred, test_pred)


# %% [markdown]
# ## A same-data reference in PyTorch
#
# The same model in PyTorch (`torch.nn.LSTM`, same data and schedule) over several seeds: the
# lecture's numbers are one seed's, so ours must lie within the seeds' spread.

# %%
def torch_scores(torch, data, epochs, seed):
    """The same model in PyTorch: LSTM(1 → 4) + Linear(4 → 1), MSE, Adam, batch 1, shuffled."""
    torch.manual_seed(seed)
    lstm, head = torch.nn.LSTM(1, 4, batch_first=True), torch.nn.Linear(4, 1)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3, eps=1e-7)
    x = torch.from_numpy(data["train_x"].reshape(-1, 1, 1))
    y = torch.from_numpy(data["train_y"].reshape(-1, 1))
    rng = np.random.default_rng(seed)

    def predict(inputs):
        with torch.no_grad():
            return head(lstm(inputs)[0][:, -1]).numpy()

    for _ in range(epochs):
        for i in rng.permutation(len(x)):
            opt.zero_grad()
            out = head(lstm(x[i:i + 1])[0][:, -1])
            torch.nn.functional.mse_loss(out, y[i:i + 1]).backward()
            opt.step()
    vx = torch.from_numpy(data["test_x"].reshape(-1, 1, 1))
    return (rmse(data, predict(x), data["train_y"]), rmse(data, predict(vx), data["test_y"]))


# %% [markdown]
# ## The lecture's picture
#
# The series with the train and test predictions (when matplotlib is installed).

# %%
def plot(data, train_pred, test_pred, look_back, path):
    """The lecture's picture: the series, train predictions, test predictions."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(data["series"])
    train_plot = np.full(n, np.nan)
    test_plot = np.full(n, np.nan)
    tp, vp = unscale(data, train_pred), unscale(data, test_pred)
    train_plot[look_back:len(tp) + look_back] = tp
    test_plot[len(tp) + look_back * 2 + 1:n - 1] = vp
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(data["series"], color="tab:blue", label="passengers (thousands)")
    ax.plot(train_plot, color="tab:green", label="train predictions")
    ax.plot(test_plot, color="tab:red", label="test predictions")
    from pynet.inspect.figures import legend_outside
    legend_outside(ax)
    ax.set_xlabel("month since January 1949")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# %% [markdown]
# ## Run the lesson
#
# The lecture's model beside 22.93 / 47.53, the PyTorch seeds, then beyond the notes: the window
# framing (three past months as three *features* of one step), the time-step framing (three months
# as three *steps* of one feature), and a stateful LSTM that carries its state from sample to
# sample through the series, reset after each epoch with `reset_states()`, each with its RMSE.
#
# Quick mode trains every model for 15 epochs (the RMSEs are then larger than the lecture's and
# are printed for information) and skips the PyTorch seeds.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.utils import clear_session

    clear_session()
    epochs = 15 if quick else 100
    data = prepare(1)
    report.section("The data (lecture C23)")
    report.say(f"  {len(data['series'])} months, {data['series'][0]:.0f} .. "
               f"{data['series'].max():.0f} thousand passengers; scaled to [0, 1]")
    report.compare("training months (67%)", book=96, ours=data["train_size"],
                   agree=data["train_size"] == 96)
    report.compare("training pairs with look_back=1", book=94, ours=len(data["train_x"]),
                   agree=len(data["train_x"]) == 94, note="create_dataset drops the last pair")
    report.compare("test pairs", book=46, ours=len(data["test_x"]), agree=len(data["test_x"]) == 46)
    net = lstm_model(1, 1)
    report.say(net.summary(print_fn=lambda s: None))
    report.compare("parameters", book=BOOK_PARAMS, ours=net.count_params(),
                   agree=net.count_params() == BOOK_PARAMS, note="4·4·(1 + 4 + 1) + 5")

    report.section(f"The lecture's model: LSTM(4) → Dense(1), {epochs} epochs, batch 1")
    tr, te, train_pred, test_pred = train_and_score(data, "window", epochs, SEED)
    report.say(f"  Train Score: {tr:.2f} RMSE")
    report.say(f"  Test Score: {te:.2f} RMSE")
    report.compare("train RMSE (thousands of passengers)", book=BOOK_TRAIN_RMSE, ours=tr,
                   agree=None if quick else abs(tr - BOOK_TRAIN_RMSE) < 0.35 * BOOK_TRAIN_RMSE,
                   note="within 35%: one seed's number")
    report.compare("test RMSE (thousands of passengers)", book=BOOK_TEST_RMSE, ours=te,
                   agree=None if quick else abs(te - BOOK_TEST_RMSE) < 0.35 * BOOK_TEST_RMSE,
                   headline=True, note="within 35%: one seed's number",
                   kind="differs" if quick else "book", tolerance="35% (one seed's number)",
                   data="the notes' airline series and split",
                   reason="--quick: fewer epochs, shown but not judged")

    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and not quick:
        report.section("The same model in PyTorch, three seeds (and ours with the same seeds)")
        torch.set_num_threads(1)
        theirs = [torch_scores(torch, data, epochs, s) for s in (1, 2, 3)]
        ours = [train_and_score(data, "window", epochs, s)[:2] for s in (1, 2, 3)]
        for s, (a, b) in zip((1, 2, 3), zip(theirs, ours)):
            report.say(f"  seed {s}: PyTorch train {a[0]:.2f} test {a[1]:.2f} | pynet train "
                       f"{b[0]:.2f} test {b[1]:.2f}")
        t_mean, o_mean = np.mean([t[1] for t in theirs]), np.mean([o[1] for o in ours])
        spread = max(np.ptp([t[1] for t in theirs + ours]), 3.0)
        report.compare("mean test RMSE over 3 seeds, PyTorch vs pynet", book=float(t_mean),
                       ours=float(o_mean), agree=abs(t_mean - o_mean) <= spread,
                       note=f"'book' = PyTorch; tolerance = the seeds' spread {spread:.1f}")

    report.section("Beyond the notes: three months of history, three framings")
    data3 = prepare(3)
    results = {}
    for framing, what in [("window", "window: 3 months as 3 features of 1 step, LSTM input (1, 3)"),
                          ("time_steps", "time steps: 3 months as 3 steps of 1 feature, input (3, 1)"),
                          ("stateful", "stateful: input (3, 1), batch 1, state carried through "
                                       "the series, reset_states() after each epoch")]:
        tr3, te3, _, _ = train_and_score(data3, framing, epochs, SEED)
        results[framing] = te3
        report.say(f"  {what}")
        report.compare(f"  {framing}: train / test RMSE", book="-", ours=f"{tr3:.2f} / {te3:.2f}",
                       agree=None)
    report.check(all(np.isfinite(v) for v in results.values()), "every framing trains to a "
                 "finite error")
    if not quick:
        report.check(max(results.values()) < 2.5 * BOOK_TEST_RMSE,
                     "every framing's test RMSE is of the lecture's order (< 2.5 × 47.53)")

    from pynet.inspect.images import have_matplotlib, output_dir
    if have_matplotlib():
        path = output_dir() / "airline_lstm.png"
        plot(data, train_pred, test_pred, 1, path)
        report.say(f"  picture: {path}")


# %%
if __name__ == "__main__":
    main(run, TITLE)
