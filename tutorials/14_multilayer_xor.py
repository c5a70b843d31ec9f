# %% [markdown]
# # 14 · The multilayer algorithm learns XOR
#
# §8 of the notes trains a layered network one pattern at a time with
# w ← w − α·γ·F′(S)·Y_prev and b ← b + α·γ·F′(S) (thresholds subtracted), but leaves out the
# error terms γ. Asking that these updates be gradient descent gives γ = ∂E/∂Y:
#
#     output neuron j:   γ_j = Y_j − d_j
#     hidden neuron i:   γ_i = Σ_j γ_j · F′(S_j) · w_ij      (j runs over the next layer)

# %%
"""The lecture notes' multilayer algorithm learns XOR: the missing error terms, derived and checked.

Run it: ``pynet run 14 [--quick]``; as a notebook: ``pynet notebook 14``.
"""
from __future__ import annotations

import warnings

import numpy as np

from pynet.backprop.multilayer import (
    XOR_CONVERGING_SEED, XOR_INPUTS, XOR_STALLING_SEED, XOR_TARGETS, MultilayerNetwork,
)
from pynet.classic.perceptron import ConvergenceWarning
from pynet.classic.xor_network import XORNetwork
from pynet.gradient_check import check_gradients
from pynet.lessons import Report, main

TITLE = "14 · The multilayer algorithm learns XOR"


# %% [markdown]
# ## The error terms, checked
#
# The γ above against finite differences of E.

# %%
def gradient_check(report: Report) -> None:
    report.section("The γ terms against central finite differences (2-3-2 sigmoid net, one pattern)")
    net = MultilayerNetwork([2, 3, 2], seed=4)
    x, d = np.array([0.3, -0.8]), np.array([1.0, 0.0])
    grad_w, grad_b = net.gradients(x, d)

    def loss():
        return 0.5 * float(np.sum((net.predict(x[None, :])[0] - d) ** 2))

    params = {"w1": net.weights[0], "b1": net.thresholds[0], "w2": net.weights[1], "b2": net.thresholds[1]}
    analytic = {"w1": grad_w[0], "b1": grad_b[0], "w2": grad_w[1], "b2": grad_b[1]}
    result = check_gradients(loss, params, analytic)
    for line in str(result).splitlines():
        report.say("  " + line)
    report.check(result.ok, "∂E/∂w = γ·F′(S)·Y_prev and ∂E/∂b = −γ·F′(S) match finite differences")


# %% [markdown]
# ## Learning XOR
#
# A 2-2-1 sigmoid network, one pattern at a time, with a seed that converges; E is printed per
# epoch.

# %%
def learn_xor(report: Report) -> MultilayerNetwork:
    report.section(f"Learning XOR: 2-2-1 sigmoid net, seed {XOR_CONVERGING_SEED}, α = 0.5, Em = 0.01")
    net = MultilayerNetwork([2, 2, 1], seed=XOR_CONVERGING_SEED)
    history = net.fit(XOR_INPUTS, XOR_TARGETS, alpha=0.5, desired_error=0.01)
    step = max(1, len(history) // 10)
    report.say("  epoch |      E")
    for epoch in list(range(1, len(history), step)) + [len(history)]:
        report.say(f"  {epoch:>5} | {history[epoch - 1]:.4f}")
    report.say(f"  {history.message}")
    report.say("  (the long flat stretch near E ≈ 0.5 is the symmetric start: both hidden neurons")
    report.say("   compute nearly the same thing until their small differences grow apart)")
    Y = net.predict(XOR_INPUTS)[:, 0]
    for x, y in zip(XOR_INPUTS.astype(int), Y):
        report.say(f"    {x[0]} {x[1]} -> Y = {y:.3f} -> {int(y > 0.5)}")
    ours = (Y > 0.5).astype(int).tolist()
    report.compare("XOR learned (read-out Y > 0.5)", book=[0, 1, 1, 0], ours=ours,
                   agree=history.converged and ours == [0, 1, 1, 0], headline=True, kind="book",
                   tolerance="exactly", data="the notes' XOR table and network")
    return net


# %% [markdown]
# ## Learned weights beside hand-wired ones
#
# The weights the network found, beside those wired by hand in lesson 12.

# %%
def beside_hand_wired(report: Report, net: MultilayerNetwork) -> None:
    report.section("Learned weights beside the hand-wired XOR net (thresholds subtracted: b = −bias)")
    hand = XORNetwork().weights
    hand_hidden_w = np.array([[hand[(1, 5)], hand[(1, 6)]], [hand[(2, 5)], hand[(2, 6)]]])
    hand_hidden_b = np.array([-hand[(3, 5)], -hand[(4, 6)]])
    hand_out_w = np.array([hand[(5, 7)], hand[(6, 7)]])
    hand_out_b = -hand[(4, 7)]
    W1, b1 = net.weights[0], net.thresholds[0]
    W2, b2 = net.weights[1][:, 0], net.thresholds[1][0]
    report.say("                      hand-wired (step)        learned (sigmoid)")
    for j in range(2):
        report.say(f"  hidden {j + 1}: w = ({hand_hidden_w[0, j]:+.1f}, {hand_hidden_w[1, j]:+.1f}), "
                   f"b = {hand_hidden_b[j]:+.1f}   w = ({W1[0, j]:+.2f}, {W1[1, j]:+.2f}), b = {b1[j]:+.2f}")
    report.say(f"  output:   w = ({hand_out_w[0]:+.1f}, {hand_out_w[1]:+.1f}), b = {hand_out_b:+.1f}   "
               f"w = ({W2[0]:+.2f}, {W2[1]:+.2f}), b = {b2:+.2f}")
    report.say("  What each learned hidden neuron computes (step read-out of its sigmoid):")
    S1 = XOR_INPUTS @ W1 - b1
    names = {(1, 1, 1, 0): "NAND", (0, 0, 0, 1): "AND", (0, 1, 1, 1): "OR", (1, 0, 0, 0): "NOR",
             (0, 1, 1, 0): "XOR", (1, 0, 0, 1): "XNOR"}
    for j in range(2):
        table = tuple((S1[:, j] > 0).astype(int).tolist())
        report.say(f"    hidden {j + 1}: {list(table)}  {names.get(table, '')}")
    report.say("  The hand-wired net used NAND and NOR; learning finds some pair of gates whose")
    report.say("  combination is XOR — usually a different pair, with larger weights, since a")
    report.say("  sigmoid must be driven far from 0 to come close to the 0/1 targets.")


# %% [markdown]
# ## A seed that stalls
#
# Some starting weights leave the network stuck; the lesson reports that as such rather than
# looping on forever.

# %%
def stalling_seed(report: Report, quick: bool) -> None:
    report.section(f"A seed that stalls: {XOR_STALLING_SEED}")
    net = MultilayerNetwork([2, 2, 1], seed=XOR_STALLING_SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)    # the message is printed below
        history = net.fit(XOR_INPUTS, XOR_TARGETS, alpha=0.5, desired_error=0.01,
                          stall_epochs=500 if quick else 1000)
    report.say(f"  {history.message}")
    Y = net.predict(XOR_INPUTS)[:, 0]
    report.say("  outputs: " + ", ".join(f"{y:.2f}" for y in Y))
    report.check(history.reason == "stalled",
                 f"the stall is reported after {len(history)} epochs instead of looping to the cap")


# %% [markdown]
# ## Run the lesson
#
# The check, the converging seed, the comparison and the stalling seed, in that order.

# %%
def run(report: Report, quick: bool) -> None:
    gradient_check(report)
    net = learn_xor(report)
    beside_hand_wired(report, net)
    stalling_seed(report, quick)


# %%
if __name__ == "__main__":
    main(run, TITLE)
