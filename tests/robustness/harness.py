"""The bad-input harness: a table of cases, how one case is judged, and how to run one in a child
process with its memory capped.

A case is a function registered with :func:`case` that builds a fresh bad call and, optionally, a
snapshot of the state the call must not change::

    @case("kernels", raises=ValueError, mentions=("weights[0]",))
    def nielsen_epoch_nan_eta():
        w = [np.zeros((2, 2))]
        return (lambda: kernels.nielsen_epoch(...)), snapshot(w)

:func:`judge` runs it and names the outcome with the columns of ``docs/reliability.md``:

``clear``          the expected exception type, and its message names every ``mentions`` string
``unclear``        another exception, or a message that does not name the argument/file
``accepted``       no exception: the bad input was taken (a wrong result accepted)
``state_changed``  an exception, but the snapshot differs afterwards (a half-applied change)

A case registered with ``raises=()`` must instead return ``True`` (its own check that the answer
is right, e.g. an overlapping ``out=`` gives the non-overlapping result); anything else returned
is ``accepted`` (a wrong result), an exception ``unclear``.

A case marked ``isolated=True`` allocates or crashes by design when the code regresses; the tests
run it with :func:`run_isolated`, in a child process under ``RLIMIT_AS``, where a segfault is
outcome ``crash`` and a memory or time overrun is ``oversize`` instead of a dead test run.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parents[2]

#: The address-space cap of a child process (the issue's sweep used 3 GB).
MEMORY_CAP = 3 << 30
#: A case whose peak resident memory exceeds this is counted as ">500 MB".
PEAK_LIMIT = 500 << 20
#: Seconds before a child is counted as hung.
TIME_LIMIT = 120

OUTCOMES = ("clear", "unclear", "accepted", "crash", "oversize", "state_changed")
AREAS = ("datasets", "persistence", "models", "kernels")

#: Modules whose cases make up the suite (each registers its cases on import).
CASE_MODULES = (
    "tests.robustness.cases_kernels",
    "tests.robustness.cases_datasets",
    "tests.robustness.cases_persistence",
    "tests.robustness.cases_models",
)


@dataclasses.dataclass(frozen=True)
class Case:
    area: str
    name: str
    build: Callable
    raises: tuple
    mentions: tuple
    isolated: bool
    #: Outcome expected on this branch when it is not "clear" (cases waiting for other work).
    pending: str | None = None

    @property
    def id(self) -> str:
        return f"{self.area}:{self.name}"


CASES: dict[str, Case] = {}


def case(area, *, raises=(ValueError, TypeError), mentions=(), isolated=False, pending=None,
         name=None):
    """Register a case builder under ``area``."""
    assert area in AREAS, area

    def register(build):
        raises_t = tuple(raises) if isinstance(raises, (tuple, list)) else (raises,)
        c = Case(area, name or build.__name__, build, raises_t, tuple(mentions), isolated, pending)
        assert c.id not in CASES, c.id
        CASES[c.id] = c
        return build
    return register


def load_cases() -> dict[str, Case]:
    for mod in CASE_MODULES:
        importlib.import_module(mod)
    return CASES


def snapshot(*objs) -> Callable[[], str]:
    """A function returning a digest of arrays, lists of arrays, files, objects' ``__dict__``
    arrays and zero-argument callables (``m.get_weights``, evaluated at each digest), so "state
    afterwards is byte-identical" is one comparison."""
    def digest():
        h = hashlib.sha256()

        def feed(o):
            if isinstance(o, (types.FunctionType, types.MethodType)):   # read at digest time
                o = o()
            if isinstance(o, np.ndarray):
                h.update(repr((o.dtype.str, o.shape)).encode())
                h.update(np.ascontiguousarray(o).tobytes())
            elif isinstance(o, (list, tuple)):
                for v in o:
                    feed(v)
            elif isinstance(o, dict):
                for k in sorted(o, key=str):
                    h.update(str(k).encode())
                    feed(o[k])
            elif isinstance(o, (str, bytes, os.PathLike)) and os.path.isfile(o):
                h.update(Path(o).read_bytes())
            elif isinstance(o, (str, bytes, os.PathLike)) and os.path.isdir(o):
                for p in sorted(Path(o).rglob("*")):
                    h.update(str(p.relative_to(o)).encode())
                    if p.is_file():
                        h.update(p.read_bytes())
            elif hasattr(o, "__dict__"):
                feed({k: v for k, v in vars(o).items()
                      if isinstance(v, (np.ndarray, list, tuple, dict, int, float, str))})
            else:
                h.update(repr(o).encode())
        for obj in objs:
            feed(obj)
        return h.hexdigest()
    return digest


def judge(c: Case) -> tuple[str, str]:
    """Run one case in this process; return ``(outcome, detail)``."""
    built = c.build()
    call, snap = built if isinstance(built, tuple) else (built, None)
    before = snap() if snap else None
    outcome, detail = "accepted", "no exception"
    try:
        result = call()
        if not c.raises:        # a case that must succeed with the right answer (aliasing)
            outcome, detail = ("clear", "correct result") if result is True else \
                ("accepted", f"wrong result: {result!r}"[:300])
    except c.raises as exc:
        msg = str(exc)
        missing = [m for m in c.mentions if m not in msg]
        outcome = "unclear" if missing else "clear"
        detail = f"{type(exc).__name__}: {msg[:300]}" + (f" [missing {missing}]" if missing else "")
    except MemoryError as exc:
        outcome, detail = "oversize", f"MemoryError: {str(exc)[:200]}"
    except Exception as exc:  # noqa: BLE001 - any other type is the finding
        outcome, detail = "unclear", f"{type(exc).__name__}: {str(exc)[:300]}"
    if snap and snap() != before and outcome in ("clear", "unclear"):
        outcome, detail = "state_changed", detail + " (state changed)"
    return outcome, detail


def run_isolated(case_id: str, *, memory_cap=MEMORY_CAP, timeout=TIME_LIMIT,
                 env=None) -> tuple[str, str, int]:
    """Run one case in a child process with ``RLIMIT_AS = memory_cap``; return
    ``(outcome, detail, peak_rss_bytes)``. A signal death is ``crash``; a timeout or a peak above
    :data:`PEAK_LIMIT` is ``oversize``."""
    child_env = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO)}
    child_env.setdefault("OPENBLAS_NUM_THREADS", "1")
    cmd = [sys.executable, "-m", "tests.robustness.harness", case_id, str(memory_cap)]
    try:
        proc = subprocess.run(cmd, cwd=REPO, env=child_env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "oversize", f"no answer within {timeout} s", 0
    if proc.returncode < 0:
        return "crash", f"killed by signal {-proc.returncode}: {proc.stderr[-300:]}", 0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return "crash", f"exit {proc.returncode}: {proc.stderr[-500:]}", 0
    res = json.loads(lines[-1])
    outcome = res["outcome"]
    if res["peak"] > PEAK_LIMIT and outcome != "oversize":
        outcome = "oversize"
        res["detail"] += f" (peak {res['peak'] >> 20} MB)"
    return outcome, res["detail"], res["peak"]


def _child(case_id: str, memory_cap: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))
    cases = load_cases()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    outcome, detail = judge(cases[case_id])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    print(json.dumps({"outcome": outcome, "detail": detail, "peak": peak}), flush=True)


if __name__ == "__main__":
    # Run through the importable module, whose CASES the case modules fill (not __main__'s).
    importlib.import_module("tests.robustness.harness")._child(sys.argv[1], int(sys.argv[2]))
