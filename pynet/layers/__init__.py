"""The Keras-like layer API. Every layer subclasses :class:`pynet.layers.base.Layer` (the
contract is in that module's docstring) and joins the registry with ``@register_layer``.

One module per family of layers; each name below is imported from the module that defines it, so
an editor's go-to-definition lands on the class. ``tests/layers/test_layers_package.py`` checks
that every module's ``__all__`` is re-exported here.
"""
from .base import Layer, get_layer_class, register_layer, reset_name_counters, using_backend
from .core import Activation, Dense, Dropout, Flatten, Permute, Reshape
from .conv import Conv2D
from .pooling import AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                    average, concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization
from .separable import DepthwiseConv2D, SeparableConv2D
from .reshaping import Cropping2D, RepeatVector, UpSampling2D, ZeroPadding2D
from .activation_layers import ELU, LeakyReLU, PReLU, ReLU
from .noise import GaussianNoise
from .conv1d import Conv1D
from .pooling1d import AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D
from .embedding import Embedding
from .recurrent import GRU, LSTM, Orthogonal, SimpleRNN
from .wrappers import Bidirectional, TimeDistributed
from .conv_transpose import Conv2DTranspose

__all__ = [
    # the contract and the registry (base.py)
    "Layer", "register_layer", "get_layer_class", "reset_name_counters", "using_backend",
    # core.py, and the model house's Input/InputLayer/Lambda (looked up in __getattr__ below)
    "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "Input", "InputLayer",
    "Lambda",
    # images: conv.py, pooling.py, separable.py, conv_transpose.py, reshaping.py
    "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D",
    "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose",
    "ZeroPadding2D", "Cropping2D", "UpSampling2D", "RepeatVector",
    # several inputs: merge.py (classes and their functional forms)
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
    # normalization.py, activation_layers.py, noise.py
    "BatchNormalization", "LeakyReLU", "ReLU", "ELU", "PReLU", "GaussianNoise",
    # sequences: conv1d.py, pooling1d.py, embedding.py, recurrent.py, wrappers.py
    "Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D",
    "Embedding", "SimpleRNN", "LSTM", "GRU", "Orthogonal", "Bidirectional", "TimeDistributed",
]


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
