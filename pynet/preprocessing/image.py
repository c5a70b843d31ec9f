"""Images from files, and more images from few: Keras 2's ``keras.preprocessing.image`` (§5.2).

With 2,000 training pictures a convnet memorises them; Chollet's answer is *data augmentation*:
show the network a slightly different version of every picture each time (rotated, shifted,
sheared, zoomed, flipped), so it never sees the same input twice.

Reading images (Pillow)
-----------------------
``load_img(path, color_mode, target_size, interpolation)`` -> a PIL image, resized if asked;
``img_to_array(img)`` -> ``float32 (height, width, channels)``; ``array_to_img(x)`` back.
The pixel count is read from the file's header and refused above :data:`MAX_IMAGE_PIXELS`
*before* any pixel is decoded, so a small file claiming a huge picture costs nothing.

Augmenting (``ImageDataGenerator``)
-----------------------------------
Every random effect is an affine map of pixel coordinates, so they compose into **one** 3×3
matrix per image, applied in one pass with :func:`scipy.ndimage.affine_transform` (bilinear,
``order=1``, Keras's default). With Keras's conventions, for an output pixel ``(row, col)`` the
matrix gives the input position it reads::

    T = rotation(θ) · shift(tx, ty) · shear(φ) · zoom(zx, zy)      (about the image centre)

* ``rotation_range`` — degrees; ``θ`` uniform in ``[-r, r]``;
* ``height_shift_range`` / ``width_shift_range`` — a fraction of the height/width when < 1
  (``tx = u·h``), else pixels; ``u`` uniform in ``[-r, r]``;
* ``shear_range`` — degrees (Keras 2.2+; earlier versions read radians);
* ``zoom_range`` — ``z`` means ``[1 − z, 1 + z]``, or a pair ``[lo, hi]``; ``zx`` and ``zy`` are
  drawn independently (a zoom value > 1 reads a larger area: the picture *shrinks*);
* ``horizontal_flip`` / ``vertical_flip`` — each with probability ½; folded into the same matrix
  (``col → w − 1 − col``), so it costs no extra pass;
* ``fill_mode`` — what the pixels outside the input read: ``'nearest'`` (default), ``'constant'``
  (``cval``), ``'reflect'``, ``'wrap'`` (scipy's modes of those names).

Keras's quirks, kept on purpose so pictures match Keras's
-------------------------------------------------------
Since Keras 2.4 (keras-preprocessing 1.1.1) and in Keras 3's ``ImageDataGenerator``, the matrix is
built in ``(x, y)`` order and then swapped into numpy's ``(row, col)`` order. Consequences, which
pynet reproduces exactly: a positive ``theta`` turns the picture counter-clockwise as displayed
(``theta=90`` on a square image is ``np.rot90(x)``); ``tx`` (drawn from ``height_shift_range`` and
scaled by the height) moves the picture *sideways* and ``ty`` (``width_shift_range``, scaled by
the width) moves it up/down (a positive value moves the content left / up); the rotation centre's
coordinates are swapped too on non-square images. The book's Keras 2.0 did not swap (shifts
along their named axes, rotation the other way). With equal ranges on both axes, as in all of
Chollet's examples, the two draw from the same distribution on square images.

``standardize(x)`` then applies ``rescale`` (a factor, e.g. ``1/255``) and, after ``fit(x)``,
``featurewise_center`` (subtract the per-channel mean) and ``featurewise_std_normalization``
(divide by the per-channel std + 1e-6). ``flow(x, y)`` and ``flow_from_directory(directory)``
return endless iterators of batches with a ``len()`` (batches per epoch), ready for
``model.fit(gen, steps_per_epoch=len(gen))``.
"""
from __future__ import annotations

import math
import numbers
import os
import warnings

import numpy as np
from scipy import ndimage
from pynet import _validate as validate

__all__ = ["load_img", "img_to_array", "array_to_img", "ImageDataGenerator", "NumpyArrayIterator",
           "DirectoryIterator", "MAX_IMAGE_PIXELS", "IMAGE_EXTENSIONS"]

#: Largest picture :func:`load_img` decodes (Pillow's own default bomb limit).
MAX_IMAGE_PIXELS = 89_478_485
#: Largest batch (in bytes of float32) a generator assembles.
MAX_BATCH_BYTES = 1 << 30
#: Most files :meth:`ImageDataGenerator.flow_from_directory` lists.
MAX_FILES = 2_000_000
#: File endings read as images (Keras's white list, lower case).
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
COLOR_MODES = {"grayscale": ("L", 1), "rgb": ("RGB", 3), "rgba": ("RGBA", 4)}
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
FILL_MODES = ("nearest", "constant", "reflect", "wrap")
CLASS_MODES = ("categorical", "binary", "sparse", None)
#: Added to the std before dividing (Keras's constant), so a constant channel does not give inf.
STD_EPSILON = 1e-6


# -- reading and writing images ------------------------------------------------------------------
def _pil():
    try:
        from PIL import Image
    except ImportError as exc:          # pragma: no cover - Pillow is a dependency
        raise ImportError("pynet.preprocessing.image needs Pillow: pip install pillow") from exc
    return Image


def _size_pair(name, value, where, allow_none=False, limit=None):
    if value is None and allow_none:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2 or any(
            isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1
            for v in value):
        raise ValueError(f"{where}: {name} must be a pair of positive ints (height, width), "
                         f"got {value!r}")
    h, w = int(value[0]), int(value[1])
    if limit is not None and h * w > limit:
        raise ValueError(f"{where}: {name}={value!r} is {h * w:,} pixels, more than the limit "
                         f"MAX_IMAGE_PIXELS = {limit:,}")
    return h, w


def _choice(name, value, options, where):
    if value not in options:
        raise ValueError(f"{where}: {name} must be one of {', '.join(map(repr, options))}, "
                         f"got {value!r}")
    return value


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest"):
    """Read one PNG/JPEG/... file as a PIL image, converted to ``color_mode`` and resized.

    Parameters
    ----------
    path : str or path-like
    color_mode : {'grayscale', 'rgb', 'rgba'}
    target_size : (height, width), optional
        Resize to this (aspect ratio not kept, as in Keras).
    interpolation : {'nearest', 'bilinear', 'bicubic', 'hamming', 'box', 'lanczos'}

    Raises ValueError naming the file when it is not an image Pillow can read, is corrupt, or
    claims more than :data:`MAX_IMAGE_PIXELS` pixels (checked from the header, before decoding).
    """
    where = "load_img()"
    _choice("color_mode", color_mode, tuple(COLOR_MODES), where)
    target_size = _size_pair("target_size", target_size, where, allow_none=True,
                             limit=MAX_IMAGE_PIXELS)
    _choice("interpolation", interpolation, INTERPOLATIONS, where)
    Image = _pil()
    path = os.fspath(path)
    try:
        img = Image.open(path)          # reads the header only
    except FileNotFoundError:
        raise
    except Exception as exc:            # UnidentifiedImageError, OSError, DecompressionBombError
        raise ValueError(f"{where}: cannot read {path!r} as an image: {exc}") from None
    with img:
        width, height = img.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ValueError(f"{where}: {path!r} claims {width}×{height} = {width * height:,} "
                             f"pixels, more than MAX_IMAGE_PIXELS = {MAX_IMAGE_PIXELS:,}; "
                             "refused before decoding")
        try:
            img.load()
            out = img.convert(COLOR_MODES[color_mode][0])
        except Exception as exc:
            raise ValueError(f"{where}: {path!r} is corrupt or truncated: {exc}") from None
    if target_size is not None and (out.height, out.width) != target_size:
        resample = getattr(Image, "Resampling", Image)
        out = out.resize((target_size[1], target_size[0]),
                         getattr(resample, interpolation.upper()))
    return out


def img_to_array(img, dtype="float32"):
    """A PIL image -> ``(height, width, channels)`` array (grayscale gets a channel axis of 1)."""
    x = np.asarray(img, dtype=dtype)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise ValueError(f"img_to_array(): expected an image of 2 or 3 axes, got shape {x.shape}")
    return x


def array_to_img(x, scale=True):
    """A ``(height, width, 1|3|4)`` array -> a PIL image (``'L'``, ``'RGB'``, ``'RGBA'``).

    With ``scale=True`` (Keras's default) the values are stretched to 0..255 first
    (``(x − min) / (max − min) · 255``); otherwise they must already be in 0..255.
    """
    Image = _pil()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] not in (1, 3, 4):
        raise ValueError(f"array_to_img(): x must have shape (height, width, 1|3|4), got "
                         f"{x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("array_to_img(): x contains NaN or infinity")
    if scale:
        x = x - x.min()
        top = x.max()
        if top > 0:
            x = x / top
        x = x * 255.0
    x = np.clip(np.rint(x), 0, 255).astype(np.uint8)
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[x.shape[2]]
    return Image.fromarray(x[:, :, 0] if mode == "L" else x, mode)


# -- the augmentation generator ------------------------------------------------------------------
def _range(name, value, where, *, fraction_or_pixels=False, maximum=None):
    return validate.real(where, name, value, low=0, high=maximum)


def _zoom_range(value, where):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{where}: zoom_range must be a number or a pair [lower, upper], "
                             f"got {value!r}")
        lo, hi = (_range("zoom_range", v, where) for v in value)
    else:
        z = _range("zoom_range", value, where, maximum=1 - 1e-9 if value else None)
        lo, hi = 1 - z, 1 + z
    if lo <= 0 or lo > hi:
        raise ValueError(f"{where}: zoom_range must give 0 < lower <= upper, got {value!r} "
                         f"(-> [{lo}, {hi}])")
    return lo, hi


def _rng(seed, where):
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{where}: seed must be None, an int >= 0 or a numpy Generator, "
                         f"got {seed!r}")
    return np.random.default_rng(int(seed))


def _image(x, where, name="x"):
    x = np.asarray(x)
    if x.ndim != 3 or x.dtype.kind not in "fiu":
        raise ValueError(f"{where}: {name} must be one numeric image (height, width, channels), "
                         f"got {x.dtype} of shape {x.shape}")
    return x


class ImageDataGenerator:
    """Random affine augmentation plus rescaling/standardisation, Keras 2's class.

    Parameters (Keras's names and defaults; see the module docstring for their meaning)
    ----------
    featurewise_center, featurewise_std_normalization : bool
        Per-channel mean / std from :meth:`fit`.
    rotation_range : float, degrees in [0, 360]
    width_shift_range, height_shift_range : float >= 0 (fraction when < 1, else pixels)
    shear_range : float, degrees
    zoom_range : float in [0, 1) or [lower, upper]
    fill_mode : {'nearest', 'constant', 'reflect', 'wrap'}
    cval : float, the value outside the image for ``fill_mode='constant'``
    horizontal_flip, vertical_flip : bool
    rescale : float or None, multiplies every pixel (after the transform)
    dtype : the batches' dtype (float32)
    """

    def __init__(self, featurewise_center=False, featurewise_std_normalization=False,
                 rotation_range=0.0, width_shift_range=0.0, height_shift_range=0.0,
                 shear_range=0.0, zoom_range=0.0, fill_mode="nearest", cval=0.0,
                 horizontal_flip=False, vertical_flip=False, rescale=None, dtype="float32"):
        where = "ImageDataGenerator()"
        self.rotation_range = _range("rotation_range", rotation_range, where, maximum=360)
        self.width_shift_range = _range("width_shift_range", width_shift_range, where)
        self.height_shift_range = _range("height_shift_range", height_shift_range, where)
        self.shear_range = _range("shear_range", shear_range, where, maximum=89.9)
        self.zoom_range = _zoom_range(zoom_range, where)
        self.fill_mode = _choice("fill_mode", fill_mode, FILL_MODES, where)
        self.cval = validate.real(where, "cval", cval)
        validate.real(where, "rescale", rescale, allow_none=True, hint=" (e.g. 1/255)")
        self.rescale = None if rescale in (None, 0) else float(rescale)   # Keras: 0 means none
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        self.featurewise_center = bool(featurewise_center)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"{where}: dtype must be a float dtype, got {dtype!r}")
        self.mean = None
        self.std = None

    # -- statistics ------------------------------------------------------------------------------
    def fit(self, x):
        """Per-channel ``mean`` and ``std`` of ``x`` ``(N, H, W, C)`` (after ``rescale``), for the
        featurewise options. Returns self."""
        x = np.asarray(x)
        if x.ndim != 4 or x.dtype.kind not in "fiu" or x.shape[0] == 0:
            raise ValueError(f"ImageDataGenerator.fit(): x must be a non-empty numeric batch "
                             f"(N, height, width, channels), got {x.dtype} of shape {x.shape}")
        x = x.astype(np.float64)
        if self.rescale is not None:
            x = x * self.rescale
        self.mean = x.mean(axis=(0, 1, 2)).reshape(1, 1, -1)
        self.std = x.std(axis=(0, 1, 2)).reshape(1, 1, -1)
        return self

    def standardize(self, x):
        """``rescale``, then subtract the fitted mean and divide by the fitted std (if asked)."""
        x = np.asarray(x, dtype=self.dtype)
        if self.rescale is not None:
            x = x * self.dtype.type(self.rescale)
        if self.featurewise_center or self.featurewise_std_normalization:
            if self.mean is None:
                raise RuntimeError("ImageDataGenerator: featurewise_center / "
                                   "featurewise_std_normalization need statistics: call "
                                   "fit(x_train) first")
            if self.mean.shape[2] != x.shape[-1]:
                raise ValueError(f"ImageDataGenerator.standardize(): fit() saw "
                                 f"{self.mean.shape[2]} channels, x has {x.shape[-1]}")
        if self.featurewise_center:
            x = x - self.mean.astype(self.dtype)
        if self.featurewise_std_normalization:
            x = x / (self.std + STD_EPSILON).astype(self.dtype)
        return x

    # -- the random transform --------------------------------------------------------------------
    def get_random_transform(self, img_shape, seed=None):
        """Draw one image's parameters: ``theta`` (degrees), ``tx``/``ty`` (pixels along rows /
        columns), ``shear`` (degrees), ``zx``/``zy``, ``flip_horizontal``/``flip_vertical``."""
        rng = _rng(seed, "get_random_transform()")
        h, w = int(img_shape[0]), int(img_shape[1])

        def uniform(r):
            return float(rng.uniform(-r, r)) if r else 0.0

        theta = uniform(self.rotation_range)
        tx = uniform(self.height_shift_range)
        if 0 < self.height_shift_range < 1:
            tx *= h
        ty = uniform(self.width_shift_range)
        if 0 < self.width_shift_range < 1:
            ty *= w
        shear = uniform(self.shear_range)
        lo, hi = self.zoom_range
        zx, zy = (1.0, 1.0) if lo == hi == 1 else (float(v) for v in rng.uniform(lo, hi, 2))
        flip_h = bool(self.horizontal_flip and rng.random() < 0.5)
        flip_v = bool(self.vertical_flip and rng.random() < 0.5)
        return dict(theta=theta, tx=tx, ty=ty, shear=shear, zx=zx, zy=zy,
                    flip_horizontal=flip_h, flip_vertical=flip_v)

    def apply_transform(self, x, params):
        """Apply :meth:`get_random_transform`'s parameters to one image in one affine pass."""
        x = _image(x, "apply_transform()")
        matrix = transform_matrix(x.shape[0], x.shape[1], **params)
        return apply_affine(x, matrix, fill_mode=self.fill_mode, cval=self.cval)

    def random_transform(self, x, seed=None):
        """One randomly augmented copy of the image ``x`` ``(height, width, channels)``."""
        x = _image(x, "random_transform()")
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    # -- batch sources ---------------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, seed=None):
        """Endless batches ``(x_batch, y_batch)`` (or ``x_batch`` when ``y`` is None) of
        augmented, standardised copies of ``x`` ``(N, H, W, C)``."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, seed=seed)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, interpolation="nearest", verbose=True):
        """Endless batches read from ``directory/<class>/<image files>`` (see
        :class:`DirectoryIterator`)."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode,
                                 classes=classes, class_mode=class_mode, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, interpolation=interpolation,
                                 verbose=verbose)


def transform_matrix(h, w, theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0,
                     flip_horizontal=False, flip_vertical=False):
    """The 3×3 homogeneous map from an output pixel ``(row, col, 1)`` to the input position it
    reads: Keras's ``rotation · shift · shear · zoom`` about the centre, then the flips.

    Keras's ``apply_affine_transform`` followed by ``flip_axis``, as one matrix (tested equal)."""
    t, s = math.radians(theta), math.radians(shear)
    rotation = np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
    shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype=float)
    shearing = np.array([[1, -math.sin(s), 0], [0, math.cos(s), 0], [0, 0, 1]])
    zoom = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]], dtype=float)
    m = rotation @ shift @ shearing @ zoom
    # about the centre: move the centre to the origin, transform, move back (Keras's offsets)
    cx, cy = h / 2 - 0.5, w / 2 - 0.5
    to_centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]])
    back = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]])
    m = back @ m @ to_centre
    # Keras (2.4+ and 3) builds the matrix in (x, y) order and swaps it into numpy's (row, col)
    # order here, M' = P·M·P, keeping the offsets computed from (h, w) above; we do the same so
    # the pictures match Keras's pixel for pixel (see "Keras's quirks" in the module docstring).
    m[:, [0, 1]] = m[:, [1, 0]]
    m[[0, 1]] = m[[1, 0]]
    # a flip after the transform reads output pixel (r, w-1-c): compose on the right
    flip = np.eye(3)
    if flip_vertical:
        flip[0, 0], flip[0, 2] = -1.0, h - 1
    if flip_horizontal:
        flip[1, 1], flip[1, 2] = -1.0, w - 1
    return m @ flip


def _close(value, target, rtol=1e-5, atol=1e-8):
    """np.isclose for two Python floats: ``|value − target| <= atol + rtol·|target|``."""
    return abs(value - target) <= atol + rtol * abs(target)


def apply_affine(x, matrix, fill_mode="nearest", cval=0.0, order=1):
    """Resample the image ``x`` ``(H, W, C)`` through ``matrix`` (output -> input) in one call of
    :func:`scipy.ndimage.affine_transform`; the channel axis maps to itself."""
    # np.allclose's test, on the six numbers as Python floats: for a 28×28 picture two
    # np.allclose calls cost more than the resampling itself (bench/augmentation.py)
    (a, b, c), (d, e, f) = matrix[:2].tolist()
    if _close(a, 1) and _close(e, 1) and all(_close(v, 0) for v in (b, c, d, f)):
        return np.array(x, copy=True)
    full = np.eye(3)
    full[:2, :2] = matrix[:2, :2]
    offset = np.array([c, f, 0.0])
    if all(_close(v, round(v)) for v in (a, b, c, d, e, f)):
        order = 0          # a flip or whole-pixel shift: copy exactly, no interpolation
    xf = np.asarray(x, dtype=np.float64)
    out = ndimage.affine_transform(xf, full, offset=offset, order=order, mode=fill_mode,
                                   cval=cval, prefilter=False)
    return out.astype(x.dtype if np.asarray(x).dtype.kind == "f" else np.float64, copy=False)


# -- iterators ---------------------------------------------------------------------------------
class _BatchIterator:
    """Endless batches over ``n`` samples; ``len()`` is the number of batches per epoch
    (the last one may be smaller). Reshuffles at each epoch when ``shuffle``."""

    def __init__(self, n, batch_size, shuffle, seed, where):
        batch_size = validate.positive_int(where, "batch_size", batch_size)
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self._rng = _rng(seed, where)
        self._order = None
        self.batch_index = 0
        self.total_batches_seen = 0

    def __len__(self):
        return -(-self.n // self.batch_size)

    def __iter__(self):
        return self

    def reset(self):
        self.batch_index = 0

    def __next__(self):
        if self.batch_index == 0:
            self._order = self._rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        start = self.batch_index * self.batch_size
        index = self._order[start:start + self.batch_size]
        self.batch_index = (self.batch_index + 1) % len(self)
        self.total_batches_seen += 1
        return self._batch(index)

    def _augmented(self, images):
        gen = self.image_data_generator
        out = np.empty(images.shape, dtype=gen.dtype)
        for i, img in enumerate(images):
            params = gen.get_random_transform(img.shape, self._rng)
            out[i] = gen.standardize(gen.apply_transform(img.astype(gen.dtype), params))
        return out


class NumpyArrayIterator(_BatchIterator):
    """Batches of augmented copies of an in-memory array (what ``ImageDataGenerator.flow``
    returns)."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=True, seed=None):
        where = "ImageDataGenerator.flow()"
        x = np.asarray(x)
        if x.ndim != 4 or x.dtype.kind not in "fiu" or x.shape[0] == 0:
            raise ValueError(f"{where}: x must be a non-empty numeric batch (N, height, width, "
                             f"channels), got {x.dtype} of shape {x.shape}")
        if y is not None:
            y = np.asarray(y)
            if y.ndim == 0 or len(y) != len(x):
                raise ValueError(f"{where}: y must have one row per image ({len(x)}), got shape "
                                 f"{y.shape}")
        super().__init__(len(x), batch_size, shuffle, seed, where)
        if min(self.batch_size, self.n) * int(np.prod(x.shape[1:])) * 4 > MAX_BATCH_BYTES:
            raise ValueError(f"{where}: a batch of {self.batch_size} images of shape "
                             f"{x.shape[1:]} exceeds {MAX_BATCH_BYTES:,} bytes; lower batch_size")
        self.x, self.y = x, y
        self.image_data_generator = image_data_generator

    def _batch(self, index):
        bx = self._augmented(self.x[index])
        return bx if self.y is None else (bx, self.y[index])


class DirectoryIterator(_BatchIterator):
    """Batches read from a folder tree ``directory/<class name>/<images>`` (Keras's layout).

    The classes are the sub-folder names in sorted order (``class_indices`` maps name -> index),
    files are listed recursively in sorted order; files without an image ending are skipped with
    a warning naming them. Every image is resized to ``target_size``, augmented and
    standardised. Labels by ``class_mode``: ``'categorical'`` one-hot rows, ``'binary'`` and
    ``'sparse'`` the class index (float32, as Keras), ``None`` no labels (batches are images only).
    """

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, interpolation="nearest", verbose=True):
        where = "flow_from_directory()"
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise ValueError(f"{where}: directory must be an existing folder, got {directory!r}")
        self.target_size = _size_pair("target_size", target_size, where, limit=MAX_IMAGE_PIXELS)
        self.color_mode = _choice("color_mode", color_mode, tuple(COLOR_MODES), where)
        self.class_mode = _choice("class_mode", class_mode, CLASS_MODES, where)
        self.interpolation = _choice("interpolation", interpolation, INTERPOLATIONS, where)
        channels = COLOR_MODES[color_mode][1]
        self.image_shape = self.target_size + (channels,)
        if classes is None:
            classes = sorted(d for d in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, d)))
        else:
            if isinstance(classes, str) or not all(isinstance(c, str) for c in classes):
                raise ValueError(f"{where}: classes must be a list of sub-folder names, "
                                 f"got {classes!r}")
            classes = list(classes)
            missing = [c for c in classes if not os.path.isdir(os.path.join(directory, c))]
            if missing:
                raise ValueError(f"{where}: classes {missing} are not sub-folders of "
                                 f"{directory!r}")
        if not classes:
            raise ValueError(f"{where}: {directory!r} has no class sub-folders; images must sit "
                             "in directory/<class name>/ (one folder per class, even for one "
                             "class)")
        if class_mode == "binary" and len(classes) != 2:
            raise ValueError(f"{where}: class_mode='binary' needs exactly 2 class folders, "
                             f"found {len(classes)}: {classes}")
        self.directory = directory
        self.class_indices = {c: i for i, c in enumerate(classes)}
        self.num_classes = len(classes)
        filenames, labels = [], []
        for c in classes:
            root = os.path.join(directory, c)
            for folder, dirs, files in sorted(os.walk(root), key=lambda t: t[0]):
                dirs.sort()
                for f in sorted(files):
                    path = os.path.join(folder, f)
                    if f.rsplit(".", 1)[-1].lower() not in IMAGE_EXTENSIONS or "." not in f:
                        warnings.warn(f"{where}: skipping {path!r}: not an image file (endings "
                                      f"read: {', '.join(IMAGE_EXTENSIONS)})", stacklevel=3)
                        continue
                    filenames.append(os.path.relpath(path, directory))
                    labels.append(self.class_indices[c])
                    if len(filenames) > MAX_FILES:
                        raise ValueError(f"{where}: {directory!r} holds more than "
                                         f"MAX_FILES = {MAX_FILES:,} images")
        super().__init__(len(filenames), batch_size, shuffle, seed, where)
        if self.batch_size * int(np.prod(self.image_shape)) * 4 > MAX_BATCH_BYTES:
            raise ValueError(f"{where}: a batch of {self.batch_size} images of shape "
                             f"{self.image_shape} exceeds {MAX_BATCH_BYTES:,} bytes; lower "
                             "batch_size or target_size")
        self.filenames = filenames
        self.classes = np.asarray(labels, dtype=np.int64)
        self.samples = len(filenames)
        self.image_data_generator = image_data_generator
        if verbose:
            print(f"Found {self.samples} images belonging to {self.num_classes} classes.")

    def __next__(self):
        if self.n == 0:
            raise ValueError(f"flow_from_directory(): no images found under "
                             f"{self.directory!r}; nothing to yield")
        return super().__next__()

    def _batch(self, index):
        images = np.empty((len(index),) + self.image_shape, dtype=self.image_data_generator.dtype)
        for i, j in enumerate(index):
            img = load_img(os.path.join(self.directory, self.filenames[j]),
                           color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation)
            images[i] = img_to_array(img, dtype=images.dtype)
        bx = self._augmented(images)
        if self.class_mode is None:
            return bx
        labels = self.classes[index]
        if self.class_mode == "categorical":
            by = np.zeros((len(index), self.num_classes), dtype=bx.dtype)
            by[np.arange(len(index)), labels] = 1
        else:
            by = labels.astype(bx.dtype)
        return bx, by
