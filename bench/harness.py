"""The bench harness every ``bench/*.py`` uses: warm-up, repeats, pinned threads, peers in their
own process, ratios against a baseline measured in the same run, Markdown tables.

Why peers run in a separate process: PyTorch's OpenMP threads and OpenBLAS's own pool spin against
each other when both live in one process, which distorts both numbers.

Usage sketch::

    from bench.harness import Bench, time_call, run_peer

    bench = Bench("kernels", "matmul GFLOP/s", threads=1)
    t = time_call(lambda: kernels.matmul(a, b), repeat=7)
    bench.add("pynet compiled", t, work=2 * m * n * k, work_unit="GFLOP/s")
    bench.add("PyTorch", run_peer("bench.peers.torch_matmul", {"m": m, ...}, threads=1), ...)
    bench.set_baseline("NumPy")
    bench.write()          # bench/results/kernels.md (+ .png with matplotlib)
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class Timing:
    """Seconds per call over ``samples`` repeats (after the warm-up)."""

    samples: list

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def to_json(self) -> dict:
        return {"samples": self.samples}

    @classmethod
    def from_json(cls, d: dict) -> "Timing":
        return cls(list(d["samples"]))


def seconds_per_call(fn, min_seconds: float = 0.0) -> float:
    """One sample: call ``fn()`` until at least ``min_seconds`` have passed (once at least) and
    return the mean seconds per call."""
    n = 0
    start = time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / n


def time_call(fn, *, repeat: int = 5, warmup: int = 1, min_seconds: float = 0.0) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeat`` timed ones (each call is one
    sample; if a call is shorter than ``min_seconds`` it is repeated in a loop and averaged)."""
    for _ in range(warmup):
        fn()
    return Timing([seconds_per_call(fn, min_seconds) for _ in range(repeat)])


def pin_threads(threads: int) -> None:
    """Limit BLAS/OpenMP pools in *this* process (NumPy's and SciPy's OpenBLAS both)."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return
    threadpool_limits(limits=threads)


def run_peer(module: str, args: dict, *, threads: int = 1, timeout: float = 1800) -> dict:
    """Run ``python -m module '<json args>'`` in its own process with ``threads`` pinned.

    The peer prints one JSON object as its last line of stdout; this returns it (a ``"timing"``
    entry holding ``{"samples": [...]}`` is turned into a :class:`Timing`). A peer whose library
    is missing prints ``{"unavailable": "reason"}``.
    """
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", module, json.dumps(args)], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"peer {module} failed:\n{proc.stderr[-3000:]}")
    last = [line for line in proc.stdout.splitlines() if line.strip()][-1]
    result = json.loads(last)
    if "timing" in result:
        result["timing"] = Timing.from_json(result["timing"])
    return result


def peer_main(fn) -> None:
    """For peer modules: ``if __name__ == "__main__": peer_main(run)``; ``run(args) -> dict``."""
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    result = fn(args)
    if "timing" in result and isinstance(result["timing"], Timing):
        result["timing"] = result["timing"].to_json()
    print(json.dumps(result))


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


@dataclass
class Row:
    label: str
    timing: Timing | None
    work: float | None = None
    work_unit: str = ""
    note: str = ""


@dataclass
class Bench:
    """One table: rows of timings, one of them the baseline for the ratio column."""

    name: str
    title: str
    threads: int = 1
    command: str = ""
    rows: list = field(default_factory=list)
    baseline: str | None = None
    notes: list = field(default_factory=list)

    def add(self, label: str, timing: Timing | None, *, work: float | None = None,
            work_unit: str = "", note: str = "") -> Row:
        """Add a row. ``work`` (e.g. FLOPs or samples per call) adds a throughput column:
        ``work / median / 1e9`` for ``GFLOP/s``, ``work / median`` otherwise."""
        row = Row(label, timing, work, work_unit, note)
        self.rows.append(row)
        return row

    def set_baseline(self, label: str) -> None:
        self.baseline = label

    def ratio(self, label: str, baseline: str | None = None) -> float:
        """median(baseline) / median(label): > 1 means ``label`` is faster."""
        base = self._row(baseline or self.baseline)
        row = self._row(label)
        return base.timing.median / row.timing.median

    def _row(self, label):
        for r in self.rows:
            if r.label == label:
                return r
        raise KeyError(label)

    def throughput(self, row: Row) -> float | None:
        if row.work is None or row.timing is None:
            return None
        per_s = row.work / row.timing.median
        return per_s / 1e9 if row.work_unit.startswith("G") else per_s

    def markdown(self) -> str:
        today = _dt.date.today().isoformat()
        cmd = self.command or f"python -m bench.{self.name}"
        lines = [f"### {self.title}", "",
                 f"Command: `{cmd}` · date {today} · {machine_description()} · "
                 f"BLAS/OpenMP threads pinned to {self.threads}", ""]
        unit = next((r.work_unit for r in self.rows if r.work_unit), "")
        head = "| what | median s | min s | max s |" + (f" {unit} |" if unit else "")
        head += f" × vs {self.baseline} |" if self.baseline else ""
        lines += [head, "|" + "---|" * (head.count("|") - 1)]
        for r in self.rows:
            if r.timing is None:
                cells = f"| {r.label} | n/a | | |" + (" |" if unit else "") + (" |" if self.baseline else "")
            else:
                cells = f"| {r.label} | {r.timing.median:.4g} | {r.timing.min:.4g} | {r.timing.max:.4g} |"
                if unit:
                    tp = self.throughput(r)
                    cells += f" {tp:.3g} |" if tp is not None else " |"
                if self.baseline:
                    cells += f" {self.ratio(r.label):.2f} |"
            if r.note:
                cells += f" {r.note}"
            lines.append(cells)
        lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def write(self, *, plot: bool = True) -> Path:
        """Write ``bench/results/<name>.md`` (and ``.png`` when matplotlib is installed)."""
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{self.name}.md"
        path.write_text(self.markdown())
        if plot:
            try:
                import matplotlib
                matplotlib.use("Agg")
                import matplotlib.pyplot as plt
            except ImportError:
                return path
            rows = [r for r in self.rows if r.timing is not None]
            fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
            ax.barh([r.label for r in rows], [r.timing.median for r in rows])
            ax.set_xlabel("median seconds per call (lower is faster)")
            ax.set_title(self.title)
            fig.tight_layout()
            fig.savefig(RESULTS_DIR / f"{self.name}.png", dpi=90)
            plt.close(fig)
        print(self.markdown())
        return path
