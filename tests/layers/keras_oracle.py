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


def run(keras_layer, inputs, training=False) -> np.ndarray:
    """Call a Keras layer on NumPy input(s) and return NumPy."""
    out = keras_layer(inputs, training=training) if training is not None else keras_layer(inputs)
    return np.asarray(keras_layer_to_numpy(out))


def keras_layer_to_numpy(tensor):
    import keras
    return keras.ops.convert_to_numpy(tensor)
