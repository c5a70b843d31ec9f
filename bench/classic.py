"""Bench: one epoch of the classic per-pattern learning rules on 100 000 patterns.

Run from the checkout::

    python -m bench.classic            # 100k patterns, 8 inputs, 2 neurons
    python -m bench.classic --quick    # 20k patterns, fewer repeats

Both rules update the weights after *every* pattern, so an epoch is a loop of 100 000 tiny steps
(a dot product of 8 numbers, an outer product 8 × 2). That loop is where the time goes:

* ``reference`` — :mod:`pynet.kernels.reference.classic`: the loop in Python, each step a few
  NumPy calls on tiny arrays (the **baseline**; NumPy's per-call overhead dominates);
* ``compiled`` — :mod:`pynet.kernels._c_classic`: the same loop in C, float64 and float32;
* ``pure Python loops`` — :mod:`pynet.kernels.loops.classic`: scalar Python, one multiply at a
  time, as written in the lecture notes.

The ratio column is median(reference) / median(row): how many times faster than the NumPy twin.
Results go to ``bench/results/classic.md``.
"""
from __future__ import annotations

import argparse

import numpy as np

from bench.harness import Bench, parse_args, pin_threads, time_call, write_text

REFERENCE = "reference (NumPy per pattern)"


def problem(P: int, n: int, m: int, dtype, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(P, n)).astype(dtype)
    W_true = rng.normal(size=(n, m))
    D = (X @ W_true).astype(dtype)
    T = (D > 0).astype(dtype)
    W = np.zeros((n, m), dtype=dtype)
    b = np.zeros(m, dtype=dtype)
    return X, D, T, W, b


def bench_rule(rule: str, P: int, n: int, m: int, repeat: int, loops_repeat: int) -> Bench:
    from pynet.kernels import load_backend
    from pynet.kernels.loops import classic as loops

    ref = load_backend("python", ["classic"])
    cy = load_backend("cython", ["classic"])
    what = {"widrow_hoff": "Widrow–Hoff epoch (α = 0.01)", "perceptron": "perceptron-rule epoch (η = 0.1)"}[rule]
    bench = Bench("classic", f"{what}: {P:,} patterns, {n} inputs, {m} neurons", threads=1)
    rate = 0.01 if rule == "widrow_hoff" else 0.1
    rows = [(REFERENCE, ref, np.float64, repeat),
            ("compiled float64", cy, np.float64, repeat),
            ("compiled float32", cy, np.float32, repeat),
            ("pure Python loops (loops.classic)", loops, np.float64, loops_repeat)]
    results = {}
    for label, module, dtype, reps in rows:
        X, D, T, W, b = problem(P, n, m, dtype)
        targets = D if rule == "widrow_hoff" else T
        kernel = getattr(module, f"{rule}_epoch")
        timing = time_call(lambda: kernel(W, b, X, targets, rate), repeat=reps, warmup=1 if reps > 1 else 0)
        bench.add(label, timing, work=P, work_unit="patterns/s")
        # the same first epoch from the same start, to show the rows computed the same thing
        W0, b0 = np.zeros_like(W), np.zeros_like(b)
        results[label] = kernel(W0, b0, X, targets, rate)
    bench.set_baseline(REFERENCE)
    bench.notes.append(
        "First-epoch result from the same start (E for Widrow–Hoff, mistakes for the perceptron): "
        + ", ".join(f"{k}: {v:.10g}" if isinstance(v, float) else f"{k}: {v}" for k, v in results.items()))
    return bench


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k patterns, fewer repeats")
    args = parse_args(parser, argv)
    pin_threads(1)
    P = 20_000 if args.quick else 100_000
    repeat = 3 if args.quick else 7
    tables = [bench_rule("widrow_hoff", P, 8, 2, repeat, 1 if args.quick else 2),
              bench_rule("perceptron", P, 8, 2, repeat, 1 if args.quick else 2)]
    text = "## Classic learning rules: one epoch per call\n\n"
    for t in tables:
        text += t.markdown() + "\n"
        print(t.markdown())
    for t in tables:
        print(f"{t.title}: compiled float64 is {t.ratio('compiled float64'):.1f}x the NumPy reference, "
              f"{t.ratio('compiled float64', 'pure Python loops (loops.classic)'):.0f}x the pure-Python loops")
    write_text("classic.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
