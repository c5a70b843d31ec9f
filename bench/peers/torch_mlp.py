"""PyTorch peer for bench/mlp.py and tutorial 12: Chollet's ch. 2 MLP in PyTorch on the same
arrays, in its own process (threads pinned by the harness).

Model: Linear(784, 512) → ReLU → Linear(512, 10), cross-entropy on the logits (softmax folded
into the loss, as pynet folds it into the gradient), RMSprop with Keras's constants
(ρ = 0.9 as ``alpha``, ε = 1e-7; PyTorch's own defaults are 0.99 and 1e-8), batch 128, a new
random order each epoch. Initialisation as Keras: Glorot-uniform kernels, zero biases.

Modes (JSON argument ``{"mode": ...}``):
``time``      seconds for one epoch over the training set (warm-up epoch first, ``repeat`` samples)
``accuracy``  train ``epochs`` epochs from each seed in ``seeds``; report test accuracies
Data comes from ``.npz`` files written by the caller (``x_train`` float32 (n, 784), ``y_train``
int64 ids, ``x_test``, ``y_test``).
"""
from __future__ import annotations

import time

import numpy as np


def _model(torch, seed, hidden=512):
    torch.manual_seed(seed)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    for layer in (model[0], model[2]):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    return model


def _epoch(torch, model, opt, x, y, batch_size, gen):
    loss_fn = torch.nn.functional.cross_entropy
    order = torch.randperm(x.shape[0], generator=gen)
    for start in range(0, x.shape[0], batch_size):
        idx = order[start:start + batch_size]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()


def _optimizer(torch, model, lr):
    return torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.9, eps=1e-7)


def run(args):
    try:
        import torch
    except ImportError:
        return {"unavailable": "torch is not installed"}
    data = np.load(args["data"], allow_pickle=False)
    x = torch.from_numpy(np.ascontiguousarray(data["x_train"], dtype=np.float32))
    y = torch.from_numpy(data["y_train"].astype(np.int64))
    batch_size = int(args.get("batch_size", 128))
    lr = float(args.get("learning_rate", 1e-3))
    mode = args.get("mode", "time")
    result = {"torch_version": torch.__version__, "threads": torch.get_num_threads()}
    if mode == "time":
        model = _model(torch, 0)
        opt = _optimizer(torch, model, lr)
        gen = torch.Generator().manual_seed(0)
        _epoch(torch, model, opt, x, y, batch_size, gen)  # warm-up
        samples = []
        for _ in range(int(args.get("repeat", 3))):
            start = time.perf_counter()
            _epoch(torch, model, opt, x, y, batch_size, gen)
            samples.append(time.perf_counter() - start)
        result["timing"] = {"samples": samples}
        return result
    xt = torch.from_numpy(np.ascontiguousarray(data["x_test"], dtype=np.float32))
    yt = data["y_test"].astype(np.int64)
    accs = []
    for seed in args["seeds"]:
        model = _model(torch, seed)
        opt = _optimizer(torch, model, lr)
        gen = torch.Generator().manual_seed(seed)
        for _ in range(int(args.get("epochs", 5))):
            _epoch(torch, model, opt, x, y, batch_size, gen)
        with torch.no_grad():
            pred = model(xt).argmax(dim=1).numpy()
        accs.append(float((pred == yt).mean()))
    result["accuracies"] = accs
    return result


if __name__ == "__main__":
    from bench.harness import peer_main
    peer_main(run)
