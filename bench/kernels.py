"""Bench: matrix product throughput, from Python loops to BLAS, and the two BLAS thread pools.

Run from the checkout::

    python -m bench.kernels            # full (~5 min): 4 shapes x float32/float64 x 1 and all threads
    python -m bench.kernels --quick    # ~45 s: fewer repeats, 1 thread, no 1024^3

Part 1, matmul GFLOP/s (2·m·n·k / seconds) for ``C = A @ B`` at (m, k, n) = 64³ (where the
Python loops can still finish), (128, 784, 512) (a mini-batch of MNIST through a 512-unit dense
layer), 512³ and 1024³, in float32 and float64:

* ``pynet.kernels.loops.matmul``: the textbook triple loop in Python (64³ only);
* ``matmul_naive`` / ``matmul_tiled`` from ``pynet.kernels._c_linalg``: the same loop in C, and
  blocked for the cache; no BLAS;
* NumPy ``np.matmul(a, b, out=)``: the **baseline**, NumPy's own OpenBLAS;
* pynet's reference ``matmul`` (NumPy plus the argument checks) and compiled ``matmul``
  (SciPy's OpenBLAS ``?gemm`` through ``scipy.linalg.cython_blas``);
* PyTorch ``torch.mm``, in its own process (``bench/peers/torch_matmul.py``).

Goal: compiled ``matmul`` >= 0.95x NumPy at 512³ and 1024³.

Part 2, the thread-pool study: NumPy and SciPy each bundle an OpenBLAS with its own pool. It
times a per-sample training loop (Rashid's 784-200-10 net: compiled gemv/ger + NumPy gemv and
elementwise) and alternating large GEMMs (NumPy, then compiled) under every split of threads
between the two pools, each in a fresh process, with and without ``OPENBLAS_THREAD_TIMEOUT=4``.

Results go to ``bench/results/kernels.md`` (part 1) and ``bench/results/kernels_threads.md``
(part 2), via :meth:`Bench.write` (``*_quick.md`` with ``--quick``); ``--no-study`` /
``--study-only`` run one part.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from bench.harness import Bench, REPO, Timing, actual_command, check_threads, parse_args, pin_threads, run_peer, seconds_per_call

SHAPES = [(64, 64, 64), (128, 784, 512), (512, 512, 512), (1024, 1024, 1024)]
GOAL_SHAPES = [(512, 512, 512), (1024, 1024, 1024)]
GOAL = 0.95
NUMPY = "NumPy np.matmul (its own OpenBLAS)"
COMPILED = "pynet compiled matmul (SciPy OpenBLAS ?gemm)"


def shape_name(m, k, n):
    return f"{m}³" if m == k == n else f"({m}×{k})@({k}×{n})"


@dataclass
class Suite(Bench):
    """Several tables in one results file: ``tables`` are ordinary :class:`Bench` objects."""

    tables: list = field(default_factory=list)
    summary: list = field(default_factory=list)

    def markdown(self) -> str:
        out = [f"## {self.title}", "", f"Command: `{self.command or actual_command()}`", ""]
        out += self.summary + [""]
        out += [t.markdown() for t in self.tables]
        out += [f"- {n}" for n in self.notes]
        return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Part 1: matmul throughput


def timed_rounds(groups, *, repeat, threads, min_seconds=0.05):
    """Time every row, one sample per row per round, rounds interleaved.

    ``groups`` is a list of ``(limits, rows)``; ``limits`` is the BLAS thread split while the
    group runs (see :func:`pynet.kernels.threads.limit_blas_threads`) and each row is
    ``(label, fn, max_samples)``. Interleaving spreads bursts of outside load (other programs on
    a shared machine) over all rows instead of one. With more than one thread, only the pool a
    row uses keeps its threads, and the group waits a moment after the switch: idle OpenBLAS
    workers of the *other* pool spin for a while before they sleep, and would steal the cores
    (the effect the thread-pool study measures).
    """
    from pynet.kernels.threads import limit_blas_threads

    samples = {label: [] for _, rows in groups for label, _, _ in rows}
    for round_ in range(repeat):
        for limits, rows in groups:
            active = [(label, fn) for label, fn, most in rows if round_ < most]
            if not active:
                continue
            with limit_blas_threads(limits):
                if threads > 1:
                    time.sleep(0.25)
                for label, fn in active:
                    if round_ == 0:
                        fn()  # warm-up
                    samples[label].append(seconds_per_call(fn, min_seconds))
    return {label: Timing(v) for label, v in samples.items()}


def matmul_tables(threads, quick, dtypes, shapes, with_torch=True):
    """One table per (dtype, shape) at ``threads`` BLAS threads."""
    from pynet.kernels import load_backend, loops

    pin_threads(threads)
    ref = load_backend("python", ["linalg"])
    try:
        comp = load_backend("cython", ["linalg"])
        from pynet.kernels import _c_linalg
    except ImportError as exc:
        print(f"compiled kernels unavailable ({exc}); their rows are n/a", file=sys.stderr)
        comp, _c_linalg = None, None

    torch_result = {}
    if with_torch:
        cases = [[m, k, n, np.dtype(dt).name] for dt in dtypes for (m, k, n) in shapes]
        try:
            torch_result = run_peer("bench.peers.torch_matmul",
                                    {"cases": cases, "repeat": 3 if quick else 7,
                                     "min_seconds": 0.05}, threads=threads)
        except RuntimeError as exc:
            torch_result = {"unavailable": str(exc).splitlines()[0]}

    tables = []
    repeat = 3 if quick else 7
    no_blas = {"numpy": 1, "scipy": 1}
    numpy_pool = {"numpy": threads, "scipy": 1}
    scipy_pool = {"numpy": 1, "scipy": threads}
    for dt in dtypes:
        for (m, k, n) in shapes:
            rng = np.random.default_rng(0)
            a = rng.random((m, k)).astype(dt)
            b = rng.random((k, n)).astype(dt)
            out_np = np.empty((m, n), dtype=dt)
            out_ref = np.empty((m, n), dtype=dt)
            out_c = np.empty((m, n), dtype=dt)
            work = 2.0 * m * n * k
            load_before = os.getloadavg()[0]
            bench = Bench("kernels", f"{shape_name(m, k, n)} {np.dtype(dt).name}, "
                          f"{threads} BLAS thread{'s' if threads > 1 else ''}", threads=threads)
            expected = a.astype(np.float64) @ b.astype(np.float64)

            def agree(c):
                scale = np.abs(expected).max() * (1e-4 if dt == np.float32 else 1e-10)
                assert np.abs(c - expected).max() <= scale, "results disagree"

            loop_rows, numpy_rows, compiled_rows = [], [], []
            if m * n * k <= 64 ** 3:
                agree(loops.matmul(a, b))
                loop_rows.append(("Python loops (pynet.kernels.loops.matmul)",
                                  lambda: loops.matmul(a, b), 3))
            big = m * n * k >= 1024 ** 3
            if _c_linalg is not None:
                if not (quick and big):
                    agree(_c_linalg.matmul_naive(a, b))
                    loop_rows.append(("compiled naive loop (matmul_naive, no BLAS)",
                                      lambda: _c_linalg.matmul_naive(a, b), 3 if big else repeat))
                agree(_c_linalg.matmul_tiled(a, b))
                loop_rows.append(("compiled tiled loop (matmul_tiled, no BLAS)",
                                  lambda: _c_linalg.matmul_tiled(a, b), repeat))
            numpy_rows.append((NUMPY, lambda: np.matmul(a, b, out=out_np), repeat))
            numpy_rows.append(("pynet reference matmul (NumPy + checks)",
                               lambda: ref.matmul(a, b, out=out_ref), repeat))
            if comp is not None:
                compiled_rows.append((COMPILED, lambda: comp.matmul(a, b, out=out_c), repeat))
            timings = timed_rounds([(no_blas, loop_rows), (numpy_pool, numpy_rows),
                                    (scipy_pool, compiled_rows)], repeat=repeat, threads=threads)
            for out in (out_np, out_ref) + ((out_c,) if comp is not None else ()):
                agree(out)
            for label, _, _ in loop_rows + numpy_rows + compiled_rows:
                bench.add(label, timings[label], work=work, work_unit="GFLOP/s")
            if comp is None:
                bench.add(COMPILED, None, note="not built")
            key = f"{m},{k},{n},{np.dtype(dt).name}"
            if "timings" in torch_result:
                bench.add(f"PyTorch {torch_result['torch']} torch.mm (own process)",
                          Timing.from_json(torch_result["timings"][key]), work=work,
                          work_unit="GFLOP/s")
            else:
                bench.add("PyTorch torch.mm", None,
                          note=torch_result.get("unavailable", "not run"))
            bench.set_baseline(NUMPY)
            bench.notes.append(f"1-minute load average of the machine: {load_before:.2f} before, "
                               f"{os.getloadavg()[0]:.2f} after (it has {os.cpu_count()} cores)")
            tables.append(bench)
            print(bench.markdown(), flush=True)
    return tables


def goal_lines(tables):
    """The goal, stated per dtype and thread count, from the tables just measured."""
    lines = []
    for t in tables:
        if not any(shape_name(*s) in t.title for s in GOAL_SHAPES):
            continue
        try:
            r = t.ratio(COMPILED)
            r_min = t._row(NUMPY).timing.min / t._row(COMPILED).timing.min
        except (KeyError, AttributeError, TypeError):
            continue
        verdict = "met" if r >= GOAL else "NOT met"
        lines.append(f"- {t.title}: compiled / NumPy speed = **{r:.2f}×** by medians "
                     f"(goal ≥ {GOAL}×: {verdict}); {r_min:.2f}× by the fastest samples")
    return lines


# ---------------------------------------------------------------------------------------------
# Part 2: the two thread pools


class StudyTable(Bench):
    """A study table: each row sets its own thread split, so no single pinned count applies."""

    def markdown(self) -> str:
        return super().markdown().replace(
            "BLAS/OpenMP threads pinned to 0", "threads per pool set on each row")


STUDY_WORKLOADS = {
    "rashid": "per-sample loop: Rashid 784-200-10, 300 samples (compiled gemv/ger + NumPy gemv)",
    "alternate": "alternating 512³ GEMMs: NumPy, compiled, NumPy, ... (12 calls)",
    "numpy": "NumPy 512³ GEMM only (12 calls)",
    "compiled": "compiled 512³ GEMM only (12 calls)",
}


def study_worker(args: dict) -> dict:
    """Runs in a fresh process: time every workload under every (numpy, scipy) thread split,
    interleaving the splits over ``rounds`` so that a burst of outside load hits all alike."""
    from pynet.kernels import load_backend
    from pynet.kernels.threads import blas_info, limit_blas_threads

    c = load_backend("cython", ["linalg"])
    rng = np.random.default_rng(0)
    wih = rng.normal(0, 784 ** -0.5, (200, 784))
    who = rng.normal(0, 200 ** -0.5, (10, 200))
    xs = rng.random((300, 784)) * 0.99 + 0.01
    ts = np.full((300, 10), 0.01)
    ts[np.arange(300), rng.integers(0, 10, 300)] = 0.99
    a, b = rng.random((512, 512)), rng.random((512, 512))
    out = np.empty((512, 512))

    def rashid():
        for x, t in zip(xs, ts):
            hidden = c.sigmoid(c.matvec(wih, x))          # SciPy's BLAS (gemv)
            final = c.sigmoid(c.matvec(who, hidden))
            output_errors = t - final
            hidden_errors = who.T @ output_errors          # NumPy's BLAS (gemv)
            c.outer_update(who, 0.1, output_errors * final * (1 - final), hidden)  # SciPy ger
            c.outer_update(wih, 0.1, hidden_errors * hidden * (1 - hidden), x)

    def alternate():
        for _ in range(6):
            np.matmul(a, b, out=out)
            c.matmul(a, b, out=out)

    def numpy_only():
        for _ in range(12):
            np.matmul(a, b, out=out)

    def compiled_only():
        for _ in range(12):
            c.matmul(a, b, out=out)

    fns = {"rashid": rashid, "alternate": alternate, "numpy": numpy_only,
           "compiled": compiled_only}
    splits = [tuple(s) for s in args["splits"]]
    samples = {f"{w}|{s[0]}|{s[1]}": [] for w in fns for s in splits}
    for fn in fns.values():
        fn()  # warm-up: pools started, pages touched
    for _ in range(args["rounds"]):
        for s in splits:
            with limit_blas_threads({"numpy": s[0], "scipy": s[1]}):
                for w, fn in fns.items():
                    start = time.perf_counter()
                    fn()
                    samples[f"{w}|{s[0]}|{s[1]}"].append(time.perf_counter() - start)
    return {"samples": samples, "blas": [lib.describe() for lib in blas_info()]}


def run_study(rounds, timeouts):
    """Run :func:`study_worker` in fresh processes (OPENBLAS_THREAD_TIMEOUT is read at load)."""
    cores = os.cpu_count() or 1
    splits = [(1, 1), (cores, cores), (cores, 1), (1, cores)]
    results, loads = {}, {}
    for timeout in timeouts:
        env = dict(os.environ)
        env.pop("OPENBLAS_THREAD_TIMEOUT", None)
        if timeout is not None:
            env["OPENBLAS_THREAD_TIMEOUT"] = str(timeout)
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.pop(var, None)  # let each pool start at the machine's core count
        payload = json.dumps({"rounds": rounds, "splits": splits})
        load_before = os.getloadavg()[0]
        proc = subprocess.run([sys.executable, "-m", "bench.kernels", "--study-worker", payload],
                              capture_output=True, text=True, env=env, cwd=REPO, timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"thread study failed:\n{proc.stderr[-3000:]}")
        results[timeout] = json.loads(proc.stdout.strip().splitlines()[-1])
        loads[timeout] = (load_before, os.getloadavg()[0])

    tables = []
    for w, title in STUDY_WORKLOADS.items():
        bench = StudyTable("kernels", f"Thread pools: {title}", threads=0)
        for timeout, res in results.items():
            tag = "" if timeout is None else f", OPENBLAS_THREAD_TIMEOUT={timeout}"
            for s in splits:
                label = f"NumPy {s[0]} / SciPy {s[1]} threads{tag}"
                bench.add(label, Timing(res["samples"][f"{w}|{s[0]}|{s[1]}"]))
        bench.set_baseline("NumPy 1 / SciPy 1 threads")
        for timeout, (before, after) in loads.items():
            tag = "default" if timeout is None else f"OPENBLAS_THREAD_TIMEOUT={timeout}"
            bench.notes.append(f"{tag} process: 1-minute load average {before:.2f} before, "
                               f"{after:.2f} after ({cores} cores)")
        tables.append(bench)
        print(bench.markdown(), flush=True)
    blas = next(iter(results.values()))["blas"]
    return tables, blas


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 1 thread only")
    parser.add_argument("--threads", default=None,
                        help="comma-separated BLAS thread counts (default: 1 and all cores)")
    part = parser.add_mutually_exclusive_group()
    part.add_argument("--no-study", action="store_true", help="skip the thread-pool study")
    part.add_argument("--study-only", action="store_true", help="only the thread-pool study")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch peer")
    parser.add_argument("--study-worker", default=None, help=argparse.SUPPRESS)
    args = parse_args(parser, argv)
    if args.study_worker is not None:
        print(json.dumps(study_worker(json.loads(args.study_worker))))
        return 0

    from pynet.kernels.threads import blas_info

    blas_note = "BLAS: " + "; ".join(lib.describe() for lib in blas_info())
    if not args.study_only:
        cores = os.cpu_count() or 1
        if args.threads:
            thread_counts = [check_threads(t) for t in args.threads.split(",")]
        else:
            thread_counts = [1] if args.quick else sorted({1, cores})
        shapes = SHAPES[:3] if args.quick else SHAPES
        dtypes = (np.float64, np.float32)
        # A quick run writes *_quick.md so that it never replaces the full figures.
        suite = Suite("kernels" + ("_quick" if args.quick else ""),
                      "Matrix product: loops, tiled C, NumPy, pynet, PyTorch")
        for threads in thread_counts:
            suite.tables += matmul_tables(threads, args.quick, dtypes, shapes,
                                          with_torch=not args.no_torch)
        suite.summary = ["### Goal: compiled matmul ≥ 0.95× NumPy's own BLAS at 512³ and 1024³",
                         ""]
        suite.summary += goal_lines(suite.tables) or ["- (goal shapes not measured in this run)"]
        suite.notes.append(blas_note)
        suite.notes.append("GFLOP/s = 2·m·n·k / median seconds; ratio column = NumPy's median / "
                           "this row's median (> 1 is faster than NumPy)")
        suite.notes.append("Rows are timed in interleaved rounds; with more than one thread only "
                           "the pool of the row being timed keeps its threads (see "
                           "kernels_threads.md for why)")
        print(f"wrote {suite.write(plot=False)}")

    if not args.no_study:
        study = Suite("kernels_threads" + ("_quick" if args.quick else ""),
                      "Two BLAS thread pools: NumPy's and SciPy's")
        tables, blas = run_study(rounds=3 if args.quick else 7, timeouts=[None, 4])
        study.tables += tables
        study.summary = [
            "Seconds per workload. Each split of threads between NumPy's pool and SciPy's pool "
            "is timed in turn, round after round, in one fresh process per "
            "OPENBLAS_THREAD_TIMEOUT setting. The load average includes this bench itself (1).",
            "", "BLAS libraries in the study: " + "; ".join(blas)]
        print(f"wrote {study.write(plot=False)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
