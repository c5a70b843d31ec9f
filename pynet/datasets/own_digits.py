"""Your own handwriting for Rashid's network, and the book's damaged digits made to order.

A network trained on MNIST has only ever seen digits prepared one way: white ink on black, the
digit scaled to fit a 20×20 box (keeping its aspect ratio), then placed in a 28×28 field so that
its centre of mass is in the middle. A photo or a drawing prepared differently — dark ink on
white paper, a small digit in a corner, a grey background — is a different kind of input, and the
network fails on it. :func:`preprocess` applies MNIST's own preparation:

1. greyscale (colour is averaged with the usual luminance weights; transparency becomes white);
2. invert when the background is light (MNIST's ink is the *high* value); the background is the
   median of the border pixels;
3. subtract the background level and stretch the ink to 0..1 (a grey paper becomes black);
4. crop to the ink (pixels above ``crop_level`` of the darkest ink);
5. fit into 20×20 keeping the aspect ratio (area-averaging when shrinking);
6. place in 28×28 with the centre of mass in the middle;
7. scale to 0.01..1.0, the book's input range (``x * 0.99 + 0.01``).

:func:`load_digit` reads a PNG/JPEG of any size (needs Pillow) and runs the pipeline; the label
comes from ``label=`` or from the file name (:func:`label_from_filename`: a single digit just
before the extension, or ``label3`` / ``digit_3`` anywhere — not a fixed character position, which
was the bug of the book's notebook). :func:`show_preprocessed` draws the before/after pair with
the numbers to compare against MNIST.

:func:`damage` and :func:`book_damaged_set` make the book's experiment reproducible without any
image files: a digit written with a thick marker, in chalk, with a broken (dashed) stroke, a
blurred print-font digit, a digit rippled as if reflected in water, and the rippled digit with
added noise — all seeded.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage
from pynet import _validate as validate

__all__ = ["preprocess", "load_image", "load_digit", "label_from_filename", "OwnDigit",
           "show_preprocessed", "damage", "DAMAGE_KINDS", "print_digit", "book_damaged_set",
           "PILLOW_HINT"]

PILLOW_HINT = "reading image files needs Pillow: pip install Pillow"

#: The damage kinds of the book's experiment, in its order.
DAMAGE_KINDS = ("marker", "chalk", "broken", "print", "ripple", "noisy")

# -- reading ----------------------------------------------------------------------------------

def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(PILLOW_HINT) from None
    return Image


#: The most pixels :func:`load_image` decodes (16.7 million, 4096 x 4096); the size in the file's
#: header is checked before any pixel is decoded. Pillow's own bomb check only warns below 179 MP.
MAX_PIXELS = 4096 * 4096


def load_image(path, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read an image file as a greyscale float64 array ``(H, W)`` with values 0..255.

    Transparent pixels are composited on white (a drawing exported with a transparent background
    is dark ink on nothing, which means white paper). 16-bit and 32-bit greyscale files are
    scaled to 0..255 (not clipped). An image of more than ``max_pixels`` pixels is refused from
    its header, before it is decoded. Needs Pillow.
    """
    Image = _pillow()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"load_image(): no such file: {os.fspath(path)!r}")
    if not path.is_file():
        raise ValueError(f"load_image(): {os.fspath(path)!r} is not a regular file")
    try:
        with Image.open(path) as im:
            w, h = im.size
            if w * h > max_pixels:
                raise ValueError(f"load_image(): {os.fspath(path)!r} is {w}x{h} = {w * h} pixels, "
                                 f"more than max_pixels={max_pixels}")
            im.load()
            if im.mode.startswith("I;16") or im.mode in ("I", "F"):
                # wide greyscale: convert("L") would clip everything above 255 to white
                wide = np.asarray(im.convert("F") if im.mode == "F" else im.convert("I"),
                                  dtype=np.float64)
                top = 65535.0 if (im.mode.startswith("I;16") or wide.max() > 255) else 255.0
                return np.clip(wide, 0.0, top) * (255.0 / top)
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                rgba = im.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                im = Image.alpha_composite(white, rgba)
            grey = np.asarray(im.convert("L"), dtype=np.float64)
    except (OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"load_image(): {os.fspath(path)!r} is not a readable image "
                         f"({exc})") from None
    return grey


def _greyscale(where, image) -> np.ndarray:
    a = np.asarray(image)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{where}: argument 'image' must hold numbers, got dtype {a.dtype}")
    a = a.astype(np.float64)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        rgb = a[..., :3]
        grey = rgb @ np.array([0.299, 0.587, 0.114])
        if a.shape[2] == 4:                                # transparency on white paper
            top = 255.0 if a.max() > 1.0 else 1.0
            alpha = a[..., 3] / top
            grey = grey * alpha + top * (1 - alpha)
        a = grey
    elif a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim != 2:
        raise ValueError(f"{where}: argument 'image' must be 2-D (greyscale) or (H, W, 3|4) "
                         f"colour, got shape {a.shape}")
    if a.size == 0 or 0 in a.shape:
        raise ValueError(f"{where}: argument 'image' is empty (shape {a.shape})")
    bad = ~np.isfinite(a)
    if bad.any():
        raise ValueError(f"{where}: argument 'image' contains {int(bad.sum())} NaN/Inf pixel(s)")
    return a


# -- MNIST's preprocessing ----------------------------------------------------------------------

def _border(a):
    return np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]]) if min(a.shape) > 1 else a.ravel()


def _resize(a, shape):
    """Resize a 2-D array to ``shape`` (area-averaging blur first when shrinking)."""
    factors = (a.shape[0] / shape[0], a.shape[1] / shape[1])
    sigma = [max(0.0, (f - 1) / 2) for f in factors]
    if any(s > 0 for s in sigma):
        a = ndimage.gaussian_filter(a, sigma, mode="constant")
    zoom = (shape[0] / a.shape[0], shape[1] / a.shape[1])
    out = ndimage.zoom(a, zoom, order=1, mode="nearest", grid_mode=True)
    if out.shape != tuple(shape):                          # zoom rounds sizes; trim or pad
        fixed = np.zeros(shape)
        h, w = min(shape[0], out.shape[0]), min(shape[1], out.shape[1])
        fixed[:h, :w] = out[:h, :w]
        out = fixed
    return np.clip(out, 0.0, None)


def preprocess(image, *, invert="auto", crop_level: float = 0.2, box: int = 20,
               size: int = 28) -> np.ndarray:
    """Prepare any digit image as MNIST prepared its digits; returns ``(28, 28)`` in 0.01..1.0.

    Parameters
    ----------
    image : array_like
        2-D greyscale, or ``(H, W, 3)`` / ``(H, W, 4)`` colour; any value range (0..255 or 0..1).
    invert : {"auto", True, False}
        ``"auto"`` inverts when the border (the background) is lighter than the middle of the
        value range.
    crop_level : float
        Pixels above this fraction of the strongest ink count when cropping (specks below it are
        ignored when finding the digit's box, but kept in the picture).
    box, size : int
        The digit is fitted into ``box × box`` and centred by mass in ``size × size``.

    Returns
    -------
    ndarray, shape (size, size), float64
        Ink high, background 0.01, strongest ink 1.0. Flatten it for ``ThreeLayerNetwork.query``.
    """
    where = "preprocess()"
    for name, value in (("size", size), ("box", box)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{where}: argument {name!r} must be an integer, got {value!r}")
    if not 1 <= size <= 4096:
        raise ValueError(f"{where}: argument 'size' must lie in 1..4096, got {size}")
    if not 1 <= box <= size:
        raise ValueError(f"{where}: argument 'box' must lie in 1..size ({size}), got {box}")
    if isinstance(crop_level, bool) or not isinstance(crop_level, (int, float, np.floating)) \
            or not 0.0 <= float(crop_level) < 1.0:
        raise ValueError(f"{where}: argument 'crop_level' must be a fraction in [0, 1) of the "
                         f"strongest ink, got {crop_level!r}")
    a = _greyscale(where, image)
    if invert not in ("auto", True, False):
        raise ValueError(f"{where}: argument 'invert' must be 'auto', True or False, "
                         f"got {invert!r}")
    low, high = float(a.min()), float(a.max())
    if high - low <= 1e-12 * max(1.0, abs(high)):
        raise ValueError(f"{where}: the image is one flat value ({low:g}): there is no ink to find")
    a = (a - low) / (high - low)                                # 0..1
    background = float(np.median(_border(a)))
    if invert is True or (invert == "auto" and background > 0.5):
        a = 1.0 - a
        background = 1.0 - background
    # 3. background to black, ink stretched to 1
    a = np.clip(a - background, 0.0, None)
    top = float(a.max())
    if top <= 0.05:
        raise ValueError(f"{where}: no ink stands out from the background (strongest ink "
                         f"{top:.3f} above it) — is the picture blank or very low contrast?")
    a /= top
    # 4. crop to the ink
    rows = np.nonzero((a > crop_level).any(axis=1))[0]
    cols = np.nonzero((a > crop_level).any(axis=0))[0]
    a = a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    # 5. fit into box x box, keeping the aspect ratio
    scale = box / max(a.shape)
    shape = (max(1, int(round(a.shape[0] * scale))), max(1, int(round(a.shape[1] * scale))))
    a = _resize(a, shape)
    if a.max() > 0:
        a /= a.max()
    # 6. centre of mass to the middle of size x size
    canvas = np.zeros((size, size))
    cy, cx = ndimage.center_of_mass(a)
    # MNIST's centres of mass sit at (14, 14) in 0-based pixel indices (mean over its test
    # set: 13.99, 14.00), i.e. at size / 2, not at the geometric middle 13.5
    top_y = int(round(size / 2 - cy))
    top_x = int(round(size / 2 - cx))
    top_y = min(max(top_y, 0), size - a.shape[0])
    top_x = min(max(top_x, 0), size - a.shape[1])
    canvas[top_y:top_y + a.shape[0], top_x:top_x + a.shape[1]] = a
    # 7. the book's input range
    return canvas * 0.99 + 0.01


# -- labels from file names ---------------------------------------------------------------------

_NAMED = re.compile(r"(?:label|digit)[ _-]?([0-9])(?![0-9])", re.IGNORECASE)
_BEFORE_EXT = re.compile(r"(?:^|[^0-9])([0-9])\.[A-Za-z0-9]+$")


def label_from_filename(path) -> int:
    """The digit a file name says its image shows.

    Accepted: ``label3``, ``label_3``, ``digit-3`` anywhere in the name, or a single digit just
    before the extension (``my_own_3.png``, ``3.png``). Anything else raises a ValueError that
    says so — a name like ``2828_my_own_image.png`` has no label, and the book's notebook, which
    read a fixed character position, turned such names into wrong labels or crashes.
    """
    name = Path(path).name
    found = _NAMED.search(name) or _BEFORE_EXT.search(name)
    if not found:
        raise ValueError(
            f"cannot tell the label of {name!r} from its name: expected a single digit just "
            "before the extension (e.g. 'my_own_3.png') or 'label3' / 'digit_3' in the name; "
            "pass label= explicitly"
        )
    return int(found.group(1))


@dataclass
class OwnDigit:
    """A prepared image: ``image`` (28, 28) in 0.01..1.0, ``label``, the ``original`` greyscale
    array and its ``path``; ``inputs`` is the flat row for ``query``."""

    image: np.ndarray
    label: int | None
    original: np.ndarray
    path: str | None = None

    @property
    def inputs(self) -> np.ndarray:
        return self.image.reshape(-1)


def load_digit(path, label=None, *, require_label: bool = True, **options) -> OwnDigit:
    """Read an image file and prepare it as MNIST (see :func:`preprocess` for ``options``).

    ``label`` wins over the file name; with ``require_label=False`` a name without a label gives
    ``label=None`` instead of an error.
    """
    if label is not None:
        label = validate.integer("load_digit()", "label", label, low=0, high=9)
    else:
        try:
            label = label_from_filename(path)
        except ValueError:
            if require_label:
                raise
    original = load_image(path)
    return OwnDigit(preprocess(original, **options), label, original, os.fspath(path))


def show_preprocessed(original, processed=None, path=None, *, title=None):
    """Before and after, side by side, with the numbers that matter beside MNIST's.

    Returns ``(picture, stats_text)``: ``picture`` is the PNG path (matplotlib) or ASCII art.
    MNIST's own images after the book's scaling have mean ≈ 0.13, min 0.01 and max 1.0 — values
    far from these (a mean of 0.9, say) mean the polarity or scaling is wrong.
    """
    from pynet.inspect.images import render_grid

    before = _greyscale("show_preprocessed()", original)
    after = preprocess(before) if processed is None else np.asarray(processed, dtype=float)
    before_small = _resize(before, (28, 28)) if max(before.shape) > 56 else before
    stats = (f"before: {before.shape[0]}x{before.shape[1]}, min {before.min():.3g}, max "
             f"{before.max():.3g}, mean {before.mean():.3g}\n"
             f"after:  {after.shape[0]}x{after.shape[1]}, min {after.min():.3g}, max "
             f"{after.max():.3g}, mean {after.mean():.3g}   (MNIST, book scaling: min 0.01, "
             "max 1.0, mean about 0.13)")
    picture = render_grid([before_small, after], ["before", "after (as MNIST)"], path,
                          title=title, columns=2)
    return picture, stats


# -- the book's damaged digits ---------------------------------------------------------------------

#: A 5x7 dot-matrix print font (rows top to bottom, "#" = ink): the "print" digit needs no
#: font file.
FONT_5X7 = {
    0: [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
    1: ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
    2: [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
    3: ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
    4: ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
    5: ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
    6: ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
    7: ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
    8: [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
    9: [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
}


def print_digit(digit: int, *, blur: float = 1.0, pixel: int = 4) -> np.ndarray:
    """A print-font digit (from :data:`FONT_5X7`), each dot ``pixel`` px wide, blurred by a
    Gaussian of ``blur`` px, prepared as MNIST: ``(28, 28)`` in 0.01..1.0."""
    if digit not in FONT_5X7:
        raise ValueError(f"print_digit(): argument 'digit' must be 0..9, got {digit!r}")
    glyph = np.array([[c == "#" for c in row] for row in FONT_5X7[digit]], dtype=float)
    big = np.kron(glyph, np.ones((pixel, pixel)))
    big = np.pad(big, pixel)
    if blur > 0:
        big = ndimage.gaussian_filter(big, blur * pixel / 2)
    return preprocess(big, invert=False)


def _ink(image):
    """A 28x28 digit (any of the accepted forms) as ink 0..1."""
    a = _greyscale("damage()", image)
    if a.shape != (28, 28) and a.size == 784:
        a = a.reshape(28, 28)
    a = a - a.min()
    return a / a.max() if a.max() > 0 else a


def damage(image, kind: str, *, seed=0) -> np.ndarray:
    """Damage a clean digit the way the book's test digits were damaged; returns it prepared as
    MNIST, ``(28, 28)`` in 0.01..1.0.

    Parameters
    ----------
    image : array_like, (28, 28) or 784 values, ink high
        A clean digit, e.g. an MNIST test image.
    kind : {"marker", "chalk", "broken", "print", "ripple", "noisy"}
        ``marker``: a thick stroke; ``chalk``: a grainy, broken-up texture; ``broken``: the
        stroke interrupted by gaps like a dashed line; ``print``: blurred (use
        :func:`print_digit` for a real print font); ``ripple``: rows shifted by a sine wave, as a
        reflection in water; ``noisy``: the ripple plus strong random noise.
    seed : int or numpy.random.Generator
        Randomness for chalk, broken, ripple phase and noise.
    """
    if kind not in DAMAGE_KINDS:
        raise ValueError(f"damage(): argument 'kind' must be one of {DAMAGE_KINDS}, got {kind!r}")
    rng = np.random.default_rng(seed)
    ink = _ink(image)
    if kind == "marker":
        out = ndimage.grey_dilation(ink, size=(2, 2))
        out = np.clip(ndimage.gaussian_filter(out, 0.6) * 1.3, 0.0, 1.0)
    elif kind == "chalk":
        grain = rng.uniform(0, 1, ink.shape) > 0.45
        streaks = ndimage.uniform_filter(rng.uniform(0, 1, ink.shape), (1, 3)) > 0.35
        out = ink * np.where(grain & streaks, rng.uniform(0.6, 1.0, ink.shape), 0.15)
    elif kind == "broken":
        yy, xx = np.mgrid[0:28, 0:28]
        phase = int(rng.integers(0, 5))
        gaps = ((yy + xx + phase) // 3) % 3 == 0          # diagonal bands: a dashed stroke
        out = np.where(gaps, 0.0, ink)
    elif kind == "print":
        out = ndimage.gaussian_filter(ink, 1.2)
    else:                                                  # ripple and noisy
        yy, xx = np.mgrid[0:28, 0:28].astype(float)
        phase = rng.uniform(0, 2 * math.pi)
        shift = 1.0 * np.sin(2 * math.pi * yy / 9.0 + phase)
        out = ndimage.map_coordinates(ink, [yy, xx + shift], order=1, mode="constant")
        if kind == "noisy":
            out = np.clip(out + rng.normal(0.0, 0.3, out.shape), 0.0, 1.0)
    return preprocess(out, invert=False)


def book_damaged_set(*, seed=0, clean=None):
    """The book's six test digits, made from MNIST test images (or ``clean``, a dict label ->
    28×28 image): marker "5", chalk "4", broken "3", blurred print "2", rippled "6", and the
    rippled "6" with noise. Returns a list of ``(kind, label, image)``; the same ``seed`` gives
    the same images."""
    plan = [("marker", 5), ("chalk", 4), ("broken", 3), ("print", 2), ("ripple", 6), ("noisy", 6)]
    if clean is None:
        from pynet.datasets import mnist

        _, (x_test, y_test) = mnist.load()
        # the first test image of each label (fixed, so the set is the same everywhere)
        clean = {d: x_test[int(np.argmax(y_test == d))] for d in (2, 3, 4, 5, 6)}
    rng = np.random.default_rng(seed)
    out = []
    for kind, label in plan:
        if kind == "print":
            img = print_digit(label)
        else:
            if label not in clean:
                raise ValueError(f"book_damaged_set(): 'clean' has no image for label {label}")
            # ripple and noisy share one seed: the noisy 6 is the rippled 6 plus noise
            sub = seed if kind in ("ripple", "noisy") else rng
            img = damage(clean[label], kind, seed=sub)
        out.append((kind, label, img))
    return out
