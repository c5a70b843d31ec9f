"""Variational autoencoders (Chollet §8.4, listings 8.23–8.28): sampling and the VAE loss.

A VAE's encoder maps an image to the mean and log-variance of a Gaussian in latent space; a point
is drawn from that Gaussian (the *reparameterisation trick*) and the decoder maps it back::

    z_mean, z_log_var = encoder(x)
    z = z_mean + exp(½·z_log_var) · ε,   ε ~ N(0, I)          (sample_z, the Sampling layer)
    x̂ = decoder(z)
    loss = BCE(x, x̂) + KL,   KL = −5e-4 · mean(1 + z_log_var − z_mean² − exp(z_log_var))

The book's constants (listing 8.26): the reconstruction term is Keras's binary cross-entropy of
the flattened image (the mean over its 784 pixels), the KL term is weighted by **5e-4** and
averaged over the latent axis, and the two are averaged over the batch.

**The book's sampling** (listing 8.24) multiplies ε by ``exp(z_log_var)``; the standard trick (and
Keras's own VAE example since) uses the standard deviation ``exp(½·z_log_var)``, and so do we.
``Sampling(std_from="log_var")`` reproduces the book's line for a learner who wants it.

How pynet trains it
-------------------
The book puts both terms in a custom layer (``add_loss``) and compiles with ``loss=None``. pynet's
``add_loss`` terms are not differentiated by the model: the layer that adds one back-propagates
its gradient itself, and a layer is only back-propagated when a compiled loss reaches it. So the
loss is split where it splits naturally, and the value is the same as the book's:

* the reconstruction term is the compiled loss: ``vae.compile(loss="binary_crossentropy")`` and
  ``vae.fit(x, x)`` (pynet's binary cross-entropy on ``(batch, 28, 28, 1)`` is the mean over all
  pixels and samples — exactly the book's flattened per-image mean, averaged over the batch);
* the KL term is added by :class:`KLDivergenceLoss`, a layer called on ``[x̂, z_mean, z_log_var]``
  that passes ``x̂`` through unchanged, calls ``add_loss(KL)`` when training and, in ``backward``,
  returns ``dKL/dz_mean`` and ``dKL/dz_log_var`` (the gradient of ``x̂`` passes through).

:func:`vae_loss` computes the book's total for arrays (lessons and tests compare with it).
"""
from __future__ import annotations

import numbers

import numpy as np

from pynet.layers.base import Layer, format_shape, register_layer
from pynet import _validate as validate

__all__ = ["sample_z", "Sampling", "KLDivergenceLoss", "kl_divergence", "vae_loss",
           "BOOK_KL_WEIGHT"]

#: Listing 8.26's weight of the KL term: ``kl_loss = -5e-4 * K.mean(...)``.
BOOK_KL_WEIGHT = 5e-4

#: How the spread of ``q(z|x)`` is read from ``z_log_var``: ``"std"`` → exp(½·log_var) (standard),
#: ``"log_var"`` → exp(log_var) (listing 8.24 as printed).
_SCALES = ("std", "log_var")


def _rng(rng, where):
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"{where}: rng must be a numpy Generator, an int seed or None, got {rng!r}")


def _check_pair(z_mean, z_log_var, where):
    z_mean, z_log_var = np.asarray(z_mean), np.asarray(z_log_var)
    if z_mean.shape != z_log_var.shape:
        raise ValueError(f"{where}: z_mean and z_log_var must have the same shape, got "
                         f"{z_mean.shape} and {z_log_var.shape}")
    if z_mean.ndim != 2:
        raise ValueError(f"{where}: z_mean must be (batch, latent_dim), got shape {z_mean.shape}")
    if z_mean.shape[1] == 0:
        raise ValueError(f"{where}: latent_dim must be positive, got z_mean of shape "
                         f"{z_mean.shape}")
    for name, a in (("z_mean", z_mean), ("z_log_var", z_log_var)):
        if a.dtype.kind != "f":
            raise TypeError(f"{where}: {name} must hold floats, got dtype {a.dtype}")
    return z_mean, z_log_var


def _set_built(layer, shapes):
    """What ``Layer.build`` does, for a layer taking a list (as the merge layers do)."""
    layer.input_shape = [tuple(s) for s in shapes]
    layer.output_shape = tuple(layer.compute_output_shape(shapes))
    layer.built = True


def _scale(z_log_var, std_from):
    """σ as the sampling reads it: exp(½·log σ²) or, as printed in the book, exp(log σ²)."""
    return np.exp(0.5 * z_log_var) if std_from == "std" else np.exp(z_log_var)


def sample_z(z_mean, z_log_var, rng=None, *, std_from="std"):
    """``z = z_mean + exp(½·z_log_var) · ε`` with ``ε ~ N(0, I)`` drawn from ``rng``.

    Parameters
    ----------
    z_mean, z_log_var : arrays (batch, latent_dim) of one float dtype
    rng : numpy Generator, int seed or None
    std_from : ``"std"`` (default, σ = exp(½·log_var)) or ``"log_var"`` (the book's exp(log_var))

    Returns
    -------
    z : array (batch, latent_dim), the dtype of ``z_mean``
    """
    where = "sample_z()"
    if std_from not in _SCALES:
        raise ValueError(f"{where}: std_from must be one of {_SCALES}, got {std_from!r}")
    z_mean, z_log_var = _check_pair(z_mean, z_log_var, where)
    eps = _rng(rng, where).standard_normal(z_mean.shape).astype(z_mean.dtype)
    return (z_mean + _scale(z_log_var, std_from) * eps).astype(z_mean.dtype, copy=False)


@register_layer
class Sampling(Layer):
    """``z = z_mean + σ · ε`` as a layer: ``Sampling(latent_dim)([z_mean, z_log_var])``.

    It has no weights. ε is drawn afresh at every call, in training and in ``predict`` alike (the
    book's Lambda does the same), from the layer's own generator: ``seed`` makes a run
    reproducible and ``fit(seed=...)`` seeds it when no ``seed`` was given.

    Backward, with σ = exp(½·log_var) (``std_from="std"``)::

        dL/dz_mean    = dL/dz
        dL/dz_log_var = dL/dz · ε · ½·σ         (``std_from="log_var"``: dL/dz · ε · σ)

    Parameters
    ----------
    latent_dim : int, optional
        Checked against the inputs' last axis when given (must be ≥ 1).
    seed : int, optional
    std_from : ``"std"`` or ``"log_var"`` (see :func:`sample_z`)
    """

    name_prefix = "sampling"
    multi_input = True

    def __init__(self, latent_dim=None, seed=None, std_from="std", **kwargs):
        where = "Sampling()"
        latent_dim = validate.positive_int(where, "latent_dim", latent_dim, allow_none=True)
        seed = validate.integer(where, "seed", seed, allow_none=True)
        if std_from not in _SCALES:
            raise ValueError(f"{where}: std_from must be one of {_SCALES}, got {std_from!r}")
        super().__init__(**kwargs)
        self.latent_dim = None if latent_dim is None else int(latent_dim)
        self.seed = None if seed is None else int(seed)
        self.std_from = std_from
        self._own_rng = None if seed is None else np.random.default_rng(seed)
        self._model_rng = None

    def seed_random(self, rng: np.random.Generator) -> None:
        """Hook called by ``fit(seed=...)``: use ``rng`` unless seeded explicitly."""
        self._model_rng = rng

    @property
    def rng(self) -> np.random.Generator:
        from pynet import initializers
        return self._own_rng or self._model_rng or initializers.global_rng()

    def build(self, input_shape):
        where = f"layer {self.name!r} (Sampling)"
        shapes = [tuple(s) for s in input_shape] if isinstance(input_shape, (list, tuple)) and \
            input_shape and isinstance(input_shape[0], (list, tuple)) else None
        if shapes is None or len(shapes) != 2:
            raise ValueError(f"{where}: call it on [z_mean, z_log_var], got {input_shape!r}")
        if shapes[0] != shapes[1]:
            raise ValueError(f"{where}: z_mean and z_log_var must have the same shape, got "
                             f"{format_shape(shapes[0])} and {format_shape(shapes[1])}")
        if len(shapes[0]) != 1:
            raise ValueError(f"{where}: z_mean must be (batch, latent_dim), got "
                             f"{format_shape(shapes[0])}")
        if self.latent_dim is not None and shapes[0][0] != self.latent_dim:
            raise ValueError(f"{where}: latent_dim is {self.latent_dim} but z_mean has "
                             f"{shapes[0][0]} values per sample")
        if shapes[0][0] is not None and shapes[0][0] <= 0:
            raise ValueError(f"{where}: latent_dim must be ≥ 1, got {shapes[0][0]}")
        _set_built(self, shapes)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def forward(self, x, training=False):
        z_mean, z_log_var = x
        self._eps = self.rng.standard_normal(z_mean.shape).astype(z_mean.dtype)
        self._sigma = _scale(z_log_var, self.std_from).astype(z_mean.dtype, copy=False)
        return z_mean + self._sigma * self._eps

    def backward(self, grad):
        factor = 0.5 if self.std_from == "std" else 1.0
        return [grad, grad * self._eps * (factor * self._sigma)]

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "seed": self.seed,
                "std_from": self.std_from}


def kl_divergence(z_mean, z_log_var, weight=BOOK_KL_WEIGHT):
    """The book's KL term per sample: ``−weight · mean_j(1 + log_var_j − mean_j² − exp(log_var_j))``
    (shape ``(batch,)``; ``weight=0.5`` and a sum instead of a mean give the textbook KL)."""
    z_mean, z_log_var = _check_pair(z_mean, z_log_var, "kl_divergence()")
    return -weight * np.mean(1.0 + z_log_var - z_mean ** 2 - np.exp(z_log_var), axis=-1)


def vae_loss(x, x_decoded, z_mean, z_log_var, weight=BOOK_KL_WEIGHT):
    """Listing 8.26's loss: ``mean_batch(BCE(flatten(x), flatten(x̂)) + KL)``; BCE is Keras's
    (the mean over the pixels, probabilities clipped to [1e-7, 1 − 1e-7])."""
    x = np.asarray(x, dtype=np.float64)
    p = np.clip(np.asarray(x_decoded, dtype=np.float64), 1e-7, 1 - 1e-7)
    if x.shape != p.shape:
        raise ValueError(f"vae_loss(): x and x_decoded must have the same shape, got {x.shape} "
                         f"and {p.shape}")
    n = x.shape[0]
    xent = -np.mean((x * np.log(p) + (1 - x) * np.log(1 - p)).reshape(n, -1), axis=1)
    return float(np.mean(xent + kl_divergence(z_mean, z_log_var, weight)))


@register_layer
class KLDivergenceLoss(Layer):
    """``KLDivergenceLoss(weight=5e-4)([x_decoded, z_mean, z_log_var])`` → ``x_decoded``.

    Passes the decoded image through and, when training, adds the batch mean of
    :func:`kl_divergence` to the model's loss with ``add_loss``. Its ``backward`` returns the
    image's gradient unchanged and the KL term's gradients (B the batch, L the latent size)::

        dKL/dz_mean    =  weight · 2·z_mean / (B·L)
        dKL/dz_log_var = −weight · (1 − exp(z_log_var)) / (B·L)

    Compile the VAE with ``loss="binary_crossentropy"`` and fit it with ``y = x``: the total is
    then the book's listing 8.26 loss (see the module docstring).
    """

    name_prefix = "kl_divergence_loss"
    multi_input = True

    def __init__(self, weight=BOOK_KL_WEIGHT, **kwargs):
        weight = validate.real("KLDivergenceLoss()", "weight", weight, low=0)
        super().__init__(**kwargs)
        self.weight = weight

    def build(self, input_shape):
        where = f"layer {self.name!r} (KLDivergenceLoss)"
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 3:
            raise ValueError(f"{where}: call it on [x_decoded, z_mean, z_log_var], got "
                             f"{input_shape!r}")
        shapes = [tuple(s) for s in input_shape]
        if shapes[1] != shapes[2] or len(shapes[1]) != 1:
            raise ValueError(f"{where}: z_mean and z_log_var must both be (batch, latent_dim), "
                             f"got {format_shape(shapes[1])} and {format_shape(shapes[2])}")
        _set_built(self, shapes)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def forward(self, x, training=False):
        x_decoded, z_mean, z_log_var = x
        self._losses = []
        self._z = (z_mean, z_log_var)
        if training:
            self.add_loss(np.mean(kl_divergence(z_mean, z_log_var, self.weight)))
        return x_decoded

    def backward(self, grad):
        z_mean, z_log_var = self._z
        scale = self.weight / z_mean.size          # 1 / (B·L) from the two means
        d_mean = (2.0 * scale) * z_mean
        d_log_var = -scale * (1.0 - np.exp(z_log_var))
        return [grad, d_mean.astype(z_mean.dtype), d_log_var.astype(z_log_var.dtype)]

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}
