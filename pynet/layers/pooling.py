"""Pooling layers: shrink feature maps by keeping the largest (or mean) value of each window.

``MaxPooling2D((2, 2))`` halves height and width (26×26 → 13×13 in Chollet's convnet; odd sizes
round down, 13 → 6); it has no parameters. The lecture notes' reason for it: fewer numbers for
the next layers and some tolerance to small shifts; Chollet's: without it, the third conv layer
would still see only 7×7 pixels of the digit, and the flattened map would need millions of Dense
weights (§5.1.2).

Backward: max pooling sends each output's gradient to the pixel that won the window (the first
maximum on ties; gradients add up where overlapping windows share a winner); average pooling
spreads it evenly over the window's real pixels. Global pooling layers reduce the whole map to
one number per channel.
"""
from __future__ import annotations

import numpy as np

from pynet.kernels._checks.conv import normalize_pair, normalize_padding, output_length
from pynet.layers.base import Layer, format_shape, register_layer
from pynet.layers.conv import check_batch, image_input_shape, normalize_data_format

__all__ = ["MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D"]


class _Pooling2D(Layer):
    """Shared parts of MaxPooling2D and AveragePooling2D."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        where = f"{type(self).__name__}()"
        pool_size = normalize_pair("pool_size", pool_size, where=where)
        strides = pool_size if strides is None else normalize_pair("strides", strides, where=where)
        padding = normalize_padding(padding, where=where)
        data_format = normalize_data_format(data_format, where=where)
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.padding = pool_size, strides, padding
        self.data_format = data_format
        self._cache = None

    def compute_output_shape(self, input_shape):
        h, w, c = image_input_shape(self, input_shape, self.data_format)
        where = f"{type(self).__name__} {self.name!r} (input {format_shape(input_shape)})"
        oh, _, _ = output_length(h, self.pool_size[0], self.strides[0], 1, self.padding,
                                 where=where, axis="height")
        ow, _, _ = output_length(w, self.pool_size[1], self.strides[1], 1, self.padding,
                                 where=where, axis="width")
        return (c, oh, ow) if self.data_format == "channels_first" else (oh, ow, c)

    def _to_nhwc(self, x):
        x = np.asarray(x, dtype=self.dtype)
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1)) if self.data_format == \
            "channels_first" else x

    def _from_nhwc(self, y):
        return np.ascontiguousarray(y.transpose(0, 3, 1, 2)) if self.data_format == \
            "channels_first" else y

    def _grad_nhwc(self, grad, out_shape):
        grad = self._to_nhwc(grad)
        if grad.shape != out_shape:
            raise ValueError(f"{type(self).__name__} {self.name!r}: gradient must have the "
                             f"output's shape, got {np.shape(grad)}")
        return grad

    def _geometry(self):
        return dict(strides=self.strides, padding=self.padding)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides),
                      padding=self.padding, data_format=self.data_format)
        return config


@register_layer
class MaxPooling2D(_Pooling2D):
    """Max pooling: ``y[n, i, j, c] = max`` of ``x[n, :, :, c]`` over window (i, j).

    Parameters
    ----------
    pool_size : int or (int, int)
        Window size (default 2×2).
    strides : int or (int, int), optional
        Default: ``pool_size`` (windows side by side). A stride smaller than the window makes
        windows overlap; the backward pass adds their gradients.
    padding : {'valid', 'same'}
        ``'same'`` pads with values that never win.
    data_format : {'channels_last', 'channels_first'}, optional
    """

    name_prefix = "max_pooling2d"

    def forward(self, x, training=False):
        check_batch(self, x)
        x_nhwc = self._to_nhwc(x)
        y, argmax = self.kernels.max_pool2d_forward(x_nhwc, self.pool_size, **self._geometry())
        self._cache = (x_nhwc.shape, y.shape, argmax)
        return self._from_nhwc(y)

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"MaxPooling2D {self.name!r}: backward() called before forward()")
        in_shape, out_shape, argmax = self._cache
        if not self.input_grad_needed:
            return None
        grad = self._grad_nhwc(grad, out_shape)
        return self._from_nhwc(self.kernels.max_pool2d_backward(grad, argmax, in_shape))


@register_layer
class AveragePooling2D(_Pooling2D):
    """Average pooling: the mean of each window's real pixels ('same' padding is not counted).

    Same parameters as :class:`MaxPooling2D`.
    """

    name_prefix = "average_pooling2d"

    def forward(self, x, training=False):
        check_batch(self, x)
        x_nhwc = self._to_nhwc(x)
        y = self.kernels.avg_pool2d_forward(x_nhwc, self.pool_size, **self._geometry())
        self._cache = (x_nhwc.shape, y.shape)
        return self._from_nhwc(y)

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"AveragePooling2D {self.name!r}: backward() called before "
                               "forward()")
        in_shape, out_shape = self._cache
        if not self.input_grad_needed:
            return None
        grad = self._grad_nhwc(grad, out_shape)
        return self._from_nhwc(self.kernels.avg_pool2d_backward(
            grad, in_shape, self.pool_size, **self._geometry()))


class _GlobalPooling2D(Layer):
    def __init__(self, data_format=None, **kwargs):
        data_format = normalize_data_format(data_format, where=f"{type(self).__name__}()")
        super().__init__(**kwargs)
        self.data_format = data_format
        self._cache = None

    def compute_output_shape(self, input_shape):
        _, _, c = image_input_shape(self, input_shape, self.data_format)
        return (c,)

    def _flat(self, x):
        """``(N, H·W, C)`` view of a batch, whatever the data format."""
        x = np.asarray(x, dtype=self.dtype)
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)
        return x.reshape(x.shape[0], -1, x.shape[3])

    def _unflat(self, g, in_shape):
        """Back from ``(N, H·W, C)`` to the input's layout."""
        if self.data_format == "channels_first":
            n, c, h, w = in_shape
            return np.ascontiguousarray(g.reshape(n, h, w, c).transpose(0, 3, 1, 2))
        return g.reshape(in_shape)

    def _check_grad(self, grad, n, c):
        grad = np.asarray(grad, dtype=self.dtype)
        if grad.shape != (n, c):
            raise ValueError(f"{type(self).__name__} {self.name!r}: gradient must have shape "
                             f"{(n, c)}, got {grad.shape}")
        return grad

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


@register_layer
class GlobalMaxPooling2D(_GlobalPooling2D):
    """The largest value of each channel over the whole map: ``(N, H, W, C) -> (N, C)``.
    The gradient goes to the first maximum of each channel."""

    name_prefix = "global_max_pooling2d"

    def forward(self, x, training=False):
        check_batch(self, x)
        flat = self._flat(x)
        where = np.argmax(flat, axis=1)                       # first maximum on ties
        self._cache = (np.shape(x), flat.shape, where)
        return np.take_along_axis(flat, where[:, None, :], axis=1)[:, 0, :]

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"GlobalMaxPooling2D {self.name!r}: backward() before forward()")
        in_shape, flat_shape, where = self._cache
        if not self.input_grad_needed:
            return None
        grad = self._check_grad(grad, flat_shape[0], flat_shape[2])
        g = np.zeros(flat_shape, dtype=self.dtype)
        np.put_along_axis(g, where[:, None, :], grad[:, None, :], axis=1)
        return self._unflat(g, in_shape)


@register_layer
class GlobalAveragePooling2D(_GlobalPooling2D):
    """The mean of each channel over the whole map: ``(N, H, W, C) -> (N, C)``."""

    name_prefix = "global_average_pooling2d"

    def forward(self, x, training=False):
        check_batch(self, x)
        flat = self._flat(x)
        self._cache = (np.shape(x), flat.shape)
        return flat.mean(axis=1)

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"GlobalAveragePooling2D {self.name!r}: backward() before "
                               "forward()")
        in_shape, flat_shape = self._cache
        if not self.input_grad_needed:
            return None
        grad = self._check_grad(grad, flat_shape[0], flat_shape[2])
        g = np.broadcast_to(grad[:, None, :] / flat_shape[1], flat_shape)
        return self._unflat(np.ascontiguousarray(g, dtype=self.dtype), in_shape)
