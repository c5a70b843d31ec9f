"""Activation functions, by name (``'relu'``) or by function (``activations.relu``).

Each is an :class:`ActivationFunction` with ``forward(z) -> y`` and ``backward(y, grad) ->
grad_z``. Every derivative here can be written with the *output* ``y`` alone, so layers keep
only ``y`` for the backward pass:

===============  =============================================  ==================================
name             y = f(z)                                        f'(z) written with y
===============  =============================================  ==================================
``linear``       z                                               1
``sigmoid``      1 / (1 + e^(−z))   (never overflows)            y (1 − y)
``tanh``         tanh z                                          1 − y²
``relu``         max(0, z)                                       1 if y > 0 else 0 (0 at z = 0)
``softmax``      e^(z_i − max z) / Σ_j e^(z_j − max z)           J·g = y ⊙ (g − Σ_j g_j y_j)
``leaky_relu``   z if z > 0 else α z   (α = 0.2)                 1 or α
``elu``          z if z > 0 else α (e^z − 1)   (α = 1)           1 or y + α
``selu``         λ z if z > 0 else λ α (e^z − 1)                 λ or y + λ α
===============  =============================================  ==================================

(``selu``: λ = 1.0507009873554805, α = 1.6732632423543772, Klambauer et al. 2017.)
Softmax subtracts the row maximum first, so e^z never overflows. The first five run through
the compiled kernels (``activation_forward``/``activation_backward``); the last three are NumPy.
"""
from __future__ import annotations

import numpy as np

__all__ = ["ActivationFunction", "linear", "sigmoid", "tanh", "relu", "softmax", "leaky_relu",
           "elu", "selu", "get", "KERNEL_ACTIVATIONS", "names"]

#: Activations the dense kernels compute (fused with the layer's GEMM where possible).
KERNEL_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _kernels(kernels):
    if kernels is not None:
        return kernels
    from pynet.layers.base import active_kernels
    return active_kernels()


class ActivationFunction:
    """``forward(z) -> y`` and ``backward(y, grad) -> dL/dz`` (from the output ``y``)."""

    name = "activation"

    def forward(self, z, kernels=None):
        raise NotImplementedError

    def backward(self, y, grad, kernels=None):
        raise NotImplementedError

    def __call__(self, z):
        return self.forward(np.asarray(z))

    def __repr__(self):
        return f"<activation {self.name}>"


class _KernelActivation(ActivationFunction):
    def __init__(self, name):
        self.name = name

    def forward(self, z, kernels=None):
        return _kernels(kernels).activation_forward(self.name, z)

    def backward(self, y, grad, kernels=None):
        return _kernels(kernels).activation_backward(self.name, y, grad)


class _LeakyReLU(ActivationFunction):
    name = "leaky_relu"
    alpha = 0.2

    def forward(self, z, kernels=None):
        return np.where(z > 0, z, z * z.dtype.type(self.alpha))

    def backward(self, y, grad, kernels=None):
        return np.where(y > 0, grad, grad * grad.dtype.type(self.alpha))


class _ELU(ActivationFunction):
    name = "elu"
    alpha = 1.0

    def forward(self, z, kernels=None):
        a = z.dtype.type(self.alpha)
        return np.where(z > 0, z, a * np.expm1(np.minimum(z, 0)))

    def backward(self, y, grad, kernels=None):
        return np.where(y > 0, grad, grad * (y + y.dtype.type(self.alpha)))


class _SELU(ActivationFunction):
    name = "selu"

    def forward(self, z, kernels=None):
        t = z.dtype.type
        return t(SELU_SCALE) * np.where(z > 0, z, t(SELU_ALPHA) * np.expm1(np.minimum(z, 0)))

    def backward(self, y, grad, kernels=None):
        t = y.dtype.type
        return np.where(y > 0, grad * t(SELU_SCALE), grad * (y + t(SELU_SCALE * SELU_ALPHA)))


_OBJECTS = {n: _KernelActivation(n) for n in KERNEL_ACTIVATIONS}
_OBJECTS.update({"leaky_relu": _LeakyReLU(), "elu": _ELU(), "selu": _SELU()})
_ALIASES = {"relu": "relu", "linear": "linear", "sigmoid": "sigmoid", "tanh": "tanh",
            "softmax": "softmax", "leaky_relu": "leaky_relu", "elu": "elu", "selu": "selu",
            None: "linear", "identity": "linear"}


def _as_float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


# Plain functions for users (Keras's ``activations.relu(x)``); ``get`` maps them to the objects.
def linear(x):
    """f(z) = z."""
    return _as_float(x)


def sigmoid(x):
    """f(z) = 1 / (1 + e^(−z)), stable for any finite z."""
    return _OBJECTS["sigmoid"].forward(_as_float(x))


def tanh(x):
    """f(z) = tanh z."""
    return _OBJECTS["tanh"].forward(_as_float(x))


def relu(x):
    """f(z) = max(0, z)."""
    return _OBJECTS["relu"].forward(_as_float(x))


def softmax(x):
    """Softmax over the last axis (rows of a batch), with the row maximum subtracted first."""
    x = _as_float(x)
    if x.ndim == 1:
        return _OBJECTS["softmax"].forward(x[np.newaxis])[0]
    shape = x.shape
    return _OBJECTS["softmax"].forward(x.reshape(-1, shape[-1])).reshape(shape)


def leaky_relu(x):
    """f(z) = z for z > 0, else 0.2·z."""
    return _OBJECTS["leaky_relu"].forward(_as_float(x))


def elu(x):
    """f(z) = z for z > 0, else e^z − 1."""
    return _OBJECTS["elu"].forward(_as_float(x))


def selu(x):
    """Scaled ELU: λ·z for z > 0, else λ·α·(e^z − 1)."""
    return _OBJECTS["selu"].forward(_as_float(x))


_FUNCTIONS = {f: f.__name__ for f in (linear, sigmoid, tanh, relu, softmax, leaky_relu, elu, selu)}


def names() -> list:
    """Known activation names."""
    return sorted(_OBJECTS)


def get(identifier) -> ActivationFunction:
    """The activation for a name, one of this module's functions, or an
    :class:`ActivationFunction` (``None`` means linear)."""
    if isinstance(identifier, ActivationFunction):
        return identifier
    if identifier is None or isinstance(identifier, str):
        key = identifier.lower() if isinstance(identifier, str) else None
        if key not in _ALIASES:
            raise ValueError(f"unknown activation {identifier!r}; known activations: "
                             f"{', '.join(names())}")
        return _OBJECTS[_ALIASES[key]]
    if callable(identifier) and identifier in _FUNCTIONS:
        return _OBJECTS[_FUNCTIONS[identifier]]
    if callable(identifier):
        raise TypeError(
            f"activation {getattr(identifier, '__name__', identifier)!r} is a plain function: "
            "pynet needs its derivative too — pass a name, a pynet.activations function, or an "
            "ActivationFunction subclass with forward(z) and backward(y, grad)")
    raise TypeError(f"activation must be a name or a function, got {identifier!r}")


def serialize(act: ActivationFunction) -> str:
    """The name under which :func:`get` finds ``act`` again."""
    if _OBJECTS.get(act.name) is not act:
        raise ValueError(f"activation {act!r} is custom and cannot be saved by name")
    return act.name
