"""Embedding: a learned lookup table from word ids to dense vectors (lecture notes C21,
Chollet §6.1.2).

``Embedding(input_dim, output_dim)`` holds a matrix ``E`` of shape ``(input_dim, output_dim)``:
row ``w`` is the vector of word ``w``. The forward pass is a lookup, ``y[n, t] = E[x[n, t]]``
— the same as multiplying a one-hot vector by ``E``, without building the one-hot vector. Its
gradient is a *scatter-add*: ``dE[w]`` sums the output gradients of every position that held
word ``w``.

``mask_zero=True`` declares id 0 as padding (what ``pad_sequences`` adds): the layer then
passes the mask ``x != 0`` to the next layer, and a recurrent layer skips those steps. Id 0 is
then reserved, so ``input_dim`` should be the vocabulary size + 1 (Keras's rule).
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate
from pynet import initializers, regularizers
from pynet.layers.base import Layer, register_layer

__all__ = ["Embedding"]


@register_layer
class Embedding(Layer):
    """Turn integer ids ``(batch, ...)`` into vectors ``(batch, ..., output_dim)``.

    Parameters
    ----------
    input_dim : int
        Vocabulary size: ids must lie in ``[0, input_dim)``.
    output_dim : int
        Length of each word vector.
    embeddings_initializer : str or initializer
        Default ``'uniform'``: U(−0.05, 0.05), as in Keras.
    embeddings_regularizer : regularizer, optional
    mask_zero : bool
        Treat id 0 as padding and emit the mask ``x != 0`` (see the module docstring).
    input_length : int, optional
        Length of the sequences (Keras 2's argument; same as ``input_shape=(input_length,)``),
        needed when a Flatten follows.
    **kwargs
        ``name``, ``trainable``, ``dtype``, ``input_shape``.

    The model passes integer ids through unchanged (class attribute ``integer_input``); float
    ids are refused, as is any id outside ``[0, input_dim)`` (the message names its position).
    """

    name_prefix = "embedding"
    supports_masking = True
    #: Tells the model to hand this layer the integer ids, not a float copy.
    integer_input = True

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, mask_zero=False, input_length=None, **kwargs):
        where = "Embedding()"
        input_dim = validate.positive_int(where, "input_dim", input_dim)
        output_dim = validate.positive_int(where, "output_dim", output_dim)
        if input_length is not None:
            input_length = validate.positive_int(where, "input_length", input_length)
            if kwargs.get("input_shape") is None:
                kwargs["input_shape"] = (input_length,)
        init = initializers.get(embeddings_initializer)
        reg = regularizers.get(embeddings_regularizer)
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer, self.embeddings_regularizer = init, reg
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length
        self._indices = None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def build(self, input_shape):
        self.add_weight("embeddings", (self.input_dim, self.output_dim),
                        self.embeddings_initializer, regularizer=self.embeddings_regularizer)
        super().build(input_shape)

    def forward(self, x, training=False):
        """``y = E[x]``: one row of the table per id."""
        self.check_input(x)
        y = self.kernels.embedding_forward(x, self.params["embeddings"])
        self._indices = np.asarray(x)
        return y

    def backward(self, grad):
        """Scatter-add the output gradient into ``grads['embeddings']``; ids have no gradient,
        so this returns None."""
        if self._indices is None:
            raise RuntimeError(f"Embedding {self.name!r}: backward() called before forward()")
        grad = np.asarray(grad, dtype=self.dtype)
        self.grads["embeddings"][...] = self.kernels.embedding_backward(
            self._indices, grad, self.input_dim)
        return None

    def compute_mask(self, x, mask=None):
        """``x != 0`` when ``mask_zero``, else None."""
        return (np.asarray(x) != 0) if self.mask_zero else None

    def __call__(self, x, training=False, **kwargs):
        from pynet.models.graph import is_symbolic
        if is_symbolic(x):
            return super().__call__(x, **kwargs)
        x = np.asarray(x)
        if not self.built:
            self.build(x.shape[1:])
        return self.forward(x, training)

    def get_config(self):
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                      embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
                      mask_zero=self.mask_zero, input_length=self.input_length)
        return config
