"""The ``pynet`` command (also ``python -m pynet``): info, list, run, notebook, tour, bench.

::

    pynet info                      version, kernel backend, BLAS libraries and the thread
                                    policy in force, where the data is
    pynet list [--book chollet]     the tutorials by book, with their one-line descriptions
    pynet run 01 [--quick]          one tutorial, by number, full name or a unique part of it
    pynet notebook 01 [--out DIR] [--quick]
                                    one tutorial as a Jupyter notebook (DIR/NN_name.ipynb,
                                    default the current folder; needs nbformat)
    pynet tour [--quick] [--only 00,04] [--stop-on-fail]
                                    every tutorial in order, then a table: each headline's kind
                                    of comparison, book value vs ours, and a count of the kinds
    pynet bench [NAME] [--quick]    the benchmarks of a source checkout (python -m bench.NAME);
                                    tables go to $PYNET_BENCH_OUT or <tmp>/pynet-bench, and
                                    to the tracked bench/results/ only with --write-results

Exit codes: 0 success; 1 a lesson or benchmark failed (or the backend could not load); 2 a usage
error (unknown name, nothing to run, no bench folder).

Tutorials are the files ``NN_name.py`` (or ``NNb_name.py``) of the package ``pynet.tutorials``
(the checkout's ``tutorials/`` folder, installed under that name). In a source checkout that was
not installed, the folder is found next to the ``pynet`` package and imported under the same name.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import os
import platform
import re
import subprocess
import sys
import textwrap
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

#: A tutorial file name: two digits, an optional letter, ``_``, a name.
TUTORIAL_FILE = re.compile(r"^(?P<number>\d\d[a-z]?)_(?P<name>[A-Za-z0-9_]+)\.py$")


from .lessons import LessonNotFound, tutorials_package  # noqa: E402


class CLIError(Exception):
    """A usage error: printed without a traceback, exit code 2."""


# -- finding the tutorials -------------------------------------------------------------------

@dataclass(frozen=True)
class Lesson:
    """One tutorial file."""

    stem: str          # "04_rashid_mnist"
    number: str        # "04"
    description: str   # first line of the module docstring
    module: str        # importable name, "pynet.tutorials.04_rashid_mnist"
    path: Path


def _first_docstring_line(path: Path) -> str:
    """The first line of a module's docstring, read without importing it (fast, no side effects)."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    except (SyntaxError, UnicodeDecodeError, OSError) as exc:
        return f"(cannot read: {type(exc).__name__})"
    if not doc:
        return "(no description)"
    return doc.strip().splitlines()[0].strip()


def discover() -> list[Lesson]:
    """Every tutorial, sorted by number then name."""
    package, folder = tutorials_package()
    lessons = []
    for path in sorted(folder.glob("*.py")):
        m = TUTORIAL_FILE.match(path.name)
        if m:
            stem = path.stem
            lessons.append(Lesson(stem, m["number"], _first_docstring_line(path),
                                  f"{package}.{stem}", path))
    return sorted(lessons, key=lambda lesson: (lesson.number, lesson.stem))


def resolve(name: str, lessons: list[Lesson]) -> Lesson:
    """Find a lesson by number (``04``, ``4``, ``04b``), full stem, or unique substring."""
    wanted = name.strip().lower()
    if wanted.endswith(".py"):
        wanted = wanted[:-3]
    if re.fullmatch(r"\d[a-z]?", wanted):
        wanted = "0" + wanted  # "4" means "04"
    for lesson in lessons:
        if wanted in (lesson.stem.lower(), lesson.number):
            return lesson
    matches = [lesson for lesson in lessons if wanted and wanted in lesson.stem.lower()]
    if len(matches) == 1:
        return matches[0]
    known = "\n".join(f"  {lesson.stem}" for lesson in lessons) or "  (none)"
    if matches:
        raise CLIError(f"{name!r} matches several tutorials: "
                       f"{', '.join(m.stem for m in matches)}; be more specific")
    raise CLIError(f"no tutorial called {name!r}. Known tutorials:\n{known}")


def _load(lesson: Lesson):
    module = importlib.import_module(lesson.module)
    run = getattr(module, "run", None)
    if not callable(run):
        raise CLIError(f"{lesson.path} has no run(report, quick) function")
    return run, getattr(module, "TITLE", lesson.stem)


# -- commands ---------------------------------------------------------------------------------

def cmd_list(args) -> int:
    from . import routes

    lessons = discover()
    if args.book is not None:
        try:
            wanted = {route.stem for route in routes.by_book(args.book)}
        except ValueError as exc:
            raise CLIError(str(exc)) from None
        lessons = [lesson for lesson in lessons if lesson.stem in wanted]
    if not lessons:
        print("no tutorials yet" if args.book is None else f"no tutorials for {args.book!r} here")
        return 0
    # one group per book, in the books' order (the numbering's blocks); then any lesson not on a
    # route yet, so a new lesson is listed before it is entered in pynet/routes.py
    groups = {key: [] for key in routes.BOOKS}
    unrouted = []
    for lesson in lessons:
        route = routes.find(lesson.stem)
        (groups[route.book] if route else unrouted).append(lesson)
    width = max(len(lesson.stem) for lesson in lessons)
    headers = [(f"{routes.heading(key).replace('*', '')} (--book {key})", groups[key])
               for key in routes.BOOKS]
    headers.append(("Not on a route yet (pynet/routes.py)", unrouted))
    for i, (header, group) in enumerate([(h, g) for h, g in headers if g]):
        print(("\n" if i else "") + header)
        for lesson in group:
            print(f"  {lesson.stem:<{width}}  {lesson.description}")
    print(f"\nrun one: pynet run {lessons[0].number} [--quick];  all: pynet tour [--quick]\n"
          f"one book: pynet list --book BOOK ({', '.join(routes.BOOKS)})")
    return 0


def cmd_run(args) -> int:
    from .lessons import LessonFailed, headline_lines, run_lesson

    lesson = resolve(args.name, discover())
    run, title = _load(lesson)
    try:
        report, seconds = run_lesson(run, title, quick=args.quick)
    except LessonFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print("\n".join(headline_lines(report)))
    print(f"--- {lesson.stem}: done in {seconds:.1f} s")
    return 0


def cmd_notebook(args) -> int:
    """``pynet notebook NN``: the lesson's ``# %%`` cells as ``<out>/<stem>.ipynb``."""
    lesson = resolve(args.name, discover())
    try:
        from .notebooks import check_out_dir, lesson_notebook, write_notebook
        out = check_out_dir(Path(args.out))
        notebook = lesson_notebook(lesson.path, quick=args.quick)
    except (ImportError, ValueError) as exc:
        raise CLIError(str(exc)) from exc
    try:
        path = write_notebook(notebook, out / f"{lesson.stem}.ipynb")
    except OSError as exc:
        raise CLIError(f"cannot write the notebook into --out {out}: {exc.strerror or exc}; "
                       "expected a folder you can write to") from exc
    cells = len(notebook.cells)
    print(f"wrote {path} ({cells} cell{'' if cells == 1 else 's'}"
          + (f"; quick mode: {QUICK_NOTE}" if args.quick else "") + ")")
    print(f"open it with: jupyter lab {path}  (or VS Code); run it headless with: "
          f"jupyter nbconvert --to notebook --execute {path}")
    return 0


QUICK_NOTE = "its first code cell sets PYNET_QUICK=1"


@dataclass
class TourRow:
    lesson: str
    quantity: str = ""
    book: str = ""
    ours: str = ""
    seconds: float | None = None
    status: str = "ok"
    kind: object = None   # a pynet.lessons.Kind, or None (failed, or not declared)
    detail: str = ""      # the facts behind the kind: data, reference, tolerance or reason


def _select(lessons, only):
    if not only:
        return lessons
    names = [n for n in only.split(",") if n.strip()]
    if not names:
        raise CLIError("--only needs at least one name, e.g. --only 00,04")
    picked = [resolve(n, lessons) for n in names]
    # keep the tour's order, drop repeats
    return [lesson for lesson in lessons if lesson in picked]


def cmd_tour(args) -> int:
    from .lessons import LessonFailed, run_lesson

    lessons = _select(discover(), args.only)
    if not lessons:
        raise CLIError("no tutorials to run")
    rows = []
    for lesson in lessons:
        row = TourRow(lesson.stem)
        rows.append(row)
        start = time.perf_counter()
        try:
            run, title = _load(lesson)
            report, _ = run_lesson(run, title, quick=args.quick)
        except LessonFailed as exc:
            row.status = "FAILED"
            row.quantity = str(exc).split(": ", 1)[-1]
            head = exc.report.headline if getattr(exc, "report", None) is not None else None
            if head is not None:
                row.book, row.ours = head.book, head.ours
        except Exception as exc:  # noqa: BLE001 - one broken lesson must not end the tour
            traceback.print_exc()
            row.status = "ERROR"
            row.quantity = f"{type(exc).__name__}: {exc}"
        else:
            head = report.headline
            if head is not None:
                row.quantity, row.book, row.ours = head.quantity, head.book, head.ours
                row.kind, row.detail = head.kind, head.kind_detail()
        row.seconds = time.perf_counter() - start
        print()
        if row.status != "ok" and args.stop_on_fail:
            break
    not_run = [lesson.stem for lesson in lessons[len(rows):]]
    rows += [TourRow(stem, status="not run") for stem in not_run]
    print(format_table(rows, quick=args.quick))
    print()
    print(summary_line(rows))
    failed = [r for r in rows if r.status in ("FAILED", "ERROR")]
    return 1 if failed else 0


#: Widths the tour table wraps its text columns to (nothing is cut).
HEADLINE_WIDTH = 48
VALUE_WIDTH = 14


def _wrap(text: str, width: int) -> list[str]:
    """``text`` wrapped to ``width`` columns, every character kept (long words are split)."""
    lines = []
    for paragraph in str(text).splitlines() or [""]:
        lines += textwrap.wrap(paragraph, width, break_on_hyphens=False) or [""]
    return lines


def _kind_label(row) -> str:
    if row.status == "not run":
        return ""
    if row.status != "ok":
        return "-"
    return row.kind.label if row.kind is not None else "undeclared"


def format_table(rows, *, quick: bool = False) -> str:
    """The tour's summary as an aligned text table.

    The headline (and, under it, the facts behind its kind: data, reference, tolerance or reason)
    is wrapped within its column, as are long book and ours values; nothing is cut. The first
    line of each row starts with the lesson's name.
    """
    header = ("lesson", "kind", "headline", "book", "ours", "seconds", "status")
    body = []
    for r in rows:
        headline = _wrap(r.quantity, HEADLINE_WIDTH)
        if r.detail:  # indented under the headline it explains
            headline += ["  " + line for line in _wrap(r.detail, HEADLINE_WIDTH - 2)]
        body.append(([r.lesson], [_kind_label(r)], headline, _wrap(r.book, VALUE_WIDTH),
                     _wrap(r.ours, VALUE_WIDTH),
                     ["" if r.seconds is None else f"{r.seconds:.1f}"], [r.status]))
    widths = [max([len(header[i])] + [len(line) for cells in body for line in cells[i]])
              for i in range(len(header))]

    def render(cells):
        return "  ".join(str(cell).ljust(w) for cell, w in zip(cells, widths)).rstrip()

    lines = [render(header), "  ".join("-" * w for w in widths)]
    for cells in body:
        height = max(len(column) for column in cells)
        for i in range(height):
            lines.append(render([column[i] if i < len(column) else "" for column in cells]))
    title = "Tour summary" + (" (--quick: smaller data, fewer epochs)" if quick else "")
    legend = ["kinds: book = book reproduced: within a stated tolerance of the book's number, "
              "on the book's data",
              "       same-data = same-data reference agrees: the book's number shown; our data "
              "and the reference named",
              "       differs = neither, with the reason"]
    return "\n".join([title, ""] + lines + [""] + legend)


def summary_line(rows) -> str:
    """The tour's last line: how many lessons of each kind, how many failed.

    e.g. ``"46 lessons: 9 book reproduced, 9 same-data reference agrees, 27 differ; 1 failed:
    44_vae"``.
    """
    from .lessons import Kind

    ran = [r for r in rows if r.status != "not run"]
    passed = [r for r in ran if r.status == "ok"]
    failed = [r for r in ran if r.status != "ok"]
    counts = {kind: sum(r.kind is kind for r in passed) for kind in Kind}
    undeclared = sum(r.kind is None for r in passed)
    differ = counts[Kind.DIFFERS]
    text = (f"{len(ran)} lesson{'s' if len(ran) != 1 else ''}: "
            f"{counts[Kind.BOOK]} book reproduced, "
            f"{counts[Kind.SAME_DATA]} same-data reference agrees, "
            f"{differ} {'differs' if differ == 1 else 'differ'}")
    if undeclared:
        text += f", {undeclared} without a declared kind"
    text += f"; {len(failed)} failed"
    if failed:
        text += f": {', '.join(r.lesson for r in failed)}"
    not_run = [r.lesson for r in rows if r.status == "not run"]
    if not_run:
        text += f"; not run (--stop-on-fail): {', '.join(not_run)}"
    return text


def _blas_lines() -> list[str]:
    try:
        from .kernels.threads import blas_info
    except Exception:  # noqa: BLE001 - not there yet, or pynet.kernels itself failed to load
        blas_info = None
    if blas_info is not None:
        try:
            libs = blas_info()
        except ImportError as exc:  # threadpoolctl missing
            return [f"({exc})"]
        return [lib.describe() if hasattr(lib, "describe") else str(lib) for lib in libs]
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["(threadpoolctl not installed: cannot list the BLAS libraries)"]
    return [f"{d.get('internal_api')} {d.get('version')} ({d.get('threading_layer', '?')}), "
            f"{d.get('num_threads')} threads, {os.path.basename(d.get('filepath', ''))}"
            for d in threadpool_info() if d.get("user_api") == "blas"]


def _policy_lines() -> list[str]:
    """The BLAS thread policy in force (``pynet.kernels.thread_policy``), problems included."""
    try:
        from .kernels import thread_policy
    except Exception as exc:  # noqa: BLE001 - pynet.kernels itself failed to load
        return [f"BLAS thread policy: unknown ({exc})"]
    return thread_policy.current().describe()


def _data_lines(module, name: str) -> list[str]:
    lines = [f"{name}, searched in this order:"]
    try:
        found, statuses = module.search_status()
    except Exception as exc:  # noqa: BLE001 - info reports, it does not fail on data
        return lines + [f"  error while searching: {exc}"]
    for i, status in enumerate(statuses, start=1):
        mark = "->" if found is not None and status.place == found.place else "  "
        lines.append(f" {mark} {i}. {status.describe()}")
    if found is None:
        lines.append("  not found; " + getattr(module, "HOW_TO_GET", "").replace("\n", "\n  "))
    return lines


def cmd_info(args) -> int:
    import numpy
    import scipy

    from . import __version__

    status = 0
    print(f"pynet {__version__}  (Python {platform.python_version()}, NumPy {numpy.__version__}, "
          f"SciPy {scipy.__version__}, {platform.system()} {platform.machine()})")
    requested = os.environ.get("PYNET_BACKEND", "auto")
    try:
        from . import kernels
    except Exception as exc:  # noqa: BLE001 - e.g. PYNET_BACKEND=cython without the build
        print(f"backend: could not load (PYNET_BACKEND={requested}): {exc}")
        status = 1
    else:
        compiled = "available" if kernels.compiled_available() else "not built"
        print(f"backend: {kernels.BACKEND} (PYNET_BACKEND={requested}; compiled kernels {compiled})")
    print("BLAS libraries:")
    for line in _blas_lines() or ["(none loaded)"]:
        print(f"  {line}")
    for line in _policy_lines():
        print(line)
    from .datasets import fashion_mnist, mnist

    print("data ($PYNET_DATA=" + (os.environ.get("PYNET_DATA") or "unset") + "):")
    for module, name in ((mnist, "MNIST"), (fashion_mnist, "Fashion-MNIST")):
        for line in _data_lines(module, name):
            print(f"  {line}")
    damaged = mnist.verify_embedded()
    print("  embedded MNIST files: " + (f"DAMAGED or missing: {', '.join(damaged)} (reinstall "
                                        "pynet)" if damaged else "intact (SHA-256 checked)"))
    try:
        lessons = discover()
        print(f"tutorials: {len(lessons)} in {tutorials_package()[1]}")
    except CLIError as exc:
        print(f"tutorials: {exc}")
    root = find_bench_root()
    print(f"bench: {root / 'bench' if root else 'not found (needs a source checkout)'}")
    return status


# -- bench ------------------------------------------------------------------------------------

def find_bench_root() -> Path | None:
    """The checkout folder holding ``bench/harness.py``: the current directory (or a parent),
    else the folder above the ``pynet`` package. None when neither has it (an installed pynet)."""
    import pynet

    cwd = Path.cwd().resolve()
    candidates = [cwd, *cwd.parents, Path(pynet.__file__).resolve().parent.parent]
    for root in candidates:
        if (root / "bench" / "harness.py").is_file():
            return root
    return None


def list_benches(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "bench").glob("*.py")
                  if p.stem not in ("__init__", "__main__", "harness") and not p.stem.startswith("_"))


def bench_options(args) -> list[str]:
    """The options passed on to ``python -m bench.NAME``, checked first (clear messages)."""
    cores = os.cpu_count() or 1
    extra = ["--quick"] if args.quick else []
    if args.threads is not None:
        if not 1 <= args.threads <= cores:
            raise CLIError(f"--threads must be from 1 to {cores} (this machine's cores), "
                           f"got {args.threads}")
        extra += ["--threads", str(args.threads)]
    if args.busy:
        if cores < 2:
            raise CLIError("--busy needs at least 2 cores (it keeps one core busy with a "
                           f"background process); this machine has {cores}")
        extra.append("--busy")
    if args.fresh is not None:
        if args.fresh < 1:
            raise CLIError(f"--fresh must be at least 1, got {args.fresh}")
        extra += ["--fresh", str(args.fresh)]
    if args.workload:
        extra += ["--workload", args.workload]
    if args.write_results:
        extra.append("--write-results")
    return extra


def cmd_bench(args) -> int:
    root = find_bench_root()
    if root is None:
        raise CLIError(
            "no bench/ folder found: the benchmarks are not installed with pynet; run this from "
            "a source checkout (git clone ..., cd into it, then pynet bench)"
        )
    names = list_benches(root)
    if not names:
        raise CLIError(f"{root / 'bench'} holds no benchmarks yet")
    if not args.name and (args.busy or args.fresh is not None or args.workload):
        args.name = "defaults"  # --busy, --fresh and --workload belong to bench/defaults.py
    if not args.name and args.threads is not None:
        raise CLIError("--threads applies to one benchmark: name it, e.g. pynet bench kernels "
                       "--threads 1")
    if args.name:
        wanted = args.name.strip().lower().removesuffix(".py")
        exact = [n for n in names if n.lower() == wanted]
        matches = exact or [n for n in names if wanted in n.lower()]
        if len(matches) != 1:
            what = "matches several" if matches else "is not one of"
            raise CLIError(f"bench {args.name!r} {what} the benchmarks: {', '.join(names)}")
        names = matches
    env = dict(os.environ)
    # the checkout's pynet and bench package must be importable by the child process
    env["PYTHONPATH"] = os.pathsep.join([str(root)] + [p for p in [env.get("PYTHONPATH")] if p])
    failed = []
    extra = bench_options(args)
    for name in names:
        command = [sys.executable, "-m", f"bench.{name}"] + extra
        print(f"=== {' '.join(command[1:])}  (in {root})", flush=True)
        code = subprocess.run(command, cwd=root, env=env).returncode
        if code == 2 and len(names) == 1:
            return 2  # the bench printed its usage error
        if code != 0:
            failed.append(f"{name} (exit code {code})")
    if len(names) > 1:
        print(f"\n{len(names) - len(failed)} of {len(names)} benchmarks ran"
              + (f"; failed: {', '.join(failed)}" if failed else ""))
    elif failed:
        print(f"bench {failed[0]} failed", file=sys.stderr)
    return 1 if failed else 0


# -- entry point ------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pynet",
        description="Neural networks from the classic texts: lessons that print the book's "
                    "number beside ours, and the benchmarks.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("info", help="version, kernel backend, BLAS libraries, data locations")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("list", help="the tutorials by book, with one-line descriptions")
    p.add_argument("--book", metavar="BOOK",
                   help="only one book's lessons: rashid, nielsen, lectures, chollet or pynet")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("run", help="run one tutorial")
    p.add_argument("name", help="number (04), full name (04_rashid_mnist) or a unique part of it")
    p.add_argument("--quick", action="store_true", help="smaller data, fewer epochs")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("notebook", help="write one tutorial as a Jupyter notebook (.ipynb)")
    p.add_argument("name", help="number (04), full name (04_rashid_mnist) or a unique part of it")
    p.add_argument("--out", default=".", metavar="DIR",
                   help="folder for NN_name.ipynb (default: the current folder; created if absent)")
    p.add_argument("--quick", action="store_true",
                   help="the notebook sets PYNET_QUICK=1 first: smaller data, fewer epochs")
    p.set_defaults(func=cmd_notebook)
    p = sub.add_parser("tour", help="run every tutorial and print a summary table")
    p.add_argument("--quick", action="store_true", help="smaller data, fewer epochs")
    p.add_argument("--only", metavar="A,B", help="only these tutorials (names as for run)")
    p.add_argument("--stop-on-fail", action="store_true", help="stop at the first failed lesson")
    p.set_defaults(func=cmd_tour)
    p = sub.add_parser("bench", help="run a benchmark (source checkout only)")
    p.add_argument("name", nargs="?", help="benchmark name (default: all of them)")
    p.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    p.add_argument("--threads", type=int, help="BLAS threads to pin (1 to the number of cores)")
    p.add_argument("--busy", action="store_true",
                   help="bench defaults: keep one core busy with a background process")
    p.add_argument("--fresh", type=int, help="bench defaults: fresh processes per side")
    p.add_argument("--workload", help="bench defaults: rashid,nielsen,mlp,convnet (default all)")
    p.add_argument("--write-results", action="store_true",
                   help="maintainers: rewrite the tracked bench/results/*.md (default: write to "
                        "$PYNET_BENCH_OUT or <tmp>/pynet-bench)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv=None) -> int:
    """Run the ``pynet`` command; return its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv:    # bare `pynet`: what it can do, not only "arguments are required"
        commands = __doc__.split("::", 1)[1].split("Exit codes")[0].strip("\n").rstrip()
        print(f"usage: pynet COMMAND ... (pynet COMMAND -h for its options)\n\n{commands}\n\n"
              "start with `pynet list`, then `pynet run 01`, or `pynet tour --quick`",
              file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CLIError, LessonNotFound) as exc:
        print(f"pynet {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `pynet info | head`: the reader left; not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
