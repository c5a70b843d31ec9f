"""Callbacks: hook order, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau,
LearningRateScheduler, CSVLogger, and the progress lines."""
from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from pynet import callbacks as cb
from pynet import optimizers
from pynet.layers import Dense
from pynet.sequential import Sequential, load_model
from pynet.utils import set_seed


@pytest.fixture
def data(rng):
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    return x, y


def model_for(lr=0.05):
    set_seed(0)
    m = Sequential([Dense(4, activation="tanh", input_shape=(3,)), Dense(1, activation="sigmoid")])
    m.compile(optimizer=optimizers.SGD(lr), loss="binary_crossentropy", metrics=["accuracy"])
    return m


class Recorder(cb.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None): self.calls.append("train_begin")
    def on_epoch_begin(self, epoch, logs=None): self.calls.append(f"epoch_begin {epoch}")
    def on_batch_begin(self, batch, logs=None): self.calls.append(f"batch_begin {batch}")
    def on_batch_end(self, batch, logs=None): self.calls.append(f"batch_end {batch}")

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(f"epoch_end {epoch} " + ",".join(sorted(logs)))

    def on_train_end(self, logs=None): self.calls.append("train_end")


def test_hook_order_and_logs(data):
    x, y = data
    rec = Recorder()
    model_for().fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[rec],
                    validation_data=(x, y))
    assert rec.calls == [
        "train_begin",
        "epoch_begin 0", "batch_begin 0", "batch_end 0", "batch_begin 1", "batch_end 1",
        "epoch_end 0 accuracy,loss,val_accuracy,val_loss",
        "epoch_begin 1", "batch_begin 0", "batch_end 0", "batch_begin 1", "batch_end 1",
        "epoch_end 1 accuracy,loss,val_accuracy,val_loss",
        "train_end"]
    assert rec.params["steps"] == 2 and rec.params["epochs"] == 2


def test_early_stopping_restores_best(data):
    x, y = data
    model = model_for()

    class Scripted(cb.Callback):  # a validation loss that improves twice, then worsens
        values = [3.0, 2.0, 1.0, 1.5, 1.7, 1.9, 2.0, 2.5]

        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = self.values[epoch]
            if epoch == 2:
                self.best_weights = self.model.get_weights()

    script = Scripted()
    stop = cb.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    h = model.fit(x, y, epochs=8, verbose=0, callbacks=[script, stop])
    assert len(h.history["loss"]) == 5  # epochs 0..4: no improvement at 3 and 4 > patience 2
    assert stop.stopped_epoch == 4 and stop.best == 1.0
    for a, b in zip(script.best_weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_unknown_monitor(data):
    x, y = data
    with pytest.raises(KeyError, match="val_loss.*validation_data"):
        model_for().fit(x, y, epochs=1, verbose=0, callbacks=[cb.EarlyStopping()])


def test_model_checkpoint_best_only(tmp_path, data):
    x, y = data
    model = model_for(lr=0.5)
    path = str(tmp_path / "ckpt-{epoch:02d}")
    ck = cb.ModelCheckpoint(path, monitor="loss", save_best_only=True)
    h = model.fit(x, y, epochs=4, verbose=0, callbacks=[ck])
    losses = h.history["loss"]
    improved = [i for i in range(4) if losses[i] == min(losses[: i + 1])]
    assert ck.saved == [path.format(epoch=i + 1) for i in improved]
    last = load_model(ck.saved[-1])
    assert last.count_params() == model.count_params()


def test_reduce_lr_on_plateau(data):
    x, y = data
    model = model_for(lr=0.1)

    class Flat(cb.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = 1.0

    r = cb.ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.02)
    model.fit(x, y, epochs=7, verbose=0, callbacks=[Flat(), r])
    # epoch 0 sets best; stalls at 1,2 -> 0.05; 3,4 -> 0.025; 5,6 -> max(0.0125, 0.02)
    assert model.optimizer.learning_rate == pytest.approx(0.02)


def test_learning_rate_scheduler(data):
    x, y = data
    model = model_for()
    seen = []

    class Spy(cb.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(self.model.optimizer.learning_rate)

    model.fit(x, y, epochs=3, verbose=0,
              callbacks=[cb.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1)), Spy()])
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3])
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[cb.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    assert model.optimizer.learning_rate == pytest.approx(0.1 / 3 / 4)


def test_csv_logger(tmp_path, data):
    x, y = data
    path = tmp_path / "log.csv"
    h = model_for().fit(x, y, epochs=3, verbose=0, callbacks=[cb.CSVLogger(path)])
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert [float(r["loss"]) for r in rows] == pytest.approx(h.history["loss"])
    model_for().fit(x, y, epochs=1, verbose=0, callbacks=[cb.CSVLogger(path, append=True)])
    assert len(list(csv.DictReader(open(path)))) == 4


def test_csv_logger_file_is_whole_after_every_epoch(data, tmp_path):
    """Each epoch replaces the file atomically: a reader between epochs sees complete rows only,
    and no temporary file is left behind."""
    x, y = data
    path = tmp_path / "log.csv"
    seen = []

    class Reader(cb.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(path.read_text())

    model_for().fit(x, y, epochs=3, verbose=0, callbacks=[cb.CSVLogger(path), Reader()])
    assert [text.count("\n") for text in seen] == [2, 3, 4]       # header + one row per epoch
    assert all(text.endswith("\n") for text in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]


@pytest.mark.parametrize("verbose", [1, 2])
def test_progress_lines(data, verbose):
    x, y = data
    out = io.StringIO()
    model = model_for()
    h = cb.History()
    logger = cb.ProgbarLogger(verbose, stream=out)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[logger, h],
              validation_data=(x, y))
    text = out.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text
    last = text.strip().split("\n")[-1].split("\r")[-1]
    assert last.startswith("4/4 ")
    assert "loss: " in last and "accuracy: " in last and "val_loss: " in last
    if verbose == 1:
        assert "[==============================]" in last and "/step" in last
    else:
        assert "[" not in last
