"""Checking the data a model is given, before anything changes.

``fit``, ``evaluate`` and ``predict`` accept, for a model with several inputs or outputs, a list in
the model's order or a dict keyed by input/output name (a single array for a single one). Every
array is checked here — numeric, a batch axis, the shape the model was built for, no NaN/Inf, the
same number of samples everywhere, targets the loss can use — and converted once to the dtype
the model computes in. Errors name the argument, the input/output, what was expected and what
arrived.
"""
from __future__ import annotations

import warnings

import numpy as np

__all__ = ["as_list", "check_inputs", "check_targets", "sample_weights", "int_arg"]


def int_arg(value, name, where, *, low=1):
    """``value`` as an int >= ``low``, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an int, got {value!r}")
    if value < low:
        raise ValueError(f"{where}: {name} must be >= {low}, got {value!r}")
    return int(value)


def as_list(data, names, what, where):
    """``data`` (array, list or dict) as a list aligned with ``names``."""
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        unknown = sorted(set(data) - set(names))
        if missing or unknown:
            raise ValueError(f"{where}: {what} dict must have the keys {names}; "
                             + (f"missing {missing}" if missing else "")
                             + ("; " if missing and unknown else "")
                             + (f"unknown {unknown}" if unknown else ""))
        return [data[n] for n in names]
    if isinstance(data, (list, tuple)) and len(names) > 1:
        if len(data) != len(names):
            raise ValueError(f"{where}: the model has {len(names)} {what}s {names}, got a list of "
                             f"{len(data)}")
        return list(data)
    if isinstance(data, (list, tuple)) and len(data) == 1 and isinstance(data[0], np.ndarray):
        return [data[0]]
    if len(names) > 1:
        raise ValueError(f"{where}: the model has {len(names)} {what}s {names}; give a list or a "
                         f"dict keyed by {what} name, got {type(data).__name__}")
    return [data]


def _finite(a, label, where):
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        bad = ~np.isfinite(a)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{where}: {label} contains {int(bad.sum())} NaN/Inf value(s), first at "
                         f"index {first}")


def check_inputs(model, xs, where):
    """Checked, converted input arrays (a list) for ``model``; builds a lazy Sequential first."""
    arrays = []
    for a in xs:
        a = np.asarray(a)
        if a.dtype.kind not in "fiub":
            raise TypeError(f"{where}: x must be numeric, got dtype {a.dtype}")
        if a.ndim == 0:
            raise ValueError(f"{where}: x must have a batch axis, got a scalar")
        arrays.append(a)
    model._build_from_data([a.shape[1:] for a in arrays])
    names = model.input_names
    out = []
    for name, t, a in zip(names, model.inputs, arrays):
        label = "x" if len(names) == 1 else f"x[{name!r}]"
        model._check_input_shape(t, a, label, where)
        integer_ok = t.dtype.kind in "iu"
        if not integer_ok and a.dtype.kind in "iub" and a.size and int(np.max(a)) > 1:
            warnings.warn(f"{where}: {label} holds integers up to {int(np.max(a))}; pixel values "
                          "are usually scaled first (x.astype('float32') / 255)", stacklevel=4)
        a = np.ascontiguousarray(a, dtype=t.dtype)
        _finite(a, label, where)
        out.append(a)
    n = {a.shape[0] for a in out}
    if len(n) > 1:
        raise ValueError(f"{where}: inputs have different numbers of samples: "
                         + ", ".join(f"{nm}: {a.shape[0]}" for nm, a in zip(names, out)))
    return out


def check_targets(model, ys, n, where):
    """Checked targets (a list, None for outputs without a loss) for ``n`` samples."""
    out = []
    for spec, t, y in zip(model._output_specs, model.outputs, ys):
        label = "y" if len(ys) == 1 else f"y[{spec.name!r}]"
        if spec.loss is None:
            out.append(None)
            continue
        if y is None:
            raise ValueError(f"{where}: {label} is missing (output {spec.name!r} has a loss)")
        y = np.asarray(y)
        if y.ndim == 0 or y.shape[0] != n:
            raise ValueError(f"{where}: x has {n} samples but {label} has "
                             f"{y.shape[0] if y.ndim else 'no batch axis'} (shape {y.shape})")
        _finite(y, label, where)
        y = spec.loss.check_targets(y, t.sample_shape, where=where)
        if spec.loss.name != "sparse_categorical_crossentropy":
            y = np.ascontiguousarray(y, dtype=t.dtype)
        out.append(y)
    return out


def sample_weights(model, sample_weight, class_weight, ys, n, where):
    """Per-output weight vectors of length ``n`` (or None) from ``sample_weight``/``class_weight``.

    ``class_weight`` ({class: weight}) becomes a weight per sample from its class (the argmax of
    a one-hot row, an integer id, or 0/1 for a single sigmoid unit); both multiply when given.
    """
    names = [s.name for s in model._output_specs]
    if sample_weight is None and class_weight is None:
        return [None] * len(names)
    sws = [None] * len(names) if sample_weight is None else as_list(
        sample_weight, names, "sample_weight", where)
    cws = [None] * len(names) if class_weight is None else (
        [class_weight.get(nm) for nm in names]
        if isinstance(class_weight, dict) and set(class_weight) <= set(names) and len(names) > 1
        else [class_weight] * len(names))
    out = []
    for name, sw, cw, y in zip(names, sws, cws, ys):
        w = None
        if sw is not None:
            sw = np.asarray(sw, dtype=np.float64)
            if sw.shape != (n,):
                raise ValueError(f"{where}: sample_weight for output {name!r} must have shape "
                                 f"({n},), got {sw.shape}")
            if not np.isfinite(sw).all() or (sw < 0).any():
                raise ValueError(f"{where}: sample_weight for output {name!r} must be finite and "
                                 ">= 0")
            w = sw
        if cw is not None and y is not None:
            if not isinstance(cw, dict):
                raise TypeError(f"{where}: class_weight must be a dict {{class: weight}}, got "
                                f"{type(cw).__name__}")
            y = np.asarray(y)
            if y.ndim >= 2 and y.shape[-1] > 1:
                classes = np.argmax(y, axis=-1).reshape(n, -1)[:, 0]
            else:
                classes = np.rint(y.reshape(n, -1)[:, 0]).astype(np.int64)
            table = np.ones(int(max(list(cw) + [int(classes.max()) if n else 0])) + 1)
            for k, v in cw.items():
                if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
                    raise ValueError(f"{where}: class_weight keys must be class ids >= 0, got {k!r}")
                if not np.isfinite(v) or v < 0:
                    raise ValueError(f"{where}: class_weight[{k}] must be finite and >= 0, got {v!r}")
                table[int(k)] = float(v)
            cwv = table[classes]
            w = cwv if w is None else w * cwv
        out.append(w)
    return out

