"""Rotations as extra training data (the book's +/-10 degrees, background filled with 0.01)."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.augment import rotate, with_rotations


def digit_like(rng, size=28):
    img = np.full((size, size), 0.01)
    img[6:22, 12:16] = 1.0                   # a vertical bar, like a "1"
    img[6:9, 8:16] = 0.8                     # with a flag, so it is not symmetric
    return img + rng.uniform(0, 0.001, img.shape)


def test_zero_angle_is_identity_and_a_copy(rng):
    img = digit_like(rng)
    out = rotate(img, 0)
    np.testing.assert_array_equal(out, img)
    out[0, 0] = 5
    assert img[0, 0] != 5


def test_quarter_turn_equals_rot90(rng):
    img = rng.uniform(0.01, 1, (9, 9))
    np.testing.assert_allclose(rotate(img, 90), np.rot90(img), atol=1e-12)


def test_new_corners_get_the_background_and_range_is_kept(rng):
    img = np.ones((28, 28))
    out = rotate(img, 45, cval=0.01)
    assert out[0, 0] == pytest.approx(0.01) and out[27, 27] == pytest.approx(0.01)
    assert out[14, 14] == pytest.approx(1.0)
    d = digit_like(rng)
    r = rotate(d, 10)                         # default fill: the image's own minimum
    assert r.min() >= d.min() - 1e-12 and r.max() <= d.max() + 1e-12
    assert r.shape == (28, 28)
    assert not np.allclose(r, d)


def test_positive_angle_turns_counter_clockwise():
    img = np.zeros((21, 21))
    img[10, 15:20] = 1.0                     # a bar pointing right (east) from the centre
    out = rotate(img, 90)
    ys, xs = np.nonzero(out > 0.5)
    assert ys.max() < 10 and np.all(np.abs(xs - 10) <= 1)    # now points up (north)


def test_rotate_back_is_close_to_original(rng):
    img = digit_like(rng)
    back = rotate(rotate(img, 10), -10)
    # interpolation blurs a little, but the digit stays where it was
    assert np.corrcoef(back.ravel(), img.ravel())[0, 1] > 0.9


def test_with_rotations_is_the_books_three_for_one(rng):
    imgs = np.stack([digit_like(rng).ravel() for _ in range(4)])
    targets = np.full((4, 10), 0.01)
    targets[np.arange(4), [1, 7, 1, 4]] = 0.99
    x3, t3 = with_rotations(imgs, targets, 10)
    assert x3.shape == (12, 784) and t3.shape == (12, 10)
    for n in range(4):
        np.testing.assert_array_equal(x3[3 * n], imgs[n])
        np.testing.assert_allclose(x3[3 * n + 1], rotate(imgs[n].reshape(28, 28), 10).ravel())
        np.testing.assert_allclose(x3[3 * n + 2], rotate(imgs[n].reshape(28, 28), -10).ravel())
        assert np.all(t3[3 * n:3 * n + 3] == targets[n])
    x0, t0 = with_rotations(imgs, targets, 0)
    np.testing.assert_array_equal(x0, imgs)
    again, _ = with_rotations(imgs, targets, 10)
    np.testing.assert_array_equal(again, x3)


@pytest.mark.parametrize("call, exc, text", [
    (lambda: rotate(np.full(784, 0.5), 10), ValueError, "reshape a flat row with .reshape(28, 28)"),
    (lambda: rotate(np.zeros((0, 28)), 10), ValueError, "is empty"),
    (lambda: rotate(np.full((2, 2, 2), 0.5), 10), ValueError, "must be 2-D"),
    (lambda: rotate(np.array([[np.nan, 1.0], [1.0, 1.0]]), 10), ValueError, "1 NaN/Inf pixel"),
    (lambda: rotate(np.ones((3, 3)), float("nan")), ValueError, "'angle' must be finite"),
    (lambda: rotate(np.ones((3, 3)), "ten"), TypeError, "number of degrees"),
    (lambda: rotate(np.array([["a"]]), 10), TypeError, "must hold numbers"),
    (lambda: with_rotations(np.ones((2, 780)), np.ones((2, 10)), 10), ValueError, "784 columns"),
    (lambda: with_rotations(np.ones((2, 784)), np.ones((3, 10)), 10), ValueError, "one row per input"),
    (lambda: with_rotations(np.full((1, 784), np.nan), np.ones((1, 10)), 10), ValueError, "NaN"),
])
def test_bad_input(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
