"""Image grids: ASCII art that shows the right pixels, PNGs when matplotlib is there, and clear
errors for images that are not images."""
from __future__ import annotations

import builtins

import numpy as np
import pytest

from pynet.inspect import images as im


def test_ascii_image_maps_low_to_blank_and_high_to_at():
    img = np.array([[0.0, 1.0], [0.5, 0.0]])
    text = im.ascii_image(img, double=False)
    assert text.split("\n") == [" @", "= "]           # 0.5 -> RAMP[4.5 rounded to 4] = '='
    assert im.ascii_image(img).split("\n")[0] == "  @@"   # doubled for aspect
    # a fixed scale: nothing reaches the top of the ramp
    assert "@" not in im.ascii_image(img, vmin=0, vmax=4)


def test_ascii_grid_puts_images_side_by_side_with_labels():
    a, b = np.eye(3), np.ones((3, 3)) * 0.5
    b[0, 0] = 1
    text = im.ascii_grid([a, b], ["one", "two"], columns=2)
    lines = text.split("\n")
    assert lines[0].startswith("one") and "two" in lines[0]
    assert lines[1].startswith("@") and len(lines) >= 4
    rows = im.ascii_grid([a, b, a], None, columns=2).split("\n\n")
    assert len([r for r in rows if r.strip()]) == 2     # two rows of the grid


def test_accepted_forms():
    x = np.arange(784, dtype=float)
    assert im.as_images(x)[0].shape == (28, 28)                 # flat vector
    assert im.as_images(x[:, None])[0].shape == (28, 28)        # the book's column
    assert len(im.as_images(np.zeros((4, 5, 6)))) == 4          # a stack
    assert len(im.as_images(np.zeros((3, 784, 1)))) == 3        # a stack of columns
    assert len(im.as_images(np.zeros((2, 5, 5, 1)))) == 2       # channels-last
    assert im.as_images(np.zeros((5, 7)))[0].shape == (5, 7)    # one 2-D image


@pytest.mark.parametrize("images, text", [
    ([], "the list is empty"),
    ([np.zeros(10)], "not a square image"),
    ([np.zeros((0, 3))], "empty"),
    (np.zeros((2, 2, 2, 2, 2)), "got shape"),
    ([np.zeros((2, 2, 2))], "must be 2-D"),          # 2 channels: neither grey nor RGB
])
def test_not_images(images, text):
    with pytest.raises(ValueError) as info:
        im.as_images(images)
    assert text in str(info.value)
    with pytest.raises(ValueError, match="2 images but 1 labels"):
        im.ascii_grid([np.eye(2), np.eye(2)], ["a"])


def test_render_grid_png_or_ascii(tmp_path, require):
    imgs = np.random.default_rng(0).uniform(size=(3, 8, 8))
    assert isinstance(im.render_grid(imgs, [1, 2, 3]), str)       # no path: text
    assert isinstance(im.render_grid(imgs, path=tmp_path / "a.png", ascii=True), str)
    require("matplotlib")
    path = im.render_grid(imgs, [1, 2, 3], tmp_path / "sub" / "grid.png", title="t")
    assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = im.grid_figure(imgs, columns=2)
    assert len([a for a in fig.axes if a.images]) == 3
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_render_grid_without_matplotlib_falls_back_to_ascii(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_mpl(name, *args, **kw):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_mpl)
    assert not im.have_matplotlib()
    out = im.render_grid([np.eye(4)], ["x"], tmp_path / "g.png")
    assert isinstance(out, str) and "@" in out
    assert not (tmp_path / "g.png").exists()


def test_weight_tiles():
    w = np.arange(3 * 16, dtype=float).reshape(3, 16)
    tiles = im.weight_tiles(w)
    assert tiles.shape == (3, 4, 4)
    np.testing.assert_array_equal(tiles[1].ravel(), w[1])
    assert im.weight_tiles(w, (2, 8), count=2).shape == (2, 2, 8)
    with pytest.raises(ValueError, match="not a square image"):
        im.weight_tiles(np.zeros((2, 15)))
    with pytest.raises(ValueError, match="does not hold 16"):
        im.weight_tiles(w, (3, 3))
    with pytest.raises(ValueError, match="non-empty 2-D"):
        im.weight_tiles(np.zeros(5))


def test_backquery_images_and_figure(tmp_path):
    from pynet.backprop.three_layer_network import ThreeLayerNetwork

    net = ThreeLayerNetwork(16, 5, 3, 0.1, seed=0)
    imgs = im.backquery_images(net)
    assert imgs.shape == (3, 4, 4)
    np.testing.assert_array_equal(imgs[2].ravel(), net.backquery_label(2)[:, 0])
    text = im.backquery_figure(net, ascii=True)
    assert "back-query 0" in text and "back-query 2" in text


def test_output_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path / "pics"))
    assert im.output_dir() == tmp_path / "pics" and (tmp_path / "pics").is_dir()


def test_rgb_pictures_in_a_list(tmp_path, require):
    # a red and a blue 4x6 picture: the PNG keeps their colours; ASCII shows their brightness
    red = np.zeros((4, 6, 3))
    red[..., 0] = 1.0
    blue = np.zeros((4, 6, 3))
    blue[..., 2] = 0.5
    assert [a.shape for a in im.as_images([red, blue])] == [(4, 6, 3), (4, 6, 3)]
    assert im.ascii_image(np.stack([np.eye(3)] * 3, axis=-1)) == im.ascii_image(np.eye(3))
    require("matplotlib")
    path = im.render_grid([red, blue], ["red", "blue"], tmp_path / "rgb.png")
    fig = im.grid_figure([red, blue])
    shown = [a.images[0].get_array() for a in fig.axes if a.images]
    np.testing.assert_array_equal(shown[0][0, 0], [1.0, 0.0, 0.0])
    import matplotlib.pyplot as plt
    plt.close(fig)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tiles_have_the_size_asked_for(tmp_path, require):
    """A tile ``tile_inches`` wide is about 100·tile_inches pixels in the PNG, whatever the
    number of images; each image axis keeps most of that."""
    plt = require("matplotlib.pyplot")
    imgs = np.random.default_rng(1).uniform(size=(20, 5, 5))
    path = im.render_grid(imgs, list(range(20)), tmp_path / "t.png", columns=10,
                          tile_inches=1.0, title="twenty")
    png = plt.imread(path)
    assert png.shape[1] == 10 * 100 and png.shape[0] >= 2 * 100
    fig = im.grid_figure(imgs, list(range(20)), columns=10, tile_inches=1.0)
    fig.canvas.draw()
    widths = [a.get_window_extent().width * 100 / fig.dpi for a in fig.axes if a.images]
    assert len(widths) == 20 and min(widths) >= 64
    plt.close(fig)
    with pytest.raises(ValueError, match="tile_inches must be > 0"):
        im.grid_figure(imgs, tile_inches=0)


def test_class_mean_images():
    x = np.array([np.full((2, 2), 1.0), np.full((2, 2), 3.0), np.full((2, 2), 10.0)])
    y = np.array([0, 0, 1])
    means = im.class_mean_images(x, y)
    np.testing.assert_array_equal(means, [np.full((2, 2), 2.0), np.full((2, 2), 10.0)])
    rows = x.reshape(3, 4)                                  # flat rows of a square length
    np.testing.assert_array_equal(im.class_mean_images(rows, y), means)
    with pytest.raises(ValueError, match="no image of class 2"):
        im.class_mean_images(x, y, classes=[0, 2])
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        im.class_mean_images(x, y[:2])


def test_backquery_figure_beside_the_class_means(tmp_path, require):
    """The book's colours (Greys: high = dark) and, under each back-query image, the mean
    image of that digit and its difference from the mean of all: three rows of as many tiles
    as labels."""
    from pynet.backprop.three_layer_network import ThreeLayerNetwork

    plt = require("matplotlib.pyplot")
    net = ThreeLayerNetwork(16, 5, 3, 0.1, seed=0)
    means = np.random.default_rng(0).uniform(size=(3, 4, 4))
    text = im.backquery_figure(net, ascii=True, means=means)
    assert "back-query 2" in text and "mean of 2s" in text and "2s minus all" in text
    path = im.backquery_figure(net, tmp_path / "bq.png", means=means)
    png = plt.imread(path)
    assert png.shape[1] == 3 * 130                          # three columns of 1.3-inch tiles
    assert png.shape[0] > 3 * 130                           # three rows
    with pytest.raises(ValueError, match="one image per label"):
        im.backquery_figure(net, tmp_path / "x.png", means=means[:2])
