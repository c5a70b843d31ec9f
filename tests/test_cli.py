"""The pynet command, with a fake tutorials package (the real lessons are tested elsewhere)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest

from pynet import cli

LESSONS = {
    "00_first.py": '''
        """First lesson: the answer agrees with the book.

        More text that ``pynet list`` does not show.
        """
        TITLE = "00 · First"

        def run(report, quick):
            report.say(f"quick={quick}")
            report.compare("the answer", book=42, ours=42, agree=True, headline=True)
    ''',
    "01_second.py": '''
        """Second lesson: disagrees with the book."""
        TITLE = "01 · Second"

        def run(report, quick):
            report.compare("a number", book=1.0, ours=2.0, agree=False)
    ''',
    "01b_extra.py": '''
        """An extra lesson that crashes."""
        def run(report, quick):
            raise RuntimeError("boom")
    ''',
    "02_third.py": '''
        """Third lesson."""
        TITLE = "02 · Third"

        def run(report, quick):
            report.compare("accuracy", book=0.95, ours=0.951, agree=True)
    ''',
    "helper.py": '"""Not a lesson: no NN_ prefix."""\n',
    "3_short_number.py": '"""Not a lesson: one digit."""\n',
}


@pytest.fixture
def fake_tutorials(tmp_path, monkeypatch, request):
    """A package of fake lessons in tmp_path; cli.discover() sees only it."""
    name = "fake_tutorials_" + re.sub(r"\W", "_", request.node.name)
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text('"""Fake lessons."""\n')
    for file, source in LESSONS.items():
        (folder / file).write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cli, "tutorials_package", lambda: (name, folder))
    yield folder
    for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[mod]


def test_list(fake_tutorials, capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert [words[0] for words in lines] == ["00_first", "01_second", "01b_extra", "02_third"]
    assert "First lesson: the answer agrees with the book." in out
    assert "More text" not in out and "helper" not in out and "short_number" not in out


@pytest.mark.parametrize("name", ["00", "0", "00_first", "00_first.py", "FIRST"])
def test_run_by_number_stem_or_substring(fake_tutorials, capsys, name):
    assert cli.main(["run", name, "--quick"]) == 0
    out = capsys.readouterr().out
    assert "=== 00 · First" in out and "quick=True" in out and "done in" in out


def test_run_number_with_letter_and_failing_lesson(fake_tutorials, capsys):
    assert cli.main(["run", "01"]) == 1  # 01, not 01b
    captured = capsys.readouterr()
    assert "=== 01 · Second" in captured.out
    assert "FAILED: 01 · Second: 1 comparison(s) disagreed: a number" in captured.err
    with pytest.raises(RuntimeError, match="boom"):  # a crash in `run` keeps its traceback
        cli.main(["run", "01b"])


def test_run_unknown_and_ambiguous_names(fake_tutorials, capsys):
    assert cli.main(["run", "zebra"]) == 2
    err = capsys.readouterr().err
    assert "no tutorial called 'zebra'" in err
    for stem in ("00_first", "01_second", "01b_extra", "02_third"):
        assert stem in err
    assert cli.main(["run", "ir"]) == 2  # f-IR-st and th-IR-d
    assert "matches several tutorials: 00_first, 02_third" in capsys.readouterr().err


def _table(out):
    """The rows of the tour's summary table: {lesson: line}."""
    rows = out.split("Tour summary", 1)[1].splitlines()
    return {line.split()[0]: line for line in rows if line[:2].isdigit()}


def test_tour_only(fake_tutorials, capsys):
    assert cli.main(["tour", "--only", "02,00", "--quick"]) == 0
    out = capsys.readouterr().out
    table = _table(out)
    assert list(table) == ["00_first", "02_third"]  # the tour's order, not the option's
    assert table["00_first"].split()[-1] == "ok"
    assert "the answer" in table["00_first"] and "42" in table["00_first"]
    assert "0.95" in table["02_third"] and "0.951" in table["02_third"]
    assert "2 lessons: 0 book reproduced, 0 same-data reference agrees, 0 differ, 2 without a declared kind; 0 failed" in out
    assert "(--quick" in out


def test_tour_continues_after_failures_and_exits_nonzero(fake_tutorials, capsys):
    assert cli.main(["tour"]) == 1
    captured = capsys.readouterr()
    table = _table(captured.out)
    assert list(table) == ["00_first", "01_second", "01b_extra", "02_third"]
    assert table["01_second"].split()[-1] == "FAILED"
    assert table["01b_extra"].split()[-1] == "ERROR" and "RuntimeError: boom" in table["01b_extra"]
    assert table["02_third"].split()[-1] == "ok"  # ran after the failures
    assert "4 lessons: 0 book reproduced, 0 same-data reference agrees, 0 differ, 2 without a declared kind; 2 failed: 01_second, 01b_extra" in captured.out
    assert "Traceback" in captured.err and "boom" in captured.err
    for line in table.values():  # every lesson that ran shows its seconds
        assert any(cell.replace(".", "").isdigit() for cell in line.split())


def test_tour_stop_on_fail(fake_tutorials, capsys):
    assert cli.main(["tour", "--stop-on-fail"]) == 1
    out = capsys.readouterr().out
    table = _table(out)
    assert table["01_second"].split()[-1] == "FAILED"
    assert table["01b_extra"].endswith("not run") and table["02_third"].endswith("not run")
    assert "quick=" in out and "boom" not in out


def test_tour_only_errors(fake_tutorials, capsys):
    assert cli.main(["tour", "--only", "00,nope"]) == 2
    assert "no tutorial called 'nope'" in capsys.readouterr().err
    assert cli.main(["tour", "--only", ","]) == 2


def test_a_lesson_that_does_not_import(fake_tutorials, capsys):
    (fake_tutorials / "03_broken.py").write_text('"""Broken."""\ndef (:\n')
    (fake_tutorials / "04_undocumented.py").write_text("def run(report, quick):\n    pass\n")
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "03_broken" in out and "(no description)" in out
    assert cli.main(["tour", "--only", "03,00"]) == 1
    table = _table(capsys.readouterr().out)
    assert table["03_broken"].split()[-1] == "ERROR" and "SyntaxError" in table["03_broken"]
    assert table["00_first"].split()[-1] == "ok"


def test_no_tutorials(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "tutorials_package", lambda: ("empty_pkg", tmp_path))
    assert cli.main(["list"]) == 0
    assert "no tutorials yet" in capsys.readouterr().out
    assert cli.main(["tour"]) == 2


def test_info_mentions_backend_and_data(capsys, monkeypatch, tmp_path):
    import pynet.kernels

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PYNET_DATA", raising=False)
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"backend: {pynet.kernels.BACKEND}" in out
    assert "pynet 0.1.0" in out
    assert re.search(r"BLAS libraries:\n  \S.*thread", out)  # at least one library listed
    # the search order, and which place MNIST came from (the embedded subset here)
    assert f"1. {tmp_path / 'pynet' / 'mnist'}" in out
    assert "-> 2." in out and "embedded in pynet" in out
    assert "Fashion-MNIST, searched in this order" in out
    assert "embedded MNIST files: intact" in out


def test_info_reports_a_backend_that_cannot_load():
    env = {**os.environ, "PYNET_BACKEND": "fortran"}
    result = subprocess.run([sys.executable, "-m", "pynet", "info"], capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 1
    assert "backend: could not load (PYNET_BACKEND=fortran)" in result.stdout
    assert "MNIST, searched in this order" in result.stdout  # the rest is still reported


def _fake_checkout(root, benches):
    (root / "bench").mkdir(parents=True)
    (root / "bench" / "__init__.py").write_text("")
    (root / "bench" / "harness.py").write_text("")
    for name, source in benches.items():
        (root / "bench" / f"{name}.py").write_text(textwrap.dedent(source))
    return root


def test_bench_runs_the_module_in_a_checkout(tmp_path, monkeypatch, capfd):
    _fake_checkout(tmp_path / "checkout", {
        "speed": '''
            import sys
            print("speed bench args", sys.argv[1:])
        ''',
        "broken": "raise SystemExit(3)\n",
    })
    monkeypatch.chdir(tmp_path / "checkout")
    assert cli.main(["bench", "speed", "--quick"]) == 0
    assert "speed bench args ['--quick']" in capfd.readouterr().out
    assert cli.main(["bench", "broken"]) == 1
    assert "exit code 3" in capfd.readouterr().err
    assert cli.main(["bench"]) == 1  # all of them; one failed
    out = capfd.readouterr().out
    assert "speed bench args []" in out and "1 of 2 benchmarks ran; failed: broken" in out
    assert cli.main(["bench", "nope"]) == 2
    assert "is not one of the benchmarks: broken, speed" in capfd.readouterr().err


def test_bench_without_a_checkout(monkeypatch, capsys):
    monkeypatch.setattr(cli, "find_bench_root", lambda: None)
    assert cli.main(["bench"]) == 2
    assert "not installed with pynet" in capsys.readouterr().err


def test_usage_errors():
    assert cli.main([]) == 2       # bare `pynet`: the commands (test_bare_pynet_lists_...)
    with pytest.raises(SystemExit):
        cli.main(["run"])  # NAME is required


def test_python_dash_m_pynet():
    result = subprocess.run([sys.executable, "-m", "pynet", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    for command in ("info", "list", "run", "tour", "bench"):
        assert command in result.stdout


def test_source_checkout_tutorials_are_found():
    package, folder = cli.tutorials_package()
    assert package == "pynet.tutorials"
    assert (folder / "__init__.py").is_file()
    assert all(lesson.module.startswith("pynet.tutorials.") for lesson in cli.discover())


def test_bare_pynet_lists_the_commands_and_exits_2(capsys):
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    for command in ("pynet info", "pynet list", "pynet run 01", "pynet tour", "pynet bench"):
        assert command in err
    assert "start with `pynet list`" in err


# -- pynet list: the lessons by book (pynet/routes.py) ---------------------------------------

def _groups(out):
    """`pynet list`'s output as {header: [stems]} (headers are the lines without indentation)."""
    groups, header = {}, None
    for line in out.splitlines():
        if line.startswith("  "):
            groups[header].append(line.split()[0])
        elif line.strip() and not line.startswith(("run one:", "one book:")):
            header = line
            groups[header] = []
    return groups


def test_list_groups_the_lessons_by_book_in_the_books_order(capsys):
    from pynet import routes

    assert cli.main(["list"]) == 0
    groups = _groups(capsys.readouterr().out)
    assert list(groups) == [
        "Rashid, Make Your Own Neural Network — lessons 01–05 (--book rashid)",
        "The course project on Nielsen, Neural Networks and Deep Learning — lessons 06–11 "
        "(--book nielsen)",
        "The lecture notes (neurons to Keras, LSTM and TensorFlow) — lessons 12–20 "
        "(--book lectures)",
        "Chollet, Deep Learning with Python (1st edition) — lessons 21–45 (--book chollet)",
        "pynet's own: kernels and backends — lesson 46 (--book pynet)"]
    assert [stems for stems in groups.values()] == [
        [r.stem for r in routes.by_book(book)] for book in routes.BOOKS]


@pytest.mark.parametrize("book, first, last", [("rashid", "01", "05"), ("nielsen", "06", "11"),
                                               ("lectures", "12", "20"), ("Chollet", "21", "45"),
                                               ("pynet", "46", "46")])
def test_list_book_filters(capsys, book, first, last):
    assert cli.main(["list", "--book", book]) == 0
    out = capsys.readouterr().out
    (header, stems), = _groups(out).items()              # one book, one group
    assert header.endswith(f"(--book {book.lower()})")
    assert [stem[:2] for stem in stems] == [f"{n:02d}" for n in range(int(first), int(last) + 1)]
    assert f"pynet run {first} [--quick]" in out


def test_list_unknown_book_names_the_known_ones(capsys):
    assert cli.main(["list", "--book", "keras"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("pynet list: unknown book 'keras'; the books are: rashid, nielsen, "
                            "lectures, chollet, pynet\n")


def test_list_shows_a_lesson_not_on_a_route_yet(fake_tutorials, capsys):
    assert cli.main(["list"]) == 0              # the fake lessons are on no route
    groups = _groups(capsys.readouterr().out)
    assert groups == {"Not on a route yet (pynet/routes.py)":
                      ["00_first", "01_second", "01b_extra", "02_third"]}
    assert cli.main(["list", "--book", "chollet"]) == 0
    assert capsys.readouterr().out == "no tutorials for 'chollet' here\n"
