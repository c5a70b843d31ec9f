"""PyTorch peer for ``bench/conv_transpose.py``, in its own process.

Argument (JSON): ``{"cases": [[n, h, c, filters, k, stride], ...], "repeat": 5,
"min_seconds": 0.05}``. Each case: ``torch.nn.functional.conv_transpose2d`` (float32, NCHW, bias,
the padding/output_padding that give Keras's ``'same'`` size ``h·stride``) then ``backward()`` to
the input, kernel and bias.

Prints ``{"cases": {key: timing}, "torch": version, "threads": n}``.
"""
from __future__ import annotations

import os

from bench.harness import peer_main, time_call


def run(args: dict) -> dict:
    try:
        import torch
    except ImportError as exc:
        return {"unavailable": f"PyTorch not installed ({exc})"}
    if "OMP_NUM_THREADS" in os.environ:             # pinned; otherwise PyTorch's own default
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    gen = torch.Generator().manual_seed(0)
    repeat, min_s = args.get("repeat", 5), args.get("min_seconds", 0.05)
    out = {"cases": {}}
    for case in args.get("cases", []):
        n, h, c, f, k, s = case
        x = torch.randn((n, c, h, h), generator=gen, requires_grad=True)
        w = torch.randn((c, f, k, k), generator=gen, requires_grad=True)
        b = torch.zeros(f, requires_grad=True)
        # output (h-1)·s − 2p + k + op = h·s  with p = ⌈(k − s)/2⌉
        p = max(-(-(k - s) // 2), 0)
        op = h * s - ((h - 1) * s - 2 * p + k)
        g = torch.randn((n, f, h * s, h * s), generator=gen)

        def step():
            y = torch.nn.functional.conv_transpose2d(x, w, b, stride=s, padding=p,
                                                     output_padding=op)
            y.backward(g)

        out["cases"][",".join(map(str, case))] = time_call(step, repeat=repeat, warmup=2,
                                                           min_seconds=min_s).to_json()
    out["torch"] = torch.__version__
    out["threads"] = torch.get_num_threads()
    return out


if __name__ == "__main__":
    peer_main(run)
