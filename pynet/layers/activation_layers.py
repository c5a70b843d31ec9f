"""Activation functions as layers with their own settings: LeakyReLU, ReLU, ELU, PReLU.

Each forward sits beside its derivative (kept from the forward pass):

=============  ===========================================  ==================================
layer          y = f(x)                                     f′(x)
=============  ===========================================  ==================================
LeakyReLU(α)   x if x > 0 else α·x                          1 or α
ReLU(M, s, θ)  M if x ≥ M; x if θ ≤ x < M; s·(x − θ) below  0, 1 or s
ELU(α)         x if x > 0 else α·(eˣ − 1)                   1 or α·eˣ
PReLU          x if x > 0 else a·x (``a`` learned)          1 or a;  ∂y/∂a = x or 0
=============  ===========================================  ==================================

Keras 2 (the book) writes ``LeakyReLU(alpha=0.3)``; Keras 3 renamed the argument
``negative_slope`` (same default 0.3). pynet takes either name and saves ``alpha``. Note the
default 0.3 differs from PyTorch's ``negative_slope=0.01`` and from ``ReLU(negative_slope=0)``.
"""
from __future__ import annotations

import numbers

import numpy as np

from pynet import initializers, regularizers
from pynet.kernels._checks import require_scalar
from pynet.layers.base import Layer, format_shape, register_layer

__all__ = ["LeakyReLU", "ReLU", "ELU", "PReLU"]


class _Elementwise(Layer):
    """A parameter-free element-wise layer: forward keeps f′(x), backward multiplies by it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._slope = None

    def forward(self, x, training=False):
        self.check_input(x)
        x = np.asarray(x, dtype=self.dtype)
        y, self._slope = self._f_and_slope(x)
        return y.astype(self.dtype, copy=False)

    def backward(self, grad):
        if self._slope is None:
            raise RuntimeError(f"{type(self).__name__} {self.name!r}: backward() called before "
                               "forward()")
        grad = np.asarray(grad, dtype=self.dtype)
        if grad.shape != self._slope.shape:
            raise ValueError(f"{type(self).__name__} {self.name!r}: gradient must have the "
                             f"output's shape {self._slope.shape}, got {grad.shape}")
        return self._times_slope(grad).astype(self.dtype, copy=False)

    def _times_slope(self, grad):
        """dL/dx = dL/dy · f′(x), from what forward kept in ``self._slope``."""
        return grad * self._slope


@register_layer
class LeakyReLU(_Elementwise):
    """``y = x`` for x > 0, ``α·x`` otherwise (default α = 0.3, Keras's; Keras 3 calls it
    ``negative_slope``)."""

    name_prefix = "leaky_re_lu"

    def __init__(self, alpha=None, negative_slope=None, **kwargs):
        where = "LeakyReLU()"
        if alpha is not None and negative_slope is not None and alpha != negative_slope:
            raise ValueError(f"{where}: alpha (Keras 2) and negative_slope (Keras 3) name the "
                             f"same slope; got both, {alpha!r} and {negative_slope!r}")
        value = 0.3 if alpha is None and negative_slope is None else \
            (alpha if alpha is not None else negative_slope)
        self.alpha = require_scalar("alpha", value, where=where, low=0.0)
        super().__init__(**kwargs)

    @property
    def negative_slope(self) -> float:
        """Keras 3's name for :attr:`alpha`."""
        return self.alpha

    def _f_and_slope(self, x):
        # For 0 < α ≤ 1 (every GAN's case), y = max(x, α·x) and forward keeps only the mask
        # [x > 0]: the same numbers as x · (1 or α) — α·x ≤ x exactly when x > 0 and ≥ x when
        # x ≤ 0, NaN stays NaN — in light branch-free passes without float64 temporaries
        # (np.where on a random sign pattern costs ten times as much; this layer follows every
        # convolution of the book's GAN). α = 0 keeps the slope array: 0·∞ would be NaN.
        alpha = self.dtype.type(self.alpha)
        if not 0 < self.alpha <= 1:
            slope = np.where(x > 0, 1.0, self.alpha).astype(self.dtype)
            return x * slope, slope
        y = np.multiply(x, alpha)
        np.maximum(x, y, out=y)
        return y, np.greater(x, 0)

    def _times_slope(self, grad):
        if self._slope.dtype != np.bool_:
            return grad * self._slope
        # max([x > 0], α) is 1 or α (α ≤ 1), exactly the slope
        return grad * np.maximum(self._slope, self.dtype.type(self.alpha))

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


@register_layer
class ReLU(_Elementwise):
    """Rectified linear unit with Keras's options: a ceiling ``max_value``, a ``negative_slope``
    below ``threshold`` (defaults: no ceiling, 0, 0 — the plain max(x, 0))."""

    name_prefix = "re_lu"

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        where = "ReLU()"
        self.max_value = None if max_value is None else \
            require_scalar("max_value", max_value, where=where, low=0.0)
        self.negative_slope = require_scalar("negative_slope", negative_slope, where=where, low=0.0)
        self.threshold = require_scalar("threshold", threshold, where=where)
        super().__init__(**kwargs)

    def _f_and_slope(self, x):
        theta = self.dtype.type(self.threshold)
        below = x < theta
        y = np.where(below, self.negative_slope * (x - theta), x)
        slope = np.where(below, self.negative_slope, 1.0)
        if self.max_value is not None:
            top = x >= self.max_value
            y = np.where(top, self.max_value, y)
            slope = np.where(top, 0.0, slope)
        return y, slope.astype(self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


@register_layer
class ELU(_Elementwise):
    """Exponential linear unit: ``x`` for x > 0, ``α·(eˣ − 1)`` otherwise (default α = 1)."""

    name_prefix = "elu"

    def __init__(self, alpha=1.0, **kwargs):
        self.alpha = require_scalar("alpha", alpha, where="ELU()")
        super().__init__(**kwargs)

    def _f_and_slope(self, x):
        e = np.exp(np.minimum(x, 0))                       # no overflow for large positive x
        positive = x > 0
        y = np.where(positive, x, self.alpha * (e - 1))
        return y, np.where(positive, 1.0, self.alpha * e).astype(self.dtype)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


@register_layer
class PReLU(Layer):
    """Parametric ReLU: ``y = x`` for x > 0, ``a ⊙ x`` otherwise, with ``a`` learned.

    ``a`` has the sample shape, except along ``shared_axes`` (counting the batch axis, as Keras:
    for images ``(H, W, C)``, ``shared_axes=[1, 2]`` learns one slope per channel) where it has
    length 1. Default ``alpha_initializer='zeros'`` (Keras's): the layer starts as a ReLU.

    Backward: ``dL/dx = g ⊙ (1 or a)``; ``dL/da = Σ g ⊙ x`` over x ≤ 0 (summed over the batch and
    the shared axes).
    """

    name_prefix = "p_re_lu"

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, shared_axes=None,
                 **kwargs):
        where = "PReLU()"
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        if shared_axes is None:
            axes = ()
        else:
            axes = shared_axes if isinstance(shared_axes, (list, tuple)) else (shared_axes,)
            if any(isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral) or a < 1
                   for a in axes):
                raise ValueError(f"{where}: shared_axes must be axes >= 1 (0 is the batch axis), "
                                 f"got {shared_axes!r}")
        self.shared_axes = tuple(sorted({int(a) for a in axes}))
        super().__init__(**kwargs)
        self._cache = None

    def compute_output_shape(self, input_shape):
        if self.shared_axes and max(self.shared_axes) > len(input_shape):
            raise ValueError(f"PReLU {self.name!r}: shared_axes {list(self.shared_axes)} do not "
                             f"exist in inputs of shape {format_shape(input_shape)}")
        return tuple(input_shape)

    def build(self, input_shape):
        input_shape = tuple(int(s) for s in input_shape)
        self.compute_output_shape(input_shape)
        shape = tuple(1 if i + 1 in self.shared_axes else s for i, s in enumerate(input_shape))
        self.add_weight("alpha", shape, self.alpha_initializer, regularizer=self.alpha_regularizer)
        super().build(input_shape)

    def forward(self, x, training=False):
        self.check_input(x)
        x = np.asarray(x, dtype=self.dtype)
        negative = x <= 0
        self._cache = (x, negative)
        return np.where(negative, self.params["alpha"] * x, x).astype(self.dtype, copy=False)

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"PReLU {self.name!r}: backward() called before forward()")
        x, negative = self._cache
        grad = np.asarray(grad, dtype=self.dtype)
        if grad.shape != x.shape:
            raise ValueError(f"PReLU {self.name!r}: gradient must have the output's shape "
                             f"{x.shape}, got {grad.shape}")
        d_alpha = np.where(negative, grad * x, 0).sum(axis=(0,) + self.shared_axes, keepdims=True)
        self.grads["alpha"][...] = d_alpha[0]
        return np.where(negative, self.params["alpha"] * grad, grad).astype(self.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update(alpha_initializer=initializers.serialize(self.alpha_initializer),
                      alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
                      shared_axes=list(self.shared_axes) or None)
        return config
