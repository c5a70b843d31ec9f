"""Bench: BatchNormalization and SeparableConv2D, forward + backward, against PyTorch.

Run from the checkout::

    python -m bench.normalization            # ~3 min
    python -m bench.normalization --quick    # smoke run: small shapes, few repeats

What is measured (float32, BLAS/OpenMP threads pinned to ``--threads``, default 1; PyTorch in
its own process, same thread count):

1. **BatchNormalization, training step**: pynet's layer ``forward(x, training=True)`` (batch
   statistics, moving-average update) + ``backward(g)`` (dL/dx, dγ, dβ), on the compiled and the
   reference backend, against ``torch.nn.functional.batch_norm(training=True)`` + ``backward()``
   (autograd to x, weight, bias). Shapes: a Dense output (256, 512) and the ch. 5 convnet's
   feature maps (64, 26, 26, 32), (64, 11, 11, 64), channels last for pynet, NCHW for PyTorch
   (each in its own native layout). GFLOP/s is nominal: 16 floating-point operations per
   element for forward + backward (mean, variance, normalize; dβ, dγ, dx).
2. **SeparableConv2D 3×3 'same', depth_multiplier 1**: pynet's layer forward + backward
   (depthwise kernel in direct loops, pointwise as a 1×1 convolution = one GEMM) against
   PyTorch's ``conv2d(groups=C)`` + 1×1 ``conv2d`` + ``backward()``. GFLOP/s counts the
   multiply-adds ``2·N·H·W·(9·C + C·F)`` three times (forward, dL/dx, dL/dkernels).

The ratio column is PyTorch's median time / ours (> 1: pynet is faster). Results:
``bench/results/normalization.md``.
"""
from __future__ import annotations

from bench.harness import parse_args as harness_parse_args, results_dir

import argparse
import sys

import numpy as np

from bench.harness import Bench, Timing, pin_threads, run_peer, time_call

BN_SHAPES = [(256, 512), (64, 26, 26, 32), (64, 11, 11, 64)]
SEPARABLE = [(32, 26, 32, 64, 3, 1), (32, 13, 64, 128, 3, 1)]       # n, h, c, filters, k, mult
QUICK_BN = [(64, 128), (8, 13, 13, 32)]
QUICK_SEPARABLE = [(4, 13, 32, 64, 3, 1)]
BN_FLOPS_PER_ELEMENT = 16
TORCH = "PyTorch"


def _bn_rows(shape, backend, repeat, min_s):
    from pynet.layers import BatchNormalization
    from pynet.layers.base import using_backend
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype(np.float32)
    g = rng.normal(size=shape).astype(np.float32)
    with using_backend(backend):
        layer = BatchNormalization()
        layer.build(shape[1:])

        def step():
            layer.forward(x, training=True)
            layer.backward(g)

        return time_call(step, repeat=repeat, warmup=2, min_seconds=min_s)


def _separable_rows(case, backend, repeat, min_s):
    from pynet.layers import SeparableConv2D
    from pynet.layers.base import using_backend
    n, h, c, f, k, m = case
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, h, h, c)).astype(np.float32)
    g = rng.normal(size=(n, h, h, f)).astype(np.float32)
    with using_backend(backend):
        layer = SeparableConv2D(f, k, padding="same", depth_multiplier=m)
        layer.build(x.shape[1:])

        def step():
            layer.forward(x)
            layer.backward(g)

        return time_call(step, repeat=repeat, warmup=2, min_seconds=min_s)


def separable_flops(case):
    n, h, c, f, k, m = case
    return 3 * 2.0 * n * h * h * (k * k * c * m + c * m * f)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    args = harness_parse_args(parser, argv)
    pin_threads(args.threads)
    bn_shapes = QUICK_BN if args.quick else BN_SHAPES
    separable = QUICK_SEPARABLE if args.quick else SEPARABLE
    repeat, min_s = (3, 0.02) if args.quick else (7, 0.1)
    command = "python -m bench.normalization" + (" --quick" if args.quick else "") + \
        (f" --threads {args.threads}" if args.threads != 1 else "")

    peer = run_peer("bench.peers.torch_normalization",
                    {"bn": [list(s) + ["float32"] for s in bn_shapes],
                     "separable": [list(c) for c in separable], "repeat": repeat,
                     "min_seconds": min_s}, threads=args.threads)
    tables = []
    for shape in bn_shapes:
        t = Bench("normalization", f"BatchNormalization forward+backward (training), float32, "
                  f"input {shape}", threads=args.threads, command=command)
        work = BN_FLOPS_PER_ELEMENT * float(np.prod(shape))
        for backend in ("cython", "python"):
            t.add(f"pynet {'compiled' if backend == 'cython' else 'reference (NumPy)'}",
                  _bn_rows(shape, backend, repeat, min_s), work=work, work_unit="GFLOP/s")
        if "unavailable" in peer:
            t.add(TORCH, None, note=peer["unavailable"])
        else:
            key = ",".join(map(str, list(shape) + ["float32"]))
            t.add(f"{TORCH} {peer['torch']} F.batch_norm", Timing.from_json(peer["bn"][key]),
                  work=work, work_unit="GFLOP/s")
            t.set_baseline(t.rows[-1].label)
        tables.append(t)
    for case in separable:
        n, h, c, f, k, m = case
        t = Bench("normalization", f"SeparableConv2D({f}, {k}, padding='same') forward+backward, "
                  f"float32, input ({n}, {h}, {h}, {c})", threads=args.threads, command=command)
        work = separable_flops(case)
        for backend in ("cython", "python"):
            t.add(f"pynet {'compiled' if backend == 'cython' else 'reference (NumPy)'}",
                  _separable_rows(case, backend, repeat, min_s), work=work, work_unit="GFLOP/s")
        if "unavailable" not in peer:
            t.add(f"{TORCH} {peer['torch']} conv2d(groups=C) + 1×1 conv2d",
                  Timing.from_json(peer["separable"][",".join(map(str, case))]), work=work,
                  work_unit="GFLOP/s")
            t.set_baseline(t.rows[-1].label)
        tables.append(t)

    text = ["## BatchNormalization and SeparableConv2D vs PyTorch", "",
            f"Command: `{command}`. The machine was shared with other jobs while this ran; both "
            "sides of every ratio were measured in the same run, under the same load.", ""]
    text += [t.markdown() for t in tables]
    results_dir().mkdir(exist_ok=True)
    path = results_dir() / ("normalization_quick.md" if args.quick else "normalization.md")
    path.write_text("\n".join(text))
    print("\n".join(text))
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
