"""Each lesson writes its pictures into its own folder, emptied when the lesson starts, with
stable names — and pynet never deletes a file it did not put in a folder it made."""
from __future__ import annotations

import importlib.util
import io
import os

import pytest

from pynet.inspect import images as im
from pynet.lessons import lesson_name, run_lesson


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path / "out"))
    return tmp_path / "out"


def test_outside_a_lesson_pictures_go_to_the_root(root):
    assert im.current_lesson() is None
    assert im.output_dir() == root and root.is_dir()
    assert not (root / im.MARKER).exists()          # the root is never marked, never cleaned


def test_inside_a_lesson_pictures_go_to_its_folder_with_a_marker(root):
    with im.lesson_output("31_inside_a_convnet") as folder:
        assert im.current_lesson() == "31_inside_a_convnet"
        assert not folder.exists()                  # made on first use: no pictures, no folder
        assert im.output_dir() == folder == root / "31_inside_a_convnet"
        assert (folder / im.MARKER).is_file()
    assert im.current_lesson() is None and im.output_dir() == root
    assert im.output_dir(lesson="03_backquery") == root / "03_backquery"


def test_the_lesson_folder_is_emptied_at_the_start_and_only_that_folder(root):
    mine = im.output_dir(lesson="13_widrow_hoff")
    (mine / "old.png").write_bytes(b"old")
    (mine / "logs").mkdir()
    (mine / "logs" / "events").write_text("x")
    other = im.output_dir(lesson="06_perceptron_and_logic_gates")
    (other / "keep.png").write_bytes(b"keep")
    (root / "loose.png").write_bytes(b"loose")      # at the root, outside every lesson folder

    with im.lesson_output("13_widrow_hoff") as folder:
        assert sorted(p.name for p in folder.iterdir()) == [im.MARKER]
    assert (other / "keep.png").read_bytes() == b"keep"
    assert (root / "loose.png").read_bytes() == b"loose"


def test_a_folder_pynet_did_not_make_is_never_cleaned(root):
    users = root / "31_inside_a_convnet"
    users.mkdir(parents=True)
    (users / "my_notes.txt").write_text("mine")
    assert im.clean_lesson_folder("31_inside_a_convnet") == []
    with im.lesson_output("31_inside_a_convnet"):
        assert im.output_dir() == users             # written into, but...
    assert (users / "my_notes.txt").read_text() == "mine"    # ...never emptied
    assert not (users / im.MARKER).exists()


def test_links_are_removed_as_links_and_a_linked_folder_is_left_alone(root, tmp_path,
                                                                     skip_or_fail):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "data.txt").write_text("keep me")
    folder = im.output_dir(lesson="07_x")
    try:
        os.symlink(precious, folder / "link_to_dir")
    except (OSError, NotImplementedError) as exc:         # Windows without the privilege
        skip_or_fail(f"this system cannot make symbolic links ({exc})")
    os.symlink(precious / "data.txt", folder / "link_to_file")
    removed = im.clean_lesson_folder("07_x")
    assert {p.name for p in removed} == {"link_to_dir", "link_to_file"}
    assert (precious / "data.txt").read_text() == "keep me"
    # a lesson folder that is itself a link (even to a marked folder) is not followed
    marked = tmp_path / "marked"
    marked.mkdir()
    (marked / im.MARKER).write_text("")
    (marked / "a.png").write_bytes(b"a")
    os.symlink(marked, root / "08_y")
    assert im.clean_lesson_folder("08_y") == []
    assert (marked / "a.png").exists()


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "../up", "a\\b", " x"])
def test_lesson_names_are_plain_folder_names(root, name):
    with pytest.raises(ValueError, match="plain folder name"):
        im.output_dir(lesson=name)
    with pytest.raises(ValueError, match="plain folder name"):
        im.clean_lesson_folder(name)


LESSON = '''
from pynet.inspect.images import output_dir

TITLE = "fake lesson"
RUNS = []

def run(report, quick):
    RUNS.append(1)
    (output_dir() / f"picture_{len(RUNS)}.png").write_bytes(b"png")
    report.compare("one", book=1, ours=1, agree=True)
'''


def test_run_lesson_gives_each_lesson_its_own_freshly_emptied_folder(root, tmp_path):
    path = tmp_path / "lessons" / "07_fake_lesson.py"
    path.parent.mkdir()
    path.write_text(LESSON)
    spec = importlib.util.spec_from_file_location("fake_lesson_for_pictures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert lesson_name(module.run) == "07_fake_lesson"        # the file's stem

    run_lesson(module.run, module.TITLE, quick=True, out=io.StringIO())
    run_lesson(module.run, module.TITLE, quick=True, out=io.StringIO())
    folder = root / "07_fake_lesson"
    # the second run emptied the folder first: only its own picture is there
    assert sorted(p.name for p in folder.iterdir()) == [im.MARKER, "picture_2.png"]
    assert im.current_lesson() is None


def test_lesson_name_of_code_outside_a_lesson_file_comes_from_the_title():
    """A notebook cell's code lives in a file like ``ipykernel_1/3412.py``; a test's in
    ``test_x.py``: neither names the lesson, the title does."""
    code = eval("lambda report, quick: None")
    assert lesson_name(code) == "lesson"
    assert lesson_name(code, "31 · Inside a convnet: activations") == \
        "31_inside_a_convnet_activations"
    assert lesson_name(test_lesson_names_are_plain_folder_names, "Fake") == "fake"


def test_a_file_where_the_lesson_folder_should_be_is_named(root):
    root.mkdir(parents=True)
    (root / "03_backquery").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="lesson '03_backquery'.*is a file"):
        im.output_dir(lesson="03_backquery")
    assert im.clean_lesson_folder("03_backquery") == []          # and it is not deleted
    assert (root / "03_backquery").read_text() == "not a folder"
