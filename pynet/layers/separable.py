"""DepthwiseConv2D and SeparableConv2D (Chollet §7.3.3; Xception, MobileNet).

What the layers compute
-----------------------
``DepthwiseConv2D`` filters each input channel on its own with ``depth_multiplier`` (``M``)
kernels and does not mix channels::

    y[n, i, j, c·M + m] = b[c·M + m] + Σ_{p, q} x_pad[n, i·s + p·d, j·s + q·d, c] · K[p, q, c, m]

``SeparableConv2D`` is that (without bias) followed by a 1×1 convolution that mixes the ``C·M``
channels into ``filters``::

    z = depthwise(x, depthwise_kernel)           (N, OH, OW, C·M)
    y = activation(z @ pointwise_kernel + bias)  (N, OH, OW, filters)

For a 3×3 window, 64 channels in and out, that is 3·3·64 + 64·64 = 4,672 weights instead of a
full convolution's 3·3·64·64 = 36,864 — the book's point: fewer parameters and multiply-adds, and
often a better model, because spatial and cross-channel patterns are learned separately.

Weights, in Keras's layouts and order: ``depthwise_kernel`` ``(kh, kw, C, M)``, then (separable)
``pointwise_kernel`` ``(1, 1, C·M, filters)``, then ``bias`` (``(C·M,)`` for depthwise,
``(filters,)`` for separable). Output sizes follow Conv2D's rules.

The numbers come from :func:`pynet.kernels.depthwise_conv2d_forward` / ``_backward`` (direct
loops) and, for the pointwise step, ``dense_forward`` / ``dense_backward``: a 1×1 convolution
is the matrix product ``(N·OH·OW, C·M) @ (C·M, filters)`` (one GEMM each way).
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate
from pynet import activations, initializers, regularizers
from pynet.kernels._checks.conv import normalize_pair, normalize_padding, output_length
from pynet.layers.base import Layer, format_shape, register_layer
from pynet.layers.conv import check_batch, image_input_shape, normalize_data_format

__all__ = ["DepthwiseConv2D", "SeparableConv2D"]


class _DepthwiseBase(Layer):
    """What the two layers share: the window geometry, the depthwise step, channels_first."""

    def __init__(self, kernel_size, strides, padding, depth_multiplier, data_format,
                 dilation_rate, activation, use_bias, depthwise_initializer, bias_initializer,
                 depthwise_regularizer, bias_regularizer, **kwargs):
        where = f"{type(self).__name__}()"
        self.kernel_size = normalize_pair("kernel_size", kernel_size, where=where)
        self.strides = normalize_pair("strides", strides, where=where)
        self.dilation_rate = normalize_pair("dilation_rate", dilation_rate, where=where)
        self.padding = normalize_padding(padding, where=where)
        self.data_format = normalize_data_format(data_format, where=where)
        self.depth_multiplier = validate.positive_int(where, "depth_multiplier", depth_multiplier)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{where}: strides > 1 cannot be combined with dilation_rate > 1 "
                             f"(Keras's rule), got strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        super().__init__(**kwargs)
        self._cache = None

    def _out_hw(self, input_shape):
        h, w, _ = image_input_shape(self, input_shape, self.data_format)
        where = f"{type(self).__name__} {self.name!r} (input {format_shape(input_shape)})"
        oh, _, _ = output_length(h, self.kernel_size[0], self.strides[0], self.dilation_rate[0],
                                 self.padding, where=where, axis="height")
        ow, _, _ = output_length(w, self.kernel_size[1], self.strides[1], self.dilation_rate[1],
                                 self.padding, where=where, axis="width")
        return oh, ow

    def _image_shape(self, oh, ow, channels):
        return (channels, oh, ow) if self.data_format == "channels_first" else (oh, ow, channels)

    def _add_depthwise_kernel(self, input_shape):
        _, _, c = image_input_shape(self, input_shape, self.data_format)
        kh, kw = self.kernel_size
        self.add_weight("depthwise_kernel", (kh, kw, c, self.depth_multiplier),
                        self.depthwise_initializer, regularizer=self.depthwise_regularizer)
        return c

    def _geometry(self):
        return dict(strides=self.strides, padding=self.padding, dilation=self.dilation_rate)

    def _to_nhwc(self, x):
        check_batch(self, x)
        x = np.asarray(x, dtype=self.dtype)
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)
        return np.ascontiguousarray(x)

    def _from_nhwc(self, y):
        return np.ascontiguousarray(y.transpose(0, 3, 1, 2)) if self.data_format == \
            "channels_first" else y

    def _grad_to_nhwc(self, grad, y):
        grad = np.asarray(grad, dtype=self.dtype)
        if self.data_format == "channels_first":
            grad = grad.transpose(0, 2, 3, 1)
        if grad.shape != y.shape:
            raise ValueError(f"{type(self).__name__} {self.name!r}: gradient must have the "
                             f"output's shape, got {np.shape(grad)}")
        return np.ascontiguousarray(grad)

    def _activation_backward(self, y, grad):
        if self.activation.name == "linear":
            return grad
        f = y.shape[3]
        return self.activation.backward(y.reshape(-1, f), grad.reshape(-1, f)).reshape(y.shape)

    def _activate(self, z):
        if self.activation.name == "linear":
            return z
        return self.activation.forward(z.reshape(-1, z.shape[3])).reshape(z.shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            kernel_size=list(self.kernel_size), strides=list(self.strides),
            padding=self.padding, depth_multiplier=self.depth_multiplier,
            data_format=self.data_format, dilation_rate=list(self.dilation_rate),
            activation=activations.serialize(self.activation), use_bias=self.use_bias,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            depthwise_regularizer=regularizers.serialize(self.depthwise_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
        )
        return config


@register_layer
class DepthwiseConv2D(_DepthwiseBase):
    """Depthwise 2-D convolution: each input channel filtered by its own ``depth_multiplier``
    kernels (see the module docstring).

    Parameters
    ----------
    kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias
        As for :class:`pynet.layers.Conv2D`.
    depth_multiplier : int
        Output channels per input channel (default 1); the output has ``C·M`` channels.
    depthwise_initializer, bias_initializer : default ``'glorot_uniform'``, ``'zeros'``
    depthwise_regularizer, bias_regularizer : optional

    Shapes: input ``(N, H, W, C)``, depthwise_kernel ``(kh, kw, C, M)``, bias ``(C·M,)``, output
    ``(N, OH, OW, C·M)`` (channels_last).
    """

    name_prefix = "depthwise_conv2d"

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer, **kwargs)

    def compute_output_shape(self, input_shape):
        _, _, c = image_input_shape(self, input_shape, self.data_format)
        return self._image_shape(*self._out_hw(input_shape), c * self.depth_multiplier)

    def build(self, input_shape):
        input_shape = tuple(int(s) for s in input_shape)
        self.compute_output_shape(input_shape)          # every check before any weight exists
        c = self._add_depthwise_kernel(input_shape)
        if self.use_bias:
            self.add_weight("bias", (c * self.depth_multiplier,), self.bias_initializer,
                            regularizer=self.bias_regularizer)
        super().build(input_shape)

    def forward(self, x, training=False):
        """``y = activation(depthwise(x, depthwise_kernel) + bias)``."""
        x = self._to_nhwc(x)
        z = self.kernels.depthwise_conv2d_forward(x, self.params["depthwise_kernel"],
                                                  self.params.get("bias"), **self._geometry())
        y = self._activate(z)
        self._cache = (x, y)
        return self._from_nhwc(y)

    def backward(self, grad):
        """dL/dy -> dL/dx; stores dL/ddepthwise_kernel and dL/dbias."""
        if self._cache is None:
            raise RuntimeError(f"DepthwiseConv2D {self.name!r}: backward() called before forward()")
        x, y = self._cache
        grad_z = self._activation_backward(y, self._grad_to_nhwc(grad, y))
        dx, dk, db = self.kernels.depthwise_conv2d_backward(
            x, self.params["depthwise_kernel"], np.ascontiguousarray(grad_z),
            need_input_grad=self.input_grad_needed, need_bias_grad=self.use_bias,
            **self._geometry())
        self.grads["depthwise_kernel"][...] = dk
        if self.use_bias:
            self.grads["bias"][...] = db
        return None if dx is None else self._from_nhwc(dx)


@register_layer
class SeparableConv2D(_DepthwiseBase):
    """Depthwise-separable 2-D convolution: a depthwise step, then a 1×1 convolution to
    ``filters`` channels (see the module docstring).

    Parameters
    ----------
    filters : int
        Output channels.
    kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias
        As for :class:`pynet.layers.Conv2D`.
    depth_multiplier : int
        Depthwise output channels per input channel (default 1).
    depthwise_initializer, pointwise_initializer, bias_initializer
        Keras's defaults: ``'glorot_uniform'``, ``'glorot_uniform'``, ``'zeros'``.
    depthwise_regularizer, pointwise_regularizer, bias_regularizer : optional

    Shapes: input ``(N, H, W, C)``; depthwise_kernel ``(kh, kw, C, M)``; pointwise_kernel
    ``(1, 1, C·M, filters)``; bias ``(filters,)``; output ``(N, OH, OW, filters)``.

    Backward: the pointwise step's gradient (``dense_backward`` on the 1×1 kernel viewed as a
    ``(C·M, filters)`` matrix) gives dL/dz, which the depthwise backward turns into dL/dx and
    dL/ddepthwise_kernel.
    """

    name_prefix = "separable_conv2d"

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, **kwargs):
        self.filters = validate.positive_int("SeparableConv2D()", "filters", filters)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer, **kwargs)

    def compute_output_shape(self, input_shape):
        return self._image_shape(*self._out_hw(input_shape), self.filters)

    def build(self, input_shape):
        input_shape = tuple(int(s) for s in input_shape)
        self.compute_output_shape(input_shape)
        c = self._add_depthwise_kernel(input_shape)
        self.add_weight("pointwise_kernel", (1, 1, c * self.depth_multiplier, self.filters),
                        self.pointwise_initializer, regularizer=self.pointwise_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer,
                            regularizer=self.bias_regularizer)
        super().build(input_shape)

    def forward(self, x, training=False):
        """``z = depthwise(x)``; ``y = activation(z @ pointwise_kernel + bias)``."""
        x = self._to_nhwc(x)
        k = self.kernels
        z = k.depthwise_conv2d_forward(x, self.params["depthwise_kernel"], None,
                                       **self._geometry())
        cm = z.shape[3]
        z2 = z.reshape(-1, cm)                          # a 1×1 convolution is a matrix product
        y = k.dense_forward(z2, self.params["pointwise_kernel"].reshape(cm, self.filters),
                            self.params.get("bias"), "linear")
        y = self._activate(y.reshape(z.shape[:3] + (self.filters,)))
        self._cache = (x, z, y)
        return self._from_nhwc(y)

    def backward(self, grad):
        """dL/dy -> dL/dx; stores the gradients of both kernels and of the bias."""
        if self._cache is None:
            raise RuntimeError(f"SeparableConv2D {self.name!r}: backward() called before forward()")
        x, z, y = self._cache
        grad_y = self._activation_backward(y, self._grad_to_nhwc(grad, y))
        k = self.kernels
        cm = z.shape[3]
        dz = k.dense_backward(z.reshape(-1, cm),
                              self.params["pointwise_kernel"].reshape(cm, self.filters),
                              np.ascontiguousarray(grad_y).reshape(-1, self.filters),
                              self.grads["pointwise_kernel"].reshape(cm, self.filters),
                              self.grads.get("bias")).reshape(z.shape)
        dx, ddk, _ = k.depthwise_conv2d_backward(
            x, self.params["depthwise_kernel"], dz, need_input_grad=self.input_grad_needed,
            need_bias_grad=False, **self._geometry())
        self.grads["depthwise_kernel"][...] = ddk
        return None if dx is None else self._from_nhwc(dx)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            pointwise_initializer=initializers.serialize(self.pointwise_initializer),
            pointwise_regularizer=regularizers.serialize(self.pointwise_regularizer),
        )
        return config
