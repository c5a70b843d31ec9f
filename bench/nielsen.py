"""Bench: Nielsen's network, one epoch of mini-batch SGD — the per-example loop, the NumPy matrix
path, the compiled matrix path, and PyTorch doing the same math; then accuracy after 30 epochs.

Run from the checkout::

    python -m bench.nielsen            # full: both sizes, loop included in the 30-epoch runs
    python -m bench.nielsen --quick    # fewer repeats; the 30-epoch loop run is skipped

Setting (the course text's demo): [784, 30, 10] and [784, 100, 10], cross-entropy, mini-batch 10,
η = 0.5, λ = 5, one epoch over the embedded MNIST-10k training images. Every row starts from the
same weights (``Network(sizes, seed=SEED)``) and visits the same mini-batches. BLAS/OpenMP are
pinned to one thread in this process and in the PyTorch peer's (its own process). pynet's rows are
timed round-robin and each peer runs twice with its samples pooled, so that load from other
processes on a shared machine does not fall on one row only.

Rows (seconds per epoch; data preparation excluded for every pynet row):

* ``per-example loop``: ``method="loop"``, chapter 3's ``backprop`` one column at a time — the
  baseline of the ratio column;
* ``matrix, NumPy``: ``method="matrix", backend="python"`` (the reference kernels);
* ``matrix, compiled``: ``method="matrix", backend="cython"`` — its epoch kernel skips the zero
  input pixels in the first layer (``FIRST_LAYER = "auto"`` in ``pynet.kernels._c_nielsen``
  chooses that path for MNIST, ~19% nonzeros); same arithmetic result up to rounding;
* ``matrix, compiled, dense path forced``: the same with ``FIRST_LAYER = "dense"`` (plain BLAS
  ``dgemm`` for layer 1 too), to show what skipping the zeros is worth;
* ``PyTorch ... same ops``: the identical matrix algorithm in tensor ops (``bench/peers/torch_nielsen.py``),
  float64 like pynet (and float32 for information); ``PyTorch autograd``: ``nn.Linear`` +
  BCE-with-logits + ``optim.SGD(weight_decay=λ/n)``, the idiomatic way.

Goals: compiled ≥ 20× the loop; compiled ≥ 2× PyTorch float64 same ops. Accuracy: after 30
epochs of [784, 30, 10], compiled within 0.5% of the reference runs (the NumPy matrix path and the
per-example loop, same seed). Results: ``bench/results/nielsen.md`` and ``nielsen_784_100_10.md``.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from bench.harness import Bench, Timing, parse_args, pin_threads, run_peer

SEED = 1
ETA, LMBDA, MBS = 0.5, 5.0, 10


def data():
    from pynet.backprop.nielsen_data import prepare
    from pynet.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load()
    sizes = [784, 30, 10]
    train = prepare(mnist.nielsen_pairs(x_train, y_train, one_hot=True), sizes, "bench", "train")
    test = prepare(mnist.nielsen_pairs(x_test, y_test, one_hot=False), sizes, "bench", "test")
    return train, test


def interleaved_timings(sizes, ways, train, repeat):
    """Seconds per SGD epoch for each ``(label, method, backend[, first_layer])``, measured
    round-robin (one epoch of each way in turn, ``repeat`` rounds after a warm-up round) so that
    load from other processes on a shared machine falls on every row alike. ``first_layer`` sets
    the compiled module's ``FIRST_LAYER`` switch for that row's calls only."""
    from pynet.backprop.feedforward_network import Network

    def run_epoch(net, first_layer):
        if first_layer is None:
            return net.SGD(train, 1, MBS, ETA, lmbda=LMBDA, verbose=False)
        import pynet.kernels._c_nielsen as compiled
        before, compiled.FIRST_LAYER = compiled.FIRST_LAYER, first_layer
        try:
            return net.SGD(train, 1, MBS, ETA, lmbda=LMBDA, verbose=False)
        finally:
            compiled.FIRST_LAYER = before

    calls = {}
    for label, method, backend, *first_layer in ways:
        net = Network(sizes, seed=SEED, method=method, backend=backend)
        calls[label] = (lambda net=net, f=(first_layer or [None])[0]: run_epoch(net, f))
    for call in calls.values():
        call()
    samples = {label: [] for label in calls}
    for _ in range(repeat):
        for label, call in calls.items():
            start = time.perf_counter()
            call()
            samples[label].append(time.perf_counter() - start)
    return {label: Timing(v) for label, v in samples.items()}


def one_epoch_digest(sizes, method, backend, train, test):
    from pynet.backprop.feedforward_network import Network

    net = Network(sizes, seed=SEED, method=method, backend=backend)
    net.SGD(train, 1, MBS, ETA, lmbda=LMBDA, verbose=False)
    return sum(float(np.sum(w * w)) for w in net.weights), net._accuracy(test), net


def speed_table(sizes, train, test, quick):
    name = "nielsen" if sizes[1] == 30 else f"nielsen_{'_'.join(map(str, sizes))}"
    bench = Bench(name, f"Nielsen's network {sizes}: one epoch of MNIST-10k, mini-batch {MBS}, "
                        f"η {ETA}, λ {LMBDA}", threads=1)
    loop_label = "per-example loop (chapter 3, NumPy)"
    ways = [(loop_label, "loop", "python"),
            ("matrix mini-batch, NumPy reference", "matrix", "python"),
            ("matrix mini-batch, compiled", "matrix", "cython"),
            ("matrix mini-batch, compiled, dense path forced", "matrix", "cython", "dense")]
    timings = interleaved_timings(sizes, ways, train, 3 if quick else 7)
    for label, *_ in ways:
        bench.add(label, timings[label])
    sq_ours, acc_ours, _ = one_epoch_digest(sizes, "matrix", "cython", train, test)
    sq_loop, acc_loop, _ = one_epoch_digest(sizes, "loop", "python", train, test)
    bench.notes.append(f"After one epoch from the same start: Σw² loop {sq_loop:.10f}, compiled "
                       f"{sq_ours:.10f}; test accuracy loop {acc_loop:.4f}, compiled {acc_ours:.4f}.")
    peers = {}
    for label, variant, dtype in (("PyTorch float64, same ops", "ops", "float64"),
                                  ("PyTorch float32, same ops", "ops", "float32"),
                                  ("PyTorch float64, autograd + optim.SGD", "autograd", "float64")):
        peer_args = {"sizes": sizes, "seed": SEED, "n": len(train), "eta": ETA, "lmbda": LMBDA,
                     "mini_batch_size": MBS, "variant": variant, "dtype": dtype,
                     "repeat": 2 if quick else 4}
        # Two runs, before and after a compiled pynet epoch timing, samples pooled: the peer
        # cannot be interleaved epoch by epoch (own process), this spreads it over time instead.
        result = run_peer("bench.peers.torch_nielsen", peer_args, threads=1)
        if "unavailable" not in result:
            second = run_peer("bench.peers.torch_nielsen", peer_args, threads=1)
            result["timing"] = Timing(result["timing"].samples + second["timing"].samples)
        if "unavailable" in result:
            bench.add(label, None, note=result["unavailable"])
            continue
        bench.add(label, result["timing"],
                  note=f"Σw² after one epoch {result['sum_w2']:.10f}, accuracy {result['accuracy']:.4f}")
        peers[label] = result
    bench.set_baseline(loop_label)
    compiled = bench._row("matrix mini-batch, compiled").timing.median
    dense = bench._row("matrix mini-batch, compiled, dense path forced").timing.median
    vs_loop = bench.ratio("matrix mini-batch, compiled")
    bench.notes.append(f"compiled vs per-example loop: {vs_loop:.1f}× (goal ≥ 20×: "
                       f"{'met' if vs_loop >= 20 else 'NOT met'}); the compiled epoch skips the "
                       f"zero input pixels in layer 1 (same arithmetic result); with the dense "
                       f"path forced: {bench.ratio('matrix mini-batch, compiled, dense path forced'):.1f}×.")
    if "PyTorch float64, same ops" in peers:
        vs_torch = peers["PyTorch float64, same ops"]["timing"].median / compiled
        bench.notes.append(f"compiled vs PyTorch float64 same ops: {vs_torch:.2f}× (goal ≥ 2×: "
                           f"{'met' if vs_torch >= 2 else 'NOT met'}); vs PyTorch float32 same ops: "
                           f"{peers['PyTorch float32, same ops']['timing'].median / compiled:.2f}×; "
                           f"vs autograd: {peers['PyTorch float64, autograd + optim.SGD']['timing'].median / compiled:.2f}×; "
                           f"dense path forced vs PyTorch float64 same ops: "
                           f"{peers['PyTorch float64, same ops']['timing'].median / dense:.2f}×.")
    fastest = {r.label: r.timing.min for r in bench.rows if r.timing is not None}
    if "PyTorch float64, same ops" in fastest:
        bench.notes.append(
            "The same ratios from the fastest sample of each row (less sensitive to other "
            f"processes on a shared machine): compiled vs loop "
            f"{fastest[loop_label] / fastest['matrix mini-batch, compiled']:.1f}×, compiled vs "
            f"PyTorch float64 same ops "
            f"{fastest['PyTorch float64, same ops'] / fastest['matrix mini-batch, compiled']:.2f}×.")
    bench.notes.append(f"NumPy matrix vs loop: {bench.ratio('matrix mini-batch, NumPy reference'):.1f}× "
                       "(the course text measured 3.5× wall for its matrix version).")
    return bench


def accuracy_runs(bench, train, test, quick):
    from pynet.backprop.feedforward_network import Network

    sizes, epochs = [784, 30, 10], 30
    runs = [("compiled matrix", "matrix", "cython"), ("NumPy matrix (reference)", "matrix", "python")]
    if not quick:
        runs.append(("per-example loop (reference)", "loop", "python"))
    acc, secs = {}, {}
    for label, method, backend in runs:
        net = Network(sizes, seed=SEED, method=method, backend=backend)
        start = time.perf_counter()
        h = net.SGD(train, epochs, MBS, ETA, lmbda=LMBDA, evaluation_data=test,
                    monitor_evaluation_accuracy=True, verbose=False)
        secs[label] = time.perf_counter() - start
        acc[label] = h.evaluation_accuracy[-1]
    lines = [f"{label}: test accuracy {acc[label]:.4f} after {epochs} epochs "
             f"({secs[label]:.1f} s including per-epoch evaluation on 10k test images)"
             for label in acc]
    worst = max(abs(acc["compiled matrix"] - a) for a in acc.values())
    lines.append(f"largest accuracy difference to a reference run: {worst:.4f} (goal ≤ 0.005: "
                 f"{'met' if worst <= 0.005 else 'NOT met'}). The course text reached 0.9782 on "
                 "its test set with 48,000 training images.")
    bench.notes += ["30 epochs of [784, 30, 10], same seed, MNIST-10k train / 10k test:"] + lines
    return acc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parse_args(parser, argv)
    pin_threads(1)
    train, test = data()
    first = speed_table([784, 30, 10], train, test, args.quick)
    accuracy_runs(first, train, test, args.quick)
    first.write()
    speed_table([784, 100, 10], train, test, args.quick).write()


if __name__ == "__main__":
    main()
