"""The routes table (pynet/routes.py) against the tutorials folder, tutorials/README.md and the README.

Every lesson file is on exactly one route, the numbers come in one block per book in the books'
order, and the two Markdown files that show the routes are generated from (or checked against) the
table, so none of them can drift from the others.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pynet import routes

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "tutorials"
#: The blocks, in the order the lessons number them.
BOOK_ORDER = ["rashid", "nielsen", "lectures", "chollet", "pynet"]


def lesson_files() -> list[str]:
    return sorted(p.stem for p in TUTORIALS.glob("[0-9][0-9]*_*.py"))


def docstring(stem: str) -> str:
    return ast.get_docstring(ast.parse((TUTORIALS / f"{stem}.py").read_text(encoding="utf-8")))


def test_every_lesson_file_is_on_exactly_one_route():
    stems = [route.stem for route in routes.ROUTES]
    assert len(stems) == len(set(stems)) == 46
    assert sorted(stems) == lesson_files()      # no file left out, no route to a missing file


def test_each_number_is_its_files_prefix_and_the_numbers_run_01_to_46():
    for route in routes.ROUTES:
        assert route.stem.startswith(route.number + "_"), route
    assert [route.number for route in routes.ROUTES] == [f"{n:02d}" for n in range(1, 47)]


def test_the_books_come_in_blocks_in_the_books_order():
    books = [route.book for route in routes.ROUTES]
    blocks = [book for i, book in enumerate(books) if i == 0 or books[i - 1] != book]
    assert blocks == BOOK_ORDER == list(routes.BOOKS)  # one block each, none split
    # the ranges the lead's renumbering promises (issue 17)
    assert {book: routes.number_ranges(r.number for r in routes.by_book(book))
            for book in BOOK_ORDER} == {"rashid": "01–05", "nielsen": "06–11",
                                        "lectures": "12–20", "chollet": "21–45", "pynet": "46"}


@pytest.mark.parametrize("book", BOOK_ORDER)
def test_each_block_follows_its_books_chapters(book):
    chapters = [route.chapter for route in routes.by_book(book)]
    assert chapters == sorted(chapters), f"{book}: chapters {chapters} go backwards"


def test_a_chollet_lesson_cites_the_section_its_route_names():
    """The route's first § (Chollet's chapter.section) is in the lesson's own docstring, and its
    chapter is the route's chapter: the table was read off the lessons, not invented."""
    for route in routes.by_book("chollet"):
        section = re.search(r"§(\d+)\.(\d+(?:\.\d+)?)", route.refs)
        assert section, route.refs
        assert f"{section[1]}.{section[2]}" in docstring(route.stem), route.stem
        assert int(section[1]) == route.chapter, route.stem


def test_every_route_says_what_it_follows_shows_and_runs_on():
    for route in routes.ROUTES:
        for text in (route.refs, route.idea, route.data):
            assert text.strip() and "\n" not in text and "|" not in text, route  # one table cell
        assert route.idea.endswith("."), route.idea
        for other, refs in route.also:
            assert other in routes.BOOKS and other != route.book and refs, route


def test_number_ranges_worked_by_hand():
    assert routes.number_ranges(["12", "13", "14", "17"]) == "12–14, 17"
    assert routes.number_ranges(["46"]) == "46"
    assert routes.number_ranges(["3", "1", "2", "9", "10"]) == "01–03, 09–10"
    assert routes.number_ranges([]) == ""


def test_by_book_and_find():
    assert [r.number for r in routes.by_book("Rashid")] == ["01", "02", "03", "04", "05"]
    assert routes.find("21_keras_mlp").book == "chollet"
    assert routes.find("99_no_such_lesson") is None
    with pytest.raises(ValueError, match="unknown book 'keras'; the books are: rashid, nielsen, "
                                         "lectures, chollet, pynet"):
        routes.by_book("keras")


def test_tutorials_readme_is_generated_from_the_table():
    text = (TUTORIALS / "README.md").read_text(encoding="utf-8")
    assert routes.replace_generated(text, routes.markdown()) == text, (
        "tutorials/README.md differs from pynet/routes.py: run `python -m pynet.routes --write`")
    for route in routes.ROUTES:     # every lesson is linked, with its references
        assert f"| [{route.number}]({route.stem}.py) | {route.refs} |" in text


def test_the_generated_block_check_can_fail():
    text = f"intro\n{routes.BEGIN}\n\nold table\n{routes.END}\nrest\n"
    assert routes.replace_generated(text, "new table\n") == (
        f"intro\n{routes.BEGIN}\n\nnew table\n\n{routes.END}\nrest\n")
    with pytest.raises(ValueError, match="one generated block"):
        routes.replace_generated("no markers here", "new table\n")


#: The README's lesson table: which book each row's text belongs to.
README_ROWS = {"Rashid": "rashid", "Course project on Nielsen": "nielsen",
               "Lecture notes": "lectures", "Chollet": "chollet", "pynet's own": "pynet"}


def readme_lessons() -> dict[str, set[int]]:
    """The README's "lessons" column, read back as lesson numbers per book."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| text | in pynet | lessons |", 1)[1].split("\n\n", 1)[0]
    found: dict[str, set[int]] = {}
    for row in table.strip().splitlines()[1:]:
        text_cell, _, lessons_cell = row.strip("|").rsplit("|", 2)
        book = next(b for prefix, b in README_ROWS.items() if text_cell.strip().startswith(prefix))
        for part in lessons_cell.split(","):
            first, _, last = part.strip().partition("–")
            found.setdefault(book, set()).update(range(int(first), int(last or first) + 1))
    return found


def test_the_readme_lesson_column_matches_the_routes():
    assert readme_lessons() == {book: {int(r.number) for r in routes.by_book(book)}
                                for book in BOOK_ORDER}
    assert "[tutorials/README.md](tutorials/README.md)" in (ROOT / "README.md").read_text("utf-8")


def test_python_dash_m_pynet_routes_prints_the_routes(capsys):
    assert routes._main([]) == 0
    assert capsys.readouterr().out == routes.markdown()
    assert routes._main(["--bogus"]) == 2
    assert "usage: python -m pynet.routes [--write]" in capsys.readouterr().err
