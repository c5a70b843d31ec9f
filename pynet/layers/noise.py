"""GaussianNoise: add N(0, stddev²) noise in training, nothing at inference (a regularizer, like
Dropout; Chollet uses noise and dropout to fight overfitting).

``y = x + ε, ε ~ N(0, stddev²)`` when ``training``, ``y = x`` otherwise; either way dy/dx = 1.
``seed`` fixes the noise sequence (the same seed gives the same noise on both backends).
"""
from __future__ import annotations

import numpy as np

from pynet.kernels._checks import require_scalar
from pynet.layers.base import Layer, register_layer
from pynet import _validate as validate

__all__ = ["GaussianNoise"]


@register_layer
class GaussianNoise(Layer):
    """Additive zero-mean Gaussian noise of standard deviation ``stddev``, in training only."""

    name_prefix = "gaussian_noise"

    def __init__(self, stddev, seed=None, **kwargs):
        where = "GaussianNoise()"
        self.stddev = require_scalar("stddev", stddev, where=where, low=0.0)
        self.seed = validate.integer(where, "seed", seed, allow_none=True)
        super().__init__(**kwargs)
        self._own_rng = None if seed is None else np.random.default_rng(seed)
        self._model_rng = None
        self._shape = None

    def seed_random(self, rng: np.random.Generator) -> None:
        """Hook called by ``fit(seed=...)``: use ``rng`` unless seeded explicitly (as Dropout)."""
        self._model_rng = rng

    @property
    def rng(self) -> np.random.Generator:
        """The layer's own seeded generator, else the model's, else pynet's global one."""
        if self._own_rng is not None:
            return self._own_rng
        if self._model_rng is not None:
            return self._model_rng
        from pynet.initializers import global_rng
        return global_rng()

    def forward(self, x, training=False):
        self.check_input(x)
        x = np.asarray(x, dtype=self.dtype)
        self._shape = x.shape
        if not training or self.stddev == 0:
            return x
        return (x + self.rng.normal(0.0, self.stddev, size=x.shape)).astype(self.dtype)

    def backward(self, grad):
        if self._shape is None:
            raise RuntimeError(f"GaussianNoise {self.name!r}: backward() called before forward()")
        grad = np.asarray(grad, dtype=self.dtype)
        if grad.shape != self._shape:
            raise ValueError(f"GaussianNoise {self.name!r}: gradient must have the output's "
                             f"shape {self._shape}, got {grad.shape}")
        return grad

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config
