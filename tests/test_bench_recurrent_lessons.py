"""bench/recurrent_lessons.py: the 'within seed noise' rule, and the PyTorch twin that starts
from pynet's initial weights computes pynet's outputs."""
from __future__ import annotations

import numpy as np
import pytest

from bench import recurrent_lessons as rl


def test_within_noise_is_two_standard_errors_of_the_difference():
    ours, theirs = [50.0, 52.0, 48.0], [55.0, 57.0, 53.0]        # std 2 each side, n = 3
    diff, two_se, agree = rl.within_noise(ours, theirs)
    assert diff == pytest.approx(-5.0)
    assert two_se == pytest.approx(2 * np.sqrt(4 / 3 + 4 / 3))   # 3.27
    assert not agree                                             # 5 > 3.27: a real difference
    assert rl.within_noise(ours, [51.0, 53.0, 49.0])[2]          # 1 apart: noise


@pytest.mark.parametrize("kind", ["LSTM", "SimpleRNN"])
def test_torch_twin_computes_pynets_outputs(require, kind):
    """Embedding → LSTM/SimpleRNN → Dense with pynet's weights copied: the same probabilities."""
    torch = require("torch")
    from pynet.layers import LSTM, Dense, Embedding, SimpleRNN
    from pynet.sequential import Sequential
    from pynet.utils import set_seed

    set_seed(3)
    net = Sequential([Embedding(50, 6, input_length=9), (LSTM if kind == "LSTM" else SimpleRNN)(5),
                      Dense(1, activation="sigmoid")])
    ids = np.random.default_rng(0).integers(0, 50, size=(4, 9))
    ours = net.predict(ids, verbose=0)
    emb, rnn, head = rl.torch_twin(torch, net)
    with torch.no_grad():
        logits = head(rnn(emb(torch.from_numpy(ids.astype(np.int64))))[0][:, -1])
    np.testing.assert_allclose(torch.sigmoid(logits).numpy(), ours, rtol=1e-5, atol=1e-6)
