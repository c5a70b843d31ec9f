"""PyTorch peer for ``bench/conv1d.py``: ``torch.nn.functional.conv1d`` forward + backward
(input, weight and bias gradients) for each shape in ``args["shapes"]``, in its own process."""
from __future__ import annotations

import numpy as np

from bench.harness import peer_main, time_call


def run(args):
    try:
        import torch
    except ImportError as exc:
        return {"unavailable": str(exc)}
    torch.set_num_threads(int(args.get("threads", 1)))
    F = torch.nn.functional
    out = {"version": torch.__version__, "timings": []}
    rng = np.random.default_rng(0)
    for n, steps, c, k, f, padding in args["shapes"]:
        x = torch.tensor(rng.normal(size=(n, c, steps)).astype(np.float32), requires_grad=True)
        w = torch.tensor(rng.normal(size=(f, c, k)).astype(np.float32), requires_grad=True)
        b = torch.tensor(np.zeros(f, np.float32), requires_grad=True)
        pad = (k - 1, 0) if padding == "causal" else (0, 0)
        grad = torch.tensor(rng.normal(size=(n, f, steps if padding == "causal" else steps - k + 1))
                            .astype(np.float32))

        def step():
            x.grad = w.grad = b.grad = None
            F.conv1d(F.pad(x, pad), w, b).backward(grad)

        out["timings"].append(time_call(step, repeat=int(args["repeat"]), min_seconds=0.05).to_json())
    return out


if __name__ == "__main__":
    peer_main(run)
