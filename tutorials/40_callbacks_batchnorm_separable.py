# %% [markdown]
# # 40 · Chollet §7.2–7.3: callbacks, BatchNormalization and SeparableConv2D
#
# *Deep Learning with Python* §7.2 hands control of a running `fit` to callbacks — stop when the
# validation accuracy stops improving, keep the best model, cut the learning rate on a plateau, log
# activations — and §7.3 adds two modern pieces to a convnet: `BatchNormalization` after a
# convolution and `SeparableConv2D` (a per-channel spatial convolution, then a 1×1 mix) as a lighter
# replacement for `Conv2D`.
#
# The book gives no accuracy for these models (§7.3 has no listing trained on data), so the
# comparison is between the two networks on the same data, not with a printed number.

# %%
"""Chollet §7.2–7.3: callbacks, batch normalisation and depthwise-separable convolutions.

Two convnets side by side on the same data, the §7.2 callbacks on the same runs.
"""
from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from pynet.lessons import Report, main

TITLE = "40 · Chollet §7.2–7.3: callbacks, BatchNormalization and SeparableConv2D"
SEED = 19


# %% [markdown]
# ## The data
#
# Fashion-MNIST, or MNIST when Fashion-MNIST is absent: images as (N, 28, 28, 1) in [0, 1], integer
# labels.

# %%
def load_data(n_train, n_test):
    try:
        from pynet.datasets import fashion_mnist
        (x, y), (xt, yt) = fashion_mnist.load()
        name = "Fashion-MNIST"
    except FileNotFoundError:
        from pynet.datasets import mnist
        (x, y), (xt, yt) = mnist.load()
        name = "MNIST (Fashion-MNIST not found)"
    prep = lambda a: a.reshape(len(a), 28, 28, 1).astype("float32") / 255  # noqa: E731
    return name, prep(x[:n_train]), y[:n_train].astype(np.int64), prep(xt[:n_test]), yt[:n_test].astype(np.int64)


# %% [markdown]
# ## Two convnets of the same shape
#
# The chapter-5 convnet (lesson 28's), and the same stages built with SeparableConv2D (after a first
# ordinary Conv2D, as §7.3 suggests for single-channel input) and BatchNormalization after each
# convolution (§7.3.1). The lesson compares their parameter counts, epoch times and test accuracies.
#
# BatchNormalization's `momentum` is Keras's 0.99 by default: after n updates the moving averages
# still hold 0.99ⁿ of their starting values (0.45 after 80 updates), so a short run evaluates with
# statistics far from the data's. The quick run uses 0.9 (0.9⁸⁰ ≈ 2e-4) and says so.

# %%
def chapter5_convnet():
    from pynet.layers import Conv2D, Dense, Flatten, MaxPooling2D
    from pynet.models import Sequential
    return Sequential([
        Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)), MaxPooling2D(2),
        Conv2D(64, 3, activation="relu"), MaxPooling2D(2),
        Conv2D(64, 3, activation="relu"), Flatten(),
        Dense(64, activation="relu"), Dense(10, activation="softmax")])


def separable_bn_convnet(momentum=0.99):
    """The same stages with SeparableConv2D (after a first ordinary Conv2D, as §7.3 suggests for
    single-channel input) and BatchNormalization after each convolution (§7.3.1).

    ``momentum`` is Keras's 0.99 by default: after n updates the moving averages still hold
    0.99ⁿ of their starting values (0.45 after 80 updates), so a short run evaluates with
    statistics far from the data's. The quick run uses 0.9 (0.9⁸⁰ ≈ 2e-4) and says so."""
    from pynet.layers import (Activation, BatchNormalization, Conv2D, Dense, Flatten,
                              MaxPooling2D, SeparableConv2D)
    from pynet.models import Input, Model
    inputs = Input(shape=(28, 28, 1))
    x = Conv2D(32, 3)(inputs)
    x = Activation("relu")(BatchNormalization(momentum=momentum)(x))
    x = MaxPooling2D(2)(x)
    x = SeparableConv2D(64, 3)(x)
    x = Activation("relu")(BatchNormalization(momentum=momentum)(x))
    x = MaxPooling2D(2)(x)
    x = SeparableConv2D(64, 3)(x)
    x = Activation("relu")(BatchNormalization(momentum=momentum)(x))
    x = Flatten()(x)
    x = Dense(64, activation="relu")(x)
    return Model(inputs, Dense(10, activation="softmax")(x))


# %% [markdown]
# ## A custom callback
#
# §7.2.1's `ActivationLogger`: after each epoch, every layer's activations on one validation sample,
# saved as NPZ. It is written with the functional API (`Model(model.input, [l.output ...])`). Keras
# 2 handed callbacks `self.validation_data`; Keras 3 and pynet do not, so the sample is given to the
# constructor.

# %%
def make_logger(folder, x_val):
    from pynet.callbacks import Callback
    from pynet.models import Model
    from pynet.persistence import save_npz

    class ActivationLoggerCallback(Callback):
        """§7.2.1's custom callback: after each epoch, every layer's activations on one
        validation sample, saved as NPZ. Keras 2 handed callbacks ``self.validation_data``;
        Keras 3 and pynet do not, so the sample is given to the constructor."""

        def __init__(self, sample):
            super().__init__()
            self.sample = sample
            self.files = []

        def set_model(self, model):
            self.model = model
            layer_outputs = [layer.output for layer in model.layers[1:]]
            self.activations_model = Model(model.input, layer_outputs)

        def on_epoch_end(self, epoch, logs=None):
            activations = self.activations_model.predict(self.sample)
            path = os.path.join(folder, f"activations_at_epoch_{epoch}.npz")
            save_npz(path, {f"layer_{i}": a for i, a in enumerate(activations)})
            self.files.append(path)

    return ActivationLoggerCallback(x_val[:1])


# %% [markdown]
# ## Run the lesson
#
# `run` trains both networks with the §7.2 callbacks at work:
# `EarlyStopping(monitor='val_acc', patience=1)`, `ModelCheckpoint(save_best_only=True)`,
# `ReduceLROnPlateau` and the activation logger; it prints what each callback did, then the two
# networks side by side.
#
# `--quick` trains on 3,000 images for 2 epochs.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet import callbacks
    from pynet.utils import clear_session, set_seed

    n_train, n_test, epochs = (3000, 1000, 2) if quick else (12000, 10000, 6)
    name, x, y, x_test, y_test = load_data(n_train, n_test)
    n_val = n_train // 6
    x_val, y_val, x_fit, y_fit = x[:n_val], y[:n_val], x[n_val:], y[n_val:]
    report.say(f"  data: {name}, {len(x_fit)} training / {n_val} validation / {n_test} test images")

    results = {}
    momentum = 0.9 if quick else 0.99
    for label, build in (("chapter-5 convnet", chapter5_convnet),
                         ("separable + BatchNormalization",
                          lambda: separable_bn_convnet(momentum))):
        report.section(label)
        clear_session()
        set_seed(SEED)
        model = build()
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["acc"])
        report.say(model.summary(print_fn=lambda s: None))
        folder = tempfile.mkdtemp(prefix="pynet-lesson19-")
        logger = make_logger(folder, x_val)
        stop = callbacks.EarlyStopping(monitor="val_acc", patience=1)
        best = callbacks.ModelCheckpoint(os.path.join(folder, "best"), monitor="val_loss",
                                         save_best_only=True)
        plateau = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10)
        start = time.perf_counter()
        history = model.fit(x_fit, y_fit, epochs=epochs, batch_size=64, verbose=0, seed=SEED,
                            validation_data=(x_val, y_val), callbacks=[stop, best, plateau, logger])
        seconds = time.perf_counter() - start
        ran = len(history.history["loss"])
        loss, acc = model.evaluate(x_test, y_test, verbose=0)
        results[label] = (model.count_params(), seconds / ran, acc)
        if "Batch" in label:
            report.say(f"  BatchNormalization momentum {momentum} (Keras: 0.99; see "
                       "separable_bn_convnet's docstring for why a short run needs less)")
        report.say(f"  {ran} epochs ({seconds / ran:.1f} s each), val_acc by epoch: "
                   + ", ".join(f"{v:.4f}" for v in history.history["val_acc"]))
        report.say(f"  test accuracy {acc:.4f}; activation files written: {len(logger.files)}; "
                   f"best model saved: {os.path.exists(os.path.join(folder, 'best.json'))}")
        report.check(len(logger.files) == ran, f"{label}: ActivationLogger wrote one file per epoch")
        report.check(os.path.exists(os.path.join(folder, "best.json")),
                     f"{label}: ModelCheckpoint(save_best_only=True) kept a model")

    report.section("Side by side")
    (p1, t1, a1), (p2, t2, a2) = results.values()
    report.compare("parameters: chapter-5 vs separable+BN", book=p1, ours=p2, agree=p2 < p1,
                   note="'book' = the chapter-5 convnet; separable convolutions are lighter")
    report.compare("test accuracy: chapter-5 vs separable+BN", book=round(a1, 4), ours=round(a2, 4),
                   agree=a2 >= a1 - (0.06 if quick else 0.03), headline=True, kind="differs",
                   reason="the book prints no number for either model; the 'book' column is "
                          "the chapter-5 convnet on the same data",
                   note="same data and epochs; the book prints no number for either")
    report.say(f"  seconds per epoch: chapter-5 {t1:.2f}, separable+BN {t2:.2f} (this machine, "
               "this run; bench/normalization.py measures the layers against PyTorch)")

    batchnorm_modes(report)

# %% [markdown]
# ## BatchNormalization's two modes
#
# While training, a batch is normalised with its own mean and variance; at inference, with the
# moving averages gathered during training. The same batch gives different outputs in the two modes.

# %%
def batchnorm_modes(report: Report) -> None:
    """§7.3.1: batch statistics in training, moving averages (momentum 0.99) at inference."""
    report.section("BatchNormalization: training vs inference")
    from pynet.layers import BatchNormalization
    bn = BatchNormalization()
    batch = np.random.default_rng(SEED).normal(3.0, 2.0, (256, 4)).astype("float32")
    train_out = bn(batch, training=True)
    infer_out = bn(batch, training=False)
    report.compare("mean of the training-mode output", book=0.0, ours=round(float(train_out.mean()), 4),
                   agree=abs(float(train_out.mean())) < 1e-3, note="normalised by the batch's statistics")
    moved = bn.get_weights()[2]
    report.compare("moving mean after one batch (momentum 0.99)", book=round(0.01 * float(batch.mean(0).mean()), 4),
                   ours=round(float(moved.mean()), 4),
                   agree=np.allclose(moved, 0.01 * batch.mean(0), rtol=1e-4),
                   note="0.99·0 + 0.01·batch mean")
    report.check(float(np.abs(infer_out - batch).max()) < 1.0,
                 "inference mode uses the (still small) moving statistics, not the batch's")


# %%
if __name__ == "__main__":
    main(run, TITLE)
