"""Lesson 45 (Chollet §8.5, the GAN) runs quickly; its comparisons hold and can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson


def load_lesson():
    return lessons.load_lesson("45_gan")


def test_quick_run_keeps_the_books_gan_balanced(tmp_path, monkeypatch):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
    rows = {r.quantity: r for r in report.rows}
    assert rows["generator parameters at the book's widths (28×28×1)"].agree
    assert rows["discriminator parameters at the book's widths"].ours == "788225"
    assert rows["gan's trainable parameters = the generator's"].agree
    headline = report.headline
    assert headline.quantity == "mean discriminator loss, second half" and headline.agree
    assert 0.2 < float(headline.ours) < 1.2
    assert (tmp_path / "45_gan" / "gan_step0000.png").is_file() and (tmp_path / "45_gan" / "gan_final.png").is_file()
    assert not report.failures


def test_a_collapsed_discriminator_would_fail_the_headline(monkeypatch, tmp_path):
    """Make the discriminator unbeatable (it sees the label): its loss drops towards 0 and the
    lesson must say so instead of passing."""
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    from pynet.generative import gan as gan_module
    real_step = gan_module.train_gan_step

    def cheating_step(generator, discriminator, gan, real, rng, **kw):
        step = real_step(generator, discriminator, gan, real, rng, **kw)
        return gan_module.GANStep(0.01, step.a_loss, step.generated)

    monkeypatch.setattr(gan_module, "train_gan_step", cheating_step)
    monkeypatch.setattr("pynet.generative.train_gan_step", cheating_step)
    with pytest.raises(LessonFailed, match="mean discriminator loss"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
