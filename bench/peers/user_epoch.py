"""One side of ``bench/defaults.py``: one training epoch, timed the way a user runs it, in a fresh
process with the environment it was given (by default: nothing pinned).

JSON argument: ``{"workload": "rashid"|"nielsen"|"mlp"|"convnet", "side": ..., "n": images,
"data": path to an .npz written by the caller}``. The process loads its library, trains a short
warm-up (so that both sides are warm: imports done, buffers allocated, BLAS/OpenMP pools started),
then times one epoch over ``n`` samples and prints ``{"seconds": ..., ...}``.

Sides:

* rashid: ``pynet`` (``ThreeLayerNetwork.train_epoch``, compiled) and ``book`` (the book's NumPy
  class, ``train`` per record);
* nielsen: ``pynet`` (``Network.SGD``, matrix mini-batch 10, compiled) and ``loop`` (the
  per-example loop, NumPy);
* mlp and convnet: ``pynet``, ``torch`` (PyTorch) and ``keras`` (Keras 3 with
  ``KERAS_BACKEND=torch``), Chollet's models, float32, RMSprop, batch 128 (MLP) / 64 (convnet).
"""
from __future__ import annotations

import os
import time

import numpy as np

WARMUP = 1024  # samples trained before the timed epoch (MLP/convnet) or records (Rashid)


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- Rashid and Nielsen ---------------------------------------------------------------------------

def rashid(side, data, n):
    from bench.rashid import LR, SEED

    x, t = data["x"][:n], data["t"][:n]
    if side == "pynet":
        from pynet.backprop.three_layer_network import ThreeLayerNetwork

        net = ThreeLayerNetwork(784, 200, 10, LR, seed=SEED, backend="cython")
        net.train_epoch(x[:WARMUP], t[:WARMUP])
        return _timed(lambda: net.train_epoch(x, t))
    from pynet.backprop.three_layer_network import BookNetwork

    book = BookNetwork(784, 200, 10, LR, seed=SEED)

    def epoch(xs, ts):
        for k in range(xs.shape[0]):
            book.train(xs[k], ts[k])
    epoch(x[:WARMUP // 4], t[:WARMUP // 4])
    return _timed(lambda: epoch(x, t))


def nielsen(side, data, n):
    from bench.nielsen import ETA, LMBDA, MBS, SEED
    from pynet.backprop.feedforward_network import Network
    from pynet.backprop.nielsen_data import prepare

    train = prepare(list(zip(data["x"][:n, :, None], data["y"][:n, :, None])), [784, 30, 10],
                    "bench", "train")
    warm = prepare(list(zip(data["x"][:WARMUP // 4, :, None], data["y"][:WARMUP // 4, :, None])),
                   [784, 30, 10], "bench", "warm-up")
    method, backend = ("matrix", "cython") if side == "pynet" else ("loop", "python")
    net = Network([784, 30, 10], seed=SEED, method=method, backend=backend)
    net.SGD(warm, 1, MBS, ETA, lmbda=LMBDA, verbose=False)
    return _timed(lambda: net.SGD(train, 1, MBS, ETA, lmbda=LMBDA, verbose=False))


# -- Chollet's MLP and convnet --------------------------------------------------------------------

def _pynet_model(workload):
    if workload == "mlp":
        from bench.mlp import build
        return build(0)
    from bench.convnet import chollet_model
    return chollet_model(0)


def _keras_model(workload):
    import keras

    keras.utils.set_random_seed(0)
    L = keras.layers
    if workload == "mlp":
        layers = [keras.Input((784,)), L.Dense(512, activation="relu"),
                  L.Dense(10, activation="softmax")]
    else:
        layers = [keras.Input((28, 28, 1)),
                  L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
                  L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2),
                  L.Conv2D(64, 3, activation="relu"), L.Flatten(),
                  L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")]
    model = keras.Sequential(layers)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def _torch_side(workload, x, y, batch):
    import torch

    if workload == "mlp":
        from bench.peers.torch_mlp import _epoch, _model, _optimizer
        model, xs = _model(torch, 0), torch.from_numpy(x.reshape(len(x), -1))
        opt = _optimizer(torch, model, 1e-3)
    else:
        from bench.peers.torch_convnet import chollet_convnet
        model = chollet_convnet(torch)
        xs = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)

        def _epoch(torch, model, opt, x, y, batch_size, gen):
            order = torch.randperm(x.shape[0], generator=gen)
            for start in range(0, x.shape[0], batch_size):
                idx = order[start:start + batch_size]
                opt.zero_grad(set_to_none=True)
                torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
                opt.step()
    ys = torch.from_numpy(y.astype(np.int64))
    gen = torch.Generator().manual_seed(0)
    _epoch(torch, model, opt, xs[:WARMUP], ys[:WARMUP], batch, gen)
    seconds = _timed(lambda: _epoch(torch, model, opt, xs, ys, batch, gen))
    return seconds, {"version": torch.__version__, "threads": torch.get_num_threads()}


def chollet(workload, side, data, n):
    batch = 128 if workload == "mlp" else 64
    x, y = data["x"][:n], data["y"][:n]
    if workload == "mlp":
        x = x.reshape(len(x), -1)
    if side == "torch":
        return _torch_side(workload, x, y, batch)
    y1h = np.eye(10, dtype=np.float32)[y]
    if side == "pynet":
        model = _pynet_model(workload)
        model.fit(x[:WARMUP], y1h[:WARMUP], batch_size=batch, epochs=1, verbose=0, seed=0)
        seconds = _timed(lambda: model.fit(x, y1h, batch_size=batch, epochs=1, verbose=0,
                                           seed=1))
        from pynet import _blas_spin, kernels
        from pynet.kernels import thread_policy
        shared = thread_policy.openmp_kernels() and _blas_spin.short_enough()
        return seconds, {"backend": kernels.BACKEND,
                         "conv/pool threads": "shared (OpenMP)" if shared else "one"}
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    model = _keras_model(workload)
    model.fit(x[:WARMUP], y1h[:WARMUP], batch_size=batch, epochs=1, verbose=0)
    seconds = _timed(lambda: model.fit(x, y1h, batch_size=batch, epochs=1, verbose=0))
    return seconds, {"version": keras.__version__, "backend": keras.backend.backend()}


def run(args):
    workload, side, n = args["workload"], args["side"], int(args["n"])
    if side == "torch":
        try:
            import torch  # noqa: F401
        except ImportError:
            return {"unavailable": "torch is not installed"}
    if side == "keras":
        os.environ.setdefault("KERAS_BACKEND", "torch")
        try:
            import keras  # noqa: F401
        except ImportError as exc:
            return {"unavailable": f"keras is not installed or cannot load ({exc})"}
    data = np.load(args["data"], allow_pickle=False)
    extra = {}
    if workload == "rashid":
        seconds = rashid(side, data, n)
    elif workload == "nielsen":
        seconds = nielsen(side, data, n)
    else:
        seconds, extra = chollet(workload, side, data, n)
    return {"seconds": seconds, **extra}


if __name__ == "__main__":
    from bench.harness import peer_main
    peer_main(run)
