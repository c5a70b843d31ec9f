"""The bridge to the layer API: differentiate a function written with :mod:`pynet.autodiff`
operations, so a ``Lambda`` or custom layer needs no hand-written ``backward``.

A layer's ``forward`` calls :func:`vjp` and keeps the returned ``backward``; the layer's
``backward(grad)`` calls it. "vjp" is the vector–Jacobian product: given ``g = dL/d output`` it
returns ``gᵀ J = dL/d input`` for every input and parameter, which is exactly what a layer's
backward pass must produce.
"""
from __future__ import annotations

import numpy as np

from .tensor import Tensor, gradient, record

__all__ = ["vjp"]


def vjp(fn, inputs, params=None):
    """Run ``fn`` on tensors and return its output with a function that back-propagates into it.

    Parameters
    ----------
    fn : callable
        ``fn(*input_tensors, **param_tensors)`` built from :mod:`pynet.autodiff` operations (and
        Tensor operators); returns a Tensor, or a list/tuple of Tensors.
    inputs : list of ndarray
        The layer's inputs, each wrapped in a Tensor (floating ones take gradients).
    params : dict of str -> ndarray, optional
        The layer's weights, passed to ``fn`` as keyword arguments (trainable tensors).

    Returns
    -------
    outputs : ndarray, or a list of ndarrays when ``fn`` returns several
    backward : callable
        ``backward(grad_output) -> (input_grads, param_grads)``: ``grad_output`` has the shape of
        the output (a list of arrays for several outputs; None for an output nobody used);
        ``input_grads`` is a list with one array per input (zeros for a floating input ``fn`` did
        not use, None for an integer input), ``param_grads`` a dict keyed like ``params``. It may
        be called more than once (the graph is kept until ``backward`` is dropped).

    Example
    -------
    >>> from pynet import autodiff as ad
    >>> y, back = ad.vjp(lambda x: ad.tanh(x) * 2 + x ** 2, [np.array([0.0, 1.0])])
    >>> back(np.ones(2))[0][0].tolist()     # 2(1 − tanh² x) + 2x
    [2.0, 2.8399486832280525]
    """
    if not callable(fn):
        raise TypeError(f"vjp(): fn must be callable, got {type(fn).__name__}")
    if isinstance(inputs, np.ndarray) or not isinstance(inputs, (list, tuple)):
        raise TypeError(f"vjp(): inputs must be a list of arrays, got {type(inputs).__name__}")
    params = {} if params is None else params
    xs = []
    for i, a in enumerate(inputs):
        arr = np.asarray(a)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"vjp(): inputs[{i}] must be numeric, got dtype {arr.dtype}")
        xs.append(Tensor(arr, requires_grad=arr.dtype.kind == "f", name=f"input_{i}"))
    ps = {}
    for key, a in params.items():
        arr = np.asarray(a)
        if arr.dtype.kind != "f":
            raise TypeError(f"vjp(): params[{key!r}] must be a floating-point array, got "
                            f"dtype {arr.dtype}")
        ps[key] = Tensor(arr, requires_grad=True, name=key)
    with record():
        out = fn(*xs, **ps)
    several = isinstance(out, (list, tuple))
    outs = list(out) if several else [out]
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"vjp(): fn must return Tensors computed with pynet.autodiff "
                            f"operations; output {i} is a {type(o).__name__}")
    sources = xs + list(ps.values())

    def backward(grad_output):
        seeds = list(grad_output) if several else [grad_output]
        if len(seeds) != len(outs):
            raise ValueError(f"backward(): fn has {len(outs)} outputs but {len(seeds)} "
                             f"gradients arrived")
        total = [None] * len(sources)
        for o, seed in zip(outs, seeds):
            if seed is None or not o.requires_grad:
                continue
            seed = np.asarray(seed)
            if seed.shape != o.shape:
                raise ValueError(f"backward(): grad_output has shape {seed.shape} but the output "
                                 f"has shape {o.shape}")
            for k, g in enumerate(gradient(o, sources, seed, retain_graph=True)):
                if g is not None:
                    total[k] = g if total[k] is None else total[k] + g
        full = [np.zeros_like(s.data) if g is None and s.data.dtype.kind == "f" else g
                for s, g in zip(sources, total)]
        full = [None if s.data.dtype.kind != "f" else np.ascontiguousarray(g, dtype=s.data.dtype)
                for s, g in zip(sources, full)]
        return full[:len(xs)], dict(zip(ps, full[len(xs):]))

    result = [o.data for o in outs] if several else out.data
    return result, backward
