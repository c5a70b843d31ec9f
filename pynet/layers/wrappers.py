"""Wrappers: Bidirectional (Chollet §6.3.8) and TimeDistributed.

``Bidirectional(LSTM(32))`` runs the wrapped layer forwards and a copy of it backwards over the
sequence and merges the two readings (concatenated by default). Keras's details, followed:
the copy is built from the layer's config with ``go_backwards`` flipped and its own weights;
the backward outputs are flipped back in time before merging, so step t of both halves
describes step t of the input; both halves output zeros at masked steps
(``zero_output_for_mask``); ``get_weights`` lists the forward layer's weights, then the
backward layer's.

``TimeDistributed(Dense(8))`` applies one layer to every time step of ``(batch, timesteps, ...)``
with the same weights (the steps are folded into the batch axis and unfolded afterwards).
"""
from __future__ import annotations

import numpy as np

from pynet.layers.base import Layer, format_shape, get_layer_class, register_layer

__all__ = ["Bidirectional", "TimeDistributed"]

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class _Wrapper(Layer):
    """Shares the inner layers' parameter and gradient arrays (no copies: the optimizer's
    in-place updates reach the inner layers)."""

    def _inner(self):
        raise NotImplementedError

    @property
    def input_grad_needed(self):
        return self._input_grad_needed

    @input_grad_needed.setter
    def input_grad_needed(self, value):
        self._input_grad_needed = bool(value)
        for layer in getattr(self, "_layers_list", ()):
            layer.input_grad_needed = bool(value)

    def seed_random(self, rng):
        for layer in self._layers_list:
            hook = getattr(layer, "seed_random", None)
            if hook is not None:
                hook(rng)


@register_layer
class Bidirectional(_Wrapper):
    """Read a sequence both ways with a recurrent layer (see the module docstring).

    Parameters
    ----------
    layer : SimpleRNN, LSTM or GRU instance (or its config dict, when loading)
    merge_mode : {'concat', 'sum', 'mul', 'ave', None}
        How the two outputs combine; None returns both as a list.
    backward_layer : recurrent layer, optional
        A different layer for the backward direction (must have ``go_backwards=True``).
    """

    name_prefix = "bidirectional"
    supports_masking = True

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        where = "Bidirectional()"
        if isinstance(layer, dict):
            layer = get_layer_class(layer["class_name"]).from_config(layer["config"])
        if isinstance(backward_layer, dict):
            backward_layer = get_layer_class(backward_layer["class_name"]).from_config(
                backward_layer["config"])
        if not (isinstance(layer, Layer) and hasattr(layer, "go_backwards")
                and hasattr(layer, "return_sequences")):
            raise TypeError(f"{where}: layer must be a recurrent layer instance (SimpleRNN, LSTM,"
                            f" GRU), got {type(layer).__name__}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"{where}: merge_mode must be one of 'concat', 'sum', 'mul', 'ave' "
                             f"or None, got {merge_mode!r}")
        if getattr(layer, "stateful", False):
            raise NotImplementedError(f"{where}: stateful bidirectional layers are not supported")
        kwargs.setdefault("input_shape", layer._declared_input_shape)
        kwargs.setdefault("dtype", layer.dtype.name)
        super().__init__(**kwargs)
        config = layer.get_config()
        config.pop("input_shape", None)
        if backward_layer is None:
            config.update(go_backwards=not layer.go_backwards, name=f"backward_{layer.name}")
            backward_layer = type(layer).from_config(config)
        elif backward_layer.go_backwards == layer.go_backwards:
            raise ValueError(f"{where}: backward_layer must read the other way "
                             f"(go_backwards={not layer.go_backwards})")
        self.forward_layer, self.backward_layer = layer, backward_layer
        for sub in (layer, backward_layer):
            sub.zero_output_for_mask = sub.return_sequences
        self._layers_list = [layer, backward_layer]
        self.input_grad_needed = True
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self._cache = None

    def _merged_shape(self, shape):
        if self.merge_mode == "concat":
            return tuple(shape[:-1]) + (2 * shape[-1],)
        return tuple(shape)

    def compute_output_shape(self, input_shape):
        out = self.forward_layer.compute_output_shape(input_shape)
        if self.return_state:
            states = out[1:]
            main = out[0]
        else:
            main, states = out, []
        main = [tuple(main), tuple(main)] if self.merge_mode is None else self._merged_shape(main)
        if self.return_state or self.merge_mode is None:
            main = main if isinstance(main, list) else [main]
            return main + [tuple(s) for s in states] * 2
        return main

    def build(self, input_shape):
        input_shape = tuple(None if s is None else int(s) for s in input_shape)  # steps may be None
        for sub in self._layers_list:
            if not sub.built:
                sub.build(input_shape)
        self.params, self.grads, self.regularizers = {}, {}, {}
        for prefix, sub in (("forward", self.forward_layer), ("backward", self.backward_layer)):
            for key in sub.params:
                self.params[f"{prefix}_{key}"] = sub.params[key]
                self.grads[f"{prefix}_{key}"] = sub.grads[key]
                if key in sub.regularizers:
                    self.regularizers[f"{prefix}_{key}"] = sub.regularizers[key]
        self.input_shape = input_shape
        out = self.compute_output_shape(input_shape)
        self.output_shape = [tuple(s) for s in out] if isinstance(out, list) else tuple(out)
        self.built = True

    def compute_mask(self, x, mask=None):
        out = mask if (self.return_sequences and mask is not None) else None
        if isinstance(self.output_shape, list):
            return [out] + [None] * (len(self.output_shape) - 1)
        return out

    def _split(self, result):
        return (result[0], result[1:]) if self.return_state else (result, [])

    def forward(self, x, training=False, mask=None):
        kw = {} if mask is None else {"mask": mask}
        yf, sf = self._split(self.forward_layer.forward(x, training, **kw))
        yb, sb = self._split(self.backward_layer.forward(x, training, **kw))
        if self.return_sequences:
            yb = yb[:, ::-1]                        # step t of both halves = step t of x
        self._cache = (yf, yb)
        if self.merge_mode == "concat":
            y = np.concatenate([yf, yb], axis=-1)
        elif self.merge_mode == "sum":
            y = yf + yb
        elif self.merge_mode == "mul":
            y = yf * yb
        elif self.merge_mode == "ave":
            y = (yf + yb) / 2
        else:
            y = [yf, np.ascontiguousarray(yb)]
        if self.return_state or self.merge_mode is None:
            return (y if isinstance(y, list) else [y]) + list(sf) + list(sb)
        return y

    def backward(self, grad):
        if self._cache is None:
            raise RuntimeError(f"Bidirectional {self.name!r}: backward() called before forward()")
        yf, yb = self._cache
        grads = list(grad) if isinstance(self.output_shape, list) else [grad]
        n_states = len(self.forward_layer.STATES) if self.return_state else 0
        if self.merge_mode is None:
            gf, gb = grads[0], grads[1]
            rest = grads[2:]
        else:
            g = grads[0]
            rest = grads[1:]
            if self.merge_mode == "concat":
                u = yf.shape[-1]
                gf, gb = g[..., :u], g[..., u:]
            elif self.merge_mode == "sum":
                gf = gb = g
            elif self.merge_mode == "mul":
                gf, gb = g * yb, g * yf
            else:
                gf = gb = g / 2
        gf = np.zeros_like(yf) if gf is None else np.asarray(gf)
        gb = np.zeros_like(yb) if gb is None else np.asarray(gb)
        if self.return_sequences:
            gb = gb[:, ::-1]
        gf, gb = np.ascontiguousarray(gf), np.ascontiguousarray(gb)
        if self.return_state:
            dxf = self.forward_layer.backward([gf] + list(rest[:n_states]))
            dxb = self.backward_layer.backward([gb] + list(rest[n_states:]))
        else:
            dxf = self.forward_layer.backward(gf)
            dxb = self.backward_layer.backward(gb)
        return None if dxf is None else dxf + dxb

    def get_config(self):
        config = super().get_config()
        config.update(
            layer={"class_name": type(self.forward_layer).__name__,
                   "config": self.forward_layer.get_config()},
            backward_layer={"class_name": type(self.backward_layer).__name__,
                            "config": self.backward_layer.get_config()},
            merge_mode=self.merge_mode)
        return config


@register_layer
class TimeDistributed(_Wrapper):
    """Apply ``layer`` to every time step: ``(batch, timesteps, ...) -> (batch, timesteps, ...)``,
    one set of weights for all steps. The wrapped layer's weights keep their names."""

    name_prefix = "time_distributed"
    supports_masking = True

    def __init__(self, layer, **kwargs):
        if isinstance(layer, dict):
            layer = get_layer_class(layer["class_name"]).from_config(layer["config"])
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed(): layer must be a Layer instance, got "
                            f"{type(layer).__name__}")
        kwargs.setdefault("dtype", layer.dtype.name)
        super().__init__(**kwargs)
        self.layer = layer
        self._layers_list = [layer]
        self.input_grad_needed = True
        self._steps = None

    def compute_output_shape(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f"TimeDistributed {self.name!r} needs inputs (batch, timesteps, "
                             f"...), got {format_shape(input_shape)}")
        return (None if input_shape[0] is None else int(input_shape[0]),) + tuple(
            self.layer.compute_output_shape(input_shape[1:]))

    def build(self, input_shape):
        input_shape = tuple(int(s) for s in input_shape)
        self.compute_output_shape(input_shape) if self.layer.built else None
        if not self.layer.built:
            if len(input_shape) < 2:
                self.compute_output_shape(input_shape)
            self.layer.build(input_shape[1:])
        self.params, self.grads = self.layer.params, self.layer.grads
        self.regularizers = self.layer.regularizers
        super().build(input_shape)

    def trainable_variables(self):
        return self.layer.trainable_variables() if self.trainable else []

    def compute_mask(self, x, mask=None):
        return mask

    def forward(self, x, training=False, mask=None):
        self.check_input(x)
        b, t = x.shape[:2]
        y = self.layer.forward(np.ascontiguousarray(x).reshape((b * t,) + x.shape[2:]), training)
        self._steps = (b, t)
        return y.reshape((b, t) + y.shape[1:])

    def backward(self, grad):
        b, t = self._steps
        grad = np.ascontiguousarray(grad)
        dx = self.layer.backward(grad.reshape((b * t,) + grad.shape[2:]))
        return None if dx is None else dx.reshape((b, t) + dx.shape[1:])

    def get_config(self):
        config = super().get_config()
        config["layer"] = {"class_name": type(self.layer).__name__,
                           "config": self.layer.get_config()}
        return config
