"""Lessons as Jupyter notebooks: a lesson's percent-format script becomes a real ``.ipynb``.

A lesson ``tutorials/NN_name.py`` is cut into cells by ``# %%`` lines (jupytext's *percent*
format, which Jupyter with jupytext, VS Code and Spyder read as cells)::

    # %% [markdown]
    # # 01 · The title
    #
    # Text of the cell, each line a ``# `` comment.

    # %%
    code of the next cell

:func:`read_percent` reads such a file with jupytext when it is installed, and otherwise with
:func:`parse_percent`, a small parser of the same convention (so jupytext stays optional);
:func:`lesson_notebook` adds the Python 3 kernel, and :func:`write_notebook` writes the notebook
with ``nbformat`` (validated, atomically: a temporary file in the target folder, then
``os.replace``). ``pynet notebook NN [--out DIR] [--quick]`` (``pynet/cli.py``) puts them together.

In a kernel a lesson's ``main(run, TITLE)`` takes quick mode from ``$PYNET_QUICK``
(:func:`pynet.lessons.main`); ``--quick`` writes ``os.environ["PYNET_QUICK"] = "1"`` into a first
code cell, so the notebook runs the short tour wherever it is opened.
"""
from __future__ import annotations

import importlib.util
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .lessons import QUICK_ENV

#: A cell marker: ``# %%``, then an optional title and ``[markdown]``, ``[md]`` or ``[raw]``.
CELL_MARKER = re.compile(r"^# %%(?P<rest>(?:\s.*)?)$")
CELL_KIND = re.compile(r"\[(?P<kind>markdown|md|raw)\]")
#: The script-only wrapper of a lesson's last line, dropped in a notebook (``SystemExit`` in a
#: kernel shows as an error even on success): ``raise SystemExit(main(run, TITLE))``.
SYSTEM_EXIT_WRAPPER = re.compile(r"^(?P<indent>\s*)raise SystemExit\((?P<call>main\(.*\))\)\s*$")

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python"}


@dataclass
class Cell:
    """One cell of a percent-format script: ``kind`` is ``"code"``, ``"markdown"`` or ``"raw"``."""

    kind: str
    source: str


def _trim(lines: list[str]) -> list[str]:
    """``lines`` without blank lines at either end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _uncomment(line: str) -> str:
    """A markdown line of the script: ``# text`` -> ``text``, ``#`` -> empty."""
    if line.startswith("# "):
        return line[2:]
    if line.rstrip() == "#":
        return ""
    return line


def parse_percent(text: str) -> list[Cell]:
    """The cells of a percent-format script, in order.

    Lines before the first marker form a code cell; a ``# %% [markdown]`` (or ``[md]``) cell's
    lines lose their leading ``# ``; blank lines at the ends of a cell are dropped, and so is a
    cell left empty. This is the subset of jupytext's percent format the lessons use.
    """
    cells: list[Cell] = []
    kind, lines = "code", []

    def close():
        body = _trim(lines)
        if kind == "markdown":
            body = _trim([_uncomment(line) for line in body])
        if body:
            cells.append(Cell(kind, "\n".join(body)))

    for line in text.splitlines():
        marker = CELL_MARKER.match(line)
        if marker is None:
            lines.append(line)
            continue
        close()
        found = CELL_KIND.search(marker["rest"])
        kind = {"markdown": "markdown", "md": "markdown", "raw": "raw"}.get(
            found["kind"] if found else "", "code")
        lines = []
    close()
    return cells


def _nbformat():
    try:
        import nbformat
    except ImportError as exc:
        raise ImportError("writing notebooks needs nbformat: pip install nbformat (or pynet's "
                          "'notebooks' extra: pip install \"pynet[notebooks]\")") from exc
    return nbformat


def read_percent(path: Path, *, use_jupytext: bool | None = None):
    """The script ``path`` as an ``nbformat`` notebook (version 4).

    ``use_jupytext=None`` uses jupytext when it is installed, else :func:`parse_percent`;
    ``True``/``False`` forces one of them (the tests compare the two).
    """
    nbformat = _nbformat()
    text = Path(path).read_text(encoding="utf-8")
    if use_jupytext is None:
        use_jupytext = importlib.util.find_spec("jupytext") is not None
    if use_jupytext:
        import jupytext

        notebook = jupytext.reads(text, fmt="py:percent")
        notebook.metadata.pop("jupytext", None)   # a plain notebook, not paired with the script
        for cell in notebook.cells:
            cell.metadata = {}
        return notebook
    v4 = nbformat.v4
    make = {"code": v4.new_code_cell, "markdown": v4.new_markdown_cell, "raw": v4.new_raw_cell}
    return v4.new_notebook(cells=[make[cell.kind](cell.source) for cell in parse_percent(text)])


def lesson_notebook(path: Path, *, quick: bool = False, use_jupytext: bool | None = None):
    """The lesson at ``path`` as a notebook for the ``python3`` kernel.

    A final ``raise SystemExit(main(run, TITLE))`` becomes ``main(run, TITLE)``; with ``quick``
    a first code cell sets ``$PYNET_QUICK`` to 1 in the kernel.
    """
    nbformat = _nbformat()
    notebook = read_percent(path, use_jupytext=use_jupytext)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = "\n".join(
                SYSTEM_EXIT_WRAPPER.sub(r"\g<indent>\g<call>", line)
                for line in cell.source.split("\n"))
    if quick:
        setter = nbformat.v4.new_code_cell(
            f'import os\nos.environ["{QUICK_ENV}"] = "1"  # quick mode: smaller data, fewer epochs')
        notebook.cells.insert(1 if notebook.cells and
                              notebook.cells[0].cell_type == "markdown" else 0, setter)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = dict(LANGUAGE_INFO)
    notebook.nbformat, notebook.nbformat_minor = 4, max(notebook.get("nbformat_minor", 5), 5)
    for cell in notebook.cells:   # nbformat 4.5 wants cell ids; new cells have them already
        if "id" not in cell:
            cell["id"] = nbformat.v4.new_code_cell().id
    nbformat.validate(notebook)
    return notebook


def check_out_dir(out: Path) -> Path:
    """``out`` as a folder a notebook can be written to, or ``ValueError`` saying what is wrong.

    A folder that does not exist yet is created (with its parents); a file in its place, or a
    folder without write permission, is refused before anything is written.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; expected a folder for the notebook")
    if not out.exists():
        try:
            out.mkdir(parents=True)
        except OSError as exc:
            raise ValueError(f"--out {out}: cannot create the folder ({exc.strerror or exc}); "
                             "expected a folder you can write to") from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out} is not writable; expected a folder you can write to")
    return out


def write_notebook(notebook, path: Path) -> Path:
    """Write ``notebook`` to ``path`` atomically: a temporary file beside it, then
    ``os.replace`` (a reader never sees half a notebook; a failure leaves no file behind)."""
    nbformat = _nbformat()
    path = Path(path)
    text = nbformat.writes(notebook, version=4)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)   # mkstemp's file is private; a notebook is not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
