"""Generative deep learning (Chollet ch. 8): readable functions over any pynet convnet.

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
from pynet.generative.photos import sample_photo
from pynet.generative.style_transfer import (content_loss, gram_matrix, style_loss,
                                             total_variation_loss, transfer_style)
