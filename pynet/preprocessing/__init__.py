"""Preprocessing in Keras 2's layout: ``pynet.preprocessing.sequence`` (``pad_sequences``).

Text tools (``Tokenizer``, ``one_hot``, ...) live in :mod:`pynet.text`; Keras 2's
``keras.preprocessing.text`` names are all there.
"""
from . import sequence  # noqa: F401
from .sequence import make_sampling_table, pad_sequences, skipgrams  # noqa: F401

__all__ = ["sequence", "pad_sequences", "make_sampling_table", "skipgrams"]
