"""Generative deep learning (Chollet ch. 8): readable functions and layers over pynet models.

pynet.generative.vae             ``sample_z``, the ``Sampling`` layer, the VAE loss
                                 (``KLDivergenceLoss``, ``kl_divergence``, ``vae_loss``;
                                 listings 8.23–8.28)
pynet.generative.gan             ``train_gan_step``, one step of the book's GAN loop
                                 (listings 8.29–8.32)
pynet.generative.features        activations of named layers for an image of any size, and the
                                 gradient back to the image (what DeepDream and style transfer
                                 differentiate)
pynet.generative.deepdream       DeepDream: layer-contribution loss, gradient ascent, octaves,
                                 lost-detail re-injection (listings 8.8–8.13)
pynet.generative.style_transfer  neural style transfer: content, Gram-matrix style and total
                                 variation losses with their gradients, L-BFGS (listings 8.14–8.22)
pynet.generative.photos          sample photos shipped by scikit-learn / scikit-image, with a
                                 generated fallback
"""
from pynet.generative.deepdream import deep_dream, dream_loss, gradient_ascent
from pynet.generative.features import FeatureExtractor
from pynet.generative.gan import BOOK_LABEL_NOISE, GANStep, train_gan_step
from pynet.generative.photos import sample_photo
from pynet.generative.style_transfer import (content_loss, gram_matrix, style_loss,
                                             total_variation_loss, transfer_style)
from pynet.generative.vae import (BOOK_KL_WEIGHT, KLDivergenceLoss, Sampling, kl_divergence,
                                  sample_z, vae_loss)

__all__ = ["sample_z", "Sampling", "KLDivergenceLoss", "kl_divergence", "vae_loss",
           "BOOK_KL_WEIGHT", "train_gan_step", "GANStep", "BOOK_LABEL_NOISE",
           "FeatureExtractor", "deep_dream", "dream_loss", "gradient_ascent", "sample_photo",
           "content_loss", "gram_matrix", "style_loss", "total_variation_loss", "transfer_style"]
