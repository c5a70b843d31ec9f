"""Bench: the recurrent cases of ``bench.recurrent`` with pynet and PyTorch *interleaved*, for a busy machine.

``python -m bench.recurrent`` times all of PyTorch's cases in one process, then Keras's, then
pynet's. When other jobs come and go (a shared 2-core machine at load average 20+), minutes pass
between the rows of one table and a load burst lands on one side only: one such run put pynet's
airline step at 13 ms where it takes 1.5 ms. This script alternates instead — for each case and
each round, PyTorch in a fresh process, then pynet in a fresh process — and reports each round's
ratio and their median, so both sides of a ratio were measured within seconds of each other.
PyTorch runs twice per round, as installed and with ``torch.set_flush_denormal(True)``: over 200
steps its LSTM/GRU gradients underflow into subnormals (12% of dL/dx for LSTM(100)), which cost
PyTorch 4–9× in case (a); pynet's backward kernels flush them.

    python -m bench.recurrent_interleaved                 # 3 rounds of the four cases
    python -m bench.recurrent_interleaved --rounds 2 --threads 2
    python -m bench.recurrent_interleaved --airline       # + the airline model's per-sample rows
    python -m bench.recurrent_interleaved --airline-only  # only those (a short run)

The airline rows (issue 10's (c)): LSTM(4) → Dense(1), batch 1, MSE, Adam — ``train_on_batch``
against PyTorch's forward/backward/step, and ``fit(batch_size=1)`` over one epoch of lesson 18's
94 windows against PyTorch's per-sample loop, both per sample.

Results: ``bench/results/recurrent_interleaved.md`` (with ``--write-results``; ``--threads 2``:
``recurrent_interleaved_2threads.md``).
"""
from __future__ import annotations

import argparse
import statistics

from bench.harness import (Timing, load_average, machine_description, parse_args, pin_threads,
                           run_peer, write_text)
from bench.recurrent import CASES_FULL, CASES_QUICK, flops


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--airline", action="store_true",
                        help="also the airline model's per-sample rows")
    parser.add_argument("--airline-only", action="store_true",
                        help="only the airline model's per-sample rows")
    args = parse_args(parser, argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    pin_threads(args.threads)
    cases = [] if args.airline_only else (CASES_QUICK if args.quick else CASES_FULL)
    repeat = 3
    cmd = ("python -m bench.recurrent_interleaved" + (" --quick" if args.quick else "")
           + f" --rounds {args.rounds}" + (f" --threads {args.threads}" if args.threads != 1 else "")
           + (" --airline-only" if args.airline_only else " --airline" if args.airline else ""))
    lines = [f"## Recurrent layers, pynet and PyTorch interleaved ({args.threads} thread"
             f"{'s' if args.threads > 1 else ''})", "",
             f"Command: `{cmd}` · {machine_description()} · BLAS/OpenMP threads pinned to "
             f"{args.threads} · load average at the start {load_average()}", "",
             "Each round: PyTorch's step (median of 3 after a warm-up, fresh process), then "
             "pynet's (same). Ratio = PyTorch's time / pynet's (> 1: pynet faster). Both "
             "compute dL/dx. pynet's layer runs its BLAS on one thread whatever the pin.", "",
             "PyTorch runs twice per round: as installed, and with `torch.set_flush_denormal(True)` "
             "(pynet's backward kernels flush subnormals; PyTorch does not by default, and over 200 "
             "steps its gradients underflow).", "",
             "| case | PyTorch s | PyTorch, flush s | pynet s | ratio per round → median | "
             "ratio vs flushing PyTorch → median | pynet GFLOP/s |", "|---|---|---|---|---|---|---|"]
    for case in cases:
        cell, b, t, f, u = case
        key = f"{cell},{b},{t},{f},{u}"
        theirs, flushed, ours = [], [], []
        for _ in range(args.rounds):
            res_t = run_peer("bench.peers.torch_recurrent",
                             {"framework": "torch", "cases": [list(case)], "repeat": repeat},
                             threads=args.threads)
            res_f = run_peer("bench.peers.torch_recurrent",
                             {"framework": "torch", "cases": [list(case)], "repeat": repeat,
                              "flush_denormal": True}, threads=args.threads)
            res_p = run_peer("bench.peers.pynet_recurrent", {"cases": [list(case)], "repeat": repeat},
                             threads=args.threads)
            if "timings" not in res_t:
                raise SystemExit(f"PyTorch peer unavailable: {res_t.get('unavailable')}")
            theirs.append(Timing.from_json(res_t["timings"][key]).median)
            flushed.append(Timing.from_json(res_f["timings"][key]).median)
            ours.append(Timing.from_json(res_p["timings"][key]).median)
        ratios = [a / b for a, b in zip(theirs, ours)]
        ratios_f = [a / b for a, b in zip(flushed, ours)]
        rate = flops(cell, b, t, f, u) / statistics.median(ours) / 1e9

        def listed(values, fmt):
            return ", ".join(fmt.format(v) for v in values)
        lines.append(f"| {cell.upper()}({u}), {b} × {t} × {f} | {listed(theirs, '{:.3g}')} | "
                     f"{listed(flushed, '{:.3g}')} | {listed(ours, '{:.3g}')} | "
                     f"{listed(ratios, '{:.2f}')} → **{statistics.median(ratios):.2f}** | "
                     f"{listed(ratios_f, '{:.2f}')} → **{statistics.median(ratios_f):.2f}** | "
                     f"{rate:.3g} |")
        print(lines[-1], flush=True)
    if args.airline or args.airline_only:
        lines += airline_rows(args.rounds, args.threads)
    lines += ["", f"- load average at the end {load_average()}; the machine was shared with other "
              "jobs during the run"]
    text = "\n".join(lines) + "\n"
    print(text)
    write_text("recurrent_interleaved.md" if args.threads == 1
               else f"recurrent_interleaved_{args.threads}threads.md", text)


def airline_rows(rounds, threads):
    """The airline model's per-sample rows, PyTorch and pynet alternating per round."""
    lines = ["", "Airline model (LSTM(4) → Dense(1), batch 1, MSE, Adam), seconds per sample; "
             "ratio = PyTorch's time / pynet's:", "",
             "| case | PyTorch s | pynet s | ratio per round → median |", "|---|---|---|---|"]
    labels = {"airline": "train_on_batch vs forward/backward/step",
              "airline_fit": "fit(batch_size=1), one epoch, vs a per-sample loop"}
    times = {key: ([], []) for key in labels}
    for _ in range(rounds):
        res_t = run_peer("bench.peers.torch_recurrent",
                         {"framework": "torch", "cases": [], "airline": True, "repeat": 5},
                         threads=threads)
        res_p = run_peer("bench.peers.pynet_recurrent", {"cases": [], "airline": True, "repeat": 5},
                         threads=threads)
        if "timings" not in res_t:
            raise SystemExit(f"PyTorch peer unavailable: {res_t.get('unavailable')}")
        for key, (theirs, ours) in times.items():
            theirs.append(Timing.from_json(res_t["timings"][key]).median)
            ours.append(Timing.from_json(res_p["timings"][key]).median)
    for key, (theirs, ours) in times.items():
        ratios = [a / b for a, b in zip(theirs, ours)]
        lines.append(f"| {labels[key]} | {', '.join(f'{v:.3g}' for v in theirs)} | "
                     f"{', '.join(f'{v:.3g}' for v in ours)} | "
                     f"{', '.join(f'{r:.2f}' for r in ratios)} → "
                     f"**{statistics.median(ratios):.2f}** |")
        print(lines[-1], flush=True)
    return lines


if __name__ == "__main__":
    main()
