"""Weight initializers: how a layer's parameters start.

Keras's names and defaults. An initializer is an object called as ``init(shape, dtype)`` that
returns a new array; ``fan_in``/``fan_out`` follow Keras: for a Dense kernel ``(inputs, units)``
they are ``inputs`` and ``units``; for a convolution kernel ``(kh, kw, in_channels, filters)``
they are ``kh·kw·in_channels`` and ``kh·kw·filters``.

==================  =========================================================================
name                distribution
==================  =========================================================================
``zeros``, ``ones`` constants
``constant``        ``Constant(value)``
``normal``          N(0, 0.05²) (Keras 2's ``'normal'``; the lecture notes' MLP baseline)
``uniform``         U(−0.05, 0.05)
``glorot_uniform``  U(−l, l), l = √(6 / (fan_in + fan_out))   (Glorot & Bengio 2010; default)
``glorot_normal``   truncated N(0, σ²), σ = √(2 / (fan_in + fan_out))
``he_uniform``      U(−l, l), l = √(6 / fan_in)                  (He et al. 2015; for ReLU)
``he_normal``       truncated N(0, σ²), σ = √(2 / fan_in)
``lecun_uniform``   U(−l, l), l = √(3 / fan_in)
``lecun_normal``    truncated N(0, σ²), σ = √(1 / fan_in)        (for SELU)
==================  =========================================================================

"Truncated" normal redraws values beyond two standard deviations, and σ is divided by
0.8796, the standard deviation of a unit normal truncated at ±2, so the variance is as stated.

Seeds: ``GlorotUniform(seed=1)`` owns a generator, so the same seed gives the same sequence of
arrays. Without a seed, values come from a module generator that :func:`set_seed` reseeds
(:func:`pynet.utils.set_seed` does it too) — so a script that calls ``set_seed(0)`` first builds
the same model every time.
"""
from __future__ import annotations

import numpy as np
from pynet import _validate as validate

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
           "HeNormal", "LecunUniform", "LecunNormal", "get", "serialize", "set_seed",
           "compute_fans", "global_rng"]

_GLOBAL = {"rng": np.random.default_rng()}


def set_seed(seed) -> None:
    """Reseed the generator used by initializers constructed without a seed."""
    _GLOBAL["rng"] = np.random.default_rng(seed)


def compute_fans(shape) -> tuple[float, float]:
    """``(fan_in, fan_out)`` of a weight of this shape (Keras's rule)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return receptive * shape[-2], receptive * shape[-1]


class Initializer:
    """Base class: ``init(shape, dtype) -> array``."""

    #: Name used by :func:`get` and in saved configs.
    name = "initializer"

    def __init__(self, seed=None):
        self.seed = validate.integer(f"{type(self).__name__}()", "seed", seed, allow_none=True)
        self._rng = None if seed is None else np.random.default_rng(seed)

    @property
    def rng(self) -> np.random.Generator:
        return self._rng if self._rng is not None else _GLOBAL["rng"]

    def __call__(self, shape, dtype="float32") -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"seed": self.seed} if self.seed is not None else {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    name = "zeros"

    def __call__(self, shape, dtype="float32"):
        return np.zeros(shape, dtype=dtype)


class Ones(Initializer):
    name = "ones"

    def __call__(self, shape, dtype="float32"):
        return np.ones(shape, dtype=dtype)


class Constant(Initializer):
    name = "constant"

    def __init__(self, value=0.0):
        super().__init__()
        self.value = float(value)

    def __call__(self, shape, dtype="float32"):
        return np.full(shape, self.value, dtype=dtype)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """N(mean, stddev²)."""
    name = "random_normal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype="float32"):
        return (self.mean + self.stddev * self.rng.standard_normal(shape)).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(Initializer):
    """U(minval, maxval)."""
    name = "random_uniform"

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, dtype="float32"):
        return self.rng.uniform(self.minval, self.maxval, size=shape).astype(dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


def _truncated_normal(rng, shape, stddev):
    """N(0, stddev²) with values beyond ±2·stddev drawn again."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * stddev


class TruncatedNormal(Initializer):
    """N(mean, stddev²) truncated at ±2·stddev."""
    name = "truncated_normal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype="float32"):
        return (self.mean + _truncated_normal(self.rng, shape, self.stddev)).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class VarianceScaling(Initializer):
    """Variance ``scale / n`` where n is fan_in, fan_out or their mean (``mode``);
    ``distribution`` 'truncated_normal' or 'uniform' (Keras's general rule)."""
    name = "variance_scaling"

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling(): mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        if distribution not in ("truncated_normal", "uniform"):
            raise ValueError("VarianceScaling(): distribution must be 'truncated_normal' or "
                             f"'uniform', got {distribution!r}")
        if not scale > 0:
            raise ValueError(f"VarianceScaling(): scale must be > 0, got {scale!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape, dtype="float32"):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * variance)
            return self.rng.uniform(-limit, limit, size=shape).astype(dtype)
        stddev = np.sqrt(variance) / 0.87962566103423978
        return _truncated_normal(self.rng, shape, stddev).astype(dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


def _named_scaling(cls_name, name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return Initializer.get_config(self)

    return type(cls_name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                                "name": name, "__doc__": doc})


GlorotUniform = _named_scaling("GlorotUniform", "glorot_uniform", 1.0, "fan_avg", "uniform",
                               "U(−l, l), l = √(6 / (fan_in + fan_out)). Keras's default kernel initializer.")
GlorotNormal = _named_scaling("GlorotNormal", "glorot_normal", 1.0, "fan_avg", "truncated_normal",
                              "Truncated N(0, 2 / (fan_in + fan_out)).")
HeUniform = _named_scaling("HeUniform", "he_uniform", 2.0, "fan_in", "uniform",
                           "U(−l, l), l = √(6 / fan_in); suited to ReLU layers.")
HeNormal = _named_scaling("HeNormal", "he_normal", 2.0, "fan_in", "truncated_normal",
                          "Truncated N(0, 2 / fan_in); suited to ReLU layers.")
LecunUniform = _named_scaling("LecunUniform", "lecun_uniform", 1.0, "fan_in", "uniform",
                              "U(−l, l), l = √(3 / fan_in).")
LecunNormal = _named_scaling("LecunNormal", "lecun_normal", 1.0, "fan_in", "truncated_normal",
                             "Truncated N(0, 1 / fan_in); SELU's initializer.")

_BY_NAME = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "normal": RandomNormal, "random_normal": RandomNormal,
    "uniform": RandomUniform, "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
}
_CLASSES = {c.__name__: c for c in set(_BY_NAME.values())}


class _Callable(Initializer):
    """Wraps a user function ``f(shape, dtype) -> array`` (cannot be saved by name)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.name = getattr(fn, "__name__", "custom")

    def __call__(self, shape, dtype="float32"):
        return np.asarray(self.fn(shape, dtype), dtype=dtype)


def get(identifier) -> Initializer:
    """An initializer from a name (``'glorot_uniform'``), a config dict
    (``{'class_name': 'RandomNormal', 'config': {...}}``), an instance or a callable."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier.lower()]()
        except KeyError:
            raise ValueError(f"unknown initializer {identifier!r}; known: "
                             f"{', '.join(sorted(_BY_NAME))}") from None
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"unknown initializer class {identifier.get('class_name')!r}; "
                             f"known: {', '.join(sorted(_CLASSES))}")
        return cls(**identifier.get("config", {}))
    if callable(identifier):
        return _Callable(identifier)
    raise TypeError(f"initializer must be a name, dict, Initializer or callable, got {identifier!r}")


def serialize(init: Initializer):
    """JSON-able form: the short name when the defaults are used, else a class/config dict."""
    if isinstance(init, _Callable):
        raise ValueError(f"initializer {init.name!r} is a plain function and cannot be saved; "
                         "use an Initializer subclass")
    config = init.get_config()
    if not config and init.name in _BY_NAME:
        return init.name
    return {"class_name": type(init).__name__, "config": config}


def global_rng() -> np.random.Generator:
    """The generator behind unseeded randomness in pynet (initializers, Dropout without a
    seed outside ``fit(seed=...)``); :func:`set_seed` replaces it."""
    return _GLOBAL["rng"]
