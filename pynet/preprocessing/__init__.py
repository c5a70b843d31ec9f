"""Preprocessing in Keras 2's layout: ``sequence`` (``pad_sequences``) and ``timeseries`` (windows).

Text tools (``Tokenizer``, ``one_hot``, ...) live in :mod:`pynet.text`; Keras 2's
``keras.preprocessing.text`` names are all there.
"""
from . import sequence, timeseries  # noqa: F401
from .sequence import make_sampling_table, pad_sequences, skipgrams  # noqa: F401
from .timeseries import generator, timeseries_dataset_from_array  # noqa: F401

__all__ = ["sequence", "timeseries", "pad_sequences", "make_sampling_table", "skipgrams",
           "generator", "timeseries_dataset_from_array"]
