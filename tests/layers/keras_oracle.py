"""Keras 3 as a witness, when it is installed (``pip install keras``; run on the PyTorch backend).

Tests that ask for it skip without Keras: it is an optional second oracle beside PyTorch, which the
tests of each layer always use.
"""
from __future__ import annotations

import os

import numpy as np
import pytest


def keras_or_skip(require):
    """The ``keras`` module on the torch backend (``require`` skips in a user's clone and fails
    under CI when Keras is missing)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = require("keras")
    assert keras.backend.backend() == "torch", (
        f"Keras runs on {keras.backend.backend()!r}; these checks need KERAS_BACKEND=torch")
    return keras


def keras_layer_to_numpy(tensor) -> np.ndarray:
    """A Keras output (a torch tensor on this backend) as a NumPy array."""
    import keras
    return np.asarray(keras.ops.convert_to_numpy(tensor))
