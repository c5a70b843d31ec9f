"""The core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, Input.

Every layer follows the contract in :mod:`pynet.layers.base`: ``forward(x, training)`` keeps
what ``backward(grad)`` needs, ``backward`` stores parameter gradients in ``self.grads`` and
returns dL/dx. Shapes below exclude the batch axis unless written with ``n``.
"""
from __future__ import annotations

import numpy as np

from .. import _validate as validate
from .. import activations, initializers, regularizers
from .base import Layer, _clean_shape, register_layer

__all__ = ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute"]


@register_layer
class Dense(Layer):
    """Fully connected layer: ``y = f(x @ kernel + bias)``.

    Parameters
    ----------
    units : int
        Number of outputs ``u``.
    activation : str, function or None
        Name from :mod:`pynet.activations` (None = linear).
    use_bias : bool
    kernel_initializer, bias_initializer : str or Initializer
        Keras's defaults: ``'glorot_uniform'`` and ``'zeros'``.
    kernel_regularizer, bias_regularizer : Regularizer, optional
        Penalty added to the training loss (e.g. ``regularizers.l2(0.001)``).
    input_dim : int, optional
        Shorthand for ``input_shape=(input_dim,)`` on a first layer.

    Shapes
    ------
    input ``(n, ..., d)``, kernel ``(d, u)``, bias ``(u,)``, output ``(n, ..., u)`` (like Keras,
    a Dense layer on a higher-rank input acts on the last axis).

    Backward, with ``g = dL/dz`` (z = x @ kernel + bias, g = f'(z) ⊙ dL/dy)::

        dL/dkernel = xᵀ g        dL/dbias = Σ_rows g        dL/dx = g kernelᵀ
    """

    name_prefix = "dense"

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, input_dim=None,
                 input_shape=None, **kwargs):
        where = "Dense()"
        self.units = validate.positive_int(where, "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        if input_dim is not None:
            input_dim = validate.positive_int(where, "input_dim", input_dim)
            if input_shape is not None and tuple(input_shape) != (input_dim,):
                raise ValueError(f"{where}: input_dim={input_dim} contradicts "
                                 f"input_shape={input_shape!r}")
            input_shape = (input_dim,)
        super().__init__(input_shape=input_shape, **kwargs)
        self._x = None
        self._y = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 1:
            raise ValueError(f"layer {self.name!r} (Dense) needs inputs with a feature axis, "
                             f"got sample shape {input_shape}")
        self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer,
                            regularizer=self.bias_regularizer)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, training=False):
        x2 = x.reshape(-1, x.shape[-1])
        bias = self.params.get("bias")
        k = self.kernels
        if self.activation.name in activations.KERNEL_ACTIVATIONS and \
                activations.get(self.activation.name) is self.activation:
            y = k.dense_forward(x2, self.params["kernel"], bias, self.activation.name)
        else:
            y = self.activation.forward(k.dense_forward(x2, self.params["kernel"], bias, "linear"), k)
        self._x, self._y = x2, y
        return y.reshape(x.shape[:-1] + (self.units,))

    def backward(self, grad):
        g = grad.reshape(-1, self.units)
        return self.backward_logits(self.activation.backward(self._y, g, self.kernels),
                                    _shape=grad.shape)

    def backward_logits(self, grad_z, _shape=None):
        """Backward from dL/dz (the gradient before the activation)."""
        if self._x is None:
            raise RuntimeError(f"layer {self.name!r}: backward() called before forward()")
        gz = grad_z.reshape(-1, self.units)
        gx = self.kernels.dense_backward(
            self._x, self.params["kernel"], gz, self.grads["kernel"], self.grads.get("bias"),
            need_grad_x=self.input_grad_needed)
        if gx is None:
            return None
        shape = (_shape if _shape is not None else grad_z.shape)[:-1] + (self._x.shape[1],)
        return gx.reshape(shape)

    def get_config(self):
        return {
            **super().get_config(), "units": self.units,
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
        }


@register_layer
class Activation(Layer):
    """Applies an activation function on its own: ``Activation('relu')``.

    Elementwise activations work on any shape; softmax acts on the last axis.
    """

    name_prefix = "activation"

    def __init__(self, activation, **kwargs):
        self.activation = activations.get(activation)
        super().__init__(**kwargs)
        self._y = None

    def forward(self, x, training=False):
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        y = self.activation.forward(x2, self.kernels)
        self._y = y
        return y.reshape(x.shape)

    def backward(self, grad):
        if self._y is None:
            raise RuntimeError(f"layer {self.name!r}: backward() called before forward()")
        g2 = grad.reshape(self._y.shape)
        return self.activation.backward(self._y, g2, self.kernels).reshape(grad.shape)

    def backward_logits(self, grad_z):
        """The gradient before the activation is this layer's dL/dx."""
        return grad_z

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


@register_layer
class Dropout(Layer):
    """Randomly zeroes a fraction ``rate`` of the inputs during training (inverted dropout).

    Training: ``y = x ⊙ m / (1 − rate)`` with ``m`` Bernoulli(1 − rate), so the expected value
    of each output equals its input and nothing needs rescaling at inference.
    Inference (``training=False``): ``y = x`` exactly.

    Parameters
    ----------
    rate : float in [0, 1)
        Fraction of units dropped.
    noise_shape : tuple, optional
        Shape of the mask with the batch axis, ``None`` entries taken from the input (e.g.
        ``(None, 1, 1, C)`` drops whole channels).
    seed : int, optional
        Seeds this layer's own generator. Without it the mask comes from the generator
        ``fit(seed=...)`` hands to the model, or else pynet's global one
        (:func:`pynet.utils.set_seed`).
    """

    name_prefix = "dropout"

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        try:
            rate = float(rate)
        except (TypeError, ValueError):
            raise TypeError(f"Dropout(): rate must be a number in [0, 1), got {rate!r}") from None
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout(): rate must be in [0, 1), got {rate!r} "
                             "(rate is the fraction dropped, not kept)")
        seed = validate.integer("Dropout()", "seed", seed, allow_none=True)
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = None if seed is None else int(seed)
        super().__init__(**kwargs)
        self._own_rng = None if seed is None else np.random.default_rng(seed)
        self._model_rng = None
        self._mask = None

    def seed_random(self, rng: np.random.Generator) -> None:
        """Hook called by ``Sequential.fit(seed=...)``: use ``rng`` unless seeded explicitly."""
        self._model_rng = rng

    @property
    def rng(self) -> np.random.Generator:
        if self._own_rng is not None:
            return self._own_rng
        if self._model_rng is not None:
            return self._model_rng
        return initializers.global_rng()

    def _mask_shape(self, shape):
        if self.noise_shape is None:
            return shape
        if len(self.noise_shape) != len(shape):
            raise ValueError(f"layer {self.name!r}: noise_shape {self.noise_shape} has "
                             f"{len(self.noise_shape)} axes, input has {len(shape)}")
        return tuple(s if ns is None else int(ns) for ns, s in zip(self.noise_shape, shape))

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        keep = 1.0 - self.rate
        mask = (self.rng.random(self._mask_shape(x.shape)) < keep).astype(x.dtype)
        mask *= x.dtype.type(1.0 / keep)
        self._mask = mask
        return x * mask

    def backward(self, grad):
        return grad if self._mask is None else grad * self._mask

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed}


@register_layer
class Flatten(Layer):
    """``(n, d1, d2, ...) -> (n, d1·d2·...)``, in C order (the last axis varies fastest)."""

    name_prefix = "flatten"

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        return grad.reshape((grad.shape[0],) + self.input_shape)


@register_layer
class Reshape(Layer):
    """``(n,) + input_shape -> (n,) + target_shape``; one entry of ``target_shape`` may be -1."""

    name_prefix = "reshape"

    def __init__(self, target_shape, **kwargs):
        try:
            target = tuple(int(s) for s in target_shape)
        except (TypeError, ValueError):
            raise TypeError(f"Reshape(): target_shape must be a tuple of ints, got {target_shape!r}") from None
        if sum(s == -1 for s in target) > 1 or any(s == 0 or s < -1 for s in target):
            raise ValueError(f"Reshape(): target_shape must hold positive ints and at most one "
                             f"-1, got {target_shape!r}")
        self.target_shape = target
        super().__init__(**kwargs)

    def compute_output_shape(self, input_shape):
        total = int(np.prod(input_shape))
        known = int(np.prod([s for s in self.target_shape if s != -1]))
        if -1 in self.target_shape:
            if total % known:
                raise ValueError(f"layer {self.name!r} (Reshape): cannot reshape {total} values "
                                 f"per sample {tuple(input_shape)} into {self.target_shape}")
            return tuple(total // known if s == -1 else s for s in self.target_shape)
        if known != total:
            raise ValueError(f"layer {self.name!r} (Reshape): input {tuple(input_shape)} has "
                             f"{total} values per sample, target_shape {self.target_shape} "
                             f"needs {known}")
        return self.target_shape

    def forward(self, x, training=False):
        return x.reshape((x.shape[0],) + self.output_shape)

    def backward(self, grad):
        return grad.reshape((grad.shape[0],) + self.input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


@register_layer
class Permute(Layer):
    """Reorders the non-batch axes: ``Permute((2, 1))`` swaps the two axes of ``(n, a, b)``.

    ``dims`` numbers the axes from 1 (the batch axis, 0, never moves), as in Keras.
    """

    name_prefix = "permute"

    def __init__(self, dims, **kwargs):
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            raise TypeError(f"Permute(): dims must be a tuple of ints, got {dims!r}") from None
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute(): dims must be a permutation of 1..{len(dims)}, got {dims!r}")
        self.dims = dims
        self._inverse = tuple(int(i) for i in np.argsort((0,) + dims))
        super().__init__(**kwargs)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims):
            raise ValueError(f"layer {self.name!r} (Permute): dims {self.dims} need samples "
                             f"with {len(self.dims)} axes, got {tuple(input_shape)}")
        return tuple(input_shape[d - 1] for d in self.dims)

    def forward(self, x, training=False):
        return np.ascontiguousarray(x.transpose((0,) + self.dims))

    def backward(self, grad):
        return np.ascontiguousarray(grad.transpose(self._inverse))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}



