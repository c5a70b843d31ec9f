"""What every tutorial shares: a report that prints the book's number beside ours and checks them.

A tutorial is a file ``tutorials/NN_name.py`` with a module docstring (its first line is the
one-line description ``pynet list`` shows), a ``TITLE``, and a function ``run(report, quick)``::

    from pynet.lessons import Report, main

    TITLE = "The perceptron and logic gates"

    def run(report: Report, quick: bool) -> None:
        report.compare("NAND(1, 1)", book=0, ours=nand(1, 1), agree=nand(1, 1) == 0)

    if __name__ == "__main__":
        main(run, TITLE)

The same file runs as a script (``python tutorials/NN_name.py [--quick]``), in ``pynet run`` and
``pynet tour``, and cell by cell in a Jupyter kernel (the ``# %%`` cells; ``pynet notebook NN``).
In a kernel :func:`main` leaves the kernel's own command line alone and takes quick mode from the
environment variable ``PYNET_QUICK`` (``1``/``0``, also ``true``/``false``, ``yes``/``no``).

``report.compare`` prints a line and, when ``agree`` is False, records a failure; at the end of the
lesson a failed comparison raises :class:`LessonFailed`, so ``pynet tour`` and the tests notice.
The first comparison marked ``headline=True`` (or else the last one) goes into the tour's table.

The headline says which kind of comparison it is (:class:`Kind`), with the facts that kind needs::

    report.compare("test accuracy", book=0.9785, ours=acc, agree=None, headline=True,
                   kind="same-data",   # or Kind.SAME_DATA
                   data="10,000 of the book's 60,000 training images",
                   reference="PyTorch, same start and batches: agrees within 0.01")

* ``Kind.BOOK`` — "book reproduced": ours is within ``tolerance`` of the book's number, on the
  book's data; needs ``tolerance=`` and a real check (``agree=`` True/False, not None);
* ``Kind.SAME_DATA`` — "same-data reference agrees": the book's number is shown for information,
  our data differ from the book's (``data=`` says how) and a reference run on *our* data agrees
  (``reference=`` names it: PyTorch, the book's own NumPy code, ...);
* ``Kind.DIFFERS`` — "differs": neither holds; ``reason=`` says why.

A kind without its facts is an error naming the missing argument, raised before anything is
recorded. ``pynet tour`` prints the kind beside each headline and counts the kinds at the end.
"""
from __future__ import annotations

import argparse
import enum
import importlib
import io
import importlib.util
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TUTORIALS_PACKAGE = "pynet.tutorials"


class LessonFailed(AssertionError):
    """A lesson's value disagreed with the book (or with its own check).

    ``report`` is the failed lesson's :class:`Report` (None when raised elsewhere).
    """

    def __init__(self, message: str, report: "Report | None" = None):
        super().__init__(message)
        self.report = report


class Kind(enum.Enum):
    """Which comparison a lesson's headline makes; its value is the phrase the tour prints."""

    BOOK = "book reproduced"
    SAME_DATA = "same-data reference agrees"
    DIFFERS = "differs"

    @property
    def label(self) -> str:
        """The short name for the tour table's ``kind`` column."""
        return _KIND_LABELS[self]


_KIND_LABELS = {Kind.BOOK: "book", Kind.SAME_DATA: "same-data", Kind.DIFFERS: "differs"}

#: What each kind must be told, with what the argument means (for the error message).
KIND_FIELDS = {
    Kind.BOOK: {"tolerance": "how close to the book's number counts as reproduced"},
    Kind.SAME_DATA: {"data": "how our data differ from the book's",
                     "reference": "which run on our data agrees (PyTorch, the book's own "
                                  "code, ...)"},
    Kind.DIFFERS: {"reason": "why ours differs from the book's number"},
}


class LessonNotFound(LookupError):
    """The tutorials (or one of them) cannot be found."""


@dataclass
class Row:
    quantity: str
    book: str
    ours: str
    agree: bool | None
    note: str = ""
    kind: Kind | None = None
    data: str = ""
    reference: str = ""
    tolerance: str = ""
    reason: str = ""

    def kind_detail(self) -> str:
        """The facts behind the kind, in one sentence (empty without a kind)."""
        if self.kind is Kind.BOOK:
            text = (f"ours equals the book's number {self.tolerance}"
                    if self.tolerance.startswith("exactly")
                    else f"ours within {self.tolerance} of the book's number")
            return text + (f"; data: {self.data}" if self.data else " on the book's data")
        if self.kind is Kind.SAME_DATA:
            text = f"data: {self.data}; reference: {self.reference}"
            return text + (f" (tolerance {self.tolerance})" if self.tolerance else "")
        if self.kind is Kind.DIFFERS:
            return f"reason: {self.reason}" + (f"; data: {self.data}" if self.data else "")
        return ""

    def kind_line(self) -> str:
        """``"same-data reference agrees — data: ...; reference: ..."`` (empty without a kind)."""
        return f"{self.kind.value} — {self.kind_detail()}" if self.kind is not None else ""


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _tolerance_text(quantity: str, tolerance) -> str:
    """``0.003`` -> ``"±0.003"``; a phrase (``"exactly"``, ``"35%"``) is kept as it is."""
    if tolerance is None:
        return ""
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, str)):
        raise TypeError(f"compare({quantity!r}): tolerance= must be a number >= 0 or a phrase, "
                        f"got {type(tolerance).__name__} {tolerance!r}")
    if isinstance(tolerance, str):
        if not tolerance.strip():
            raise ValueError(f"compare({quantity!r}): tolerance= is an empty phrase")
        return tolerance.strip()
    if not tolerance >= 0:  # also catches NaN
        raise ValueError(f"compare({quantity!r}): tolerance= must be >= 0, got {tolerance!r}")
    return f"±{tolerance:g}"


def as_kind(quantity: str, kind) -> Kind:
    """A :class:`Kind`, or its short name (``"book"``, ``"same-data"``, ``"differs"``) as one."""
    if isinstance(kind, Kind):
        return kind
    by_label = {label: k for k, label in _KIND_LABELS.items()}
    if isinstance(kind, str) and kind in by_label:
        return by_label[kind]
    raise TypeError(f"compare({quantity!r}): kind= must be a pynet.lessons.Kind (Kind.BOOK, "
                    "Kind.SAME_DATA, Kind.DIFFERS) or its short name ('book', 'same-data', "
                    f"'differs'); got {type(kind).__name__} {kind!r}")


def check_kind(quantity: str, kind, agree, **fields) -> Kind | None:
    """Raise if ``kind`` lacks one of its facts (or facts arrive without a kind).

    ``fields`` are ``data``, ``reference``, ``tolerance``, ``reason`` as given to ``compare``.
    """
    given = {name: value for name, value in fields.items()
             if value is not None and not (isinstance(value, str) and not value.strip())}
    if kind is None:
        if given:
            names = ", ".join(f"{name}=" for name in given)
            verb = "describes" if len(given) == 1 else "describe"
            raise ValueError(f"compare({quantity!r}): {names} {verb} a headline's kind; "
                             "give kind= too (Kind.BOOK, Kind.SAME_DATA or Kind.DIFFERS)")
        return None
    kind = as_kind(quantity, kind)
    for name, meaning in KIND_FIELDS[kind].items():
        if name not in given:
            raise ValueError(f"compare({quantity!r}): kind=Kind.{kind.name} needs {name}= "
                             f"({meaning}); got none")
    if kind is Kind.BOOK and agree is None:
        raise ValueError(f"compare({quantity!r}): kind=Kind.BOOK needs agree= True or False (a "
                         "reproduction of the book is checked, not shown for information); "
                         "got None")
    return kind


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
                headline: bool = False, kind: Kind | str | None = None, data: str | None = None,
                reference: str | None = None, tolerance=None, reason: str | None = None) -> Row:
        """Print ``quantity: book … | ours …`` and record whether they agree.

        ``agree=None`` means the values are shown for information (e.g. the book used 60k
        images and we use 10k); ``False`` fails the lesson at the end.

        ``kind`` (a :class:`Kind` or its short name: ``"book"``, ``"same-data"``,
        ``"differs"``) says which comparison this is — give it on the headline, with
        the facts the kind needs: ``tolerance`` (a number, printed ``±x``, or a phrase) for
        ``Kind.BOOK``; ``data`` and ``reference`` for ``Kind.SAME_DATA``; ``reason`` for
        ``Kind.DIFFERS``. Any of them may be given with any kind (a lesson that picks its kind at
        run time gives them all); a missing one is an error naming it.
        """
        kind = check_kind(quantity, kind, agree, data=data, reference=reference,
                          tolerance=tolerance, reason=reason)
        tol = _tolerance_text(quantity, tolerance)
        row = Row(quantity, _fmt(book), _fmt(ours), agree, note, kind=kind, data=data or "",
                  reference=reference or "", tolerance=tol, reason=reason or "")
        self.rows.append(row)
        mark = {True: "ok", False: "DIFFERS", None: "info"}[agree]
        line = f"  {quantity:<44} book {row.book:>10} | ours {row.ours:>10}  [{mark}]"
        if note:
            line += f"  ({note})"
        self.say(line)
        if kind is not None and headline:  # a loop's other rows carry the kind silently
            self.say(f"      {row.kind_line()}")
        if headline and self.headline_row is None:
            self.headline_row = row
        return row

    @staticmethod
    def importable(module: str) -> bool:
        """Whether ``module`` (e.g. ``"torch"``, a same-data reference) can be imported here.

        For a headline whose kind depends on a reference that runs later in the lesson:
        ``kind="same-data" if report.importable("torch") else "differs"``.
        """
        try:
            return importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            return False

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
        raise LessonFailed(f"{title}: {len(report.failures)} comparison(s) disagreed: {names}",
                           report)
    return report, seconds


def quick_run(lesson, *, quick: bool = True) -> tuple[Report, str]:
    """Run ``lesson`` (a module from :func:`load_lesson`) with its printed text captured, quick
    mode by default; return ``(report, text)``. Raises :class:`LessonFailed` on a disagreement.
    The lesson tests run every lesson this way."""
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=quick, out=out)
    return report, out.getvalue()


def headline_lines(report: Report) -> list[str]:
    """The headline and its kind, as ``pynet run`` and a lesson script print them at the end."""
    head = report.headline
    if head is None:
        return ["--- headline: none (the lesson made no comparison)"]
    lines = [f"--- headline: {head.quantity}: book {head.book} | ours {head.ours}"]
    lines.append(f"    {head.kind_line()}" if head.kind is not None
                 else "    kind: not declared (give the headline compare() a kind=)")
    return lines
#: The environment variable that selects quick mode (in a Jupyter kernel, or for a script).
QUICK_ENV = "PYNET_QUICK"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def quick_from_environment(environ=None) -> bool:
    """Quick mode as ``$PYNET_QUICK`` asks: ``1``/``true``/``yes``/``on`` or ``0``/``false``/
    ``no``/``off`` (any case; unset or empty means no). Anything else is a ``ValueError``."""
    environ = os.environ if environ is None else environ
    value = environ.get(QUICK_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{QUICK_ENV} must be one of {', '.join(_TRUE + _FALSE[1:])} (or unset), "
                     f"got {environ.get(QUICK_ENV)!r}")


def in_kernel() -> bool:
    """True when this code runs inside a Jupyter (IPython) kernel, e.g. a lesson's notebook.

    A kernel is started as ``python -m ipykernel_launcher -f <connection file>``, so its
    ``sys.argv`` holds the kernel's arguments, not a lesson's; the running IPython shell of a
    kernel also has a ``kernel`` attribute (a plain ``ipython`` terminal does not).
    """
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if argv0.startswith("ipykernel_launcher"):
        return True
    if "ipykernel" not in sys.modules or "IPython" not in sys.modules:
        return False
    shell = sys.modules["IPython"].get_ipython()
    return getattr(shell, "kernel", None) is not None


def _run_as_a_file(run) -> bool:
    """True when ``sys.argv[0]`` is the file that defines ``run``: the lesson was started as a
    file with its own arguments (``%run 01_name.py --quick`` in IPython, Spyder's "Run file"),
    not cell by cell."""
    filename = getattr(getattr(run, "__code__", None), "co_filename", "")
    if not sys.argv or not sys.argv[0] or not filename:
        return False
    return os.path.abspath(sys.argv[0]) == os.path.abspath(filename)


def main(run, title: str, argv=None) -> int:
    """Entry point of a lesson: ``main(run, TITLE)`` in its last cell.

    As a script (``python tutorials/NN_name.py [--quick]``) it reads ``--quick`` (or
    ``$PYNET_QUICK``); a failed lesson prints ``FAILED: ...`` and exits with code 1 (when ``argv``
    is given, e.g. by a test, it returns 1 instead); success returns 0.

    In a Jupyter kernel, cell by cell, the kernel's own ``sys.argv`` is never parsed: quick mode
    comes from ``$PYNET_QUICK`` only. Success returns 0 (no ``SystemExit``, which a notebook would
    show as an error) and a failed lesson raises :class:`LessonFailed`, so the cell shows the
    failure. A lesson file started in a kernel with its own arguments (``%run 01_name.py
    --quick``) reads them, and also raises :class:`LessonFailed` when it fails.
    """
    kernel = argv is None and in_kernel()
    if kernel and not _run_as_a_file(run):
        report, seconds = run_lesson(run, title, quick=quick_from_environment())
        print("\n".join(headline_lines(report)))
        print(f"--- done in {seconds:.1f} s")
        return 0
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--quick", action="store_true",
                        help=f"smaller data / fewer epochs (or set {QUICK_ENV}=1)")
    args = parser.parse_args(argv)
    try:
        quick = args.quick or quick_from_environment()
    except ValueError as exc:
        parser.error(str(exc))
    try:
        report, seconds = run_lesson(run, title, quick=quick)
    except LessonFailed as exc:
        if kernel:
            raise
        print(f"FAILED: {exc}", file=sys.stderr)
        if argv is None:
            raise SystemExit(1) from None   # a script's exit code, whether or not it is wrapped
        return 1
    print("\n".join(headline_lines(report)))
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


# -- MNIST: the book's data when it is there -------------------------------------------------

@dataclass(frozen=True)
class MnistPlan:
    """How many MNIST images a lesson trains and tests on, and whether they are the book's.

    ``book_data`` is True when the lesson trains on the book's whole training set (full MNIST
    was found: :func:`pynet.datasets.mnist.is_full`); its headline may then say ``kind="book"``.
    ``data`` says in words what was used (for ``compare(data=...)``, notes and narration).
    """

    n_train: int
    n_test: int
    book_data: bool
    data: str


def mnist_plan(quick: bool, *, quick_counts: tuple, subset_counts: tuple = (10_000, 10_000),
               book_counts: tuple = (60_000, 10_000), source: str = "the book",
               full: bool | None = None) -> MnistPlan:
    """The training and test counts an MNIST lesson uses, and what they are.

    * ``--quick``: ``quick_counts``, always (a short tour whatever is installed);
    * a full run with full MNIST present (``full``, default :func:`mnist.is_full() <pynet.
      datasets.mnist.is_full>`): ``book_counts``, what ``source`` trains and tests on;
    * a full run without it: ``subset_counts``, from the embedded 10,000-image subset.

    >>> mnist_plan(False, quick_counts=(1500, 1000), full=True).data
    "the book's 60,000 training and 10,000 test images"
    >>> mnist_plan(False, quick_counts=(1500, 1000), full=False).data
    "the first 10,000 of the book's 60,000 training images"
    """
    for name, counts in (("quick_counts", quick_counts), ("subset_counts", subset_counts),
                         ("book_counts", book_counts)):
        if (not isinstance(counts, tuple) or len(counts) != 2
                or not all(isinstance(c, int) and not isinstance(c, bool) and c > 0
                           for c in counts)):
            raise ValueError(f"mnist_plan(): {name}= must be (n_train, n_test), two positive "
                             f"integers; got {counts!r}")
    book_train = book_counts[0]
    owner = source + ("'" if source.endswith("s") else "'s")     # the book's, the notes'
    if not quick:
        if full is None:
            from pynet.datasets import mnist

            full = mnist.is_full()
        if full:
            n_train, n_test = book_counts
            return MnistPlan(n_train, n_test, True,
                             f"{owner} {n_train:,} training and {n_test:,} test images")
    n_train, n_test = quick_counts if quick else subset_counts
    return MnistPlan(n_train, n_test, False,
                     f"the first {n_train:,} of {owner} {book_train:,} training images")
