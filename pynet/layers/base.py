"""The layer contract shared by every layer (Dense, Conv2D, pooling, ...).

A layer is built lazily from the shape of its first input (batch axis excluded), then runs

* ``forward(x, training) -> y``: keeps what ``backward`` needs;
* ``backward(grad) -> grad_input``: given dL/dy, stores dL/dparam in ``self.grads`` and returns
  dL/dx. It never changes the parameters: an optimizer applies ``self.grads`` in a separate step.

Parameters and their gradients are dicts of arrays keyed by short names (``"kernel"``,
``"bias"``), in a fixed order that ``get_weights``/``set_weights`` follow (Keras's order).
"""
from __future__ import annotations

import numpy as np


class Layer:
    """Base class. Subclasses override ``build``, ``compute_output_shape``, ``forward``,
    ``backward`` and ``get_config``; layers without parameters skip ``build``'s parameter part."""

    #: Prefix for automatic names (``dense`` -> ``dense_1``, ``dense_2``, ...).
    name_prefix = "layer"

    def __init__(self, name: str | None = None, trainable: bool = True, dtype="float32",
                 input_shape=None):
        self.name = name
        self.trainable = bool(trainable)
        self.dtype = np.dtype(dtype)
        self.built = False
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.output_shape = None
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    # -- building -------------------------------------------------------------------------
    def build(self, input_shape: tuple) -> None:
        """Create parameters for inputs of shape ``(batch,) + input_shape``."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """Output shape without the batch axis (identity by default)."""
        return tuple(input_shape)

    # -- computing --------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, x, training: bool = False):
        x = np.asarray(x)
        if not self.built:
            self.build(x.shape[1:])
        return self.forward(x, training)

    # -- weights ----------------------------------------------------------------------------
    def get_weights(self) -> list:
        """Copies of the parameters, in order."""
        return [p.copy() for p in self.params.values()]

    def set_weights(self, weights) -> None:
        """Replace the parameters; shapes must match exactly (checked before anything changes)."""
        weights = list(weights)
        if len(weights) != len(self.params):
            raise ValueError(
                f"layer {self.name!r} has {len(self.params)} weight arrays, got {len(weights)}"
            )
        new = []
        for (key, old), w in zip(self.params.items(), weights):
            w = np.asarray(w)
            if w.shape != old.shape:
                raise ValueError(
                    f"layer {self.name!r}: weight {key!r} has shape {old.shape}, got {w.shape}"
                )
            new.append((key, w.astype(old.dtype, copy=True)))
        for key, w in new:
            self.params[key][...] = w

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype.name}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} output_shape={self.output_shape}>"
