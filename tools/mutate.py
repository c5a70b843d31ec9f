"""Mutation testing for pynet: plant one small bug at a time and see whether the tests notice.

Run from the repository root (not part of CI; minutes, not seconds)::

    python tools/mutate.py                       # the sampled run recorded in docs/testing.md
    python tools/mutate.py --list                # only list the mutants it would try
    python tools/mutate.py --only ID [ID ...]    # re-run chosen mutants (IDs from a report)

Each mutant is one edit to one file, made through the file's syntax tree and spliced into the
source text, so the rest of the file is untouched:

* ``compare``  flip a comparison (``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``, ``is`` ↔
  ``is not``, ``in`` ↔ ``not in``);
* ``arith``    swap ``+`` and ``-`` (also ``+=`` ↔ ``-=``);
* ``const``    a number ``n`` becomes ``n + 1`` or ``n - 1``;
* ``slice``    a slice bound ``b`` becomes ``b + 1`` or ``b - 1``;
* ``return``   ``return <value>`` becomes ``return None``;
* ``drop``     a simple statement (assignment, call, raise, augmented assignment) becomes ``pass``.

Numbers inside f-strings and error-message arguments are left alone (changing the text of a
message is not a bug the tests should hunt). For each mutant the file is rewritten, the stale
byte-code removed, and the package's fast test subset run with ``pytest -x`` in a fresh process
under a timeout; a failing, erroring or timed-out run *kills* the mutant, a passing one lets it
*survive*. The original file is always restored.

What is mutated and which tests run live in :data:`TARGETS`, the one place to edit when files
move (``pynet/sequential.py`` -> ``pynet/models/``).
"""
from __future__ import annotations

import argparse
import ast
import copy
import fnmatch
import glob
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: package label -> (file globs to mutate, {file glob: test paths run for a mutant in that file}).
#: The first matching file glob picks the tests. The "model loop" is pynet/models/ (the training
#: loop, the Model house, the data checks and the graph runner) since issue 12.
TARGETS = {
    "kernels/reference": (
        ["pynet/kernels/reference/*.py"],
        {"*/conv.py": ["tests/kernels/test_conv.py", "tests/oracles/test_by_hand.py"],
         "*/pooling.py": ["tests/kernels/test_pooling.py", "tests/oracles/test_by_hand.py"],
         "*/dense.py": ["tests/kernels/test_dense.py", "tests/layers/test_core.py"],
         "*/classic.py": ["tests/kernels/test_classic.py", "tests/classic"],
         "*/rashid.py": ["tests/kernels/test_rashid.py", "tests/backprop/test_three_layer_network.py"],
         "*/nielsen.py": ["tests/kernels/test_nielsen.py", "tests/backprop/test_nielsen_costs.py"],
         "*/linalg.py": ["tests/kernels/test_linalg.py"],
         "*": ["tests/kernels/test_dense.py", "tests/kernels/test_linalg.py"]},
    ),
    "kernels/_checks": (
        ["pynet/kernels/_checks/*.py"],
        {"*/conv.py": ["tests/kernels/test_conv.py", "tests/oracles/test_by_hand.py",
                       "tests/layers/test_conv.py"],
         "*/pooling.py": ["tests/kernels/test_pooling.py", "tests/oracles/test_by_hand.py",
                          "tests/layers/test_pooling.py"],
         "*/dense.py": ["tests/kernels/test_dense.py"],
         "*/classic.py": ["tests/kernels/test_classic.py"],
         "*/rashid.py": ["tests/kernels/test_rashid.py"],
         "*/nielsen.py": ["tests/kernels/test_nielsen.py"],
         "*/linalg.py": ["tests/kernels/test_linalg.py"],
         "*": ["tests/kernels/test_dense.py", "tests/kernels/test_conv.py"]},
    ),
    "layers": (
        ["pynet/layers/*.py"],
        {"*": ["tests/layers", "tests/oracles/test_by_hand.py"]},
    ),
    "model loop": (
        ["pynet/models/training.py", "pynet/models/model.py", "pynet/models/data.py",
         "pynet/models/graph.py"],
        {"*": ["tests/test_sequential.py", "tests/test_training_loop_edges.py", "tests/models"]},
    ),
}

#: Test files left out of the "before" run (the tests this work added), see ``--before``.
NEW_TESTS = ["tests/oracles", "tests/test_training_loop_edges.py",
             "tests/layers/test_layer_repr.py"]

COMPARE_FLIP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
                ast.In: ast.NotIn, ast.NotIn: ast.In}
ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add}
DROPPABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Raise)


@dataclass
class Mutant:
    id: str            # file:line:col:kind:variant — stable while the file is unchanged
    package: str
    file: str
    line: int
    kind: str
    before: str        # the original source of the edited node (first line)
    after: str         # its replacement (first line)
    start: tuple       # (line, col) of the edit, 1-based line, byte column
    end: tuple
    replacement: str


# -- finding mutation sites ------------------------------------------------------------------

def _skip_ranges(tree) -> set:
    """ids of nodes whose subtree is not mutated: f-strings, docstrings, the arguments of
    ``raise`` (messages), ``__all__`` and other module-level names in capitals."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Raise) and node.exc is not None:
            skip.update(id(n) for n in ast.walk(node.exc))
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                skip.update(id(n) for n in ast.walk(body[0]))
    return skip


def _source_of(lines: list[bytes], node) -> str:
    if node.lineno == node.end_lineno:
        text = lines[node.lineno - 1][node.col_offset:node.end_col_offset]
    else:
        text = lines[node.lineno - 1][node.col_offset:]
    return text.decode("utf-8").strip()


def _bump(expr_node, delta):
    return ast.BinOp(left=copy.deepcopy(expr_node), op=ast.Add() if delta > 0 else ast.Sub(),
                     right=ast.Constant(abs(delta)))


def find_mutants(path: str, package: str) -> list[Mutant]:
    source = Path(REPO / path).read_bytes()
    lines = source.split(b"\n")
    tree = ast.parse(source)
    skip = _skip_ranges(tree)
    out: list[Mutant] = []

    def add(node, kind, variant, new_node=None, text=None):
        replacement = text if text is not None else f"({ast.unparse(new_node)})"
        before = _source_of(lines, node)
        out.append(Mutant(
            id=f"{path}:{node.lineno}:{node.col_offset}:{kind}:{variant}", package=package,
            file=path, line=node.lineno, kind=kind, before=before[:70],
            after=replacement.split("\n")[0][:70],
            start=(node.lineno, node.col_offset), end=(node.end_lineno, node.end_col_offset),
            replacement=replacement))

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in COMPARE_FLIP:
                    new = copy.deepcopy(node)
                    new.ops[i] = COMPARE_FLIP[type(op)]()
                    add(node, "compare", i, new)
        elif isinstance(node, ast.BinOp) and type(node.op) in ARITH_SWAP:
            new = copy.deepcopy(node)
            new.op = ARITH_SWAP[type(node.op)]()
            add(node, "arith", 0, new)
        elif isinstance(node, ast.AugAssign) and type(node.op) in ARITH_SWAP:
            new = copy.deepcopy(node)
            new.op = ARITH_SWAP[type(node.op)]()
            add(node, "arith", 0, text=ast.unparse(new))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            for delta in (+1, -1):
                add(node, "const", "+1" if delta > 0 else "-1",
                    text=repr(node.value + delta))
        elif isinstance(node, ast.Slice):
            for name in ("lower", "upper"):
                bound = getattr(node, name)
                if bound is not None and id(bound) not in skip:
                    for delta in (+1, -1):
                        add(bound, "slice", f"{name}{delta:+d}", _bump(bound, delta))
        if isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            add(node, "return", 0, text="return None")
        if isinstance(node, DROPPABLE) and id(node) not in skip:
            add(node, "drop", 0, text="pass")
    return out


def all_mutants() -> list[Mutant]:
    found = []
    for package, (globs, _) in TARGETS.items():
        for pattern in globs:
            for path in sorted(glob.glob(str(REPO / pattern))):
                found += find_mutants(os.path.relpath(path, REPO), package)
    return found


def tests_for(mutant: Mutant, exclude=()) -> list[str]:
    for pattern, tests in TARGETS[mutant.package][1].items():
        if fnmatch.fnmatch(mutant.file, pattern):
            return [t for t in tests if not any(t.startswith(e) for e in exclude)]
    raise LookupError(mutant.file)


# -- applying and running ----------------------------------------------------------------------

def mutated_source(mutant: Mutant) -> bytes:
    source = (REPO / mutant.file).read_bytes()
    lines = source.split(b"\n")
    (l0, c0), (l1, c1) = mutant.start, mutant.end
    head = b"\n".join(lines[:l0 - 1] + [lines[l0 - 1][:c0]])
    tail = b"\n".join([lines[l1 - 1][c1:]] + lines[l1:])
    new = head + mutant.replacement.encode("utf-8") + tail
    compile(new, mutant.file, "exec")      # every mutant is valid Python
    return new


def _drop_bytecode(path: Path) -> None:
    for pyc in path.parent.glob(f"__pycache__/{path.stem}.*.pyc"):
        pyc.unlink(missing_ok=True)


def run_tests(tests: list[str], timeout: float, ignore=()) -> tuple[str, float]:
    """'passed', 'failed' or 'timeout', and the seconds taken; ``ignore``: test paths left out."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
           "--no-header", "-o", "addopts=--import-mode=importlib",
           *[f"--ignore={path}" for path in ignore], *tests]
    start = time.monotonic()
    try:
        result = subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    return ("passed" if result.returncode == 0 else "failed"), time.monotonic() - start


def run_mutant(mutant: Mutant, tests: list[str], timeout: float, ignore=()) -> tuple[str, float]:
    path = REPO / mutant.file
    original = path.read_bytes()
    try:
        path.write_bytes(mutated_source(mutant))
        _drop_bytecode(path)
        return run_tests(tests, timeout, ignore)
    finally:
        path.write_bytes(original)
        _drop_bytecode(path)


def sample(mutants: list[Mutant], per_package: int, seed: int) -> list[Mutant]:
    """``per_package`` mutants from each package, drawn uniformly with a fixed seed."""
    rng = random.Random(seed)
    chosen = []
    for package in TARGETS:
        pool = [m for m in mutants if m.package == package]
        chosen += sorted(rng.sample(pool, min(per_package, len(pool))), key=lambda m: m.id)
    return chosen


def _restore_on_sigterm() -> None:
    """A ``kill`` (SIGTERM) unwinds like Ctrl-C, so the ``finally`` restoring the file runs."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, stop)


def main(argv=None) -> int:
    _restore_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-package", type=int, default=12,
                        help="mutants sampled per package (default 12; 0 = all)")
    parser.add_argument("--seed", type=int, default=19, help="sampling seed (default 19)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds per mutant's test run (default 600)")
    parser.add_argument("--before", action="store_true",
                        help=f"leave out the tests added with the mutation run: {NEW_TESTS}")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run these mutant IDs only")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip checking that the unmutated code passes each test subset")
    parser.add_argument("--out", default="mutation-report.json",
                        help="where to write the JSON report (default mutation-report.json)")
    args = parser.parse_args(argv)

    everything = all_mutants()
    if args.only:
        by_id = {m.id: m for m in everything}
        missing = [i for i in args.only if i not in by_id]
        if missing:
            parser.error(f"unknown mutant IDs (the file changed?): {missing}")
        chosen = [by_id[i] for i in args.only]
    elif args.per_package:
        chosen = sample(everything, args.per_package, args.seed)
    else:
        chosen = everything
    counts = {p: sum(m.package == p for m in everything) for p in TARGETS}
    print(f"{len(everything)} mutants in all {counts}; running {len(chosen)}")
    if args.list:
        for m in chosen:
            print(f"{m.id}  {m.before!r} -> {m.after!r}")
        return 0

    exclude = NEW_TESTS if args.before else []
    for tests in [] if args.no_baseline else sorted({tuple(tests_for(m, exclude)) for m in chosen}):
        status, seconds = run_tests(list(tests), args.timeout, exclude)
        if status != "passed":
            print(f"the unmutated code fails {' '.join(tests)} ({status}): fix that first")
            return 2
    results = []
    for n, m in enumerate(chosen, 1):
        status, seconds = run_mutant(m, tests_for(m, exclude), args.timeout, exclude)
        verdict = "survived" if status == "passed" else "killed"
        results.append({**asdict(m), "status": status, "verdict": verdict,
                        "seconds": round(seconds, 1)})
        print(f"[{n}/{len(chosen)}] {verdict:8s} {status:7s} {seconds:5.1f}s  {m.id}  "
              f"{m.before!r} -> {m.after!r}", flush=True)

    print("\npackage             killed / run   kill rate")
    for package in TARGETS:
        rows = [r for r in results if r["package"] == package]
        if rows:
            killed = sum(r["verdict"] == "killed" for r in rows)
            print(f"{package:18s} {killed:6d} / {len(rows):3d}   {100 * killed / len(rows):6.1f} %")
    total = sum(r["verdict"] == "killed" for r in results)
    print(f"{'all':18s} {total:6d} / {len(results):3d}   {100 * total / max(len(results), 1):6.1f} %")
    survivors = [r for r in results if r["verdict"] == "survived"]
    if survivors:
        print("\nsurvivors:")
        for r in survivors:
            print(f"  {r['id']}  {r['before']!r} -> {r['after']!r}")
    Path(args.out).write_text(json.dumps({"args": vars(args), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
