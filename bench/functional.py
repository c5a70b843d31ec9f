"""Bench: what the functional graph costs — Chollet's ch. 2 MLP as ``Sequential`` and as ``Model``.

Both models run on the same graph runner; this measures that building the network with the
functional API adds no time per epoch. Run from the checkout::

    python -m bench.functional                 # 60k Fashion-MNIST (or the embedded 10k MNIST), 7 rounds
    python -m bench.functional --quick         # 10k images, 3 rounds
    python -m bench.functional --write-results # maintainers: rewrite bench/results/functional.md

One round = one epoch of each model (Dense(512, relu) → Dense(10, softmax), RMSprop, batch 128,
float32, the same starting weights), in alternating order, in one process at the default thread
settings. Reported: the median of the per-round ratios functional / Sequential and the spread.
Goal (issue 12): the functional model within 3 % of Sequential (ratio ≤ 1.03).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone

import numpy as np

from bench import harness

GOAL = 1.03


def load(quick):
    try:
        from pynet.datasets import fashion_mnist
        (x, y), _ = fashion_mnist.load()
        name = "Fashion-MNIST"
    except FileNotFoundError:
        from pynet.datasets import mnist
        (x, y), _ = mnist.load()
        name = "MNIST (embedded 10k; Fashion-MNIST not found)"
    if quick:
        x, y = x[:10000], y[:10000]
    return name, x.reshape(len(x), -1).astype(np.float32) / 255, y.astype(np.int64)


def models():
    from pynet.layers import Dense
    from pynet.models import Input, Model, Sequential
    seq = Sequential([Dense(512, activation="relu", input_shape=(784,)),
                      Dense(10, activation="softmax")])
    inputs = Input(shape=(784,))
    fun = Model(inputs, Dense(10, activation="softmax")(Dense(512, activation="relu")(inputs)))
    fun.set_weights(seq.get_weights())
    for m in (seq, fun):
        m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["acc"])
    return seq, fun


def epoch_seconds(model, x, y, seed):
    start = time.perf_counter()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0, seed=seed)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    args = harness.parse_args(parser, argv)
    rounds = args.rounds or (3 if args.quick else 7)
    if rounds < 1:
        raise harness.BenchUsageError(f"--rounds must be >= 1, got {rounds}")
    name, x, y = load(args.quick)
    seq, fun = models()
    epoch_seconds(seq, x[:2048], y[:2048], 0)      # warm both (first-call costs)
    epoch_seconds(fun, x[:2048], y[:2048], 0)
    rows = []
    for r in range(rounds):
        order = (seq, fun) if r % 2 == 0 else (fun, seq)
        t = {id(m): epoch_seconds(m, x, y, r) for m in order}
        rows.append((t[id(seq)], t[id(fun)]))
    ratios = [f / s for s, f in rows]
    med = statistics.median(ratios)
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    command = harness.actual_command()
    lines = [
        "# Functional-graph overhead: the ch. 2 MLP as Sequential vs functional Model", "",
        f"Command: `{command}`  ",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}; load average at the end {load_avg:.1f}  ",
        f"Data: {name}, {len(x)} images, batch 128, {rounds} alternating rounds, default threads", "",
        "| round | Sequential (s) | functional (s) | ratio |", "|---|---|---|---|"]
    lines += [f"| {i + 1} | {s:.3f} | {f:.3f} | {f / s:.3f} |" for i, (s, f) in enumerate(rows)]
    lines += ["", f"Median ratio functional / Sequential: **{med:.3f}** (spread {min(ratios):.3f}–"
              f"{max(ratios):.3f}); goal ≤ {GOAL:.2f}: **{'met' if med <= GOAL else 'NOT met'}**."]
    text = "\n".join(lines) + "\n"
    print(text)
    harness.write_text("functional.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
