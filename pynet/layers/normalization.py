"""BatchNormalization (Chollet §7.3.1; Ioffe & Szegedy 2015).

What the layer computes
-----------------------
For every position along ``axis`` (a *channel*: a Dense unit, an image's colour plane), over
the ``m`` values of the batch that share it (all samples, and all pixels for images)::

    training:   μ, σ² = mean and (biased) variance of the batch       x̂ = (x − μ) / sqrt(σ² + ε)
    inference:  μ, σ² = moving_mean, moving_variance
    y = γ · x̂ + β

and, in training only, the moving statistics follow the batch's (Keras's rule, in place)::

    moving_mean     ← moving_mean     · momentum + μ  · (1 − momentum)
    moving_variance ← moving_variance · momentum + σ² · (1 − momentum)

The variance is the *biased* one (divided by ``m``) both to normalize and to update the moving
variance, as Keras 3 and the book's Keras 2.0 do. (tf.keras's fused kernel multiplies the moving
update by the Bessel factor m/(m−1), and PyTorch's running_var uses the unbiased variance with
``torch_momentum = 1 − keras_momentum``; see docs/layers_more.md.)

Weights in Keras's order: ``gamma`` (if ``scale``), ``beta`` (if ``center``), ``moving_mean``,
``moving_variance`` — the last two non-trainable (saved, counted, never touched by an optimizer),
4·C values in all (2·C trainable). A frozen layer (``trainable=False``) runs in inference mode
even in ``fit`` (Keras 3, and tf.keras since 2.0; the book's Keras 2.0 still used batch
statistics there).

The numbers come from :func:`pynet.kernels.batch_norm_train_forward`,
``batch_norm_inference_forward`` and ``batch_norm_backward`` (readable versions in
:mod:`pynet.kernels.reference.normalization`).
"""
from __future__ import annotations

import numpy as np

from pynet import initializers, regularizers
from pynet.kernels._checks import require_scalar
from pynet.layers.base import Layer, format_shape, register_layer
from pynet import _validate as validate

__all__ = ["BatchNormalization"]


@register_layer
class BatchNormalization(Layer):
    """Normalize each channel with batch statistics in training, moving averages at inference.

    Parameters
    ----------
    axis : int
        The channel axis, counting the batch axis as Keras does: ``-1`` (default) for Dense
        outputs and channels-last images, ``1`` for channels-first images.
    momentum : float in [0, 1]
        Weight of the old moving statistics per update (default 0.99).
    epsilon : float > 0
        Added to the variance (default 1e-3, Keras's; PyTorch's is 1e-5).
    center, scale : bool
        Learn ``beta`` / ``gamma`` (when False, β = 0 / γ = 1 and the weight does not exist).
    beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer
        Keras's defaults: zeros, ones, zeros, ones.
    beta_regularizer, gamma_regularizer : regularizer, optional
    **kwargs
        ``name``, ``trainable``, ``dtype``, ``input_shape`` (see :class:`Layer`).

    Backward (training mode, per channel, ``g = dL/dy``)::

        dβ = Σ g      dγ = Σ g·x̂      dx = γ/sqrt(σ²+ε) · (g − dβ/m − x̂·dγ/m)
    """

    name_prefix = "batch_normalization"

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, **kwargs):
        where = "BatchNormalization()"
        if isinstance(axis, (list, tuple)):
            raise TypeError(f"{where}: axis must be one int (Keras 3); normalizing over several "
                            f"axes (Keras 2's list form) is not supported, got {axis!r}")
        axis = validate.integer(where, "axis", axis)
        self.momentum = require_scalar("momentum", momentum, where=where, low=0.0, high=1.0)
        self.epsilon = require_scalar("epsilon", epsilon, where=where, low=0.0, low_open=True)
        self.axis = int(axis)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        super().__init__(**kwargs)
        self._cache = None

    # -- shapes -------------------------------------------------------------------------------
    def _sample_axis(self, input_shape) -> int:
        """Index of the channel axis in the sample shape (batch excluded)."""
        rank = len(input_shape)
        full = rank + 1
        if not -full <= self.axis < full or self.axis % full == 0:
            raise ValueError(
                f"BatchNormalization {self.name!r}: axis={self.axis} is not a feature axis of "
                f"inputs of shape {format_shape(input_shape)} (valid: 1..{rank} or "
                f"-{rank}..-1; 0 is the batch axis)")
        return self.axis % full - 1

    def compute_output_shape(self, input_shape):
        self._sample_axis(tuple(input_shape))
        return tuple(input_shape)

    def build(self, input_shape):
        input_shape = tuple(int(s) for s in input_shape)
        ax = self._sample_axis(input_shape)                 # checked before any weight exists
        c = (input_shape[ax],)
        if self.scale:
            self.add_weight("gamma", c, self.gamma_initializer, regularizer=self.gamma_regularizer)
        if self.center:
            self.add_weight("beta", c, self.beta_initializer, regularizer=self.beta_regularizer)
        self.add_weight("moving_mean", c, self.moving_mean_initializer, trainable=False)
        self.add_weight("moving_variance", c, self.moving_variance_initializer, trainable=False)
        super().build(input_shape)

    # -- computing ------------------------------------------------------------------------------
    def _view(self, x):
        """``x`` as (outer, channels, inner): see :mod:`pynet.kernels._checks.normalization`."""
        ax = self._sample_axis(self.input_shape) + 1
        shape = x.shape
        outer = int(np.prod(shape[:ax], dtype=np.int64))
        inner = int(np.prod(shape[ax + 1:], dtype=np.int64))
        return x.reshape(outer, shape[ax], inner)

    def _gamma_beta(self):
        c = self.params["moving_mean"].shape[0]
        gamma = self.params["gamma"] if self.scale else np.ones(c, self.dtype)
        beta = self.params["beta"] if self.center else np.zeros(c, self.dtype)
        return gamma, beta

    def forward(self, x, training=False):
        """Batch statistics when ``training`` (and the layer is trainable), else the moving
        averages; in training the moving averages are updated in place."""
        self.check_input(x)
        x = np.asarray(x, dtype=self.dtype)
        x3 = self._view(x)
        gamma, beta = self._gamma_beta()
        k = self.kernels
        if training and self.trainable:
            y, mean, variance, inv_std = k.batch_norm_train_forward(
                x3, gamma, beta, epsilon=self.epsilon)
            momentum = self.dtype.type(self.momentum)
            for key, batch_value in (("moving_mean", mean), ("moving_variance", variance)):
                moving = self.params[key]
                moving[...] = moving * momentum + batch_value * (1 - momentum)
            self._cache = (x3, mean, inv_std, True)
        else:
            mean, variance = self.params["moving_mean"], self.params["moving_variance"]
            y = k.batch_norm_inference_forward(x3, gamma, beta, mean, variance,
                                               epsilon=self.epsilon)
            inv_std = (1.0 / np.sqrt(variance + self.dtype.type(self.epsilon))).astype(self.dtype)
            self._cache = (x3, mean.copy(), inv_std, False)
        return y.reshape(x.shape)

    def backward(self, grad):
        """dL/dy -> dL/dx; stores dL/dgamma and dL/dbeta, and for the moving statistics their
        true derivative (zero in training mode, where the output does not use them)."""
        if self._cache is None:
            raise RuntimeError(f"BatchNormalization {self.name!r}: backward() called before "
                               "forward()")
        x3, mean, inv_std, batch_statistics = self._cache
        grad = np.asarray(grad, dtype=self.dtype)
        if grad.size != x3.size:
            raise ValueError(f"BatchNormalization {self.name!r}: gradient must have the output's "
                             f"shape, got {grad.shape}")
        gamma, _ = self._gamma_beta()
        dx, dgamma, dbeta = self.kernels.batch_norm_backward(
            x3, gamma, mean, inv_std, grad.reshape(x3.shape), batch_statistics=batch_statistics,
            need_input_grad=self.input_grad_needed)
        if self.scale:
            self.grads["gamma"][...] = dgamma
        if self.center:
            self.grads["beta"][...] = dbeta
        if batch_statistics:
            # the output does not depend on the moving statistics in training
            self.grads["moving_mean"][...] = 0
            self.grads["moving_variance"][...] = 0
        else:
            # y = γ·(x − μ)·s + β with s = (σ² + ε)^(−1/2), ds/dσ² = −s³/2: exact derivatives,
            # so a gradient check sees them; no optimizer touches these non-trainable weights
            self.grads["moving_mean"][...] = -gamma * inv_std * dbeta
            self.grads["moving_variance"][...] = -0.5 * gamma * inv_std * inv_std * dgamma
        return None if dx is None else dx.reshape(grad.shape)

    # -- configuration --------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center,
            scale=self.scale,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
            moving_variance_initializer=initializers.serialize(self.moving_variance_initializer),
            beta_regularizer=regularizers.serialize(self.beta_regularizer),
            gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
        )
        return config
