"""``gradient_check(network, x, y)``: backprop of a :class:`~pynet.backprop.feedforward_network.Network`
against central differences, per parameter group."""
from __future__ import annotations

import numpy as np

from ..gradient_check import DEFAULT_TOLERANCE, check_gradients
from pynet import _validate as validate

from .nielsen_data import METHODS, as_columns, is_label

__all__ = ["gradient_check", "GRADIENT_CHECK_EPS"]

#: Step of the central differences. 1e-5 rather than 1e-6: the mean cost of a small batch is
#: O(1), so the rounding error of (C(w+ε) − C(w−ε)) / 2ε is ~1e-16/ε, which for ε = 1e-6 already
#: reaches 1e-6 relative on the smaller bias gradients; the O(ε²) truncation error stays ~1e-9.
GRADIENT_CHECK_EPS = 1e-5


def gradient_check(network, x, y, *, lmbda=0.0, n=None, method="loop",
                   eps=GRADIENT_CHECK_EPS, tolerance=DEFAULT_TOLERANCE):
    """Compare the network's backprop gradients with central differences (float64).

    The function checked is the mini-batch cost
    ``C = (1/m) Σ_columns C_x + λ/(2n) Σ w²`` (n defaults to m), whose gradient is
    ``nabla/m + (λ/n) w`` for the weights and ``nabla/m`` for the biases.

    Parameters
    ----------
    network : Network
    x : ndarray, shape (n_in, m) — columns are examples (or (n_in,) for one example)
    y : ndarray, shape (n_out, m) target columns, or an int label for one example
    method : {"loop", "matrix"}
        ``"loop"``: :meth:`Network.backprop` one column at a time, summed; ``"matrix"``: the
        network's ``nielsen_backprop`` kernel on the whole matrix.

    Returns
    -------
    pynet.gradient_check.GradientReport
        Worst relative error per group ``weights[l]`` / ``biases[l]``; ``report.ok``.
    """
    where = "gradient_check()"
    if method not in METHODS:
        raise ValueError(f"{where}: 'method' must be one of {METHODS}, got {method!r}")
    x, _ = as_columns(x, network.sizes[0], where)
    if is_label(y):
        t = np.zeros((network.sizes[-1], 1))
        t[int(y)] = 1.0
        y = t
    y = np.asarray(y, dtype=np.float64).reshape(network.sizes[-1], -1)
    if y.shape[1] != x.shape[1]:
        raise ValueError(f"{where}: x has {x.shape[1]} column(s) but y has {y.shape[1]}")
    lmbda = validate.real(where, "lmbda", lmbda, low=0)
    m = x.shape[1]
    n = m if n is None else validate.positive_int(where, "n", n)
    for arr in network.weights + network.biases:
        if arr.dtype != np.float64:
            raise TypeError(f"{where}: the network's parameters must be float64")

    def loss():
        zs, activations = network._forward(x)
        return network.cost.fn(activations[-1], y, zs[-1]) / m + network._l2(lmbda, n)

    if method == "loop":
        nabla_b = [np.zeros(b.shape) for b in network.biases]
        nabla_w = [np.zeros(w.shape) for w in network.weights]
        for c in range(m):
            db, dw = network.backprop(x[:, c:c + 1], y[:, c:c + 1])
            nabla_b = [a + b for a, b in zip(nabla_b, db)]
            nabla_w = [a + b for a, b in zip(nabla_w, dw)]
    else:
        nabla_b, nabla_w = network.kernels.nielsen_backprop(
            network.weights, network.biases, x, y, network.cost.kernel_name)
    params, analytic = {}, {}
    for l, (w, b, nw, nb) in enumerate(zip(network.weights, network.biases, nabla_w, nabla_b)):
        params[f"weights[{l}]"] = w
        analytic[f"weights[{l}]"] = nw / m + (lmbda / n) * w
        params[f"biases[{l}]"] = b
        analytic[f"biases[{l}]"] = np.reshape(nb, b.shape) / m
    return check_gradients(loss, params, analytic, eps=eps, tolerance=tolerance)
