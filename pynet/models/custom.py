"""Layers written the book's way: ``Lambda(function)`` and subclasses of ``Layer`` with ``call``.

A custom layer defines ``build(input_shape)`` (creating weights with ``add_weight``), ``call(x)``
and, when the output shape differs from the input's, ``compute_output_shape``. Training needs
its gradient. Three ways, in this order:

1. the layer defines ``backward(grad)`` itself (as every pynet layer does);
2. ``call`` is written with :mod:`pynet.autodiff` operations: the gradient is computed by the
   engine (the weights are swapped for trainable tensors while ``call`` runs again);
3. otherwise: a layer with no weights whose input needs no gradient (nothing trainable before it)
   trains; anything else raises :class:`NoGradientError` naming the layer — never a silent zero.
"""
from __future__ import annotations

import numpy as np

from pynet.layers.base import Layer, as_output_array, register_layer

__all__ = ["Lambda", "NoGradientError", "differentiate_call"]


class NoGradientError(NotImplementedError):
    """Training needs the gradient of a layer that cannot give one."""


def _no_gradient(layer, why):
    return NoGradientError(
        f"layer {layer.name!r} ({type(layer).__name__}) cannot be trained through: {why}. Give it "
        "a backward(grad) method, write its function with pynet.autodiff operations, or keep it "
        "where no gradient must pass (before any trainable layer)")


def _autodiff():
    try:
        from pynet import autodiff
    except ImportError:
        return None
    return autodiff if hasattr(autodiff, "vjp") else None  # pragma: no branch


def differentiate_call(layer, grad):
    """dL/dx (and dL/dparams into ``layer.grads``) for a layer defined by ``call``/a function."""
    needs_input = layer.input_grad_needed
    has_params = bool(layer.params) and layer.trainable
    if not needs_input and not has_params:
        return None
    engine = _autodiff()
    x = getattr(layer, "_last_input", None)
    if engine is None:
        raise _no_gradient(layer, "it has no backward() and pynet.autodiff is not available")
    if x is None:
        raise _no_gradient(layer, "backward() was called before forward()")
    xs = list(x) if getattr(layer, "multi_input", False) else [x]
    params = dict(layer.params)
    fn = layer._differentiable_function()
    try:
        outputs, back = engine.vjp(fn, xs, params)
        outs = outputs if isinstance(outputs, list) else [outputs]
        if any(np.asarray(o).dtype.kind != "f" for o in outs):
            raise TypeError("call() did not return pynet.autodiff tensors of numbers (NumPy "
                            "functions applied to tensors?)")
        input_grads, param_grads = back(np.asarray(grad))
    except (TypeError, engine.NoGradientError) as exc:   # numpy code, or an op with no gradient
        raise _no_gradient(layer, f"its function is not differentiable by pynet.autodiff ({exc})"
                           ) from None
    bad = [i for i, (g, a) in enumerate(zip(input_grads, xs))
           if needs_input and (g is None or np.shape(g) != np.shape(a)
                               or np.asarray(g).dtype.kind != "f")]
    bad += [k for k, g in param_grads.items()
            if np.shape(g) != layer.params[k].shape or np.asarray(g).dtype.kind != "f"]
    if bad:
        raise _no_gradient(layer, f"pynet.autodiff gave no numeric gradient for {bad} (is call() "
                           "written with pynet.autodiff operations?)")
    for key, g in param_grads.items():
        layer.grads[key][...] = g
    if not needs_input:
        return None
    return list(input_grads) if getattr(layer, "multi_input", False) else input_grads[0]


def _swap_in(layer, tensors):
    """Point the layer's weight attributes (and params dict) at ``tensors`` while ``call`` runs;
    return a function that puts the arrays back."""
    arrays = dict(layer.params)
    restore = []
    for attr, value in list(vars(layer).items()):
        for key, array in arrays.items():
            if value is array:
                restore.append((attr, value))
                setattr(layer, attr, tensors[key])
    saved_params = layer.params
    layer.params = dict(tensors)

    def undo():
        for attr, value in restore:
            setattr(layer, attr, value)
        layer.params = saved_params
    return undo


def _layer_function(layer):
    """``fn(*inputs, **params)`` running ``layer.call`` with the given weights."""
    def fn(*inputs, **params):
        undo = _swap_in(layer, params)
        try:
            arg = list(inputs) if getattr(layer, "multi_input", False) else inputs[0]
            return layer.call(arg)
        finally:
            undo()
    return fn



@register_layer
class Lambda(Layer):
    """Wraps a function as a layer: ``Lambda(lambda x: x ** 2)`` (Chollet §7.1).

    Parameters
    ----------
    function : callable
        ``y = function(x)`` on a batch (a list of batches when the layer is called on a list).
    output_shape : tuple, optional
        Sample shape of ``y``; by default found by running ``function`` on one zero sample.
    arguments : dict, optional
        Extra keyword arguments for ``function``.
    backward : callable, optional
        ``dL/dx = backward(x, y, grad)`` (pynet's addition: a gradient for a function the engine
        cannot differentiate).

    A Lambda holds code, so it cannot be saved to a file (pynet never loads code from files).
    """

    name_prefix = "lambda"
    accepts_list = True

    def __init__(self, function, output_shape=None, arguments=None, backward=None, **kwargs):
        if not callable(function):
            raise TypeError(f"Lambda(): function must be callable, got {type(function).__name__}")
        if backward is not None and not callable(backward):
            raise TypeError(f"Lambda(): backward must be callable, got {type(backward).__name__}")
        super().__init__(**kwargs)
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape_arg = None if output_shape is None else tuple(output_shape)
        self._backward_fn = backward
        self.multi_input = False

    def build(self, input_shape):
        if isinstance(input_shape, list):
            self.multi_input = True
            self.input_shape = [tuple(int(v) for v in s) for s in input_shape]
            self.output_shape = tuple(self.compute_output_shape(self.input_shape))
            self.built = True
            return
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        if self._output_shape_arg is not None:
            return self._output_shape_arg
        if isinstance(input_shape, list):
            probe = [np.zeros((1,) + tuple(s), dtype=self.dtype) for s in input_shape]
        else:
            probe = np.zeros((1,) + tuple(input_shape), dtype=self.dtype)
        out = as_output_array(self.function(probe, **self.arguments), self)
        if out.ndim < 1 or out.shape[0] != 1:
            raise ValueError(f"Lambda {self.name!r}: the function must keep the batch axis; on a "
                             f"batch of 1 it returned shape {out.shape}")
        return tuple(out.shape[1:])

    def call(self, x):
        return self.function(x, **self.arguments)

    def forward(self, x, training=False):
        self._last_input = x
        self._losses = []
        y = as_output_array(self.function(x, **self.arguments), self)
        self._last_output = y
        return y.astype(self.dtype, copy=False) if y.dtype.kind == "f" else y

    def backward(self, grad):
        if not self.input_grad_needed:
            return None
        if self._backward_fn is not None:
            return self._backward_fn(self._last_input, self._last_output, grad)
        return differentiate_call(self, grad)

    def _differentiable_function(self):
        function, arguments, multi = self.function, self.arguments, self.multi_input

        def fn(*inputs):
            return function(list(inputs) if multi else inputs[0], **arguments)
        return fn

    def get_config(self):
        raise ValueError(f"Lambda layer {self.name!r} holds Python code and cannot be saved: "
                         "pynet never loads code from files. Rebuild the model in code and use "
                         "save_weights/load_weights, or write the function as a registered Layer")
