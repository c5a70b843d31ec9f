"""Metrics: numbers watched during training, never differentiated.

Names follow Keras: ``metrics=['accuracy']`` (or ``'acc'``) picks, as Keras does, binary accuracy
(threshold 0.5) for binary cross-entropy or a one-unit output, sparse categorical accuracy for
integer labels, and categorical accuracy (argmax of output = argmax of target) otherwise. The
key in ``history.history`` is the name you wrote (``'acc'`` stays ``'acc'``, ``'mae'`` stays
``'mae'``), prefixed with ``val_`` for the validation data.

A metric's value for an epoch is the mean over all samples seen (batch values weighted by the
batch size).
"""
from __future__ import annotations

import numpy as np

__all__ = ["Metric", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "mean_squared_error", "mean_absolute_error", "get", "names"]


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per-sample fraction of outputs on the right side of ``threshold``."""
    p = np.asarray(y_pred) > threshold
    y = np.asarray(y_true).reshape(p.shape) > 0.5
    return np.mean(p == y, axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the largest output is at the target's largest entry."""
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the largest output is at the integer label."""
    p = np.argmax(y_pred, axis=-1)
    return (np.asarray(y_true).reshape(p.shape) == p).astype(np.float64)


def mean_squared_error(y_true, y_pred):
    diff = np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64).reshape(np.shape(y_pred))
    return np.mean(diff * diff, axis=-1)


def mean_absolute_error(y_true, y_pred):
    diff = np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64).reshape(np.shape(y_pred))
    return np.mean(np.abs(diff), axis=-1)


class Metric:
    """A named per-sample function; ``metric(y, p)`` is its batch mean."""

    def __init__(self, name, fn):
        self.name = name
        self.fn = fn

    def __call__(self, y_true, y_pred) -> float:
        return float(np.mean(self.fn(y_true, y_pred)))

    def __repr__(self):
        return f"<metric {self.name}: {self.fn.__name__}>"


_FUNCTIONS = {
    "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,
}


def names() -> list:
    return sorted(list(_FUNCTIONS) + ["accuracy", "acc"])


def get(identifier, loss=None, output_shape=None) -> Metric:
    """Resolve a metric name or function; ``'accuracy'``/``'acc'`` depend on the loss and the
    output shape (see the module docstring)."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        key = identifier
        if key in ("accuracy", "acc"):
            loss_name = getattr(loss, "name", None)
            if loss_name == "binary_crossentropy" or (output_shape is not None and
                                                      tuple(output_shape)[-1:] == (1,)):
                fn = binary_accuracy
            elif loss_name == "sparse_categorical_crossentropy":
                fn = sparse_categorical_accuracy
            else:
                fn = categorical_accuracy
            return Metric(key, fn)
        if key not in _FUNCTIONS:
            raise ValueError(f"unknown metric {identifier!r}; known metrics: {', '.join(names())}")
        return Metric(key, _FUNCTIONS[key])
    if callable(identifier):
        return Metric(getattr(identifier, "__name__", "metric"), identifier)
    raise TypeError(f"metric must be a name or a function, got {identifier!r}")
