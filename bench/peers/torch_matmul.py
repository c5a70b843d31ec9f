"""PyTorch peer for ``bench/kernels.py``: ``torch.mm`` on CPU tensors, in its own process.

Argument (JSON): ``{"cases": [[m, k, n, "float64"], ...], "repeat": 5}``. The thread count comes
from the environment the harness sets (``OMP_NUM_THREADS``); it is also applied with
``torch.set_num_threads`` so that PyTorch's intra-op pool matches the other rows.

Prints ``{"timings": {"m,k,n,dtype": {"samples": [...]}}, "torch": version, "threads": n}``.
"""
from __future__ import annotations

import os

from bench.harness import peer_main, time_call


def run(args: dict) -> dict:
    try:
        import torch
    except ImportError as exc:
        return {"unavailable": f"PyTorch not installed ({exc})"}
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    timings = {}
    for m, k, n, dtype in args["cases"]:
        dt = getattr(torch, dtype)
        a = torch.rand((m, k), generator=gen, dtype=dt)
        b = torch.rand((k, n), generator=gen, dtype=dt)
        out = torch.empty((m, n), dtype=dt)
        with torch.inference_mode():
            t = time_call(lambda: torch.mm(a, b, out=out), repeat=args.get("repeat", 5),
                          warmup=2, min_seconds=args.get("min_seconds", 0.0))
        timings[f"{m},{k},{n},{dtype}"] = t.to_json()
    return {"timings": timings, "torch": torch.__version__, "threads": torch.get_num_threads()}


if __name__ == "__main__":
    peer_main(run)
