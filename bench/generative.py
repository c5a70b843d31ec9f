"""Bench: a GAN training step and VAE training batches (lessons 44–45) — pynet vs PyTorch (issue 13).

    python -m bench.generative                  # 30 GAN steps, 120 VAE batches, 3 rounds
    python -m bench.generative --quick          # 5 steps, 20 batches, 1 round (a check that it runs)
    python -m bench.generative --write-results  # maintainers: rewrite bench/results/generative.md

The models are the lessons' own (``bench/peers/generative_step.py`` builds pynet's from
``tutorials/44_vae.py`` and ``tutorials/45_gan.py`` and the same layers in PyTorch): the GAN of
listings 8.29–8.32 at 28×28×1 with filter counts / 8, one step = discriminator on 20 generated +
20 real images, then the generator through the frozen discriminator (batch 20); the VAE of
listings 8.23–8.26 at the book's widths, batch 16. float32, MNIST digits. Every measurement runs
in a fresh process at the default thread settings, the two sides alternating; the headline is
the ratio of the medians of the per-step times. Goal (issue 13): pynet ≤ 1.0× PyTorch's time.
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
WHAT = {"gan": "GAN step (D on 40 images + generator through frozen D, batch 20)",
        "vae": "VAE batch of 16 (forward, backward, RMSprop)"}


def load():
    from pynet.datasets import mnist
    (x, y), _ = mnist.load()
    return mnist.keras_images(x[y == 6]), "MNIST digit 6 (GAN), same images for the VAE"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--gan-steps", type=int, default=None)
    parser.add_argument("--vae-steps", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None,
                        help="pin BLAS/OpenMP threads of both sides (default: each library's own)")
    args = harness.parse_args(parser, argv)
    threads = None if args.threads is None else harness.check_threads(args.threads)
    env = None if threads is None else {**os.environ, **{v: str(threads) for v in (
        "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    def given(value, default):       # 0 is a (refused) value, not "not given"
        return default if value is None else value

    rounds = given(args.rounds, 1 if args.quick else 3)
    steps = {"gan": given(args.gan_steps, 5 if args.quick else 30),
             "vae": given(args.vae_steps, 20 if args.quick else 120)}
    if rounds < 1 or min(steps.values()) < 1:
        raise harness.BenchUsageError(f"--rounds, --gan-steps and --vae-steps must be >= 1, got "
                                      f"{rounds}, {steps['gan']}, {steps['vae']}")
    x, name = load()
    folder = tempfile.mkdtemp(prefix="pynet-bench-generative-")
    data = os.path.join(folder, "data.npz")
    np.savez(data, x=x)
    load_before = harness.load_average()
    times = {(w, s): [] for w in WHAT for s in ("pynet", "torch")}
    info = {}
    for r in range(rounds):
        for what in WHAT:
            for side in (("pynet", "torch") if r % 2 == 0 else ("torch", "pynet")):
                result = harness.fresh_process("bench.peers.generative_step",
                                               {"side": side, "what": what, "data": data,
                                                "steps": steps[what], "seed": r}, env=env)
                if "unavailable" in result:
                    raise SystemExit(f"bench.generative: {result['unavailable']}")
                times[(what, side)].append(result["per_step"])
                info[(what, side)] = result
    lines = [
        "# Generative models (lessons 44–45): pynet vs PyTorch", "",
        f"Command: `{harness.actual_command()}`  ",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC  ",
        f"Machine: {harness.machine_description()}; load average {load_before} before, "
        f"{harness.load_average()} after (both sides ran alternately, under the same load)  ",
        f"Data: {name}, {len(x)} images, float32. {rounds} round(s); each measurement a fresh "
        f"process at {'default threads' if threads is None else f'{threads} thread(s) pinned (OMP/OpenBLAS/MKL)'} (warm-up 2 steps, then {steps['gan']} GAN steps / "
        f"{steps['vae']} VAE batches), sides alternating.", "",
        "| what | side | params | ms per step (each round) | median ms | pynet / PyTorch |",
        "|---|---|---|---|---|---|"]
    verdicts = []
    for what, label in WHAT.items():
        med = {s: statistics.median(times[(what, s)]) for s in ("pynet", "torch")}
        ratio = med["pynet"] / med["torch"]
        for side in ("pynet", "torch"):
            each = ", ".join(f"{1000 * t:.1f}" for t in times[(what, side)])
            lines.append(f"| {label} | {side} | {info[(what, side)]['params']:,} | {each} | "
                         f"{1000 * med[side]:.1f} | {f'**{ratio:.2f}×**' if side == 'pynet' else ''} |")
        verdicts.append(f"{what.upper()}: pynet / PyTorch = {ratio:.2f}× — goal ≤ {GOAL:.1f}× "
                        f"**{'met' if ratio <= GOAL else 'NOT met'}**")
    lines += [""] + [f"- {v}" for v in verdicts]
    text = "\n".join(lines) + "\n"
    print(text)
    harness.write_text("generative.md" if threads is None else f"generative_{threads}thread.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
