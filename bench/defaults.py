"""Bench: speed as users get it — default threading, fresh processes, optionally a busy core.

Run from the checkout::

    python -m bench.defaults                         # every workload, 8 fresh processes per side
    python -m bench.defaults --busy                  # the same with one core kept busy
    python -m bench.defaults --workload mlp,convnet --fresh 4 --images 12000

Nothing is pinned: each side runs in a **fresh process** with the environment of this command
(so ``OPENBLAS_NUM_THREADS`` and friends are whatever the user has; normally unset), the way
``python train.py`` runs. Each process imports its library, trains a short warm-up (so both
sides are warm), then times one epoch. Rounds alternate the order of the sides (A B C, C B A, ...)
so that a change of load falls on every side alike. Reported per side: the median of the fresh
processes, the fastest and slowest, and their spread (max / min); the headline ratio is the
ratio of medians.

``--busy`` starts a CPU-bound background process pinned to one core before the first round and
stops it after the last (needs ≥ 2 cores).

Workloads (sides; the goal of issue 15 is fixed here, before the run, and printed in the table):

* ``rashid``: Rashid 784-200-10 per-sample epoch, compiled ``train_epoch`` vs the book's NumPy
  class (MNIST-10k); goal ≥ 8× quiet, ≥ 5× busy;
* ``nielsen``: Nielsen [784,30,10] mini-batch 10 vs the per-example loop (MNIST-10k); goal ≥ 20×
  quiet, ≥ 10× busy;
* ``mlp``: Chollet's MLP epoch, Fashion-MNIST, batch 128, pynet vs PyTorch and Keras 3; goal
  pynet ≤ 0.8× PyTorch's median and spread ≤ 1.25 (≤ 1.2× under ``--busy``);
* ``convnet``: Chollet's convnet epoch, Fashion-MNIST, batch 64, pynet vs PyTorch and Keras 3;
  goal ≤ 1.0× PyTorch's median, spread ≤ 1.25, ≤ 0.5× Keras 3's (≤ 1.2× PyTorch under ``--busy``).

Results: ``defaults.md`` / ``defaults_busy.md`` in the output folder (``bench/results/`` only
with ``--write-results``).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import statistics
import tempfile

import numpy as np

from bench.harness import (BenchUsageError, actual_command, busy_core, fresh_process,
                           load_average, machine_description, parse_args, write_text)

#: workload -> (sides, the side ratios are taken against, default samples per epoch)
WORKLOADS = {
    "rashid": (("pynet", "book"), "book", 10_000),
    "nielsen": (("pynet", "loop"), "loop", 10_000),
    "mlp": (("pynet", "torch", "keras"), "torch", 60_000),
    "convnet": (("pynet", "torch", "keras"), "torch", 60_000),
}

LABELS = {"pynet": "pynet (compiled kernels)", "book": "the book's NumPy class",
          "loop": "per-example loop (NumPy)", "torch": "PyTorch", "keras": "Keras 3 (torch backend)"}

#: Issue 15's goals, fixed before any run: (workload, busy) -> list of (goal text, test).
#: A test gets the per-side statistics and returns (measured text, met).
GOALS = {}


def _speedup(min_ratio, other):
    def test(s):
        r = s[other]["median"] / s["pynet"]["median"]
        return f"{r:.2f}× faster than {LABELS[other]}", r >= min_ratio
    return test


def _time_ratio(max_ratio, other):
    def test(s):
        r = s["pynet"]["median"] / s[other]["median"]
        return f"{r:.2f}× {LABELS[other]}'s time", r <= max_ratio
    return test


def _spread(limit):
    def test(s):
        return f"spread {s['pynet']['spread']:.2f}", s["pynet"]["spread"] <= limit
    return test


for _busy, (_rashid, _nielsen) in {False: (8, 20), True: (5, 10)}.items():
    GOALS[("rashid", _busy)] = [(f"pynet ≥ {_rashid}× the book's NumPy class",
                                 _speedup(_rashid, "book"))]
    GOALS[("nielsen", _busy)] = [(f"pynet ≥ {_nielsen}× the per-example loop",
                                  _speedup(_nielsen, "loop"))]
GOALS[("mlp", False)] = [("pynet ≤ 0.8× PyTorch's time (medians)", _time_ratio(0.8, "torch")),
                         ("spread of pynet's epochs ≤ 1.25", _spread(1.25))]
GOALS[("convnet", False)] = [("pynet ≤ 1.0× PyTorch's time (medians)", _time_ratio(1.0, "torch")),
                             ("spread of pynet's epochs ≤ 1.25", _spread(1.25)),
                             ("pynet ≤ 0.5× Keras 3's time", _time_ratio(0.5, "keras"))]
GOALS[("mlp", True)] = [("pynet ≤ 1.2× PyTorch's time under the same load",
                         _time_ratio(1.2, "torch"))]
GOALS[("convnet", True)] = [("pynet ≤ 1.2× PyTorch's time under the same load",
                             _time_ratio(1.2, "torch"))]


def write_data(workload, n, folder) -> tuple[str, str]:
    """Write the workload's arrays to ``folder``; return (path, description of the data)."""
    from pynet.datasets import mnist

    path = os.path.join(folder, f"{workload}.npz")
    if workload in ("rashid", "nielsen"):
        (x, y), _ = mnist.load()
        x, y = x[:n], y[:n]
        if workload == "rashid":
            np.savez(path, x=mnist.rashid_inputs(x), t=mnist.rashid_targets(y))
        else:
            pairs = mnist.nielsen_pairs(x, y, one_hot=True)
            np.savez(path, x=np.stack([p[0].ravel() for p in pairs]),
                     y=np.stack([p[1].ravel() for p in pairs]))
        return path, f"MNIST, {len(x):,} records"
    try:
        from pynet.datasets import fashion_mnist
        (x, y), _ = fashion_mnist.load()
        name = "Fashion-MNIST"
    except FileNotFoundError:
        (x, y), _ = mnist.load()
        name = "MNIST (embedded 10k subset: Fashion-MNIST not found)"
    x, y = x[:n], y[:n]
    np.savez(path, x=mnist.keras_images(x), y=y.astype(np.int64))
    return path, f"{name}, {len(x):,} images"


def stats(samples):
    return {"samples": samples, "median": statistics.median(samples), "min": min(samples),
            "max": max(samples), "spread": max(samples) / min(samples)}


def run_workload(workload, n, fresh, folder):
    sides, baseline, _ = WORKLOADS[workload]
    path, described = write_data(workload, n, folder)
    seconds = {side: [] for side in sides}
    info, unavailable = {}, {}
    for round_ in range(fresh):
        order = sides if round_ % 2 == 0 else tuple(reversed(sides))
        for side in order:
            if side in unavailable:
                continue
            result = fresh_process("bench.peers.user_epoch",
                                   {"workload": workload, "side": side, "n": n, "data": path})
            if "unavailable" in result:
                unavailable[side] = result["unavailable"]
                continue
            seconds[side].append(result.pop("seconds"))
            info[side] = result
            print(f"  {workload} round {round_ + 1}/{fresh} {side}: "
                  f"{seconds[side][-1]:.3f} s", flush=True)
    return described, {s: stats(v) for s, v in seconds.items() if v}, info, unavailable


def table(workload, busy, n, fresh, described, st, info, unavailable, load_before, load_after):
    sides, baseline, _ = WORKLOADS[workload]
    mode = ("--busy: one core kept busy by the bench's background process" if busy
            else "no background process added by the bench")
    lines = [f"### {workload}: one epoch at default settings, fresh processes ({mode})", "",
             f"Command: `{actual_command()}` · date {_dt.date.today().isoformat()} · "
             f"{machine_description()} · default threading (nothing pinned)", "",
             f"Data: {described}. {fresh} fresh processes per side, sides alternated; each "
             f"process warm before its timed epoch. Load average before / after: {load_before} "
             f"→ {load_after} (a shared machine: other programs used the cores too).", "",
             f"| side | median s | min s | max s | spread (max/min) | × vs {LABELS[baseline]} |",
             "|---|---|---|---|---|---|"]
    for side in sides:
        if side not in st:
            lines.append(f"| {LABELS[side]} | n/a | | | | {unavailable.get(side, '')} |")
            continue
        s = st[side]
        ratio = (f"{st[baseline]['median'] / s['median']:.2f}" if baseline in st else "")
        extra = ", ".join(f"{k} {v}" for k, v in info.get(side, {}).items())
        lines.append(f"| {LABELS[side]}{f' ({extra})' if extra else ''} | {s['median']:.4g} | "
                     f"{s['min']:.4g} | {s['max']:.4g} | {s['spread']:.2f} | {ratio} |")
    lines += ["", "The × column is the baseline's median over this side's median (> 1: faster).",
              ""]
    tag = f"issue 15, {workload}" + (", --busy" if busy else "")
    for goal, test in GOALS.get((workload, busy), []):
        try:
            measured, met = test(st)
        except KeyError as exc:
            lines.append(f"- Goal ({tag}): {goal} — not measured ({exc} unavailable)")
            continue
        lines.append(f"- Goal ({tag}): {goal} — measured: {measured} — "
                     f"{'met' if met else 'NOT met'}")
    lines.append("- samples (s): " + "; ".join(
        f"{side} " + ", ".join(f"{v:.3f}" for v in s["samples"]) for side, s in st.items()))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="all",
                        help=f"comma-separated: {', '.join(WORKLOADS)} (default: all)")
    parser.add_argument("--fresh", type=int, default=None,
                        help="fresh processes per side (default 8; ≥ 1)")
    parser.add_argument("--busy", action="store_true",
                        help="keep one core busy with a background process while measuring")
    parser.add_argument("--images", type=int, default=None,
                        help="samples per epoch (default: each workload's own)")
    parser.add_argument("--quick", action="store_true", help="2 fresh processes, 2,000 samples")
    args = parse_args(parser, argv)
    names = list(WORKLOADS) if args.workload == "all" else [
        w.strip() for w in args.workload.split(",") if w.strip()]
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown or not names:
        raise BenchUsageError(f"unknown workload {', '.join(map(repr, unknown)) or '(none)'}; "
                              f"choose from {', '.join(WORKLOADS)} or all")
    if args.quick:
        args.fresh = 2 if args.fresh is None else args.fresh
        args.images = args.images or 2000
    args.fresh = 8 if args.fresh is None else args.fresh
    if args.fresh < 1:
        raise BenchUsageError(f"--fresh must be at least 1, got {args.fresh}")
    if args.images is not None and args.images < 1:
        raise BenchUsageError(f"--images must be at least 1, got {args.images}")
    if args.busy:
        from bench.harness import check_busy_possible
        check_busy_possible()
    parts = [f"## Speed as users get it{' — busy machine' if args.busy else ''}", ""]
    with tempfile.TemporaryDirectory(prefix="pynet-bench-defaults-") as folder:
        with (busy_core() if args.busy else _nothing()):
            for workload in names:
                n = args.images or WORKLOADS[workload][2]
                before = load_average()
                described, st, info, unavailable = run_workload(workload, n, args.fresh, folder)
                parts.append(table(workload, args.busy, n, args.fresh, described, st, info,
                                   unavailable, before, load_average()))
                print(parts[-1], flush=True)
    subset = "" if names == list(WORKLOADS) else "_" + "_".join(names)
    name = "defaults" + subset + ("_busy" if args.busy else "") + ("_quick" if args.quick else "")
    write_text(f"{name}.md", "\n".join(parts))
    return 0


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    raise SystemExit(main())
