"""PyTorch peer for bench/autodiff.py, in its own process (threads pinned by the harness).

Modes (JSON argument ``{"mode": ...}``):
``epoch``  seconds for one epoch of the lecture notes' three-layer net (784-300-10, ReLU, softmax,
           clipped binary-style cross-entropy, SGD η = 0.5, batch 100) on ``data`` (.npz with
           ``x_train`` float32 (n, 784) and ``y_train`` one-hot float32), autograd doing the
           gradients; a warm-up epoch, then ``repeat`` samples
``ops``    microseconds per eager call of each small operation of ``bench.autodiff.OPS`` on
           ``size``×``size`` float32 tensors
"""
from __future__ import annotations

import time

import numpy as np

from bench.harness import peer_main, seconds_per_call


def _net(torch, seed):
    g = torch.Generator().manual_seed(seed)
    shapes = [((784, 300), 0.03), ((300,), 1.0), ((300, 10), 0.03), ((10,), 1.0)]
    return [(torch.randn(s, generator=g) * std).requires_grad_() for s, std in shapes]


def _epoch(torch, params, opt, x, y, batch, gen):
    W1, b1, W2, b2 = params
    order = torch.randperm(x.shape[0], generator=gen)
    for start in range(0, x.shape[0] - batch + 1, batch):
        idx = order[start:start + batch]
        xb, yb = x[idx], y[idx]
        p = torch.softmax(torch.relu(xb @ W1 + b1) @ W2 + b2, dim=1).clamp(1e-10, 0.9999999)
        loss = -torch.mean(torch.sum(yb * torch.log(p) + (1 - yb) * torch.log(1 - p), dim=1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def _ops(torch, size, min_seconds):
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand((size, size), generator=g), torch.rand((size, size), generator=g)
    bias = torch.rand((size,), generator=g)
    w = torch.rand((size, size), generator=g, requires_grad=True)

    def fwd_bwd():
        torch.tanh(a @ w + bias).sum().backward()
        w.grad = None
    calls = {"add": lambda: a + b, "multiply": lambda: a * b, "matmul": lambda: a @ b,
             "relu": lambda: torch.relu(a), "exp": lambda: torch.exp(a),
             "reduce_sum": lambda: torch.sum(a), "softmax": lambda: torch.softmax(a, dim=1),
             "tanh(x @ w + b).sum() forward + backward": fwd_bwd}
    out = {}
    for name, fn in calls.items():
        for _ in range(50):
            fn()
        out[name] = sorted(seconds_per_call(fn, min_seconds) for _ in range(5))[2] * 1e6
    return out


def run(args):
    try:
        import torch
    except ImportError:
        return {"unavailable": "torch is not installed"}
    result = {"torch_version": torch.__version__, "threads": torch.get_num_threads()}
    if args.get("mode") == "ops":
        result["microseconds"] = _ops(torch, int(args.get("size", 8)), float(args.get("min_seconds", 0.05)))
        return result
    data = np.load(args["data"], allow_pickle=False)
    x = torch.from_numpy(np.ascontiguousarray(data["x_train"], dtype=np.float32))
    y = torch.from_numpy(np.ascontiguousarray(data["y_train"], dtype=np.float32))
    params = _net(torch, 0)
    opt = torch.optim.SGD(params, lr=0.5)
    gen = torch.Generator().manual_seed(0)
    _epoch(torch, params, opt, x, y, 100, gen)             # warm-up
    samples, cpu = [], []
    for _ in range(int(args.get("repeat", 1))):
        start, used = time.perf_counter(), time.process_time()
        _epoch(torch, params, opt, x, y, 100, gen)
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    result["timing"] = {"samples": samples}
    result["cpu"] = cpu
    return result


if __name__ == "__main__":
    peer_main(run)
