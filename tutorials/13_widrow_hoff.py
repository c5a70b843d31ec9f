# %% [markdown]
# # 13 · Widrow–Hoff: the delta rule
#
# The lecture notes' §7: S = Σ wᵢXᵢ − b, Y = S, and after every pattern
# w ← w − α(Y − d)X, b ← b + α(Y − d) (a plus sign, because the threshold is subtracted), until the
# epoch's error E = ½Σ(Y − d)² is at most Em. The notes give no numbers, so this lesson makes its
# own checks.

# %%
"""Widrow–Hoff (the delta rule): a layer of linear neurons learns a linear map and a gate.

The lecture notes, §7. Run it: ``pynet run 13 [--quick]``; as a notebook: ``pynet notebook 13``.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from pynet.inspect.images import output_dir
from pynet.classic.delta_rule import DeltaRule, TrainingDiverged, stable_alpha_limit
from pynet.classic.perceptron import ConvergenceWarning
from pynet.lessons import Report, main

TITLE = "13 · Widrow–Hoff: the delta rule"
BITS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
W_TRUE = np.array([[1.5, -2.0], [0.5, 0.25], [-1.0, 3.0]])
B_TRUE = np.array([0.3, -0.7])


# %% [markdown]
# ## The error curve
#
# log10(E) per epoch: a PNG when matplotlib is installed (set `PYNET_OUTPUT` to choose the
# folder), rows of characters otherwise.

# %%
def text_curve(errors, width: int = 50, rows: int = 8) -> list:
    """log10(E) per epoch as rows of characters, for when matplotlib is not installed."""
    logs = np.log10(np.maximum(np.asarray(errors), 1e-300))
    cols = np.linspace(0, len(logs) - 1, min(width, len(logs))).astype(int)
    top, bottom = logs.max(), logs.min()
    span = top - bottom or 1.0
    lines = []
    for r in range(rows):
        level = top - span * r / (rows - 1)
        lines.append(f"  {level:>6.1f} |" + "".join("*" if abs(logs[c] - level) <= span / (2 * (rows - 1))
                                                     else " " for c in cols))
    lines.append("         +" + "-" * len(cols) + f"  epochs 1..{len(logs)}  (log10 E)")
    return lines


def plot_curves(curves: dict, path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pynet.inspect.figures import legend_outside

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for label, errors in curves.items():
        ax.semilogy(range(1, len(errors) + 1), errors, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("E = ½ Σ (Y − d)²")
    ax.set_title("Widrow–Hoff: error per epoch")
    legend_outside(ax)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


# %% [markdown]
# ## Recovering a known linear map
#
# A layer of linear neurons trained by the rule must find the weights that made the data.

# %%
def linear_map(report: Report, quick: bool) -> list:
    report.section("Learning a known linear map: 3 inputs, 2 neurons, d = X·W − b exactly")
    rng = np.random.default_rng(2026)
    X = rng.uniform(-1, 1, size=(30, 3))
    D = X @ W_TRUE - B_TRUE
    net = DeltaRule(3, 2, seed=7)
    history = net.fit(X, D, alpha=0.1, desired_error=1e-10, max_epochs=5000)
    report.say(f"  α = 0.1, Em = 1e-10: {history.message}")
    for i in range(3):
        for j in range(2):
            report.compare(f"w{i + 1}{j + 1}", book=W_TRUE[i, j], ours=round(float(net.W[i, j]), 6),
                           agree=abs(net.W[i, j] - W_TRUE[i, j]) < 1e-3)
    for j in range(2):
        report.compare(f"threshold b{j + 1}", book=B_TRUE[j], ours=round(float(net.b[j]), 6),
                       agree=abs(net.b[j] - B_TRUE[j]) < 1e-3, headline=j == 1, kind="book",
                       tolerance=1e-3, data="the notes' training set, made by their true weights")
    from pynet import kernels
    from pynet.kernels import compiled_available
    if compiled_available():
        twin = DeltaRule(3, 2, seed=7, backend="python")
        h_py = twin.fit(X, D, alpha=0.1, desired_error=1e-10, max_epochs=5000)
        same = len(h_py) == len(history) and np.allclose(h_py, history, rtol=1e-12)
        report.check(same and np.allclose(twin.W, net.W, rtol=1e-12),
                     f"NumPy and compiled epochs give the same E curve (active backend: {kernels.BACKEND})")
    return list(history)


# %% [markdown]
# ## Learning AND
#
# A linear neuron learns the AND gate when its output is read with a threshold of 0.5.

# %%
def and_gate(report: Report) -> list:
    report.section("AND with a linear neuron and a read-out Y > 0.5")
    net = DeltaRule(2, seed=3)
    history = net.fit(BITS, [0, 0, 0, 1], alpha=0.05, desired_error=0.14, max_epochs=2000)
    Y = net.predict(BITS)[:, 0]
    report.say(f"  {history.message}; w = {np.round(net.W[:, 0], 3)}, b = {net.b[0]:.3f}")
    for x, y in zip(BITS.astype(int), Y):
        report.say(f"    {x[0]} {x[1]} -> Y = {y:+.3f} -> {int(y > 0.5)}")
    report.say("  A line cannot hit 0, 0, 0, 1 exactly: the least-squares line Y = 0.5x1 + 0.5x2 − 0.25")
    report.say("  misses each target by 0.25, so the least E is ½·4·0.25² = 0.125; Em must be above it.")
    report.compare("least possible E for AND", book=0.125, ours=round(net.error(BITS, [0, 0, 0, 1]), 3),
                   agree=0.125 <= net.error(BITS, [0, 0, 0, 1]) < 0.14, note="ours: with the learned weights")
    report.compare("AND read-out", book=[0, 0, 0, 1], ours=net.classify(BITS)[:, 0].tolist(),
                   agree=net.classify(BITS)[:, 0].tolist() == [0, 0, 0, 1])
    return list(history)


# %% [markdown]
# ## What α does
#
# A small α learns slowly, a larger one faster, and one too large for the inputs makes the rule
# blow up: pynet stops it and explains why instead of letting the numbers overflow.

# %%
def effect_of_alpha(report: Report, quick: bool) -> dict:
    report.section("The effect of α (same start, same map; inputs in [−2, 2])")
    rng = np.random.default_rng(2026)
    X = rng.uniform(-2, 2, size=(30, 3))
    D = X @ W_TRUE - B_TRUE
    limit = stable_alpha_limit(X)
    report.say(f"  a single update can overshoot its pattern once α > 2 / max(‖X‖² + 1) = {limit:.3f};")
    report.say("  a little above that the epoch may still settle, far above it E explodes")
    curves = {}
    outcomes = {}
    report.say("      α   | epochs to E ≤ 1e-8 | outcome")
    for alpha in (0.01, 0.05, 0.2, 0.5, 0.9):
        net = DeltaRule(3, 2, seed=7)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                h = net.fit(X, D, alpha=alpha, desired_error=1e-8, max_epochs=400 if quick else 3000)
            outcome = "converged" if h.converged else "cap reached"
            report.say(f"    {alpha:>5} | {len(h):>18} | {outcome}")
            outcomes[alpha] = outcome
            curves[f"map, X in [−2, 2], α = {alpha}"] = list(h)
        except TrainingDiverged as exc:
            report.say(f"    {alpha:>5} | {'-':>18} | DIVERGED after {len(exc.history)} epochs")
            outcomes[alpha] = "diverged"
    report.check(outcomes[0.01] == "converged" and outcomes[0.9] == "diverged",
                 "a small α converges, an α far above the bound is stopped as diverged")
    report.section("Unscaled inputs: the same map with X in [−100, 100] and a modest α = 0.1")
    X = X / 2
    net = DeltaRule(3, 2, seed=7)
    W0 = net.W.copy()
    try:
        net.fit(X * 100, (X * 100) @ W_TRUE - B_TRUE, alpha=0.1)
        diverged = False
    except TrainingDiverged as exc:
        diverged = True
        report.say("  " + str(exc))
    report.check(diverged and np.array_equal(net.W, W0),
                 "divergence is detected and reported, and the network is left unchanged")
    return curves


# %% [markdown]
# ## Run the lesson
#
# The map, the gate and the α sweep in order, each with its own check.

# %%
def run(report: Report, quick: bool) -> None:
    curve_map = linear_map(report, quick)
    curve_and = and_gate(report)
    curves = effect_of_alpha(report, quick)
    report.section("Error curve of the linear map (E per epoch)")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        for line in text_curve(curve_map):
            report.say(line)
    else:
        curves = {"linear map, α = 0.1": curve_map, "AND, α = 0.05": curve_and, **curves}
        path = plot_curves(curves, output_dir() / "widrow_hoff_error.png")
        report.say(f"  plot saved to {path}")
        for line in text_curve(curve_map):
            report.say(line)


# %%
if __name__ == "__main__":
    main(run, TITLE)
