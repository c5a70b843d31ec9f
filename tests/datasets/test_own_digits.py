"""Own handwriting: MNIST's preprocessing for any picture, labels from names, damaged digits."""
from __future__ import annotations

import builtins

import numpy as np
import pytest
from scipy import ndimage

from pynet.datasets import own_digits
from pynet.datasets.own_digits import (
    DAMAGE_KINDS, book_damaged_set, damage, label_from_filename, load_digit, load_image,
    preprocess, print_digit, show_preprocessed,
)


@pytest.fixture(scope="module")
def mnist_test():
    from pynet.datasets import mnist

    _, (x, y) = mnist.load()
    return x[:200], y[:200]


def rashid(img):
    return img.astype(float) / 255 * 0.99 + 0.01


def corr(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def check_mnist_like(img):
    assert img.shape == (28, 28)
    assert img.min() == pytest.approx(0.01) and img.max() == pytest.approx(1.0)
    ink = img > 0.2
    rows, cols = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    assert rows[-1] - rows[0] < 21 and cols[-1] - cols[0] < 21       # fits the 20x20 box
    cy, cx = ndimage.center_of_mass(img - 0.01)
    assert abs(cy - 14) <= 0.75 and abs(cx - 14) <= 0.75              # MNIST's centre of mass


def test_clean_mnist_digit_is_left_almost_unchanged(mnist_test):
    x, _ = mnist_test
    for img in x[:20]:
        out = preprocess(img)
        check_mnist_like(out)
        assert corr(out, rashid(img)) > 0.95


def test_dark_ink_on_white_paper_is_inverted(mnist_test):
    x, _ = mnist_test
    paper = 255 - x[0]                              # black ink on white, as drawn in Paint
    np.testing.assert_allclose(preprocess(paper), preprocess(x[0]), atol=1e-12)
    # refusing to invert a light picture leaves nothing above the (light) background
    with pytest.raises(ValueError, match="no ink stands out from the background"):
        preprocess(paper, invert=False)


def test_small_digit_in_a_corner_of_a_big_grey_photo(mnist_test):
    x, _ = mnist_test
    big = np.full((300, 240), 180.0)                 # grey paper
    digit = np.kron(255 - x[1].astype(float), np.ones((4, 4))) * (70 / 255) + 110  # dark ink
    big[10:122, 5:117] = digit
    out = preprocess(big)
    check_mnist_like(out)
    assert corr(out, preprocess(x[1])) > 0.9


def test_aspect_ratio_is_kept():
    bar = np.zeros((100, 10))
    bar[:, 3:7] = 1.0                               # a tall thin stroke, like a "1"
    out = preprocess(bar)
    ink = out > 0.3
    rows, cols = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    assert rows[-1] - rows[0] + 1 == 20
    assert cols[-1] - cols[0] + 1 <= 3


def test_colour_and_transparency(mnist_test):
    x, _ = mnist_test
    grey = 255.0 - x[2]
    rgb = np.stack([grey] * 3, axis=-1)
    np.testing.assert_allclose(preprocess(rgb), preprocess(grey), atol=1e-9)
    rgba = np.zeros((28, 28, 4))                    # black ink, transparent background
    rgba[..., 3] = x[2]
    np.testing.assert_allclose(preprocess(rgba), preprocess(x[2]), atol=1e-9)


@pytest.mark.parametrize("image, exc, text", [
    (np.zeros((0, 5)), ValueError, "is empty"),
    (np.zeros(784), ValueError, "must be 2-D"),
    (np.full((28, 28), 7.0), ValueError, "one flat value"),
    (np.where(np.eye(28) > 0, np.nan, 0.0), ValueError, "28 NaN/Inf pixel(s)"),
    (np.array([["a"]]), TypeError, "must hold numbers"),
])
def test_bad_images(image, exc, text):
    with pytest.raises(exc) as info:
        preprocess(image)
    assert text in str(info.value)
    with pytest.raises(ValueError, match="'invert'"):
        preprocess(np.eye(5), invert="maybe")


@pytest.mark.parametrize("name, label", [
    ("my_own_3.png", 3), ("3.png", 3), ("2828_my_own_6.png", 6), ("photo label7.jpg", 7),
    ("digit_4-scan.jpeg", 4), ("IMG_2024_label-9.PNG", 9), ("dir/x_5.png", 5),
])
def test_label_from_filename(name, label):
    assert label_from_filename(name) == label


@pytest.mark.parametrize("name", ["2828_my_own_image.png", "scan_12.png", "photo.jpg", "label.png"])
def test_label_from_filename_refuses_to_guess(name):
    # the book's notebook read name[-5:-4]: '2828_my_own_image.png' -> 'e', a crash
    with pytest.raises(ValueError, match="pass label= explicitly"):
        label_from_filename(name)


def test_load_digit_from_png(tmp_path, mnist_test, require):
    PIL = require("PIL.Image")
    x, y = mnist_test
    paper = np.kron(255 - x[3], np.ones((5, 5), dtype=np.uint8))        # 140x140, ink dark
    path = tmp_path / f"my_own_{int(y[3])}.png"
    PIL.fromarray(paper).convert("RGB").save(path)
    digit = load_digit(path)
    assert digit.label == int(y[3]) and digit.inputs.shape == (784,)
    assert digit.original.shape == (140, 140)
    check_mnist_like(digit.image)
    assert corr(digit.image, preprocess(x[3])) > 0.9
    assert load_digit(path, label=1).label == 1
    odd = tmp_path / "2828_my_own_image.png"
    PIL.fromarray(paper).save(odd)
    with pytest.raises(ValueError, match="pass label= explicitly"):
        load_digit(odd)
    assert load_digit(odd, require_label=False).label is None
    with pytest.raises(ValueError, match=r"'label' must be an integer in \[0, 9\], got 10"):
        load_digit(odd, label=10)
    bad = tmp_path / "broken_1.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="not a readable image"):
        load_digit(bad)
    with pytest.raises(FileNotFoundError):
        load_image(tmp_path / "missing_1.png")


def test_missing_pillow_gives_an_install_hint(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_pil(name, *args, **kw):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match="pip install Pillow"):
        load_image(tmp_path / "x_1.png")


def test_show_preprocessed_ascii_and_png(tmp_path, mnist_test, require):
    x, _ = mnist_test
    paper = np.kron(255.0 - x[4], np.ones((3, 3)))
    picture, stats = show_preprocessed(paper)
    assert isinstance(picture, str) and "after" in picture and "@" in picture
    assert "mean" in stats and "MNIST" in stats
    require("matplotlib")
    path = show_preprocessed(paper, path=tmp_path / "pair.png")[0]
    assert path.exists() and path.stat().st_size > 500


def test_print_digits_are_mnist_like():
    for d in range(10):
        check_mnist_like(print_digit(d))
    assert corr(print_digit(1), print_digit(7)) < 0.9
    with pytest.raises(ValueError, match="'digit' must be 0..9"):
        print_digit(12)


def test_damage_kinds_seeded_and_different(mnist_test):
    x, _ = mnist_test
    clean = preprocess(x[0])
    for kind in DAMAGE_KINDS:
        a = damage(x[0], kind, seed=3)
        check_mnist_like(a)
        np.testing.assert_array_equal(a, damage(x[0], kind, seed=3))
        assert not np.allclose(a, clean, atol=0.05), kind
    for kind in ("chalk", "ripple", "noisy"):
        assert not np.array_equal(damage(x[0], kind, seed=3), damage(x[0], kind, seed=4))
    marker = damage(x[0], "marker")
    assert (marker > 0.5).sum() > (clean > 0.5).sum()          # thicker stroke
    noisy, ripple = damage(x[0], "noisy", seed=1), damage(x[0], "ripple", seed=1)
    assert corr(noisy, ripple) > 0.3 and (noisy > 0.2).sum() > (ripple > 0.2).sum()
    with pytest.raises(ValueError, match="'kind' must be one of"):
        damage(x[0], "coffee")


def test_book_damaged_set_is_the_books_six():
    first, second = book_damaged_set(seed=7), book_damaged_set(seed=7)
    assert [(k, label) for k, label, _ in first] == [
        ("marker", 5), ("chalk", 4), ("broken", 3), ("print", 2), ("ripple", 6), ("noisy", 6)]
    for (_, _, a), (_, _, b) in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1][2], book_damaged_set(seed=8)[1][2])


def test_damaged_digits_are_still_digits_to_a_trained_net(mnist_test):
    """The book's experiment in miniature: a net trained on 3000 images reads most of them."""
    from pynet.backprop.three_layer_network import ThreeLayerNetwork
    from pynet.datasets import mnist

    (xtr, ytr), _ = mnist.load()
    net = ThreeLayerNetwork(784, 100, 10, 0.1, seed=0)
    for _ in range(2):
        net.train_epoch(mnist.rashid_inputs(xtr[:3000]), mnist.rashid_targets(ytr[:3000]))
    right = sum(int(np.argmax(net.query(img.ravel()))) == label
                for seed in range(3) for _, label, img in book_damaged_set(seed=seed))
    assert right >= 10            # of 18
