# %% [markdown]
# # 12 · The formal neuron and the XOR network
#
# The lecture notes' §5 neuron computes S = Σ wᵢXᵢ − b (the threshold is subtracted) and then
# Y = F(S).

# %%
"""The formal neuron and the hand-wired XOR net: activations, the weight matrix, a traced pass.

The lecture notes, §1 and §5. Run it: ``pynet run 12 [--quick]``; as a notebook: ``pynet notebook 12``.
"""
from __future__ import annotations

import numpy as np

from pynet.classic.formal_neuron import (
    ConnectionMatrix, FormalNeuron, Identity, LinearThreshold, Sigmoid, Tanh, Threshold,
)
from pynet.classic.xor_network import XORNetwork
from pynet.lessons import Report, main

TITLE = "12 · The formal neuron and the XOR network"


# %% [markdown]
# ## The activations
#
# The notes list four activations without formulas; here are the standard ones pynet uses, with
# their derivatives, tabulated.

# %%
def activations(report: Report) -> None:
    report.section("Activation functions F(S) and their derivatives F′(S) (argument: S, not Y)")
    funcs = [Threshold(), LinearThreshold(start=-1.0, end=1.0), Sigmoid(), Tanh(), Identity()]
    points = [-2.0, -0.5, 0.0, 0.5, 2.0]
    report.say("  " + f"{'S':>18}" + "".join(f"{s:>8g}" for s in points))
    for f in funcs:
        report.say(f"  {f.name:>16} F " + "".join(f"{v:>8.3f}" for v in f(points)))
        report.say(f"  {'':>16} F′" + "".join(f"{v:>8.3f}" for v in f.derivative(points)))
    report.say("  Threshold at S = 0 gives 'high' (the notes: below the threshold → min, otherwise")
    report.say("  max); Nielsen's perceptron gives 0 there: Threshold(at_threshold='low').")
    sig = Sigmoid()
    report.compare("σ(4) (Nielsen: w = b = 2, x = 1)", book=0.98, ours=round(float(sig(4.0)), 2),
                   agree=round(float(sig(4.0)), 2) == 0.98)
    report.compare("tanh range (notes: −1 to 1)", book="(-1, 1)",
                   ours=f"({Tanh()(-30.0):g}, {Tanh()(30.0):g})",
                   agree=Tanh()(-30.0) >= -1 and Tanh()(30.0) <= 1)
    h = 1e-6
    s = np.linspace(-3, 3, 13) + 0.01
    worst = max(float(np.max(np.abs(f.derivative(s) - (f(s + h) - f(s - h)) / (2 * h))))
                for f in funcs[1:])
    report.check(worst < 1e-6, f"every F′ equals a central difference (worst gap {worst:.1e})")


# %% [markdown]
# ## One formal neuron
#
# S = Σ wᵢXᵢ − b, then Y = F(S), computed step by step.

# %%
def formal_neuron(report: Report) -> None:
    report.section("A formal neuron: S = Σ wᵢXᵢ − b, Y = F(S)")
    n = FormalNeuron([0.5, -1.0, 2.0], threshold=1.0, activation="sigmoid")
    X = [2.0, 1.0, 0.5]
    report.say(f"  {n}")
    report.say("  S = 0.5·2 − 1·1 + 2·0.5 − 1 = 0;  Y = σ(0) = 0.5")
    report.compare("S", book=0.0, ours=n.weighted_sum(X), agree=n.weighted_sum(X) == 0.0)
    report.compare("Y", book=0.5, ours=n(X), agree=n(X) == 0.5)
    report.say(f"  parameters (threshold and weights): {n.parameters}")


# %% [markdown]
# ## The weight matrix
#
# The notes' 5×5 matrix: w_ij is the weight from element i to element j ("from the 2nd to the
# 3rd, weight 3").

# %%
def weight_matrix(report: Report) -> None:
    report.section("The weight matrix of §1.3: w_ij = weight from element i to element j")
    W = ConnectionMatrix()
    report.say("        to 1    to 2    to 3    to 4    to 5")
    for i in range(W.size):
        report.say(f"  from {i + 1}" + "".join(f"{v:>8g}" for v in W.W[i]))
    report.compare("w_23 ('from the 2nd to the 3rd')", book=3, ours=W.weight(2, 3),
                   agree=W.weight(2, 3) == 3, headline=True, kind="book", tolerance="exactly",
                   data="the notes' connection matrix of §1.3")
    report.say(f"  {len(W.connections())} connections: " +
               ", ".join(f"{i}→{j} ({w:g})" for i, j, w in W.connections()))
    received = float(ConnectionMatrix(np.array([[0.0, 2.0], [0.0, 0.0]])).net([5.0, 0.0])[1])
    report.compare("§1.2: output 5 on a weight-2 connection", book="5*2", ours=received,
                   agree=received == 5 * 2, note="the notes leave the product unwritten")


# %% [markdown]
# ## The hand-wired XOR network
#
# Two hidden threshold neurons and one output, traced sum by sum, as the notes do for the input
# (1, 0).

# %%
def xor_network(report: Report) -> None:
    report.section("The XOR network: inputs 1, 2; bias units 3, 4 (always 1); hidden 5, 6; output 7")
    net = XORNetwork()
    report.say("  " + net.describe().replace("\n", "\n  "))
    report.say("  activity = 1 if net > 0 else 0")
    t = net.trace(1, 0)
    report.say("  Input (1, 0), step by step:")
    report.compare("net5 = 1·(−1) + 0·(−1) + 1·1.5", book=0.5, ours=t.net5, agree=t.net5 == 0.5)
    report.compare("activity of 5", book=1, ours=t.y5, agree=t.y5 == 1)
    report.compare("net6 = 1·(−1) + 0·(−1) + 1·0.5", book=-0.5, ours=t.net6, agree=t.net6 == -0.5)
    report.compare("activity of 6", book=0, ours=t.y6, agree=t.y6 == 0)
    report.compare("net7 = 1·(+1) + 0·(−1) + 1·(−0.5)", book=0.5, ours=t.net7, agree=t.net7 == 0.5)
    report.compare("output (activity of 7)", book=1, ours=t.output, agree=t.output == 1)
    report.say("  (The notes label this case '0 XOR 1 = 1' although the inputs are 1 and 0;")
    report.say("   XOR is symmetric, so the slip is harmless.)")
    report.say("  Full truth table:")
    report.say("    x1 x2 | net5 y5 | net6 y6 | net7 | XOR")
    for t in net.truth_table():
        report.say(f"     {t.x1}  {t.x2} | {t.net5:>4g}  {t.y5} | {t.net6:>4g}  {t.y6} | {t.net7:>4g} |  {t.output}")
    outputs = [t.output for t in net.truth_table()]
    report.compare("XOR truth table (notes: all four correct)", book=[0, 1, 1, 0], ours=outputs,
                   agree=outputs == [0, 1, 1, 0])
    report.say("  Neuron 5 is a NAND, neuron 6 a NOR, neuron 7 fires for 'NAND and not NOR'.")
    report.say("  The weights were set by hand; lesson 14 lets the multilayer algorithm find some.")


# %% [markdown]
# ## Run the lesson
#
# The four parts in order, each compared with the notes where they give a number.

# %%
def run(report: Report, quick: bool) -> None:
    activations(report)
    formal_neuron(report)
    weight_matrix(report)
    xor_network(report)


# %%
if __name__ == "__main__":
    main(run, TITLE)
