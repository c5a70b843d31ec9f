"""What ``compile`` decides, one entry per model output: its loss, its weight, its metrics.

Keras lets each of these be one value for every output, a list in output order, or a dict keyed by
output name. :class:`OutputSpec` holds the answer for one output; :func:`resolve` builds the list
and refuses what does not fit (a list of the wrong length, a name that is no output) before the
model changes. The names in the logs and in ``History`` follow Keras: with one output ``loss``,
``acc``; with several ``loss`` (the weighted total), ``<output>_loss`` and ``<output>_<metric>``.
"""
from __future__ import annotations

from pynet import losses as losses_module
from pynet import metrics as metrics_module

__all__ = ["OutputSpec", "resolve", "per_output"]


class OutputSpec:
    """Loss, loss weight and metrics of one output."""

    def __init__(self, name, loss, weight, metric_specs):
        self.name = name
        self.loss = loss              # a Loss, or None: this output does not train
        self.weight = float(weight)
        self.metric_specs = list(metric_specs)
        self.metrics = []

    def resolve_metrics(self, output_shape):
        """'accuracy' depends on the loss and the output shape: resolve once the shape is known."""
        self.metrics = [metrics_module.get(m, self.loss, output_shape) for m in self.metric_specs]


def per_output(value, names, what, where, *, allow_single=True, default=None):
    """Spread ``value`` over the outputs ``names``: one value for all, a list, or a dict."""
    n = len(names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"{where}: {what} names unknown output(s) {unknown}; the model's "
                             f"outputs are {names}")
        return [value.get(name, default) for name in names]
    if isinstance(value, (list, tuple)) and not (what == "metrics" and n == 1):
        if what == "metrics" and not any(isinstance(v, (list, tuple, dict)) for v in value):
            return [list(value) for _ in names]
        if len(value) != n:
            raise ValueError(f"{where}: {what} is a list of {len(value)} but the model has {n} "
                             f"output(s) {names}")
        return list(value)
    if not allow_single:
        raise TypeError(f"{where}: {what} must be a list or a dict keyed by output name, got "
                        f"{type(value).__name__}")
    return [value for _ in names]


def resolve(names, loss, loss_weights, metrics, where="compile()"):
    """Build one :class:`OutputSpec` per output name (checks everything before returning)."""
    if loss is None:
        raise ValueError(f"{where}: a loss is required, e.g. loss='categorical_crossentropy'; "
                         f"known losses: {', '.join(losses_module.names())}")
    loss_list = per_output(loss, names, "loss", where)
    resolved = [None if spec is None else losses_module.get(spec) for spec in loss_list]
    if all(r is None for r in resolved):
        raise ValueError(f"{where}: every output's loss is None; at least one output must train")
    weights = [1.0] * len(names) if loss_weights is None else per_output(
        loss_weights, names, "loss_weights", where, allow_single=False, default=1.0)
    for name, w in zip(names, weights):
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not w == w or w < 0:
            raise ValueError(f"{where}: loss_weights for output {name!r} must be a number >= 0, "
                             f"got {w!r}")
    if metrics is None:
        metric_lists = [[] for _ in names]
    elif isinstance(metrics, (str, metrics_module.Metric)) or callable(metrics):
        metric_lists = [[metrics] for _ in names]
    else:
        metric_lists = per_output(metrics, names, "metrics", where)
        metric_lists = [[] if m is None else ([m] if isinstance(m, str) or callable(m) else list(m))
                        for m in metric_lists]
    specs = [OutputSpec(n, l, w, m) for n, l, w, m in zip(names, resolved, weights, metric_lists)]
    for spec in specs:   # names must be resolvable now (clear error at compile, not at fit)
        for m in spec.metric_specs:
            metrics_module.get(m, spec.loss, None)
    return specs


def log_names(specs) -> list:
    """Keras's names for the values ``evaluate`` returns, in order (``loss`` first)."""
    if len(specs) == 1:
        names = ["loss"] + [m.name for m in specs[0].metrics]
    else:
        names = ["loss"] + [f"{s.name}_loss" for s in specs if s.loss is not None]
        names += [f"{s.name}_{m.name}" for s in specs for m in s.metrics]
    if len(set(names)) != len(names):
        raise ValueError(f"compile(): metric names must be distinct and not 'loss', got {names}")
    return names
