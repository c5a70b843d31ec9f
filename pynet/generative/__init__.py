"""Generative deep learning (Chollet ch. 8): readable functions and layers over pynet models.

* :mod:`pynet.generative.vae` — ``sample_z``, the ``Sampling`` layer, the VAE loss
  (``KLDivergenceLoss``, ``kl_divergence``, ``vae_loss``; listings 8.23–8.28);
* :mod:`pynet.generative.gan` — ``train_gan_step``, one step of the book's GAN loop
  (listings 8.29–8.32).
"""
from pynet.generative.gan import BOOK_LABEL_NOISE, GANStep, train_gan_step
from pynet.generative.vae import (BOOK_KL_WEIGHT, KLDivergenceLoss, Sampling, kl_divergence,
                                  sample_z, vae_loss)

__all__ = ["sample_z", "Sampling", "KLDivergenceLoss", "kl_divergence", "vae_loss",
           "BOOK_KL_WEIGHT", "train_gan_step", "GANStep", "BOOK_LABEL_NOISE"]
