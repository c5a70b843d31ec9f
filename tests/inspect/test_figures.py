"""Legends beside the axes: after tight_layout and saving, no legend overlaps the plot area and
none is cut off by the figure's edge, and the plot keeps its width."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.inspect.figures import legend_outside


def boxes(fig, ax, legend):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return ax.get_window_extent(renderer), legend.get_window_extent(renderer), fig.bbox


def test_legend_beside_the_axes_never_over_the_data(require, tmp_path):
    plt = require("matplotlib.pyplot")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    x = np.arange(1, 51)
    for k in range(4):                      # four curves crossing every corner of the plot
        ax.semilogy(x, np.exp(-x / (5 + 10 * k)) + 0.01 * k, label=f"a long label, curve {k}")
    plot_width = ax.get_window_extent().width
    legend = legend_outside(ax)
    fig.tight_layout()
    axes_box, legend_box, figure_box = boxes(fig, ax, legend)
    assert legend_box.x0 > axes_box.x1                       # right of the plot: no overlap
    assert figure_box.contains(legend_box.x1 - 1, legend_box.y0 + 1)   # not cut off
    assert axes_box.width >= 0.8 * plot_width                # the plot is not squeezed
    assert [t.get_text() for t in legend.get_texts()][0] == "a long label, curve 0"
    fig.savefig(tmp_path / "l.png")
    plt.close(fig)


def test_two_panels_each_with_a_legend(require):
    plt = require("matplotlib.pyplot")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    legends = []
    for ax in axes:
        ax.plot([0, 1], [0, 1], label="training")
        ax.plot([0, 1], [1, 0], label="validation")
        legends.append(legend_outside(ax, fontsize=8))
    fig.tight_layout()
    left = boxes(fig, axes[0], legends[0])
    right = boxes(fig, axes[1], legends[1])
    assert left[1].x1 < right[0].x0                          # the first legend stops before panel 2
    assert not right[1].overlaps(right[0]) and not left[1].overlaps(left[0])
    plt.close(fig)


def test_handles_given_or_nothing_to_show(require):
    plt = require("matplotlib.pyplot")
    from matplotlib.patches import Patch

    fig, ax = plt.subplots()
    assert legend_outside(ax) is None                        # nothing labelled: no legend
    legend = legend_outside(ax, [Patch(color="c", label="shaded: output 1")])
    assert [t.get_text() for t in legend.get_texts()] == ["shaded: output 1"]
    with pytest.raises(ValueError, match="1 handles but 2 labels"):
        legend_outside(ax, [Patch(color="c")], ["a", "b"])
    plt.close(fig)


def test_every_legend_in_pynet_and_the_lessons_goes_through_legend_outside():
    """A bare ``ax.legend()`` puts the legend inside the axes, where it can hide a curve."""
    import re
    from pathlib import Path

    import pynet

    root = Path(pynet.__file__).resolve().parent.parent
    bare = re.compile(r"\.legend\(")
    offenders = []
    for folder in ("pynet", "tutorials"):
        for path in sorted((root / folder).rglob("*.py")):
            if path.name == "figures.py" and path.parent.name == "inspect":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if bare.search(line):
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert (root / "tutorials").is_dir()
    assert not offenders, "use pynet.inspect.figures.legend_outside:\n" + "\n".join(offenders)
