"""Conv2D: a bank of small filters slid over the image (Chollet §5.1, the lecture notes §11.2).

What the layer computes
-----------------------
For a batch ``x`` of shape ``(N, H, W, C)`` (``channels_last``) and a kernel ``K`` of shape
``(kh, kw, C, filters)``::

    z[n, i, j, f] = b[f] + Σ_{p, q, c} x_pad[n, i·s_h + p·d_h, j·s_w + q·d_w, c] · K[p, q, c, f]
    y = activation(z)

with ``s`` the strides, ``d`` the dilation rate and ``x_pad`` the input with the zeros that
``padding='same'`` adds. This is a **cross-correlation**: the kernel is laid on the image as it
is. The convolution of signal processing flips the kernel first (``K[kh−1−p, kw−1−q]``); as the
kernel is learned either way, a network trained with one learns the flipped kernel of the other,
and every deep-learning library computes the correlation and calls it convolution. To apply a
textbook (flipped) kernel ``G`` with this layer, set its weights to ``G[::-1, ::-1]``.

Shapes (Keras's rules, with ``k_eff = (k − 1)·d + 1``):
``'valid'`` gives ``⌊(n − k_eff)/s⌋ + 1`` outputs per axis (28 → 26 for a 3×3 window);
``'same'`` gives ``⌈n/s⌉``. Parameters: ``kh·kw·C·filters + filters`` (3·3·1·32 + 32 = 320 for
Chollet's first layer; 3·3·3·32 + 32 = 896 for the CIFAR-10 model's).

The numbers come from :func:`pynet.kernels.conv2d_forward` / ``conv2d_backward`` (im2col + one
BLAS GEMM; see :mod:`pynet.kernels.reference.conv` for the readable version).
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate
from pynet import activations, initializers, regularizers
from pynet.kernels._checks.conv import normalize_pair, normalize_padding, output_length
from pynet.layers.base import Layer, format_shape, register_layer

__all__ = ["Conv2D"]

DATA_FORMATS = ("channels_last", "channels_first")


def normalize_data_format(value, *, where: str) -> str:
    """``'channels_last'`` (also for ``None``, Keras's default) or ``'channels_first'``."""
    if value is None:
        return "channels_last"
    if not isinstance(value, str) or value.lower() not in DATA_FORMATS:
        raise ValueError(f"{where}: data_format must be 'channels_last' (batch, height, width, "
                         f"channels) or 'channels_first' (batch, channels, height, width), got "
                         f"{value!r}")
    return value.lower()


def _layout(data_format: str) -> str:
    return "(height, width, channels)" if data_format == "channels_last" else \
        "(channels, height, width)"


def image_input_shape(layer, input_shape, data_format: str) -> tuple[int, int, int]:
    """Check a built input shape is one image ``(H, W, C)`` (or ``(C, H, W)``); return
    ``(H, W, C)``. The message shows the expected shape and how to add a channel axis."""
    shape = tuple(int(s) for s in input_shape)
    kind = type(layer).__name__
    if len(shape) != 3:
        hint = ""
        if len(shape) == 2:
            fixed = shape + (1,) if data_format == "channels_last" else (1,) + shape
            how = "x[..., np.newaxis]" if data_format == "channels_last" else "x[:, np.newaxis]"
            hint = (f" — grayscale images need a channel axis: {how} gives "
                    f"{format_shape(fixed)}")
        raise ValueError(f"{kind} {layer.name!r} expects images of shape (None,) + "
                         f"{_layout(data_format)} ({data_format}), got input shape "
                         f"{format_shape(shape)}{hint}")
    if data_format == "channels_first":
        c, h, w = shape
        return h, w, c
    return shape


def check_batch(layer, x) -> None:
    """A 4-D batch matching the built input shape, or a ValueError naming the layer."""
    x_shape = np.shape(x)
    if len(x_shape) != 4:
        hint = ""
        if len(x_shape) == 3 and layer.input_shape is not None:
            hint = " — images without a channel axis? add one with x[..., np.newaxis]" \
                if getattr(layer, "data_format", "channels_last") == "channels_last" else \
                " — images without a channel axis? add one with x[:, np.newaxis]"
        expected = format_shape(layer.input_shape) if layer.input_shape is not None else \
            "(batch,) + " + _layout(getattr(layer, "data_format", "channels_last"))
        raise ValueError(f"{type(layer).__name__} {layer.name!r} expected a 4-D batch of shape "
                         f"{expected}, got {tuple(x_shape)}{hint}")
    layer.check_input(x)


@register_layer
class Conv2D(Layer):
    """2-D convolution layer (cross-correlation; see the module docstring).

    Parameters
    ----------
    filters : int
        Number of filters = output channels.
    kernel_size : int or (int, int)
        Window height and width.
    strides : int or (int, int)
        Step between windows (default 1).
    padding : {'valid', 'same'}
    data_format : {'channels_last', 'channels_first'}, optional
        ``channels_last`` (default) means ``(batch, height, width, channels)``;
        ``channels_first`` (Theano's ``'th'`` ordering in the lecture notes) means
        ``(batch, channels, height, width)``. The kernel is ``(kh, kw, in_channels, filters)``
        either way, so weights move between the two formats unchanged.
    dilation_rate : int or (int, int)
        Spacing between kernel taps (1 = an ordinary window). As in Keras, a dilation rate > 1
        cannot be combined with strides > 1.
    activation : str or activation, optional
        Applied to ``z``; ``None`` is linear.
    use_bias : bool
    kernel_initializer, bias_initializer : str or initializer
        Default ``'glorot_uniform'`` (fan_in = kh·kw·C, fan_out = kh·kw·filters) and ``'zeros'``.
    kernel_regularizer, bias_regularizer : regularizer, optional
    **kwargs
        ``name``, ``trainable``, ``dtype``, ``input_shape`` (see :class:`Layer`).

    Shapes
    ------
    input ``(N, H, W, C)``, output ``(N, OH, OW, filters)`` (channels_last).
    """

    name_prefix = "conv2d"

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        where = "Conv2D()"
        filters = validate.positive_int(where, "filters", filters)
        kernel_size = normalize_pair("kernel_size", kernel_size, where=where)
        strides = normalize_pair("strides", strides, where=where)
        dilation_rate = normalize_pair("dilation_rate", dilation_rate, where=where)
        padding = normalize_padding(padding, where=where)
        data_format = normalize_data_format(data_format, where=where)
        if max(strides) > 1 and max(dilation_rate) > 1:
            raise ValueError(f"{where}: strides > 1 cannot be combined with dilation_rate > 1 "
                             f"(Keras's rule), got strides={strides}, dilation_rate={dilation_rate}")
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
        self.data_format = data_format
        self.dilation_rate = dilation_rate
        self.activation = activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self._cache = None

    # -- shapes -------------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        h, w, _ = image_input_shape(self, input_shape, self.data_format)
        where = f"Conv2D {self.name!r} (input {format_shape(input_shape)})"
        oh, _, _ = output_length(h, self.kernel_size[0], self.strides[0], self.dilation_rate[0],
                                 self.padding, where=where, axis="height")
        ow, _, _ = output_length(w, self.kernel_size[1], self.strides[1], self.dilation_rate[1],
                                 self.padding, where=where, axis="width")
        if self.data_format == "channels_first":
            return self.filters, oh, ow
        return oh, ow, self.filters

    def build(self, input_shape):
        input_shape = tuple(int(s) for s in input_shape)
        self.compute_output_shape(input_shape)          # every check before any weight exists
        _, _, c = image_input_shape(self, input_shape, self.data_format)
        kh, kw = self.kernel_size
        self.add_weight("kernel", (kh, kw, c, self.filters), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer,
                            regularizer=self.bias_regularizer)
        super().build(input_shape)

    # -- computing ----------------------------------------------------------------------------
    def _geometry(self):
        return dict(strides=self.strides, padding=self.padding, dilation=self.dilation_rate)

    def forward(self, x, training=False):
        """``y = activation(conv(x, kernel) + bias)``; keeps ``x`` and ``y`` for backward."""
        check_batch(self, x)
        x = np.asarray(x, dtype=self.dtype)
        x_nhwc = x.transpose(0, 2, 3, 1) if self.data_format == "channels_first" else x
        x_nhwc = np.ascontiguousarray(x_nhwc)
        fused = self._fused_activation()
        # The kernel returns conv(x, K) + b, with ReLU already applied when it is fused; any
        # other activation is applied here, to z = conv(x, K) + b.
        out = self.kernels.conv2d_forward(x_nhwc, self.params["kernel"], self.params.get("bias"),
                                          activation=fused, **self._geometry())
        y = out if self.activation.name == fused else \
            self.activation.forward(out.reshape(-1, out.shape[3])).reshape(out.shape)
        self._cache = (x_nhwc, y)
        if self.data_format == "channels_first":
            return np.ascontiguousarray(y.transpose(0, 3, 1, 2))
        return y

    def backward(self, grad):
        """dL/dy -> dL/dx; stores dL/dkernel and dL/dbias in ``self.grads``.

        The layer contract's two ways in are this one (from dL/dy) and :meth:`backward_logits`
        (from dL/dz); both end in :meth:`_conv_backward`, the one call to the kernel."""
        if self._cache is None:
            raise RuntimeError(f"Conv2D {self.name!r}: backward() called before forward()")
        x_nhwc, y = self._cache
        grad = np.asarray(grad, dtype=self.dtype)
        if self.data_format == "channels_first":
            grad = grad.transpose(0, 2, 3, 1)
        if grad.shape != y.shape:
            want = y.shape if self.data_format == "channels_last" else \
                (y.shape[0], y.shape[3], y.shape[1], y.shape[2])
            raise ValueError(f"Conv2D {self.name!r}: gradient must have the output's shape "
                             f"{want}, got {np.shape(grad)}")
        if self._fused_activation() == "relu":
            # dL/dz = dL/dy ⊙ [y > 0]: the kernel applies ReLU's derivative itself
            return self._conv_backward(grad, relu_output=y)
        f = y.shape[3]
        # The activation kernels take 2-D arrays; the last axis (filters) is softmax's axis.
        grad_z = grad if self.activation.name == "linear" else self.activation.backward(
            y.reshape(-1, f), np.ascontiguousarray(grad).reshape(-1, f)).reshape(y.shape)
        return self._conv_backward(grad_z)

    def backward_logits(self, grad_z):
        """As :meth:`backward`, starting from dL/dz (before the activation)."""
        grad_z = np.asarray(grad_z, dtype=self.dtype)
        if self.data_format == "channels_first":
            grad_z = grad_z.transpose(0, 2, 3, 1)
        return self._conv_backward(grad_z)

    def _fused_activation(self) -> str:
        """'relu' when the kernels can apply this layer's activation in their own pass (the
        built-in ReLU), else 'linear' (the activation is then applied separately)."""
        from pynet import activations as acts
        if self.activation.name == "relu" and acts.get("relu") is self.activation:
            return "relu"
        return "linear"

    def _conv_backward(self, grad, relu_output=None):
        """The kernel's backward pass from ``grad`` = dL/dz (NHWC); with ``relu_output`` (the
        fused ReLU's output y) ``grad`` is dL/dy and the kernel multiplies it by [y > 0]."""
        x_nhwc, _ = self._cache
        grad = np.ascontiguousarray(grad)
        fused = "linear" if relu_output is None else "relu"
        dx, dk, db = self.kernels.conv2d_backward(
            x_nhwc, self.params["kernel"], grad, activation=fused, output=relu_output,
            need_input_grad=self.input_grad_needed, need_bias_grad=self.use_bias,
            **self._geometry())
        self.grads["kernel"][...] = dk
        if self.use_bias:
            self.grads["bias"][...] = db
        if dx is None:
            return None
        if self.data_format == "channels_first":
            return np.ascontiguousarray(dx.transpose(0, 3, 1, 2))
        return dx

    # -- configuration ------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=list(self.kernel_size), strides=list(self.strides),
            padding=self.padding, data_format=self.data_format,
            dilation_rate=list(self.dilation_rate),
            activation=activations.serialize(self.activation), use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
        )
        return config
