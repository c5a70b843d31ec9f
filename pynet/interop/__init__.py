"""Moving weights between pynet and other frameworks' files.

:mod:`pynet.interop.keras` reads and writes Keras's HDF5 weight files (Keras 2's ``.h5`` and
Keras 3's ``.weights.h5``); it needs the optional ``h5py`` (``pip install pynet[h5]``) and imports
it only when a file is read or written.
"""
from pynet.interop import keras

__all__ = ["keras"]
