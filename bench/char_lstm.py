"""Chollet's character-level LSTM (§8.1): training passes over a fixed set of batches, pynet
compiled vs PyTorch vs Keras 3 (torch backend), each in its own fresh process.

    python -m bench.char_lstm [--quick] [--threads N] [--batches N] [--write-results]

The model and data are the book's shapes: batch 128 × 60 characters × 69 one-hot characters
(the prepared Jargon File excerpt; Nietzsche has 57), LSTM(128) → Dense(69, softmax),
categorical cross-entropy, RMSprop(lr=0.01). One timed sample is one pass (an "epoch") over
``--batches`` batches (default 20, i.e. 2,560 windows; the book's epoch is 1,565 batches,
so its time is about 78 × ours). Each side trains a few batches first (imports, buffers, thread
pools warm), in a process of its own started by :func:`bench.harness.run_peer` with its
BLAS/OpenMP threads pinned to ``--threads``. pynet and PyTorch run in two rounds (pynet, PyTorch,
pynet, PyTorch, each a fresh process) and their samples are pooled, so a change of load on a
shared machine falls on both; Keras 3, several times slower, runs once.

Goal (issue 11): pynet's time ≤ 1.0× PyTorch's. Results: ``bench/results/char_lstm.md`` (with
``--write-results``).
"""
from __future__ import annotations

import argparse
import os

from bench.harness import Bench, Timing, parse_args, run_peer, write_text

PEER = "bench.peers.char_lstm_epoch"
SIDES = [("pynet", "pynet compiled (Sequential.fit)"),
         ("torch", "PyTorch nn.LSTM + Linear"),
         ("keras", "Keras 3 on torch (model.fit)")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 batches, 2 repeats")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batches", type=int, default=20)
    args = parse_args(parser, argv)
    if args.batches < 1:
        parser.error(f"--batches must be >= 1, got {args.batches}")
    batches = 4 if args.quick else args.batches
    common = {"batches": batches, "batch_size": 128, "maxlen": 60, "units": 128,
              "repeat": 2 if args.quick else 3, "warmup_batches": 2}
    load_before = os.getloadavg()
    results = {}
    for round_ in range(1 if args.quick else 2):
        for side, _ in SIDES:
            if side == "keras" and round_ > 0:
                continue
            res = run_peer(PEER, {**common, "side": side}, threads=args.threads)
            if side in results and "samples" in res:
                results[side]["samples"] += res["samples"]
                results[side]["cpu_samples"] += res["cpu_samples"]
            else:
                results[side] = res
    load_after = os.getloadavg()
    shape = results["pynet"]["shape"]
    cmd = "python -m bench.char_lstm" + (" --quick" if args.quick else "") + \
        (f" --threads {args.threads}" if args.threads != 1 else "") + \
        (f" --batches {args.batches}" if args.batches != 20 and not args.quick else "")
    title = (f"{batches} batches of {shape[0] // batches}×{shape[1]}×{shape[2]}, LSTM(128) → "
             f"Dense({shape[2]}, softmax), RMSprop(0.01)")
    tables = []
    for key, what in (("samples", "wall-clock seconds"), ("cpu_samples", "CPU seconds")):
        bench = Bench("char_lstm", f"Char-LSTM training pass, {what}: {title}",
                      threads=args.threads, command=cmd)
        for side, label in SIDES:
            res = results[side]
            if "unavailable" in res:
                bench.add(label, None, note=res["unavailable"])
            else:
                bench.add(label + f" [{res['version']}]", Timing(res[key]), work=shape[0],
                          work_unit="windows/s")
        torch_rows = [r.label for r in bench.rows if r.label.startswith("PyTorch") and r.timing]
        if torch_rows:
            bench.set_baseline(torch_rows[0])
            ours = next(r.label for r in bench.rows if r.label.startswith("pynet"))
            ratio = bench.ratio(ours)
            bench.notes.append(f"by {what}, pynet's time is {1 / ratio:.2f}× PyTorch's: the goal "
                               f"(≤ 1.0×) is {'met' if ratio >= 1.0 else 'not met'} in this run")
        tables.append(bench)
    tables[-1].notes.append(
        f"1-minute load average {load_before[0]:.2f} before, {load_after[0]:.2f} after, on "
        f"{os.cpu_count()} cores shared with other work; pynet and PyTorch alternated in two "
        "rounds of fresh processes. With one thread per side, CPU seconds count the work done "
        "and depend far less on the load than wall-clock seconds (shared caches still "
        "slow both sides).")
    lines = ["## Character-level LSTM, Chollet §8.1 (issue 11)", "",
             "Goal: pynet's time per pass ≤ 1.0× PyTorch's (the ratio column ≥ 1.00 means pynet "
             "is at least as fast).", ""]
    text = "\n".join(lines) + "\n".join(b.markdown() for b in tables)
    write_text("char_lstm.md", text)
    print(text)


if __name__ == "__main__":
    main()
