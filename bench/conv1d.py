"""Conv1D forward + backward at the lesson shapes: pynet compiled and reference vs PyTorch.

Goal (issue 11): compiled Conv1D forward+backward ≤ 1.0× PyTorch's time at the lesson shapes,
one thread each, measured in the same run (PyTorch in its own process).

    python -m bench.conv1d [--quick]
"""
from __future__ import annotations

from bench.harness import parse_args as harness_parse_args, results_dir

import argparse
import os

import numpy as np

from bench.harness import Bench, Timing, pin_threads, run_peer, time_call

#: (batch, steps, channels, kernel, filters, padding)
SHAPES = [
    (128, 500, 128, 7, 32, "valid"),   # Chollet 6.46, first Conv1D (after Embedding(10000, 128))
    (128, 98, 32, 7, 32, "valid"),     # 6.46, second Conv1D
    (128, 240, 14, 5, 32, "valid"),    # 6.47, Jena (240 hourly steps × 14 features)
    (32, 150, 48, 7, 32, "valid"),     # lesson 37 (quick): characters of fortunes
    (128, 240, 2, 5, 32, "causal"),    # lesson 35's series, causal padding
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = harness_parse_args(parser, argv)
    repeat = 3 if args.quick else 7
    pin_threads(1)
    from pynet.kernels import load_backend

    backends = {"pynet compiled": load_backend("cython", ["conv1d"]),
                "pynet reference (NumPy)": load_backend("python", ["conv1d"])}
    load_before = os.getloadavg()[0]
    peer = run_peer("bench.peers.torch_conv1d", {"shapes": SHAPES, "repeat": repeat}, threads=1)
    rng = np.random.default_rng(0)
    out = []
    for i, (n, steps, c, k, f, padding) in enumerate(SHAPES):
        x = rng.normal(size=(n, steps, c)).astype(np.float32)
        w = rng.normal(size=(k, c, f)).astype(np.float32)
        b = np.zeros(f, np.float32)
        out_len = steps if padding == "causal" else steps - k + 1
        g = rng.normal(size=(n, out_len, f)).astype(np.float32)
        title = f"Conv1D forward+backward, {n}×{steps}×{c} → {f} filters, k={k}, {padding}"
        bench = Bench(f"conv1d_{i}", title, threads=1,
                      command="python -m bench.conv1d" + (" --quick" if args.quick else ""))
        for label, kern in backends.items():
            def step(kern=kern):
                kern.conv1d_forward(x, w, b, padding=padding)
                kern.conv1d_backward(x, w, g, padding=padding)
            bench.add(label, time_call(step, repeat=repeat, min_seconds=0.05),
                      work=3 * 2 * n * out_len * k * c * f, work_unit="GFLOP/s")
        if "unavailable" in peer:
            bench.add("PyTorch", None, note=peer["unavailable"])
        else:
            bench.add(f"PyTorch {peer['version']} F.conv1d (own process)",
                      Timing.from_json(peer["timings"][i]),
                      work=3 * 2 * n * out_len * k * c * f, work_unit="GFLOP/s")
            bench.set_baseline(f"PyTorch {peer['version']} F.conv1d (own process)")
        out.append(bench)
    load_after = os.getloadavg()[0]
    lines = ["## Conv1D (issue 11)", "", "Goal: pynet compiled time ≤ 1.0× PyTorch's "
             "(ratio column ≥ 1.00 means pynet is at least as fast).", ""]
    for bench in out:
        lines.append(bench.markdown())
    lines.append(f"- 1-minute load average: {load_before:.2f} before, {load_after:.2f} after "
                 f"(the machine has {os.cpu_count()} cores and was shared with other work; "
                 "both sides ran under the same load, one thread each)")
    path = results_dir() / "conv1d.md"
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return path


if __name__ == "__main__":
    main()
