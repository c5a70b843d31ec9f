"""What every tutorial shares: a report that prints the book's number beside ours and checks them.

A tutorial is a file ``tutorials/NN_name.py`` with a module docstring (its first line is the
one-line description ``pynet list`` shows), a ``TITLE``, and a function ``run(report, quick)``::

    from pynet.lessons import Report, main

    TITLE = "The perceptron and logic gates"

    def run(report: Report, quick: bool) -> None:
        report.compare("NAND(1, 1)", book=0, ours=nand(1, 1), agree=nand(1, 1) == 0)

    if __name__ == "__main__":
        main(run, TITLE)

``report.compare`` prints a line and, when ``agree`` is False, records a failure; at the end of the
lesson a failed comparison raises :class:`LessonFailed`, so ``pynet tour`` and the tests notice.
The first comparison marked ``headline=True`` (or else the last one) goes into the tour's table.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TUTORIALS_PACKAGE = "pynet.tutorials"


class LessonFailed(AssertionError):
    """A lesson's value disagreed with the book (or with its own check)."""


class LessonNotFound(LookupError):
    """The tutorials (or one of them) cannot be found."""


@dataclass
class Row:
    quantity: str
    book: str
    ours: str
    agree: bool | None
    note: str = ""


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


@dataclass
class Report:
    """Collects and prints comparisons for one lesson."""

    title: str
    out: object = None
    rows: list = field(default_factory=list)
    headline_row: Row | None = None

    def __post_init__(self):
        if self.out is None:
            self.out = sys.stdout

    def say(self, text: str = "") -> None:
        """Print a line of narration."""
        print(text, file=self.out)

    def section(self, text: str) -> None:
        self.say()
        self.say(f"--- {text}")

    def compare(self, quantity: str, *, book, ours, agree: bool | None = None, note: str = "",
                headline: bool = False) -> Row:
        """Print ``quantity: book … | ours …`` and record whether they agree.

        ``agree=None`` means the values are shown for information (e.g. the book used 60k
        images and we use 10k); ``False`` fails the lesson at the end.
        """
        row = Row(quantity, _fmt(book), _fmt(ours), agree, note)
        self.rows.append(row)
        mark = {True: "ok", False: "DIFFERS", None: "info"}[agree]
        line = f"  {quantity:<44} book {row.book:>10} | ours {row.ours:>10}  [{mark}]"
        if note:
            line += f"  ({note})"
        self.say(line)
        if headline and self.headline_row is None:
            self.headline_row = row
        return row

    def check(self, condition: bool, message: str) -> None:
        """Record a check that is not a book comparison (e.g. two backends agree)."""
        self.rows.append(Row(message, "", "ok" if condition else "FAILED", bool(condition)))
        self.say(f"  check: {message}: {'ok' if condition else 'FAILED'}")

    @property
    def failures(self) -> list:
        return [r for r in self.rows if r.agree is False]

    @property
    def headline(self) -> Row | None:
        return self.headline_row or (self.rows[-1] if self.rows else None)


#: A lesson file's stem: two digits, an underscore, a name ("31_inside_a_convnet").
LESSON_STEM = re.compile(r"^\d{2}_\w+$")


def lesson_name(run, title: str | None = None) -> str:
    """The name of a lesson's picture folder: the stem of the file that defines ``run``
    (``"31_inside_a_convnet"``), the same whether it runs as a script, in the tour or in a test.

    Code that is not in a lesson file (a notebook cell, a test's stand-in) gets a name made
    from ``title`` instead (``"31 · Inside a convnet"`` -> ``"31_inside_a_convnet"``)."""
    code = getattr(run, "__code__", None)
    stem = Path(code.co_filename).stem if code is not None else ""
    if LESSON_STEM.match(stem):
        return stem
    slug = re.sub(r"\W+", "_", (title or "").lower(), flags=re.ASCII).strip("_")[:60]
    return slug or "lesson"


def run_lesson(run, title: str, *, quick: bool, out=None) -> tuple[Report, float]:
    """Run one lesson's ``run`` function; return its report and the seconds it took.

    While it runs, :func:`pynet.inspect.images.output_dir` is the lesson's own folder
    (``$PYNET_OUTPUT/<lesson file stem>``), emptied at the start.

    Raises :class:`LessonFailed` if any comparison disagreed.
    """
    from pynet.inspect.images import lesson_output

    report = Report(title, out=out)
    report.say(f"=== {title}")
    start = time.perf_counter()
    with lesson_output(lesson_name(run, title)):     # its own picture folder, emptied now
        run(report, quick)
    seconds = time.perf_counter() - start
    if report.failures:
        names = ", ".join(r.quantity for r in report.failures)
        raise LessonFailed(f"{title}: {len(report.failures)} comparison(s) disagreed: {names}")
    return report, seconds


def main(run, title: str, argv=None) -> int:
    """Entry point for ``python tutorials/NN_name.py [--quick]``."""
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--quick", action="store_true", help="smaller data / fewer epochs")
    args = parser.parse_args(argv)
    try:
        _, seconds = run_lesson(run, title, quick=args.quick)
    except LessonFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"--- done in {seconds:.1f} s")
    return 0


# -- finding the lessons ---------------------------------------------------------------------

def tutorials_package() -> tuple[str, Path]:
    """``(package name, folder)`` of the tutorials.

    The ``tutorials/`` folder of the source checkout this ``pynet`` was imported from, registered
    as ``pynet.tutorials``, when there is one; otherwise the installed package
    ``pynet.tutorials`` — so lessons import the same way in both cases.
    """
    if TUTORIALS_PACKAGE in sys.modules:
        module = sys.modules[TUTORIALS_PACKAGE]
        return TUTORIALS_PACKAGE, Path(list(module.__path__)[0])
    import pynet

    # a source checkout's own tutorials first: an editable install of *another* checkout (a
    # git worktree beside it) must not hand this pynet that checkout's lessons
    folder = Path(pynet.__file__).resolve().parent.parent / "tutorials"
    init = folder / "__init__.py"
    spec = importlib.util.find_spec(TUTORIALS_PACKAGE)
    if not init.is_file() and spec is not None and spec.submodule_search_locations:
        return TUTORIALS_PACKAGE, Path(list(spec.submodule_search_locations)[0])
    if not init.is_file():
        raise LessonNotFound(
            "no tutorials found: pynet.tutorials is not installed and there is no tutorials/ "
            f"folder next to the pynet package ({folder}); reinstall pynet (pip install .)"
        )
    spec = importlib.util.spec_from_file_location(
        TUTORIALS_PACKAGE, init, submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[TUTORIALS_PACKAGE] = module
    spec.loader.exec_module(module)
    return TUTORIALS_PACKAGE, folder


def load_lesson(stem: str):
    """Import the lesson ``tutorials/<stem>.py`` as ``pynet.tutorials.<stem>`` and return it.

    Works for an installed pynet and for a source checkout alike (see :func:`tutorials_package`).
    """
    package, folder = tutorials_package()
    if not (folder / f"{stem}.py").is_file():
        raise LessonNotFound(f"no lesson {stem!r} in {folder}")
    return importlib.import_module(f"{package}.{stem}")


def speed_phrase(ours_seconds: float, theirs_seconds: float, ours: str = "ours") -> str:
    """``"ours is 7.8x faster"`` or ``"ours is 3.3x slower"`` (never "0.3x faster").

    Parameters
    ----------
    ours_seconds, theirs_seconds : float
        Times of the same work, measured the way a user runs it (default threads).
    """
    if ours_seconds <= 0 or theirs_seconds <= 0:
        raise ValueError(f"speed_phrase(): times must be > 0, got {ours_seconds!r} and "
                         f"{theirs_seconds!r}")
    ratio = max(ours_seconds, theirs_seconds) / min(ours_seconds, theirs_seconds)
    text = f"{ratio:.1f}x" if ratio < 100 else f"{ratio:,.0f}x"
    return f"{ours} is {text} {'faster' if ours_seconds <= theirs_seconds else 'slower'}"
