"""Optimizers: the separate step that turns gradients into parameter updates.

After ``backward`` has filled every layer's ``grads``, the model calls
``optimizer.apply_gradients(variables)`` with ``[(key, param, grad), ...]`` (``key`` is
``"<layer>/<param>"``); the optimizer updates each ``param`` in place and keeps per-parameter
state ("slots": velocity, running averages) in ``optimizer.slots[key]``.

Keras's names, defaults and arguments; ``learning_rate`` and the old ``lr`` are both accepted,
and ``decay`` shrinks the step as ``η / (1 + decay · iterations)`` (Keras 2's rule, used in the
lecture notes' ``SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)`` and Chollet's GAN,
``RMSprop(lr=0.0008, clipvalue=1.0, decay=1e-8)``). Keras 3 dropped ``decay``: there the same
rule is ``learning_rate=keras.optimizers.schedules.InverseTimeDecay(η, decay_steps=1,
decay_rate=decay)``.

Gradient clipping, as Keras: ``clipnorm=c`` rescales each parameter's gradient whose L2 norm
exceeds ``c`` to norm ``c``; ``clipvalue=c`` then clips every element to ``[−c, c]``. Both act on
a copy, before the update (the layers' ``grads`` are left as back-propagation made them). Keras 3
has the same two arguments (plus ``global_clipnorm``, not implemented here).

==========  =========================================================================  =========
name        update (g the gradient, η the learning rate)                               default η
==========  =========================================================================  =========
SGD         w ← w − η g;  momentum μ: v ← μ v − η g, w ← w + v (Nesterov: w + μ v − η g)  0.01
RMSprop     s ← ρ s + (1 − ρ) g²,  w ← w − η g / (√s + ε)                               0.001
Adam        m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − η√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v+ε)  0.001
Adagrad     a ← a + g²,  w ← w − η g / (√a + ε)   (a starts at 0.1)                       0.001
==========  =========================================================================  =========

The update loops run in the dense kernels (``sgd_update``, ``rmsprop_update``, ...): one pass
over each parameter instead of NumPy's five temporaries.
"""
from __future__ import annotations

import numpy as np
from pynet import _validate as validate

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "Adagrad", "get", "serialize", "names"]


def _check(value, name, where, *, low=0.0, low_open=False, high=None, high_open=False):
    """A finite hyperparameter in the range given (by default >= 0)."""
    return validate.real(where, name, value, low=low, low_open=low_open, high=high,
                         high_open=high_open)


def _fits(slots, param):
    """Do all of ``slots`` have ``param``'s shape and dtype?"""
    shape, dtype = param.shape, param.dtype
    for s in slots.values():
        if s.shape != shape or s.dtype != dtype:
            return False
    return True


class Optimizer:
    """Base class.

    Parameters
    ----------
    learning_rate : float
    lr : float, optional
        Keras 2's name for ``learning_rate`` (give one or the other).
    decay : float
        Learning-rate decay per update: ``η_t = η / (1 + decay · iterations)`` (Keras 2).
    clipnorm : float, optional
        Rescale each parameter's gradient ``g`` to ``g · c / ‖g‖`` when ``‖g‖ > c``.
    clipvalue : float, optional
        Clip each gradient element to ``[−c, c]`` (after ``clipnorm``).
    """

    name = "optimizer"
    default_learning_rate = 0.001
    slot_names: tuple = ()

    def __init__(self, learning_rate=None, *, lr=None, decay=0.0, clipnorm=None, clipvalue=None):
        where = f"{type(self).__name__}()"
        if learning_rate is not None and lr is not None:
            raise TypeError(f"{where}: give learning_rate or lr (its old name), not both")
        rate = learning_rate if learning_rate is not None else lr
        if rate is None:
            rate = self.default_learning_rate
        self.learning_rate = _check(rate, "learning_rate", where, low_open=True)
        self.decay = _check(decay, "decay", where)
        self.clipnorm = None if clipnorm is None else _check(clipnorm, "clipnorm", where,
                                                              low_open=True)
        self.clipvalue = None if clipvalue is None else _check(clipvalue, "clipvalue", where,
                                                                low_open=True)
        self.iterations = 0
        self.slots: dict[str, dict[str, np.ndarray]] = {}

    # Keras 2 spelled it ``lr``; callbacks and old scripts read and set either.
    @property
    def lr(self):
        return self.learning_rate

    @lr.setter
    def lr(self, value):
        self.learning_rate = value

    def __setattr__(self, key, value):
        if key == "learning_rate":
            value = _check(value, "learning_rate", f"{type(self).__name__}", low_open=True)
        object.__setattr__(self, key, value)

    def current_learning_rate(self) -> float:
        """η for the next update, after decay."""
        return self.learning_rate / (1.0 + self.decay * self.iterations)

    def _slots_for(self, key, param):
        slots = self.slots.get(key)
        if slots is None or not _fits(slots, param):
            slots = {name: self._init_slot(name, param) for name in self.slot_names}
            self.slots[key] = slots
        return slots

    def _init_slot(self, name, param):
        return np.zeros_like(param)

    def apply_gradients(self, variables, kernels=None) -> None:
        """Update every ``param`` in place from its ``grad``; ``variables`` is a list of
        ``(key, param, grad)``. Counts one iteration."""
        if kernels is None:
            from pynet.layers.base import active_kernels
            kernels = active_kernels()
        lr = self.current_learning_rate()
        self.iterations += 1
        for key, param, grad in variables:
            self._update(kernels, param, self.clipped(grad), self._slots_for(key, param), lr)

    def clipped(self, grad):
        """``grad`` after ``clipnorm`` then ``clipvalue`` (a copy; ``grad`` itself when neither
        is set)."""
        if self.clipnorm is not None:
            norm = float(np.sqrt(np.sum(np.square(grad, dtype=np.float64))))
            if norm > self.clipnorm:
                grad = grad * grad.dtype.type(self.clipnorm / norm)
        if self.clipvalue is not None:
            grad = np.clip(grad, -self.clipvalue, self.clipvalue).astype(grad.dtype, copy=False)
        return grad

    def _update(self, kernels, param, grad, slots, lr):
        raise NotImplementedError

    def get_config(self) -> dict:
        config = {"learning_rate": self.learning_rate, "decay": self.decay}
        for name in ("clipnorm", "clipvalue"):
            if getattr(self, name) is not None:
                config[name] = getattr(self, name)
        return config

    def get_state(self) -> dict:
        """Arrays that resume training exactly: ``{'<key>/<slot>': array}`` and iterations."""
        state = {f"{k}/{name}": arr for k, slots in self.slots.items() for name, arr in slots.items()}
        state["iterations"] = np.array(self.iterations, dtype=np.int64)
        return state

    def set_state(self, state: dict) -> None:
        self.iterations = int(state.get("iterations", 0))
        slots = {}
        for name, arr in state.items():
            if name == "iterations":
                continue
            key, slot = name.rsplit("/", 1)
            slots.setdefault(key, {})[slot] = np.ascontiguousarray(arr)
        self.slots = slots

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum."""

    name = "sgd"
    default_learning_rate = 0.01

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, *, lr=None, decay=0.0,
                 clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, lr=lr, decay=decay, clipnorm=clipnorm,
                         clipvalue=clipvalue)
        self.momentum = _check(momentum, "momentum", "SGD()", high=1.0, high_open=True)
        self.nesterov = bool(nesterov)
        self.slot_names = ("velocity",) if self.momentum > 0 else ()

    def _update(self, kernels, param, grad, slots, lr):
        kernels.sgd_update(param, grad, slots.get("velocity"), lr, self.momentum, self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divides the step by a running root mean square of the gradient (Hinton's lecture 6e)."""

    name = "rmsprop"
    slot_names = ("mean_square",)

    def __init__(self, learning_rate=None, rho=0.9, epsilon=1e-7, *, lr=None, decay=0.0,
                 clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, lr=lr, decay=decay, clipnorm=clipnorm,
                         clipvalue=clipvalue)
        self.rho = _check(rho, "rho", "RMSprop()", high=1.0, high_open=True)
        self.epsilon = _check(epsilon, "epsilon", "RMSprop()", low_open=True)

    def _update(self, kernels, param, grad, slots, lr):
        kernels.rmsprop_update(param, grad, slots["mean_square"], lr, self.rho, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Momentum and RMSprop together, with bias correction (Kingma & Ba 2014)."""

    name = "adam"
    slot_names = ("m", "v")

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, *, lr=None,
                 decay=0.0, clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, lr=lr, decay=decay, clipnorm=clipnorm,
                         clipvalue=clipvalue)
        self.beta_1 = _check(beta_1, "beta_1", "Adam()", high=1.0, high_open=True)
        self.beta_2 = _check(beta_2, "beta_2", "Adam()", high=1.0, high_open=True)
        self.epsilon = _check(epsilon, "epsilon", "Adam()", low_open=True)

    def apply_gradients(self, variables, kernels=None):
        self._t = self.iterations + 1
        self._lr_t = None           # the bias-corrected step, computed once per update
        super().apply_gradients(variables, kernels)

    def _update(self, kernels, param, grad, slots, lr):
        lr_t = self._lr_t
        if lr_t is None:
            t = self._t
            lr_t = self._lr_t = lr * np.sqrt(1.0 - self.beta_2 ** t) / (1.0 - self.beta_1 ** t)
        kernels.adam_update(param, grad, slots["m"], slots["v"], lr_t, self.beta_1, self.beta_2,
                            self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """Per-parameter steps shrinking with the sum of squared gradients (Duchi et al. 2011)."""

    name = "adagrad"
    slot_names = ("accumulator",)

    def __init__(self, learning_rate=None, initial_accumulator_value=0.1, epsilon=1e-7, *,
                 lr=None, decay=0.0, clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, lr=lr, decay=decay, clipnorm=clipnorm,
                         clipvalue=clipvalue)
        self.initial_accumulator_value = _check(initial_accumulator_value,
                                                "initial_accumulator_value", "Adagrad()")
        self.epsilon = _check(epsilon, "epsilon", "Adagrad()", low_open=True)

    def _init_slot(self, name, param):
        return np.full_like(param, self.initial_accumulator_value)

    def _update(self, kernels, param, grad, slots, lr):
        kernels.adagrad_update(param, grad, slots["accumulator"], lr, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


_CLASSES = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad}


def names() -> list:
    return sorted(_CLASSES)


def get(identifier) -> Optimizer:
    """An optimizer from a name (``'rmsprop'``, default settings), a saved config dict or an
    instance (used as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        try:
            return _CLASSES[identifier.lower()]()
        except KeyError:
            raise ValueError(f"unknown optimizer {identifier!r}; known optimizers: "
                             f"{', '.join(names())}") from None
    if isinstance(identifier, dict):
        cls = _CLASSES.get(str(identifier.get("class_name", "")).lower())
        if cls is None:
            raise ValueError(f"unknown optimizer config {identifier!r}")
        return cls(**identifier.get("config", {}))
    raise TypeError(f"optimizer must be a name or an Optimizer, got {identifier!r}")


def serialize(opt: Optimizer) -> dict:
    return {"class_name": type(opt).__name__, "config": opt.get_config()}
