"""Bad data for pynet.datasets (the table's "datasets" row): IDX files that lie about their size
or expand (a 1 MB gzip declaring 2.1 GB), pairs that are not MNIST (5x5 images, label 200), one
image passed where a batch is expected, a huge PNG, preprocessing arguments out of range.
"""
from __future__ import annotations

import atexit
import gzip
import os
import shutil
import struct
import tempfile

import numpy as np

from pynet.datasets import mnist, own_digits
from pynet.datasets.idx import IDXError, read_idx, write_idx

from .harness import case


def _tmp():
    d = tempfile.mkdtemp(prefix="pynet-robust-")
    atexit.register(shutil.rmtree, d, True)
    return d


def _mnist_folder(images, labels):
    d = _tmp()
    for part, n in (("train", 0), ("t10k", 0)):
        write_idx(os.path.join(d, f"{part}-images-idx3-ubyte.gz"), images)
        write_idx(os.path.join(d, f"{part}-labels-idx1-ubyte.gz"), labels)
    return d


# --- IDX -----------------------------------------------------------------------------------------
@case("datasets", raises=IDXError, mentions=("bomb.gz", "max_bytes"), isolated=True)
def idx_gzip_bomb_2gb():
    # 1 MB of gzip that declares (and holds) 2.1 GB of zeros: refused from the header
    p = os.path.join(_tmp(), "bomb.gz")
    dims = (2100, 1000, 1000)
    with gzip.open(p, "wb", compresslevel=1) as gz:
        gz.write(struct.pack(">HBB", 0, 0x08, 3) + struct.pack(">III", *dims))
        gz.write(bytes(1 << 20))                        # the rest is never reached
    return lambda: read_idx(p)


@case("datasets", raises=IDXError, mentions=("lie.idx", "truncated"))
def idx_declares_more_than_it_holds():
    p = os.path.join(_tmp(), "lie.idx")
    open(p, "wb").write(struct.pack(">HBB", 0, 0x08, 1) + struct.pack(">I", 1000) + bytes(10))
    return lambda: read_idx(p)


@case("datasets", raises=IDXError, mentions=("/dev/zero",), isolated=True)
def idx_dev_zero():
    return lambda: read_idx("/dev/zero")


@case("datasets", raises=IDXError, mentions=("m.idx", "magic"))
def idx_bad_magic():
    p = os.path.join(_tmp(), "m.idx")
    open(p, "wb").write(b"PK\x03\x04" + bytes(20))
    return lambda: read_idx(p)


@case("datasets", raises=IDXError, mentions=("d.idx", "dimension"))
def idx_wrong_ndim():
    p = os.path.join(_tmp(), "d.idx")
    write_idx(p, np.zeros((2, 3), np.uint8))
    return lambda: read_idx(p, expect_ndim=3)


@case("datasets", raises=FileNotFoundError, mentions=("nothing.idx",))
def idx_missing():
    return lambda: read_idx(os.path.join(_tmp(), "nothing.idx"))


# --- MNIST pairs and encodings ---------------------------------------------------------------------
@case("datasets", raises=ValueError, mentions=("images-idx3", "5x5", "28x28"))
def mnist_5x5_images():
    d = _mnist_folder(np.zeros((3, 5, 5), np.uint8), np.zeros(3, np.uint8))
    return lambda: mnist.load(d)


@case("datasets", raises=ValueError, mentions=("labels-idx1", "200"))
def mnist_label_200():
    d = _mnist_folder(np.zeros((3, 28, 28), np.uint8), np.array([1, 200, 3], np.uint8))
    return lambda: mnist.load(d)


@case("datasets", raises=ValueError, mentions=("images", "2"))
def mnist_count_mismatch():
    d = _mnist_folder(np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8))
    return lambda: mnist.load(d)


@case("datasets", raises=ValueError, mentions=("rashid_inputs", "(28, 28)", "images[None]"))
def rashid_inputs_of_one_image():
    return lambda: mnist.rashid_inputs(np.zeros((28, 28), np.uint8))


@case("datasets", raises=ValueError, mentions=("nielsen_inputs", "(5, 100)"))
def nielsen_inputs_wrong_width():
    return lambda: mnist.nielsen_inputs(np.zeros((5, 100), np.uint8))


@case("datasets", raises=ValueError, mentions=("already scaled",))
def rashid_inputs_scaled_twice():
    return lambda: mnist.rashid_inputs(np.full((2, 784), 0.5))


@case("datasets", raises=ValueError, mentions=("0..255",))
def keras_images_negative_pixels():
    return lambda: mnist.keras_images(np.full((1, 28, 28), -3.0))


@case("datasets", raises=ValueError, mentions=("labels", "0..9"))
def rashid_targets_label_10():
    return lambda: mnist.rashid_targets(np.array([3, 10]))


@case("datasets", raises=TypeError, mentions=("labels", "float"))
def to_categorical_fractional_labels():
    return lambda: mnist.to_categorical(np.array([0.5, 1.0]), 10)


# --- own digits ----------------------------------------------------------------------------------
def _png(array, mode=None):
    from PIL import Image

    p = os.path.join(_tmp(), "digit.png")
    Image.fromarray(array, mode=mode).save(p) if mode else Image.fromarray(array).save(p)
    return p


@case("datasets", raises=ValueError, mentions=("big.png", "max_pixels"), isolated=True)
def png_11000_square():
    from PIL import Image

    p = os.path.join(_tmp(), "big.png")
    Image.new("L", (11000, 11000), 255).save(p, optimize=False)   # ~120 KB on disk, 121 MP
    return lambda: own_digits.load_image(p)


@case("datasets", raises=(), name="png_16bit_dark_ink_is_read")
def png_16bit():
    def call():
        a = np.full((28, 28), 60000, np.uint16)
        a[8:20, 12:16] = 3000                             # dark ink on light paper, 16 bits
        grey = own_digits.load_image(_png(a))
        out = own_digits.preprocess(grey)
        return bool(grey.max() <= 255 and out.max() == 1.0 and out[14, 14] > 0.5)
    return call


@case("datasets", raises=ValueError, mentions=("crop_level",))
def preprocess_crop_level_1_5():
    img = np.zeros((28, 28))
    img[10:18, 12:16] = 255
    return lambda: own_digits.preprocess(img, crop_level=1.5)


@case("datasets", raises=ValueError, mentions=("'box'",))
def preprocess_box_0():
    img = np.zeros((28, 28))
    img[10:18, 12:16] = 255
    return lambda: own_digits.preprocess(img, box=0)


@case("datasets", raises=ValueError, mentions=("'box'",))
def preprocess_box_negative():
    img = np.zeros((28, 28))
    img[10:18, 12:16] = 255
    return lambda: own_digits.preprocess(img, box=-5)


@case("datasets", raises=ValueError, mentions=("'box'",))
def preprocess_box_larger_than_size():
    img = np.zeros((28, 28))
    img[10:18, 12:16] = 255
    return lambda: own_digits.preprocess(img, box=40)


@case("datasets", raises=TypeError, mentions=("'size'",))
def preprocess_size_float():
    img = np.zeros((28, 28))
    img[10:18, 12:16] = 255
    return lambda: own_digits.preprocess(img, size=28.5)


@case("datasets", raises=ValueError, mentions=("'image'", "NaN"))
def preprocess_nan_pixels():
    img = np.zeros((28, 28))
    img[3, 3] = np.nan
    return lambda: own_digits.preprocess(img)


@case("datasets", raises=ValueError, mentions=("flat",))
def preprocess_blank_image():
    return lambda: own_digits.preprocess(np.full((28, 28), 255.0))


@case("datasets", raises=ValueError, mentions=("not.png", "not a readable image"))
def load_image_not_an_image():
    p = os.path.join(_tmp(), "not.png")
    open(p, "wb").write(b"\x89PNG\r\n\x1a\n garbage")
    return lambda: own_digits.load_image(p)
