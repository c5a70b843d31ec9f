"""When training goes wrong, and checking that it computes the right gradients.

* :class:`TrainingDiverged` — raised when the loss turns NaN/infinite, or when an update left
  non-finite weights (checked after every epoch and every ``train_on_batch``, so a run whose
  *last* update overflowed cannot return normally); :func:`diagnose` says where and why.
* :func:`check_gradients` — back-propagation against central differences on a float64 twin.
"""
from __future__ import annotations

import numpy as np

__all__ = ["TrainingDiverged", "NotCompiledError", "Snapshot", "diagnose",
           "check_finite_weights", "check_gradients"]


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite. ``history`` holds the epochs completed."""

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


class NotCompiledError(RuntimeError):
    """fit/evaluate/train_on_batch before compile."""


class Snapshot:
    """A copy of every weight and of the optimizer's state, to put back when training diverges
    (a model that raised keeps the weights it had before the failing epoch or step)."""

    def __init__(self, model):
        self.model = model
        self.weights = [p.copy() for p in _weight_arrays(model)]
        opt = model.optimizer
        self.state = self.slots = None
        if opt is None:
            return
        if _plain_state(opt):       # iterations and slots are the whole state: copy them directly
            self.slots = (opt.iterations, {key: {name: a.copy() for name, a in slots.items()}
                                           for key, slots in opt.slots.items()})
        else:
            self.state = {k: np.array(v, copy=True) for k, v in opt.get_state().items()}

    def restore(self):
        for target, value in zip(_weight_arrays(self.model), self.weights):
            target[...] = value
        if self.slots is not None:
            iterations, slots = self.slots
            self.model.optimizer.set_state({"iterations": np.array(iterations, dtype=np.int64),
                                            **{f"{key}/{name}": a.copy()
                                               for key, named in slots.items()
                                               for name, a in named.items()}})
        elif self.state is not None:
            self.model.optimizer.set_state({k: v.copy() for k, v in self.state.items()})


def _plain_state(opt) -> bool:
    """Is ``opt``'s state exactly what :class:`pynet.optimizers.Optimizer` saves (``iterations``
    and the slots), i.e. neither ``get_state`` nor ``set_state`` is overridden?"""
    from pynet.optimizers import Optimizer
    cls = type(opt)
    return (isinstance(opt, Optimizer) and cls.get_state is Optimizer.get_state
            and cls.set_state is Optimizer.set_state)


def _weight_arrays(model):
    """``model.params.values()`` in the same order, without building the names (a per-sample
    ``train_on_batch`` takes a snapshot and checks the weights every step)."""
    return [p for layer in model._compute_layers() for p in layer.params.values()]


def _bad_weights(model):
    if all(np.isfinite(p).all() for p in _weight_arrays(model)):
        return []
    return [name for name, p in model.params.items() if not np.isfinite(p).all()]


#: A loss that grows past this factor times max(its value before the updates, 1) counts as
#: diverged (as Widrow–Hoff's ``divergence_factor``): finite weights of 1e37 are no model.
DIVERGENCE_FACTOR = 1e6


def _outputs_overflow(model, probe):
    """Names of the outputs whose values or loss are no longer finite on the batch
    ``probe = (xs, ys, loss_before)`` in inference mode, or whose loss grew past
    :data:`DIVERGENCE_FACTOR` × max(``loss_before``, 1)."""
    if probe is None:
        return []
    xs, ys, before = probe
    limit = DIVERGENCE_FACTOR * max(float(before), 1.0)
    outs = model._runner.forward(xs, training=False)
    bad = []
    with np.errstate(over="ignore", invalid="ignore"):
        for spec, out, y in zip(model._output_specs, outs, ys):
            if np.asarray(out).dtype.kind == "f" and not np.isfinite(out).all():
                bad.append(spec.name)
            elif spec.loss is not None and y is not None:
                value = spec.loss(y, out)
                if not np.isfinite(value) or value > limit:
                    bad.append(spec.name)
    return bad


#: ``train_on_batch`` runs its inference probe (the batch again, see :func:`check_finite_weights`)
#: only after a step that moved some layer's weights by more than this fraction of that layer's
#: largest weight (before the step). Ordinary steps stay far below it: the largest fraction over
#: the GAN and VAE lessons' steps is said in docs/models.md; a step that blows a model up moves
#: its weights by many times their size.
PROBE_STEP_FRACTION = 0.25


def step_was_large(model, snapshot) -> bool:
    """Did the update since ``snapshot`` (a :class:`Snapshot` of ``model``) move some layer's
    weights by more than :data:`PROBE_STEP_FRACTION` × that layer's largest weight before it?
    (A layer whose weights were all 0 counts as moved by any change; NaN/Inf count as large.)"""
    return largest_step_fraction(model, snapshot) > PROBE_STEP_FRACTION


def largest_step_fraction(model, snapshot) -> float:
    """max over layers of max|W − W_before| / max|W_before| (∞ when a layer that was all 0
    changed, NaN → ∞)."""
    old = iter(snapshot.weights)
    largest = 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        for layer in model._compute_layers():
            size = moved = 0.0
            for p in layer.params.values():
                before = next(old)
                if p.size == 0:
                    continue
                size = max(size, float(np.max(np.abs(before))))
                change = float(np.max(np.abs(p - before)))
                if not change <= moved:            # NaN counts as large
                    moved = change if change == change else np.inf
            if moved == 0.0:
                continue
            fraction = moved / size if size > 0 else np.inf
            largest = max(largest, fraction if fraction == fraction else np.inf)
    return largest


def check_finite_weights(model, *, epoch=None, history=None, restore=None, probe=None):
    """Raise :class:`TrainingDiverged` if an update left NaN/Inf in any weight, or weights so
    large that the outputs on the batch ``probe`` overflow (after putting back the
    :class:`Snapshot` ``restore``, when given)."""
    bad = _bad_weights(model)
    if not bad:
        bad = [f"the outputs of {name} (finite weights, but outputs or loss overflow or grew more than "
               f"{DIVERGENCE_FACTOR:g}-fold)"
               for name in _outputs_overflow(model, probe)]
    if bad:
        if restore is not None:
            restore.restore()
        where = "" if epoch is None else f" in epoch {epoch + 1}"
        lr = getattr(model.optimizer, "learning_rate", None)
        raise TrainingDiverged(
            f"training stopped{where}: an update left non-finite values in {', '.join(bad)} "
            f"(the loss before it was still finite). learning_rate = {lr:g}. Likely fixes: lower "
            f"the optimizer's learning_rate (try {lr / 10:g}); scale the inputs"
            + ("" if restore is None else "; the weights and optimizer state are back as they "
               "were before" + ("" if epoch is None else f" epoch {epoch + 1}")), history)


def diagnose(model, xs, loss, *, epoch, batch):
    """Say where a non-finite loss came from and what usually causes it."""
    where = "" if epoch is None else f" at epoch {epoch + 1}, batch {batch + 1}"
    lines = [f"training stopped{where}: the loss is {loss} (not finite)."]
    bad = _bad_weights(model)
    if bad:
        lines.append(f"  Non-finite weights already in: {', '.join(bad)} (an earlier update "
                     "overflowed).")
    else:
        culprit = model._first_non_finite(xs)
        if culprit is not None:
            lines.append(culprit)
    lr = getattr(model.optimizer, "learning_rate", None)
    scale = max((float(np.max(np.abs(x))) for x in xs if x.size), default=0.0)
    lines.append(f"  learning_rate = {lr:g}. Largest |input| in this batch: {scale:.3g}.")
    hints = [f"lower the learning rate (try {lr / 10:g})" if lr is not None and lr >= 0.1
             else "lower the learning rate"]
    if scale > 10:
        hints.append("scale the inputs (pixels: x / 255; other data: subtract the mean and "
                     "divide by the standard deviation)")
    hints.append("check the targets match the loss (e.g. probabilities in [0, 1] for "
                 "cross-entropy)")
    lines.append("  Likely fixes: " + "; ".join(hints) + ".")
    return "\n".join(lines)


def check_gradients(model, x, y, *, samples=20, eps=1e-5, tolerance=1e-6, seed=0):
    """Compare back-propagation with central differences on a float64 copy of ``model``.

    The copy has the same weights; the loss is the compiled loss plus the regularization
    penalties, in inference mode (Dropout off). For each parameter, ``samples`` randomly chosen
    entries are perturbed by ±``eps`` (all of them when there are fewer). Returns a
    :class:`pynet.gradient_check.GradientReport`: ``report.ok`` and ``print(report)``.
    """
    from pynet.gradient_check import GradientReport, relative_error

    model._require_compiled("check_gradients()")
    twin = model._float64_twin()
    if twin is not model:
        twin._output_specs = model._output_specs
        twin.compiled = True
    where = "check_gradients()"
    xs = twin._checked_inputs(x, where)
    ys = twin._checked_targets(y, xs[0].shape[0], where)
    ys = [None if v is None else (v if v.dtype.kind in "iu" else v.astype(np.float64)) for v in ys]
    sws = [None] * len(ys)
    from pynet.models.training import loss_gradients, weighted_losses

    def total_loss():
        outs = twin._runner.forward(xs, training=False)
        return weighted_losses(twin, ys, outs, sws)[0] + twin._penalties(force=True)

    twin._runner.set_input_grad_flags(False)
    outs = twin._runner.forward(xs, training=False)
    grads, fused = loss_gradients(twin, ys, outs, sws)
    twin._runner.backward(grads, fused)
    twin._add_penalty_gradients(force=True)
    report = GradientReport(tolerance=tolerance)
    rng = np.random.default_rng(seed)
    for name, param, grad in twin.trainable_variables():
        analytic = grad.reshape(-1).copy()
        flat = param.reshape(-1)
        picks = (np.arange(flat.size) if flat.size <= samples
                 else rng.choice(flat.size, samples, replace=False))
        numeric = np.empty(len(picks))
        for j, i in enumerate(picks):
            old = flat[i]
            flat[i] = old + eps
            plus = total_loss()
            flat[i] = old - eps
            minus = total_loss()
            flat[i] = old
            numeric[j] = (plus - minus) / (2 * eps)
        err = relative_error(analytic[picks], numeric)
        worst = int(np.argmax(err)) if err.size else 0
        report.errors[name] = float(err.max()) if err.size else 0.0
        report.worst_index[name] = tuple(int(v) for v in np.unravel_index(
            int(picks[worst]) if err.size else 0, param.shape))
    return report
