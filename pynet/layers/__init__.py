"""The Keras-like layer API. Every layer subclasses :class:`pynet.layers.base.Layer`."""
from .base import Layer

__all__ = ["Layer"]
