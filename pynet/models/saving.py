"""Saving and loading models: the graph as JSON, the weights and optimizer state as NPZ.

A model's configuration names each layer's class (found again in the layer registry — a dict
lookup, never ``eval``, pickle or code from the file) and, for a functional model, each call in
Keras's form: ``inbound_nodes`` lists, per call, ``[layer name, call index, output index]`` of
every input. ``save`` writes ``<path>.npz`` then ``<path>.json`` (which records the weights
file's SHA-256, so a torn pair is detected at load), each atomically; every weight is checked
before the first one is assigned.
"""
from __future__ import annotations

import json
import os

import numpy as np

from pynet import optimizers as optimizers_module
from pynet import losses as losses_module
from pynet import metrics as metrics_module
from pynet.layers.base import get_layer_class
from pynet import persistence
from pynet.persistence import _depth as _json_depth
from pynet.persistence import (PersistenceError, atomic_write, check_shapes, load_model_files,
                               load_npz, save_model_files, save_npz, validate_layer_config)

__all__ = ["save_model", "load_model", "model_from_json", "model_from_config", "save_weights",
           "load_weights", "functional_config", "functional_from_config", "MODEL_FORMAT"]

MODEL_FORMAT = 1
#: Deepest nesting of lists/dicts accepted in a model file (persistence's limit).
MAX_JSON_DEPTH = persistence.MAX_JSON_DEPTH


def require_keys(config, keys, what):
    if not isinstance(config, dict):
        raise PersistenceError(f"{what} must be a JSON object, got {type(config).__name__}")
    missing = [k for k in keys if k not in config]
    if missing:
        raise PersistenceError(f"{what} lacks the key(s) {missing}")


def layer_from_spec(spec):
    """A layer (or nested model) from ``{"class_name": ..., "config": {...}}``."""
    require_keys(spec, ("class_name", "config"), "layer entry")
    if not isinstance(spec["config"], dict):
        raise PersistenceError(f"layer entry {spec['class_name']!r}: config must be an object")
    try:
        cls = get_layer_class(spec["class_name"])
    except ValueError as exc:
        raise PersistenceError(str(exc)) from None
    config = dict(spec["config"])
    if not hasattr(cls, "_init_house"):           # a layer: sizes and keys checked first
        validate_layer_config(spec["class_name"], config, allowed=_constructor_keywords(cls),
                              where=_WHERE.get("file", ""))
    try:
        return cls.from_config(config)
    except PersistenceError:
        raise
    except TypeError as exc:
        raise PersistenceError(f"layer {config.get('name', spec['class_name'])!r}: bad config "
                               f"({exc})") from None


_WHERE = {}   # the file being loaded, for error messages


def _constructor_keywords(cls):
    """Keyword names ``cls(...)`` accepts (its own and the base Layer's), or None when it takes
    ``**kwargs`` it does not pass to Layer (then any key may be meant)."""
    import inspect
    from pynet.layers.base import Layer
    names = set()
    for klass in cls.__mro__:
        if klass is object or "__init__" not in vars(klass):
            continue
        params = inspect.signature(vars(klass)["__init__"]).parameters
        names |= {n for n, p in params.items() if n != "self" and p.kind not in
                  (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        if klass is Layer:
            break
    return names or None


def with_dtype(config, dtype):
    """A copy of a model config with every layer's ``dtype`` set to ``dtype`` (nested too);
    integer inputs stay integer."""
    def walk(obj):
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if k == "dtype" and isinstance(v, str) and np.dtype(v).kind == "f":
                    out[k] = dtype
                elif k == "input_dtype" and isinstance(v, str) and np.dtype(v).kind == "f":
                    out[k] = dtype
                else:
                    out[k] = walk(v)
            return out
        if isinstance(obj, list):
            return [walk(v) for v in obj]
        return obj
    return walk(config)


# -- functional graphs --------------------------------------------------------------------------------

def functional_config(model) -> dict:
    """Keras's functional config: layers with their calls, and the model's inputs/outputs."""
    index = {}   # id(node) -> (layer name, index of the call among this model's calls)
    calls = {}
    for t in model.inputs:
        index[id(t.node)] = (t.node.layer.name, 0)
    for node in model._nodes:
        k = calls.get(id(node.layer), 0)
        index[id(node)] = (node.layer.name, k)
        calls[id(node.layer)] = k + 1

    def ref(t):
        name, k = index[id(t.node)]
        return [name, k, t.index]

    layers = []
    for layer in model.layers:
        nodes = [n for n in model._nodes if n.layer is layer]
        layers.append({"class_name": type(layer).__name__, "name": layer.name,
                       "config": layer.get_config(),
                       "inbound_nodes": [[ref(t) for t in n.inputs] for n in nodes]})
    return {"name": model.name, "layers": layers,
            "input_layers": [ref(t) for t in model.inputs],
            "output_layers": [ref(t) for t in model.outputs],
            "inputs_as_list": model._inputs_as_list, "outputs_as_list": model._outputs_as_list}


def functional_from_config(config):
    """Rebuild a functional model: make each layer, then replay its calls in order."""
    from pynet.models.graph import InputLayer
    from pynet.models.model import Model
    require_keys(config, ("layers", "input_layers", "output_layers"), "Model config")
    made, outputs_of = {}, {}   # name -> layer; (name, call) -> outputs list
    pending = []
    for spec in config["layers"]:
        require_keys(spec, ("class_name", "config", "inbound_nodes"), "layer entry")
        layer = layer_from_spec(spec)
        if layer.name in made:
            raise PersistenceError(f"Model config: two layers are named {layer.name!r}")
        made[layer.name] = layer
        if isinstance(layer, InputLayer):
            outputs_of[(layer.name, 0)] = [layer.output]
        else:
            for k, inbound in enumerate(spec["inbound_nodes"]):
                pending.append((layer, k, inbound))

    def lookup(entry):
        if not isinstance(entry, list) or len(entry) < 3:
            raise PersistenceError(f"Model config: a tensor reference must be [layer, call, "
                                   f"output], got {entry!r}")
        key = (entry[0], entry[1])
        if key not in outputs_of:
            return None
        outs = outputs_of[key]
        if not isinstance(entry[2], int) or not 0 <= entry[2] < len(outs):
            raise PersistenceError(f"Model config: {entry!r} names an output that does not exist")
        return outs[entry[2]]

    while pending:   # replay calls whose inputs exist; a full pass with no progress is an error
        progressed = False
        for item in list(pending):
            layer, k, inbound = item
            if not isinstance(inbound, list):
                raise PersistenceError(f"Model config: inbound_nodes of {layer.name!r} must be "
                                       "lists")
            tensors = [lookup(e) for e in inbound]
            if any(t is None for t in tensors):
                continue
            arg = tensors if getattr(layer, "multi_input", False) else tensors[0]
            out = layer(arg)
            outputs_of[(layer.name, k)] = list(out) if isinstance(out, list) else [out]
            pending.remove(item)
            progressed = True
        if not progressed:
            names = sorted({item[0].name for item in pending})
            raise PersistenceError(f"Model config: the calls of {names} refer to tensors that "
                                   "are never made (or form a cycle)")
    inputs = [lookup(e) for e in config["input_layers"]]
    outputs = [lookup(e) for e in config["output_layers"]]
    if any(t is None for t in inputs + outputs):
        raise PersistenceError("Model config: input_layers/output_layers name unknown tensors")
    ins = inputs if config.get("inputs_as_list", len(inputs) > 1) else inputs[0]
    outs = outputs if config.get("outputs_as_list", len(outputs) > 1) else outputs[0]
    return Model(ins, outs, name=config.get("name"))


def model_from_config(doc):
    """A model from ``{"class_name": "Sequential"|"Model", "config": {...}}``."""
    require_keys(doc, ("class_name", "config"), "model")
    if doc["class_name"] not in ("Sequential", "Model"):
        raise PersistenceError(f"expected a Sequential or Model, got {doc['class_name']!r}")
    return layer_from_spec(doc)


def to_json(model) -> str:
    return json.dumps({"class_name": type(model).__name__, "config": model.get_config()}, indent=1)


def model_from_json(text: str):
    """Rebuild an (untrained) model from ``model.to_json()``."""
    doc = _parse_json(text, "model_from_json()")
    return model_from_config(doc)


# -- files ---------------------------------------------------------------------------------------------------

def _stem(path):
    path = os.fspath(path)
    for ext in (".json", ".npz"):
        if path.endswith(ext):
            return path[: -len(ext)]
    return path


def _parse_json(text, where):
    try:
        doc = json.loads(text)
    except RecursionError:
        raise PersistenceError(f"{where}: the JSON is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PersistenceError(f"{where}: not valid JSON ({exc})") from None
    if _json_depth(doc) > MAX_JSON_DEPTH:
        raise PersistenceError(f"{where}: the JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    if not isinstance(doc, dict):
        raise PersistenceError(f"{where}: expected a JSON object at the top, got "
                               f"{type(doc).__name__}")
    return doc


def _compile_config(model):
    if not model.compiled:
        return None
    specs = []
    for spec in model._output_specs:
        names = []
        for m_spec, metric in zip(spec.metric_specs, spec.metrics or spec.metric_specs):
            if isinstance(m_spec, str):
                names.append(m_spec)
            elif getattr(metric, "fn", None) in metrics_module._FUNCTIONS.values():
                names.append(metric.fn.__name__)
            else:
                raise ValueError(f"save(): metric {getattr(metric, 'name', metric)!r} is a custom "
                                 "function and cannot be saved by name")
        if spec.loss is not None and type(spec.loss) not in set(losses_module._CLASSES.values()):
            raise ValueError(f"save(): loss {spec.loss!r} is custom and cannot be saved by name")
        specs.append({"name": spec.name, "loss": None if spec.loss is None else spec.loss.name,
                      "weight": spec.weight, "metrics": names})
    doc = {"optimizer": optimizers_module.serialize(model.optimizer)}
    if len(specs) == 1:   # the format of earlier pynet versions
        doc.update(loss=specs[0]["loss"], metrics=specs[0]["metrics"])
        if specs[0]["weight"] != 1.0:
            doc["loss_weights"] = [specs[0]["weight"]]
    else:
        doc.update(loss={s["name"]: s["loss"] for s in specs},
                   loss_weights={s["name"]: s["weight"] for s in specs},
                   metrics={s["name"]: s["metrics"] for s in specs})
    return doc


def _weight_arrays(model):
    return dict(model.params)


def save_model(model, path, include_optimizer=True):
    """Write ``<path>.json`` and the weights/optimizer NPZ it names; return both paths.

    Through :func:`pynet.persistence.save_model_files`: the arrays go to a new content-addressed
    NPZ, then the JSON (the commit point) replaces the old one atomically — a crash at any
    moment leaves the old model or the new one loadable."""
    if not model.built:
        raise ValueError("save(): the model is not built; nothing to save yet")
    stem = _stem(path)
    weights = _weight_arrays(model)
    compile_config = _compile_config(model)
    arrays = {f"weights/{k}": v for k, v in weights.items()}
    if include_optimizer and model.optimizer is not None:
        arrays.update({f"optimizer/{k}": v for k, v in model.optimizer.get_state().items()})
    doc = {"format": MODEL_FORMAT, "class_name": type(model).__name__, "config": model.get_config(),
           "compile": compile_config, "weights": {k: list(v.shape) for k, v in weights.items()},
           "dtype": model.dtype.name}
    return save_model_files(stem, doc, arrays, {"kind": f"pynet.{type(model).__name__}"})


def save_weights(model, path):
    npz_path = _stem(path) + ".npz"
    save_npz(npz_path, {f"weights/{k}": v for k, v in _weight_arrays(model).items()},
             {"kind": "pynet.weights"})
    return npz_path


def _assign_all(model, weights, npz_path):
    """Check every array (names, shapes, finite), then assign — all or nothing."""
    params = _weight_arrays(model)
    check_shapes(npz_path, weights, {k: v.shape for k, v in params.items()})
    for k, v in weights.items():
        if v.dtype.kind not in "fiu":
            raise PersistenceError(f"{npz_path!r}: weight {k!r} is not numeric ({v.dtype})")
        if not np.isfinite(v).all():
            raise PersistenceError(f"{npz_path!r}: weight {k!r} contains NaN/Inf")
    for k, target in params.items():
        target[...] = weights[k]


def load_weights(model, path):
    npz_path = _stem(path) + ".npz"
    arrays, _ = load_npz(npz_path)
    weights = {k[len("weights/"):]: v for k, v in arrays.items() if k.startswith("weights/")}
    _assign_all(model, weights, npz_path)


def load_model(path, compile=True):
    """Load a model written by ``save``: graph, weights and (when ``compile``) optimizer, losses,
    metrics and optimizer state.

    Bounded and confined (:func:`pynet.persistence.load_model_files`): the JSON's size and depth
    are capped, its ``weights_file`` must be a regular file beside it, every layer's config is
    checked (known keys, sizes within limits) before the layer is made, and every weight is
    checked before the first is assigned."""
    stem = _stem(path)
    json_path = stem + ".json"
    if not os.path.exists(json_path):
        raise FileNotFoundError(f"load_model(): no such file {json_path!r}")
    doc, arrays = load_model_files(stem)
    if doc.get("format") != MODEL_FORMAT or doc.get("class_name") not in ("Sequential", "Model"):
        raise PersistenceError(f"{json_path!r} is not a pynet model file (format "
                               f"{doc.get('format')!r}, class {doc.get('class_name')!r})")
    npz_path = os.path.join(os.path.dirname(json_path), doc["weights_file"])
    _WHERE["file"] = json_path
    try:
        model = model_from_config({"class_name": doc["class_name"], "config": doc["config"]})
    finally:
        _WHERE.pop("file", None)
    weights = {k[len("weights/"):]: v for k, v in arrays.items() if k.startswith("weights/")}
    _assign_all(model, weights, npz_path)
    if compile and doc.get("compile"):
        c = doc["compile"]
        require_keys(c, ("optimizer", "loss"), f"{json_path!r} compile")
        model.compile(optimizer=optimizers_module.get(c["optimizer"]), loss=c["loss"],
                      metrics=c.get("metrics"), loss_weights=c.get("loss_weights"))
        state = {k[len("optimizer/"):]: v for k, v in arrays.items() if k.startswith("optimizer/")}
        if state:
            model.optimizer.set_state(state)
    return model
