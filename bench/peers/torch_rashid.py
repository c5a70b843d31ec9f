"""PyTorch peer for ``bench/rashid.py``: Rashid's per-sample train step in PyTorch, same math.

The initial weights come from pynet (``ThreeLayerNetwork(784, 200, 10, 0.1, seed=seed)``) and the
data from pynet's MNIST loader with the book's scaling, so both sides train the same numbers in the
same order. One record at a time, under ``no_grad``::

    hidden_outputs = sigmoid(wih @ x);  final_outputs = sigmoid(who @ hidden_outputs)
    output_errors = t - final_outputs;  hidden_errors = who.T @ output_errors
    who.addr_(output_errors * f * (1 - f), hidden_outputs, alpha=lr)
    wih.addr_(hidden_errors * h * (1 - h), x, alpha=lr)

``args``: ``seed``, ``n`` (records), ``lr``, ``dtype`` ("float64" or "float32"), ``repeat``.
Returns the CPU seconds per epoch (``repeat`` epochs after one warm-up epoch; wall-clock seconds
under ``"wall"``), and, from a clean start,
the weights' Σw² and the test accuracy after one epoch, so the bench can confirm the same math.
"""
from __future__ import annotations

import numpy as np


def run(args):
    try:
        import torch
    except ImportError:
        return {"unavailable": "torch is not installed"}
    from bench.rashid import timed
    from pynet.backprop.three_layer_network import ThreeLayerNetwork
    from pynet.datasets import mnist

    torch.set_num_threads(int(args.get("threads", 1)))
    dtype = {"float64": torch.float64, "float32": torch.float32}[args.get("dtype", "float64")]
    n, lr = int(args["n"]), float(args["lr"])
    start = ThreeLayerNetwork(784, 200, 10, lr, seed=int(args["seed"]))
    (x_train, y_train), (x_test, y_test) = mnist.load()
    x = torch.from_numpy(mnist.rashid_inputs(x_train[:n])).to(dtype)
    t = torch.from_numpy(mnist.rashid_targets(y_train[:n])).to(dtype)
    xt = torch.from_numpy(mnist.rashid_inputs(x_test)).to(dtype)

    def fresh():
        return (torch.from_numpy(start.wih.copy()).to(dtype),
                torch.from_numpy(start.who.copy()).to(dtype))

    def epoch(wih, who):
        with torch.no_grad():
            for k in range(n):
                inputs, targets = x[k], t[k]
                hidden_outputs = torch.sigmoid(torch.mv(wih, inputs))
                final_outputs = torch.sigmoid(torch.mv(who, hidden_outputs))
                output_errors = targets - final_outputs
                hidden_errors = torch.mv(who.T, output_errors)
                who.addr_(output_errors * final_outputs * (1 - final_outputs), hidden_outputs,
                          alpha=lr)
                wih.addr_(hidden_errors * hidden_outputs * (1 - hidden_outputs), inputs, alpha=lr)

    wih, who = fresh()
    epoch(wih, who)
    with torch.no_grad():
        outputs = torch.sigmoid(torch.sigmoid(xt @ wih.T) @ who.T)
    accuracy = float((outputs.argmax(dim=1).numpy() == y_test).mean())
    sum_w2 = float((wih.double() ** 2).sum() + (who.double() ** 2).sum())
    wih, who = fresh()
    cpu, wall = timed(lambda: epoch(wih, who), repeat=int(args.get("repeat", 3)), warmup=1)
    return {"timing": cpu, "wall": wall.to_json(), "accuracy": accuracy, "sum_w2": sum_w2,
            "torch": torch.__version__, "threads": torch.get_num_threads()}


if __name__ == "__main__":
    from bench.harness import peer_main

    peer_main(run)
