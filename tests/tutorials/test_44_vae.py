"""Lesson 44 (Chollet §8.4, the VAE) runs quickly; its comparisons hold and can fail."""
from __future__ import annotations

import io

import pytest

from pynet import lessons
from pynet.lessons import LessonFailed, run_lesson


def load_lesson():
    return lessons.load_lesson("44_vae")


def test_quick_run_trains_the_books_vae_and_draws_its_grid(tmp_path, monkeypatch):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
    rows = {r.quantity: r for r in report.rows}
    assert rows["encoder parameters"].ours == "494244"
    assert rows["decoder parameters"].ours == "56385"
    assert rows["loss on one batch: listing 8.26's formula vs pynet's training loss"].agree
    headline = report.headline
    assert headline.quantity.startswith("test reconstruction loss") and headline.agree
    before, after = (float(v) for v in headline.ours.split(" → "))
    assert before > 0.6 and after < 0.75 * before           # ≈ ln 2 untrained, well below after
    assert rows["grid image size"].ours == "420 × 420"
    png = tmp_path / "44_vae" / "vae_latent_grid.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    with Image.open(png) as img:
        assert img.size == (420, 420)
    assert not report.failures


def test_the_grid_walks_the_books_quantiles():
    import numpy as np
    from scipy.stats import norm
    lesson = load_lesson()

    class Echo:
        """A 'decoder' drawing each point's coordinates into its tile, to read the layout."""

        def predict(self, points, batch_size=None):
            return np.repeat(points[:, :1], 28 * 28, axis=1).reshape(-1, 28, 28, 1)

    grid = lesson.latent_grid(Echo(), n=3)
    xs = norm.ppf(np.linspace(0.05, 0.95, 3))
    # tile (row i, column j) decodes z = (grid_y[j], grid_x[i]): x varies along a row
    np.testing.assert_allclose(grid[0, ::28], xs, rtol=1e-6)
    assert xs[0] == pytest.approx(-1.6449, abs=1e-4)        # norm.ppf(0.05)


def test_a_wrong_parameter_count_would_be_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    monkeypatch.setattr(lesson, "BOOK_DECODER_PARAMS", 56_386)
    real_load = lesson.load_digits
    monkeypatch.setattr(lesson, "load_digits", lambda n_train, n_test: real_load(64, 64))
    with pytest.raises(LessonFailed, match="decoder parameters"):
        run_lesson(lesson.run, lesson.TITLE, quick=True, out=io.StringIO())
