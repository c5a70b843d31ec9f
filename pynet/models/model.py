"""``Model``: a graph of layers with Keras's interface — compile, fit, evaluate, predict, save.

Everything a model does is written once here; :class:`~pynet.models.sequential.Sequential` only
says how its graph is made (a straight line, grown by ``add``). The functional form::

    inputs = Input(shape=(784,))
    x = Dense(64, activation="relu")(inputs)
    outputs = Dense(10, activation="softmax")(x)
    model = Model(inputs, outputs)                     # Chollet §7.1

A model is itself a layer: ``model(tensor)`` records it in a bigger graph, and its weights are
shared wherever it is called. Several inputs and outputs take lists (in the model's order) or
dicts keyed by input/output name; ``compile`` takes one loss, a list or a dict, with
``loss_weights``. The pieces live in their own modules: the graph (:mod:`.graph`), the checks of
the data (:mod:`.data`), what compile decides per output (:mod:`.compile_utils`), the training
loop (:mod:`.training`), diagnosis and gradient checks (:mod:`.diagnosis`), saving (:mod:`.saving`)
and the summary and drawings (:mod:`.summary`).
"""
from __future__ import annotations

import time

import numpy as np

from pynet import callbacks as callbacks_module
from pynet import optimizers as optimizers_module
from pynet.layers.base import Layer, format_shape, register_layer, shape_tuple, shapes_match
from pynet.models import compile_utils, data, diagnosis, training
from pynet.models.graph import (GraphRunner, InputLayer, SymbolicTensor, call_symbolic,
                                is_symbolic, leaf_layers, topological_nodes)

__all__ = ["Model"]


@register_layer
class Model(Layer):
    """A model made of a graph of layers (Keras's functional ``Model``).

    Parameters
    ----------
    inputs : SymbolicTensor or list of them
        Tensors made by :func:`pynet.models.Input`.
    outputs : SymbolicTensor or list of them
        Tensors computed from the inputs by calling layers.
    name : str, optional
    """

    name_prefix = "model"

    def __init__(self, inputs=None, outputs=None, name=None):
        self._init_house(name)
        if inputs is None or outputs is None:
            raise TypeError("Model(): give inputs and outputs, e.g. Model(inputs, outputs) with "
                            "inputs = Input(shape=(784,)); for a stack of layers use Sequential")
        self._set_graph(inputs, outputs)

    # -- the house every model shares -------------------------------------------------------------
    def _init_house(self, name):
        from pynet.layers.base import _auto_name
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"{type(self).__name__}(): name must be a non-empty string without "
                             f"'/', got {name!r}")
        self.name = name if name is not None else _auto_name(self.name_prefix)
        self.trainable = True
        self._inbound_nodes = []
        self._losses = []
        self._input_grad_needed = True
        self._declared_input_shape = None
        self._non_trainable_keys = set()
        self.optimizer = None
        self.loss = None
        self._output_specs = []
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._variables = None
        self._compiled_variables = None
        self._runner = None
        self.inputs, self.outputs = [], []
        self._inputs_as_list = self._outputs_as_list = False

    def _set_graph(self, inputs, outputs, layers=None):
        self._inputs_as_list = isinstance(inputs, (list, tuple))
        self._outputs_as_list = isinstance(outputs, (list, tuple))
        ins = list(inputs) if self._inputs_as_list else [inputs]
        outs = list(outputs) if self._outputs_as_list else [outputs]
        where = f"{type(self).__name__}()"
        nodes = topological_nodes(ins, outs, where)
        self.inputs, self.outputs = ins, outs
        self._nodes = nodes
        self._runner = GraphRunner(ins, outs, nodes)
        if layers is None:
            layers = [t.node.layer for t in ins]
            for node in nodes:
                if all(node.layer is not l for l in layers):
                    layers.append(node.layer)
        self._layers = layers
        self._runner.set_input_grad_flags(self._input_grad_needed)
        self._compiled_variables = None      # a new graph: collected again at the next training

    # -- names and shapes --------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        return list(self._layers)

    @property
    def built(self) -> bool:
        return self._runner is not None

    @built.setter
    def built(self, value):   # Layer.__init__ compatibility; the graph decides
        pass

    @property
    def input_names(self) -> list:
        return [t.node.layer.name for t in self.inputs]

    @property
    def output_names(self) -> list:
        names = []
        for t in self.outputs:
            base = t.node.layer.name if not t.node.outputs_as_list else f"{t.node.layer.name}_{t.index}"
            name, k = base, 1
            while name in names:
                k += 1
                name = f"{base}_{k}"
            names.append(name)
        return names

    @property
    def input(self):
        self._require_built("input")
        return list(self.inputs) if self._inputs_as_list else self.inputs[0]

    @property
    def output(self):
        self._require_built("output")
        return list(self.outputs) if self._outputs_as_list else self.outputs[0]

    @property
    def input_shape(self):
        """Keras style: ``(None,) + sample shape`` (a list of them for several inputs)."""
        if not self.built:
            return None
        shapes = [t.shape for t in self.inputs]
        return shapes if self._inputs_as_list else shapes[0]

    @input_shape.setter
    def input_shape(self, value):  # set by Layer.__init__ in subclasses; the graph decides
        pass

    @property
    def output_shape(self):
        if not self.built:
            return None
        shapes = [t.shape for t in self.outputs]
        return shapes if self._outputs_as_list else shapes[0]

    @output_shape.setter
    def output_shape(self, value):
        pass

    @property
    def dtype(self):
        return self.inputs[0].dtype if self.inputs else np.dtype(np.float32)

    @dtype.setter
    def dtype(self, value):
        pass

    @property
    def multi_input(self):
        return self._inputs_as_list

    @property
    def metrics_names(self) -> list:
        return compile_utils.log_names(self._output_specs) if self._output_specs else ["loss"]

    @property
    def metrics(self) -> list:
        """The metric objects of the (only or first) output."""
        return self._output_specs[0].metrics if self._output_specs else []

    def _require_built(self, what):
        if not self.built:
            raise AttributeError(f"model {self.name!r} has no {what} yet: it is not built (give "
                                 "the first layer input_shape=... or call build(input_shape))")

    # -- a model is a layer ------------------------------------------------------------------------------
    def _expected_input_shape(self):
        shapes = [t.sample_shape for t in self.inputs]
        return shapes if self._inputs_as_list else shapes[0]

    def build(self, input_shape=None):
        """A functional model is built when made; this checks ``input_shape`` agrees."""
        if input_shape is None:
            return
        expected = self._expected_input_shape()
        got = ([shape_tuple(s) for s in input_shape] if self._inputs_as_list
               else shape_tuple(input_shape))
        ok = (all(shapes_match(e, g) for e, g in zip(expected, got)) and len(expected) == len(got)
              if self._inputs_as_list else shapes_match(expected, got))
        if not ok:
            raise ValueError(f"model {self.name!r} is built for inputs {expected}, got {got}")

    def _build_from_data(self, shapes):
        """Called with the sample shapes of the data before the checks (Sequential builds)."""

    def compute_output_shape(self, input_shape):
        shapes = [t.sample_shape for t in self.outputs]
        return shapes if self._outputs_as_list else shapes[0]

    def compute_mask(self, x, mask=None):
        return None

    @property
    def input_grad_needed(self):
        return self._input_grad_needed

    @input_grad_needed.setter
    def input_grad_needed(self, value):
        self._input_grad_needed = bool(value)
        if self._runner is not None:
            self._runner.set_input_grad_flags(self._input_grad_needed)

    def forward(self, x, training=False):
        xs = list(x) if self._inputs_as_list else [x]
        outs = self._runner.forward(xs, training)
        return outs if self._outputs_as_list else outs[0]

    def backward(self, grad):
        gs = list(grad) if self._outputs_as_list else [grad]
        gins = self._runner.backward(gs)
        return gins if self._inputs_as_list else gins[0]

    def _leaf_layers(self):
        seen, out = set(), []
        for layer in self._layers:
            if isinstance(layer, InputLayer):
                continue
            for leaf in leaf_layers(layer):
                if id(leaf) not in seen:
                    seen.add(id(leaf))
                    out.append(leaf)
        return out

    def _compute_layers(self):
        return [l for l in self._layers if not isinstance(l, InputLayer)]

    def __call__(self, x, training=False, **kwargs):
        if is_symbolic(x):
            return call_symbolic(self, x, **kwargs)
        xs = self._checked_inputs(x, f"{self.name}()")
        outs = self._runner.forward(xs, training)
        return outs if self._outputs_as_list else outs[0]

    # -- parameters ----------------------------------------------------------------------------------------
    @property
    def params(self) -> dict:
        """Every weight as ``{"<layer>/<key>": array}`` (nested models: ``"<model>/<layer>/<key>"``)."""
        return {f"{l.name}/{k}": p for l in self._compute_layers() for k, p in l.params.items()}

    @params.setter
    def params(self, value):
        pass

    @property
    def grads(self) -> dict:
        return {f"{l.name}/{k}": g for l in self._compute_layers() for k, g in l.grads.items()}

    @grads.setter
    def grads(self, value):
        pass

    @property
    def regularizers(self) -> dict:
        return {f"{l.name}/{k}": r for l in self._compute_layers() for k, r in l.regularizers.items()}

    @regularizers.setter
    def regularizers(self, value):
        pass

    def trainable_variables(self):
        """``[(key, param, grad), ...]`` for the optimizer; ``key`` = ``layer/param``."""
        if not self.trainable:
            return []
        return [(f"{l.name}/{k}", p, g) for l in self._compute_layers()
                for k, p, g in l.trainable_variables()]

    @property
    def trainable_weights(self):
        return [p for _, p, _ in self.trainable_variables()]

    def _weight_arrays(self) -> dict:
        """``{"<layer>/<key>": array}``: the names save files use (same as :attr:`params`)."""
        return dict(self.params)

    @property
    def weights(self):
        return list(self.params.values())

    def regularization_loss(self) -> float:
        return float(sum(l.regularization_loss() for l in self._compute_layers()))

    def add_regularization_gradients(self) -> None:
        for l in self._compute_layers():
            if l.regularizers and l.trainable:
                l.add_regularization_gradients()

    _regularization_loss = regularization_loss

    def _penalties(self, force=False):
        return self.regularization_loss() if (force or self._has_reg) else 0.0

    def _add_penalty_gradients(self, force=False):
        if force or self._has_reg:
            self.add_regularization_gradients()

    def count_params(self) -> int:
        return sum(l.count_params() for l in self._compute_layers())

    def count_trainable_params(self) -> int:
        return sum(p.size for _, p, _ in self.trainable_variables())

    def get_weights(self) -> list:
        return [w for l in self._compute_layers() for w in l.get_weights()]

    def _checked_weights(self, weights):
        """Validate every array for every layer; return the plan (nothing changes here)."""
        weights = list(weights)
        counts = [len(l.get_weights()) for l in self._compute_layers()]
        if len(weights) != sum(counts):
            raise ValueError(f"set_weights(): model {self.name!r} has {sum(counts)} weight arrays, "
                             f"got {len(weights)}")
        plan, i = [], 0
        for layer, k in zip(self._compute_layers(), counts):
            plan.extend(layer._checked_weights(weights[i:i + k]))
            i += k
        return plan

    def set_weights(self, weights) -> None:
        """Set all weights (in ``get_weights`` order): every array is checked (count, shape,
        finite) before the first one is assigned — all or nothing."""
        for target, value in self._checked_weights(weights):
            target[...] = value

    def get_layer(self, name=None, index=None) -> Layer:
        """The layer called ``name``, or at position ``index``."""
        if (name is None) == (index is None):
            raise ValueError("get_layer(): give exactly one of name or index")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer(): index {index} out of range; the model has "
                                 f"{len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer(): no layer named {name!r}; layers: "
                         f"{', '.join(l.name for l in layers)}")

    # -- compile -------------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None) -> None:
        """Choose the optimizer, the loss(es), their weights and the metrics.

        ``loss``, ``loss_weights`` and ``metrics`` may be one value for every output, a list in
        output order or a dict keyed by output name. ``metrics=['accuracy']`` picks
        binary/categorical/sparse accuracy from the loss and output shape, as Keras does.
        Everything is checked before the model changes.
        """
        names = self._output_names_for_compile()
        opt = optimizers_module.get(optimizer)
        specs = compile_utils.resolve(names, loss, loss_weights, metrics)
        if self.built:
            for spec, t in zip(specs, self.outputs):
                spec.resolve_metrics(t.sample_shape)
            compile_utils.log_names(specs)
        self.optimizer, self._output_specs = opt, specs
        self.loss = specs[0].loss if len(specs) == 1 else [s.loss for s in specs]
        self.compiled = True
        # Keras 2: the weights this model trains are collected here, once. Setting
        # ``trainable`` afterwards changes nothing until the next compile — which is what lets
        # the GAN freeze its discriminator inside ``gan`` while the discriminator, compiled
        # before, keeps training (Chollet listing 8.31).
        self._compiled_variables = self.trainable_variables() if self.built else None

    def _output_names_for_compile(self):
        return self.output_names

    def _require_compiled(self, where):
        if not self.compiled:
            raise diagnosis.NotCompiledError(
                f"{where}: the model is not compiled; call model.compile(optimizer='rmsprop', "
                "loss='categorical_crossentropy', metrics=['accuracy']) first")

    def _resolve_pending_metrics(self):
        if self._output_specs and self.built:
            for spec, t in zip(self._output_specs, self.outputs):
                if len(spec.metrics) != len(spec.metric_specs):
                    spec.resolve_metrics(t.sample_shape)

    # -- data ------------------------------------------------------------------------------------------------
    def _check_input_shape(self, tensor, a, label, where):
        expected = tensor.sample_shape
        if a.ndim != len(expected) + 1 or not shapes_match(expected, tuple(a.shape[1:])):
            hint = ""
            if tuple(a.shape) == expected:
                hint = " — a single sample needs a batch axis: x[np.newaxis]"
            raise ValueError(f"{where}: {label} for input {tensor.node.layer.name!r} must have "
                             f"shape {format_shape(expected)}, got {tuple(a.shape)}{hint}")
        if tensor.dtype.kind in "iu" and a.dtype.kind not in "iu":
            raise TypeError(f"{where}: {label} for input {tensor.node.layer.name!r} takes integer "
                            f"ids ({tensor.dtype.name}), got dtype {a.dtype}; convert with "
                            "x.astype('int64')")

    def _checked_inputs(self, x, where):
        xs = data.check_inputs(self, data.as_list(x, self._input_names_for_data(), "input", where),
                               where)
        self._resolve_pending_metrics()
        return xs

    def _input_names_for_data(self):
        return self.input_names if self.built else ["input"]

    def _checked_targets(self, y, n, where):
        names = [s.name for s in self._output_specs]
        return data.check_targets(self, data.as_list(y, names, "output", where), n, where)

    def _checked_batch(self, x, y, sample_weight, class_weight, where):
        if x is None or y is None:
            raise ValueError(f"{where}: x and y are required")
        xs = self._checked_inputs(x, where)
        n = xs[0].shape[0]
        ys = self._checked_targets(y, n, where)
        sws = data.sample_weights(self, sample_weight, class_weight, ys, n, where)
        return xs, ys, sws

    def _values_beyond_loss(self, ys, outs, sws):
        """``_output_values(...)[1:]`` (per-output losses and metrics), without recomputing the
        loss when there is nothing beyond it (one output, no metrics: the per-sample case)."""
        specs = self._output_specs
        if len(specs) == 1 and not specs[0].metrics:
            return []
        return self._output_values(ys, outs, sws)[1:]

    def _output_values(self, ys, outs, sws):
        """``[data loss, per-output losses..., metrics...]`` in :attr:`metrics_names` order."""
        total, per_output = training.weighted_losses(self, ys, outs, sws)
        values = [total]
        if len(self._output_specs) > 1:
            values += [v for v in per_output if v is not None]
        for spec, y, out in zip(self._output_specs, ys, outs):
            values += [float(m(y, out)) for m in spec.metrics]
        return values

    def _first_non_finite(self, xs):
        """Which layer first outputs NaN/Inf (or huge values) for this batch, in words."""
        values = {id(t): a for t, a in zip(self.inputs, xs)}
        for node in self._nodes:
            x = [values[id(t)] for t in node.inputs]
            y = node.layer.forward(x if node.as_list else x[0], False)
            ys = list(y) if node.outputs_as_list else [y]
            for t, v in zip(node.outputs, ys):
                values[id(t)] = v
                if not np.isfinite(v).all():
                    return (f"  The first non-finite values appear in the output of layer "
                            f"{node.layer.name!r} ({type(node.layer).__name__}).")
                peak = float(np.max(np.abs(v))) if v.size else 0.0
                if peak > 1e15:
                    return f"  Layer {node.layer.name!r} outputs values up to {peak:.3g}."
        return None

    def _forward(self, x, training=False):
        """One input, one output: ``y = model(x)`` without the checks (tests, lessons)."""
        return self._runner.forward([x], training)[0]

    def _backward(self, y, out):
        """One output: back-propagate the compiled loss of ``(y, out)`` (after ``_forward``)."""
        grads, fused = training.loss_gradients(self, [y], [out], [None])
        self._runner.backward(grads, fused)

    def _fused(self, k=0) -> bool:
        """Does output ``k`` feed dL/dz straight into its layer (softmax/sigmoid with their
        cross-entropy)?"""
        spec = self._output_specs[k] if self._output_specs else None
        if spec is None or spec.loss is None or spec.loss.fused_activation is None:
            return False
        act = getattr(getattr(self.outputs[k].node.layer, "activation", None), "name", None)
        return act == spec.loss.fused_activation and self._runner.fusable(k)

    # -- training --------------------------------------------------------------------------------------------
    def _start_training(self):
        if getattr(self, "_compiled_variables", None) is None:    # built after compile
            self._compiled_variables = self.trainable_variables()
        self._variables = self._compiled_variables
        self._has_reg = any(l.regularizers for l in self._compute_layers())
        self._runner.set_input_grad_flags(False)

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One update on one batch; returns the loss (and metrics, as a list, if any)."""
        where = "train_on_batch()"
        self._require_compiled(where)
        xs, ys, sws = self._checked_batch(x, y, sample_weight, class_weight, where)
        self._start_training()
        before = diagnosis.Snapshot(self)      # a step that diverges is undone
        try:
            loss, outs = training.train_step(self, xs, ys, sws)
            if not np.isfinite(loss):
                raise diagnosis.TrainingDiverged(diagnosis.diagnose(self, xs, loss, epoch=None,
                                                                    batch=None))
            # the batch again in inference mode, after a step large enough to blow the model up
            probe = (xs, ys, loss) if diagnosis.step_was_large(self, before) else None
            diagnosis.check_finite_weights(self, restore=before, probe=probe)
        finally:
            self._variables = None
        values = [float(loss)] + self._values_beyond_loss(ys, outs, sws)
        return values if len(values) > 1 else values[0]

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0,
            seed=None, sample_weight=None, class_weight=None, steps_per_epoch=None,
            validation_steps=None):
        """Train for ``epochs`` passes over ``(x, y)``; return a :class:`~pynet.callbacks.History`.

        Parameters
        ----------
        x, y : arrays (lists or dicts of arrays for several inputs/outputs), or ``x`` a
            generator of ``(x, y)`` batches with ``steps_per_epoch``
        batch_size : int, default 32
        epochs, initial_epoch : int
        verbose : 0 silent, 1 a progress bar, 2 one line per epoch
        callbacks : list of Callback
        validation_split : float in [0, 1): the *last* fraction is held out (before shuffling)
        validation_data : ``(x_val, y_val)`` or a generator with ``validation_steps``
        shuffle : bool — reshuffle every epoch
        seed : int — seeds the shuffling and Dropout layers without their own seed
        sample_weight : per-sample weights (per output: list or dict); class_weight : {class: w}
        """
        where = "fit()"
        self._require_compiled(where)
        batch_size = 32 if batch_size is None else data.int_arg(batch_size, "batch_size", where)
        epochs = data.int_arg(epochs, "epochs", where, low=0)
        initial_epoch = data.int_arg(initial_epoch, "initial_epoch", where, low=0)
        if verbose not in (0, 1, 2):
            raise ValueError(f"{where}: verbose must be 0, 1 or 2, got {verbose!r}")
        callbacks = list(callbacks or [])
        for cb in callbacks:
            if not isinstance(cb, callbacks_module.Callback):
                raise TypeError(f"{where}: callbacks must be Callback instances, got "
                                f"{type(cb).__name__}")
        rng = np.random.default_rng(seed)
        if _is_generator(x):
            batches = training.GeneratorBatches(
                self, x, data.int_arg(steps_per_epoch, "steps_per_epoch", where), where)
            validation = self._validation_source(validation_data, validation_steps, None,
                                                 batch_size, where)
        else:
            xs, ys, sws = self._checked_batch(x, y, sample_weight, class_weight, where)
            (xs, ys, sws), held_out = _split(xs, ys, sws, validation_split, validation_data, where)
            batches = training.ArrayBatches(xs, ys, sws, batch_size, shuffle, rng)
            validation = self._validation_source(validation_data, validation_steps, held_out,
                                                 batch_size, where)
        # -- checks done: from here on the model changes ------------------------------------------
        if seed is not None:
            for leaf in self._leaf_layers():
                hook = getattr(leaf, "seed_random", None)
                if hook is not None:
                    hook(rng)
        return training.run_fit(self, batches, epochs, initial_epoch, callbacks, verbose,
                                validation)

    def _validation_source(self, validation_data, validation_steps, held_out, batch_size, where):
        """A function ``epoch -> {'val_loss': ..., ...}`` or None."""
        if held_out is None and validation_data is None:
            return None
        if validation_data is not None and _is_generator(validation_data):
            steps = data.int_arg(validation_steps, "validation_steps", where)
            source = training.GeneratorBatches(self, validation_data, steps, f"{where} validation")
            return lambda epoch: _prefixed(self._evaluate_batches(source.epoch()))
        if held_out is None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError(f"{where}: validation_data must be a pair (x_val, y_val), got "
                                 f"{type(validation_data).__name__}"
                                 + (f" of length {len(validation_data)}"
                                    if isinstance(validation_data, (tuple, list)) else ""))
            sw = validation_data[2] if len(validation_data) == 3 else None
            held_out = self._checked_batch(validation_data[0], validation_data[1], sw, None,
                                           f"{where} validation_data")
        source = training.ArrayBatches(*held_out, batch_size, False, None)
        return lambda epoch: _prefixed(self._evaluate_batches(source.epoch()))

    # -- evaluation and prediction ---------------------------------------------------------------------------
    def _evaluate_batches(self, batches):
        sums, n = None, 0
        for xs, ys, sws in batches:
            outs = self._runner.forward(xs, training=False)
            values = np.asarray(self._output_values(ys, outs, sws), dtype=np.float64)
            m = xs[0].shape[0]
            sums = values * m if sums is None else sums + values * m
            n += m
        if sums is None:
            sums = np.zeros(len(self.metrics_names))
        return dict(zip(self.metrics_names, (float(v) for v in sums / max(n, 1))))

    def fit_generator(self, generator, steps_per_epoch, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, initial_epoch=0):
        """Keras 2's name (Chollet ch. 5–6) for :meth:`fit` on a generator: the same training."""
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, initial_epoch=initial_epoch)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None):
        """Loss (without regularization penalties) and metrics in inference mode.

        Returns the loss alone when there is nothing else, else ``[loss, ...]`` in
        :attr:`metrics_names` order (``test_loss, test_acc = model.evaluate(x, y)``).
        """
        where = "evaluate()"
        self._require_compiled(where)
        batch_size = 32 if batch_size is None else data.int_arg(batch_size, "batch_size", where)
        if _is_generator(x):
            batches = training.GeneratorBatches(self, x, data.int_arg(steps, "steps", where), where)
        else:
            xs, ys, sws = self._checked_batch(x, y, sample_weight, None, where)
            batches = training.ArrayBatches(xs, ys, sws, batch_size, False, None)
        start = time.perf_counter()
        logs = self._evaluate_batches(batches.epoch())
        values = [logs[k] for k in self.metrics_names]
        if verbose:
            steps_done = batches.steps
            print(f"{steps_done}/{steps_done} - {time.perf_counter() - start:.0f}s - "
                  + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        return values if len(values) > 1 else values[0]

    def predict(self, x, batch_size=None, verbose=0):
        """Outputs for ``x`` in inference mode (Dropout off), computed in batches; a list of
        arrays for a model with several outputs."""
        where = "predict()"
        batch_size = 32 if batch_size is None else data.int_arg(batch_size, "batch_size", where)
        self._require_layers(where)
        xs = self._checked_inputs(x, where)
        n = xs[0].shape[0]
        chunks = [[o.copy() for o in self._runner.forward([a[s:s + batch_size] for a in xs], False)]
                  for s in range(0, n, batch_size)]
        if chunks:
            outs = [np.concatenate([c[k] for c in chunks], axis=0) for k in range(len(self.outputs))]
        else:
            outs = [np.zeros((0,) + tuple(0 if d is None else d for d in t.sample_shape), dtype=t.dtype)
                    for t in self.outputs]
        return outs if self._outputs_as_list else outs[0]

    def _require_layers(self, where):
        pass

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=max(1, _batch_len(x)))

    def test_on_batch(self, x, y, sample_weight=None):
        return self.evaluate(x, y, batch_size=max(1, _batch_len(x)), verbose=0,
                             sample_weight=sample_weight)

    def check_gradients(self, x, y, *, samples=20, eps=1e-5, tolerance=1e-6, seed=0):
        """Back-propagation against central differences (see :func:`diagnosis.check_gradients`)."""
        return diagnosis.check_gradients(self, x, y, samples=samples, eps=eps,
                                         tolerance=tolerance, seed=seed)

    def _float64_twin(self):
        """The model itself when it computes in float64 already (its weights are perturbed and
        restored exactly), else a float64 copy rebuilt from its configuration."""
        if all(np.dtype(getattr(l, "dtype", np.float64)) == np.float64
               for l in self._leaf_layers()):
            return self
        from pynet.models.saving import model_from_config, with_dtype
        try:
            config = self.get_config()
        except ValueError as exc:
            raise ValueError(f"check_gradients(): {exc}; build the model in float64 "
                             "(dtype='float64' on every layer) to check it in place") from None
        twin = model_from_config({"class_name": type(self).__name__,
                                  "config": with_dtype(config, "float64")})
        twin.set_weights(self.get_weights())
        return twin

    # -- summary, saving ---------------------------------------------------------------------------------------
    def summary(self, line_length=None, print_fn=None) -> str:
        """Print (and return) Keras's table: layer (type), output shape, params, connections."""
        from pynet.models.summary import summary_text
        text = summary_text(self, line_length)
        (print_fn or print)(text)
        return text

    def get_config(self) -> dict:
        from pynet.models.saving import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict):
        from pynet.models.saving import functional_from_config
        return functional_from_config(config)

    def to_json(self) -> str:
        from pynet.models.saving import to_json
        return to_json(self)

    def save(self, path, include_optimizer=True) -> tuple:
        """Write ``<path>.json`` (graph, compile settings) and ``<path>.npz`` (weights,
        optimizer state), atomically; returns the two paths."""
        from pynet.models.saving import save_model
        return save_model(self, path, include_optimizer)

    def save_weights(self, path) -> str:
        from pynet.models.saving import save_weights
        return save_weights(self, path)

    def load_weights(self, path) -> None:
        """Weights saved by :meth:`save_weights` or :meth:`save`; names and shapes must match
        exactly, all checked before anything changes."""
        from pynet.models.saving import load_weights
        load_weights(self, path)

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}: {len(self._compute_layers())} layers>"


# -- helpers ------------------------------------------------------------------------------------------------

def _is_generator(x) -> bool:
    return hasattr(x, "__next__") and not isinstance(x, (np.ndarray, list, tuple, dict))


def _batch_len(x):
    if isinstance(x, dict):
        x = next(iter(x.values()))
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], np.ndarray):
        x = x[0]
    return len(x)


def _prefixed(logs):
    return {f"val_{k}": v for k, v in logs.items()}


def _split(xs, ys, sws, validation_split, validation_data, where):
    """``((train xs, ys, sws), held-out or None)`` for ``validation_split``."""
    try:
        split = float(validation_split)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: validation_split must be a float in [0, 1), got "
                        f"{validation_split!r}") from None
    if not 0.0 <= split < 1.0:
        raise ValueError(f"{where}: validation_split must be in [0, 1), got {validation_split!r}")
    if split and validation_data is not None:
        raise ValueError(f"{where}: give validation_split or validation_data, not both")
    n = xs[0].shape[0]
    if not split:
        if n == 0:
            raise ValueError(f"{where}: no training samples")
        return (xs, ys, sws), None
    n_val = int(n * split)
    if n_val == 0 or n_val == n:
        raise ValueError(f"{where}: validation_split={split} of {n} samples leaves {n_val} for "
                         f"validation and {n - n_val} for training")
    head = lambda arrays: [None if a is None else a[:-n_val] for a in arrays]  # noqa: E731
    tail = lambda arrays: [None if a is None else a[-n_val:] for a in arrays]  # noqa: E731
    return (head(xs), head(ys), head(sws)), (tail(xs), tail(ys), tail(sws))
