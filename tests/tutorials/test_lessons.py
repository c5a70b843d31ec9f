"""Every lesson, one row of pynet/routes.py each: the protocol `pynet list`, `run` and `tour` rely on.

One parametrised test instead of a preamble copied into each tests/tutorials/test_NN_*.py: the
files there test what their lesson teaches; this one tests that each lesson is a lesson —

* the file exists under its route's stem and imports without running (nothing printed, no
  picture written, ``run_lesson``/``main`` not called at import);
* its docstring's first line is the one-line description ``pynet list`` shows;
* its ``TITLE`` starts with its number (``"21 · ..."``), so the tour's headings follow the routes;
* ``run(report, quick)`` is the entry point, and ``python tutorials/NN_name.py`` runs it;
* it names the text its route follows, and names another text in its first line or title only
  when the route says it touches that text too.
"""
from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest

from pynet import cli, lessons, routes

LESSONS = {lesson.stem: lesson for lesson in cli.discover()}

#: How a lesson names the text it follows (a lesson may say "the book" or "the text" once it
#: has named it in its title or first line).
NAMES = {
    "rashid": r"Rashid|Make Your Own Neural Network|the book",
    "nielsen": r"Nielsen|the course|the text",
    "lectures": r"lecture|the notes",
    "chollet": r"Chollet|Deep Learning with Python",
    "pynet": r"pynet",
}
#: A text named by its author or title (the generic "the book" does not count here).
PROPER_NAMES = {"rashid": r"Rashid|Make Your Own", "nielsen": r"Nielsen",
                "lectures": r"lecture", "chollet": r"Chollet|Deep Learning with Python"}


def test_the_lessons_are_the_routes_in_order():
    assert list(LESSONS) == [route.stem for route in routes.ROUTES]


def import_without_running(route, monkeypatch, capsys, tmp_path):
    """Import the lesson's file afresh, as a module of its own, with every way of running a lesson
    booby-trapped; return the module and what the import printed."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"lesson {route.number} runs when imported")

    monkeypatch.setattr(lessons, "run_lesson", refuse)
    monkeypatch.setattr(lessons, "main", refuse)
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    name = f"_pynet_import_check_{route.stem}"
    spec = importlib.util.spec_from_file_location(name, LESSONS[route.stem].path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)   # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module, capsys.readouterr()


@pytest.mark.parametrize("route", routes.ROUTES, ids=[route.stem for route in routes.ROUTES])
def test_lesson_follows_the_protocol(route, monkeypatch, capsys, tmp_path):
    assert route.stem in LESSONS, f"pynet/routes.py names {route.stem}.py, which is not there"
    lesson = LESSONS[route.stem]
    module, printed = import_without_running(route, monkeypatch, capsys, tmp_path)
    assert printed.out == "" and printed.err == "", "importing a lesson must not run it"
    assert list(tmp_path.iterdir()) == [], "importing a lesson must not draw"

    first_line = module.__doc__.strip().splitlines()[0].strip()
    assert first_line and first_line.endswith("."), first_line      # `pynet list`'s line
    assert lesson.description == first_line

    assert isinstance(module.TITLE, str) and module.TITLE.startswith(f"{route.number} · ")
    assert lesson.number == route.number
    assert list(inspect.signature(module.run).parameters) == ["report", "quick"]
    assert 'if __name__ == "__main__":' in lesson.path.read_text(encoding="utf-8")

    assert re.search(NAMES[route.book], module.__doc__ + module.TITLE, re.I), (
        f"lesson {route.number} never names {routes.BOOKS[route.book].title}")
    also = {book for book, _ in route.also}
    headline = first_line + " " + module.TITLE
    for book, pattern in PROPER_NAMES.items():
        if book != route.book and re.search(pattern, headline):
            assert book in also, (f"lesson {route.number} names {book} in its title or first "
                                  "line: add it to the route's `also` in pynet/routes.py")


def test_the_lessons_come_from_this_checkout():
    """A source checkout runs its own lessons, even when another checkout is installed
    (editable) in the same Python: the tests of a branch test that branch's lessons."""
    import pynet
    _, folder = lessons.tutorials_package()
    assert folder.resolve() == (Path(pynet.__file__).resolve().parent.parent / "tutorials")
