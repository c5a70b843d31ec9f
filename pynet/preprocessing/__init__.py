"""Preprocessing in Keras 2's layout: ``sequence`` (``pad_sequences``), ``timeseries`` (windows) and
``image`` (``load_img``, ``ImageDataGenerator``).

Text tools (``Tokenizer``, ``one_hot``, ...) live in :mod:`pynet.text`; Keras 2's
``keras.preprocessing.text`` names are all there.
"""
from . import image, sequence, timeseries  # noqa: F401
from .image import ImageDataGenerator, array_to_img, img_to_array, load_img  # noqa: F401
from .sequence import make_sampling_table, pad_sequences, skipgrams  # noqa: F401
from .timeseries import generator, timeseries_dataset_from_array  # noqa: F401

__all__ = ["image", "sequence", "timeseries", "ImageDataGenerator", "load_img", "img_to_array",
           "array_to_img", "pad_sequences", "make_sampling_table", "skipgrams",
           "generator", "timeseries_dataset_from_array"]
