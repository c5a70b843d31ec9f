"""PyTorch peer for ``bench/nielsen.py``: Nielsen's mini-batch SGD step in PyTorch, same math.

The network, its initial weights and the visiting order come from pynet itself
(``Network(sizes, seed=seed)`` and its generator's first permutation), so that both sides train
the same numbers; the data are the embedded MNIST-10k read through pynet's loader.

Variants (``args["variant"]``):

``"ops"``
    the same operations as pynet's matrix path, written with tensor ops under ``no_grad``:
    per layer ``z = W @ a + b``, ``σ``; δ^L = a − y (cross-entropy); BP2 ``(Wᵀ δ) ⊙ a(1 − a)``;
    ``W ← (1 − ηλ/n) W − (η/m) δ aᵀ`` (``addmm_`` with alpha/beta, like the fused gemm).
``"autograd"``
    the idiomatic way: ``nn.Linear`` layers, ``binary_cross_entropy_with_logits`` summed over the
    outputs and averaged over the batch, ``loss.backward()``, ``torch.optim.SGD(lr=η,
    weight_decay=λ/n)`` — the same update, computed by autograd.

``args["dtype"]`` is ``"float64"`` (pynet's dtype, the like-for-like peer) or ``"float32"``.
Returns the seconds of ``repeat`` epochs (after one warm-up epoch), plus Σw² and the test
accuracy after one clean epoch from the shared start, so the bench can confirm the same math.
"""
from __future__ import annotations

import time

import numpy as np


def _setup(args):
    from pynet.backprop.feedforward_network import Network
    from pynet.datasets import mnist

    net = Network(args["sizes"], seed=args["seed"])
    order = net.rng.permutation(args["n"])
    (x_train, y_train), (x_test, y_test) = mnist.load()
    x = x_train[:args["n"]].reshape(args["n"], -1).astype(np.float64) / 255.0
    t = np.eye(10)[y_train[:args["n"]]]
    xt = x_test.reshape(len(x_test), -1).astype(np.float64) / 255.0
    return net, order, x, t, xt, y_test.astype(np.int64)


def run(args):
    try:
        import torch
    except ImportError:
        return {"unavailable": "torch is not installed"}
    torch.set_num_threads(int(args.get("threads", 1)))
    dtype = {"float64": torch.float64, "float32": torch.float32}[args.get("dtype", "float64")]
    net, order_np, x_np, t_np, xt_np, yt = _setup(args)
    eta, lmbda, mbs = float(args["eta"]), float(args["lmbda"]), int(args["mini_batch_size"])
    n = x_np.shape[0]
    x = torch.from_numpy(x_np).to(dtype)
    t = torch.from_numpy(t_np).to(dtype)
    xt = torch.from_numpy(xt_np).to(dtype)
    order = torch.from_numpy(order_np)
    decay = 1.0 - eta * lmbda / n

    def fresh():
        ws = [torch.from_numpy(w.copy()).to(dtype) for w in net.weights]
        bs = [torch.from_numpy(b.copy()).to(dtype) for b in net.biases]
        return ws, bs

    if args["variant"] == "ops":
        def epoch(ws, bs):
            with torch.no_grad():
                for k in range(0, n, mbs):
                    idx = order[k:k + mbs]
                    m = idx.shape[0]
                    acts = [x[idx].T]                       # columns are examples
                    for w, b in zip(ws, bs):
                        acts.append(torch.sigmoid(torch.addmm(b, w, acts[-1])))
                    delta = acts[-1] - t[idx].T             # BP1, cross-entropy
                    for l in range(len(ws) - 1, -1, -1):
                        a_in = acts[l]
                        new_delta = (ws[l].T @ delta) * (a_in * (1 - a_in)) if l > 0 else None
                        bs[l].sub_(delta.sum(dim=1, keepdim=True), alpha=eta / m)
                        ws[l].addmm_(delta, a_in.T, beta=decay, alpha=-eta / m)
                        delta = new_delta

        def forward(ws, bs, a):
            with torch.no_grad():
                for w, b in zip(ws, bs):
                    a = torch.sigmoid(torch.addmm(b, w, a))
            return a

        state = fresh
    else:
        nn = torch.nn

        def build():
            ws, bs = fresh()
            layers = []
            for w, b in zip(ws, bs):
                lin = nn.Linear(w.shape[1], w.shape[0], dtype=dtype)
                with torch.no_grad():
                    lin.weight.copy_(w)
                    lin.bias.copy_(b.reshape(-1))
                layers.append(lin)
            model = nn.Sequential(*[m for lin in layers for m in (lin, nn.Sigmoid())][:-1])
            # decay only the weights, as Eq. 54 does
            opt = torch.optim.SGD([
                {"params": [l.weight for l in layers], "weight_decay": lmbda / n},
                {"params": [l.bias for l in layers], "weight_decay": 0.0}], lr=eta)
            return model, opt, layers

        loss_fn = torch.nn.functional.binary_cross_entropy_with_logits

        def epoch(model, opt):
            for k in range(0, n, mbs):
                idx = order[k:k + mbs]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x[idx]), t[idx], reduction="sum") / idx.shape[0]
                loss.backward()
                opt.step()

        def forward(model, _unused, a):
            with torch.no_grad():
                return torch.sigmoid(model(a.T)).T

        state = build

    # One clean epoch from the shared start: the numbers to compare with pynet's.
    s = state()
    epoch(*s[:2])
    if args["variant"] == "ops":
        ws, bs = s
        sq = float(sum((w.double() ** 2).sum() for w in ws))
    else:
        sq = float(sum((lin.weight.double() ** 2).sum() for lin in s[2]))
    out = forward(*s[:2], xt.T)
    accuracy = float((out.argmax(dim=0).numpy() == yt).mean())

    # Timing: a warm-up epoch, then `repeat` epochs (the weights keep training; only time counts).
    s = state()
    epoch(*s[:2])
    samples = []
    for _ in range(int(args.get("repeat", 5))):
        start = time.perf_counter()
        epoch(*s[:2])
        samples.append(time.perf_counter() - start)
    return {"timing": {"samples": samples}, "sum_w2": sq, "accuracy": accuracy,
            "torch_version": torch.__version__, "threads": torch.get_num_threads()}


if __name__ == "__main__":
    from bench.harness import peer_main
    peer_main(run)
