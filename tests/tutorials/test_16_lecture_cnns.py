"""Lesson 16: the notes' channels_first CNNs train; CIFAR-10 and cats-vs-dogs counts are exact."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson

def load_lesson():
    return lessons.load_lesson("16_lecture_cnns")


def test_architectures_match_the_texts():
    lesson = load_lesson()
    cifar = lesson.cifar10_cnn()
    assert lesson.summary_rows(cifar) == lesson.CIFAR_TABLE
    assert cifar.count_params() == 1_250_858
    assert lesson.cats_vs_dogs_cnn().count_params() == 3_453_121
    # derived by hand: 5·5·32+32 = 832; 32·12·12 = 4608 inputs to Dense(128): 589,952; + 1,290
    assert lesson.simple_cnn().count_params() == 832 + 589_952 + 1_290
    # 780 + (3·3·30·15 + 15 = 4,065) + (375·128 + 128 = 48,128) + 6,450 + 510
    assert lesson.larger_cnn().count_params() == 780 + 4_065 + 48_128 + 6_450 + 510


def test_quick_run():
    lesson = load_lesson()
    out = io.StringIO()
    report, seconds = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    assert rows["CIFAR-10 CNN total parameters"].agree
    assert rows["cats-vs-dogs convnet total parameters"].ours == "3453121"
    assert rows["simple CNN: channels_first vs channels_last outputs"].agree
    assert float(rows["larger CNN test error, notes vs ours"].ours) < 0.2
    assert "0.0089" in out.getvalue()


def test_lesson_notices_a_wrong_pooling_shape(monkeypatch):
    """Pooling that rounded up (13 -> 7) would break the CIFAR-10 table: the lesson must fail."""
    from pynet.layers import pooling

    lesson = load_lesson()
    original = pooling.MaxPooling2D.__init__

    def rounding_up(self, *args, **kwargs):
        kwargs["padding"] = "same"
        original(self, *args, **kwargs)

    monkeypatch.setattr(pooling.MaxPooling2D, "__init__", rounding_up)
    with pytest.raises(LessonFailed, match="CIFAR-10 CNN total parameters"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
