"""bench/recurrent.py's airline rows (issue 10's (c)): lesson 18's fit(batch_size=1) epoch is
timed per sample, over the lesson's 94 windows, for pynet and for the PyTorch loop."""
from __future__ import annotations

import numpy as np

from bench import recurrent
from bench.peers import torch_recurrent


def test_the_airline_epoch_has_the_lessons_shape():
    x, y = recurrent.airline_data()
    assert recurrent.AIRLINE_SAMPLES == 94
    assert x.shape == (94, 1, 1) and y.shape == (94, 1)
    assert x.dtype == y.dtype == np.float32 and 0 <= x.min() and x.max() < 1


def test_pynet_fit_is_timed_per_sample():
    timing = recurrent.pynet_airline_fit(2)
    assert len(timing.samples) == 2
    # one epoch is 94 steps: per sample, well under the epoch and far above zero
    assert all(1e-6 < s < 0.1 for s in timing.samples)


def test_the_torch_peer_times_the_same_epoch(require):
    torch = require("torch")
    timing = torch_recurrent._torch_airline_fit(torch, {"repeat": 1})
    assert len(timing["samples"]) == 1 and 1e-6 < timing["samples"][0] < 0.1
