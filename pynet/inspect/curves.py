"""Training curves and the misclassified-digit grid (matplotlib optional).

:func:`plot_history` draws cost and accuracy per epoch for training and evaluation data — the
course text's five ``plotting.py`` figures as panels of one figure — and the train-vs-evaluation
accuracy overlay. It accepts

* the :class:`~pynet.backprop.feedforward_network.History` that ``Network.SGD`` returns (or the
  original's 4-tuple ``(evaluation_cost, evaluation_accuracy, training_cost, training_accuracy)``),
* a Keras-style dict of lists: ``{"loss", "accuracy", "val_loss", "val_accuracy"}`` (any subset,
  ``acc``/``val_acc`` too), e.g. ``model.fit(...).history``.

Every function returns the matplotlib ``Figure`` and saves a PNG when ``path`` is given; nothing
calls ``plt.show()``. Without matplotlib, :func:`curves_text` gives a plain-text table instead.
"""
from __future__ import annotations

import numpy as np

from .figures import legend_outside

__all__ = ["normalise_history", "plot_history", "plot_overlay", "plot_misclassified",
           "curves_text", "matplotlib_available"]

_KERAS_KEYS = {"training_cost": ("loss",), "training_accuracy": ("accuracy", "acc"),
               "evaluation_cost": ("val_loss",), "evaluation_accuracy": ("val_accuracy", "val_acc")}


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install matplotlib "
                          "(curves_text() works without it)") from None
    # No backend is forced: without a display matplotlib falls back to Agg by itself, and a
    # user's interactive or notebook backend is left alone.
    import matplotlib.pyplot as plt
    return plt


def normalise_history(history) -> dict:
    """Return ``{"training_cost", "training_accuracy", "evaluation_cost",
    "evaluation_accuracy"}`` as lists of floats (empty when not recorded).

    Raises
    ------
    TypeError
        For anything that is not a History, a 4-tuple or a dict of lists.
    ValueError
        For a dict without any of the known keys.
    """
    out = {k: [] for k in _KERAS_KEYS}
    if isinstance(history, dict):
        found = False
        for key, names in _KERAS_KEYS.items():
            for name in (key,) + names:
                if name in history:
                    out[key] = [float(v) for v in history[name]]
                    found = True
                    break
        if not found:
            raise ValueError(f"plot_history(): the dict has none of the keys loss, accuracy, "
                             f"val_loss, val_accuracy; got {sorted(history)}")
        return out
    if all(hasattr(history, k) for k in _KERAS_KEYS):
        return {k: [float(v) for v in getattr(history, k)] for k in _KERAS_KEYS}
    if isinstance(history, (tuple, list)) and len(history) == 4:
        ec, ea, tc, ta = history
        return {"evaluation_cost": [float(v) for v in ec],
                "evaluation_accuracy": [float(v) for v in ea],
                "training_cost": [float(v) for v in tc],
                "training_accuracy": [float(v) for v in ta]}
    raise TypeError("plot_history(): expected a History, the 4-tuple (evaluation_cost, "
                    "evaluation_accuracy, training_cost, training_accuracy) or a Keras-style dict,"
                    f" got {type(history).__name__}")


def plot_history(history, *, xmin: int = 0, title: str = "", path=None):
    """Cost and accuracy per epoch (training and evaluation) from epoch ``xmin`` on.

    Panels: cost on the training and evaluation data, and accuracy on both — the accuracy
    panel only when the history has accuracies (a regression's has none: one panel, not an
    empty one). Returns the Figure (saved to ``path`` as PNG when given).
    """
    h = normalise_history(history)
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    has_accuracy = bool(h["training_accuracy"][xmin:] or h["evaluation_accuracy"][xmin:])
    if has_accuracy:
        fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.8))
    else:
        fig, ax_cost = plt.subplots(figsize=(6, 3.8))
        ax_acc = None
    for key, label, colour, ax in (("training_cost", "training", "tab:red", ax_cost),
                                   ("evaluation_cost", "evaluation", "tab:blue", ax_cost),
                                   ("training_accuracy", "training", "tab:orange", ax_acc),
                                   ("evaluation_accuracy", "evaluation", "tab:blue", ax_acc)):
        values = h[key]
        if ax is not None and values[xmin:]:
            epochs = np.arange(xmin, len(values))
            ax.plot(epochs, values[xmin:], color=colour, label=label)
    ax_cost.set_title("Cost")
    panels = [ax_cost]
    if ax_acc is not None:
        ax_acc.set_title("Accuracy")
        panels.append(ax_acc)
    for ax in panels:
        ax.set_xlabel("Epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))     # no epoch 0.25
        ax.grid(True)
        if ax.lines:
            legend_outside(ax)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=90)
    return fig


def plot_overlay(history, *, ylim: float = 0.9, xmin: int = 0, title: str = "", path=None):
    """Training vs evaluation accuracy on one axis, y from ``ylim`` to 1 (the text's overlay)."""
    h = normalise_history(history)
    if not h["training_accuracy"] and not h["evaluation_accuracy"]:
        raise ValueError("plot_overlay(): the history has no accuracy to draw")
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6, 3.8))
    for key, label, colour in (("training_accuracy", "accuracy on the training data", "tab:orange"),
                               ("evaluation_accuracy", "accuracy on the evaluation data", "tab:blue")):
        values = h[key]
        if values[xmin:]:
            ax.plot(np.arange(xmin, len(values)), values[xmin:], color=colour, label=label)
    ax.set_ylim(ylim, 1.0)
    ax.set_xlabel("Epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True)
    legend_outside(ax)
    ax.set_title(title or "Training vs evaluation accuracy")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=90)
    return fig


def plot_misclassified(images, predicted, actual, *, columns: int = 10, limit: int = 100,
                       path=None):
    """A grid of misclassified digits, each titled ``says <predicted>, is <real>`` (the text's
    ``P:`` and ``R:``, spelled out), under a title that says so.

    ``images`` is ``(N, 784)``, ``(N, 784, 1)`` or ``(N, 28, 28)``; the first ``limit`` are drawn.
    """
    imgs = np.asarray(images, dtype=np.float64)
    n = imgs.shape[0]
    if len(predicted) != n or len(actual) != n:
        raise ValueError(f"plot_misclassified(): {n} images but {len(predicted)} predictions and "
                         f"{len(actual)} labels")
    if n == 0:
        raise ValueError("plot_misclassified(): nothing to draw (no misclassified images)")
    imgs = imgs.reshape(n, 28, 28)[:limit]
    plt = _pyplot()
    rows = -(-imgs.shape[0] // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.1, rows * 1.25 + 0.4),
                             squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < imgs.shape[0]:
            ax.imshow(imgs[i], cmap="binary")
            ax.set_title(f"says {int(predicted[i])}, is {int(actual[i])}", fontsize=9,
                         color="darkred")
    fig.suptitle(f"{imgs.shape[0]} misclassified digits: what the network says, what the label is")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=90)
    return fig


def curves_text(history, *, every: int = 1) -> str:
    """A plain-text table of the history (one row per ``every`` epochs)."""
    h = normalise_history(history)
    keys = [k for k in ("training_cost", "training_accuracy", "evaluation_cost",
                        "evaluation_accuracy") if h[k]]
    n = max((len(h[k]) for k in keys), default=0)
    lines = ["epoch  " + "  ".join(f"{k:>19}" for k in keys)]
    for j in range(0, n, max(1, int(every))):
        cells = [f"{h[k][j]:>19.6f}" if j < len(h[k]) else " " * 19 for k in keys]
        lines.append(f"{j:>5}  " + "  ".join(cells))
    return "\n".join(lines)
