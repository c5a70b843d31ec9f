"""Keras's HDF5 weight files, read into pynet models and written from them.

Two layouts exist (``docs/interop.md`` draws both):

* **Keras 2** (``model.save('m.h5')`` and ``model.save_weights('w.h5')``; also what Keras 3 writes
  for a ``.h5`` path, and the ImageNet files Keras's applications download). The weights sit in a
  group per layer — under ``model_weights/`` in a full-model file, at the top in a weights-only file
  — listed in order by the attribute ``layer_names``; each layer group lists its arrays in order by
  ``weight_names`` (paths inside the group, such as ``dense_1/kernel:0``). Within a layer the order
  is Keras 2's ``trainable_weights + non_trainable_weights``, which matters only for a nested model
  holding a BatchNormalization (its moving statistics come after every trainable array).
* **Keras 3** (``model.save_weights('w.weights.h5')``, and the ``model.weights.h5`` inside a
  ``.keras`` archive). Every layer of the model is a group ``layers/<path>``, named from its *class*
  (``dense``, ``dense_1``, ``conv2d``…: snake case, numbered in the model's layer order), holding
  ``vars/0 … vars/n-1``; the group ``vars`` carries the layer's own name as the attribute ``name``.
  Recurrent layers keep theirs in ``cell/vars``, Bidirectional in ``forward_layer/cell/vars`` and
  ``backward_layer/cell/vars``, TimeDistributed in ``layer/vars``, nested models in
  ``layers/<path>/layers/...``.

Matching (:func:`load_weights`): by order — the model's layers that have weights, in order, against
the file's (Keras 2), or the same class-derived paths Keras 3 computes (Keras 3) — or, with
``by_name=True``, by layer name. Every array is checked first — count, shape, numeric type,
finite, and, before a byte is read, its size against the model's — and only then is any weight
assigned, so a refused file leaves the model as it was. The file cannot make pynet allocate more
than the model's own weights: a dataset is read only after its shape equals the target's.
Links (soft, external), external storage and virtual datasets are refused — a weight file names
no other file.

pynet's layers keep Keras's weight layouts (``Dense`` kernel ``(in, out)``, ``Conv2D``
``(kh, kw, in, out)``, ``Conv2DTranspose`` ``(kh, kw, out, in)``, LSTM gates ``i, f, c, o``, GRU
``z, r, h`` with ``reset_after`` biases ``(2, 3·units)``), so no array is transposed on the way.
"""
from __future__ import annotations

import io
import os
import re
import warnings

import numpy as np

from pynet.interop.hdf5 import HDF5FileError, holds_data, import_h5py, open_hdf5
from pynet.persistence import atomic_write

__all__ = ["load_weights", "save_weights", "KerasWeightsError", "detect_format",
           "keras3_path_name"]

#: HDF5's object header holds at most 64 KiB; Keras splits larger attributes into name0, name1...
ATTRIBUTE_CHUNK_BYTES = 64512
FORMATS = ("keras3", "keras2")


class KerasWeightsError(HDF5FileError):
    """A Keras weight file that cannot be loaded into this model (nothing was assigned)."""


def _h5py():
    return import_h5py("pynet.interop.keras")


def _open(h5py, path):
    return open_hdf5(h5py, path, error=KerasWeightsError, what="Keras weight file",
                     zip_hint="a Keras 3 '.keras' file? extract its model.weights.h5 and load that")


# -- naming ------------------------------------------------------------------------------------------

def keras3_path_name(layer) -> str:
    """The snake-case class name Keras 3 files a layer under (``Conv2D`` -> ``conv2d``,
    ``BatchNormalization`` -> ``batch_normalization``; a functional model is ``functional``)."""
    from pynet.models.model import Model
    from pynet.models.sequential import Sequential
    if isinstance(layer, Model) and not isinstance(layer, Sequential):
        return "functional"
    name = re.sub(r"\W+", "", type(layer).__name__)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _is_model(layer):
    from pynet.models.model import Model
    return isinstance(layer, Model)


def _is_recurrent(layer):
    return hasattr(layer, "go_backwards") and hasattr(layer, "return_sequences") \
        and not hasattr(layer, "forward_layer")


def _weight_layers(model):
    """The model's own layers (InputLayers left out), in order."""
    return list(model._compute_layers())


def _legacy_weights(layer, prefix=None):
    """``[(weight name, array), ...]`` in Keras 2's order for a layer: trainable arrays, then the
    rest (``layer.trainable_weights + layer.non_trainable_weights``)."""
    prefix = layer.name if prefix is None else prefix
    trainable, frozen = [], []

    def walk(obj, path, on):
        if _is_model(obj):
            for inner in _weight_layers(obj):
                walk(inner, f"{path}/{inner.name}", on and obj.trainable)
            return
        if hasattr(obj, "forward_layer"):                       # Bidirectional
            for sub in (obj.forward_layer, obj.backward_layer):
                walk(sub, f"{path}/{sub.name}", on and obj.trainable)
            return
        if type(obj).__name__ == "TimeDistributed":
            walk(obj.layer, f"{path}/{obj.layer.name}", on and obj.trainable)
            return
        for key, arr in obj.params.items():
            live = on and obj.trainable and key not in obj._non_trainable_keys
            (trainable if live else frozen).append((f"{path}/{key}", arr))

    walk(layer, prefix, True)
    return trainable + frozen


def _keras3_entries(layer, path):
    """``[(group path, [arrays])]``: where Keras 3 keeps this layer's arrays, in its order."""
    if _is_model(layer):
        return _keras3_container(layer, path)
    if hasattr(layer, "forward_layer"):
        return (_keras3_entries(layer.forward_layer, f"{path}/forward_layer")
                + _keras3_entries(layer.backward_layer, f"{path}/backward_layer"))
    if type(layer).__name__ == "TimeDistributed":
        return _keras3_entries(layer.layer, f"{path}/layer")
    if _is_recurrent(layer):
        return [(f"{path}/cell/vars", list(layer.params.values()))]
    return [(f"{path}/vars", list(layer.params.values()))]


def _keras3_children(model, path):
    """``[(layer, group path)]`` for a model's layers, named as Keras 3 names them."""
    used, out = {}, []
    for layer in model.layers:        # a functional model lists its InputLayers (as Keras 3 does)
        name = keras3_path_name(layer)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        out.append((layer, f"{path}/layers/{name}" if path else f"layers/{name}"))
    return out


def _keras3_container(model, path):
    entries = []
    for layer, sub in _keras3_children(model, path):
        entries += _keras3_entries(layer, sub)
    return entries


# -- formats -----------------------------------------------------------------------------------------------

def _keras2_root(reader):
    f = reader.f
    if "model_weights" in f:
        root = reader.get(f, "model_weights", reader.h5py.Group)
        if reader.attribute(root, "layer_names") is not None:
            return root
    if reader.attribute(f, "layer_names") is not None:
        return f
    return None


def detect_format(path) -> str:
    """``'keras2'`` or ``'keras3'``: which layout an HDF5 weight file has."""
    h5py = _h5py()
    with _open(h5py, path) as (reader, f):
        return _format_of(reader)


def _format_of(reader):
    if _keras2_root(reader) is not None:
        return "keras2"
    if isinstance(reader.get(reader.f, "layers"), reader.h5py.Group):
        return "keras3"
    reader.fail("is neither a Keras 2 weight file (no 'layer_names' attribute at the top or in "
                "'model_weights') nor a Keras 3 '.weights.h5' file (no 'layers' group)")


def _pair_message(model_layer, file_layer, detail):
    return f"model layer {model_layer!r} <- file layer {file_layer!r}: {detail}"


def _plan_arrays(reader, model_name, file_name, targets, datasets, plan, skip_mismatch):
    """Check one layer pair (count, then each shape); add ``(target, dataset)`` to ``plan``.
    Returns True when added, False when skipped (``skip_mismatch``)."""
    problem = None
    if len(targets) != len(datasets):
        problem = (f"the model layer has {len(targets)} weight arrays "
                   f"{[t.shape for t in targets]}, the file has {len(datasets)}")
    else:
        for i, (target, ds) in enumerate(zip(targets, datasets)):
            found = reader.check_dataset(ds, target.shape, _pair_message(model_name, file_name, ""))
            if found is not None:
                problem = (f"weight {i} ({ds.name.rsplit('/', 1)[-1]}) has shape {found} in the "
                           f"file, the model expects {tuple(target.shape)}")
                if len(found) == 1 and len(target.shape) == 2 and target.shape[0] == 2:
                    problem += " (a GRU saved with reset_after=False? set it to match)"
                elif len(found) == 2 and found[0] == 2 and len(target.shape) == 1:
                    problem += " (a GRU saved with reset_after=True? set it to match)"
                break
    if problem is not None:
        message = _pair_message(model_name, file_name, problem)
        if skip_mismatch:
            warnings.warn(f"{reader.path!r}: skipped {message}", stacklevel=3)
            return False
        reader.fail(message)
    plan.extend(zip(targets, datasets))
    return True


def _keras2_plan(reader, model, by_name, skip_mismatch):
    root = _keras2_root(reader)
    names = reader.strings(root, "layer_names") or []
    file_layers = []                  # (name, [datasets]) for layers that have weights
    for name in names:
        group = reader.get(root, name, reader.h5py.Group)
        if group is None:
            reader.fail(f"'layer_names' lists {name!r} but the file has no such group")
        weight_names = reader.strings(group, "weight_names") or []
        datasets = []
        for wn in weight_names:
            ds = reader.get(group, wn)
            if ds is None:
                reader.fail(f"layer {name!r} lists weight {wn!r} but the file has no such dataset")
            datasets.append(ds)
        if datasets:
            file_layers.append((name, datasets))
    model_layers = [(l.name, [a for _, a in _legacy_weights(l)]) for l in _weight_layers(model)]
    model_layers = [(n, t) for n, t in model_layers if t]
    plan, loaded = [], []
    if by_name:
        in_file = dict(file_layers)
        for name, targets in model_layers:
            if name in in_file and _plan_arrays(reader, name, name, targets, in_file[name], plan,
                                                skip_mismatch):
                loaded.append((name, name))
        _check_some_matched(reader, loaded, model_layers, [n for n, _ in file_layers],
                            skip_mismatch)
        return plan, loaded
    if len(file_layers) != len(model_layers):
        reader.fail(f"the file holds weights for {len(file_layers)} layers "
                    f"{[n for n, _ in file_layers]}, the model has {len(model_layers)} layers "
                    f"with weights {[n for n, _ in model_layers]}")
    for (mname, targets), (fname, datasets) in zip(model_layers, file_layers):
        if _plan_arrays(reader, mname, fname, targets, datasets, plan, skip_mismatch):
            loaded.append((mname, fname))
    return plan, loaded


def _check_some_matched(reader, loaded, model_layers, file_names, skip_mismatch):
    if not loaded and model_layers and not skip_mismatch:
        reader.fail(f"by_name=True: no layer name of the model {[n for n, _ in model_layers]} "
                    f"is in the file {file_names}")


def _vars_datasets(reader, group_path):
    """The datasets ``0..n-1`` of a Keras 3 ``vars`` group (an absent group holds none)."""
    group = reader.get(reader.f, group_path)
    if group is None:
        return None
    if not isinstance(group, reader.h5py.Group):
        reader.fail(f"{group_path!r} is not a group")
    keys = reader.members(group)
    if sorted(keys, key=lambda k: (len(k), k)) != [str(i) for i in range(len(keys))]:
        reader.fail(f"{group_path!r} holds {keys}, expected datasets named 0..{len(keys) - 1}")
    return [reader.get(group, str(i)) for i in range(len(keys))]


def _vars_name(reader, group_path):
    """The layer name Keras 3 records on a layer's ``vars`` group (None when absent)."""
    vars_group = reader.get(reader.f, f"{group_path}/vars")
    if not isinstance(vars_group, reader.h5py.Group):
        return None
    names = reader.strings(vars_group, "name")
    return names[0] if names else None


def _keras3_layer_plan(reader, layer, group_path, file_name, plan, skip_mismatch):
    entries = _keras3_entries(layer, group_path)
    targets, datasets, missing = [], [], []
    for path, arrays in entries:
        found = _vars_datasets(reader, path)
        if found is None:
            if arrays:
                missing.append(path)
            continue
        targets += arrays
        datasets += found
    if missing:
        message = _pair_message(layer.name, file_name, f"the file has no group {missing} "
                                "(a different layer type or model structure)")
        if skip_mismatch:
            warnings.warn(f"{reader.path!r}: skipped {message}", stacklevel=3)
            return False
        reader.fail(message)
    return _plan_arrays(reader, layer.name, file_name, targets, datasets, plan, skip_mismatch)


def _keras3_weighted_groups(reader, group):
    """Top-level layer groups under ``layers/`` that hold any dataset (counted, bounded)."""
    out = []
    for key in reader.members(group):
        sub = reader.get(group, key)
        if isinstance(sub, reader.h5py.Group) and holds_data(reader, sub):
            out.append(key)
    return out


def _keras3_plan(reader, model, by_name, skip_mismatch):
    layers_group = reader.get(reader.f, "layers", reader.h5py.Group)
    top_vars = _vars_datasets(reader, "vars")
    if top_vars:
        reader.fail("the model's own 'vars' group holds arrays; pynet models keep weights only "
                    "in their layers")
    children = [(l, p) for l, p in _keras3_children(model, "")
                if any(a for _, a in _keras3_entries(l, p))]
    plan, loaded = [], []
    if by_name:
        by_file_name = {}
        for key in reader.members(layers_group):
            name = _vars_name(reader, f"layers/{key}")
            if name is not None:
                by_file_name[name] = f"layers/{key}"
        for layer, _ in children:
            if layer.name in by_file_name and _keras3_layer_plan(
                    reader, layer, by_file_name[layer.name], layer.name, plan, skip_mismatch):
                loaded.append((layer.name, layer.name))
        _check_some_matched(reader, loaded, [(l.name, 1) for l, _ in children],
                            sorted(by_file_name), skip_mismatch)
        return plan, loaded
    in_file = _keras3_weighted_groups(reader, layers_group)
    expected = [p.split("/", 1)[1] for _, p in children]
    extra = sorted(set(in_file) - set(expected))
    if extra or len(in_file) != len(expected):
        reader.fail(f"the file holds weights for {len(in_file)} layers {sorted(in_file)}, the model "
                    f"has {len(expected)} layers with weights, filed by Keras 3 as {expected} "
                    f"({[l.name for l, _ in children]})")
    for layer, path in children:
        file_name = _vars_name(reader, path) or path
        if _keras3_layer_plan(reader, layer, path, file_name, plan, skip_mismatch):
            loaded.append((layer.name, file_name))
    return plan, loaded


# -- the public functions ------------------------------------------------------------------------------------

def load_weights(model, path, by_name=False, skip_mismatch=False):
    """Load a Keras HDF5 weight file (Keras 2 ``.h5`` or Keras 3 ``.weights.h5``) into ``model``.

    Parameters
    ----------
    model : pynet ``Model`` or ``Sequential``, built (its shapes known).
    path : str or path-like; the layout is detected from the file, not its name.
    by_name : bool
        False: the model's layers with weights, in order, against the file's (Keras 2), or the
        class-derived paths Keras 3 uses (Keras 3). True: layers are paired by name; model layers
        absent from the file keep their weights (Keras's rule), but at least one must match.
    skip_mismatch : bool
        Skip (with a warning) a layer pair whose weight count or shapes differ instead of
        refusing the file.

    Returns the list of ``(model layer name, file layer name)`` pairs that were loaded.

    Raises :class:`KerasWeightsError` (a ``ValueError``) naming both layers, the expected and the
    found shapes — before any weight is assigned.
    """
    h5py = _h5py()
    if not _is_model(model):
        raise TypeError(f"load_weights(): model must be a pynet Model or Sequential, got "
                        f"{type(model).__name__}")
    if not model.built:
        raise ValueError("load_weights(): the model is not built yet (give its first layer an "
                         "input_shape, or call it on data once), so its weight shapes are unknown")
    with _open(h5py, path) as (reader, f):
        fmt = _format_of(reader)
        make = _keras2_plan if fmt == "keras2" else _keras3_plan
        plan, loaded = make(reader, model, bool(by_name), bool(skip_mismatch))
        values = [(target, reader.read(ds, f"weight for {tuple(target.shape)}"))
                  for target, ds in plan]
    for target, value in values:                         # everything checked: now assign
        target[...] = value.astype(target.dtype, copy=False)
    return loaded


def _h5_bytes(h5py, write):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write(f)
    return buffer.getbuffer()      # a view of the file's bytes (no second copy)


def _string_attribute(group, name, values):
    """Keras 2's string-list attribute, split into ``name0``, ``name1``… when too large."""
    data = np.array([v.encode("utf-8") for v in values], dtype="S") if values else \
        np.array([], dtype="S1")
    if data.nbytes <= ATTRIBUTE_CHUNK_BYTES:
        group.attrs[name] = data
        return
    per = max(1, ATTRIBUTE_CHUNK_BYTES // max(1, data.itemsize))
    for k, start in enumerate(range(0, len(data), per)):
        group.attrs[f"{name}{k}"] = data[start:start + per]


def save_weights(model, path, format="keras3"):
    """Write ``model``'s weights as a Keras HDF5 weight file, atomically (a temporary file,
    then ``os.replace``).

    ``format='keras3'`` writes Keras 3's ``.weights.h5`` layout (``keras.Model.load_weights``
    of Keras 3 reads it); ``format='keras2'`` writes the weights-only layout of Keras 2's
    ``save_weights('w.h5')`` (``layer_names``/``weight_names``), which Keras 2 and Keras 3 read.
    Returns the path written."""
    h5py = _h5py()
    if format not in FORMATS:
        raise ValueError(f"save_weights(): format must be one of {FORMATS}, got {format!r}")
    if not _is_model(model):
        raise TypeError(f"save_weights(): model must be a pynet Model or Sequential, got "
                        f"{type(model).__name__}")
    if not model.built:
        raise ValueError("save_weights(): the model is not built; it has no weights yet")
    path = os.fspath(path)
    from pynet import __version__

    def write_keras2(f):
        layers = _weight_layers(model)
        _string_attribute(f, "layer_names", [l.name for l in layers])
        f.attrs["backend"] = "pynet"
        f.attrs["keras_version"] = f"pynet-{__version__}"
        for layer in layers:
            group = f.create_group(layer.name)
            weights = _legacy_weights(layer)
            _string_attribute(group, "weight_names", [n for n, _ in weights])
            for name, array in weights:
                group.create_dataset(name, data=array)

    def write_keras3(f):
        f.create_group("layers")
        f.create_group("vars").attrs["name"] = model.name

        def container(obj, path):
            for layer, sub in _keras3_children(obj, path):
                write_layer(layer, sub)

        def write_layer(layer, sub):
            f.require_group(sub)
            f.require_group(f"{sub}/vars").attrs["name"] = layer.name
            if _is_model(layer):
                container(layer, sub)
                return
            for vars_path, arrays in _keras3_entries(layer, sub):
                group = f.require_group(vars_path)
                if "name" not in group.attrs:      # a recurrent cell: Keras names it <class>_cell
                    group.attrs["name"] = f"{keras3_path_name(layer)}_cell"
                for i, array in enumerate(arrays):
                    group.create_dataset(str(i), data=array)

        container(model, "")

    data = _h5_bytes(h5py, write_keras3 if format == "keras3" else write_keras2)
    atomic_write(path, data)
    return path
