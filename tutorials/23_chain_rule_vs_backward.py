# %% [markdown]
# # 23 · Chollet §2.4: the chain rule by engine equals Sequential's backward
#
# *Deep Learning with Python* §2.4 explains training as gradient descent and backpropagation as
# the chain rule, (f(g(x)))′ = f′(g(x))·g′(x), applied from the loss back through every layer; a
# framework does it for you ("symbolic differentiation"). pynet's `Sequential` does it by hand:
# each layer has a `backward` written out (`dL/dkernel = xᵀ g`, `dL/dx = g kernelᵀ` …).
# `pynet.autodiff` does it by machine: it records the forward pass of the same network (matmul,
# add, relu, softmax, clip, log, sum, mean) and walks the record backwards, each operation applying
# its own local derivative.

# %%
"""Chollet §2.4: the chain rule run by an engine gives exactly the gradient of Sequential's hand-written backward passes.

Run it: ``pynet run 23 [--quick]``; as a notebook: ``pynet notebook 23``.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "23 · Chollet §2.4: the chain rule by engine equals Sequential's backward"
SEED = 34
EPSILON = 1e-7          # Keras's clip of the predicted probabilities in the cross-entropy


# %% [markdown]
# ## The chapter-2 network and one batch
#
# Dense(512, relu) → Dense(10, softmax), categorical cross-entropy, one batch of 128 MNIST images.

# %%
def network(dtype):
    """Chollet's Listing 2.2–2.3 network, in ``dtype``."""
    from pynet.layers import Dense
    from pynet.sequential import Sequential
    from pynet.utils import clear_session, set_seed
    clear_session()                  # layer names dense_1, dense_2 in each run
    set_seed(SEED)
    net = Sequential([Dense(512, activation="relu", input_shape=(784,), dtype=dtype),
                      Dense(10, activation="softmax", dtype=dtype)])
    net.compile(optimizer="sgd", loss="categorical_crossentropy")
    return net


def batch(n, dtype):
    from pynet.datasets import mnist
    (x, y), _ = mnist.load()
    return (x[:n].reshape(n, 784).astype(dtype) / dtype(255), np.eye(10, dtype=dtype)[y[:n]])


# %% [markdown]
# ## Two ways to the same gradients
#
# The loss and the four gradients from `Sequential`'s hand-written backward and from the engine,
# equal to rounding (float64: ~1e-15; float32: ~1e-7). The engine's record of the forward pass is
# the graph it differentiated.

# %%
def sequential_gradients(net, x, y):
    """Loss and the hand-written backward's gradients, at the current weights (one SGD step is
    taken afterwards, so the weights are copied first and put back)."""
    weights = [w.copy() for w in net.get_weights()]
    loss = float(net.train_on_batch(x, y))
    grads = {f"{layer.name}/{k}": g.copy() for layer in net.layers
             for k, _, g in layer.trainable_variables()}
    net.set_weights(weights)
    return loss, grads


def engine_gradients(net, x, y):
    """The same loss written with autodiff operations, differentiated by the engine."""
    from pynet import autodiff as ad
    params = {f"{layer.name}/{k}": ad.tensor(p.copy(), requires_grad=True, name=f"{layer.name}/{k}")
              for layer in net.layers for k, p, _ in layer.trainable_variables()}
    (k1, b1), (k2, b2) = [[params[f"{layer.name}/{k}"] for k in ("kernel", "bias")]
                          for layer in net.layers]
    x, y = ad.tensor(x, name="images"), ad.tensor(y, name="labels")
    h = ad.relu(ad.matmul(x, k1) + b1)
    p = ad.softmax(ad.matmul(h, k2) + b2)
    loss = ad.reduce_mean(-ad.reduce_sum(y * ad.log(ad.clip_by_value(p, EPSILON, 1.0)), axis=1))
    grads = ad.gradient(loss, list(params.values()), retain_graph=True)
    return float(loss.data), dict(zip(params, grads)), loss, h.data, p.data


def compare(report: Report, dtype, n, tolerance, show_graph):
    x, y = batch(n, dtype)
    net = network(dtype)
    seq_loss, seq = sequential_gradients(net, x, y)
    eng_loss, eng, loss_node, h, p = engine_gradients(net, x, y)
    name = np.dtype(dtype).name
    report.section(f"{name}: one batch of {n} images, loss and gradients both ways")
    report.compare(f"loss ({name})", book=f"{seq_loss:.10f}", ours=f"{eng_loss:.10f}",
                   agree=abs(seq_loss - eng_loss) <= tolerance * max(1.0, abs(seq_loss)),
                   note="'book' = Sequential's forward")
    for key in seq:
        scale = float(np.max(np.abs(seq[key]))) or 1.0
        diff = float(np.max(np.abs(seq[key] - eng[key]))) / scale
        report.compare(f"dL/d {key} ({name})", book="backward()", ours=f"{diff:.1e}",
                       agree=diff <= tolerance,
                       note=f"max |engine − hand-written| / max |grad|, shape {seq[key].shape}",
                       headline=(key.endswith("kernel") and name == "float64"), kind="same-data",
                       tolerance=tolerance, data="random inputs (the book prints no gradient "
                       "values)", reference="Sequential's hand-written backward()")
    if show_graph:
        from pynet.autodiff import draw
        report.section("What the engine recorded (inputs first) and walked backwards")
        for line in draw.to_text(loss_node).splitlines():
            report.say("    " + line)
        report.section("The last layer by the chain rule, by hand")
        # L = mean_i −Σ_j y_ij log p_ij, p = softmax(z): ∂L/∂z = (p − y)/n, and z = h W₂ + b₂ gives
        # ∂L/∂W₂ = hᵀ ∂L/∂z (no probability was clipped: all p > 1e-7 here)
        by_hand = h.T @ ((p - y) / n)
        key = f"{net.layers[1].name}/kernel"
        diff = float(np.max(np.abs(by_hand - eng[key])))
        report.say(f"  min p = {p.min():.2e} (> 1e-7: the clip is inactive)")
        report.compare("dL/dW₂ = hᵀ(p − y)/n by hand vs engine", book="hᵀ(p − y)/n",
                       ours=f"{diff:.1e}", agree=diff <= tolerance * max(1.0, float(np.abs(by_hand).max())))


# %% [markdown]
# ## Run the lesson
#
# The comparison in float64 and float32, then the last layer's gradient worked by the chain rule
# by hand: dL/dW₂ = hᵀ (p − y) / n. Quick mode uses a batch of 32 and skips the float32 run.

# %%
def run(report: Report, quick: bool) -> None:
    report.say("  The chain rule as §2.4 prints it: (f(g(x)))′ = f′(g(x)) · g′(x).")
    n = 32 if quick else 128
    compare(report, np.float64, n, 1e-12, show_graph=True)
    if not quick:
        compare(report, np.float32, n, 1e-5, show_graph=False)


# %%
if __name__ == "__main__":
    main(run, TITLE)
