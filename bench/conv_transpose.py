"""Bench: Conv2DTranspose kernels, forward + backward, against PyTorch's ``conv_transpose2d``.

Run from the checkout::

    python -m bench.conv_transpose            # ~1 min
    python -m bench.conv_transpose --quick    # smoke run: small shapes, few repeats
    python -m bench.conv_transpose --defaults # as users run it: nothing pinned (see below)

What is measured (float32, BLAS/OpenMP threads pinned to ``--threads``, default 1; PyTorch in its
own process, same thread count): ``conv2d_transpose_forward`` (with bias) then
``conv2d_transpose_backward`` (dL/dx, dL/dkernel, dL/dbias), ``padding='same'``, compiled and
reference backends, against ``F.conv_transpose2d`` + ``backward()`` with the same output size.
Shapes: the upsampling steps of a GAN generator / VAE decoder (Chollet §8.4–8.5). GFLOP/s counts
the multiply-adds ``2·N·H·W·k²·C·F`` three times (forward, dL/dx, dL/dkernel). Issue 13's goal:
≤ 1.0× PyTorch's time. The ratio column is PyTorch's median time / ours (> 1: pynet is faster).
Results: ``bench/results/conv_transpose.md``. ``--defaults`` pins nothing: pynet's side calls
``pynet.kernels`` as the layer does (default backend, the thread policy choosing threads), PyTorch
runs with its own default threads; each run of the command is a fresh process for both sides
(``bench/results/conv_transpose_defaults.md``).
"""
from __future__ import annotations

from bench.harness import parse_args as harness_parse_args, results_dir

import argparse
import sys

import numpy as np

from bench.harness import (Bench, BenchUsageError, Timing, check_threads, load_average,
                           pin_threads, run_peer, time_call)

CASES = [(32, 7, 64, 32, 3, 2), (16, 16, 128, 64, 4, 2), (8, 16, 256, 256, 4, 2)]
QUICK_CASES = [(4, 7, 16, 8, 3, 2)]
TORCH = "PyTorch"


def _time(case, backend, repeat, min_s):
    """``backend`` "cython"/"python": that backend's kernels called directly (threads=1);
    "default": ``pynet.kernels`` as the layers call it, the thread policy choosing threads."""
    n, h, c, f, k, s = case
    if backend == "default":
        import pynet.kernels as kern
    else:
        from pynet.kernels import load_backend
        kern = load_backend(backend, ["conv_transpose"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, h, h, c)).astype(np.float32)
    w = rng.normal(size=(k, k, f, c)).astype(np.float32)
    b = np.zeros(f, dtype=np.float32)
    g = rng.normal(size=(n, h * s, h * s, f)).astype(np.float32)

    def step():
        kern.conv2d_transpose_forward(x, w, b, strides=s, padding="same")
        kern.conv2d_transpose_backward(x, w, g, strides=s, padding="same")

    return time_call(step, repeat=repeat, warmup=2, min_seconds=min_s)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--defaults", action="store_true",
                        help="nothing pinned: pynet through pynet.kernels (its thread policy), "
                             "PyTorch with its own default threads, each run a fresh process")
    args = harness_parse_args(parser, argv)
    if args.defaults and args.threads is not None:
        raise BenchUsageError(f"--defaults pins nothing; it cannot be combined with --threads "
                              f"{args.threads}")
    threads = 0 if args.defaults else check_threads(1 if args.threads is None else args.threads)
    if threads:
        pin_threads(threads)
    cases = QUICK_CASES if args.quick else CASES
    repeat, min_s = (3, 0.02) if args.quick else (7, 0.1)
    command = "python -m bench.conv_transpose" + (" --quick" if args.quick else "") + \
        (" --defaults" if args.defaults else "") + \
        (f" --threads {threads}" if threads not in (0, 1) else "")
    load_before = load_average()
    peer = run_peer("bench.peers.torch_conv_transpose",
                    {"cases": [list(c) for c in cases], "repeat": repeat, "min_seconds": min_s},
                    threads=threads)
    tables = []
    for case in cases:
        n, h, c, f, k, s = case
        t = Bench("conv_transpose", f"Conv2DTranspose({f}, {k}, strides={s}, padding='same') "
                  f"forward+backward, float32, input ({n}, {h}, {h}, {c})",
                  threads=threads, command=command)
        work = 3 * 2.0 * n * h * h * k * k * c * f
        for backend in (("default",) if args.defaults else ("cython", "python")):
            label = {"cython": "compiled", "python": "reference (NumPy)",
                     "default": "(pynet.kernels, default backend and threads)"}[backend]
            t.add(f"pynet {label}", _time(case, backend, repeat, min_s), work=work,
                  work_unit="GFLOP/s")
        if "unavailable" in peer:
            t.add(TORCH, None, note=peer["unavailable"])
        else:
            t.add(f"{TORCH} {peer['torch']} F.conv_transpose2d",
                  Timing.from_json(peer["cases"][",".join(map(str, case))]), work=work,
                  work_unit="GFLOP/s")
            t.set_baseline(t.rows[-1].label)
        tables.append(t)
    text = ["## Conv2DTranspose vs PyTorch", "",
            f"Command: `{command}`. Load average {load_before} before, {load_average()} after; "
            "both sides of every ratio were measured in the same run, under the same load.", ""]
    text += [t.markdown() for t in tables]
    results_dir().mkdir(exist_ok=True)
    name = "conv_transpose" + ("_defaults" if args.defaults else "") + \
        ("_quick" if args.quick else "")
    path = results_dir() / f"{name}.md"
    path.write_text("\n".join(text))
    print("\n".join(text))
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
