"""Conv1D: windows slid along time (Chollet §6.4): local patterns in text and series.

For sequences ``x`` of shape ``(N, steps, C)`` and a kernel ``K`` of shape ``(k, C, filters)``
(Keras's layout)::

    z[n, t, f] = b[f] + Σ_{p, c} x_pad[n, t·s + p·d, c] · K[p, c, f]
    y = activation(z)

A window of 5 over characters can learn word fragments of up to 5 letters and spot them anywhere
in the text: the same translation invariance as Conv2D, along one axis. A 1-D window of 7 sees
only 7 vectors (a 3×3 2-D window sees 9), so long windows are cheap. Order beyond the window is
invisible to the layer — fine for topic or sentiment, fatal for a forecast that depends on what
happened when, as the book's Jena experiment shows.

Shapes (``k_eff = (k − 1)·d + 1``): ``'valid'`` gives ``⌊(steps − k_eff)/s⌋ + 1`` (500 → 494 for
k = 7: Chollet's IMDB convnet); ``'same'`` and ``'causal'`` give ``⌈steps/s⌉``; ``'causal'`` pads
only in front, so output ``t`` depends on inputs up to ``t`` (WaveNet). Parameters:
``k·C·filters + filters`` (7·128·32 + 32 = 28,704 in the book's first Conv1D).

Numbers from :func:`pynet.kernels.conv1d_forward` / ``conv1d_backward``.
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate
from pynet import activations, initializers, regularizers
from pynet.kernels._checks.conv1d import normalize_int, normalize_padding_1d, output_length_1d
from pynet.layers.base import Layer, format_shape, register_layer

__all__ = ["Conv1D"]

DATA_FORMATS_1D = ("channels_last", "channels_first")


def normalize_data_format_1d(value, *, where: str) -> str:
    if value is None:
        return "channels_last"
    if not isinstance(value, str) or value.lower() not in DATA_FORMATS_1D:
        raise ValueError(f"{where}: data_format must be 'channels_last' (batch, steps, features) "
                         f"or 'channels_first' (batch, features, steps), got {value!r}")
    return value.lower()


def sequence_input_shape(layer, input_shape, data_format: str) -> tuple:
    """``(steps, channels)`` of a built input shape, or a ValueError that shows the layout.

    ``steps`` may be None: sequences of any length, as Keras's ``Input(shape=(None, 14))``
    (Chollet's listings 6.39–6.49); each batch then brings its own length. The features must be
    known, because the weights depend on them.
    """
    shape = tuple(None if s is None else int(s) for s in input_shape)
    steps_axis = 1 if data_format == "channels_first" else 0
    if len(shape) == 2 and shape[1 - steps_axis] is None:
        raise ValueError(f"{type(layer).__name__} {layer.name!r} needs a known number of "
                         f"features (only the steps may be None), got input shape "
                         f"{format_shape(shape)}")
    if len(shape) != 2:
        layout = "(steps, features)" if data_format == "channels_last" else "(features, steps)"
        hint = ""
        if len(shape) == 1:
            hint = (" — one number per step? add a feature axis: x[..., np.newaxis] gives "
                    f"{format_shape(shape + (1,))}; integer word indices need an Embedding first")
        raise ValueError(f"{type(layer).__name__} {layer.name!r} expects sequences of shape "
                         f"(None,) + {layout}, got input shape {format_shape(shape)}{hint}")
    return (shape[1], shape[0]) if data_format == "channels_first" else shape


def check_sequence_batch(layer, x) -> None:
    if np.ndim(x) != 3:
        expected = format_shape(layer.input_shape) if layer.input_shape is not None else \
            "(batch, steps, features)"
        raise ValueError(f"{type(layer).__name__} {layer.name!r} expected a 3-D batch of shape "
                         f"{expected}, got {tuple(np.shape(x))}")
    layer.check_input(x)
    layer.compute_output_shape(np.shape(x)[1:])      # a length-None layer meets its length here


@register_layer
class Conv1D(Layer):
    """1-D convolution over the steps axis (cross-correlation; see the module docstring).

    Parameters
    ----------
    filters : int
    kernel_size : int
        Window length in steps.
    strides : int
        Step between windows (1). As in Keras, strides > 1 cannot be combined with
        dilation_rate > 1.
    padding : {'valid', 'same', 'causal'}
    data_format : {'channels_last', 'channels_first'}, optional
        ``(batch, steps, features)`` (default) or ``(batch, features, steps)``; 'causal' needs
        channels_last (Keras's rule). The kernel is ``(k, in_features, filters)`` either way.
    dilation_rate : int
        Spacing between taps.
    activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
    bias_regularizer
        As in :class:`~pynet.layers.Dense` (glorot_uniform with fan_in = k·C, fan_out = k·filters).
    """

    name_prefix = "conv1d"

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        where = "Conv1D()"
        filters = validate.positive_int(where, "filters", filters)
        kernel_size = normalize_int("kernel_size", kernel_size, where=where)
        strides = normalize_int("strides", strides, where=where)
        dilation_rate = normalize_int("dilation_rate", dilation_rate, where=where)
        padding = normalize_padding_1d(padding, where=where)
        data_format = normalize_data_format_1d(data_format, where=where)
        if strides > 1 and dilation_rate > 1:
            raise ValueError(f"{where}: strides > 1 cannot be combined with dilation_rate > 1 "
                             f"(Keras's rule), got strides={strides}, dilation_rate={dilation_rate}")
        if padding == "causal" and data_format != "channels_last":
            raise ValueError(f"{where}: padding='causal' needs data_format='channels_last' "
                             "(Keras's rule)")
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

    # -- shapes ---------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        steps, _ = sequence_input_shape(self, input_shape, self.data_format)
        where = f"Conv1D {self.name!r} (input {format_shape(input_shape)})"
        out_len = None if steps is None else output_length_1d(
            steps, self.kernel_size, self.strides, self.dilation_rate, self.padding,
            where=where)[0]
        if self.data_format == "channels_first":
            return self.filters, out_len
        return out_len, self.filters

    def build(self, input_shape):
        input_shape = tuple(None if s is None else int(s) for s in input_shape)
        self.compute_output_shape(input_shape)          # every check before any weight exists
        _, c = sequence_input_shape(self, input_shape, self.data_format)
        self.add_weight("kernel", (self.kernel_size, c, self.filters), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer,
                            regularizer=self.bias_regularizer)
        super().build(input_shape)

    # -- computing ------------------------------------------------------------------------
    def _geometry(self):
        return dict(strides=self.strides, padding=self.padding, dilation=self.dilation_rate)

    def _fused_activation(self) -> str:
        if self.activation.name == "relu" and activations.get("relu") is self.activation:
            return "relu"
        return "linear"

    def forward(self, x, training=False):
        """``y = activation(conv1d(x, kernel) + bias)``; keeps ``x`` and ``y`` for backward."""
        check_sequence_batch(self, x)
        x = np.asarray(x, dtype=self.dtype)
        x_nlc = np.ascontiguousarray(x.transpose(0, 2, 1) if self.data_format ==
                                     "channels_first" else x)
        fused = self._fused_activation()
        # The kernel returns conv1d(x, K) + b, with ReLU already applied when it is fused; any
        # other activation is applied here, to z = conv1d(x, K) + b.
        out = self.kernels.conv1d_forward(x_nlc, self.params["kernel"], self.params.get("bias"),
                                          activation=fused, **self._geometry())
        y = out if self.activation.name == fused else \
            self.activation.forward(out.reshape(-1, out.shape[2])).reshape(out.shape)
        self._cache = (x_nlc, y)
        return np.ascontiguousarray(y.transpose(0, 2, 1)) if self.data_format == \
            "channels_first" else y

    def backward(self, grad):
        """dL/dy -> dL/dx; stores dL/dkernel and dL/dbias in ``self.grads``.

        The layer contract's two ways in are this one (from dL/dy) and :meth:`backward_logits`
        (from dL/dz); both end in :meth:`_conv_backward`, the one call to the kernel."""
        if self._cache is None:
            raise RuntimeError(f"Conv1D {self.name!r}: backward() called before forward()")
        _, y = self._cache
        grad = np.asarray(grad, dtype=self.dtype)
        if self.data_format == "channels_first":
            grad = grad.transpose(0, 2, 1)
        if grad.shape != y.shape:
            raise ValueError(f"Conv1D {self.name!r}: gradient must have the output's shape, "
                             f"got {np.shape(grad)}")
        if self._fused_activation() == "relu":
            # dL/dz = dL/dy ⊙ [y > 0]: the kernel applies ReLU's derivative itself
            return self._conv_backward(grad, relu_output=y)
        f = y.shape[2]
        grad_z = grad if self.activation.name == "linear" else self.activation.backward(
            y.reshape(-1, f), np.ascontiguousarray(grad).reshape(-1, f)).reshape(y.shape)
        return self._conv_backward(grad_z)

    def backward_logits(self, grad_z):
        """As :meth:`backward`, starting from dL/dz (before the activation)."""
        grad_z = np.asarray(grad_z, dtype=self.dtype)
        if self.data_format == "channels_first":
            grad_z = grad_z.transpose(0, 2, 1)
        return self._conv_backward(grad_z)

    def _conv_backward(self, grad, relu_output=None):
        """The kernel's backward pass from ``grad`` = dL/dz (N, L, C); with ``relu_output`` (the
        fused ReLU's output y) ``grad`` is dL/dy and the kernel multiplies it by [y > 0]."""
        x_nlc, _ = self._cache
        fused = "linear" if relu_output is None else "relu"
        dx, dk, db = self.kernels.conv1d_backward(
            x_nlc, self.params["kernel"], np.ascontiguousarray(grad), activation=fused,
            output=relu_output, need_input_grad=self.input_grad_needed,
            need_bias_grad=self.use_bias, **self._geometry())
        self.grads["kernel"][...] = dk
        if self.use_bias:
            self.grads["bias"][...] = db
        if dx is None:
            return None
        return np.ascontiguousarray(dx.transpose(0, 2, 1)) if self.data_format == \
            "channels_first" else dx

    # -- configuration --------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
            padding=self.padding, data_format=self.data_format, dilation_rate=self.dilation_rate,
            activation=activations.serialize(self.activation), use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
        )
        return config
