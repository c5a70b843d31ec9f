"""sample_photo: the photos scikit-learn ships (china.jpg, flower.jpg), labelled; a generated
picture, labelled as such, when neither scikit-learn nor scikit-image is installed."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from pynet.generative.photos import sample_photo, synthetic_landscape, synthetic_swirls


def test_the_photos_that_ship_with_scikit_learn(require):
    require("sklearn")
    require("PIL")                     # load_sample_image decodes the JPEG with Pillow
    content, label = sample_photo("content")
    assert label == "scikit-learn's sample image china.jpg, 427x640"
    assert content.shape == (427, 640, 3) and content.dtype == np.float32
    assert 0.0 <= content.min() and content.max() <= 1.0 and content.std() > 0.1
    style, label = sample_photo("style", size=(60, 90))
    assert label == "scikit-learn's sample image flower.jpg, 427x640, resized to 60x90"
    assert style.shape == (60, 90, 3)


def test_without_either_package_a_generated_picture_says_so(monkeypatch):
    for name in ("sklearn", "sklearn.datasets", "skimage", "skimage.data"):
        monkeypatch.setitem(sys.modules, name, None)       # import -> ImportError
    content, label = sample_photo("content", size=(50, 70))
    assert label.startswith("a generated landscape (neither scikit-learn nor scikit-image")
    assert content.shape == (50, 70, 3)
    np.testing.assert_array_equal(content, synthetic_landscape(50, 70))
    style, label = sample_photo("style")
    assert label.startswith("a generated swirl pattern") and style.shape == (128, 192, 3)


def test_the_generated_pictures_are_pictures():
    for img in (synthetic_landscape(), synthetic_swirls()):
        assert img.shape == (128, 192, 3) and img.min() >= 0 and img.max() <= 1
        assert img.std() > 0.1                          # not a flat colour


@pytest.mark.parametrize("role, size, message", [
    ("portrait", None, "role must be one of"),
    ("content", (10,), r"size must be \(height, width\)"),
    ("content", (0, 10), r"size must be \(height, width\)"),
    ("content", (2.5, 10), r"size must be \(height, width\)"),
])
def test_bad_arguments(role, size, message):
    with pytest.raises(ValueError, match=message):
        sample_photo(role, size)
