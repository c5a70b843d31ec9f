"""Callbacks: code that runs at fixed points of ``fit`` (Keras's hooks).

``fit`` calls, in this order::

    on_train_begin(logs)
      on_epoch_begin(epoch, logs)
        on_batch_begin(batch, logs)  ... train step ...  on_batch_end(batch, logs)   # per batch
      on_epoch_end(epoch, logs)          # logs: loss, metrics, val_loss, val_metrics, lr
    on_train_end(logs)

Each callback sees the model as ``self.model`` and the fit settings as ``self.params``
(``epochs``, ``steps``, ``samples``, ``batch_size``, ``verbose``, ``metrics``). Setting
``model.stop_training = True`` ends training after the current epoch.

Included: :class:`History` (always added; ``fit`` returns it), :class:`ProgbarLogger` (the
progress line for ``verbose=1``/``2``), :class:`EarlyStopping`, :class:`ModelCheckpoint`,
:class:`ReduceLROnPlateau`, :class:`LearningRateScheduler`, :class:`CSVLogger`,
:class:`TensorBoard` (event files for ``tensorboard --logdir``; needs the ``tensorboard`` package).
"""
from __future__ import annotations

import inspect
import os
import sys
import time

import numpy as np

from .persistence import atomic_write
from pynet import _validate as validate

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
           "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
           "TensorBoard"]


class Callback:
    """Base class: override the hooks you need."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Calls a list of callbacks in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def _call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_train_begin(self, logs=None): self._call("on_train_begin", logs)
    def on_train_end(self, logs=None): self._call("on_train_end", logs)
    def on_epoch_begin(self, epoch, logs=None): self._call("on_epoch_begin", epoch, logs)
    def on_epoch_end(self, epoch, logs=None): self._call("on_epoch_end", epoch, logs)
    def on_batch_begin(self, batch, logs=None): self._call("on_batch_begin", batch, logs)
    def on_batch_end(self, batch, logs=None): self._call("on_batch_end", batch, logs)


class History(Callback):
    """Records the epoch logs: ``history.history['loss']`` is one value per epoch;
    ``history.epoch`` the epoch indices."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


def _fmt_seconds(s):
    if s >= 1:
        return f"{s:.0f}s"
    return f"{s * 1000:.0f}ms"


class ProgbarLogger(Callback):
    """Keras-style progress: ``verbose=1`` redraws a bar during the epoch::

        Epoch 1/5
        469/469 [==============================] - 3s 6ms/step - loss: 0.2561 - accuracy: 0.9262

    ``verbose=2`` prints one line per epoch (``469/469 - 3s - loss: ... - val_loss: ...``).
    """

    def __init__(self, verbose=1, stream=None, width=30, interval=0.1):
        super().__init__()
        self.verbose = verbose
        self.stream = stream
        self.width = width
        self.interval = interval

    @property
    def out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()
        self.last_draw = 0.0
        self.sums, self.count = {}, 0
        print(f"Epoch {epoch + 1}/{self.params.get('epochs')}", file=self.out)

    def on_batch_end(self, batch, logs=None):
        if self.verbose != 1:
            return
        now = time.perf_counter()
        steps = self.params.get("steps") or 0
        if now - self.last_draw < self.interval and batch + 1 < steps:
            return
        self.last_draw = now
        done = batch + 1
        filled = int(self.width * done / max(steps, 1))
        bar = "=" * max(filled - 1, 0) + (">" if filled < self.width else "=") + "." * (self.width - filled)
        elapsed = now - self.epoch_start
        eta = elapsed / done * (steps - done)
        metrics = " - ".join(f"{k}: {v:.4f}" for k, v in (logs or {}).items()
                             if k not in ("batch", "size"))
        line = f"\r{done}/{steps} [{bar}] - ETA: {_fmt_seconds(eta)} - {metrics}"
        self.out.write(line)
        self.out.flush()

    def on_epoch_end(self, epoch, logs=None):
        steps = self.params.get("steps") or 0
        elapsed = time.perf_counter() - self.epoch_start
        metrics = " - ".join(f"{k}: {v:.4f}" for k, v in (logs or {}).items() if k != "lr")
        if self.verbose == 1:
            bar = "=" * self.width
            per = elapsed / max(steps, 1)
            line = f"\r{steps}/{steps} [{bar}] - {_fmt_seconds(elapsed)} {_fmt_seconds(per)}/step - {metrics}"
        else:
            line = f"{steps}/{steps} - {_fmt_seconds(elapsed)} - {metrics}"
        print(line, file=self.out)


def _monitor_mode(monitor, mode, where):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{where}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        mode = "max" if ("acc" in monitor and "loss" not in monitor) else "min"
    return mode


class _Monitor(Callback):
    """Shared logic: is the monitored value better than the best so far?"""

    def __init__(self, monitor, mode, min_delta, where):
        super().__init__()
        self.monitor = monitor
        self.mode = _monitor_mode(monitor, mode, where)
        self.min_delta = abs(float(min_delta))
        self.where = where

    def _reset(self):
        self.best = np.inf if self.mode == "min" else -np.inf

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def _value(self, logs):
        logs = logs or {}
        if self.monitor not in logs:
            raise KeyError(f"{self.where}: monitored quantity {self.monitor!r} is not in the "
                           f"logs; available: {', '.join(sorted(logs))}"
                           + (" (val_* needs validation_data or validation_split)"
                              if self.monitor.startswith("val_") else ""))
        return float(logs[self.monitor])


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs;
    optionally put back the best epoch's weights (``restore_best_weights``)."""

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False):
        super().__init__(monitor, mode, min_delta, "EarlyStopping")
        self.patience = validate.nonnegative_int("EarlyStopping()", "patience", patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = None
        self.best_weights = None
        self.best_epoch = None
        self._reset()
        if self.baseline is not None:
            self.best = float(self.baseline)

    def on_epoch_end(self, epoch, logs=None):
        value = self._value(logs)
        if self._improved(value):
            self.best, self.wait, self.best_epoch = value, 0, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class ModelCheckpoint(_Monitor):
    """Save the model after each epoch (``filepath`` may hold ``{epoch:02d}`` and log keys
    such as ``{val_loss:.2f}``); with ``save_best_only`` only when ``monitor`` improved."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto"):
        super().__init__(monitor, mode, 0.0, "ModelCheckpoint")
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)

    def on_train_begin(self, logs=None):
        self._reset()
        self.saved = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            value = self._value(logs)
            if not self._improved(value):
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{value:.5f}, saving model to {path}")
            self.best = value
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        self.saved.append(path)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` has stalled for ``patience``
    epochs (then wait ``cooldown`` epochs); never below ``min_lr``."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta, "ReduceLROnPlateau")
        if not 0.0 < float(factor) < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor!r}")
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)

    def on_train_begin(self, logs=None):
        self._reset()
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        value = self._value(logs)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(value):
            self.best, self.wait = value, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait >= self.patience:
            opt = self.model.optimizer
            old = opt.learning_rate
            new = max(old * self.factor, self.min_lr)
            if new < old and new > 0:
                opt.learning_rate = new
                if self.verbose:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new:g}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start from ``schedule(epoch)`` or
    ``schedule(epoch, lr)`` (epochs counted from 0)."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose
        try:
            self._two_args = len(inspect.signature(schedule).parameters) >= 2
        except (TypeError, ValueError):
            self._two_args = False

    def on_epoch_begin(self, epoch, logs=None):
        opt = self.model.optimizer
        lr = self.schedule(epoch, opt.learning_rate) if self._two_args else self.schedule(epoch)
        opt.learning_rate = float(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr:g}.")


class CSVLogger(Callback):
    """Write one CSV row per epoch (``epoch`` then the log keys, sorted).

    The whole file is rewritten atomically after every epoch (it is small), so a crash or a full
    disk leaves the previous complete file, never a torn last line. With ``append=True`` the rows
    of an earlier run are kept and the new rows follow them.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.separator = separator
        self.append = bool(append)
        self.keys = None
        self._text = ""

    def on_train_begin(self, logs=None):
        self._text = ""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8", newline="") as fh:
                self._text = fh.read()
            if self._text and not self._text.endswith("\n"):
                self._text += "\n"
        self._write_header = not self._text
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self._write_header:
                self._text += self.separator.join(["epoch"] + self.keys) + "\n"
        row = [str(epoch)] + [repr(float(logs[k])) if k in logs else "" for k in self.keys]
        self._text += self.separator.join(row) + "\n"
        atomic_write(self.filename, self._text.encode("utf-8"))


class TensorBoard(Callback):
    """Write TensorBoard event files: every epoch's logs as scalars and, every
    ``histogram_freq`` epochs, a histogram of each weight (Chollet §7.2.2, lectures §18).

    ``tensorboard --logdir LOG_DIR`` then shows the run. Training scalars go to
    ``LOG_DIR/train``, the ``val_`` ones (without the prefix) to ``LOG_DIR/validation``, as Keras
    does, so the two curves share one chart. Needs the ``tensorboard`` package (the writer is
    :mod:`pynet.tensorboard`); without it the callback raises ImportError when made, before
    training starts. CSVLogger and :mod:`pynet.inspect.curves` are the no-dependency path.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True):
        super().__init__()
        histogram_freq = validate.nonnegative_int("TensorBoard()", "histogram_freq", histogram_freq)
        from . import tensorboard as tb   # ImportError with advice when the package is missing
        self._tb = tb
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = bool(write_graph)
        self._writers = {}

    def _writer(self, which):
        if which not in self._writers:
            self._writers[which] = self._tb.FileWriter(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_train_begin(self, logs=None):
        if self.write_graph and hasattr(self.model, "summary"):
            try:
                text = self.model.summary(print_fn=lambda s: None)
            except ValueError:
                text = None
            if text is not None and hasattr(self._tb.FileWriter, "add_text"):
                self._writer("train").add_text("model/summary", text, 0)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            which, tag = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            self._writer(which).add_scalar(f"epoch_{tag}", float(value), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for name, values in self.model.params.items():
                self._writer("train").add_histogram(name, np.asarray(values), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
