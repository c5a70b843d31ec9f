"""Lessons as notebooks: ``lessons.main`` in a script and in a Jupyter kernel, the percent-format
parser, and ``pynet notebook NN [--out DIR] [--quick]`` with its bad input.

(Every lesson *executed* as a notebook: ``tests/tutorials/test_notebooks.py``.)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pynet import cli, lessons, notebooks
from pynet.lessons import LessonFailed

TITLE = "99 · A lesson made up for these tests"


def agreeing_run(report, quick):
    report.compare("one plus one", book=2, ours=1 + 1, agree=True)
    report.say(f"quick={quick}")


def disagreeing_run(report, quick):
    report.compare("one plus one", book=2, ours=3, agree=False)


# -- lessons.main as a script ----------------------------------------------------------------

def test_main_as_a_script_reads_quick_from_its_arguments(capsys, monkeypatch):
    monkeypatch.delenv("PYNET_QUICK", raising=False)
    assert lessons.main(agreeing_run, TITLE, argv=["--quick"]) == 0
    assert "quick=True" in capsys.readouterr().out
    assert lessons.main(agreeing_run, TITLE, argv=[]) == 0
    assert "quick=False" in capsys.readouterr().out


def test_main_as_a_script_also_reads_pynet_quick(capsys, monkeypatch):
    monkeypatch.setenv("PYNET_QUICK", "1")
    assert lessons.main(agreeing_run, TITLE, argv=[]) == 0
    assert "quick=True" in capsys.readouterr().out


def test_a_failed_script_returns_1_to_a_caller_and_exits_1_from_the_command_line(monkeypatch,
                                                                                 capsys):
    assert lessons.main(disagreeing_run, TITLE, argv=[]) == 1
    assert "FAILED: 99 · A lesson made up" in capsys.readouterr().err
    # as a real script (argv None): the exit code 1 arrives even without `raise SystemExit(...)`
    monkeypatch.setattr(sys, "argv", ["99_made_up.py"])
    with pytest.raises(SystemExit) as exit_info:
        lessons.main(disagreeing_run, TITLE)
    assert exit_info.value.code == 1


def test_a_bad_pynet_quick_is_named(monkeypatch, capsys):
    monkeypatch.setenv("PYNET_QUICK", "maybe")
    with pytest.raises(SystemExit) as exit_info:
        lessons.main(agreeing_run, TITLE, argv=[])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "PYNET_QUICK must be one of" in err and "got 'maybe'" in err


@pytest.mark.parametrize("value, quick", [("1", True), ("true", True), ("YES", True),
                                          ("on", True), ("", False), ("0", False),
                                          ("false", False), ("No", False), (None, False)])
def test_pynet_quick_values(value, quick):
    environ = {} if value is None else {"PYNET_QUICK": value}
    assert lessons.quick_from_environment(environ) is quick


# -- lessons.main in a Jupyter kernel ----------------------------------------------------------

KERNEL_ARGV = ["/usr/lib/python3/site-packages/ipykernel_launcher.py", "-f",
               "/tmp/kernel-1234.json"]


def test_the_kernel_is_recognised_by_its_launcher(monkeypatch):
    monkeypatch.setattr(sys, "argv", KERNEL_ARGV)
    assert lessons.in_kernel()
    monkeypatch.setattr(sys, "argv", ["tutorials/01_three_layer_network_mnist.py", "--quick"])
    assert not lessons.in_kernel()      # pytest's own process has no IPython kernel either


def test_main_in_a_kernel_never_parses_the_kernels_arguments(monkeypatch, capsys):
    """``-f /tmp/kernel-1234.json`` would stop argparse with SystemExit(2); in a kernel main
    takes quick mode from PYNET_QUICK and returns normally."""
    monkeypatch.setattr(sys, "argv", KERNEL_ARGV)
    monkeypatch.setenv("PYNET_QUICK", "1")
    assert lessons.main(agreeing_run, TITLE) == 0
    out = capsys.readouterr().out
    assert f"=== {TITLE}" in out and "quick=True" in out and "--- done in" in out
    monkeypatch.setenv("PYNET_QUICK", "0")
    assert lessons.main(agreeing_run, TITLE) == 0
    assert "quick=False" in capsys.readouterr().out


def test_a_lesson_file_run_in_a_kernel_with_arguments_reads_them(monkeypatch, capsys):
    """``%run 99_made_up.py --quick`` in IPython (or Spyder's "Run file") puts the lesson's own
    file and arguments in sys.argv: those are the lesson's, so main reads them."""
    monkeypatch.setattr(lessons, "in_kernel", lambda: True)
    monkeypatch.delenv("PYNET_QUICK", raising=False)
    monkeypatch.setattr(sys, "argv", [__file__, "--quick"])   # agreeing_run is defined here
    assert lessons.main(agreeing_run, TITLE) == 0
    assert "quick=True" in capsys.readouterr().out
    with pytest.raises(LessonFailed):                  # in a kernel a failure is an exception
        lessons.main(disagreeing_run, TITLE)


def test_a_failed_lesson_in_a_kernel_raises_lesson_failed(monkeypatch):
    monkeypatch.setattr(sys, "argv", KERNEL_ARGV)
    with pytest.raises(LessonFailed, match="one plus one"):
        lessons.main(disagreeing_run, TITLE)


# -- the percent-format parser -----------------------------------------------------------------

SCRIPT = '''\
# %% [markdown]
# # 99 · A title
#
# A paragraph with `code`.

# %%
"""Docstring line."""
x = 1

# %% [markdown]
# ## An idea
# - a bullet

# %%
def f():

    return x

# %%
if __name__ == "__main__":
    raise SystemExit(main(run, TITLE))
'''


def test_the_parser_cuts_cells_at_the_markers():
    cells = notebooks.parse_percent(SCRIPT)
    assert [c.kind for c in cells] == ["markdown", "code", "markdown", "code", "code"]
    assert cells[0].source == "# 99 · A title\n\nA paragraph with `code`."
    assert cells[1].source == '"""Docstring line."""\nx = 1'
    assert cells[2].source == "## An idea\n- a bullet"
    assert cells[3].source == "def f():\n\n    return x"     # a blank line inside a cell stays


def test_a_script_without_markers_is_one_code_cell():
    cells = notebooks.parse_percent('"""Doc."""\n\nx = 1\n')
    assert [(c.kind, c.source) for c in cells] == [("code", '"""Doc."""\n\nx = 1')]


def test_our_parser_and_jupytext_read_every_lesson_alike(require):
    require("jupytext")
    require("nbformat")
    for lesson in cli.discover():
        ours = notebooks.read_percent(lesson.path, use_jupytext=False)
        theirs = notebooks.read_percent(lesson.path, use_jupytext=True)
        assert ([(c.cell_type, c.source) for c in ours.cells]
                == [(c.cell_type, c.source) for c in theirs.cells]), lesson.stem


def test_the_notebook_drops_the_scripts_exit_wrapper_and_validates(require, tmp_path):
    nbformat = require("nbformat")
    path = tmp_path / "99_made_up.py"
    path.write_text(SCRIPT, encoding="utf-8")
    notebook = notebooks.lesson_notebook(path, use_jupytext=False)
    nbformat.validate(notebook)
    assert notebook.cells[-1].source == 'if __name__ == "__main__":\n    main(run, TITLE)'
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    quick = notebooks.lesson_notebook(path, quick=True, use_jupytext=False)
    assert quick.cells[0].cell_type == "markdown"            # the title stays on top
    assert 'os.environ["PYNET_QUICK"] = "1"' in quick.cells[1].source
    assert len(quick.cells) == len(notebook.cells) + 1


# -- pynet notebook --------------------------------------------------------------------------

def test_pynet_notebook_writes_a_valid_notebook(require, tmp_path, capsys):
    nbformat = require("nbformat")
    out = tmp_path / "new" / "folder"            # created, parents too
    assert cli.main(["notebook", "6", "--out", str(out)]) == 0
    path = out / "06_perceptron_and_logic_gates.ipynb"
    assert f"wrote {path}" in capsys.readouterr().out
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    sources = "\n".join(cell.source for cell in notebook.cells)
    assert "def run(report: Report, quick: bool)" in sources
    assert "raise SystemExit(main(" not in sources
    assert [p.name for p in out.iterdir()] == [path.name]    # no temporary file left behind
    assert json.loads(path.read_text(encoding="utf-8"))["nbformat"] == 4


def test_pynet_notebook_quick_sets_the_environment_in_the_notebook(require, tmp_path):
    nbformat = require("nbformat")
    assert cli.main(["notebook", "06", "--out", str(tmp_path), "--quick"]) == 0
    notebook = nbformat.read(tmp_path / "06_perceptron_and_logic_gates.ipynb", as_version=4)
    assert any('os.environ["PYNET_QUICK"] = "1"' in cell.source for cell in notebook.cells)


def test_an_unknown_lesson_lists_the_known_ones(tmp_path, capsys):
    assert cli.main(["notebook", "nonesuch", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no tutorial called 'nonesuch'" in err and "06_perceptron_and_logic_gates" in err
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder")
    assert cli.main(["notebook", "06", "--out", str(afile)]) == 2
    assert f"--out {afile} is a file; expected a folder" in capsys.readouterr().err
    assert cli.main(["notebook", "06", "--out", str(afile / "below")]) == 2
    assert "cannot create the folder" in capsys.readouterr().err
    assert afile.read_text() == "not a folder"


def test_an_unwritable_folder_is_named_and_nothing_is_half_written(require, tmp_path, capsys,
                                                                   monkeypatch):
    require("nbformat")
    # permission bits do not stop root (CI containers), so the refusal is made for real by the OS
    # below only when it can be; the write itself is failed by hand in either case
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    try:
        if not notebooks.os.access(readonly, notebooks.os.W_OK):
            assert cli.main(["notebook", "06", "--out", str(readonly)]) == 2
            assert f"--out {readonly} is not writable" in capsys.readouterr().err
    finally:
        readonly.chmod(0o755)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(notebooks.tempfile, "mkstemp", refuse)
    assert cli.main(["notebook", "06", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write the notebook into --out {tmp_path}: Permission denied" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["readonly"]


def test_a_failed_write_leaves_the_old_notebook_and_no_temporary_file(require, tmp_path,
                                                                       monkeypatch):
    nbformat = require("nbformat")
    assert cli.main(["notebook", "06", "--out", str(tmp_path)]) == 0
    path = tmp_path / "06_perceptron_and_logic_gates.ipynb"
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(notebooks.os, "replace", broken_replace)
    assert cli.main(["notebook", "06", "--out", str(tmp_path), "--quick"]) == 2
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    nbformat.validate(nbformat.reads(before.decode("utf-8"), as_version=4))


def test_without_nbformat_the_message_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "nbformat", None)      # import nbformat -> ImportError
    assert cli.main(["notebook", "06", "--out", str(tmp_path)]) == 2
    assert "pip install nbformat" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_notebook_runs_in_a_real_kernel_and_shows_a_failure(require, tmp_path):
    """One real kernel: the script's cells run top to bottom, quick mode comes from PYNET_QUICK
    in the kernel's environment, and a disagreeing lesson fails the cell with LessonFailed."""
    nbclient = require("nbclient")
    require("ipykernel")
    nbformat = require("nbformat")
    import os

    repo = str(Path(lessons.__file__).resolve().parents[1])
    source = SCRIPT.replace('"""Docstring line."""', '"""Docstring line."""\n'
                            "from pynet.lessons import main\nTITLE = '99 · made up'\n"
                            "def run(report, quick):\n"
                            "    report.say(f'quick={quick}')\n"
                            "    report.compare('x', book=1, ours=x, agree=x == 1)")
    path = tmp_path / "99_made_up.py"
    path.write_text(source, encoding="utf-8")
    env = dict(os.environ, PYNET_QUICK="1",
               PYTHONPATH=os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")])))
    notebook = notebooks.lesson_notebook(path, use_jupytext=False)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute(
        cwd=str(tmp_path), env=env)
    text = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "=== 99 · made up" in text and "quick=True" in text and "--- done in" in text

    failing = nbformat.reads(nbformat.writes(notebook), as_version=4)
    failing.cells[1].source = failing.cells[1].source.replace("x = 1", "x = 2")
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="LessonFailed"):
        nbclient.NotebookClient(failing, timeout=120, kernel_name="python3").execute(
            cwd=str(tmp_path), env=env)
