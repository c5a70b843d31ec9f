"""Drawing a computational graph: as text (always) and as a PNG (when matplotlib is installed).

Works for the three kinds of graph pynet has: a scalar :class:`~.value.Value`, an eager
:class:`~.tensor.Tensor` (what it was computed from) and a graph :class:`~.graph.Node` (the
TensorFlow-1 style). Each node is drawn with its inputs to its left, in columns by depth.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["nodes_of", "to_text", "to_png"]


def _describe(x) -> tuple:
    """``(label, detail, parents)`` of one node of any kind."""
    from .graph import Node
    from .tensor import Tensor
    from .value import Value
    if isinstance(x, Value):
        label = f"{x.label} = {x.op}" if x.label and x.op else (x.label or x.op or "value")
        return label, f"data {x.data:.4g}  grad {x.grad:.4g}", list(x.parents)
    if isinstance(x, Tensor):
        label = x.name or (x.op if x.parents else "leaf")
        if x.name and x.parents:
            label = f"{x.name} = {x.op}"
        detail = f"{x.dtype} {x.shape}" if x.size != 1 else f"{x.dtype} {x.data.item():.4g}"
        return label, detail, list(x.parents)
    if isinstance(x, Node):
        shape = "" if x.shape is None else " " + "(" + ", ".join(
            "None" if s is None else str(s) for s in x.shape) + ")"
        return x.name, f"{x.op_name}{shape}", list(x.inputs)
    raise TypeError(f"draw: expected a Value, Tensor or graph Node, got {type(x).__name__}")


def nodes_of(root) -> list:
    """``[(id, label, detail, [parent ids])]`` in topological order (inputs first)."""
    order, seen, stack = [], set(), [(root, False)]
    info = {}
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        info[id(node)] = _describe(node)
        stack.append((node, True))
        stack.extend((p, False) for p in reversed(info[id(node)][2]) if id(p) not in seen)
    return [(id(n), info[id(n)][0], info[id(n)][1], [id(p) for p in info[id(n)][2]])
            for n in order]


def to_text(root) -> str:
    """One line per node, inputs first: ``n3  tanh(n2)   data 0.4621  grad 1``."""
    nodes = nodes_of(root)
    short = {nid: f"n{i}" for i, (nid, *_) in enumerate(nodes)}
    lines = []
    for nid, label, detail, parents in nodes:
        call = f"{label}({', '.join(short[p] for p in parents)})" if parents else label
        lines.append(f"{short[nid]:>4}  {call:<36} {detail}")
    return "\n".join(lines)


def to_png(root, path, *, title=None):
    """Draw the graph to ``path`` (PNG) with matplotlib; returns the path.

    Raises ImportError with an explanation when matplotlib is not installed (use
    :func:`to_text` then).
    """
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("autodiff.draw.to_png needs matplotlib (pip install matplotlib); "
                          "to_text() works without it") from exc
    nodes = nodes_of(root)
    depth = {}
    for nid, _, _, parents in nodes:                 # parents come first: one pass suffices
        depth[nid] = 1 + max((depth[p] for p in parents), default=-1)
    columns = {}
    for nid, *_ in nodes:
        columns.setdefault(depth[nid], []).append(nid)
    pos = {}
    for d, ids in columns.items():
        for k, nid in enumerate(ids):
            pos[nid] = (d * 3.0, -(k - (len(ids) - 1) / 2) * 1.4)
    width = 3.0 * (max(columns) + 1)
    height = 1.4 * max(len(v) for v in columns.values()) + 1
    fig, ax = plt.subplots(figsize=(min(2 + width * 0.9, 30), min(1.5 + height * 0.7, 30)))
    for nid, label, detail, parents in nodes:
        x, y = pos[nid]
        for p in parents:
            px, py = pos[p]
            ax.annotate("", xy=(x - 1.0, y), xytext=(px + 1.0, py),
                        arrowprops=dict(arrowstyle="->", color="0.4", lw=1))
        ax.text(x, y, f"{label}\n{detail}", ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc="#e8f0fe" if parents else "#fff4d6", ec="0.3"))
    xs = np.array([p[0] for p in pos.values()])
    ys = np.array([p[1] for p in pos.values()])
    ax.set_xlim(xs.min() - 1.5, xs.max() + 1.5)
    ax.set_ylim(ys.min() - 1.0, ys.max() + 1.0)
    ax.axis("off")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
