"""Layers that move values without learning: ZeroPadding2D, Cropping2D, UpSampling2D,
RepeatVector (the small pieces of Chollet ch. 7's graphs and of ch. 8's generators).

Each one's backward is the adjoint of its forward: padding's is cropping, cropping's is padding,
nearest upsampling's sums each block back onto its source pixel, bilinear upsampling's is the
transpose of its interpolation matrices, and RepeatVector's sums the copies.
Images are ``(batch, height, width, channels)`` (``channels_last``, the default) or
``(batch, channels, height, width)`` (``channels_first``).
"""
from __future__ import annotations

import numbers

import numpy as np

from pynet import _validate as validate
from pynet.layers.base import Layer, format_shape, register_layer
from pynet.layers.conv import check_batch, image_input_shape, normalize_data_format

__all__ = ["ZeroPadding2D", "Cropping2D", "UpSampling2D", "RepeatVector"]


def _nonneg_int(v, name, where):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 0:
        raise ValueError(f"{where}: {name} must be a non-negative int, an int pair or "
                         f"((top, bottom), (left, right)), got {v!r}")
    return int(v)


def normalize_margins(value, name: str, where: str) -> tuple:
    """Keras's three spellings -> ``((top, bottom), (left, right))``: ``1`` -> ((1, 1), (1, 1));
    ``(1, 2)`` -> ((1, 1), (2, 2)); ``((1, 0), (2, 3))`` as is."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        v = _nonneg_int(value, name, where)
        return (v, v), (v, v)
    if isinstance(value, (list, tuple)) and len(value) == 2:
        if all(isinstance(v, (list, tuple)) for v in value):
            if any(len(v) != 2 for v in value):
                raise ValueError(f"{where}: {name} must be an int, an int pair or "
                                 f"((top, bottom), (left, right)), got {value!r}")
            return tuple(tuple(_nonneg_int(a, name, where) for a in v) for v in value)
        h, w = (_nonneg_int(v, name, where) for v in value)
        return (h, h), (w, w)
    raise ValueError(f"{where}: {name} must be an int, an int pair or ((top, bottom), "
                     f"(left, right)), got {value!r}")


class _ImageLayer(Layer):
    """Shared by the 2-D layers: channels_first handled by transposing to NHWC and back."""

    def _to_nhwc(self, x):
        check_batch(self, x)
        x = np.asarray(x, dtype=self.dtype)
        return x.transpose(0, 2, 3, 1) if self.data_format == "channels_first" else x

    def _from_nhwc(self, y):
        y = y.transpose(0, 3, 1, 2) if self.data_format == "channels_first" else y
        return np.ascontiguousarray(y)

    def _grad_nhwc(self, grad):
        if self._batch is None:
            raise RuntimeError(f"{type(self).__name__} {self.name!r}: backward() called before "
                               "forward()")
        grad = np.asarray(grad, dtype=self.dtype)
        want = (self._batch,) + self.output_shape
        if grad.shape != want:
            raise ValueError(f"{type(self).__name__} {self.name!r}: gradient must have the "
                             f"output's shape {want}, got {grad.shape}")
        return grad.transpose(0, 2, 3, 1) if self.data_format == "channels_first" else grad

    def _image_shape(self, h, w, c):
        return (c, h, w) if self.data_format == "channels_first" else (h, w, c)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


@register_layer
class ZeroPadding2D(_ImageLayer):
    """Add rows and columns of zeros around each image.

    ``padding``: an int (all four sides), ``(rows, cols)`` (symmetric) or
    ``((top, bottom), (left, right))``. Output ``(H + top + bottom, W + left + right, C)``.
    """

    name_prefix = "zero_padding2d"

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        where = "ZeroPadding2D()"
        self.padding = normalize_margins(padding, "padding", where)
        self.data_format = normalize_data_format(data_format, where=where)
        super().__init__(**kwargs)
        self._batch = None

    def compute_output_shape(self, input_shape):
        h, w, c = image_input_shape(self, input_shape, self.data_format)
        (t, b), (l, r) = self.padding
        return self._image_shape(h + t + b, w + l + r, c)

    def forward(self, x, training=False):
        x = self._to_nhwc(x)
        self._batch = x.shape[0]
        (t, b), (l, r) = self.padding
        return self._from_nhwc(np.pad(x, ((0, 0), (t, b), (l, r), (0, 0))))

    def backward(self, grad):
        g = self._grad_nhwc(grad)
        (t, b), (l, r) = self.padding
        return self._from_nhwc(g[:, t:g.shape[1] - b, l:g.shape[2] - r, :])

    def get_config(self):
        config = super().get_config()
        config["padding"] = [list(p) for p in self.padding]
        return config


@register_layer
class Cropping2D(_ImageLayer):
    """Remove rows and columns at the image borders.

    ``cropping``: an int, ``(rows, cols)`` or ``((top, bottom), (left, right))`` (default: none).
    Cropping an image to nothing is refused when the layer is built.
    """

    name_prefix = "cropping2d"

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        where = "Cropping2D()"
        self.cropping = normalize_margins(cropping, "cropping", where)
        self.data_format = normalize_data_format(data_format, where=where)
        super().__init__(**kwargs)
        self._batch = None

    def compute_output_shape(self, input_shape):
        h, w, c = image_input_shape(self, input_shape, self.data_format)
        (t, b), (l, r) = self.cropping
        if t + b >= h or l + r >= w:
            raise ValueError(
                f"Cropping2D {self.name!r}: cropping {self.cropping} ((top, bottom), (left, "
                f"right)) leaves nothing of images of shape {format_shape(input_shape)} "
                f"(height {h}, width {w})")
        return self._image_shape(h - t - b, w - l - r, c)

    def forward(self, x, training=False):
        x = self._to_nhwc(x)
        self._batch = x.shape[0]
        (t, b), (l, r) = self.cropping
        return self._from_nhwc(x[:, t:x.shape[1] - b, l:x.shape[2] - r, :])

    def backward(self, grad):
        g = self._grad_nhwc(grad)
        (t, b), (l, r) = self.cropping
        return self._from_nhwc(np.pad(g, ((0, 0), (t, b), (l, r), (0, 0))))

    def get_config(self):
        config = super().get_config()
        config["cropping"] = [list(p) for p in self.cropping]
        return config


def bilinear_matrix(n_in: int, n_out: int, dtype) -> np.ndarray:
    """``(n_out, n_in)`` matrix of the half-pixel linear interpolation that
    ``tf.image.resize(..., 'bilinear')`` (Keras) and PyTorch's ``interpolate(mode='bilinear',
    align_corners=False)`` use: output pixel ``i`` samples the input at
    ``max((i + 0.5)·n_in/n_out − 0.5, 0)``, mixing its two neighbours."""
    scale = n_in / n_out
    src = np.maximum((np.arange(n_out) + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    a = np.zeros((n_out, n_in))
    np.add.at(a, (np.arange(n_out), lo), 1.0 - frac)
    np.add.at(a, (np.arange(n_out), hi), frac)
    return a.astype(dtype)


@register_layer
class UpSampling2D(_ImageLayer):
    """Enlarge images by integer factors ``size = (rows, cols)``.

    ``interpolation='nearest'`` (default) repeats each pixel ``rows × cols`` times;
    ``'bilinear'`` interpolates with half-pixel centres (Keras's and PyTorch's
    ``align_corners=False``): ``y = A_h · x · A_wᵀ`` per channel with the matrices of
    :func:`bilinear_matrix`.
    """

    name_prefix = "up_sampling2d"
    INTERPOLATIONS = ("nearest", "bilinear")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        where = "UpSampling2D()"
        from pynet.kernels._checks.conv import normalize_pair
        self.size = normalize_pair("size", size, where=where)
        self.data_format = normalize_data_format(data_format, where=where)
        if interpolation not in self.INTERPOLATIONS:
            raise ValueError(f"{where}: interpolation must be 'nearest' or 'bilinear', got "
                             f"{interpolation!r}")
        self.interpolation = interpolation
        super().__init__(**kwargs)
        self._batch = None

    def compute_output_shape(self, input_shape):
        h, w, c = image_input_shape(self, input_shape, self.data_format)
        return self._image_shape(h * self.size[0], w * self.size[1], c)

    def _matrices(self, h, w):
        return (bilinear_matrix(h, h * self.size[0], self.dtype),
                bilinear_matrix(w, w * self.size[1], self.dtype))

    def forward(self, x, training=False):
        x = self._to_nhwc(x)
        self._batch = x.shape[0]
        if self.interpolation == "nearest":
            y = np.repeat(np.repeat(x, self.size[0], axis=1), self.size[1], axis=2)
        else:
            a_h, a_w = self._matrices(x.shape[1], x.shape[2])
            y = np.einsum("ih,nhwc,jw->nijc", a_h, x, a_w, optimize=True)
        return self._from_nhwc(y)

    def backward(self, grad):
        g = self._grad_nhwc(grad)
        n, oh, ow, c = g.shape
        sh, sw = self.size
        if self.interpolation == "nearest":
            dx = g.reshape(n, oh // sh, sh, ow // sw, sw, c).sum(axis=(2, 4))
        else:
            a_h, a_w = self._matrices(oh // sh, ow // sw)
            dx = np.einsum("ih,nijc,jw->nhwc", a_h, g, a_w, optimize=True)
        return self._from_nhwc(dx.astype(self.dtype, copy=False))

    def get_config(self):
        config = super().get_config()
        config.update(size=list(self.size), interpolation=self.interpolation)
        return config


@register_layer
class RepeatVector(Layer):
    """``(batch, features)`` -> ``(batch, n, features)``: the vector repeated ``n`` times (the
    encoder–decoder bridge of sequence models). Backward sums the ``n`` copies' gradients."""

    name_prefix = "repeat_vector"

    def __init__(self, n, **kwargs):
        self.n = validate.positive_int("RepeatVector()", "n", n)
        super().__init__(**kwargs)
        self._batch = None

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(f"RepeatVector {self.name!r} expects inputs of shape (None, "
                             f"features), got {format_shape(input_shape)}")
        return (self.n, int(input_shape[0]))

    def forward(self, x, training=False):
        self.check_input(x)
        x = np.asarray(x, dtype=self.dtype)
        self._batch = x.shape[0]
        return np.ascontiguousarray(np.broadcast_to(x[:, None, :], (x.shape[0], self.n, x.shape[1])))

    def backward(self, grad):
        if self._batch is None:
            raise RuntimeError(f"RepeatVector {self.name!r}: backward() called before forward()")
        grad = np.asarray(grad, dtype=self.dtype)
        if grad.shape != (self._batch,) + self.output_shape:
            raise ValueError(f"RepeatVector {self.name!r}: gradient must have the output's shape "
                             f"{(self._batch,) + self.output_shape}, got {grad.shape}")
        return grad.sum(axis=1)

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
