"""Small helpers for matplotlib figures that a learner reads: legends that never cover a curve.

``legend_outside(ax)``  the legend beside the axes, to their right, with the figure widened by
                        the legend's width so the plot keeps its size.

A legend inside the axes (matplotlib's default ``loc="best"``) picks the emptiest corner, but
with several curves there is often none, and on a log scale or a histogram the curves cross
every corner. Outside the axes, it cannot cover the data.
"""
from __future__ import annotations

__all__ = ["legend_outside", "GAP_INCHES"]

#: Space between the axes and a legend beside them, in inches.
GAP_INCHES = 0.15


def legend_outside(ax, handles=None, labels=None, *, fontsize=None, title=None):
    """Draw ``ax``'s legend to the right of the axes, top-aligned, and widen the figure by the
    legend's width (so ``fig.tight_layout()`` afterwards does not squeeze the plot).

    Parameters
    ----------
    ax : matplotlib Axes
    handles, labels : lists, optional
        As for ``ax.legend(handles, labels)``; default the labelled artists of ``ax``.
    fontsize, title : optional
        Passed to ``ax.legend``.

    Returns
    -------
    The Legend, or None when there is nothing labelled to show.
    """
    if handles is None:
        handles, found = ax.get_legend_handles_labels()
        labels = found if labels is None else labels
    elif labels is None:
        labels = [h.get_label() for h in handles]
    if not handles:
        return None
    if len(labels) != len(handles):
        raise ValueError(f"legend_outside(): {len(handles)} handles but {len(labels)} labels")
    fig = ax.figure
    gap = GAP_INCHES / max(ax.get_position().width * fig.get_figwidth(), 1e-9)
    legend = ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0 + gap, 1.0),
                       borderaxespad=0.0, fontsize=fontsize, title=title)
    renderer = fig.canvas.get_renderer()
    width = legend.get_window_extent(renderer).width / fig.dpi
    fig.set_figwidth(fig.get_figwidth() + width + GAP_INCHES)
    return legend
