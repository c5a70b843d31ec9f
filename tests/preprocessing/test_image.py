"""pynet.preprocessing.image: reading pictures, one-matrix augmentation, flow, folder generators."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from pynet.preprocessing import image as image_module
from pynet.preprocessing.image import (ImageDataGenerator, array_to_img,
                                       img_to_array, load_img, transform_matrix)

from ..conftest import unavailable

GRID = np.arange(9.0).reshape(3, 3, 1)     # 0 1 2 / 3 4 5 / 6 7 8


def keras_legacy_image():
    """Keras 3's ``ImageDataGenerator`` module (torch backend), or skip (fail under CI)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        from keras.src.legacy.preprocessing import image as kimg
    except Exception as exc:       # ImportError, or a Keras without a usable backend
        unavailable(f"Keras 3 with a torch backend is not importable: {exc}")
    return kimg


# -- hand-worked transforms ------------------------------------------------------------
def test_flips_reverse_the_columns_or_rows():
    gen = ImageDataGenerator()
    flipped = gen.apply_transform(GRID, dict(flip_horizontal=True))[:, :, 0]
    assert flipped.tolist() == [[2, 1, 0], [5, 4, 3], [8, 7, 6]]
    flipped = gen.apply_transform(GRID, dict(flip_vertical=True))[:, :, 0]
    assert flipped.tolist() == [[6, 7, 8], [3, 4, 5], [0, 1, 2]]


def test_a_whole_pixel_shift_moves_the_content_and_fills_the_edge():
    # Keras's convention (see the module docstring): tx = +1 reads the pixel one column to the
    # right, so the content moves left; 'nearest' repeats the last column, 'constant' puts cval.
    shifted = ImageDataGenerator().apply_transform(GRID, dict(tx=1.0))[:, :, 0]
    assert shifted.tolist() == [[1, 2, 2], [4, 5, 5], [7, 8, 8]]
    shifted = ImageDataGenerator(fill_mode="constant", cval=-1).apply_transform(
        GRID, dict(ty=1.0))[:, :, 0]
    assert shifted.tolist() == [[3, 4, 5], [6, 7, 8], [-1, -1, -1]]
    wrapped = ImageDataGenerator(fill_mode="wrap").apply_transform(GRID, dict(tx=-1.0))[:, :, 0]
    assert wrapped[:, 1:].tolist() == [[0, 1], [3, 4], [6, 7]]


def test_ninety_degrees_on_a_square_image_is_rot90():
    turned = ImageDataGenerator().apply_transform(GRID, dict(theta=90.0))[:, :, 0]
    np.testing.assert_allclose(turned, np.rot90(GRID[:, :, 0]), atol=1e-12)
    assert turned[0].round().tolist() == [2, 5, 8]


def test_zoom_of_two_reads_twice_the_area_about_the_centre():
    x = np.arange(25.0).reshape(5, 5, 1)
    zoomed = ImageDataGenerator().apply_transform(x, dict(zx=2.0, zy=2.0))[:, :, 0]
    # output (r, c) reads input (2 + 2(r-2), 2 + 2(c-2)): the centre stays, corners clamp
    assert zoomed[2, 2] == 12 and zoomed[1, 1] == 0 and zoomed[1, 2] == 2 and zoomed[3, 3] == 24


def test_the_combined_matrix_is_the_product_of_the_effects():
    # one matrix: zoom then shear then shift then rotation, about the centre, swapped to (row, col)
    m = transform_matrix(5, 5, theta=30.0, tx=1.0, ty=-2.0, shear=10.0, zx=0.9, zy=1.2)
    centre = np.array([2.0, 2.0, 1.0])
    t, s = np.radians(30.0), np.radians(10.0)
    rot = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    shift = np.array([[1, 0, 1.0], [0, 1, -2.0], [0, 0, 1]])
    shear = np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
    zoom = np.diag([0.9, 1.2, 1.0])
    xy = rot @ shift @ shear @ zoom            # in Keras's (x, y) order
    swap = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    linear = swap @ xy @ swap
    np.testing.assert_allclose(m[:2, :2], linear[:2, :2])
    # the centre of a square image reads the centre moved by the rotated shift, in (row, col)
    moved = rot[:2, :2] @ [1.0, -2.0]
    np.testing.assert_allclose(m @ centre, centre + [moved[1], moved[0], 0], atol=1e-12)


def test_random_transform_is_one_affine_pass_with_the_drawn_parameters():
    rng = np.random.default_rng(3)
    x = rng.random((6, 8, 3))
    gen = ImageDataGenerator(rotation_range=40, width_shift_range=0.2, height_shift_range=0.2,
                             shear_range=20, zoom_range=0.2, horizontal_flip=True,
                             fill_mode="reflect")
    params = gen.get_random_transform(x.shape, seed=11)
    assert -40 <= params["theta"] <= 40 and abs(params["tx"]) <= 0.2 * 6
    assert abs(params["ty"]) <= 0.2 * 8 and 0.8 <= params["zx"] <= 1.2
    from scipy import ndimage
    m = transform_matrix(6, 8, **params)
    by_hand = np.stack([ndimage.affine_transform(x[:, :, c], m[:2, :2], offset=m[:2, 2], order=1,
                                                 mode="reflect") for c in range(3)], axis=-1)
    np.testing.assert_allclose(gen.random_transform(x, seed=11), by_hand, atol=1e-12)
    np.testing.assert_array_equal(gen.random_transform(x, seed=11),
                                  gen.random_transform(x, seed=11))


def test_no_ranges_means_the_image_is_unchanged():
    x = np.random.default_rng(0).random((4, 5, 2))
    np.testing.assert_array_equal(ImageDataGenerator().random_transform(x, seed=1), x)


@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect", "wrap"])
def test_matches_keras_apply_affine_transform(fill_mode):
    kimg = keras_legacy_image()
    rng = np.random.default_rng(5)
    x = rng.random((7, 9, 3))
    gen = ImageDataGenerator(fill_mode=fill_mode, cval=0.25)
    for params in (dict(theta=90.0), dict(tx=2.0), dict(ty=-1.5, zx=1.3),
                   dict(theta=23.0, tx=1.5, ty=-2.2, shear=12.0, zx=0.8, zy=1.3)):
        want = kimg.apply_affine_transform(x, row_axis=0, col_axis=1, channel_axis=2,
                                           fill_mode=fill_mode, cval=0.25, **params)
        np.testing.assert_allclose(gen.apply_transform(x, params), want, atol=1e-9)
    flips = dict(flip_horizontal=True, flip_vertical=True, theta=10.0)
    want = kimg.ImageDataGenerator(fill_mode=fill_mode, cval=0.25).apply_transform(x, flips)
    np.testing.assert_allclose(gen.apply_transform(x, flips), want, atol=1e-9)


# -- standardisation and flow -------------------------------------------------------------------
def test_fit_then_standardize_gives_zero_mean_unit_std_per_channel():
    x = np.random.default_rng(1).random((20, 4, 4, 3)) * [1, 10, 100] + [0, 5, -3]
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                             rescale=0.5, dtype="float64").fit(x)
    out = gen.standardize(x)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-9)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-5)
    with pytest.raises(RuntimeError, match="call fit"):
        ImageDataGenerator(featurewise_center=True).standardize(x[0])


def test_flow_batches_every_sample_once_per_epoch_and_keeps_labels_aligned():
    x = np.arange(10, dtype=float).reshape(10, 1, 1, 1) * np.ones((1, 2, 2, 1))
    y = np.arange(10)
    it = ImageDataGenerator(rescale=2.0).flow(x, y, batch_size=4, seed=7)
    assert len(it) == 3
    batches = [next(it) for _ in range(3)]
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    for bx, by in batches:
        np.testing.assert_array_equal(bx[:, 0, 0, 0], 2.0 * by)     # rescale applied, aligned
        assert bx.dtype == np.float32
    assert next(it)[0].shape == (4, 2, 2, 1)      # endless: a new epoch starts


def test_same_seed_same_batches_different_seed_different():
    x = np.random.default_rng(2).random((8, 6, 6, 1))
    gen = ImageDataGenerator(rotation_range=30, zoom_range=0.3, horizontal_flip=True)
    a = [next(gen.flow(x, batch_size=4, seed=3)) for _ in range(1)][0]
    b = next(gen.flow(x, batch_size=4, seed=3))
    c = next(gen.flow(x, batch_size=4, seed=4))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("kwargs, match", [
    (dict(rotation_range=-1), "rotation_range"),
    (dict(zoom_range=1.5), "zoom_range"),
    (dict(zoom_range=(1.2, 0.8)), "zoom_range"),
    (dict(fill_mode="mirror"), "fill_mode"),
    (dict(width_shift_range="0.2"), "width_shift_range"),
    (dict(shear_range=95), "shear_range"),
    (dict(rescale="1/255"), "rescale"),
    # issue 13's "augmentation ranges out of bounds", one per argument and kind of mistake
    (dict(rotation_range=361), "rotation_range"),
    (dict(rotation_range=float("nan")), "rotation_range"),
    (dict(width_shift_range=-0.1), "width_shift_range"),
    (dict(height_shift_range=float("inf")), "height_shift_range"),
    (dict(shear_range=-5), "shear_range"),
    (dict(zoom_range=(0.0, 1.2)), "zoom_range"),
    (dict(zoom_range=(0.8, 1.0, 1.2)), "zoom_range"),
    (dict(zoom_range=True), "zoom_range"),
    (dict(cval=float("nan")), "cval"),
    (dict(rescale=True), "rescale"),
])
def test_out_of_range_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImageDataGenerator(**kwargs)


def test_flow_refuses_bad_arrays():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="x must be a non-empty numeric batch"):
        gen.flow(np.zeros((5, 4, 4)))
    with pytest.raises(ValueError, match="one row per image"):
        gen.flow(np.zeros((5, 4, 4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        gen.flow(np.zeros((5, 4, 4, 1)), batch_size=0)


# -- files ------------------------------------------------------------
def write_image(path, height, width, mode="RGB", value=None, seed=0):
    rng = np.random.default_rng(seed)
    channels = {"L": None, "RGB": 3}[mode]
    shape = (height, width) if channels is None else (height, width, channels)
    pixels = rng.integers(0, 256, size=shape, dtype=np.uint8) if value is None else \
        np.full(shape, value, dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels, mode).save(path)
    return pixels


def test_png_round_trip_color_modes_and_resize(tmp_path):
    pixels = write_image(tmp_path / "a.png", 5, 7)
    x = img_to_array(load_img(tmp_path / "a.png"))
    assert x.shape == (5, 7, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x, pixels)
    gray = img_to_array(load_img(tmp_path / "a.png", color_mode="grayscale"))
    assert gray.shape == (5, 7, 1)
    small = load_img(tmp_path / "a.png", target_size=(2, 3), interpolation="bilinear")
    assert small.size == (3, 2)                       # PIL's (width, height)
    back = img_to_array(array_to_img(x, scale=False))
    np.testing.assert_array_equal(back, pixels)
    scaled = img_to_array(array_to_img(np.array([[[0.0], [0.5], [1.0]]])))
    assert scaled[0, :, 0].tolist() == [0, 128, 255]


def test_jpeg_reads_with_lossy_pixels(tmp_path):
    write_image(tmp_path / "a.jpg", 8, 8, value=200)
    x = img_to_array(load_img(tmp_path / "a.jpg"))
    assert x.shape == (8, 8, 3) and np.abs(x - 200).max() <= 2


def test_pixel_cap_is_checked_from_the_header_before_decoding(tmp_path, monkeypatch):
    write_image(tmp_path / "big.png", 40, 50)
    monkeypatch.setattr(image_module, "MAX_IMAGE_PIXELS", 1999)
    with pytest.raises(ValueError, match=r"big.png.*50×40 = 2,000 pixels.*MAX_IMAGE_PIXELS"):
        load_img(tmp_path / "big.png")
    with pytest.raises(ValueError, match="target_size"):
        load_img(tmp_path / "big.png", target_size=(100, 100))


def test_corrupt_and_non_image_files_name_the_file(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(ValueError, match="bad.png"):
        load_img(tmp_path / "bad.png")
    write_image(tmp_path / "cut.png", 30, 30)
    data = (tmp_path / "cut.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut.png"):
        load_img(tmp_path / "cut.png")
    with pytest.raises(ValueError, match="color_mode"):
        load_img(tmp_path / "cut.png", color_mode="cmyk")


def test_a_corrupt_jpeg_names_the_file(tmp_path):
    write_image(tmp_path / "photo.jpg", 32, 32)
    data = (tmp_path / "photo.jpg").read_bytes()
    (tmp_path / "photo.jpg").write_bytes(data[:200])             # header survives, scan data cut
    with pytest.raises(ValueError, match="photo.jpg"):
        load_img(tmp_path / "photo.jpg")
    (tmp_path / "fake.jpeg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 50)   # JPEG magic, no image
    with pytest.raises(ValueError, match="fake.jpeg"):
        load_img(tmp_path / "fake.jpeg")


def test_a_corrupt_file_in_a_folder_names_the_file_when_its_batch_is_read(tmp_path):
    """Listing is cheap (by file ending); the file is decoded with its batch, and the error names
    it, so a learner can delete that one file."""
    write_image(tmp_path / "a" / "ok.png", 6, 6)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"junk" * 8)
    it = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(6, 6), batch_size=2,
                                                  shuffle=False, verbose=False)
    with pytest.raises(ValueError, match="broken.png"):
        next(it)


def test_mixed_sizes_and_colour_modes_are_resized_and_converted(tmp_path):
    """Keras resizes every picture to target_size (aspect ratio not kept) and converts modes."""
    write_image(tmp_path / "c" / "wide.png", 3, 12, mode="L", value=40)
    write_image(tmp_path / "c" / "tall.png", 20, 5, mode="RGB", value=90)
    write_image(tmp_path / "c" / "square.jpg", 7, 7, mode="RGB", value=200)
    it = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(4, 6),
                                                  color_mode="grayscale", batch_size=3,
                                                  shuffle=False, verbose=False)
    bx, _ = next(it)
    assert bx.shape == (3, 4, 6, 1)
    # files in sorted order: square.jpg, tall.png, wide.png; constant pictures stay constant
    np.testing.assert_allclose(bx[:, :, :, 0].reshape(3, -1).mean(axis=1), [200, 90, 40], atol=2)


def make_tree(root):
    """root/cats: 3 images (mixed sizes, PNG and JPEG), root/dogs: 2, plus a stray text file."""
    write_image(root / "dogs" / "d2.png", 6, 6, value=200)
    write_image(root / "dogs" / "d1.jpg", 9, 5, value=200)
    write_image(root / "cats" / "c3.png", 4, 4, value=10)
    write_image(root / "cats" / "c1.png", 8, 8, value=10)
    write_image(root / "cats" / "sub" / "c2.png", 5, 5, value=10)
    (root / "cats" / "notes.txt").write_text("not an image")


def test_flow_from_directory_orders_classes_and_files_as_keras(tmp_path, capsys):
    make_tree(tmp_path)
    with pytest.warns(UserWarning, match="notes.txt"):
        it = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
            tmp_path, target_size=(4, 4), batch_size=2, shuffle=False)
    assert "Found 5 images belonging to 2 classes." in capsys.readouterr().out
    assert it.class_indices == {"cats": 0, "dogs": 1}
    assert it.samples == 5 and len(it) == 3
    assert it.filenames == [os.path.join("cats", "c1.png"), os.path.join("cats", "c3.png"),
                            os.path.join("cats", "sub", "c2.png"), os.path.join("dogs", "d1.jpg"),
                            os.path.join("dogs", "d2.png")]
    assert it.classes.tolist() == [0, 0, 0, 1, 1]
    bx, by = next(it)
    assert bx.shape == (2, 4, 4, 3) and by.tolist() == [[1, 0], [1, 0]]
    np.testing.assert_allclose(bx, 10 / 255, atol=1e-6)       # resized, rescaled
    next(it)
    bx, by = next(it)
    assert bx.shape == (1, 4, 4, 3) and by.tolist() == [[0, 1]]


@pytest.mark.parametrize("class_mode, want", [("binary", [0, 0, 0, 1, 1]),
                                              ("sparse", [0, 0, 0, 1, 1])])
def test_flow_from_directory_label_modes(tmp_path, class_mode, want):
    make_tree(tmp_path)
    with pytest.warns(UserWarning):
        it = ImageDataGenerator().flow_from_directory(
            tmp_path, target_size=(3, 3), color_mode="grayscale", class_mode=class_mode,
            batch_size=5, shuffle=False, verbose=False)
    bx, by = next(it)
    assert bx.shape == (5, 3, 3, 1) and by.tolist() == want and by.dtype == np.float32
    with pytest.warns(UserWarning):
        only_x = ImageDataGenerator().flow_from_directory(
            tmp_path, target_size=(3, 3), class_mode=None, batch_size=5, verbose=False)
    assert next(only_x).shape == (5, 3, 3, 3)


def test_flow_from_directory_refuses_bad_folders(tmp_path):
    gen = ImageDataGenerator()
    write_image(tmp_path / "flat" / "a.png", 4, 4)
    with pytest.raises(ValueError, match="no class sub-folders"):
        gen.flow_from_directory(tmp_path / "flat", verbose=False)
    with pytest.raises(ValueError, match="existing folder"):
        gen.flow_from_directory(tmp_path / "missing", verbose=False)
    for name in ("a", "b", "c"):
        write_image(tmp_path / "three" / name / "x.png", 4, 4)
    with pytest.raises(ValueError, match="binary.*exactly 2"):
        gen.flow_from_directory(tmp_path / "three", class_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="target_size"):
        gen.flow_from_directory(tmp_path / "three", target_size=(100_000, 100_000), verbose=False)
    with pytest.raises(ValueError, match="batch of"):
        gen.flow_from_directory(tmp_path / "three", target_size=(4000, 4000), batch_size=64,
                                verbose=False)
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(tmp_path / "three", class_mode="onehot", verbose=False)


def test_a_model_trains_from_a_folder_generator(tmp_path):
    from pynet.layers import Conv2D, Dense, Flatten
    from pynet.models import Sequential

    for i in range(6):
        write_image(tmp_path / "train" / "dark" / f"{i}.png", 8, 8, value=20 + i, seed=i)
        write_image(tmp_path / "train" / "light" / f"{i}.png", 8, 8, value=230 - i, seed=i)
    gen = ImageDataGenerator(rescale=1 / 255, rotation_range=10, horizontal_flip=True)
    train = gen.flow_from_directory(tmp_path / "train", target_size=(8, 8), batch_size=4,
                                    class_mode="binary", seed=0, verbose=False)
    valid = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        tmp_path / "train", target_size=(8, 8), batch_size=6, class_mode="binary", seed=1,
        verbose=False)
    model = Sequential([Conv2D(4, 3, activation="relu", input_shape=(8, 8, 3)), Flatten(),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(train, steps_per_epoch=len(train), epochs=1, validation_data=valid,
                        validation_steps=len(valid), verbose=0, seed=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["val_loss"][0])
