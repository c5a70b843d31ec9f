"""Loss functions (Keras's names): what training minimises.

Every loss is the mean over the batch of a per-sample loss (``y`` the target, ``p`` the output,
``d`` the size of the last axis, ``ε = 1e-7`` the clip that keeps logarithms finite)::

    mean_squared_error              (1/d) Σ (p − y)²
    mean_absolute_error             (1/d) Σ |p − y|
    binary_crossentropy             −(1/d) Σ [y log p + (1 − y) log(1 − p)]
    categorical_crossentropy        −Σ y log p                 (y one-hot or a distribution)
    sparse_categorical_crossentropy −log p[label]              (y integer class ids)

A :class:`Loss` gives the value ``loss(y, p)``, the gradient ``loss.gradient(y, p) = dL/dp``,
and checks the targets before training (``check_targets``).

Fused gradients: when the last layer ends with the activation named in ``fused_activation``
(softmax for the categorical losses, sigmoid for binary cross-entropy), the model skips the
activation's Jacobian and uses ``gradient_logits``: ``dL/dz = (p − y) / n`` (divided by ``d`` too
for binary cross-entropy). It is exact, costs nothing, and never divides by a tiny ``p`` — the
reason Nielsen's cross-entropy ``delta`` has no σ′.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Loss", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "mean_squared_error",
           "mean_absolute_error", "binary_crossentropy", "categorical_crossentropy",
           "sparse_categorical_crossentropy", "mse", "mae", "get", "names", "EPSILON"]

EPSILON = 1e-7


def _f64(a):
    return np.asarray(a, dtype=np.float64)


def _mean(a, axis=None):
    """``np.mean(a, axis)`` for a non-empty float64 array — the same sum (``np.add.reduce``) and
    the same division — without ``np.mean``'s few microseconds of dispatch, which a per-sample
    training step pays several times; anything else goes to ``np.mean``."""
    if type(a) is np.ndarray and a.dtype == np.float64 and a.size and (axis is None or a.ndim):
        return np.add.reduce(a, axis=axis) / (a.size if axis is None else a.shape[axis])
    return np.mean(a, axis=axis)


class Loss:
    """Base class. ``loss(y_true, y_pred) -> float`` (batch mean)."""

    name = "loss"
    #: Activation whose Jacobian this loss cancels (see the module docstring), or None.
    fused_activation = None

    def per_sample(self, y_true, y_pred) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, y_true, y_pred) -> float:
        return float(_mean(self.per_sample(y_true, y_pred)))

    def gradient(self, y_true, y_pred) -> np.ndarray:
        """dL/dy_pred, shape and dtype of ``y_pred``."""
        raise NotImplementedError

    def gradient_logits(self, y_true, y_pred) -> np.ndarray:
        """dL/dz where ``y_pred = fused_activation(z)``."""
        raise NotImplementedError(f"loss {self.name!r} has no fused gradient")

    def check_targets(self, y, output_shape, *, where="fit()") -> np.ndarray:
        """Validate targets ``y`` for a model whose sample output shape is ``output_shape``;
        return them in the form the loss uses (raise ValueError with advice otherwise)."""
        y = np.asarray(y)
        if y.dtype.kind not in "fiub":
            raise TypeError(f"{where}: targets y must be numbers, got dtype {y.dtype}")
        want = tuple(output_shape)
        if y.shape[1:] != want:
            if y.ndim == 1 and want == (1,):
                y = y.reshape(-1, 1)
            else:
                hint = ""
                if y.ndim == 1 and len(want) == 1 and want[0] > 1:
                    hint = (f" — y looks like integer class ids: use "
                            f"loss='sparse_categorical_crossentropy', or one-hot encode with "
                            f"to_categorical(y, {want[0]})")
                elif y.ndim == 2 and len(want) == 1 and y.shape[1] != want[0]:
                    hint = (f" — the last layer has {want[0]} units but y has {y.shape[1]} "
                            "columns; the number of classes must match")
                raise ValueError(f"{where}: loss {self.name!r} needs targets of shape "
                                 f"(n, {', '.join(map(str, want))}) to match the model's output "
                                 f"(None, {', '.join(map(str, want))}), got {y.shape}{hint}")
        return y

    def get_config(self):
        return {}

    def __repr__(self):
        return f"<loss {self.name}>"


class MeanSquaredError(Loss):
    name = "mean_squared_error"

    def per_sample(self, y_true, y_pred):
        diff = _f64(y_pred) - _f64(y_true)
        return _mean(diff * diff, axis=-1)

    def gradient(self, y_true, y_pred):
        p = np.asarray(y_pred)
        scale = 2.0 / p.size
        return ((p - np.asarray(y_true, dtype=p.dtype)) * p.dtype.type(scale)).astype(p.dtype)


class MeanAbsoluteError(Loss):
    name = "mean_absolute_error"

    def per_sample(self, y_true, y_pred):
        return _mean(np.abs(_f64(y_pred) - _f64(y_true)), axis=-1)

    def gradient(self, y_true, y_pred):
        p = np.asarray(y_pred)
        return (np.sign(p - np.asarray(y_true, dtype=p.dtype)) * p.dtype.type(1.0 / p.size)).astype(p.dtype)


class BinaryCrossentropy(Loss):
    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def per_sample(self, y_true, y_pred):
        y = _f64(y_true)
        p = np.clip(_f64(y_pred), EPSILON, 1.0 - EPSILON)
        return -_mean(y * np.log(p) + (1.0 - y) * np.log1p(-p), axis=-1)

    def gradient(self, y_true, y_pred):
        y = _f64(y_true)
        raw = _f64(y_pred)
        p = np.clip(raw, EPSILON, 1.0 - EPSILON)
        g = (p - y) / (p * (1.0 - p)) / raw.size
        g[(raw < EPSILON) | (raw > 1.0 - EPSILON)] = 0.0  # the clip is flat there
        return g.astype(np.asarray(y_pred).dtype)

    def gradient_logits(self, y_true, y_pred):
        p = np.asarray(y_pred)
        return ((p - np.asarray(y_true, dtype=p.dtype)) * p.dtype.type(1.0 / p.size)).astype(p.dtype)

    #: Targets may exceed 1 by this much: Chollet's GAN adds label noise ``0.05·U[0, 1)`` to
    #: labels of 1 (listing 8.32), and Keras accepts any target. Class ids (2, 3, ...) are
    #: still refused.
    LABEL_NOISE_MARGIN = 0.1

    def check_targets(self, y, output_shape, *, where="fit()"):
        y = super().check_targets(y, output_shape, where=where)
        low, high = float(np.min(y, initial=0.0)), float(np.max(y, initial=0.0))
        if low < 0.0 or high > 1.0 + self.LABEL_NOISE_MARGIN:
            raise ValueError(f"{where}: binary_crossentropy needs targets in [0, 1] (noisy labels "
                             f"up to {1.0 + self.LABEL_NOISE_MARGIN:g}), got min={low:g} "
                             f"max={high:g}")
        return y


class CategoricalCrossentropy(Loss):
    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def per_sample(self, y_true, y_pred):
        p = np.clip(_f64(y_pred), EPSILON, 1.0)
        return -np.sum(_f64(y_true) * np.log(p), axis=-1)

    def gradient(self, y_true, y_pred):
        raw = _f64(y_pred)
        n = raw.size // raw.shape[-1]
        g = -_f64(y_true) / np.clip(raw, EPSILON, 1.0) / n
        g[raw < EPSILON] = 0.0
        return g.astype(np.asarray(y_pred).dtype)

    def gradient_logits(self, y_true, y_pred):
        # dL/dz_i = p_i Σ_j y_j − y_i, divided by the batch size (Σ_j y_j = 1 for one-hot rows)
        p = np.asarray(y_pred)
        y = np.asarray(y_true, dtype=p.dtype)
        n = p.size // p.shape[-1]
        return ((p * y.sum(axis=-1, keepdims=True) - y) * p.dtype.type(1.0 / n)).astype(p.dtype)

    def check_targets(self, y, output_shape, *, where="fit()"):
        y = super().check_targets(y, output_shape, where=where)
        if y.size and float(np.min(y)) < 0.0:
            raise ValueError(f"{where}: categorical_crossentropy needs non-negative targets "
                             f"(one-hot rows or distributions), got min={float(np.min(y)):g}")
        return y


class SparseCategoricalCrossentropy(Loss):
    name = "sparse_categorical_crossentropy"
    fused_activation = "softmax"

    @staticmethod
    def _labels(y_true):
        return np.asarray(y_true).reshape(-1).astype(np.intp)

    def per_sample(self, y_true, y_pred):
        p = _f64(y_pred)
        p2 = p.reshape(-1, p.shape[-1])
        picked = p2[np.arange(p2.shape[0]), self._labels(y_true)]
        return -np.log(np.clip(picked, EPSILON, 1.0)).reshape(p.shape[:-1])

    def gradient(self, y_true, y_pred):
        p = np.asarray(y_pred)
        p2 = p.reshape(-1, p.shape[-1])
        rows = np.arange(p2.shape[0])
        labels = self._labels(y_true)
        g = np.zeros_like(p2)
        picked = p2[rows, labels].astype(np.float64)
        g[rows, labels] = np.where(picked < EPSILON, 0.0, -1.0 / np.maximum(picked, EPSILON)) / p2.shape[0]
        return g.reshape(p.shape)

    def gradient_logits(self, y_true, y_pred):
        p = np.asarray(y_pred)
        p2 = p.reshape(-1, p.shape[-1])
        g = p2.copy()
        g[np.arange(p2.shape[0]), self._labels(y_true)] -= 1
        g *= p.dtype.type(1.0 / p2.shape[0])
        return g.reshape(p.shape)

    def check_targets(self, y, output_shape, *, where="fit()"):
        y = np.asarray(y)
        k = int(output_shape[-1])
        want_ndim = len(output_shape)  # labels have the output's shape without the class axis
        if y.ndim == want_ndim + 1 and y.shape[-1] == 1:
            y = y.reshape(y.shape[:-1])
        if y.ndim != want_ndim or y.shape[1:] != tuple(output_shape[:-1]):
            hint = ""
            if y.ndim == want_ndim + 1 and y.shape[-1] == k:
                hint = " — y looks one-hot: use loss='categorical_crossentropy' instead"
            raise ValueError(f"{where}: sparse_categorical_crossentropy needs integer class ids "
                             f"of shape (n,{''.join(f' {s},' for s in output_shape[:-1])}) for an "
                             f"output of shape (None, {', '.join(map(str, output_shape))}), got "
                             f"{y.shape}{hint}")
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
                raise ValueError(f"{where}: sparse_categorical_crossentropy needs whole-number "
                                 "class ids, got non-integer values")
        elif y.dtype.kind not in "iub":
            raise TypeError(f"{where}: class ids must be integers, got dtype {y.dtype}")
        if y.size:
            low, high = int(np.min(y)), int(np.max(y))
            if low < 0 or high >= k:
                raise ValueError(f"{where}: class ids must lie in [0, {k - 1}] for an output with "
                                 f"{k} classes, got min={low} max={high}")
        return y.astype(np.intp)


def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error (Keras's function form)."""
    return MeanSquaredError().per_sample(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error."""
    return MeanAbsoluteError().per_sample(y_true, y_pred)


def binary_crossentropy(y_true, y_pred):
    """Per-sample binary cross-entropy (mean over the last axis)."""
    return BinaryCrossentropy().per_sample(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred):
    """Per-sample categorical cross-entropy."""
    return CategoricalCrossentropy().per_sample(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred):
    """Per-sample cross-entropy with integer labels."""
    return SparseCategoricalCrossentropy().per_sample(y_true, y_pred)


mse = mean_squared_error
mae = mean_absolute_error

_CLASSES = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
_FUNCTIONS = {mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
              binary_crossentropy: BinaryCrossentropy,
              categorical_crossentropy: CategoricalCrossentropy,
              sparse_categorical_crossentropy: SparseCategoricalCrossentropy}


def names() -> list:
    return sorted(_CLASSES)


def get(identifier) -> Loss:
    """A loss from a name (``'mse'``, ``'categorical_crossentropy'``), one of this module's
    functions, a Loss class or instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, str):
        try:
            return _CLASSES[identifier.lower()]()
        except KeyError:
            raise ValueError(f"unknown loss {identifier!r}; known losses: {', '.join(names())}") from None
    if callable(identifier) and identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    raise TypeError(f"loss must be a name, a pynet.losses function or a Loss, got {identifier!r}"
                    " (a custom loss subclasses pynet.losses.Loss and defines per_sample and gradient)")
