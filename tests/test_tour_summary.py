"""The honest tour summary: each headline says which kind of comparison it is.

Three kinds (``pynet.lessons.Kind``): "book reproduced" (within a stated tolerance of the book's
number, on the book's data), "same-data reference agrees" (our data differ from the book's and a
named reference run on *our* data agrees) and "differs" (with the reason). The first tests use a
throw-away ``Report``; then the tour's table and last line on fake lessons; last, a table-driven
check that every real lesson's headline declares its kind with the facts that kind needs (read
from the source: running all 46 lessons is the tour's job, not a unit test's).
"""
from __future__ import annotations

import ast
import io
import re
import sys
import textwrap
from pathlib import Path

import pytest

from pynet import cli
from pynet.lessons import KIND_FIELDS, Kind, LessonFailed, Report, headline_lines, run_lesson

TUTORIALS = Path(__file__).resolve().parent.parent / "tutorials"


def quiet_report():
    return Report("a lesson", out=io.StringIO())


# -- the kinds and their facts ---------------------------------------------------------------

def test_each_kind_is_recorded_with_its_facts_and_printed():
    report = quiet_report()
    report.compare("NAND(1, 1)", book=0, ours=0, agree=True, headline=True, kind=Kind.BOOK,
                   tolerance="exactly")
    head = report.headline
    assert head.kind is Kind.BOOK and head.tolerance == "exactly"
    assert head.kind_line() == ("book reproduced — ours equals the book's number exactly "
                                "on the book's data")
    printed = report.out.getvalue()
    assert "[ok]" in printed and "book reproduced — ours equals the book's number" in printed


def test_short_names_mean_the_same_kinds():
    report = quiet_report()
    same = report.compare("accuracy", book=0.9785, ours=0.94, kind="same-data",
                          data="10,000 of 60,000 images", reference="PyTorch, same batches")
    differs = report.compare("loss", book="-", ours=0.3, kind="differs", reason="no number")
    book = report.compare("w", book=3, ours=3, agree=True, kind="book", tolerance=0.001)
    assert (same.kind, differs.kind, book.kind) == (Kind.SAME_DATA, Kind.DIFFERS, Kind.BOOK)
    assert same.kind_detail() == "data: 10,000 of 60,000 images; reference: PyTorch, same batches"
    assert differs.kind_detail() == "reason: no number"
    assert book.tolerance == "±0.001"   # a number is printed as a ± tolerance


@pytest.mark.parametrize("kind, given, missing", [
    (Kind.BOOK, {"agree": True}, "tolerance="),
    (Kind.SAME_DATA, {"reference": "PyTorch"}, "data="),
    (Kind.SAME_DATA, {"data": "10k images"}, "reference="),
    (Kind.SAME_DATA, {"data": "   ", "reference": "PyTorch"}, "data="),   # blank is missing
    (Kind.DIFFERS, {"data": "10k images"}, "reason="),
])
def test_a_kind_without_its_facts_is_an_error_naming_the_missing_argument(kind, given, missing):
    report = quiet_report()
    with pytest.raises(ValueError, match=re.escape(f"kind=Kind.{kind.name} needs {missing}")):
        report.compare("accuracy", book=0.97, ours=0.95, kind=kind, **given)
    assert report.rows == [] and report.out.getvalue() == ""   # nothing recorded or printed


def test_every_kind_names_the_facts_it_needs():
    assert set(KIND_FIELDS) == set(Kind)
    assert set(KIND_FIELDS[Kind.BOOK]) == {"tolerance"}
    assert set(KIND_FIELDS[Kind.SAME_DATA]) == {"data", "reference"}
    assert set(KIND_FIELDS[Kind.DIFFERS]) == {"reason"}


def test_book_reproduced_must_be_checked_not_shown_for_information():
    report = quiet_report()
    with pytest.raises(ValueError, match=r"kind=Kind.BOOK needs agree= True or False"):
        report.compare("accuracy", book=0.97, ours=0.97, agree=None, kind="book", tolerance=0.01)


@pytest.mark.parametrize("kind, error", [("book reproduced", TypeError), ("BOOK", TypeError),
                                         (1, TypeError), (True, TypeError)])
def test_an_unknown_kind_is_named(kind, error):
    with pytest.raises(error, match=r"kind= must be a pynet.lessons.Kind .* got"):
        quiet_report().compare("x", book=1, ours=1, agree=True, kind=kind, tolerance=0)


@pytest.mark.parametrize("tolerance, error, message", [
    (-0.1, ValueError, "tolerance= must be >= 0"), (float("nan"), ValueError, "must be >= 0"),
    ("", ValueError, "kind=Kind.BOOK needs tolerance="), ([0.1], TypeError, "got list"),
])
def test_a_bad_tolerance_is_named(tolerance, error, message):
    with pytest.raises(error, match=re.escape(message)):
        quiet_report().compare("x", book=1, ours=1, agree=True, kind="book", tolerance=tolerance)


def test_facts_without_a_kind_are_an_error():
    with pytest.raises(ValueError, match=r"reason= describes a headline's kind; give kind= too"):
        quiet_report().compare("x", book=1, ours=2, reason="the data differ")


def test_a_kind_chosen_at_run_time_may_carry_every_fact():
    """A lesson that runs on the book's data only sometimes gives all the facts, picks the kind."""
    for full in (True, False):
        report = quiet_report()
        row = report.compare("accuracy", book=0.882, ours=0.877, agree=True if full else None,
                             kind="book" if full else "differs", tolerance=0.015,
                             data="the text's 1,000 images", reason="--quick: 60 epochs")
        assert row.kind is (Kind.BOOK if full else Kind.DIFFERS)
        assert ("within ±0.015" in row.kind_line()) is full
        assert ("--quick: 60 epochs" in row.kind_line()) is not full


def test_importable_names_a_reference_that_can_run():
    assert Report.importable("numpy") is True
    assert Report.importable("no_such_module_for_pynet") is False
    assert Report.importable("no_such_package.sub") is False


def test_pynet_run_prints_the_headline_and_its_kind():
    report = quiet_report()
    report.compare("accuracy", book=0.9785, ours=0.94, agree=None, headline=True,
                   kind="same-data", data="10k of 60k images", reference="PyTorch")
    assert headline_lines(report) == [
        "--- headline: accuracy: book 0.9785 | ours 0.94",
        "    same-data reference agrees — data: 10k of 60k images; reference: PyTorch"]
    bare = quiet_report()
    bare.compare("n", book=1, ours=1, agree=True)
    assert "kind: not declared" in headline_lines(bare)[1]
    assert headline_lines(quiet_report()) == ["--- headline: none (the lesson made no comparison)"]


def test_a_failed_lesson_keeps_its_report():
    def run(report, quick):
        report.compare("accuracy", book=0.9, ours=0.5, agree=False, headline=True, kind="book",
                       tolerance=0.01)
    with pytest.raises(LessonFailed) as caught:
        run_lesson(run, "failing", quick=True, out=io.StringIO())
    assert caught.value.report.headline.ours == "0.5"


# -- the tour's table and last line ----------------------------------------------------------

LONG = ("a headline long enough to need three lines in the table's headline column, "
        "with its last words kept: ELEPHANT")

LESSONS = {
    "01_book.py": '''
        """Reproduces the book."""
        TITLE = "01 · Book"

        def run(report, quick):
            report.compare("NAND(1, 1)", book=0, ours=0, agree=True, headline=True,
                           kind="book", tolerance="exactly")
    ''',
    "02_same.py": f'''
        """Same data reference."""
        TITLE = "02 · Same"

        def run(report, quick):
            report.compare("{LONG}", book=0.9785, ours=0.9397, agree=None, headline=True,
                           kind="same-data", data="10,000 of the book's 60,000 images",
                           reference="PyTorch from the same start on the same batches")
    ''',
    "03_differs.py": '''
        """Differs."""
        TITLE = "03 · Differs"

        def run(report, quick):
            report.compare("speed-up", book="-", ours="ours is 1234.5x faster than the loop",
                           agree=None, headline=True, kind="differs",
                           reason="the book gives no figure")
    ''',
    "04_also_differs.py": '''
        """Differs too."""
        def run(report, quick):
            report.compare("loss", book="-", ours=0.5, agree=True, headline=True,
                           kind="differs", reason="no number in the book")
    ''',
    "05_undeclared.py": '''
        """No kind declared."""
        def run(report, quick):
            report.compare("n", book=1, ours=1, agree=True, headline=True)
    ''',
    "06_fails.py": '''
        """Fails its headline."""
        def run(report, quick):
            report.compare("w", book=3, ours=4, agree=False, headline=True, kind="book",
                           tolerance="exactly")
    ''',
}


@pytest.fixture
def tour(tmp_path, monkeypatch, request, capsys):
    """Run ``pynet tour`` over fake lessons; return (exit code, stdout)."""
    name = "fake_tour_" + re.sub(r"\W", "_", request.node.name)
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text('"""Fake lessons."""\n')
    for file, source in LESSONS.items():
        (folder / file).write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cli, "tutorials_package", lambda: (name, folder))

    def run(*args):
        code = cli.main(["tour", *args])
        return code, capsys.readouterr().out
    yield run
    for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[mod]


def summary_table(out):
    """The table's lines, from its header to the blank line after it."""
    table = out.split("Tour summary", 1)[1].split("\n\n")[1]
    return table.splitlines()


def test_the_last_line_counts_each_kind(tour):
    code, out = tour("--quick")
    assert code == 1   # 06 failed
    assert out.rstrip().splitlines()[-1] == (
        "6 lessons: 1 book reproduced, 1 same-data reference agrees, 2 differ, "
        "1 without a declared kind; 1 failed: 06_fails")


def test_the_counts_for_passing_lessons_only(tour):
    code, out = tour("--only", "01,02,03")
    assert code == 0
    assert out.rstrip().splitlines()[-1] == (
        "3 lessons: 1 book reproduced, 1 same-data reference agrees, 1 differs; 0 failed")


def test_the_table_shows_the_kind_and_wraps_instead_of_cutting(tour):
    _, out = tour("--only", "01,02,03,06")
    lines = summary_table(out)
    assert lines[0].split() == ["lesson", "kind", "headline", "book", "ours", "seconds", "status"]
    assert "…" not in out
    first = {line.split()[0]: line for line in lines if line[:2].isdigit()}
    assert first["01_book"].split()[1] == "book" and first["01_book"].split()[-1] == "ok"
    assert first["02_same"].split()[1] == "same-data"
    assert first["03_differs"].split()[1] == "differs"
    assert first["06_fails"].split()[1] == "-" and first["06_fails"].split()[-1] == "FAILED"
    # every word of the long headline, of the data and reference, and of the long value is
    # somewhere in the table, in order, and no line is wider than the header says
    text = " ".join(" ".join(lines).split())
    for phrase in (LONG, "data: 10,000 of the book's 60,000 images; reference: PyTorch from "
                   "the same start on the same batches", "reason: the book gives no figure"):
        assert all(word in text for word in phrase.split())
    start = lines[0].index("headline")
    column = [line[start:start + cli.HEADLINE_WIDTH].strip() for line in lines[2:]]
    joined = " ".join(c for c in column if c)
    assert LONG in joined     # the headline reads through, top to bottom
    ours = lines[0].index("ours")
    assert any("1234.5x" in line[ours:] for line in lines)   # the long value wrapped, kept
    assert "faster than the loop" in " ".join(line[ours:] for line in lines)


def test_the_table_names_the_kinds_under_it(tour):
    _, out = tour("--only", "01")
    assert "book = book reproduced: within a stated tolerance" in out
    assert "same-data = same-data reference agrees: the book's number shown" in out
    assert "differs = neither, with the reason" in out


def test_wrap_keeps_every_character():
    text = "x" * 30 + " short words " + "y" * 5
    lines = cli._wrap(text, 14)
    assert all(len(line) <= 14 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert cli._wrap("", 10) == [""]


# -- every real lesson declares its headline's kind ------------------------------------------

def headline_calls(path):
    """Every ``report.compare(..., headline=...)`` call of a lesson, as {keyword: ast node}."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "compare"):
            keywords = {k.arg: k.value for k in node.keywords}
            if "headline" in keywords:
                calls.append((node.lineno, keywords))
    return calls


def kinds_named(node):
    """The kinds a ``kind=`` expression can produce: ``"book"``, ``Kind.BOOK``, or either branch
    of ``a if condition else b`` (a kind picked at run time); anything else is ``{"?"}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id == "Kind" and node.attr in Kind.__members__:
        return {Kind[node.attr].label}
    if isinstance(node, ast.IfExp):
        return kinds_named(node.body) | kinds_named(node.orelse)
    return {"?"}


LESSON_FILES = sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))


def test_the_lessons_are_all_here():
    assert len(LESSON_FILES) >= 46


@pytest.mark.parametrize("path", LESSON_FILES, ids=lambda p: p.stem)
def test_every_lesson_headline_declares_its_kind_and_facts(path):
    calls = headline_calls(path)
    assert calls, f"{path.name}: no compare(..., headline=...) — the tour would take the last row"
    labels = {kind.label: kind for kind in Kind}
    for line, keywords in calls:
        assert "kind" in keywords, f"{path.name}:{line}: the headline has no kind="
        named = kinds_named(keywords["kind"])
        kinds = {labels[n] for n in named if n in labels}
        assert kinds and named <= set(labels), \
            f"{path.name}:{line}: kind= names {sorted(named)}, not among {sorted(labels)}"
        for kind in kinds:
            for field in KIND_FIELDS[kind]:
                assert field in keywords, \
                    f"{path.name}:{line}: kind {kind.value!r} is possible but {field}= is missing"
            if kind is Kind.BOOK:
                agree = keywords.get("agree")
                assert agree is not None and not (isinstance(agree, ast.Constant)
                                                  and agree.value is None), \
                    f"{path.name}:{line}: 'book reproduced' needs a real agree= check"


def test_only_the_headline_prints_its_kind():
    """A loop gives every row the headline's kind; only the headline row prints it."""
    report = quiet_report()
    for epoch in (1, 2, 3):
        report.compare(f"accuracy after epoch {epoch}", book=0.95, ours=0.9, agree=None,
                       headline=epoch == 3, kind="differs", reason="10k of 60k images")
    assert report.headline.quantity == "accuracy after epoch 3"
    assert all(row.kind is Kind.DIFFERS for row in report.rows)
    assert report.out.getvalue().count("differs — reason: 10k of 60k images") == 1


def test_pynet_run_ends_with_the_headline_kind(tour, capsys):
    assert cli.main(["run", "02"]) == 0
    out = capsys.readouterr().out
    assert "--- headline: " + LONG + ": book 0.9785 | ours 0.9397" in out
    assert ("    same-data reference agrees — data: 10,000 of the book's 60,000 images; "
            "reference: PyTorch from the same start on the same batches") in out
    assert cli.main(["run", "05"]) == 0
    assert "kind: not declared" in capsys.readouterr().out
