"""Keras 3 as a witness, when it is installed (``pip install keras``; run on the PyTorch backend).

Tests that ask for it skip without Keras: it is an optional second oracle beside PyTorch, which the
tests of each layer always use.
"""
from __future__ import annotations

import os

import numpy as np
import pytest


def keras_or_skip():
    """The ``keras`` module on the torch backend, or skip the test."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 not installed (optional oracle)")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on {keras.backend.backend()!r}; these checks use the torch backend")
    return keras


def run(keras_layer, inputs, training=False) -> np.ndarray:
    """Call a Keras layer on NumPy input(s) and return NumPy."""
    out = keras_layer(inputs, training=training) if training is not None else keras_layer(inputs)
    return np.asarray(keras_layer_to_numpy(out))


def keras_layer_to_numpy(tensor):
    import keras
    return keras.ops.convert_to_numpy(tensor)
