"""The Keras-like layer API. Every layer subclasses :class:`pynet.layers.base.Layer` (the
contract is in that module's docstring) and joins the registry with ``@register_layer``."""
from .base import Layer, register_layer, get_layer_class, reset_name_counters, using_backend
from .core import Activation, Dense, Dropout, Flatten, Input, InputLayer, Permute, Reshape

__all__ = ["Layer", "register_layer", "get_layer_class", "reset_name_counters", "using_backend",
           "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "Input", "InputLayer",
           "Lambda"]

# Convolution and pooling layers (issue 7) join when their modules exist. A module that exists
# but fails to import raises: a broken conv.py must not silently vanish from the API.
from importlib import import_module as _import_module
from importlib.util import find_spec as _find_spec

# Issue 12's layers (merge, normalization, separable convolutions, the small layers), issue 11's
# 1-D convolution and pooling, and issue 10's embedding and recurrent layers join the same way.
for _name in ("conv", "pooling", "merge", "normalization", "separable", "reshaping",
              "activation_layers", "noise", "conv1d", "pooling1d", "embedding", "recurrent",
              "wrappers"):
    if _find_spec(f"{__name__}.{_name}") is not None:
        _module = _import_module(f"{__name__}.{_name}")
        _public = list(getattr(_module, "__all__", []))
        globals().update({n: getattr(_module, n) for n in _public})
        __all__ += _public

# Lambda lives with the custom-layer machinery of the model house.
from pynet.models.custom import Lambda  # noqa: E402
