"""The Keras-like layer API. Every layer subclasses :class:`pynet.layers.base.Layer` (the
contract is in that module's docstring) and joins the registry with ``@register_layer``."""
from .base import Layer, register_layer, get_layer_class, reset_name_counters, using_backend
from .core import Activation, Dense, Dropout, Flatten, Input, Permute, Reshape

__all__ = ["Layer", "register_layer", "get_layer_class", "reset_name_counters", "using_backend",
           "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "Input"]

# Convolution and pooling layers (issue 7) join when their modules exist.
try:
    from .conv import *  # noqa: F401,F403
    from . import conv as _conv
    __all__ += list(getattr(_conv, "__all__", []))
except ImportError:
    pass
try:
    from .pooling import *  # noqa: F401,F403
    from . import pooling as _pooling
    __all__ += list(getattr(_pooling, "__all__", []))
except ImportError:
    pass
