"""The MNIST lessons train on the book's data when full MNIST is there, and say so in the headline.

``pynet.lessons.mnist_plan`` decides how many images a lesson trains and tests on: ``--quick``
always keeps its small counts; a full run takes the book's 60,000/10,000 when
``mnist.is_full()`` finds the downloaded set, else the embedded 10,000-image subset. A lesson
then declares its headline "book" (with a tolerance and a real check) only in the first case.
The decision is tested with ``full=`` given and with ``is_full`` replaced; then with a fake full
set in MNIST's real IDX format (60,000 blank images compress to a few kilobytes); last, lesson
01 end to end, its plan replaced, so that its headline's kind follows the plan.
"""
from __future__ import annotations

import io

import numpy as np
import pytest

from pynet import lessons
from pynet.datasets import mnist
from pynet.datasets.idx import write_idx
from pynet.lessons import Kind, LessonFailed, MnistPlan, mnist_plan, run_lesson


@pytest.fixture(autouse=True)
def _no_real_data(monkeypatch, tmp_path):
    """No test sees the developer's $PYNET_DATA or downloaded cache."""
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def fake_full_set(folder, n_train=mnist.FULL_TRAIN, n_test=mnist.FULL_TEST):
    """Blank images with the published counts, as ``mnist.download()`` would leave them."""
    folder.mkdir(parents=True)
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((n_train, 28, 28), np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.arange(n_train, dtype=np.uint8) % 10)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((n_test, 28, 28), np.uint8))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.arange(n_test, dtype=np.uint8) % 10)
    return folder


# -- the decision ----------------------------------------------------------------------------

def test_a_full_run_with_full_mnist_trains_on_the_books_data():
    plan = mnist_plan(False, quick_counts=(1500, 1000), full=True)
    assert plan == MnistPlan(60_000, 10_000, True,
                             "the book's 60,000 training and 10,000 test images")


def test_a_full_run_without_it_uses_the_embedded_subset():
    plan = mnist_plan(False, quick_counts=(1500, 1000), full=False)
    assert (plan.n_train, plan.n_test, plan.book_data) == (10_000, 10_000, False)
    assert plan.data == "the first 10,000 of the book's 60,000 training images"


def test_quick_stays_small_whatever_is_installed():
    for full in (True, False):
        plan = mnist_plan(True, quick_counts=(2000, 1000), full=full, source="the text")
        assert (plan.n_train, plan.n_test, plan.book_data) == (2000, 1000, False)
        assert plan.data == "the first 2,000 of the text's 60,000 training images"


def test_other_counts_and_sources():
    plan = mnist_plan(False, quick_counts=(10, 10), subset_counts=(8000, 2000),
                      book_counts=(48_000, 10_000), source="the notes", full=True)
    assert plan == MnistPlan(48_000, 10_000, True,
                             "the notes' 48,000 training and 10,000 test images")
    plan = mnist_plan(False, quick_counts=(10, 10), subset_counts=(8000, 2000), full=False)
    assert (plan.n_train, plan.n_test) == (8000, 2000)


def test_by_default_it_asks_mnist_is_full(monkeypatch):
    asked = []

    def is_full():
        asked.append(True)
        return True
    monkeypatch.setattr(mnist, "is_full", is_full)
    assert mnist_plan(False, quick_counts=(1, 1)).book_data is True
    assert mnist_plan(True, quick_counts=(1, 1)).book_data is False
    assert len(asked) == 1            # --quick does not even look
    monkeypatch.setattr(mnist, "is_full", lambda: False)
    assert mnist_plan(False, quick_counts=(1, 1)).n_train == 10_000


@pytest.mark.parametrize("counts", [(1000,), [1000, 100], (0, 100), (1000, 2.5), (True, 10)])
def test_bad_counts_are_named(counts):
    with pytest.raises(ValueError, match=r"mnist_plan\(\): quick_counts= must be \(n_train, "
                                         r"n_test\), two positive integers; got"):
        mnist_plan(False, quick_counts=counts, full=False)


# -- finding the full set ------------------------------------------------------------------------

def test_is_full_is_false_for_the_embedded_subset():
    assert mnist.where() == mnist.EMBEDDED_DIR
    assert mnist.is_full() is False
    assert mnist_plan(False, quick_counts=(1, 1)).n_train == 10_000


def test_a_downloaded_full_set_is_found_and_used(tmp_path, monkeypatch):
    cache = fake_full_set(tmp_path / "xdg-cache" / "pynet" / "mnist")  # where download() puts it
    assert mnist.where() == cache and mnist.is_full() is True
    plan = mnist_plan(False, quick_counts=(1500, 1000))
    assert (plan.n_train, plan.n_test, plan.book_data) == (60_000, 10_000, True)
    (x_train, _), (x_test, _) = mnist.load()
    assert x_train[:plan.n_train].shape[0] == 60_000 and x_test[:plan.n_test].shape[0] == 10_000


def test_pynet_data_with_other_counts_is_not_full(tmp_path, monkeypatch):
    monkeypatch.setenv("PYNET_DATA", str(fake_full_set(tmp_path / "short", n_train=59_999)))
    assert mnist.where() == tmp_path / "short" and mnist.is_full() is False
    monkeypatch.setenv("PYNET_DATA", str(fake_full_set(tmp_path / "few-tests", n_test=9_000)))
    assert mnist.is_full() is False
    assert mnist.is_full(fake_full_set(tmp_path / "explicit")) is True   # path= as load() takes


# -- a lesson's headline follows the data --------------------------------------------------------

def run_01(monkeypatch, *, book_data, book_number=None):
    """Lesson 01 in quick mode with its plan replaced (``book_data`` as given)."""
    lesson = lessons.load_lesson("01_three_layer_network_mnist")
    monkeypatch.setattr(lesson, "mnist_plan", lambda quick, **kw: MnistPlan(
        1500, 1000, book_data, "the book's 60,000 training and 10,000 test images"
        if book_data else "the first 1,500 of the book's 60,000 training images"))
    if book_number is not None:
        monkeypatch.setattr(lesson, "BOOK_BACKQUERY_NET", book_number)
    return run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())[0]


def test_lesson_01_headline_is_same_data_on_the_subset(monkeypatch):
    report = run_01(monkeypatch, book_data=False)
    head = report.headline
    assert head.kind is Kind.SAME_DATA and head.quantity.startswith("accuracy, book's NumPy code")
    assert head.data == "the first 1,500 of the book's 60,000 training images"


def test_lesson_01_headline_is_book_reproduced_on_the_books_data(monkeypatch):
    ours = float(run_01(monkeypatch, book_data=False).headline.ours)
    # the same seeded run, with the book's number moved to within the tolerance of ours
    report = run_01(monkeypatch, book_data=True, book_number=round(ours - 0.008, 4))
    head = report.headline
    assert head.kind is Kind.BOOK and head.agree is True and head.tolerance == "±0.01"
    assert head.quantity == "accuracy, book's back-query net vs ours"
    assert "ours within ±0.01 of the book's number; data: the book's 60,000" in head.kind_line()


def test_lesson_01_book_headline_is_a_real_check(monkeypatch):
    ours = float(run_01(monkeypatch, book_data=False).headline.ours)
    with pytest.raises(LessonFailed, match="back-query net") as caught:
        run_01(monkeypatch, book_data=True, book_number=round(ours - 0.02, 4))
    assert caught.value.report.headline.kind is Kind.BOOK
