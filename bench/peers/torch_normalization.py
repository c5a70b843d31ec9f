"""PyTorch peer for ``bench/normalization.py``, in its own process.

Argument (JSON): ``{"bn": [[shape..., "float32"], ...], "separable": [[n, h, c, f, k, m], ...],
"repeat": 5, "min_seconds": 0.05}``.

* ``bn``: ``torch.nn.functional.batch_norm(x, running_mean, running_var, weight, bias,
  training=True)`` then ``backward()`` to x, weight and bias. The shape is given channels-last
  like pynet's; PyTorch gets the same data with channels on axis 1 (its layout, contiguous).
* ``separable``: ``conv2d(groups=C)`` (depthwise, no bias) then a 1×1 ``conv2d`` with bias,
  'same' padding, stride 1, then ``backward()`` to the input and both kernels.

Prints ``{"bn": {key: timing}, "separable": {key: timing}, "torch": version, "threads": n}``.
"""
from __future__ import annotations

import os

from bench.harness import peer_main, time_call


def run(args: dict) -> dict:
    try:
        import torch
    except ImportError as exc:
        return {"unavailable": f"PyTorch not installed ({exc})"}
    F = torch.nn.functional
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    repeat, min_s = args.get("repeat", 5), args.get("min_seconds", 0.05)
    out = {"bn": {}, "separable": {}}
    for case in args.get("bn", []):
        *shape, dtype = case
        dt = getattr(torch, dtype)
        c = shape[-1]
        nc_shape = [shape[0], c] + list(shape[1:-1])
        x = torch.randn(nc_shape, generator=gen, dtype=dt, requires_grad=True)
        w = torch.ones(c, dtype=dt, requires_grad=True)
        b = torch.zeros(c, dtype=dt, requires_grad=True)
        rm, rv = torch.zeros(c, dtype=dt), torch.ones(c, dtype=dt)
        g = torch.randn(nc_shape, generator=gen, dtype=dt)

        def step():
            y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.01, eps=1e-3)
            y.backward(g)

        out["bn"][",".join(map(str, case))] = time_call(step, repeat=repeat, warmup=2,
                                                        min_seconds=min_s).to_json()
    for case in args.get("separable", []):
        n, h, c, f, k, m = case
        x = torch.randn((n, c, h, h), generator=gen, requires_grad=True)
        dk = torch.randn((c * m, 1, k, k), generator=gen, requires_grad=True)
        pk = torch.randn((f, c * m, 1, 1), generator=gen, requires_grad=True)
        bias = torch.zeros(f, requires_grad=True)
        g = torch.randn((n, f, h, h), generator=gen)

        def sep():
            z = F.conv2d(x, dk, None, padding=k // 2, groups=c)
            y = F.conv2d(z, pk, bias)
            y.backward(g)

        out["separable"][",".join(map(str, case))] = time_call(sep, repeat=repeat, warmup=2,
                                                               min_seconds=min_s).to_json()
    out.update(torch=torch.__version__, threads=torch.get_num_threads())
    return out


if __name__ == "__main__":
    peer_main(run)
