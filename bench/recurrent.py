"""Bench: LSTM and GRU training steps (pynet compiled vs torch.nn.LSTM/GRU and Keras 3), and the
airline model's per-sample step.

Run from the checkout::

    python -m bench.recurrent            # full
    python -m bench.recurrent --quick    # smoke run: small shapes, few repeats

What is measured (float32, BLAS/OpenMP threads pinned to ``--threads``, default 1; each peer in
its own process):

(a) forward + backward of one recurrent layer, batch 64 × 200 steps × 32 features, 100 units
    (the lecture's IMDB LSTM with shorter sequences); (b) batch 128 × 60 steps × 60 one-hot
    characters, 128 units (Chollet's character model). Output = the last step, loss = its sum.
    GFLOP/s counts the matrix products: forward ``2·T·B·(F + U)·k·U`` (k = 4 LSTM, 3 GRU),
    forward + backward three times that; beside them, single-thread sgemm's rate on 1024³.
(c) the airline model (lecture C23), batch 1, one step: LSTM(4) → Dense(1), MSE, Adam —
    pynet's ``train_on_batch`` against PyTorch's forward/backward/step per sample (goal ≥ 3×);
    and as lesson 18 trains it, ``fit(x, y, batch_size=1)`` for one epoch over the lesson's 94
    training windows, per sample, against PyTorch's per-sample loop over the same epoch
    (shuffled indices, one forward/backward/step each).

On a busy machine prefer ``python -m bench.recurrent_interleaved`` for (a) and (b): it
alternates the two sides per case and round, where this script times all PyTorch rows first.

Results: ``bench/results/recurrent.md`` (``--threads 2``: ``recurrent_2threads.md``). The machine is shared (up to 8 processes on 2
cores during development); rows of one table come from one run, so the ratios compare
like with like.
"""
from __future__ import annotations

from bench.harness import parse_args as harness_parse_args

import argparse
import sys
import time

import numpy as np

from bench.harness import Bench, Timing, load_average, pin_threads, run_peer, time_call, write_text

CASES_FULL = [("lstm", 64, 200, 32, 100), ("lstm", 128, 60, 60, 128),
              ("gru", 64, 200, 32, 100), ("gru", 128, 60, 60, 128)]
CASES_QUICK = [("lstm", 16, 20, 8, 16), ("gru", 16, 20, 8, 16)]
GATES = {"lstm": 4, "gru": 3}


def flops(cell, b, t, f, u):
    """Multiply-adds ×2 of forward + backward (backward = two more products of the same size)."""
    return 3 * 2.0 * t * b * (f + u) * GATES[cell] * u


def sgemm_rate(repeat):
    from scipy.linalg.blas import sgemm
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    t = time_call(lambda: sgemm(1.0, a, a), repeat=repeat, warmup=1)
    return 2 * 1024 ** 3 / t.median / 1e9


def pynet_case(cell, b, t, f, u, repeat):
    from pynet.layers import GRU, LSTM
    layer = (LSTM if cell == "lstm" else GRU)(u)
    layer.build((t, f))
    x = np.random.default_rng(0).standard_normal((b, t, f), dtype=np.float32)
    g = np.ones((b, u), np.float32)

    def step():
        layer.forward(x, training=True)
        layer.backward(g)
    return time_call(step, repeat=repeat, warmup=1, min_seconds=0.2)


#: Lesson 18's training windows (look_back=1): 67% of the 144 months, less the window.
AIRLINE_SAMPLES = 94


def airline_data():
    """``(x (94, 1, 1), y (94, 1))`` float32 in [0, 1), as the scaled series would be."""
    rng = np.random.default_rng(0)
    return (rng.random((AIRLINE_SAMPLES, 1, 1), dtype=np.float32),
            rng.random((AIRLINE_SAMPLES, 1), dtype=np.float32))


def pynet_airline_fit(repeat):
    """Seconds per sample of one ``fit(batch_size=1)`` epoch over :data:`AIRLINE_SAMPLES`."""
    from pynet.layers import LSTM, Dense
    from pynet.sequential import Sequential
    model = Sequential([LSTM(4, input_shape=(1, 1)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = airline_data()
    t = time_call(lambda: model.fit(x, y, batch_size=1, epochs=1, verbose=0), repeat=repeat,
                  warmup=1)
    return Timing([s / AIRLINE_SAMPLES for s in t.samples])


def pynet_airline(repeat):
    from pynet.layers import LSTM, Dense
    from pynet.sequential import Sequential
    model = Sequential([LSTM(4, input_shape=(1, 1)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.random.rand(1, 1, 1).astype(np.float32), np.random.rand(1, 1).astype(np.float32)
    return time_call(lambda: model.train_on_batch(x, y), repeat=repeat, warmup=20, min_seconds=0.3)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    args = harness_parse_args(parser, argv)
    pin_threads(args.threads)
    import pynet.kernels as kernels
    if kernels.BACKEND != "cython":
        sys.exit("bench.recurrent measures the compiled kernels; build them first")
    repeat = 3 if args.quick else 5
    cases = CASES_QUICK if args.quick else CASES_FULL
    peer_args = {"cases": [list(c) for c in cases], "airline": True, "repeat": repeat}
    torch_res = run_peer("bench.peers.torch_recurrent", {**peer_args, "framework": "torch"},
                         threads=args.threads)
    keras_res = run_peer("bench.peers.torch_recurrent", {**peer_args, "framework": "keras"},
                         threads=args.threads)
    load_before = load_average()
    peak = sgemm_rate(repeat)
    cmd = ("python -m bench.recurrent" + (" --quick" if args.quick else "")
           + (f" --threads {args.threads}" if args.threads != 1 else ""))
    notes = [f"sgemm (scipy's OpenBLAS, 1024³, {args.threads} thread) in this run: {peak:.1f} GFLOP/s",
             f"peer: {torch_res.get('version', torch_res.get('unavailable'))}; "
             f"{keras_res.get('version', keras_res.get('unavailable'))}",
             "PyTorch and Keras compute dL/dx too (the input requires its gradient), as pynet's "
             "layer does; the GFLOP/s count that product",
             "pynet's layer runs its BLAS on one thread whatever --threads says (the per-step "
             "products are too small to share; `one_blas_thread` in pynet/layers/recurrent.py)",
             "machine shared with other jobs during the run; ratios are from one run"]
    tables = []
    for cell, b, t, f, u in cases:
        key = f"{cell},{b},{t},{f},{u}"
        bench = Bench(f"recurrent_{cell}_{b}x{t}x{f}_{u}",
                      f"{cell.upper()}({u}) forward+backward, batch {b} × {t} steps × {f} features",
                      threads=args.threads, command=cmd)
        work = flops(cell, b, t, f, u)
        ours = pynet_case(cell, b, t, f, u, repeat)
        bench.add("pynet (compiled)", ours, work=work, work_unit="GFLOP/s")
        for name, res in (("torch.nn." + cell.upper(), torch_res), ("Keras 3 (torch backend)", keras_res)):
            tm = res.get("timings", {}).get(key)
            bench.add(name, None if tm is None else Timing.from_json(tm), work=work,
                      work_unit="GFLOP/s")
        bench.set_baseline("torch.nn." + cell.upper())
        tables.append(bench)
    air = Bench("recurrent_airline", "Airline model, batch 1: one training step (LSTM(4) → Dense(1), MSE, Adam)",
                threads=args.threads, command=cmd)
    air.add("pynet train_on_batch", pynet_airline(repeat))
    for name, res in (("PyTorch forward/backward/step", torch_res), ("Keras 3 train_on_batch", keras_res)):
        tm = res.get("timings", {}).get("airline")
        air.add(name, None if tm is None else Timing.from_json(tm))
    air.set_baseline("PyTorch forward/backward/step")
    tables.append(air)
    air_fit = Bench("recurrent_airline_fit",
                    f"Airline model as lesson 18 trains it: fit(batch_size=1), one epoch of "
                    f"{AIRLINE_SAMPLES} samples, seconds per sample",
                    threads=args.threads, command=cmd)
    air_fit.add("pynet fit(batch_size=1)", pynet_airline_fit(repeat))
    for name, res in (("PyTorch per-sample loop", torch_res),
                      ("Keras 3 fit(batch_size=1)", keras_res)):
        tm = res.get("timings", {}).get("airline_fit")
        air_fit.add(name, None if tm is None else Timing.from_json(tm))
    air_fit.set_baseline("PyTorch per-sample loop")
    tables.append(air_fit)
    notes.append(f"load average (1 / 5 / 15 min) before the pynet rows: {load_before}; after: "
                 f"{load_average()}")
    text = (f"## Recurrent layers (issue 10), {args.threads} thread{'s' if args.threads > 1 else ''}"
            "\n\n" + "\n".join(b.markdown() for b in tables))
    text += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    print(text)
    write_text("recurrent.md" if args.threads == 1 else f"recurrent_{args.threads}threads.md", text)


if __name__ == "__main__":
    main()
