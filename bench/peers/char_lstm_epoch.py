"""One side of ``bench/char_lstm.py``, in its own fresh process: training passes of Chollet's
character model (§8.1) over a fixed set of batches.

JSON argument: ``{"side": "pynet"|"torch"|"keras", "batches": n, "batch_size": 128,
"maxlen": 60, "units": 128, "repeat": r, "warmup_batches": w}``. The process builds the one-hot
data itself from the embedded Jargon File excerpt (``jargon.prepare``, 69 characters, the first
``batches · batch_size`` windows of ``maxlen`` every 3 characters), so every side trains on the
same arrays. It trains ``warmup_batches`` untimed, then times ``repeat`` passes over the
``batches`` batches (no shuffling) and prints ``{"samples": [wall seconds per pass, ...],
"cpu_samples": [CPU seconds of this process per pass, ...], ...}``. With one BLAS/OpenMP
thread, CPU seconds are the work done, whatever else the machine runs at the same time.

The model on every side: LSTM(units) → Dense(chars, softmax), categorical cross-entropy,
RMSprop(lr=0.01, rho=0.9, eps=1e-7), float32. PyTorch uses ``nn.LSTM`` + ``nn.Linear`` and
``F.cross_entropy`` on the logits (softmax folded into the loss, as a PyTorch user writes it).
"""
from __future__ import annotations

import os
import time

import numpy as np

LR = 0.01


def data(n, maxlen):
    from pynet import text_generation as tg
    from pynet.datasets import jargon

    corpus = jargon.prepare(jargon.load_text(jargon.EMBEDDED_FILE))
    chars, index = tg.char_vocabulary(corpus)
    sentences, next_chars = tg.cut_sequences(corpus[:n * 3 + maxlen + 3], maxlen, 3)
    x, y = tg.vectorize(sentences[:n], next_chars[:n], index)
    return x.astype(np.float32), y.astype(np.float32)


def _passes(train_pass, warm_pass, repeat):
    """``{"samples": wall seconds, "cpu_samples": process CPU seconds}`` of ``repeat`` passes."""
    warm_pass()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        train_pass()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"samples": wall, "cpu_samples": cpu}


def pynet_side(x, y, args):
    from pynet import kernels
    from pynet.layers import LSTM, Dense
    from pynet.optimizers import RMSprop
    from pynet.sequential import Sequential
    from pynet.utils import set_seed

    set_seed(0)
    model = Sequential([LSTM(args["units"], input_shape=x.shape[1:]),
                        Dense(x.shape[2], activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(learning_rate=LR))
    b, w = args["batch_size"], args["warmup_batches"]
    samples = _passes(
        lambda: model.fit(x, y, batch_size=b, epochs=1, verbose=0, shuffle=False),
        lambda: model.fit(x[:w * b], y[:w * b], batch_size=b, epochs=1, verbose=0, shuffle=False),
        args["repeat"])
    return {**samples, "version": f"pynet ({kernels.BACKEND})"}


def torch_side(x, y, args):
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(x.shape[2], args["units"], batch_first=True)
    head = torch.nn.Linear(args["units"], x.shape[2])
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.RMSprop(params, lr=LR, alpha=0.9, eps=1e-7)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y.argmax(axis=1).astype(np.int64))
    b = args["batch_size"]

    def train(n):
        for s in range(0, n, b):
            opt.zero_grad(set_to_none=True)
            logits = head(lstm(xs[s:s + b])[0][:, -1])
            torch.nn.functional.cross_entropy(logits, ys[s:s + b]).backward()
            opt.step()
    samples = _passes(lambda: train(len(x)), lambda: train(args["warmup_batches"] * b),
                      args["repeat"])
    return {**samples, "version": f"torch {torch.__version__}",
            "threads": torch.get_num_threads()}


def keras_side(x, y, args):
    os.environ["KERAS_BACKEND"] = "torch"
    import keras
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.LSTM(args["units"]),
                              keras.layers.Dense(x.shape[2], activation="softmax")])
    model.compile(loss="categorical_crossentropy",
                  optimizer=keras.optimizers.RMSprop(learning_rate=LR))
    b, w = args["batch_size"], args["warmup_batches"]
    samples = _passes(
        lambda: model.fit(x, y, batch_size=b, epochs=1, verbose=0, shuffle=False),
        lambda: model.fit(x[:w * b], y[:w * b], batch_size=b, epochs=1, verbose=0, shuffle=False),
        args["repeat"])
    return {**samples,
            "version": f"keras {keras.__version__} (torch {torch.__version__})"}


def run(args):
    side = args["side"]
    try:
        if side == "torch":
            import torch  # noqa: F401
        elif side == "keras":
            os.environ["KERAS_BACKEND"] = "torch"
            import keras  # noqa: F401
    except ImportError as exc:
        return {"unavailable": f"{side} cannot be imported ({exc})"}
    x, y = data(args["batches"] * args["batch_size"], args["maxlen"])
    result = {"pynet": pynet_side, "torch": torch_side, "keras": keras_side}[side](x, y, args)
    result["shape"] = list(x.shape)
    return result


if __name__ == "__main__":
    from bench.harness import peer_main
    peer_main(run)
