"""1-D pooling: shrink a sequence by keeping the largest (or mean) value of each window (§6.4).

``MaxPooling1D(5)`` keeps one step in five (494 → 98 in Chollet's IMDB convnet; a partial window
at the end is dropped with 'valid'). Stacking Conv1D and MaxPooling1D lets later windows see
longer stretches of the sequence; ``GlobalMaxPooling1D`` ends the stack with one number per
feature: "was this pattern anywhere in the text?".

A 1-D window is a 2-D window one row high, so these layers run the 2-D pooling kernels
(:func:`pynet.kernels.max_pool2d_forward`, ...) on a ``(N, 1, steps, C)`` view of the batch —
the same compiled code and NumPy twins, the same tie rule (the first maximum gets the gradient)
and the same 'same'-padding rule (padding never wins a max and is not counted in a mean).
"""
from __future__ import annotations

import numpy as np

from pynet.kernels._checks.conv1d import normalize_int, normalize_padding_1d, output_length_1d
from pynet.layers.base import Layer, format_shape, register_layer
from pynet.layers.conv1d import (
    check_sequence_batch, normalize_data_format_1d, sequence_input_shape,
)

__all__ = ["MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D"]


class _Pooling1D(Layer):
    """Shared parts of MaxPooling1D and AveragePooling1D."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        where = f"{type(self).__name__}()"
        pool_size = normalize_int("pool_size", pool_size, where=where)
        strides = pool_size if strides is None else normalize_int("strides", strides, where=where)
        padding = normalize_padding_1d(padding, where=where, allowed=("valid", "same"))
        data_format = normalize_data_format_1d(data_format, where=where)
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.padding = pool_size, strides, padding
        self.data_format = data_format
        self._cache = None

    def compute_output_shape(self, input_shape):
        steps, c = sequence_input_shape(self, input_shape, self.data_format)
        where = f"{type(self).__name__} {self.name!r} (input {format_shape(input_shape)})"
        out_len = None if steps is None else output_length_1d(
            steps, self.pool_size, self.strides, 1, self.padding, where=where)[0]
        return (c, out_len) if self.data_format == "channels_first" else (out_len, c)

    def _as_image(self, x):
        """``(N, 1, steps, C)``: a one-row image, the layout of the 2-D pooling kernels."""
        x = np.asarray(x, dtype=self.dtype)
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 1)
        return np.ascontiguousarray(x)[:, None, :, :]

    def _from_image(self, y):
        y = y[:, 0]
        return np.ascontiguousarray(y.transpose(0, 2, 1)) if self.data_format == \
            "channels_first" else y

    def _geometry(self):
        return dict(strides=(1, self.strides), padding=self.padding)

    def _grad_image(self, grad, out_shape):
        g = self._as_image(grad)
        if g.shape != out_shape:
            raise ValueError(f"{type(self).__name__} {self.name!r}: gradient must have the "
                             f"output's shape, got {np.shape(grad)}")
        return g

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding,
                      data_format=self.data_format)
        return config


@register_layer
class MaxPooling1D(_Pooling1D):
    """``y[n, t, c] = max`` of ``x[n, :, c]`` over window t.

    Parameters
    ----------
    pool_size : int
        Window length (2, Keras's default).
    strides : int, optional
        Default ``pool_size``; smaller makes windows overlap (their gradients add up).
    padding : {'valid', 'same'}
    data_format : {'channels_last', 'channels_first'}, optional
    """

    name_prefix = "max_pooling1d"

    def forward(self, x, training=False):
        check_sequence_batch(self, x)
        image = self._as_image(x)
        y, argmax = self.kernels.max_pool2d_forward(image, (1, self.pool_size),
                                                    **self._geometry())
        self._cache = (image.shape, y.shape, argmax)
        return self._from_image(y)

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"MaxPooling1D {self.name!r}: backward() called before forward()")
        in_shape, out_shape, argmax = self._cache
        if not self.input_grad_needed:
            return None
        g = self._grad_image(grad, out_shape)
        return self._from_image(self.kernels.max_pool2d_backward(g, argmax, in_shape))


@register_layer
class AveragePooling1D(_Pooling1D):
    """The mean of each window's real steps ('same' padding is not counted).

    Same parameters as :class:`MaxPooling1D`.
    """

    name_prefix = "average_pooling1d"

    def forward(self, x, training=False):
        check_sequence_batch(self, x)
        image = self._as_image(x)
        y = self.kernels.avg_pool2d_forward(image, (1, self.pool_size), **self._geometry())
        self._cache = (image.shape, y.shape)
        return self._from_image(y)

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"AveragePooling1D {self.name!r}: backward() called before "
                               "forward()")
        in_shape, out_shape = self._cache
        if not self.input_grad_needed:
            return None
        g = self._grad_image(grad, out_shape)
        return self._from_image(self.kernels.avg_pool2d_backward(
            g, in_shape, (1, self.pool_size), **self._geometry()))


class _GlobalPooling1D(Layer):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        data_format = normalize_data_format_1d(data_format, where=f"{type(self).__name__}()")
        super().__init__(**kwargs)
        self.data_format = data_format
        self.keepdims = bool(keepdims)
        self._cache = None

    def compute_output_shape(self, input_shape):
        _, c = sequence_input_shape(self, input_shape, self.data_format)
        if not self.keepdims:
            return (c,)
        return (c, 1) if self.data_format == "channels_first" else (1, c)

    def _nlc(self, x):
        x = np.asarray(x, dtype=self.dtype)
        return x.transpose(0, 2, 1) if self.data_format == "channels_first" else x

    def _shape_out(self, y):
        """``(N, C)`` to the layer's output layout."""
        if not self.keepdims:
            return y
        return y[:, :, None] if self.data_format == "channels_first" else y[:, None, :]

    def _grad_nc(self, grad, n, c):
        grad = np.asarray(grad, dtype=self.dtype).reshape(np.shape(grad)[0], -1) \
            if np.ndim(grad) == 3 and self.keepdims else np.asarray(grad, dtype=self.dtype)
        if grad.shape != (n, c):
            raise ValueError(f"{type(self).__name__} {self.name!r}: gradient must have shape "
                             f"{(n, c)}, got {np.shape(grad)}")
        return grad

    def _back_to_input(self, g):
        return np.ascontiguousarray(g.transpose(0, 2, 1)) if self.data_format == \
            "channels_first" else g

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


@register_layer
class GlobalMaxPooling1D(_GlobalPooling1D):
    """The largest value of each feature over all steps: ``(N, steps, C) -> (N, C)``.
    The gradient goes to the first maximum."""

    name_prefix = "global_max_pooling1d"

    def forward(self, x, training=False):
        check_sequence_batch(self, x)
        x = self._nlc(x)
        where = np.argmax(x, axis=1)                         # first maximum on ties
        self._cache = (x.shape, where)
        return self._shape_out(np.take_along_axis(x, where[:, None, :], axis=1)[:, 0, :])

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"GlobalMaxPooling1D {self.name!r}: backward() before forward()")
        shape, where = self._cache
        if not self.input_grad_needed:
            return None
        grad = self._grad_nc(grad, shape[0], shape[2])
        g = np.zeros(shape, dtype=self.dtype)
        np.put_along_axis(g, where[:, None, :], grad[:, None, :], axis=1)
        return self._back_to_input(g)


@register_layer
class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean of each feature over the steps: ``(N, steps, C) -> (N, C)``.

    With a mask (from ``Embedding(mask_zero=True)``) only the unmasked steps are averaged, as in
    Keras: padding does not dilute the mean.
    """

    name_prefix = "global_average_pooling1d"
    supports_masking = True

    def compute_mask(self, x, mask=None):
        return None                                          # the steps axis is gone

    def forward(self, x, training=False, mask=None):
        check_sequence_batch(self, x)
        x = self._nlc(x)
        if mask is None:
            weights = np.full(x.shape[:2], 1.0 / max(x.shape[1], 1), dtype=self.dtype)
        else:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != x.shape[:2]:
                raise ValueError(f"GlobalAveragePooling1D {self.name!r}: mask must have shape "
                                 f"(batch, steps) = {x.shape[:2]}, got {mask.shape}")
            counts = np.maximum(mask.sum(axis=1, keepdims=True), 1)
            weights = (mask / counts).astype(self.dtype)
        self._cache = (x.shape, weights)
        return self._shape_out(np.einsum("nt,ntc->nc", weights, x).astype(self.dtype, copy=False))

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"GlobalAveragePooling1D {self.name!r}: backward() before "
                               "forward()")
        shape, weights = self._cache
        if not self.input_grad_needed:
            return None
        grad = self._grad_nc(grad, shape[0], shape[2])
        g = (weights[:, :, None] * grad[:, None, :]).astype(self.dtype, copy=False)
        return self._back_to_input(g)
