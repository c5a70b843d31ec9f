"""Data conventions and argument checks of Nielsen's network (used by
:mod:`pynet.backprop.feedforward_network`).

An example is a pair ``(x, y)``: ``x`` a ``(n_in, 1)`` column (``(n_in,)`` accepted) and ``y``
**either** an ``int`` class label **or** a ``(n_out, 1)`` target column — the type says which,
one convention per data set. :func:`prepare` checks a whole data set once (shapes, label range,
NaN/Inf, with the index of the first bad example) and stacks it into arrays; every error names
the argument, what was expected and what arrived.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["Data", "prepare", "as_columns", "is_label", "check_sizes", "METHODS"]

#: The two backprop paths of the network (see :mod:`pynet.backprop.feedforward_network`).
METHODS = ("matrix", "loop")


#: The most weights a Network may ask for (2**28, 2 GiB as float64): a typo such as
#: [100000, 100000] is refused with this message instead of an allocation of 75 GiB.
MAX_WEIGHTS = 2 ** 28


def check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"Network(): 'sizes' must be a list of layer sizes like [784, 30, 10], "
                        f"got {sizes!r}")
    out = []
    for i, s in enumerate(sizes):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"Network(): sizes[{i}] must be an integer, got {s!r}")
        if s < 1:
            raise ValueError(f"Network(): every layer needs at least one unit; sizes[{i}] is {s}")
        out.append(int(s))
    if len(out) < 2:
        raise ValueError(f"Network(): 'sizes' needs at least two layers (input and output), got "
                         f"{list(sizes)!r}")
    weights = sum(a * b for a, b in zip(out[:-1], out[1:]))
    if weights > MAX_WEIGHTS:
        raise ValueError(f"Network(): 'sizes' {out} asks for {weights:,} weights "
                         f"({weights * 8 / 2 ** 30:.1f} GiB as float64), more than MAX_WEIGHTS = "
                         f"{MAX_WEIGHTS:,} (pynet.backprop.nielsen_data.MAX_WEIGHTS; raise it "
                         "deliberately for a larger network)")
    return out


@dataclass
class Data:
    """A data set as arrays: inputs as rows ``x`` (N, n_in), target rows ``t`` (N, n_out) and
    integer labels ``labels`` (N,) (the argmax of a target column); ``x_max`` is the largest
    input, kept for the "pixels not scaled?" warning so that it is computed once per data set."""

    x: np.ndarray
    t: np.ndarray
    labels: np.ndarray
    x_max: float = 0.0

    def __len__(self):
        return self.x.shape[0]


def is_label(y):
    return isinstance(y, numbers.Integral) and not isinstance(y, bool) or (
        isinstance(y, np.ndarray) and y.ndim == 0 and y.dtype.kind in "iu")


def prepare(data, sizes, where, name, *, allow_empty=False) -> Data:
    """Validate a sequence of ``(x, y)`` pairs and stack it into arrays (once)."""
    n_in, n_out = sizes[0], sizes[-1]
    if isinstance(data, Data):
        return data
    if data is None:
        raise TypeError(f"{where}: {name!r} is None; pass a list of (x, y) pairs")
    pairs = list(data)  # a zip object or generator is materialised once, never consumed twice
    if not pairs and not allow_empty:
        raise ValueError(f"{where}: {name!r} is empty")
    xs = np.empty((len(pairs), n_in))
    ts = np.zeros((len(pairs), n_out))
    labels = np.empty(len(pairs), dtype=np.int64)
    kind = None
    for i, pair in enumerate(pairs):
        try:
            x, y = pair
        except (TypeError, ValueError):
            raise TypeError(f"{where}: {name}[{i}] must be an (x, y) pair, got "
                            f"{type(pair).__name__}") from None
        x = np.asarray(x)
        if x.dtype.kind not in "fiu":
            raise TypeError(f"{where}: {name}[{i}][0] (the input x) must hold numbers, got dtype "
                            f"{x.dtype}")
        if x.shape not in ((n_in, 1), (n_in,)):
            raise ValueError(f"{where}: {name}[{i}][0] (the input x) must be a ({n_in}, 1) column,"
                             f" got shape {x.shape} — is an image truncated or not flattened?")
        xs[i] = x.reshape(n_in)
        this = "label" if is_label(y) else "target"
        if kind is None:
            kind = this
        elif this != kind:
            raise TypeError(f"{where}: {name}[{i}][1] is {'an int label' if this == 'label' else 'a target column'}"
                            f" but earlier examples use {'int labels' if kind == 'label' else 'target columns'};"
                            " use one convention per data set")
        if this == "label":
            lab = int(y)
            if not 0 <= lab < n_out:
                raise ValueError(f"{where}: {name}[{i}][1] is label {lab}, but the network has "
                                 f"{n_out} outputs, so labels must lie in 0..{n_out - 1}")
            ts[i, lab] = 1.0
            labels[i] = lab
        else:
            y = np.asarray(y)
            if y.dtype.kind not in "fiub" or y.shape not in ((n_out, 1), (n_out,)):
                raise ValueError(f"{where}: {name}[{i}][1] must be an int label or a ({n_out}, 1) "
                                 f"target column, got {type(y).__name__} of shape {np.shape(y)}")
            ts[i] = y.reshape(n_out)
    for arr, what in ((xs, "inputs x"), (ts, "targets y")):
        if not np.isfinite(arr).all():
            bad = int(np.argwhere(~np.isfinite(arr))[0][0])
            raise ValueError(f"{where}: {name}[{bad}] has NaN or Inf in its {what}")
    if kind == "target":
        labels = np.argmax(ts, axis=1) if len(pairs) else labels
    return Data(xs, ts, labels, float(xs.max()) if len(pairs) else 0.0)


def as_columns(x, n_in, where):
    """``x`` as a float64 matrix ``(n_in, m)``; also returns how to give the output back."""
    a = np.asarray(x)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{where}: x must hold numbers, got dtype {a.dtype}")
    a = a.astype(np.float64, copy=False)
    if a.ndim == 1 and a.shape[0] == n_in:
        return a.reshape(n_in, 1), "vector"
    if a.ndim == 2 and a.shape[0] == n_in:
        return a, "columns"
    raise ValueError(f"{where}: expected {n_in} inputs as a ({n_in}, 1) column or an ({n_in}, m) "
                     f"matrix with one column per example, got shape {a.shape}")
