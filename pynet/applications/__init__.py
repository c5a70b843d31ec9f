"""Keras's application models, with Keras's layer names and parameter counts, so Keras's weight
files (``pynet.interop.keras``) load into them: ``VGG16``, ``VGG19``, and ImageNet's
``preprocess_input`` ('caffe' mode) and ``decode_predictions``.

pynet downloads nothing: pretrained ImageNet weights are a file the user fetches and passes as
``weights='path/to/file.h5'`` (``docs/interop.md`` names the files).
"""
from pynet.applications.imagenet_utils import decode_predictions, preprocess_input
from pynet.applications.vgg16 import VGG16, VGG19

__all__ = ["VGG16", "VGG19", "preprocess_input", "decode_predictions"]
