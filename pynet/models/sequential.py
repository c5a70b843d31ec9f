"""``Sequential``: a model whose graph is a straight line, grown one layer at a time.

>>> model = Sequential([Dense(512, activation="relu", input_shape=(784,)),
...                     Dense(10, activation="softmax")])
>>> model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
>>> history = model.fit(x_train, y_train, epochs=5, batch_size=128)      # doctest: +SKIP

Everything but the shape of the graph comes from :class:`pynet.models.Model`. As soon as the shape
of one sample is known (the first layer's ``input_shape``, an ``Input``, ``build(shape)``, or the
first data given to ``fit``/``predict``) the line of layers becomes a graph — an ``Input`` followed
by each layer called on the previous output — so ``model.input``, ``layer.output`` and
``Model(model.input, [l.output for l in model.layers])`` work as in Keras. A ``Sequential`` (or any
model) can itself be added as a layer.
"""
from __future__ import annotations

import numpy as np

from pynet.layers.base import Layer, format_shape, register_layer, shape_tuple
from pynet.models.graph import InputLayer, SymbolicTensor, is_symbolic
from pynet.models.model import Model

__all__ = ["Sequential"]


@register_layer
class Sequential(Model):
    """A linear stack of layers.

    Parameters
    ----------
    layers : list of Layer, optional
        Added in order with :meth:`add` (an ``Input(shape=...)`` may come first).
    name : str, optional
    """

    name_prefix = "sequential"

    def __init__(self, layers=None, name=None):
        self._init_house(name)
        self._layers = []
        self._input_shape = None
        self._input_dtype = np.dtype(np.float32)
        self._input_layer = None
        self._own_nodes = []
        for layer in layers or []:
            self.add(layer)

    # -- growing the line --------------------------------------------------------------------------
    def add(self, layer) -> None:
        """Append ``layer``; the graph is (re)made at once if the input shape is known."""
        if isinstance(layer, SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add(): expected a Layer, got {type(layer).__name__}")
        if layer is self:
            raise ValueError("Sequential.add(): a model cannot contain itself")
        if isinstance(layer, InputLayer):
            if self._layers or self._input_shape is not None:
                raise ValueError("Sequential.add(): an Input layer can only come first")
            self._input_shape, self._input_dtype = layer.input_shape, layer.dtype
            self._input_layer = layer
            return
        if any(existing is layer for existing in self._layers):
            raise ValueError(f"Sequential.add(): layer {layer.name!r} is already in the model")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"Sequential.add(): the model already has a layer named {layer.name!r}")
        declared = _declared_shape(layer)
        if not self._layers:
            if (self._input_shape is not None and declared is not None
                    and tuple(declared) != tuple(self._input_shape)):
                raise ValueError(f"Sequential.add(): layer {layer.name!r} declares input_shape "
                                 f"{format_shape(declared)} but the model's Input is "
                                 f"{format_shape(self._input_shape)}")
            if self._input_shape is None and declared is not None:
                self._input_shape = tuple(declared)
                self._input_dtype = _input_dtype_of(layer)
        else:
            prev = self._layers[-1]
            out = _sample_output_shape(prev)
            if out is not None and layer.built and declared is not None and tuple(declared) != out:
                raise ValueError(f"Sequential.add(): layer {layer.name!r} was built for inputs "
                                 f"{format_shape(declared)} but {prev.name!r} outputs "
                                 f"{format_shape(out)}")
        self._layers.append(layer)
        try:
            self._remake_graph()
        except Exception:
            self._layers.pop()
            self._remake_graph()
            raise

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError("Sequential.pop(): the model has no layers")
        layer = self._layers.pop()
        self._remake_graph()
        return layer

    def _remake_graph(self):
        """Forget the previous graph and call each layer on the previous output again."""
        for node in self._own_nodes:
            if node in node.layer._inbound_nodes:
                node.layer._inbound_nodes.remove(node)
        self._own_nodes = []
        self._runner = None
        if self._input_shape is None or not self._layers:
            return
        if self._input_layer is None or self._input_layer.input_shape != tuple(self._input_shape):
            self._input_layer = InputLayer(shape=self._input_shape, dtype=self._input_dtype,
                                           name=f"{self.name}_input")
        x = self._input_layer.output
        for layer in self._layers:
            x = layer(x)
            self._own_nodes.append(layer._inbound_nodes[-1])
        self._set_graph(self._input_layer.output, x, layers=self._layers)

    def build(self, input_shape=None) -> None:
        """Build every layer for samples of ``input_shape`` (batch axis excluded)."""
        if input_shape is not None:
            input_shape = shape_tuple(input_shape)
            if self._input_shape is not None and input_shape != tuple(self._input_shape) and self.built:
                raise ValueError(f"Sequential.build(): the model is built for inputs "
                                 f"{format_shape(self._input_shape)}, got {format_shape(input_shape)}")
            self._input_shape = input_shape
        if self._input_shape is None:
            raise ValueError("Sequential.build(): the input shape is unknown; give the first layer "
                             "input_shape=... or call build(input_shape)")
        if not self.built:
            self._remake_graph()

    def _build_from_data(self, shapes):
        if not self._layers:
            raise ValueError("the model has no layers; add some first")
        if not self.built:
            if self._input_shape is None:
                self._input_shape = tuple(shapes[0])
                first = self._layers[0]
                self._input_dtype = _input_dtype_of(first)
            self.build()

    # -- what differs from a functional model ---------------------------------------------------------------
    @property
    def input_shape(self):
        return None if self._input_shape is None else (None,) + tuple(self._input_shape)

    @input_shape.setter
    def input_shape(self, value):
        pass

    @property
    def output_shape(self):
        if self.built:
            return self.outputs[0].shape
        out = _sample_output_shape(self._layers[-1]) if self._layers else None
        return None if out is None else (None,) + tuple(out)

    @output_shape.setter
    def output_shape(self, value):
        pass

    @property
    def dtype(self):
        return self._layers[0].dtype if self._layers else self._input_dtype

    @dtype.setter
    def dtype(self, value):
        pass

    def _expected_input_shape(self):
        return None if self._input_shape is None else tuple(self._input_shape)

    @property
    def input_names(self):
        return [self._input_layer.name] if self.built else ["input"]

    def _output_names_for_compile(self):
        if not self._layers:
            raise ValueError("compile(): the model has no layers; add some first")
        return [self._layers[-1].name]

    @property
    def output_names(self):
        return [self._layers[-1].name] if self._layers else []

    def _require_layers(self, where):
        if not self._layers:
            raise ValueError(f"{where}: the model has no layers")

    def _check_input_shape(self, tensor, a, label, where):
        first = self._layers[0]
        if not isinstance(first, Model):
            first.check_input(a, where=where)
        super()._check_input_shape(tensor, a, label, where)

    def __call__(self, x, training=False, **kwargs):
        if is_symbolic(x):
            return super().__call__(x, **kwargs)
        xs = self._checked_inputs(x, "Sequential()")
        return self._runner.forward(xs, training)[0]

    def input_gradient(self, x, output_index=None, *, layer=None):
        """Gradient of an output with respect to the input, through the whole model.

        ``output_index`` picks the class (``None``: each image's predicted class), or with
        ``layer=`` the channel of that layer whose mean activation is differentiated. The
        visualisations (saliency, filter patterns, Grad-CAM) are built on it; see
        :func:`pynet.inspect.convnet.input_gradient`. Returns an array shaped like ``x``.
        """
        from pynet.inspect.convnet import input_gradient

        return input_gradient(self, x, output_index, layer=layer)

    # -- configuration -----------------------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {
            "name": self.name,
            "input_shape": None if self._input_shape is None else list(self._input_shape),
            "input_dtype": self._input_dtype.name,
            "layers": [{"class_name": type(l).__name__, "config": l.get_config()}
                       for l in self._layers],
        }

    @classmethod
    def from_config(cls, config: dict) -> "Sequential":
        from pynet.models.saving import layer_from_spec, require_keys
        require_keys(config, ("layers",), "Sequential config")
        layers = [layer_from_spec(spec) for spec in config["layers"]]
        model = cls(name=config.get("name"))
        if config.get("input_shape") is not None:
            model._input_shape = shape_tuple(config["input_shape"])
            model._input_dtype = np.dtype(config.get("input_dtype", "float32"))
        for layer in layers:
            model.add(layer)
        if model._input_shape is not None and model._layers:
            model.build()
        return model

    def __repr__(self):
        return f"<Sequential {self.name!r}: {len(self._layers)} layers>"


def _declared_shape(layer):
    """The sample input shape a layer was built for or declared (None if unknown)."""
    if isinstance(layer, Model):
        return layer._expected_input_shape() if layer.built else None
    return layer.input_shape


def _sample_output_shape(layer):
    if isinstance(layer, Model):
        return tuple(layer.output_shape[1:]) if layer.built and not layer._outputs_as_list else None
    return tuple(layer.output_shape) if layer.built and layer.output_shape is not None else None


def _input_dtype_of(layer):
    """The dtype a Sequential's input keeps for its first layer: integer ids for a layer with
    ``integer_input`` (Embedding), else the layer's float dtype."""
    if getattr(layer, "integer_input", False):
        return np.dtype(np.int64)
    return np.dtype(getattr(layer, "input_dtype", layer.dtype))
