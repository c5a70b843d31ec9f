"""The TensorBoard callback writes event files TensorBoard itself can read back."""
from __future__ import annotations

import numpy as np

from pynet.callbacks import TensorBoard
from pynet.layers import Dense
from pynet.models import Input, Model


def test_scalars_per_epoch_and_weight_histograms(tmp_path, require):
    require("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    x = Input(shape=(3,))
    model = Model(x, Dense(1, name="out")(Dense(4, activation="relu", name="hidden")(x)))
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    data, target = rng.standard_normal((32, 3)), rng.standard_normal((32, 1))
    model.fit(data, target, epochs=3, verbose=0, validation_split=0.25,
              callbacks=[TensorBoard(log_dir=tmp_path, histogram_freq=1)])
    train = EventAccumulator(str(tmp_path / "train"), size_guidance={"histograms": 0}).Reload()
    val = EventAccumulator(str(tmp_path / "validation")).Reload()
    assert [e.step for e in train.Scalars("epoch_loss")] == [0, 1, 2]
    assert len(val.Scalars("epoch_loss")) == 3 and "epoch_mae" in val.Tags()["scalars"]
    assert "hidden/kernel" in train.Tags()["histograms"]
