"""The Keras-like layer API. Every layer subclasses :class:`pynet.layers.base.Layer` (the
contract is in that module's docstring) and joins the registry with ``@register_layer``."""
from .base import Layer, register_layer, get_layer_class, reset_name_counters, using_backend
from .core import Activation, Dense, Dropout, Flatten, Permute, Reshape

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
              "wrappers", "conv_transpose"):
    if _find_spec(f"{__name__}.{_name}") is not None:
        _module = _import_module(f"{__name__}.{_name}")
        _public = list(getattr(_module, "__all__", []))
        globals().update({n: getattr(_module, n) for n in _public})
        __all__ += _public


def __getattr__(name):
    """``Input``/``InputLayer`` (the functional API's graph) and ``Lambda`` live in the model
    house; they are looked up here when first asked for, so importing ``pynet.layers`` and
    ``pynet.models`` in either order works."""
    if name in ("Input", "InputLayer"):
        from pynet.models import graph
        return getattr(graph, name)
    if name == "Lambda":
        from pynet.models import custom
        return custom.Lambda
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
