"""Conv2DTranspose: a convolution run backwards, to make pictures bigger (Chollet §8.4–8.5).

A ``Conv2D`` with stride 2 turns a 28×28 image into 14×14. Its *transpose* takes 14×14 back to
28×28: each input pixel is multiplied by the kernel and stamped onto the output, ``stride``
pixels apart, overlapping stamps adding up. It is exactly the gradient that the strided
convolution sends back to its input — which is why the kernels are the convolution's backward
pass (:mod:`pynet.kernels.reference.conv_transpose`). GAN generators and VAE decoders grow images
with it.

For an input ``x (N, H, W, C)`` and a kernel ``K (kh, kw, filters, C)`` (Keras's layout: the
filters come *before* the input channels, the reverse of ``Conv2D``)::

    y[n, i·s + p − pad, j·s + q − pad, f] += Σ_c x[n, i, j, c] · K[p, q, f, c]
    y = activation(y + b)

Output size per axis (Keras): ``'valid'``: ``H·s + max(k − s, 0)``; ``'same'``: ``H·s``; with
``output_padding=a``: ``(H − 1)·s + k − 2·pad + a`` (``pad = 0`` valid, ``k // 2`` same).
Parameters: ``kh·kw·filters·C + filters``. Not supported (an error says so): ``dilation_rate > 1``
and ``data_format='channels_first'``.
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate
from pynet import activations, initializers, regularizers
from pynet.kernels._checks.conv import normalize_pair, normalize_padding
from pynet.kernels._checks.conv_transpose import normalize_output_padding, transpose_geometry
from pynet.layers.base import Layer, format_shape, register_layer
from pynet.layers.conv import check_batch, image_input_shape

__all__ = ["Conv2DTranspose"]


@register_layer
class Conv2DTranspose(Layer):
    """Transposed 2-D convolution (see the module docstring).

    Parameters
    ----------
    filters : int — output channels
    kernel_size, strides : int or (int, int)
    padding : {'valid', 'same'}
    output_padding : None or int or (int, int), each smaller than the stride
    activation : str or activation, optional
    use_bias : bool
    kernel_initializer, bias_initializer : default 'glorot_uniform' and 'zeros'
    kernel_regularizer, bias_regularizer : optional
    """

    name_prefix = "conv2d_transpose"

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        where = "Conv2DTranspose()"
        filters = validate.positive_int(where, "filters", filters)
        kernel_size = normalize_pair("kernel_size", kernel_size, where=where)
        strides = normalize_pair("strides", strides, where=where)
        padding = normalize_padding(padding, where=where)
        output_padding = normalize_output_padding(output_padding, strides, where=where)
        if normalize_pair("dilation_rate", dilation_rate, where=where) != (1, 1):
            raise NotImplementedError(f"{where}: dilation_rate > 1 is not implemented, got "
                                      f"{dilation_rate!r}")
        if data_format not in (None, "channels_last"):
            raise NotImplementedError(f"{where}: only data_format='channels_last' is "
                                      f"implemented, got {data_format!r}")
        activation = activations.get(activation)
        kernel_initializer = initializers.get(kernel_initializer)
        bias_initializer = initializers.get(bias_initializer)
        kernel_regularizer = regularizers.get(kernel_regularizer)
        bias_regularizer = regularizers.get(bias_regularizer)
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.output_padding = output_padding
        self.data_format = "channels_last"
        self.activation = activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self._cache = None

    def compute_output_shape(self, input_shape):
        h, w, _ = image_input_shape(self, input_shape, "channels_last")
        where = f"Conv2DTranspose {self.name!r} (input {format_shape(input_shape)})"
        oh, ow, _, _ = transpose_geometry((h, w), self.kernel_size, self.strides, self.padding,
                                          self.output_padding, where=where)
        return oh, ow, self.filters

    def build(self, input_shape):
        input_shape = tuple(int(s) for s in input_shape)
        self.compute_output_shape(input_shape)
        _, _, c = image_input_shape(self, input_shape, "channels_last")
        kh, kw = self.kernel_size
        # Keras's layout (kh, kw, filters, in_channels); glorot's fans come out as Keras's:
        # fan_in = kh·kw·filters, fan_out = kh·kw·in_channels.
        self.add_weight("kernel", (kh, kw, self.filters, c), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer,
                            regularizer=self.bias_regularizer)
        super().build(input_shape)

    def _geometry(self):
        return dict(strides=self.strides, padding=self.padding,
                    output_padding=self.output_padding)

    def forward(self, x, training=False):
        """``y = activation(conv_transpose(x, kernel) + bias)``."""
        check_batch(self, x)
        x = np.ascontiguousarray(x, dtype=self.dtype)
        z = self.kernels.conv2d_transpose_forward(x, self.params["kernel"],
                                                  self.params.get("bias"), **self._geometry())
        y = z if self.activation.name == "linear" else \
            self.activation.forward(z.reshape(-1, z.shape[3])).reshape(z.shape)
        self._cache = (x, y)
        return y

    def backward(self, grad):
        """dL/dy -> dL/dx; stores dL/dkernel and dL/dbias in ``self.grads``."""
        if self._cache is None:
            raise RuntimeError(f"Conv2DTranspose {self.name!r}: backward() called before "
                               "forward()")
        x, y = self._cache
        grad = np.asarray(grad, dtype=self.dtype)
        if grad.shape != y.shape:
            raise ValueError(f"Conv2DTranspose {self.name!r}: gradient must have the output's "
                             f"shape {y.shape}, got {grad.shape}")
        f = y.shape[3]
        grad_z = grad if self.activation.name == "linear" else self.activation.backward(
            y.reshape(-1, f), np.ascontiguousarray(grad).reshape(-1, f)).reshape(y.shape)
        dx, dk, db = self.kernels.conv2d_transpose_backward(
            x, self.params["kernel"], np.ascontiguousarray(grad_z),
            need_input_grad=self.input_grad_needed, need_bias_grad=self.use_bias,
            **self._geometry())
        self.grads["kernel"][...] = dk
        if self.use_bias:
            self.grads["bias"][...] = db
        return dx

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=list(self.kernel_size), strides=list(self.strides),
            padding=self.padding,
            output_padding=None if self.output_padding is None else list(self.output_padding),
            data_format=self.data_format, dilation_rate=[1, 1],
            activation=activations.serialize(self.activation), use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
        )
        return config
