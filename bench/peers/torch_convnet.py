"""PyTorch peer for ``bench/convnet.py``, in its own process (threads from ``OMP_NUM_THREADS``).

Two jobs, chosen by ``args["job"]``:

``"train"``
    Chollet's MNIST convnet (Listing 5.1–5.3: conv 32-64-64 3×3, 2×2 max-pooling, Dense 64,
    softmax) with Keras's defaults — Glorot-uniform weights, zero biases, RMSprop(lr=0.001,
    rho=0.9, eps=1e-7), categorical cross-entropy — trained on ``args["dataset"]``
    (``"fashion_mnist"`` or ``"mnist"``, read with pynet's loaders so both sides see the same
    bytes), ``n_train`` images, ``epochs`` epochs, batch ``batch_size``, shuffled with ``seed``.
    Returns the seconds of each epoch (``timing``) and the test accuracy after each epoch.
    With ``init_weights`` (an ``.npz`` of pynet's weights) it starts from those weights, and the
    batches follow ``np.random.default_rng(seed).permutation`` each epoch — the order
    bench/convnet.py gives pynet in its same-start comparison.
``"layers"``
    ``torch.nn.functional.conv2d`` forward and forward+backward, and ``max_pool2d``
    forward+backward, for the shapes in ``args["conv"]`` / ``args["pool"]``.
"""
from __future__ import annotations

import os
import time

import numpy as np

from bench.harness import Timing, peer_main, time_call


def _data(name, n_train):
    if name == "fashion_mnist":
        from pynet.datasets import fashion_mnist as ds
    else:
        from pynet.datasets import mnist as ds
    (xtr, ytr), (xte, yte) = ds.load()
    xtr, ytr = xtr[:n_train], ytr[:n_train]
    to = lambda x: (x.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)  # noqa: E731
    return to(xtr), ytr.astype(np.int64), to(xte), yte.astype(np.int64)


def chollet_convnet(torch):
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),
    )
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)     # Keras's glorot_uniform
            nn.init.zeros_(m.bias)
    return model


def load_keras_weights(model, path, torch):
    """Copy pynet's weights (saved by bench/convnet.py as kernel_0, bias_0, ...) into the twin.

    Keras kernels (kh, kw, in, out) become PyTorch's (out, in, kh, kw); pynet flattens the
    3×3×64 map as (h, w, c) and PyTorch as (c, h, w), so the first Dense kernel's rows are
    permuted."""
    w = np.load(path)
    convs = [m for m in model if isinstance(m, torch.nn.Conv2d)]
    denses = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for i, m in enumerate(convs):
            m.weight.copy_(torch.from_numpy(w[f"kernel_{i}"].transpose(3, 2, 0, 1).copy()))
            m.bias.copy_(torch.from_numpy(w[f"bias_{i}"]))
        first = w["kernel_3"].reshape(3, 3, 64, 64).transpose(2, 0, 1, 3).reshape(576, 64)
        denses[0].weight.copy_(torch.from_numpy(first.T.copy()))
        denses[0].bias.copy_(torch.from_numpy(w["bias_3"]))
        denses[1].weight.copy_(torch.from_numpy(w["kernel_4"].T.copy()))
        denses[1].bias.copy_(torch.from_numpy(w["bias_4"]))


def train(args, torch):
    torch.manual_seed(args.get("seed", 0))
    xtr, ytr, xte, yte = _data(args.get("dataset", "fashion_mnist"), args.get("n_train", 60000))
    model = chollet_convnet(torch)
    if args.get("init_weights"):
        load_keras_weights(model, args["init_weights"], torch)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(args.get("seed", 0))
    bs = args.get("batch_size", 64)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    epoch_seconds, accuracies = [], []
    for _ in range(args.get("epochs", 1)):
        order = torch.from_numpy(rng.permutation(len(xtr)))
        start = time.perf_counter()
        model.train()
        for i in range(0, len(xtr), bs):
            idx = order[i:i + bs]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        epoch_seconds.append(time.perf_counter() - start)
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(torch.from_numpy(xte[i:i + 1000])).argmax(1)
                              for i in range(0, len(xte), 1000)])
        accuracies.append(float((pred.numpy() == yte).mean()))
    return {"timing": Timing(epoch_seconds), "accuracy": accuracies}


def layers(args, torch):
    F = torch.nn.functional
    out = {}
    for key, (n, h, c, f, k) in args.get("conv", {}).items():
        x = torch.rand((n, c, h, h), requires_grad=True)
        w = torch.rand((f, c, k, k), requires_grad=True)
        b = torch.rand(f, requires_grad=True)
        with torch.no_grad():
            fwd = time_call(lambda: F.conv2d(x, w, b), repeat=args.get("repeat", 7), warmup=2)

        def fwd_bwd():
            y = F.conv2d(x, w, b)
            y.backward(torch.ones_like(y))
        both = time_call(fwd_bwd, repeat=args.get("repeat", 7), warmup=2)
        out[key] = {"forward": fwd.to_json(), "forward_backward": both.to_json()}
    for key, (n, h, c, p) in args.get("pool", {}).items():
        x = torch.rand((n, c, h, h), requires_grad=True)

        def pool():
            y = F.max_pool2d(x, p)
            y.backward(torch.ones_like(y))
        out[key] = {"forward_backward": time_call(pool, repeat=args.get("repeat", 7),
                                                  warmup=2).to_json()}
    return {"layers": out}


def run(args: dict) -> dict:
    try:
        import torch
    except ImportError as exc:
        return {"unavailable": f"PyTorch not installed ({exc})"}
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    result = train(args, torch) if args.get("job", "train") == "train" else layers(args, torch)
    result.update(torch=torch.__version__, threads=torch.get_num_threads())
    return result


if __name__ == "__main__":
    peer_main(run)
