"""Every lesson follows the protocol of pynet.lessons, so `pynet list`, `run` and `tour` can use it.

The lessons are discovered the way the CLI finds them, so a lesson added later is checked too.
"""
from __future__ import annotations

import inspect

import pytest

from pynet import cli, lessons

LESSONS = cli.discover()


def test_the_lessons_are_found():
    assert len(LESSONS) >= 19
    assert [lesson.number for lesson in LESSONS] == sorted(lesson.number for lesson in LESSONS)


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.stem for lesson in LESSONS])
def test_lesson_follows_the_protocol(lesson):
    module = lessons.load_lesson(lesson.stem)
    assert module.__doc__ and module.__doc__.splitlines()[0].strip()   # `pynet list`'s line
    assert lesson.description == module.__doc__.strip().splitlines()[0].strip()
    assert isinstance(module.TITLE, str) and module.TITLE.startswith(lesson.number)
    assert list(inspect.signature(module.run).parameters) == ["report", "quick"]
    source = lesson.path.read_text(encoding="utf-8")
    assert 'if __name__ == "__main__":' in source                     # runnable as a script


def test_the_lessons_come_from_this_checkout():
    """A source checkout runs its own lessons, even when another checkout is installed
    (editable) in the same Python: the tests of a branch test that branch's lessons."""
    from pathlib import Path
    import pynet
    _, folder = lessons.tutorials_package()
    assert folder.resolve() == (Path(pynet.__file__).resolve().parent.parent / "tutorials")
