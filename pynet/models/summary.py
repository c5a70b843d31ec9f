"""``model.summary()`` and ``plot_model``: the model as a table, a text diagram and a picture.

The table is Keras's: for a ``Sequential`` model *Layer (type) / Output Shape / Param #*; for a
functional model also *Connected to* (which layer's output each call reads, as
``name[call][output]``), with the ``InputLayer`` rows Keras shows. ``plot_model`` draws the graph:
with Graphviz through ``pydot`` when both are installed, otherwise with matplotlib; it always
returns the text diagram (one line per call, inputs -> layer -> output shape).
"""
from __future__ import annotations

import os

from pynet.layers.base import format_shape

__all__ = ["summary_text", "text_diagram", "plot_model"]


def _shape_text(layer_or_tensors):
    shapes = layer_or_tensors
    if isinstance(shapes, list):
        return "[" + ", ".join(format_shape(s) for s in shapes) + "]"
    return format_shape(shapes)


def _node_output_shape(node):
    shapes = [t.sample_shape for t in node.outputs]
    return shapes if node.outputs_as_list else shapes[0]


def summary_text(model, line_length=None) -> str:
    from pynet.models.sequential import Sequential
    if not model.built:
        raise ValueError("summary(): the model is not built yet; give the first layer "
                         "input_shape=... or call model.build(input_shape)")
    if isinstance(model, Sequential):
        return _sequential_summary(model, line_length or 65)
    return _functional_summary(model, line_length or 98)


def _totals(model, line_length):
    total = model.count_params()
    trainable = model.count_trainable_params()
    return [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}", "_" * line_length]


def _sequential_summary(model, line_length):
    # Keras's column stops for a sequential model: 45% and 85% of the line
    widths = [int(line_length * 0.45), int(line_length * 0.85) - int(line_length * 0.45)]
    lines = [f'Model: "{model.name}"', "_" * line_length,
             f"{'Layer (type)':<{widths[0]}}{'Output Shape':<{widths[1]}}{'Param #'}",
             "=" * line_length]
    nodes = {id(n.layer): n for n in model._nodes}
    layers = model.layers
    for i, layer in enumerate(layers):
        label = f"{layer.name} ({type(layer).__name__})"
        shape = _shape_text(_node_output_shape(nodes[id(layer)]))
        # a label longer than its column keeps one space before the next (never truncated)
        lines.append(f"{label:<{widths[0] - 1}} {shape:<{widths[1] - 1}} {layer.count_params()}")
        lines.append("=" * line_length if i == len(layers) - 1 else "_" * line_length)
    return "\n".join(lines + _totals(model, line_length))


def _call_refs(model):
    """``{id(node): 'name[call][output]'-style references of its inputs}``."""
    index = {}
    calls = {}
    for t in model.inputs:
        index[id(t.node)] = 0
    for node in model._nodes:
        index[id(node)] = calls.get(id(node.layer), 0)
        calls[id(node.layer)] = index[id(node)] + 1
    return {id(n): [f"{t.node.layer.name}[{index.get(id(t.node), 0)}][{t.index}]"
                    for t in n.inputs] for n in model._nodes}


def _functional_summary(model, line_length):
    stops = [int(line_length * f) for f in (0.33, 0.55, 0.67)]
    widths = [stops[0], stops[1] - stops[0], stops[2] - stops[1]]
    lines = [f'Model: "{model.name}"', "_" * line_length,
             f"{'Layer (type)':<{widths[0]}}{'Output Shape':<{widths[1]}}"
             f"{'Param #':<{widths[2]}}Connected to", "=" * line_length]
    refs = _call_refs(model)
    rows = []
    for t in model.inputs:
        rows.append((t.node.layer, _shape_text(t.sample_shape), []))
    for node in model._nodes:
        rows.append((node.layer, _shape_text(_node_output_shape(node)), refs[id(node)]))
    for i, (layer, shape, connected) in enumerate(rows):
        label = f"{layer.name} ({type(layer).__name__})"
        first = connected[0] if connected else ""
        lines.append(f"{label:<{widths[0] - 1}} {shape:<{widths[1] - 1}} "
                     f"{layer.count_params():<{widths[2] - 1}} {first}".rstrip())
        for more in connected[1:]:
            lines.append(" " * stops[2] + more)
        lines.append("=" * line_length if i == len(rows) - 1 else "_" * line_length)
    return "\n".join(lines + _totals(model, line_length))


def text_diagram(model, show_shapes=True) -> str:
    """One line per call: ``inputs -> layer (Type) -> shape``, in running order."""
    lines = []
    for t in model.inputs:
        shape = f" {format_shape(t.sample_shape)}" if show_shapes else ""
        lines.append(f"{t.node.layer.name} (InputLayer){shape}")
    refs = _call_refs(model)
    for node in model._nodes:
        shape = f" -> {_shape_text(_node_output_shape(node))}" if show_shapes else ""
        sources = ", ".join(r.split("[")[0] for r in refs[id(node)])
        lines.append(f"{sources} -> {node.layer.name} ({type(node.layer).__name__}){shape}")
    outs = ", ".join(t.node.layer.name for t in model.outputs)
    lines.append(f"outputs: {outs}")
    return "\n".join(lines)


def _graph_edges(model):
    """Boxes (id, label) and edges (from id, to id) of the layer graph."""
    boxes, edges = [], []
    for t in model.inputs:
        boxes.append((t.node.layer.name, t.node.layer, t.sample_shape))
    seen = {b[0] for b in boxes}
    for node in model._nodes:
        if node.layer.name not in seen:
            boxes.append((node.layer.name, node.layer, _node_output_shape(node)))
            seen.add(node.layer.name)
        for t in node.inputs:
            edges.append((t.node.layer.name, node.layer.name))
    return boxes, edges


def _levels(boxes, edges):
    level = {b[0]: 0 for b in boxes}
    for _ in range(len(boxes)):
        changed = False
        for a, b in edges:
            if level[b] < level[a] + 1:
                level[b] = level[a] + 1
                changed = True
        if not changed:
            break
    return level


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True, dpi=96):
    """Draw ``model``'s graph to ``to_file`` (PNG) and return the text diagram.

    Uses Graphviz through ``pydot`` when both are installed; otherwise matplotlib (boxes placed
    by depth, arrows for the calls). Without either, only the text diagram is returned and no
    file is written (``ImportError`` names what to install).
    """
    if not model.built:
        raise ValueError("plot_model(): the model is not built yet")
    text = text_diagram(model, show_shapes)
    boxes, edges = _graph_edges(model)

    def label(name, layer, shape):
        head = f"{name}: {type(layer).__name__}" if show_layer_names else type(layer).__name__
        return head + (f"\n{_shape_text(shape)}" if show_shapes else "")

    try:
        import pydot
        graph = pydot.Dot(graph_type="digraph", rankdir="TB", dpi=dpi)
        for name, layer, shape in boxes:
            graph.add_node(pydot.Node(name, label=label(name, layer, shape), shape="record"))
        for a, b in edges:
            graph.add_edge(pydot.Edge(a, b))
        data = graph.create(format="png")
        from pynet.persistence import atomic_write
        atomic_write(to_file, data)
        return text
    except Exception:   # noqa: BLE001 - pydot missing or Graphviz's `dot` not installed
        pass
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_model(): install matplotlib (pip install matplotlib) or pydot with "
                          "Graphviz to draw the graph; text_diagram(model) needs neither") from None
    level = _levels(boxes, edges)
    rows = {}
    for name, _, _ in boxes:
        rows.setdefault(level[name], []).append(name)
    depth = max(rows) + 1
    width = max(len(r) for r in rows.values())
    pos = {}
    for lv, names in rows.items():
        for i, name in enumerate(names):
            pos[name] = ((i + 0.5) * width / len(names), depth - lv - 0.5)
    fig, ax = plt.subplots(figsize=(max(4.0, 3.2 * width), max(3.0, 1.3 * depth)))
    for a, b in edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.annotate("", xy=(x1, y1 + 0.22), xytext=(x0, y0 - 0.22),
                    arrowprops={"arrowstyle": "->", "color": "0.3"})
    for name, layer, shape in boxes:
        x, y = pos[name]
        ax.text(x, y, label(name, layer, shape), ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "facecolor": "#e8eef7", "edgecolor": "#4a6fa5"})
    ax.set_xlim(0, width)
    ax.set_ylim(0, depth)
    ax.axis("off")
    directory = os.path.dirname(os.path.abspath(to_file))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(to_file)}.tmp.png")
    fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, to_file)
    return text
