"""``Sequential``: a linear stack of layers with Keras's interface.

>>> model = Sequential([Dense(512, activation="relu", input_shape=(784,)),
...                     Dense(10, activation="softmax")])
>>> model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
>>> history = model.fit(x_train, y_train, epochs=5, batch_size=128)      # doctest: +SKIP

One training step, in the order the code runs it (:meth:`Sequential.train_on_batch`)::

    y = layer_L(... layer_1(x))                   forward(x, training=True), first to last
    loss = L(targets, y) + Σ penalties            regularizers count in the training loss only
    g = dL/dy  (or dL/dz, fused with softmax/sigmoid)
    g = layer.backward(g)                         last to first; each stores its grads
    grads += d penalties / d params
    optimizer.apply_gradients([(key, param, grad), ...])   the separate update step

Everything that can be checked is checked before the first change: input shapes against the
first layer, targets against the loss (one-hot vs integer ids, class range), NaN/Inf in x or y,
``batch_size``, compile before fit. A model that raised is unchanged. A loss that turns NaN or
infinite stops training with a :class:`TrainingDiverged` error that says where and suggests why.

Saving (:meth:`Sequential.save`) writes ``<path>.json`` (architecture, compile settings, the
SHA-256 of the weights file) and ``<path>.npz`` (weights and optimizer state), each atomically;
:func:`load_model` rebuilds layers through the layer registry — no pickle, no eval.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import warnings

import numpy as np

from . import callbacks as callbacks_module
from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers as optimizers_module
from .layers.base import Layer, format_shape, get_layer_class
from .persistence import PersistenceError, atomic_write, check_shapes, load_npz, save_npz

__all__ = ["Sequential", "load_model", "model_from_json", "TrainingDiverged", "NotCompiledError"]

MODEL_FORMAT = 1


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite. ``history`` holds the epochs completed."""

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


class NotCompiledError(RuntimeError):
    """fit/evaluate/train_on_batch before compile."""


def _int_arg(value, name, where, *, low=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an int, got {value!r}")
    if value < low:
        raise ValueError(f"{where}: {name} must be >= {low}, got {value!r}")
    return int(value)


def _stem(path):
    path = os.fspath(path)
    for ext in (".json", ".npz"):
        if path.endswith(ext):
            return path[: -len(ext)]
    return path


class Sequential:
    """A linear stack of layers.

    Parameters
    ----------
    layers : list of Layer, optional
        Added in order with :meth:`add`.
    name : str, optional
    """

    def __init__(self, layers=None, name=None):
        self.name = name or "sequential"
        self.layers: list[Layer] = []
        self._input_shape = None
        self._input_dtype = np.dtype(np.float32)
        self.optimizer = None
        self.loss = None
        self.metrics = []
        self._metric_names = []
        self.compiled = False
        self.stop_training = False
        self.history = None
        for layer in layers or []:
            self.add(layer)

    # -- building ----------------------------------------------------------------------------
    def add(self, layer) -> None:
        """Append ``layer``; it is built at once if the shape of its input is known."""
        from .layers.core import Input
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add(): expected a Layer, got {type(layer).__name__}")
        if isinstance(layer, Input):
            if self.layers or self._input_shape is not None:
                raise ValueError("Sequential.add(): an Input layer can only come first")
            self._input_shape = layer.input_shape
            self._input_dtype = layer.dtype
            return
        if any(existing is layer for existing in self.layers):
            raise ValueError(f"Sequential.add(): layer {layer.name!r} is already in the model")
        if any(existing.name == layer.name for existing in self.layers):
            raise ValueError(f"Sequential.add(): the model already has a layer named {layer.name!r}")
        if not self.layers:
            if (self._input_shape is not None and layer.input_shape is not None
                    and tuple(layer.input_shape) != tuple(self._input_shape)):
                raise ValueError(f"Sequential.add(): layer {layer.name!r} declares input_shape "
                                 f"{format_shape(layer.input_shape)} but the model's Input is "
                                 f"{format_shape(self._input_shape)}")
            if self._input_shape is None and layer.input_shape is not None:
                self._input_shape = layer.input_shape
            if self._input_shape is not None and not layer.built:
                layer.build(self._input_shape)
            elif layer.built and self._input_shape is None:
                self._input_shape = layer.input_shape
        else:
            prev = self.layers[-1]
            if prev.built:
                if layer.built:
                    if tuple(layer.input_shape) != tuple(prev.output_shape):
                        raise ValueError(
                            f"Sequential.add(): layer {layer.name!r} was built for inputs "
                            f"{format_shape(layer.input_shape)} but {prev.name!r} outputs "
                            f"{format_shape(prev.output_shape)}")
                else:
                    layer.build(prev.output_shape)
        self.layers.append(layer)
        self._set_input_grad_flags()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise IndexError("Sequential.pop(): the model has no layers")
        layer = self.layers.pop()
        self._set_input_grad_flags()
        return layer

    def _set_input_grad_flags(self):
        for i, layer in enumerate(self.layers):
            layer.input_grad_needed = i > 0

    @property
    def built(self) -> bool:
        return bool(self.layers) and all(layer.built for layer in self.layers)

    def build(self, input_shape=None) -> None:
        """Build every layer for samples of ``input_shape`` (batch axis excluded)."""
        if input_shape is not None:
            input_shape = tuple(int(s) for s in input_shape)
            if self._input_shape is not None and input_shape != self._input_shape and self.built:
                raise ValueError(f"Sequential.build(): the model is built for inputs "
                                 f"{format_shape(self._input_shape)}, got {format_shape(input_shape)}")
            self._input_shape = input_shape
        if self._input_shape is None:
            raise ValueError("Sequential.build(): the input shape is unknown; give the first layer "
                             "input_shape=... or call build(input_shape)")
        shape = self._input_shape
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.output_shape

    @property
    def input_shape(self):
        """``(None,) + sample shape`` as in Keras (None until known)."""
        return None if self._input_shape is None else (None,) + tuple(self._input_shape)

    @property
    def output_shape(self):
        if not self.layers or not self.layers[-1].built:
            return None
        return (None,) + tuple(self.layers[-1].output_shape)

    @property
    def dtype(self):
        return self.layers[0].dtype if self.layers else self._input_dtype

    # -- compile -------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        """Choose the optimizer, the loss and the metrics (names or objects).

        ``metrics=['accuracy']`` picks binary/categorical/sparse accuracy from the loss, as
        Keras does; unknown names raise with the list of known ones.
        """
        if loss is None:
            raise ValueError("compile(): a loss is required, e.g. loss='categorical_crossentropy'; "
                             f"known losses: {', '.join(losses_module.names())}")
        if not self.layers:
            raise ValueError("compile(): the model has no layers; add some first")
        opt = optimizers_module.get(optimizer)
        loss_obj = losses_module.get(loss)
        if metrics is None:
            metrics = []
        elif isinstance(metrics, (str, metrics_module.Metric)) or callable(metrics):
            metrics = [metrics]
        out_shape = self.layers[-1].output_shape if self.layers[-1].built else None
        resolved = [metrics_module.get(m, loss_obj, out_shape) for m in metrics]
        names = [m.name for m in resolved]
        if len(set(names)) != len(names) or "loss" in names:
            raise ValueError(f"compile(): metric names must be distinct and not 'loss', got {names}")
        self.optimizer, self.loss, self.metrics = opt, loss_obj, resolved
        self._metric_specs = list(metrics)
        # 'accuracy' depends on the output shape (one unit -> binary); resolve it again once
        # the model is built if it was not yet.
        self._metrics_unresolved = out_shape is None
        self._metric_names = names
        self.compiled = True

    def _require_compiled(self, where):
        if not self.compiled:
            raise NotCompiledError(f"{where}: the model is not compiled; call model.compile("
                                   "optimizer='rmsprop', loss='categorical_crossentropy', "
                                   "metrics=['accuracy']) first")

    # -- running the layers ----------------------------------------------------------------------
    def _forward(self, x, training):
        mask = None
        for layer in self.layers:
            # masks (issue 10): passed only to layers that declare supports_masking
            if mask is not None and getattr(layer, "supports_masking", False):
                y = layer.forward(x, training, mask=mask)
            else:
                y = layer.forward(x, training)
            compute_mask = getattr(layer, "compute_mask", None)
            mask = compute_mask(x, mask) if compute_mask is not None else None
            x = y
        return x

    def _fused(self):
        last = self.layers[-1]
        act = getattr(last, "activation", None)
        return (self.loss is not None and self.loss.fused_activation is not None
                and act is not None and getattr(act, "name", None) == self.loss.fused_activation
                and hasattr(last, "backward_logits"))

    def _backward(self, y, out):
        last = self.layers[-1]
        if self._fused():
            grad = last.backward_logits(self.loss.gradient_logits(y, out))
        else:
            grad = last.backward(self.loss.gradient(y, out))
        for layer in reversed(self.layers[:-1]):
            grad = layer.backward(grad)

    def _regularization_loss(self):
        return sum((layer.regularization_loss() for layer in self.layers if layer.regularizers), 0.0)

    def trainable_variables(self):
        """``[(key, param, grad), ...]`` for the optimizer; ``key`` = ``layer/param``."""
        return [(f"{layer.name}/{k}", p, g) for layer in self.layers
                for k, p, g in layer.trainable_variables()]

    @property
    def trainable_weights(self):
        return [p for _, p, _ in self.trainable_variables()]

    # -- checking data ---------------------------------------------------------------------------
    def _prepare_x(self, x, where):
        if isinstance(x, (list, tuple)) and x and isinstance(x[0], np.ndarray) and len(x) == 1:
            x = x[0]
        x = np.asarray(x)
        if x.dtype.kind not in "fiub":
            raise TypeError(f"{where}: x must be numeric, got dtype {x.dtype}")
        if x.ndim == 0:
            raise ValueError(f"{where}: x must have a batch axis, got a scalar")
        if not self.built:
            if self._input_shape is None:
                self._input_shape = tuple(x.shape[1:])
            self.build()
        self.layers[0].check_input(x, where=where)
        if getattr(self, "_metrics_unresolved", False):
            out_shape = self.layers[-1].output_shape
            self.metrics = [metrics_module.get(spec, self.loss, out_shape) for spec in self._metric_specs]
            self._metrics_unresolved = False
        dtype = self.dtype
        if getattr(self.layers[0], "integer_input", False):
            # word ids for an Embedding stay integers (issue 10); the layer checks them
            if x.dtype.kind not in "iu":
                raise TypeError(f"{where}: layer {self.layers[0].name!r} takes integer ids, "
                                f"got dtype {x.dtype}; convert with x.astype('int64')")
            return np.ascontiguousarray(x)
        if x.dtype.kind in "iub" and x.size and int(np.max(x)) > 1:
            warnings.warn(f"{where}: x holds integers up to {int(np.max(x))}; pixel values are "
                          "usually scaled first (x.astype('float32') / 255)", stacklevel=3)
        x = np.ascontiguousarray(x, dtype=dtype)
        if x.dtype.kind == "f" and not np.isfinite(x).all():
            bad = ~np.isfinite(x)
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{where}: x contains {int(bad.sum())} NaN/Inf value(s), first at "
                             f"index {first}")
        return x

    def _prepare_xy(self, x, y, where):
        x = self._prepare_x(x, where)
        y = np.asarray(y)
        if y.ndim == 0 or y.shape[0] != x.shape[0]:
            raise ValueError(f"{where}: x has {x.shape[0]} samples but y has "
                             f"{y.shape[0] if y.ndim else 'no batch axis'} (shape {y.shape})")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            bad = ~np.isfinite(y)
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{where}: y contains {int(bad.sum())} NaN/Inf value(s), first at "
                             f"index {first}")
        y = self.loss.check_targets(y, self.layers[-1].output_shape, where=where)
        if self.loss.name != "sparse_categorical_crossentropy":
            # targets in the output's float dtype once, not per batch (the sparse loss keeps
            # integer class ids)
            y = np.ascontiguousarray(y, dtype=self.layers[-1].dtype)
        return x, y

    # -- training ----------------------------------------------------------------------------------
    def _train_step(self, xb, yb):
        out = self._forward(xb, training=True)
        data_loss = self.loss(yb, out)
        total = data_loss + (self._regularization_loss() if self._has_reg else 0.0)
        if not np.isfinite(total):
            return total, out
        self._backward(yb, out)
        if self._has_reg:
            for layer in self.layers:
                if layer.regularizers and layer.trainable:
                    layer.add_regularization_gradients()
        self.optimizer.apply_gradients(self._variables)
        return total, out

    def _start_training(self):
        self._variables = self.trainable_variables()
        self._has_reg = any(layer.regularizers for layer in self.layers)

    def train_on_batch(self, x, y):
        """One update on one batch; returns the loss (and metrics, as a list, if any)."""
        self._require_compiled("train_on_batch()")
        x, y = self._prepare_xy(x, y, "train_on_batch()")
        self._start_training()
        loss, out = self._train_step(x, y)
        if not np.isfinite(loss):
            raise TrainingDiverged(self._diagnose(x, loss, epoch=None, batch=None))
        values = [float(m(y, out)) for m in self.metrics]
        return [float(loss)] + values if values else float(loss)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0,
            seed=None):
        """Train for ``epochs`` passes over ``(x, y)``; return a :class:`~pynet.callbacks.History`.

        Parameters
        ----------
        x : ndarray, shape (n,) + input_shape
        y : ndarray
            Targets in the form the loss expects (one-hot rows for categorical cross-entropy,
            integer ids for the sparse one).
        batch_size : int, default 32
        epochs : int
        verbose : 0, 1 or 2
            0 silent, 1 a progress bar, 2 one line per epoch.
        callbacks : list of Callback
        validation_split : float in [0, 1)
            The *last* fraction of (x, y) is held out (before shuffling), as in Keras.
        validation_data : (x_val, y_val)
        shuffle : bool
            Reshuffle the training samples every epoch.
        initial_epoch : int
            Epoch to start counting from (resuming).
        seed : int, optional
            Seeds the shuffling and Dropout layers without their own seed: the same seed and
            the same starting weights give the same numbers.

        Returns
        -------
        History
            ``history.history`` maps ``'loss'``, each metric and their ``'val_'`` versions to
            one value per epoch.
        """
        where = "fit()"
        self._require_compiled(where)
        batch_size = 32 if batch_size is None else _int_arg(batch_size, "batch_size", where)
        epochs = _int_arg(epochs, "epochs", where, low=0)
        initial_epoch = _int_arg(initial_epoch, "initial_epoch", where, low=0)
        if verbose not in (0, 1, 2):
            raise ValueError(f"{where}: verbose must be 0, 1 or 2, got {verbose!r}")
        if x is None or y is None:
            raise ValueError(f"{where}: x and y are required")
        try:
            split = float(validation_split)
        except (TypeError, ValueError):
            raise TypeError(f"{where}: validation_split must be a float in [0, 1), got "
                            f"{validation_split!r}") from None
        if not 0.0 <= split < 1.0:
            raise ValueError(f"{where}: validation_split must be in [0, 1), got {validation_split!r}")
        if split and validation_data is not None:
            raise ValueError(f"{where}: give validation_split or validation_data, not both")
        x, y = self._prepare_xy(x, y, where)
        x_val = y_val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError(f"{where}: validation_data must be a pair (x_val, y_val), got "
                                 f"{type(validation_data).__name__}"
                                 + (f" of length {len(validation_data)}"
                                    if isinstance(validation_data, (tuple, list)) else ""))
            x_val, y_val = self._prepare_xy(validation_data[0], validation_data[1],
                                            f"{where} validation_data")
        elif split:
            n_val = int(x.shape[0] * split)
            if n_val == 0 or n_val == x.shape[0]:
                raise ValueError(f"{where}: validation_split={split} of {x.shape[0]} samples leaves "
                                 f"{n_val} for validation and {x.shape[0] - n_val} for training")
            x, x_val = x[:-n_val], x[-n_val:]
            y, y_val = y[:-n_val], y[-n_val:]
        if x.shape[0] == 0:
            raise ValueError(f"{where}: no training samples")
        callbacks = list(callbacks or [])
        for cb in callbacks:
            if not isinstance(cb, callbacks_module.Callback):
                raise TypeError(f"{where}: callbacks must be Callback instances, got "
                                f"{type(cb).__name__}")

        # -- checks done: from here on the model changes --------------------------------------------
        rng = np.random.default_rng(seed)
        if seed is not None:
            for layer in self.layers:
                hook = getattr(layer, "seed_random", None)
                if hook is not None:
                    hook(rng)
        n = x.shape[0]
        steps = -(-n // batch_size)
        history = callbacks_module.History()
        cbs = [history] + ([callbacks_module.ProgbarLogger(verbose)] if verbose else []) + callbacks
        params = {"epochs": epochs, "steps": steps, "samples": n, "batch_size": batch_size,
                  "verbose": verbose, "metrics": ["loss"] + self._metric_names}
        cb_list = callbacks_module.CallbackList(cbs, self, params)
        self.history = history
        self.stop_training = False
        self._start_training()
        cb_list.on_train_begin({})
        try:
            for epoch in range(initial_epoch, epochs):
                cb_list.on_epoch_begin(epoch, {})
                order = rng.permutation(n) if shuffle else None
                sums = np.zeros(1 + len(self.metrics))
                seen = 0
                for step in range(steps):
                    if order is None:
                        xb, yb = x[step * batch_size:(step + 1) * batch_size], \
                            y[step * batch_size:(step + 1) * batch_size]
                    else:
                        idx = order[step * batch_size:(step + 1) * batch_size]
                        xb, yb = x[idx], y[idx]
                    m = xb.shape[0]
                    cb_list.on_batch_begin(step, {"batch": step, "size": m})
                    loss, out = self._train_step(xb, yb)
                    if not np.isfinite(loss):
                        raise TrainingDiverged(self._diagnose(xb, loss, epoch=epoch, batch=step),
                                               history)
                    sums[0] += loss * m
                    for j, metric in enumerate(self.metrics):
                        sums[1 + j] += metric(yb, out) * m
                    seen += m
                    batch_logs = {"loss": sums[0] / seen}
                    for j, name in enumerate(self._metric_names):
                        batch_logs[name] = sums[1 + j] / seen
                    cb_list.on_batch_end(step, batch_logs)
                logs = {"loss": float(sums[0] / seen)}
                for j, name in enumerate(self._metric_names):
                    logs[name] = float(sums[1 + j] / seen)
                if x_val is not None:
                    values = self._evaluate_arrays(x_val, y_val, batch_size)
                    logs["val_loss"] = values[0]
                    for name, v in zip(self._metric_names, values[1:]):
                        logs[f"val_{name}"] = v
                cb_list.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        finally:
            self._variables = None
        cb_list.on_train_end({})
        return history

    def _diagnose(self, xb, loss, *, epoch, batch):
        """Say where a non-finite loss came from and what usually causes it."""
        where = "" if epoch is None else f" at epoch {epoch + 1}, batch {batch + 1}"
        lines = [f"training stopped{where}: the loss is {loss} (not finite)."]
        bad_weights = [f"{layer.name}/{k}" for layer in self.layers for k, p in layer.params.items()
                       if not np.isfinite(p).all()]
        if bad_weights:
            lines.append(f"  Non-finite weights already in: {', '.join(bad_weights)} (an earlier "
                         "update overflowed).")
        else:
            h = xb
            for layer in self.layers:
                h = layer.forward(h, False)
                if not np.isfinite(h).all():
                    lines.append(f"  The first non-finite values appear in the output of layer "
                                 f"{layer.name!r} ({type(layer).__name__}).")
                    break
                peak = float(np.max(np.abs(h))) if h.size else 0.0
                if peak > 1e15:
                    lines.append(f"  Layer {layer.name!r} outputs values up to {peak:.3g}.")
                    break
        lr = getattr(self.optimizer, "learning_rate", None)
        scale = float(np.max(np.abs(xb))) if xb.size else 0.0
        lines.append(f"  Learning rate: {lr:g}. Largest |input| in this batch: {scale:.3g}.")
        hints = []
        if lr is not None and lr >= 0.1:
            hints.append(f"lower the learning rate (try {lr / 10:g})")
        else:
            hints.append("lower the learning rate")
        if scale > 10:
            hints.append("scale the inputs (pixels: x / 255; other data: subtract the mean and "
                         "divide by the standard deviation)")
        hints.append("check the targets match the loss (e.g. probabilities in [0, 1] for "
                     "cross-entropy)")
        lines.append("  Likely fixes: " + "; ".join(hints) + ".")
        return "\n".join(lines)

    # -- is my gradient right? ----------------------------------------------------------------------------
    def check_gradients(self, x, y, *, samples=20, eps=1e-5, tolerance=1e-6, seed=0):
        """Compare back-propagation with central differences on a float64 copy of the model.

        The copy has the same weights; the loss is the compiled loss plus the regularization
        penalties, in inference mode (Dropout off). For each parameter, ``samples`` randomly
        chosen entries are perturbed by ±``eps`` (all of them when there are fewer). Returns a
        :class:`pynet.gradient_check.GradientReport`: ``report.ok`` and ``print(report)``.
        """
        from .gradient_check import GradientReport, relative_error

        self._require_compiled("check_gradients()")
        config = self.get_config()
        for spec in config["layers"]:
            spec["config"]["dtype"] = "float64"
        twin = Sequential.from_config(config)
        twin.build(self._input_shape)
        twin.set_weights(self.get_weights())
        twin.loss = self.loss
        x, y = twin._prepare_x(x, "check_gradients()"), np.asarray(y)
        y = self.loss.check_targets(y, twin.layers[-1].output_shape, where="check_gradients()")
        if self.loss.name != "sparse_categorical_crossentropy":
            y = y.astype(np.float64)

        def total_loss():
            return twin.loss(y, twin._forward(x, False)) + twin._regularization_loss()

        out = twin._forward(x, False)
        twin._backward(y, out)
        for layer in twin.layers:
            layer.add_regularization_gradients()
        report = GradientReport(tolerance=tolerance)
        rng = np.random.default_rng(seed)
        for layer in twin.layers:
            for key, param in layer.params.items():
                analytic = layer.grads[key].reshape(-1).copy()
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
                name = f"{layer.name}/{key}"
                worst = int(np.argmax(err)) if err.size else 0
                report.errors[name] = float(err.max()) if err.size else 0.0
                report.worst_index[name] = tuple(int(v) for v in np.unravel_index(
                    int(picks[worst]) if err.size else 0, param.shape))
        return report

    # -- evaluation and prediction -------------------------------------------------------------------
    def _evaluate_arrays(self, x, y, batch_size):
        n = x.shape[0]
        sums = np.zeros(1 + len(self.metrics))
        for start in range(0, n, batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            out = self._forward(xb, training=False)
            m = xb.shape[0]
            sums[0] += self.loss(yb, out) * m
            for j, metric in enumerate(self.metrics):
                sums[1 + j] += metric(yb, out) * m
        return [float(v) for v in sums / max(n, 1)]

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1):
        """Loss (without regularization penalties) and metrics on ``(x, y)`` in inference mode.

        Returns the loss alone when there are no metrics, else ``[loss, metric1, ...]``
        (``test_loss, test_acc = model.evaluate(x, y)``).
        """
        where = "evaluate()"
        self._require_compiled(where)
        batch_size = 32 if batch_size is None else _int_arg(batch_size, "batch_size", where)
        if x is None or y is None:
            raise ValueError(f"{where}: x and y are required")
        x, y = self._prepare_xy(x, y, where)
        start = time.perf_counter()
        values = self._evaluate_arrays(x, y, batch_size)
        if verbose:
            steps = -(-x.shape[0] // batch_size)
            seconds = time.perf_counter() - start
            print(f"{steps}/{steps} - {seconds:.0f}s - " + " - ".join(
                f"{k}: {v:.4f}" for k, v in zip(["loss"] + self._metric_names, values)))
        return values if self.metrics else values[0]

    def predict(self, x, batch_size=None, verbose=0):
        """Outputs for ``x`` in inference mode (Dropout off), computed in batches."""
        where = "predict()"
        batch_size = 32 if batch_size is None else _int_arg(batch_size, "batch_size", where)
        if not self.layers:
            raise ValueError(f"{where}: the model has no layers")
        x = self._prepare_x(x, where)
        outs = [self._forward(x[s:s + batch_size], training=False).copy()
                for s in range(0, x.shape[0], batch_size)]
        if not outs:
            return np.zeros((0,) + tuple(self.layers[-1].output_shape), dtype=self.layers[-1].dtype)
        return np.concatenate(outs, axis=0)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=max(1, len(x)))

    def test_on_batch(self, x, y):
        return self.evaluate(x, y, batch_size=max(1, len(x)))

    def __call__(self, x, training=False):
        x = self._prepare_x(x, "Sequential()")
        return self._forward(x, training)

    # -- introspection --------------------------------------------------------------------------------
    def get_layer(self, name=None, index=None) -> Layer:
        """The layer called ``name``, or at position ``index``."""
        if (name is None) == (index is None):
            raise ValueError("get_layer(): give exactly one of name or index")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"get_layer(): index {index} out of range; the model has "
                                 f"{len(self.layers)} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer(): no layer named {name!r}; layers: "
                         f"{', '.join(l.name for l in self.layers)}")

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self) -> list:
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        """Set all weights (in ``get_weights`` order); checked fully before anything changes."""
        weights = list(weights)
        expected = sum(len(layer.params) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(f"set_weights(): the model has {expected} weight arrays, got {len(weights)}")
        i = 0
        plan = []
        for layer in self.layers:
            k = len(layer.params)
            for (key, p), w in zip(layer.params.items(), weights[i:i + k]):
                if np.shape(w) != p.shape:
                    raise ValueError(f"set_weights(): {layer.name}/{key} has shape {p.shape}, "
                                     f"got {np.shape(w)}")
            plan.append((layer, weights[i:i + k]))
            i += k
        for layer, ws in plan:
            layer.set_weights(ws)

    def input_gradient(self, x, output_index=None, *, layer=None):
        """Gradient of an output with respect to the input, through the whole model.

        ``output_index`` picks the class (``None``: each image's predicted class), or with
        ``layer=`` the channel of that layer whose mean activation is differentiated. The
        visualisations (saliency, filter patterns, Grad-CAM) are built on it; see
        :func:`pynet.inspect.convnet.input_gradient` for the details. Returns an array shaped
        like ``x`` (with its batch axis).
        """
        from .inspect.convnet import input_gradient

        return input_gradient(self, x, output_index, layer=layer)

    def summary(self, line_length=65, print_fn=None) -> str:
        """Print (and return) Keras's table: layer name (type), output shape, params, totals.

        ``Total params`` counts every weight; ``Trainable params`` those an optimizer updates.
        """
        if not self.built:
            raise ValueError("summary(): the model is not built yet; give the first layer "
                             "input_shape=... or call model.build(input_shape)")
        # Keras's column stops for a sequential model: 45% and 85% of the line
        widths = [int(line_length * 0.45), int(line_length * 0.85) - int(line_length * 0.45)]
        widths.append(line_length - sum(widths))
        lines = [f'Model: "{self.name}"', "_" * line_length,
                 f"{'Layer (type)':<{widths[0]}}{'Output Shape':<{widths[1]}}{'Param #'}",
                 "=" * line_length]
        for i, layer in enumerate(self.layers):
            label = f"{layer.name} ({type(layer).__name__})"
            shape = format_shape(layer.output_shape)
            # a label longer than its column keeps one space before the next (never truncated)
            lines.append(f"{label:<{widths[0] - 1}} {shape:<{widths[1] - 1}} {layer.count_params()}")
            lines.append("=" * line_length if i == len(self.layers) - 1 else "_" * line_length)
        total = self.count_params()
        trainable = sum(layer.count_trainable_params() for layer in self.layers)
        lines += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", "_" * line_length]
        text = "\n".join(lines)
        (print_fn or print)(text)
        return text

    # -- configuration and saving ------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {
            "name": self.name,
            "input_shape": None if self._input_shape is None else list(self._input_shape),
            "layers": [{"class_name": type(l).__name__, "config": l.get_config()} for l in self.layers],
        }

    @classmethod
    def from_config(cls, config: dict) -> "Sequential":
        layers = []
        for spec in config["layers"]:
            layer_cls = get_layer_class(spec["class_name"])
            layers.append(layer_cls.from_config(dict(spec["config"])))
        model = cls(name=config.get("name"))
        if config.get("input_shape") is not None:
            model._input_shape = tuple(config["input_shape"])
        for layer in layers:
            model.add(layer)
        if model._input_shape is not None:
            model.build()
        return model

    def to_json(self) -> str:
        """The architecture (no weights) as a JSON string."""
        return json.dumps({"class_name": "Sequential", "config": self.get_config()}, indent=1)

    def _compile_config(self):
        if not self.compiled:
            return None
        specs = []
        for spec, metric in zip(self._metric_specs, self.metrics):
            if isinstance(spec, str):
                specs.append(spec)
            elif metric.fn in metrics_module._FUNCTIONS.values():
                specs.append(metric.fn.__name__)
            else:
                raise ValueError(f"save(): metric {metric.name!r} is a custom function and "
                                 "cannot be saved by name")
        if type(self.loss) not in set(losses_module._CLASSES.values()):
            raise ValueError(f"save(): loss {self.loss!r} is custom and cannot be saved by name")
        return {"optimizer": optimizers_module.serialize(self.optimizer), "loss": self.loss.name,
                "metrics": specs}

    def _weight_arrays(self):
        return {f"{layer.name}/{k}": p for layer in self.layers for k, p in layer.params.items()}

    def save(self, path, include_optimizer=True) -> tuple:
        """Write ``<path>.json`` (architecture, compile settings) and ``<path>.npz`` (weights,
        optimizer state). Each file is written atomically; the JSON records the weights file's
        SHA-256, so a torn pair (crash between the two writes) is detected at load.
        Returns the two paths."""
        if not self.built:
            raise ValueError("save(): the model is not built; nothing to save yet")
        stem = _stem(path)
        json_path, npz_path = stem + ".json", stem + ".npz"
        arrays = {f"weights/{k}": v for k, v in self._weight_arrays().items()}
        compile_config = self._compile_config()
        if include_optimizer and self.optimizer is not None:
            arrays.update({f"optimizer/{k}": v for k, v in self.optimizer.get_state().items()})
        save_npz(npz_path, arrays, {"kind": "pynet.Sequential"})
        with open(npz_path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        doc = {"format": MODEL_FORMAT, "class_name": "Sequential", "config": self.get_config(),
               "compile": compile_config, "weights_file": os.path.basename(npz_path),
               "weights_sha256": digest,
               "weights": {k: list(v.shape) for k, v in self._weight_arrays().items()},
               "dtype": self.dtype.name}
        atomic_write(json_path, json.dumps(doc, indent=1).encode("utf-8"))
        return json_path, npz_path

    def save_weights(self, path) -> str:
        """Only the weights, to ``<path>.npz``."""
        npz_path = _stem(path) + ".npz"
        save_npz(npz_path, {f"weights/{k}": v for k, v in self._weight_arrays().items()},
                 {"kind": "pynet.weights"})
        return npz_path

    def load_weights(self, path) -> None:
        """Load weights saved by :meth:`save_weights` or :meth:`save`; names and shapes must
        match this model exactly (checked before anything changes)."""
        npz_path = _stem(path) + ".npz"
        arrays, _ = load_npz(npz_path)
        weights = {k[len("weights/"):]: v for k, v in arrays.items() if k.startswith("weights/")}
        expected = {k: v.shape for k, v in self._weight_arrays().items()}
        check_shapes(npz_path, weights, expected)
        for k, v in weights.items():
            if not np.isfinite(v).all():
                raise PersistenceError(f"{npz_path!r}: weight {k!r} contains NaN/Inf")
        for layer in self.layers:
            layer.set_weights([weights[f"{layer.name}/{k}"] for k in layer.params])

    def __repr__(self):
        return f"<Sequential {self.name!r}: {len(self.layers)} layers>"


def model_from_json(text: str) -> Sequential:
    """Rebuild an (untrained) model from :meth:`Sequential.to_json`."""
    doc = json.loads(text)
    if doc.get("class_name") != "Sequential":
        raise ValueError(f"model_from_json(): expected a Sequential model, got {doc.get('class_name')!r}")
    return Sequential.from_config(doc["config"])


def load_model(path, compile=True) -> Sequential:
    """Load a model written by :meth:`Sequential.save`: architecture, weights and (when
    ``compile``) optimizer, loss, metrics and optimizer state."""
    stem = _stem(path)
    json_path = stem + ".json"
    try:
        with open(json_path, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"load_model(): no such file {json_path!r}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PersistenceError(f"{json_path!r} is not valid JSON ({exc})") from None
    if doc.get("format") != MODEL_FORMAT or doc.get("class_name") != "Sequential":
        raise PersistenceError(f"{json_path!r} is not a pynet Sequential model file (format "
                               f"{doc.get('format')!r}, class {doc.get('class_name')!r})")
    npz_path = os.path.join(os.path.dirname(json_path), doc["weights_file"])
    if not os.path.exists(npz_path):
        raise FileNotFoundError(f"load_model(): weights file {npz_path!r} is missing")
    with open(npz_path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    if digest != doc.get("weights_sha256"):
        raise PersistenceError(f"{npz_path!r} does not match {json_path!r} (checksum differs): "
                               "the pair was not written together — save the model again")
    model = Sequential.from_config(doc["config"])
    arrays, _ = load_npz(npz_path)
    weights = {k[len("weights/"):]: v for k, v in arrays.items() if k.startswith("weights/")}
    check_shapes(npz_path, weights, {k: v.shape for k, v in model._weight_arrays().items()})
    for layer in model.layers:
        layer.set_weights([weights[f"{layer.name}/{k}"] for k in layer.params])
    if compile and doc.get("compile"):
        c = doc["compile"]
        model.compile(optimizer=optimizers_module.get(c["optimizer"]), loss=c["loss"],
                      metrics=c["metrics"])
        state = {k[len("optimizer/"):]: v for k, v in arrays.items() if k.startswith("optimizer/")}
        if state:
            model.optimizer.set_state(state)
    return model
