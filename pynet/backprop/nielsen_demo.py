"""The course text's §7 demonstration helpers for a trained :class:`~pynet.backprop.feedforward_network.Network`.

* :func:`top_k` / :func:`format_top_k`: the listing ``1. Number: 0 | 0.92020`` (the network's
  k most active outputs; sigmoid activations are not probabilities and need not sum to 1).
* :func:`misclassified`: which examples are wrong, with predicted and real labels (the text
  finds 218 of 10 000).
* :func:`preprocess_digit` and :func:`predict_image`: an image from outside MNIST (a file, a
  Pillow image or an array) made to look like an MNIST digit, then classified. Unlike the
  original, the pixels are scaled to [0, 1] — the network was trained on [0, 1] and the text's
  0..255 input was a bug.

The misclassified-digit grid is :func:`pynet.inspect.curves.plot_misclassified`.
"""
from __future__ import annotations

import numpy as np

from .feedforward_network import Network
from .nielsen_data import prepare

__all__ = ["top_k", "format_top_k", "misclassified", "preprocess_digit", "predict_image"]


def top_k(network: Network, x, k: int = 5):
    """The ``k`` largest outputs for one example as ``[(digit, activation), ...]``, best first."""
    out = np.asarray(network.feedforward(x)).reshape(-1)
    if out.shape[0] != network.sizes[-1]:
        raise ValueError(f"top_k(): x must be one example, got {np.shape(x)}")
    if not 1 <= int(k) <= out.shape[0]:
        raise ValueError(f"top_k(): k must lie in 1..{out.shape[0]}, got {k!r}")
    best = np.argsort(-out, kind="stable")[:int(k)]
    return [(int(d), float(out[d])) for d in best]


def format_top_k(pairs) -> str:
    """``1. Number: 0 | 0.9202004`` lines, then ``Predicted number: 0``."""
    lines = [f"{i + 1}. Number: {d} | {a:.7g}" for i, (d, a) in enumerate(pairs)]
    lines.append(f"Predicted number: {pairs[0][0]}")
    return "\n".join(lines)


def misclassified(network: Network, data):
    """Indices, predicted and real labels of the examples ``network`` gets wrong.

    Returns
    -------
    (indices, predicted, actual) : three int arrays of equal length.
    """
    d = prepare(data, network.sizes, "misclassified()", "data")
    a = network.feedforward(d.x.T)
    predicted = np.argmax(a, axis=0)
    wrong = np.flatnonzero(predicted != d.labels)
    return wrong, predicted[wrong], d.labels[wrong]


def preprocess_digit(image, *, threshold: float = 0.12) -> np.ndarray:
    """Turn a picture of one dark-on-light (or light-on-dark) digit into an MNIST-like column.

    The MNIST recipe: grey levels; ink bright on a dark background (inverted if the border is
    lighter than the middle); faint background below ``threshold`` (a fraction of full ink) set
    to 0; cropped to the ink's bounding box; scaled so the longer side is 20 pixels; placed in a
    28×28 canvas with its centre of mass at the centre; scaled to [0, 1].

    Parameters
    ----------
    image : str, path, PIL.Image.Image or ndarray (H, W)
        An array may be 0..255 or 0..1.

    Returns
    -------
    ndarray, shape (784, 1), float64 in [0, 1]
    """
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is optional
        raise ImportError("preprocess_digit() needs Pillow: pip install Pillow") from None
    if isinstance(image, np.ndarray):
        arr = np.asarray(image, dtype=np.float64)
        if arr.ndim == 3:
            arr = arr[..., :3].mean(axis=2)
        if arr.ndim != 2:
            raise ValueError(f"preprocess_digit(): expected a 2-D grey image, got shape {arr.shape}")
        arr = arr / 255.0 if arr.max() > 1.0 else arr
    else:
        img = image if isinstance(image, Image.Image) else Image.open(image)
        arr = np.asarray(img.convert("L"), dtype=np.float64) / 255.0
    if not np.isfinite(arr).all():
        raise ValueError("preprocess_digit(): the image holds NaN or Inf")
    def border(a):
        return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])

    if border(arr).mean() > arr.mean():     # light paper, dark ink: make ink bright like MNIST
        arr = 1.0 - arr
    arr = arr - np.median(border(arr))      # the paper's grey level becomes 0
    arr = np.clip(arr / max(arr.max(), 1e-12), 0.0, 1.0)
    arr[arr < threshold] = 0.0
    rows, cols = np.flatnonzero(arr.any(axis=1)), np.flatnonzero(arr.any(axis=0))
    if rows.size == 0:
        raise ValueError("preprocess_digit(): no ink found (the image is blank after thresholding)")
    crop = arr[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    new = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray((crop * 255).astype(np.uint8)).resize(new, Image.LANCZOS),
                       dtype=np.float64) / 255.0
    canvas = np.zeros((28, 28))
    total = small.sum()
    cy, cx = ((np.indices(small.shape) * small).reshape(2, -1).sum(axis=1) / total
              if total > 0 else (small.shape[0] / 2, small.shape[1] / 2))
    top = int(np.clip(round(14 - cy), 0, 28 - small.shape[0]))
    left = int(np.clip(round(14 - cx), 0, 28 - small.shape[1]))
    canvas[top:top + small.shape[0], left:left + small.shape[1]] = small
    return np.clip(canvas, 0.0, 1.0).reshape(784, 1)


def predict_image(network: Network, image, *, k: int = 5, verbose: bool = True):
    """Preprocess ``image`` (see :func:`preprocess_digit`), classify it, print the top-k listing.

    Returns ``(predicted_digit, top_k_pairs, x)`` where ``x`` is the (784, 1) input used.
    """
    x = preprocess_digit(image)
    pairs = top_k(network, x, k)
    if verbose:
        print(format_top_k(pairs))
    return pairs[0][0], pairs, x
