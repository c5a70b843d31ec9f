# %% [markdown]
# # 22 · Reverse-mode autodiff on scalars: one neuron, then XOR
#
# Chollet (§2.4) calls backpropagation the chain rule, (f(g(x)))′ = f′(g(x))·g′(x), applied from
# the loss backwards through every operation of a network; frameworks do it automatically. This
# lesson builds that machine at its smallest: `pynet.autodiff.Value` holds one number, remembers
# how it was computed, and `backward()` visits the graph in reverse topological order, each
# operation adding `local derivative × incoming gradient` to its inputs.

# %%
"""The engine under every framework, on scalars: the chain rule on one neuron, then a 2-layer net learns XOR.

Chollet §2.4 on scalars. Run it: ``pynet run 22 [--quick]``; as a notebook: ``pynet notebook 22``.
"""
from __future__ import annotations

import math
import random

from pynet.lessons import Report, main

TITLE = "22 · Reverse-mode autodiff on scalars: one neuron, then XOR"
SEED = 32
XOR = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


# %% [markdown]
# ## Neurons and a network made of Values
#
# Every use of a weight builds graph nodes.

# %%
class Neuron:
    """y = f(Σ wᵢxᵢ + b) with Values for weights: every use builds graph nodes."""

    def __init__(self, n_inputs, rng, activation):
        from pynet.autodiff import Value
        self.w = [Value(rng.uniform(-1, 1), label=f"w{i}") for i in range(n_inputs)]
        self.b = Value(rng.uniform(-1, 1), label="b")
        self.activation = activation

    def __call__(self, x):
        z = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return getattr(z, self.activation)()

    def parameters(self):
        return self.w + [self.b]


class TwoLayerNet:
    """2 inputs → 3 tanh neurons → 1 sigmoid neuron."""

    def __init__(self, seed):
        rng = random.Random(seed)
        self.hidden = [Neuron(2, rng, "tanh") for _ in range(3)]
        self.output = Neuron(3, rng, "sigmoid")

    def __call__(self, x):
        return self.output([n(x) for n in self.hidden])

    def parameters(self):
        return [p for n in self.hidden + [self.output] for p in n.parameters()]

    def loss(self):
        """E = ½ Σ (y − d)² over the four XOR patterns."""
        return sum(((self(x) - d) ** 2 for x, d in XOR), 0.0) * 0.5


# %% [markdown]
# ## One neuron, by hand and by the engine
#
# y = tanh(w·x + b) differentiated by hand (the chain rule written out) and by the engine: the same
# numbers, and both against a central finite difference. The neuron's graph is drawn as text (and
# as a PNG when matplotlib is installed).

# %%
def one_neuron(report: Report, pictures: bool) -> None:
    from pynet.autodiff import Value, draw
    report.section("The chain rule on one neuron: y = tanh(w·x + b), x = 2, w = −3, b = 6.5")
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.5, label="b")
    z = w * x + b
    z.label = "z"
    y = z.tanh()
    y.label = "y"
    y.backward()
    # by hand: z = −6 + 6.5 = 0.5, y = tanh 0.5; dy/dz = 1 − y²; dy/dw = dy/dz · dz/dw = (1 − y²)·x
    dy_dz = 1 - math.tanh(0.5) ** 2
    report.say(f"  z = w·x + b = {z.data}, y = tanh(z) = {y.data:.8f}, dy/dz = 1 − y² = {dy_dz:.8f}")
    for name, node, by_hand in (("w", w, dy_dz * 2.0), ("x", x, dy_dz * -3.0), ("b", b, dy_dz)):
        report.compare(f"dy/d{name} (chain rule by hand vs engine)", book=f"{by_hand:.8f}",
                       ours=f"{node.grad:.8f}", agree=abs(node.grad - by_hand) < 1e-12)
    eps = 1e-6
    numeric = (math.tanh(-3.0 * (2.0 + eps) + 6.5) - math.tanh(-3.0 * (2.0 - eps) + 6.5)) / (2 * eps)
    report.compare("dy/dx against a central difference", book=f"{numeric:.8f}",
                   ours=f"{x.grad:.8f}", agree=abs(numeric - x.grad) < 1e-8)
    report.say("  The graph, inputs first (each line: node = operation(inputs), value, gradient):")
    for line in draw.to_text(y).splitlines():
        report.say("    " + line)
    if pictures:
        from pynet.inspect.images import have_matplotlib, output_dir
        if have_matplotlib():
            path = draw.to_png(y, output_dir() / "neuron_graph.png", title="y = tanh(w·x + b)")
            report.say(f"  (drawn to {path})")


# %% [markdown]
# ## A 2-3-1 network learns XOR
#
# tanh hidden layer, sigmoid output, squared error, trained by gradient descent; its gradient is
# checked entry by entry against finite differences first.

# %%
def gradient_check(report: Report, net: TwoLayerNet) -> None:
    report.section("The 2-3-1 network's gradient against central finite differences")
    loss = net.loss()
    net_params = net.parameters()
    for p in net_params:
        p.grad = 0.0
    loss.backward()
    worst = 0.0
    eps = 1e-6
    for p in net_params:
        old = p.data
        p.data = old + eps
        up = net.loss().data
        p.data = old - eps
        down = net.loss().data
        p.data = old
        worst = max(worst, abs((up - down) / (2 * eps) - p.grad))
    report.compare(f"largest |engine − finite difference| over {len(net_params)} parameters",
                   book="< 1e-8", ours=f"{worst:.1e}", agree=worst < 1e-8)


def train_xor(report: Report, quick: bool) -> None:
    net = TwoLayerNet(SEED)
    gradient_check(report, net)
    steps, rate = (400 if quick else 1500), 0.5
    report.section(f"Gradient descent on XOR: {steps} steps, η = {rate}, E = ½ Σ (y − d)²")
    params = net.parameters()
    for step in range(steps + 1):
        loss = net.loss()
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= rate * p.grad
        if step % (steps // 5) == 0:
            report.say(f"  step {step:>5}: E = {loss.data:.5f}")
    outputs = [net(x).data for x, _ in XOR]
    for (x, d), out in zip(XOR, outputs):
        report.say(f"  XOR{tuple(int(v) for v in x)} = {out:.3f}  (target {int(d)})")
    learned = all(round(out) == d for out, (_, d) in zip(outputs, XOR))
    report.compare("XOR truth table learned (outputs rounded)", book="0 1 1 0",
                   ours=" ".join(str(round(o)) for o in outputs), agree=learned, headline=True,
                   kind="book", tolerance="exactly (rounded outputs)", data="the XOR table")
    report.say(f"  The graph of E holds {len(net.loss().topological_order())} Value nodes: every "
               "multiplication, addition and activation of the four forward passes.")


# %% [markdown]
# ## Run the lesson
#
# Quick mode trains for fewer steps (XOR is learned either way).

# %%
def run(report: Report, quick: bool) -> None:
    one_neuron(report, pictures=not quick)
    train_xor(report, quick)


# %%
if __name__ == "__main__":
    main(run, TITLE)
