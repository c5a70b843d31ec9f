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

import argparse
import contextlib
import datetime as _dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

#: Set (to "1") by ``--write-results``: only then do the benches rewrite the tracked
#: ``bench/results/*.md``. Otherwise tables go to :func:`results_dir` (``$PYNET_BENCH_OUT`` or
#: ``<tmp>/pynet-bench``), so a user's run never dirties a checkout.
WRITE_RESULTS_VAR = "PYNET_BENCH_WRITE_RESULTS"
OUT_VAR = "PYNET_BENCH_OUT"


class BenchUsageError(SystemExit):
    """Bad command-line input: the message is printed, exit status 2."""

    def __init__(self, message: str):
        print(f"bench: {message}", file=sys.stderr)
        super().__init__(2)


def results_dir() -> Path:
    """Where this run writes its tables: the tracked ``bench/results/`` only with
    ``--write-results`` (a maintainer's run), else ``$PYNET_BENCH_OUT`` or ``<tmp>/pynet-bench``."""
    if os.environ.get(WRITE_RESULTS_VAR) == "1":
        path = RESULTS_DIR
    else:
        path = Path(os.environ.get(OUT_VAR) or Path(tempfile.gettempdir()) / "pynet-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_text(name: str, text: str) -> Path:
    """Write ``<results_dir()>/<name>`` atomically and say where it went."""
    path = results_dir() / name
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    print(f"wrote {path}" + ("" if path.parent == RESULTS_DIR else
                             " (bench/results/ is rewritten only with --write-results)"))
    return path


def actual_command() -> str:
    """The command line that is running, as typed: ``python -m bench.<name> <its arguments>``."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    module = spec.name if spec is not None and spec.name else os.path.basename(sys.argv[0])
    args = " ".join(shlex.quote(a) for a in sys.argv[1:])
    return f"python -m {module}" + (f" {args}" if args else "")


def check_threads(value) -> int:
    """A thread count from 1 to this machine's cores, or a clear usage error."""
    cores = os.cpu_count() or 1
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise BenchUsageError(f"--threads must be a whole number from 1 to {cores}, "
                              f"got {value!r}") from None
    if not 1 <= n <= cores:
        raise BenchUsageError(f"--threads must be from 1 to {cores} (this machine's cores), "
                              f"got {n}")
    return n


def check_busy_possible() -> None:
    cores = os.cpu_count() or 1
    if cores < 2:
        raise BenchUsageError("--busy needs at least 2 cores (it keeps one core busy with a "
                              f"background process); this machine has {cores}")


def parse_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """``parser.parse_args`` plus the options every bench shares: ``--write-results``."""
    parser.add_argument("--write-results", action="store_true",
                        help="maintainers: rewrite the tracked bench/results/*.md (default: "
                             "write to $PYNET_BENCH_OUT or <tmp>/pynet-bench)")
    args = parser.parse_args(argv)
    if args.write_results:
        os.environ[WRITE_RESULTS_VAR] = "1"
    if getattr(args, "threads", None) is not None and not isinstance(args.threads, str):
        check_threads(args.threads)
    return args


BUSY_LOOP = "import time\nwhile True:\n    pass\n"


@contextlib.contextmanager
def busy_core(core: int = 0):
    """Keep one core busy with a CPU-bound background process (``--busy`` mode); stop it after.

    The process spins in Python, pinned to ``core`` where the OS allows it; it is started and
    killed by this context manager, nothing else.
    """
    check_busy_possible()

    def pin():  # runs in the child before exec
        if hasattr(os, "sched_setaffinity"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, {core})

    proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP], preexec_fn=pin,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.2)  # let it start spinning
        yield proc
    finally:
        proc.kill()
        proc.wait()


def load_average() -> str:
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover - not on every OS
        return "unknown"


def fresh_process(module: str, args: dict, *, env: dict | None = None,
                  timeout: float = 1800) -> dict:
    """Run ``python -m module '<json args>'`` in a fresh process with ``env`` (default: this
    process's environment unchanged: the user's default threading). Returns its JSON result."""
    environ = dict(os.environ if env is None else env)
    environ["PYTHONPATH"] = str(REPO) + os.pathsep + environ.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", module, json.dumps(args)], capture_output=True,
                          text=True, env=environ, timeout=timeout, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{proc.stderr[-3000:]}")
    last = [line for line in proc.stdout.splitlines() if line.strip()][-1]
    return json.loads(last)


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
    """Run ``python -m module '<json args>'`` in its own process with ``threads`` pinned
    (``threads=0``: nothing pinned).

    The peer prints one JSON object as its last line of stdout; this returns it (a ``"timing"``
    entry holding ``{"samples": [...]}`` is turned into a :class:`Timing`). A peer whose library
    is missing prints ``{"unavailable": "reason"}``.
    """
    env = dict(os.environ)
    for var in THREAD_VARS:
        if threads:
            env[var] = str(threads)
        else:                                # 0: nothing pinned, the library's own default
            env.pop(var, None)
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
        cmd = self.command or actual_command()
        threads = (f"BLAS/OpenMP threads pinned to {self.threads}" if self.threads
                   else "default threading (nothing pinned)")
        lines = [f"### {self.title}", "",
                 f"Command: `{cmd}` · date {today} · {machine_description()} · {threads}", ""]
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
        """Write ``<results_dir()>/<name>.md`` (and ``.png`` when matplotlib is installed)."""
        path = write_text(f"{self.name}.md", self.markdown())
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
            fig.savefig(path.parent / f"{self.name}.png", dpi=90)
            plt.close(fig)
        print(self.markdown())
        return path
