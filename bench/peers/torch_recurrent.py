"""PyTorch (or Keras 3 on its torch backend) peer for ``bench/recurrent.py``, in its own process.

Argument (JSON): ``{"framework": "torch"|"keras", "cases": [[cell, batch, steps, features,
units], ...], "airline": true, "repeat": 5, "flush_denormal": false}`` (``airline`` also times
``airline_fit``: one epoch of per-sample steps over ``bench.recurrent.AIRLINE_SAMPLES``,
seconds per sample — PyTorch's loop over shuffled indices, Keras's ``fit(batch_size=1)``) (``flush_denormal``:
``torch.set_flush_denormal(True)`` first, so subnormal gradients cost what normal ones do). Each case times one training step's forward and
backward of the recurrent layer alone (float32, output = last step, loss = its sum; the input
requires its gradient, since pynet's layer computes dL/dx and the GFLOP/s count it); ``airline``
times one per-sample training step of LSTM(4) → Dense(1) with MSE and Adam.

Prints ``{"timings": {"cell,b,t,f,u": {...}, "airline": {...}}, "version": ..., "threads": n}``
or ``{"unavailable": reason}``.
"""
from __future__ import annotations

import os

import numpy as np

from bench.harness import peer_main, time_call


def _torch_cases(torch, args):
    out = {}
    for cell, b, t, f, u in args["cases"]:
        layer = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(f, u, batch_first=True)
        x = torch.randn(b, t, f, requires_grad=True)     # dL/dx too, as pynet's layer computes

        def step():
            layer.zero_grad()
            x.grad = None
            y = layer(x)[0][:, -1]
            y.sum().backward()
        out[f"{cell},{b},{t},{f},{u}"] = time_call(step, repeat=args.get("repeat", 5), warmup=1,
                                                    min_seconds=args.get("min_seconds", 0.2)).to_json()
    return out


def _torch_airline(torch, args):
    lstm, head = torch.nn.LSTM(1, 4, batch_first=True), torch.nn.Linear(4, 1)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
    x, y = torch.rand(1, 1, 1), torch.rand(1, 1)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(head(lstm(x)[0][:, -1]), y)
        loss.backward()
        opt.step()
    return time_call(step, repeat=args.get("repeat", 5), warmup=20, min_seconds=0.3).to_json()


def _torch_airline_fit(torch, args):
    """One epoch of batch-1 steps, the PyTorch loop a reader would write; seconds per sample."""
    from bench.harness import Timing
    from bench.recurrent import AIRLINE_SAMPLES, airline_data
    lstm, head = torch.nn.LSTM(1, 4, batch_first=True), torch.nn.Linear(4, 1)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
    xa, ya = (torch.from_numpy(a) for a in airline_data())
    gen = torch.Generator().manual_seed(0)

    def epoch():
        for i in torch.randperm(AIRLINE_SAMPLES, generator=gen).tolist():
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(head(lstm(xa[i:i + 1])[0][:, -1]), ya[i:i + 1])
            loss.backward()
            opt.step()
    t = time_call(epoch, repeat=args.get("repeat", 5), warmup=1)
    return Timing([s / AIRLINE_SAMPLES for s in t.samples]).to_json()


def _keras(args):
    os.environ["KERAS_BACKEND"] = "torch"
    import keras
    import torch
    out = {}
    for cell, b, t, f, u in args["cases"]:
        layer = (keras.layers.LSTM if cell == "lstm" else keras.layers.GRU)(u)
        x = torch.randn(b, t, f, requires_grad=True)
        layer(x)

        def step():
            for w in layer.trainable_weights:
                w.value.grad = None
            x.grad = None
            y = layer(x)
            y.sum().backward()
        out[f"{cell},{b},{t},{f},{u}"] = time_call(step, repeat=args.get("repeat", 5), warmup=1,
                                                    min_seconds=args.get("min_seconds", 0.2)).to_json()
    if args.get("airline"):
        model = keras.Sequential([keras.Input((1, 1)), keras.layers.LSTM(4), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        xa, ya = np.random.rand(1, 1, 1).astype("float32"), np.random.rand(1, 1).astype("float32")
        out["airline"] = time_call(lambda: model.train_on_batch(xa, ya), repeat=args.get("repeat", 5),
                                   warmup=20, min_seconds=0.3).to_json()
        from bench.harness import Timing
        from bench.recurrent import AIRLINE_SAMPLES, airline_data
        xf, yf = airline_data()
        t = time_call(lambda: model.fit(xf, yf, batch_size=1, epochs=1, verbose=0),
                      repeat=args.get("repeat", 5), warmup=1)
        out["airline_fit"] = Timing([s / AIRLINE_SAMPLES for s in t.samples]).to_json()
    return {"timings": out, "version": f"keras {keras.__version__} (torch {torch.__version__})",
            "threads": torch.get_num_threads()}


def run(args: dict) -> dict:
    try:
        import torch
    except ImportError as exc:
        return {"unavailable": f"PyTorch not installed ({exc})"}
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    if args.get("flush_denormal"):
        torch.set_flush_denormal(True)      # as pynet's backward kernels do (docs/recurrent.md)
    torch.manual_seed(0)
    if args.get("framework") == "keras":
        try:
            return _keras(args)
        except ImportError as exc:
            return {"unavailable": f"Keras 3 not importable ({exc})"}
    timings = _torch_cases(torch, args)
    if args.get("airline"):
        timings["airline"] = _torch_airline(torch, args)
        timings["airline_fit"] = _torch_airline_fit(torch, args)
    return {"timings": timings, "version": f"torch {torch.__version__}",
            "threads": torch.get_num_threads()}


if __name__ == "__main__":
    peer_main(run)
