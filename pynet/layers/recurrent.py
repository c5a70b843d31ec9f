"""Recurrent layers: SimpleRNN, LSTM, GRU (Chollet §6.2–6.3, the lecture notes' "Recurrent").

A recurrent layer reads a sequence ``x (batch, timesteps, features)`` one step at a time and
keeps a state: SimpleRNN's ``h_t = tanh(x_t·W + h_{t−1}·U + b)``; the LSTM adds a carry ``c_t``
and three sigmoid gates; the GRU mixes old and candidate state with an update gate. The
equations are in :mod:`pynet.kernels.reference.recurrent`; the layers here handle Keras's
options and call the kernels (which work time-major, so the layer transposes once).

Keras's semantics, followed exactly
-----------------------------------
* Weights ``kernel (features, k·units)``, ``recurrent_kernel (units, k·units)``, ``bias``;
  gate order LSTM i, f, c, o and GRU z, r, h; GRU ``reset_after=True`` (Keras 3's default)
  has ``bias (2, 3·units)``, ``reset_after=False`` (Keras 2's) ``(3·units,)``.
* Defaults: ``activation='tanh'``, ``recurrent_activation='sigmoid'``, kernel
  ``glorot_uniform``, recurrent kernel ``orthogonal``, bias zeros, LSTM ``unit_forget_bias``
  (the forget gate's bias starts at 1).
* ``return_sequences`` returns every step's output ``(batch, timesteps, units)``, otherwise only
  the last ``(batch, units)``; ``return_state`` returns ``[output, h]`` (``[output, h, c]`` for
  the LSTM); ``go_backwards`` reads the sequence from the end and returns the outputs in that
  (reversed) order.
* Masks (from ``Embedding(mask_zero=True)``): a masked step leaves the state unchanged; its output
  repeats the previous one (zeros with ``zero_output_for_mask=True``, which Bidirectional sets).
* ``dropout`` / ``recurrent_dropout``: one mask per sequence, the same at every step (Gal's
  recipe, Chollet §6.3.6), on the inputs and on the state entering the recurrent product.
* ``stateful=True``: the last state of a batch is the first state of the next; the batch size
  is fixed (``batch_input_shape=(b, t, f)``, ``batch_size=b`` or the first batch's) and
  :meth:`reset_states` starts again from zeros. Gradients stop at the batch boundary (truncated
  backpropagation through time), as in Keras.
"""
from __future__ import annotations

import contextlib
import numbers

import numpy as np

from pynet import activations, initializers, regularizers
from pynet.kernels._checks.recurrent import ACTIVATIONS
from pynet.layers.base import Layer, format_shape, register_layer, shapes_match

__all__ = ["SimpleRNN", "LSTM", "GRU", "Orthogonal"]


_BLAS_CONTROLLERS = []
#: batch·units below which a step's GEMM is too small for OpenBLAS to thread (no limit needed).
SMALL_STEP = 256


@contextlib.contextmanager
def one_blas_thread(needed=True):
    """Run the block with every BLAS pool on one thread, then restore the counts.

    A recurrent layer's products are one small GEMM per time step ((batch, units) by
    (units, k·units)); threaded BLAS gains nothing there and its spinning workers cost a lot
    (on a busy 2-core machine an LSTM(100) step ran 15× slower on two threads than on one) —
    the thread policy of ``pynet.kernels.threads`` for small products. The controllers are
    looked up once (that costs milliseconds); setting a count is one C call. ``needed=False``
    (products so small that OpenBLAS keeps them on one thread anyway) skips even that.
    """
    if not needed:
        yield
        return
    if not _BLAS_CONTROLLERS:
        from pynet.kernels.threads import _blas_controllers
        _BLAS_CONTROLLERS.extend(_blas_controllers())
    previous = [c.get_num_threads() for c in _BLAS_CONTROLLERS]
    changed = [c for c, n in zip(_BLAS_CONTROLLERS, previous) if n != 1]
    for c in changed:
        c.set_num_threads(1)
    try:
        yield
    finally:
        for c, n in zip(_BLAS_CONTROLLERS, previous):
            if n != 1:
                c.set_num_threads(n)


class Orthogonal(initializers.Initializer):
    """A random orthogonal matrix (times ``gain``): Keras's default recurrent initializer.

    The QR factorisation of a Gaussian matrix, with the signs of R's diagonal moved into Q so
    the result is uniformly distributed (Saxe et al., 2014). Non-square shapes get orthonormal
    rows or columns, whichever are fewer.
    """

    name = "orthogonal"

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape, dtype="float32"):
        shape = tuple(shape)
        rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        cols = shape[-1]
        a = self.rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        config = {"gain": self.gain} if self.gain != 1.0 else {}
        return {**config, **super().get_config()}


def _initializer(value):
    if isinstance(value, str) and value.lower() == "orthogonal":
        return Orthogonal()
    if isinstance(value, dict) and value.get("class_name") == "Orthogonal":
        return Orthogonal(**value.get("config", {}))
    return initializers.get(value)


def _serialize_initializer(init):
    if isinstance(init, Orthogonal):
        config = init.get_config()
        return {"class_name": "Orthogonal", "config": config} if config else "orthogonal"
    return initializers.serialize(init)


def _kernel_activation(value, argument, where):
    """The name of an activation the recurrent kernels compute (None means linear)."""
    name = "linear" if value is None else getattr(value, "name", value)
    if not isinstance(name, str) or name.lower() not in ACTIVATIONS:
        raise ValueError(f"{where}: {argument} must be one of {', '.join(ACTIVATIONS)}, got "
                         f"{value!r}")
    return name.lower()


def _rate(name, value, where):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be a number in [0, 1), got {value!r}") from None
    if not 0.0 <= v < 1.0:
        raise ValueError(f"{where}: {name} must lie in [0, 1), got {value!r}")
    return v


class RNNBase(Layer):
    """What SimpleRNN, LSTM and GRU share: options, shapes, masks, dropout, state, the
    batch-major ↔ time-major transposes. Subclasses set ``GATES``, ``STATES`` and implement
    ``_run`` / ``_run_backward`` with their kernel."""

    GATES = 1
    STATES = ("h",)
    supports_masking = True

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 zero_output_for_mask=False, seed=None, batch_input_shape=None, batch_size=None,
                 **kwargs):
        where = f"{type(self).__name__}()"
        if isinstance(units, (bool, np.bool_)) or not isinstance(units, numbers.Integral) \
                or units < 1:
            raise ValueError(f"{where}: units must be a positive int, got {units!r}")
        self.activation_name = _kernel_activation(activation, "activation", where)
        self.recurrent_activation_name = _kernel_activation(recurrent_activation,
                                                            "recurrent_activation", where)
        if batch_input_shape is not None:
            bis = tuple(batch_input_shape)
            if len(bis) != 3:
                raise ValueError(f"{where}: batch_input_shape must be (batch, timesteps, "
                                 f"features), got {batch_input_shape!r}")
            batch_size = bis[0]
            kwargs.setdefault("input_shape", bis[1:])
        if batch_size is not None and (isinstance(batch_size, bool) or
                                       not isinstance(batch_size, numbers.Integral)
                                       or batch_size < 1):
            raise ValueError(f"{where}: batch_size must be a positive int, got {batch_size!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"{where}: seed must be an int or None, got {seed!r}")
        self.units = int(units)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializer(kernel_initializer)
        self.recurrent_initializer = _initializer(recurrent_initializer)
        self.bias_initializer = _initializer(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout = _rate("dropout", dropout, where)
        self.recurrent_dropout = _rate("recurrent_dropout", recurrent_dropout, where)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.seed = None if seed is None else int(seed)
        self.batch_size = None if batch_size is None else int(batch_size)
        super().__init__(**kwargs)
        self._own_rng = None if seed is None else np.random.default_rng(seed)
        self._model_rng = None
        self.states = None            # stateful layers: [h, (c)] carried between batches
        self._cache = None

    # -- randomness (same hooks as Dropout) ---------------------------------------------------
    def seed_random(self, rng):
        """Hook called by ``fit(seed=...)``: use ``rng`` unless the layer has its own seed."""
        self._model_rng = rng

    @property
    def rng(self):
        if self._own_rng is not None:
            return self._own_rng
        return self._model_rng if self._model_rng is not None else initializers.global_rng()

    # -- shapes ---------------------------------------------------------------------------------
    def _check_sequence_shape(self, input_shape):
        shape = tuple(None if s is None else int(s) for s in input_shape)   # timesteps may be None
        if len(shape) != 2 or shape[1] is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} expects sequences of shape "
                             f"(batch, timesteps, features), got input shape "
                             f"{format_shape(shape)}"
                             + (" — one feature per step? reshape to (batch, timesteps, 1)"
                                if len(shape) == 1 else ""))
        return shape

    def compute_output_shape(self, input_shape):
        t, _ = self._check_sequence_shape(input_shape)
        out = (t, self.units) if self.return_sequences else (self.units,)
        if self.return_state:
            return [out] + [(self.units,)] * len(self.STATES)
        return out

    def _bias_shape(self):
        return (self.GATES * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        t, f = self._check_sequence_shape(input_shape)
        k = self.GATES * self.units
        self.add_weight("kernel", (f, k), self.kernel_initializer,
                        regularizer=self.kernel_regularizer)
        self.add_weight("recurrent_kernel", (self.units, k), self.recurrent_initializer,
                        regularizer=self.recurrent_regularizer)
        if self.use_bias:
            self.add_weight("bias", self._bias_shape(), self._bias_initializer(),
                            regularizer=self.bias_regularizer)
        self.input_shape = (t, f)
        out = self.compute_output_shape(self.input_shape)
        self.output_shape = [tuple(s) for s in out] if self.return_state else tuple(out)
        self.built = True

    # -- masks ----------------------------------------------------------------------------------
    def compute_mask(self, x, mask=None):
        """The input mask when returning sequences (the steps stay aligned), else None."""
        out = mask if (self.return_sequences and mask is not None) else None
        if self.return_state:
            return [out] + [None] * len(self.STATES)
        return out

    # -- state ----------------------------------------------------------------------------------
    def reset_states(self, states=None):
        """Stateful layers: start the next batch from zeros (or from the given arrays)."""
        if not self.stateful:
            raise RuntimeError(f"{type(self).__name__} {self.name!r}: reset_states() needs "
                               "stateful=True")
        if states is None:
            self.states = None
            return
        states = [states] if isinstance(states, np.ndarray) else list(states)
        if len(states) != len(self.STATES):
            raise ValueError(f"{type(self).__name__} {self.name!r}: reset_states() expects "
                             f"{len(self.STATES)} arrays ({', '.join(self.STATES)}), got "
                             f"{len(states)}")
        want = (self.batch_size, self.units) if self.batch_size else None
        checked = []
        for name, s in zip(self.STATES, states):
            s = np.asarray(s, dtype=self.dtype)
            if s.ndim != 2 or s.shape[1] != self.units or (want and s.shape != want):
                raise ValueError(f"{type(self).__name__} {self.name!r}: state {name!r} must "
                                 f"have shape {want or ('batch', self.units)}, got {s.shape}")
            checked.append(s.copy())
        self.batch_size = checked[0].shape[0]
        self.states = checked

    # -- computing ------------------------------------------------------------------------------
    def _check_call(self, x, mask):
        where = f"{type(self).__name__} {self.name!r}"
        shape = np.shape(x)
        if len(shape) != 3 or (self.input_shape is not None
                               and not shapes_match(self.input_shape, tuple(shape[1:]))):
            exp = f"(batch, timesteps, features) = {format_shape(self.input_shape)}" \
                if self.input_shape is not None else "(batch, timesteps, features)"
            raise ValueError(f"{where} expected input of shape {exp}, got {tuple(shape)}")
        if self.stateful:
            fixed = self.batch_size if self.batch_size is not None else (
                self.states[0].shape[0] if self.states else None)
            if fixed is not None and shape[0] != fixed:
                raise ValueError(f"{where} is stateful with batch size {fixed} (its state holds "
                                 f"one row per sample), got a batch of {shape[0]}; feed batches "
                                 f"of exactly {fixed} (fit/predict with batch_size={fixed}, "
                                 "shuffle=False)")
        if mask is not None:
            m = np.asarray(mask)
            if m.shape != tuple(shape[:2]):
                raise ValueError(f"{where}: mask must have shape (batch, timesteps) = "
                                 f"{tuple(shape[:2])}, got {m.shape}")
            return m.astype(bool)
        return None

    def _initial_states(self, batch):
        if self.stateful and self.states is not None:
            return [s for s in self.states]
        return [np.zeros((batch, self.units), dtype=self.dtype) for _ in self.STATES]

    def _dropout_mask(self, shape, rate):
        keep = 1.0 - rate
        m = (self.rng.random(shape) < keep).astype(self.dtype)
        return m * self.dtype.type(1.0 / keep)

    def forward(self, x, training=False, mask=None):
        """Run the layer over the sequence; see the module docstring for what it returns."""
        mask = self._check_call(x, mask)
        x = np.asarray(x, dtype=self.dtype)
        b = x.shape[0]
        xt = np.ascontiguousarray(x.transpose(1, 0, 2))                  # time-major
        mt = None if mask is None else np.ascontiguousarray(mask.T)
        if self.go_backwards:
            xt = np.ascontiguousarray(xt[::-1])
            mt = None if mt is None else np.ascontiguousarray(mt[::-1])
        dp = rdp = None
        if training and self.dropout > 0:
            dp = self._dropout_mask((b, x.shape[2]), self.dropout)
            xt = xt * dp
        if training and self.recurrent_dropout > 0:
            rdp = self._dropout_mask((b, self.units), self.recurrent_dropout)
        init = self._initial_states(b)
        if b * self.units >= SMALL_STEP:
            with one_blas_thread():
                h, saved = self._run(xt, init, mt, rdp)                 # h: (T, B, units)
        else:                   # OpenBLAS keeps products this small on one thread anyway
            h, saved = self._run(xt, init, mt, rdp)
        finals = [h[-1]] + ([saved[0][-1]] if len(self.STATES) == 2 else [])
        if self.stateful:
            self.states = [s.copy() for s in finals]
            if self.batch_size is None:
                self.batch_size = b
        self._cache = (xt, init, mt, rdp, dp, h, saved, b)
        if self.return_sequences:
            y = np.ascontiguousarray(h.transpose(1, 0, 2))
            if self.zero_output_for_mask and mt is not None:
                y = y * mt.T[:, :, None]
        else:
            y = h[-1].copy()
        if self.return_state:
            return [y] + [s.copy() for s in finals]
        return y

    def backward(self, grad):
        """dL/d(output) (a list, one per output, with ``return_state``) -> dL/dx."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__} {self.name!r}: backward() called "
                               "before forward()")
        xt, init, mt, rdp, dp, h, saved, b = self._cache
        grads = list(grad) if isinstance(grad, (list, tuple)) else [grad]
        n_out = 1 + (len(self.STATES) if self.return_state else 0)
        if len(grads) != n_out:
            raise ValueError(f"{type(self).__name__} {self.name!r}: backward() expects {n_out} "
                             f"gradients (output{' and states' if self.return_state else ''}),"
                             f" got {len(grads)}")
        grad_h = np.zeros_like(h)
        gy = grads[0]
        if gy is not None:
            gy = np.asarray(gy, dtype=self.dtype)
            # (batch, steps, units) or (batch, units); the steps are this batch's (h is (T, B, U))
            want = (b, h.shape[0], self.units) if self.return_sequences else (b, self.units)
            if gy.shape != want:
                raise ValueError(f"{type(self).__name__} {self.name!r}: the output's gradient "
                                 f"must have shape {want}, got {gy.shape}")
            if self.return_sequences:
                if self.zero_output_for_mask and mt is not None:
                    gy = gy * mt.T[:, :, None]
                grad_h += gy.transpose(1, 0, 2)
            else:
                grad_h[-1] += gy
        if self.return_state and grads[1] is not None:
            grad_h[-1] += np.asarray(grads[1], dtype=self.dtype)
        grad_c = None
        if self.return_state and len(self.STATES) == 2 and grads[2] is not None:
            grad_c = np.asarray(grads[2], dtype=self.dtype)
        if b * self.units >= SMALL_STEP:
            with one_blas_thread():
                dx, weight_grads = self._run_backward(xt, init, mt, rdp, h, saved, grad_h,
                                                      grad_c)
        else:
            dx, weight_grads = self._run_backward(xt, init, mt, rdp, h, saved, grad_h, grad_c)
        for key, g in zip(("kernel", "recurrent_kernel", "bias"), weight_grads):
            if key in self.grads:
                self.grads[key][...] = g
        if dx is None:
            return None
        if dp is not None:
            dx = dx * dp
        if self.go_backwards:
            dx = dx[::-1]
        return np.ascontiguousarray(dx.transpose(1, 0, 2))

    def _kernel_args(self, mt, rdp):
        return dict(mask=mt, recurrent_mask=rdp, activation=self.activation_name)

    def _bias(self):
        return self.params.get("bias")

    # -- configuration --------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, activation=self.activation_name, use_bias=self.use_bias,
            kernel_initializer=_serialize_initializer(self.kernel_initializer),
            recurrent_initializer=_serialize_initializer(self.recurrent_initializer),
            bias_initializer=_serialize_initializer(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            recurrent_regularizer=regularizers.serialize(self.recurrent_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            dropout=self.dropout, recurrent_dropout=self.recurrent_dropout,
            return_sequences=self.return_sequences, return_state=self.return_state,
            go_backwards=self.go_backwards, stateful=self.stateful,
            zero_output_for_mask=self.zero_output_for_mask, seed=self.seed,
            batch_size=self.batch_size,
        )
        return config


@register_layer
class SimpleRNN(RNNBase):
    """``h_t = activation(x_t·kernel + h_{t−1}·recurrent_kernel + bias)`` (Chollet listing
    6.21 as a layer). Parameters: ``units·(features + units + 1)``."""

    name_prefix = "simple_rnn"

    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def _run(self, xt, init, mt, rdp):
        h = self.kernels.simple_rnn_forward(xt, self.params["kernel"],
                                            self.params["recurrent_kernel"], self._bias(),
                                            init[0], **self._kernel_args(mt, rdp))
        return h, ()

    def _run_backward(self, xt, init, mt, rdp, h, saved, grad_h, grad_c):
        dx, dk, dr, db, _ = self.kernels.simple_rnn_backward(
            xt, self.params["kernel"], self.params["recurrent_kernel"], init[0], h, grad_h,
            need_input_grad=self.input_grad_needed, **self._kernel_args(mt, rdp))
        return dx, (dk, dr, db)

    def get_config(self):
        return super().get_config()


@register_layer
class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber 1997): gates i, f, c, o; a carry
    ``c_t = f ⊙ c_{t−1} + i ⊙ g`` and an output ``h_t = o ⊙ tanh(c_t)``.
    Parameters: ``4·units·(features + units + 1)`` (LSTM(4) on one feature: 96).

    ``unit_forget_bias=True`` (Keras's default) starts the forget gate's bias at 1, so the
    carry is kept at first rather than forgotten (Jozefowicz et al., 2015).
    """

    name_prefix = "lstm"
    GATES = 4
    STATES = ("h", "c")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def forget_gate_ones(shape, dtype):
            return np.concatenate([base((u,), dtype), np.ones(u, dtype=dtype),
                                   base((2 * u,), dtype)])
        return forget_gate_ones

    def _kernel_args(self, mt, rdp):
        return {**super()._kernel_args(mt, rdp),
                "recurrent_activation": self.recurrent_activation_name}

    def _run(self, xt, init, mt, rdp):
        h, c, gates = self.kernels.lstm_forward(
            xt, self.params["kernel"], self.params["recurrent_kernel"], self._bias(), init[0],
            init[1], **self._kernel_args(mt, rdp))
        return h, (c, gates)

    def _run_backward(self, xt, init, mt, rdp, h, saved, grad_h, grad_c):
        c, gates = saved
        dx, dk, dr, db, _, _ = self.kernels.lstm_backward(
            xt, self.params["kernel"], self.params["recurrent_kernel"], init[0], init[1], h, c,
            gates, grad_h, grad_c, need_input_grad=self.input_grad_needed,
            **self._kernel_args(mt, rdp))
        return dx, (dk, dr, db)

    def get_config(self):
        config = super().get_config()
        config.update(recurrent_activation=self.recurrent_activation_name,
                      unit_forget_bias=self.unit_forget_bias)
        return config


@register_layer
class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014; Chollet §6.3.5): gates z (update), r (reset),
    ``h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ``.

    ``reset_after=True`` (Keras 3 and PyTorch, default) applies the reset gate after the
    recurrent product and has two bias rows, ``(2, 3·units)``: parameters
    ``3·units·(features + units + 2)``. ``reset_after=False`` (Keras 2, the book) applies it
    before, with one bias row: ``3·units·(features + units + 1)``.
    """

    name_prefix = "gru"
    GATES = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _kernel_args(self, mt, rdp):
        return {**super()._kernel_args(mt, rdp),
                "recurrent_activation": self.recurrent_activation_name,
                "reset_after": self.reset_after}

    def _run(self, xt, init, mt, rdp):
        h, gates = self.kernels.gru_forward(
            xt, self.params["kernel"], self.params["recurrent_kernel"], self._bias(), init[0],
            **self._kernel_args(mt, rdp))
        return h, (gates,)

    def _run_backward(self, xt, init, mt, rdp, h, saved, grad_h, grad_c):
        dx, dk, dr, db, _ = self.kernels.gru_backward(
            xt, self.params["kernel"], self.params["recurrent_kernel"], init[0], h, saved[0],
            grad_h, need_input_grad=self.input_grad_needed, **self._kernel_args(mt, rdp))
        return dx, (dk, dr, db)

    def get_config(self):
        config = super().get_config()
        config.update(recurrent_activation=self.recurrent_activation_name,
                      reset_after=self.reset_after)
        return config
