"""Bench: one epoch of a residual convnet with BatchNormalization, pynet against PyTorch (issue 12).

    python -m bench.residual                 # 12,000 Fashion-MNIST images, 5 rounds
    python -m bench.residual --quick         # 2,000 images, 2 rounds (a check that it runs)
    python -m bench.residual --write-results # maintainers: rewrite bench/results/residual.md

The model (``bench/peers/residual_epoch.py``): a conv stem, an identity residual block and a
projection residual block, each convolution followed by BatchNormalization, global average
pooling and a softmax; RMSprop, batch 64, float32. Every epoch runs in a fresh process at the
default thread settings, the two sides alternating; the headline is the ratio of the medians.
Goal (issue 12): pynet ≤ 1.0× PyTorch's time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from datetime import datetime, timezone

import numpy as np

from bench import harness

GOAL = 1.0


def load(n):
    try:
        from pynet.datasets import fashion_mnist
        (x, y), _ = fashion_mnist.load()
        name = "Fashion-MNIST"
    except FileNotFoundError:
        from pynet.datasets import mnist
        (x, y), _ = mnist.load()
        name = "MNIST (embedded; Fashion-MNIST not found)"
    return name, (x[:n].reshape(-1, 28, 28, 1).astype(np.float32) / 255), y[:n].astype(np.int64)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--images", type=int, default=None)
    args = harness.parse_args(parser, argv)
    rounds = args.rounds or (2 if args.quick else 5)
    n = args.images or (2000 if args.quick else 12000)
    if rounds < 1 or n < 64:
        raise harness.BenchUsageError(f"--rounds must be >= 1 and --images >= 64, got {rounds}, {n}")
    name, x, y = load(n)
    folder = tempfile.mkdtemp(prefix="pynet-bench-residual-")
    data = os.path.join(folder, "data.npz")
    np.savez(data, x=x, y=y)
    load_before = harness.load_average()
    times = {"pynet": [], "torch": []}
    info = {}
    for r in range(rounds):
        for side in (("pynet", "torch") if r % 2 == 0 else ("torch", "pynet")):
            result = harness.fresh_process("bench.peers.residual_epoch",
                                           {"side": side, "data": data, "seed": r})
            if "unavailable" in result:
                raise SystemExit(f"bench.residual: {result['unavailable']}")
            times[side].append(result["seconds"])
            info[side] = result
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["pynet"] / med["torch"]
    spread = {k: max(v) / min(v) for k, v in times.items()}
    lines = [
        "# Residual/BN convnet epoch: pynet vs PyTorch", "",
        f"Command: `{harness.actual_command()}`  ",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC  ",
        f"Machine: {harness.machine_description()}; load average {load_before} before, "
        f"{harness.load_average()} after  ",
        f"Data: {name}, {n} images, batch 64, RMSprop; {rounds} rounds, each epoch a fresh "
        "process at default threads, sides alternating. Parameters: pynet "
        f"{info['pynet']['params']:,} (incl. 320 BN moving statistics), PyTorch "
        f"{info['torch']['params']:,} (its BN statistics are buffers, not parameters).", "",
        "| side | epoch seconds (each round) | median | max/min |", "|---|---|---|---|"]
    for side in ("pynet", "torch"):
        lines.append(f"| {side} | {', '.join(f'{t:.2f}' for t in times[side])} | "
                     f"{med[side]:.2f} | {spread[side]:.2f} |")
    lines += ["", f"pynet / PyTorch (ratio of medians): **{ratio:.2f}×**; goal ≤ {GOAL:.1f}×: "
              f"**{'met' if ratio <= GOAL else 'NOT met'}**."]
    text = "\n".join(lines) + "\n"
    print(text)
    harness.write_text("residual.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
