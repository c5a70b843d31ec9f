"""Activations of chosen layers for an image of any size, and the gradient back to the image.

DeepDream and style transfer (Chollet §8.2–8.3) both need the same two walks that Keras's
``K.gradients(loss, model.input)`` gives the book:

* forward: the image through the model, keeping the outputs of a few named layers;
* backward: from dL/d(those outputs) down to dL/d(image).

pynet's ``Conv2D`` is built for one input size, while DeepDream resizes the image at every octave
and a photo is rarely the size a convnet was trained on. :class:`FeatureExtractor` therefore
runs a *twin* of the part of the model that leads to the chosen layers, built for the image's
size: every layer is re-made from its ``get_config()`` and given the original's
``get_weights()`` (one twin per image size, kept). The model itself is never run, so its weights,
gradients and flags are left exactly as they were. Layers after the chosen ones (``Flatten``,
``Dense``) are not part of the twin, which is why a classifier trained on 28×28 digits can dream
on a 160×107 photo.
"""
from __future__ import annotations

import numpy as np

__all__ = ["FeatureExtractor", "check_image", "layer_names"]

#: Twins kept per extractor (one per image size; DeepDream uses one per octave).
MAX_TWINS = 8


def layer_names(model) -> list:
    """The names of ``model.layers`` in order (what error messages list)."""
    return [layer.name for layer in model.layers]


def check_image(image, where: str, channels: int | None = None) -> np.ndarray:
    """One image as ``(1, height, width, channels)``.

    Accepts ``(height, width, channels)`` or ``(1, height, width, channels)``; refuses any other
    rank, a batch of more than one image, an empty image, a channel count other than
    ``channels`` and values that are not finite — naming ``where`` and what arrived.
    """
    try:
        x = np.asarray(image)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: image must be an array, got {type(image).__name__}") from exc
    if x.dtype.kind not in "fiu" or x.dtype == bool:
        raise TypeError(f"{where}: image must hold numbers, got dtype {x.dtype}")
    if x.ndim == 3:
        x = x[np.newaxis]
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(f"{where}: image must be (height, width, channels) or "
                         f"(1, height, width, channels), got shape {np.shape(image)}")
    if min(x.shape[1:]) == 0:
        raise ValueError(f"{where}: image is empty, shape {np.shape(image)}")
    if channels is not None and x.shape[-1] != channels:
        raise ValueError(f"{where}: the model takes images with {channels} channel(s), got an "
                         f"image of shape {np.shape(image)}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{where}: image holds NaN or infinite values")
    return x


def _model_channels(model):
    shape = model.input_shape
    if isinstance(shape, list):
        raise ValueError(f"model {model.name!r} has {len(shape)} inputs; DeepDream and style "
                         "transfer need a model with one image input")
    if shape is None:
        raise ValueError(f"model {model.name!r} is not built: give its first layer "
                         "input_shape=... or call model.build(input_shape)")
    if len(shape) != 4:
        raise ValueError(f"model {model.name!r} takes inputs of shape {shape}, not images "
                         "(None, height, width, channels)")
    return shape[-1]


class FeatureExtractor:
    """The outputs of ``layers`` of ``model`` for one image, and dL/d(image).

    Parameters
    ----------
    model : Model or Sequential
        Any pynet model with one image input ``(None, height, width, channels)``.
    layers : list of str
        Names of layers in ``model.layers``; each must be called once in the model.

    ``activations(image)`` returns one array per layer, ``(1, h_l, w_l, c_l)``;
    ``input_gradient(grads)`` takes dL/d(activation) for each layer (``None`` for a layer that
    does not enter the loss) and returns dL/d(image), ``(1, height, width, channels)``. The
    two must be called in that order on the same image (the layers keep what their backward
    needs, as in training).
    """

    def __init__(self, model, layers, where: str = "FeatureExtractor()"):
        self.model = model
        self.where = where
        self.channels = _model_channels(model)
        if isinstance(layers, str) or not isinstance(layers, (list, tuple)) or not layers:
            raise ValueError(f"{where}: layers must be a non-empty list of layer names, got "
                             f"{layers!r}")
        names = layer_names(model)
        for name in layers:
            if name not in names:
                raise ValueError(f"{where}: no layer named {name!r} in model {model.name!r}; its "
                                 f"layers are: {', '.join(names)}")
        self.layers = list(layers)
        nodes = getattr(model, "_nodes", None)
        if nodes is None:
            raise ValueError(f"{where}: model {model.name!r} is not built: give its first layer "
                             "input_shape=... or call model.build(input_shape)")
        self._targets = []
        for name in self.layers:
            calls = [node for node in nodes if node.layer.name == name]
            if len(calls) != 1 or len(calls[0].outputs) != 1:
                raise ValueError(f"{where}: layer {name!r} is called {len(calls)} times in the "
                                 "model or has several outputs; choose a layer with one output "
                                 "called once")
            self._targets.append(calls[0].outputs[0])
        self.dtype = np.dtype(model.inputs[0].dtype)
        self._twins = {}
        self._runner = None

    # -- the twin for one image size -------------------------------------------------------------
    def _twin(self, size):
        """A GraphRunner over copies of the layers between the input and the chosen layers,
        built for images of ``size`` = (height, width, channels)."""
        if size in self._twins:
            return self._twins[size]
        from pynet.models.graph import GraphRunner, Input, topological_nodes

        nodes = topological_nodes(self.model.inputs, self._targets, self.where)
        image = Input(shape=size, dtype=self.dtype)
        tensor_of = {id(self.model.inputs[0]): image}
        for node in nodes:
            layer = node.layer
            config = dict(layer.get_config())
            config.pop("input_shape", None)
            config.pop("batch_input_shape", None)
            try:
                twin = type(layer).from_config(config)
                inputs = [tensor_of[id(t)] for t in node.inputs]
                out = twin(inputs if node.as_list else inputs[0])
                twin.set_weights(layer.get_weights())
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{self.where}: layer {layer.name!r} ({type(layer).__name__}) "
                                 f"cannot take an image of size {size} on the way to "
                                 f"{self.layers}: {exc}") from exc
            outs = list(out) if node.outputs_as_list else [out]
            for t, o in zip(node.outputs, outs):
                tensor_of[id(t)] = o
        inputs, outputs = [image], [tensor_of[id(t)] for t in self._targets]
        runner = GraphRunner(inputs, outputs, topological_nodes(inputs, outputs, self.where))
        runner.set_input_grad_flags(True)
        if len(self._twins) >= MAX_TWINS:
            self._twins.pop(next(iter(self._twins)))
        self._twins[size] = runner
        return runner

    # -- the two walks ----------------------------------------------------------------------------
    def activations(self, image) -> list:
        """Outputs of the chosen layers for ``image`` (inference mode), in ``layers`` order."""
        x = check_image(image, self.where, self.channels)
        self._runner = self._twin(tuple(int(s) for s in x.shape[1:]))
        self._image_shape = x.shape
        return self._runner.forward([np.ascontiguousarray(x, dtype=self.dtype)], False)

    def input_gradient(self, grads) -> np.ndarray:
        """dL/d(image) from dL/d(activation) of each chosen layer (after :meth:`activations`)."""
        if self._runner is None:
            raise RuntimeError(f"{self.where}: call activations(image) before input_gradient()")
        if len(grads) != len(self.layers):
            raise ValueError(f"{self.where}: expected one gradient per layer ({len(self.layers)})"
                             f", got {len(grads)}")
        if all(g is None for g in grads):
            return np.zeros(self._image_shape, dtype=self.dtype)
        grads = [None if g is None else np.ascontiguousarray(g, dtype=self.dtype) for g in grads]
        g = self._runner.backward(grads)[0]
        return np.zeros(self._image_shape, dtype=self.dtype) if g is None else g
