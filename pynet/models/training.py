"""The training loop: one step, one epoch, ``fit`` — in the order the books draw it.

One training step (:func:`train_step`)::

    outputs = model(x, training=True)                 forward through the graph, in order
    loss = Σ_k w_k · L_k(y_k, outputs_k) + Σ penalties + Σ add_loss terms
    dL/doutput_k  (or dL/dz, fused with softmax/sigmoid)
    model backward                                   reverse order; each layer stores its grads
    grads += d penalties / d params
    optimizer.apply_gradients([(key, param, grad), ...])

``fit`` repeats it over shuffled mini-batches for each epoch, then evaluates the validation data
and tells the callbacks. Checking the arguments (:mod:`pynet.models.data`), the validation split,
the batches (:class:`ArrayBatches`, :class:`GeneratorBatches`) and the diagnosis of a diverging run
(:mod:`pynet.models.diagnosis`) live beside it, so the loop itself stays short.
"""
from __future__ import annotations

import numpy as np

from pynet import callbacks as callbacks_module
from pynet.models.diagnosis import Snapshot, TrainingDiverged, check_finite_weights, diagnose

RESTORED = "\n  The weights and optimizer state are back as they were at the start of epoch {}."

__all__ = ["ArrayBatches", "GeneratorBatches", "train_step", "run_fit", "weighted_losses"]


# -- losses of one batch ------------------------------------------------------------------------------

def weighted_losses(model, ys, outs, sws):
    """``(total, per_output)``: the weighted data loss and each output's (sample-weighted) loss."""
    per_output, total = [], 0.0
    for spec, y, out, sw in zip(model._output_specs, ys, outs, sws):
        if spec.loss is None:
            per_output.append(None)
            continue
        if sw is None:
            value = spec.loss(y, out)
        else:   # Keras 3: the weighted per-sample losses, averaged over the batch
            value = float(np.mean(spec.loss.per_sample(y, out) * sw))
        per_output.append(value)
        total += spec.weight * value
    return total, per_output


def loss_gradients(model, ys, outs, sws):
    """``(grads, fused)``: dL/doutput for each output (dL/dz for the fused ones)."""
    grads, fused = [], []
    for k, (spec, y, out, sw) in enumerate(zip(model._output_specs, ys, outs, sws)):
        if spec.loss is None or spec.weight == 0:
            grads.append(None)
            continue
        if model._fused(k):
            g = spec.loss.gradient_logits(y, out)
            fused.append(k)
        else:
            g = spec.loss.gradient(y, out)
        if sw is not None:
            g = g * sw.reshape((-1,) + (1,) * (g.ndim - 1)).astype(g.dtype)
        if spec.weight != 1.0:
            g = g * g.dtype.type(spec.weight)
        grads.append(g)
    return grads, fused


def train_step(model, xs, ys, sws):
    """One update on one batch; returns ``(total loss, outputs)`` (no update if not finite)."""
    outs = model._runner.forward(xs, training=True)
    data_loss, _ = weighted_losses(model, ys, outs, sws)
    total = data_loss + model._penalties() + model._runner.extra_losses()
    if not np.isfinite(total):
        return total, outs
    grads, fused = loss_gradients(model, ys, outs, sws)
    model._runner.backward(grads, fused)
    model._add_penalty_gradients()
    model.optimizer.apply_gradients(model._variables)
    return total, outs


# -- where batches come from -------------------------------------------------------------------------

class ArrayBatches:
    """Mini-batches of in-memory arrays, reshuffled every epoch when ``shuffle``."""

    def __init__(self, xs, ys, sws, batch_size, shuffle, rng):
        self.xs, self.ys, self.sws = xs, ys, sws
        self.n = xs[0].shape[0]
        self.batch_size, self.shuffle, self.rng = batch_size, shuffle, rng
        self.steps = -(-self.n // batch_size)

    def epoch(self):
        order = self.rng.permutation(self.n) if self.shuffle else None
        for step in range(self.steps):
            sl = slice(step * self.batch_size, (step + 1) * self.batch_size)
            idx = sl if order is None else order[sl]
            pick = (lambda a: None if a is None else a[idx])
            yield [a[idx] for a in self.xs], [pick(y) for y in self.ys], [pick(w) for w in self.sws]


class GeneratorBatches:
    """``steps`` batches per epoch from a Python generator of ``(x, y)`` or ``(x, y, weights)``,
    each checked like arrays given to ``fit`` (Chollet's ``fit_generator`` style)."""

    def __init__(self, model, generator, steps, where):
        self.model, self.generator, self.steps, self.where = model, generator, steps, where
        self.n = None

    def epoch(self):
        for step in range(self.steps):
            try:
                item = next(self.generator)
            except StopIteration:
                raise ValueError(f"{self.where}: the generator stopped after {step} batches; "
                                 f"steps_per_epoch={self.steps} needs more (make it loop forever)"
                                 ) from None
            if not isinstance(item, tuple) or len(item) not in (2, 3):
                raise ValueError(f"{self.where}: a generator must yield (x, y) or (x, y, "
                                 f"sample_weight), got {type(item).__name__}")
            x, y = item[0], item[1]
            sw = item[2] if len(item) == 3 else None
            xs, ys, sws = self.model._checked_batch(
                x, y, sw, None, f"{self.where}, generator batch {step + 1} of {self.steps}")
            yield xs, ys, sws


# -- fit -------------------------------------------------------------------------------------------------

def run_fit(model, batches, epochs, initial_epoch, callbacks, verbose, validation):
    """The epoch loop of ``fit``: arguments are checked, the model changes from here on."""
    history = callbacks_module.History()
    cbs = [history] + ([callbacks_module.ProgbarLogger(verbose)] if verbose else []) + callbacks
    params = {"epochs": epochs, "steps": batches.steps, "samples": batches.n,
              "batch_size": getattr(batches, "batch_size", None), "verbose": verbose,
              "metrics": list(model.metrics_names)}
    cb_list = callbacks_module.CallbackList(cbs, model, params)
    model.history, model.stop_training = history, False
    model._start_training()
    cb_list.on_train_begin({})
    try:
        for epoch in range(initial_epoch, epochs):
            cb_list.on_epoch_begin(epoch, {})
            totals, start = EpochTotals(model), Snapshot(model)
            for step, (xs, ys, sws) in enumerate(batches.epoch()):
                m = xs[0].shape[0]
                cb_list.on_batch_begin(step, {"batch": step, "size": m})
                loss, outs = train_step(model, xs, ys, sws)
                if not np.isfinite(loss):
                    start.restore()
                    raise TrainingDiverged(diagnose(model, xs, loss, epoch=epoch, batch=step)
                                           + RESTORED.format(epoch + 1), history)
                if step == 0:
                    first_loss = loss
                totals.add(loss, ys, outs, sws, m)
                cb_list.on_batch_end(step, totals.logs())
            check_finite_weights(model, epoch=epoch, history=history, restore=start,
                                 probe=(xs, ys, first_loss))
            logs = totals.logs()
            if validation is not None:
                logs.update(validation(epoch))
            cb_list.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
    finally:
        model._variables = None
    cb_list.on_train_end({})
    return history


class EpochTotals:
    """Running, sample-weighted means of the loss and every metric over an epoch."""

    def __init__(self, model):
        self.model, self.names = model, list(model.metrics_names)
        self.sums, self.seen = np.zeros(len(self.names)), 0

    def add(self, total_loss, ys, outs, sws, m):
        values = [total_loss] + self.model._values_beyond_loss(ys, outs, sws)
        self.sums += np.asarray(values, dtype=np.float64) * m
        self.seen += m

    def logs(self):
        return {k: float(v / max(self.seen, 1)) for k, v in zip(self.names, self.sums)}
