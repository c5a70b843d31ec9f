"""Generative adversarial networks (Chollet §8.5, listings 8.29–8.32): one training step.

Three models share two sets of weights::

    generator:      z (latent_dim,) → image
    discriminator:  image → P(the image is *generated*)      compiled first, while trainable
    gan:            z → discriminator(generator(z))          compiled after
                                                             ``discriminator.trainable = False``

pynet, like Keras, collects the weights a model trains when it is **compiled**, so the same
discriminator keeps training through its own ``train_on_batch`` and stays frozen inside ``gan``.

One step (:func:`train_gan_step`, listing 8.32)::

    z ~ N(0, I)                                   (batch, latent_dim)
    fake = generator.predict(z)
    x = [fake; real],  labels = [1…1; 0…0] + 0.05·U[0, 1)         label noise
    d_loss = discriminator.train_on_batch(x, labels)
    z ~ N(0, I)
    a_loss = gan.train_on_batch(z, 0…0)          "these are real" — a lie; moves only the generator

**Label convention.** As printed, the book labels *generated* images 1 and real images 0 (the
discriminator outputs the probability of "fake"), and the generator is trained towards 0. Many
later texts use the opposite (real = 1); the mathematics is symmetric.
"""
from __future__ import annotations

import numbers

import numpy as np
from pynet import _validate as validate

__all__ = ["train_gan_step", "GANStep", "BOOK_LABEL_NOISE"]

#: Listing 8.32: ``labels += 0.05 * np.random.random(labels.shape)``.
BOOK_LABEL_NOISE = 0.05


class GANStep(tuple):
    """``(d_loss, a_loss, generated_images)`` of one step, with those names as attributes."""

    __slots__ = ()

    def __new__(cls, d_loss, a_loss, generated):
        return super().__new__(cls, (d_loss, a_loss, generated))

    d_loss = property(lambda self: self[0], doc="the discriminator's loss on the mixed batch")
    a_loss = property(lambda self: self[1], doc="the adversarial (gan) loss on the lie")
    generated = property(lambda self: self[2], doc="the generated images of this step")


def _latent_dim(generator, where):
    shape = generator.input_shape
    if not isinstance(shape, tuple) or len(shape) != 2:
        raise ValueError(f"{where}: the generator must take latent vectors (batch, latent_dim), "
                         f"its input shape is {shape!r}")
    return shape[1]


def train_gan_step(generator, discriminator, gan, real_images, rng, *,
                   label_noise=BOOK_LABEL_NOISE, generated_label=1.0, real_label=0.0):
    """One step of listing 8.32: train the discriminator, then the generator through ``gan``.

    Parameters
    ----------
    generator : Model, latent vectors → images
    discriminator : Model, compiled (while trainable), images → (batch, 1) probabilities
    gan : Model ``discriminator(generator(z))``, compiled after ``discriminator.trainable = False``
    real_images : array (batch,) + image shape, scaled as the generator's output
    rng : numpy Generator (or int seed) for the latent vectors and the label noise
    label_noise : float ≥ 0 — ``labels += label_noise · U[0, 1)`` (the book's 0.05)
    generated_label, real_label : the book's 1 (generated) and 0 (real)

    Returns
    -------
    GANStep ``(d_loss, a_loss, generated)``
    """
    where = "train_gan_step()"
    for name, model in (("generator", generator), ("discriminator", discriminator),
                        ("gan", gan)):
        if not getattr(model, "compiled", False) and name != "generator":
            raise ValueError(f"{where}: {name} must be compiled (discriminator before, gan after "
                             "discriminator.trainable = False)")
    if not isinstance(rng, np.random.Generator):
        if isinstance(rng, bool) or not isinstance(rng, numbers.Integral):
            raise TypeError(f"{where}: rng must be a numpy Generator or an int seed, got {rng!r}")
        rng = np.random.default_rng(rng)
    label_noise = validate.real(where, "label_noise", label_noise, low=0)
    real_images = np.asarray(real_images)
    expected = tuple(generator.output_shape[1:])
    if real_images.ndim != len(expected) + 1 or tuple(real_images.shape[1:]) != expected:
        raise ValueError(f"{where}: real_images must have shape (batch,) + {expected} (the "
                         f"generator's output), got {real_images.shape}")
    batch = real_images.shape[0]
    if batch == 0:
        raise ValueError(f"{where}: real_images is an empty batch")
    latent_dim = _latent_dim(generator, where)
    dtype = generator.dtype

    # 1-2. random points in latent space, decoded to fake images
    z = rng.standard_normal((batch, latent_dim)).astype(dtype)
    generated = generator.predict(z, batch_size=batch)
    # 3-4. fake and real together, labelled (with noise), train the discriminator
    combined = np.concatenate([generated, real_images.astype(generated.dtype, copy=False)])
    labels = np.concatenate([np.full((batch, 1), generated_label),
                             np.full((batch, 1), real_label)])
    labels = (labels + label_noise * rng.random(labels.shape)).astype(dtype)
    d_loss = discriminator.train_on_batch(combined, labels)
    # 5-6. new points, all labelled "real": only the generator moves (the discriminator is frozen
    # inside gan)
    z = rng.standard_normal((batch, latent_dim)).astype(dtype)
    misleading = np.full((batch, 1), real_label, dtype=dtype)
    a_loss = gan.train_on_batch(z, misleading)
    return GANStep(d_loss, a_loss, generated)
