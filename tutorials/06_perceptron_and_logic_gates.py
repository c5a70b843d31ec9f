# %% [markdown]
# # 06 · The perceptron and logic gates
#
# Nielsen's first chapter (course write-up §1.2) in code. A perceptron weighs evidence and outputs
# 1 if w·x + b > 0, else 0 (Eq. 1, with the bias b = −threshold).

# %%
"""Perceptrons and logic gates: the cheese festival, NAND, gates and adders from NANDs, AND vs XOR.

Nielsen's course, §1.2. Run it: ``pynet run 06 [--quick]``; as a notebook: ``pynet notebook 06``.
"""
from __future__ import annotations

import itertools
import warnings
from pathlib import Path

from pynet.classic.binary_adder import (
    add_bits, from_bits, full_adder, full_adder_circuit, half_adder, half_adder_circuit,
    ripple_carry_adder, to_bits,
)
from pynet.classic.logic_gates import AND, NAND, NOT, OR, XOR
from pynet.classic.perceptron import ConvergenceWarning, Perceptron
from pynet.lessons import Report, main

TITLE = "06 · The perceptron and logic gates"
BITS = [(0, 0), (0, 1), (1, 0), (1, 1)]


# %% [markdown]
# ## The cheese festival
#
# One perceptron decides whether to go: good weather, a partner who comes along and transport
# nearby, weighted 6, 2 and 2. With threshold 5 the weather decides alone; with threshold 3 the
# partner and the transport together are enough.

# %%
def cheese_festival(report: Report) -> None:
    report.section("The cheese festival: x1 = good weather, x2 = partner comes, x3 = near transport")
    for threshold in (5, 3):
        p = Perceptron([6, 2, 2], threshold=threshold)
        report.say(f"  {p}  (threshold {threshold})")
        report.say("    x1 x2 x3 | w·x | go?")
        for x in itertools.product((0, 1), repeat=3):
            report.say(f"     {x[0]}  {x[1]}  {x[2]} | {6 * x[0] + 2 * x[1] + 2 * x[2]:>3} |  {p(x)}")
        if threshold == 5:
            rule, book = (lambda x: x[0]), "go iff weather good"
        else:
            rule, book = (lambda x: int(x[0] or (x[1] and x[2]))), "weather, or partner+transport"
        hits = sum(p(x) == rule(x) for x in itertools.product((0, 1), repeat=3))
        report.compare(f"threshold {threshold}: cases following the text's rule", book=f"8 ({book})",
                       ours=f"{hits}", agree=hits == 8)


# %% [markdown]
# ## NAND from one perceptron
#
# Weights −2, −2 and bias 3 give NAND: the output is 0 only when both inputs are 1.

# %%
def nand_perceptron(report: Report) -> None:
    report.section("The NAND perceptron: w = (−2, −2), b = 3")
    nand = Perceptron([-2, -2], bias=3)
    book_z = {(0, 0): 3, (1, 1): -1}          # the text computes these two; 01 and 10 "also give 1"
    book_out = {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): 0}
    for x in BITS:
        z = nand.weighted_input(x)
        if x in book_z:
            report.compare(f"z = −2·{x[0]} − 2·{x[1]} + 3", book=book_z[x], ours=z, agree=z == book_z[x])
        report.compare(f"NAND{x}", book=book_out[x], ours=nand(x), agree=nand(x) == book_out[x],
                       headline=x == (1, 1), kind="book", tolerance="exactly",
                       data="the text's perceptron and inputs")


# %% [markdown]
# ## Every gate from NANDs
#
# NAND is universal, so NOT, AND, OR and XOR can be wired from nothing but copies of the NAND
# perceptron. The wiring is printed, since the text's figure is missing.

# %%
def gates(report: Report) -> None:
    report.section("Gates from NANDs only: NOT x = NAND(x, x), AND, OR (De Morgan), XOR (4 NANDs)")
    report.say("    x1 x2 | NAND AND OR XOR")
    for x1, x2 in BITS:
        report.say(f"     {x1}  {x2} |  {NAND(x1, x2)}    {AND(x1, x2)}   {OR(x1, x2)}   {XOR(x1, x2)}")
    tables = {"NOT": ([1, 0], [NOT(0), NOT(1)]),
              "AND": ([0, 0, 0, 1], [AND(*x) for x in BITS]),
              "OR": ([0, 1, 1, 1], [OR(*x) for x in BITS]),
              "XOR": ([0, 1, 1, 0], [XOR(*x) for x in BITS])}
    for name, (truth, ours) in tables.items():
        report.compare(f"{name} truth table", book=truth, ours=ours, agree=truth == ours)


# %% [markdown]
# ## A half adder, a full adder and an 8-bit adder
#
# The same copies of one perceptron add bits, then bytes.

# %%
def adders(report: Report) -> None:
    report.section("Adding two bits (the text's example): sum = x1 XOR x2, carry = x1·x2")
    report.say(half_adder_circuit().describe([1, 1]))
    for x1, x2 in BITS:
        s, c = half_adder(x1, x2)
        report.compare(f"half adder {x1} + {x2} (sum, carry)", book=((x1 + x2) % 2, x1 * x2),
                       ours=(s, c), agree=(s, c) == ((x1 + x2) % 2, x1 * x2))
    report.section("A full adder adds a carry in: 9 NANDs")
    report.say(full_adder_circuit().describe())
    wrong = [(a, b, c) for a, b, c in itertools.product((0, 1), repeat=3)
             if full_adder(a, b, c) != ((a + b + c) % 2, (a + b + c) // 2)]
    report.compare("full adder rows correct", book=8, ours=8 - len(wrong), agree=not wrong)


def eight_bit_addition(report: Report) -> None:
    report.section("8-bit addition with a ripple-carry adder of NAND perceptrons")
    a, b = 181, 110
    a_bits, b_bits = to_bits(a, 8), to_bits(b, 8)
    circuit = ripple_carry_adder(8)
    report.say(f"  a = {a} = {''.join(map(str, a_bits))},  b = {b} = {''.join(map(str, b_bits))}")
    report.say(circuit.describe(a_bits + b_bits))
    total = add_bits(a_bits, b_bits)
    report.say(f"  sum bits (carry first): {''.join(map(str, total))}")
    report.compare(f"{a} + {b}", book=a + b, ours=from_bits(total), agree=from_bits(total) == a + b)
    report.compare("NAND perceptrons in an 8-bit adder", book="5 + 9·7 = 68", ours=circuit.gate_count,
                   agree=circuit.gate_count == 68, note="half adder for bit 0, full adders after")


# %% [markdown]
# ## Where the perceptron says 1
#
# The plane x1, x2 ∈ [−0.5, 1.5] drawn as characters (and, with matplotlib, as a picture): the
# boundary w·x + b = 0 is a straight line.

# %%
def decision_picture(p: Perceptron, targets, size: int = 17) -> list:
    """The plane x1, x2 ∈ [−0.5, 1.5] as characters: '+' where the perceptron outputs 1, '·'
    where 0; the four inputs are drawn as their target (0 or 1), so a wrongly classified point
    sits in the other region."""
    marks = {(0, 0): targets[0], (0, 1): targets[1], (1, 0): targets[2], (1, 1): targets[3]}
    step = 2.0 / (size - 1)
    lines = []
    for r in range(size):
        x2 = 1.5 - r * step
        row = ""
        for c in range(size):
            x1 = -0.5 + c * step
            key = (round(x1, 6), round(x2, 6))
            if key in marks:
                row += str(marks[key])
            else:
                row += "+" if p.weights @ (x1, x2) + p.bias > 0 else "·"
        lines.append(("x2 " if r == size // 2 else "   ") + row)
    lines.append("   " + "x1".center(size))
    return lines


def plot_boundaries(panels, path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.6))
    grid = np.linspace(-0.5, 1.5, 201)
    g1, g2 = np.meshgrid(grid, grid)
    for ax, (title, p, targets) in zip(axes, panels):
        z = p.weights[0] * g1 + p.weights[1] * g2 + p.bias
        ax.contourf(g1, g2, z > 0, levels=[-0.5, 0.5, 1.5], colors=["#eeeeee", "#b8d8f0"])
        for (x1, x2), t in zip(BITS, targets):
            ax.scatter([x1], [x2], marker="o" if t else "x", s=80, c="k")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from pynet.inspect.figures import legend_outside
    legend_outside(axes[-1], [Patch(color="#b8d8f0"), Patch(color="#eeeeee", ec="#999999"),
                              Line2D([], [], ls="", marker="o", c="k"),
                              Line2D([], [], ls="", marker="x", c="k")],
                   ["perceptron says 1 (w·x + b > 0)", "perceptron says 0", "target 1",
                    "target 0"], fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


# %% [markdown]
# ## Learning the weights (Rosenblatt's rule, not in the texts)
#
# The perceptron learning rule finds weights for AND; on XOR it never settles, because no straight
# line separates XOR's ones from its zeros.

# %%
def learning_rule(report: Report) -> None:
    report.section("Rosenblatt's rule: w ← w + η(t − y)x, b ← b + η(t − y), from w = 0, b = 0")
    p = Perceptron.zeros(2)
    fit = p.fit(BITS, [0, 0, 0, 1])
    report.say(f"  AND: mistakes per epoch {fit.mistakes} -> {p}")
    for line in decision_picture(p, [0, 0, 0, 1]):
        report.say("    " + line)
    and_perceptron = p
    report.compare("AND learned", book=[0, 0, 0, 1], ours=p.predict(BITS).tolist(),
                   agree=fit.converged and p.predict(BITS).tolist() == [0, 0, 0, 1])
    p = Perceptron.zeros(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # the message is printed below
        fit = p.fit(BITS, [0, 1, 1, 0], max_epochs=100)
    report.say(f"  XOR: mistakes per epoch {fit.mistakes} -> {p}")
    for line in decision_picture(p, [0, 1, 1, 0]):
        report.say("    " + line)
    report.say(f"  XOR: {fit.message}")
    report.compare("XOR: perceptron rule stops without converging", book="not separable",
                   ours="not separable" if fit.linearly_separable is False else "separable?!",
                   agree=not fit.converged and fit.linearly_separable is False,
                   note=f"stopped after {fit.epochs} epochs")
    report.say("  One perceptron draws one straight line; no line puts (0,1),(1,0) on one side and")
    report.say("  (0,0),(1,1) on the other. Lesson 12 wires a hidden layer by hand; lesson 14 learns one.")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    from pynet.inspect.images import output_dir

    folder = output_dir()
    path = plot_boundaries([("AND: learned", and_perceptron, [0, 0, 0, 1]),
                            ("XOR: where the rule stopped", p, [0, 1, 1, 0])],
                           folder / "perceptron_decision_boundaries.png")
    report.say(f"  decision regions saved to {path}")


# %% [markdown]
# ## Run the lesson
#
# Each part prints its truth tables and compares them with the text's.

# %%
def run(report: Report, quick: bool) -> None:
    cheese_festival(report)
    nand_perceptron(report)
    gates(report)
    adders(report)
    eight_bit_addition(report)
    learning_rule(report)


# %%
if __name__ == "__main__":
    main(run, TITLE)
