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

import os

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


def preprocess_digit(image, **options) -> np.ndarray:
    """Turn a picture of one digit into an MNIST-like (784, 1) column in [0, 1].

    The preparation is MNIST's own (:func:`pynet.datasets.own_digits.preprocess`: ink made bright
    on a dark background, cropped, fitted into 20×20, centred by mass in 28×28); this only maps its
    0.01..1.0 range onto the [0, 1] this network was trained on.

    Parameters
    ----------
    image : str, path, PIL.Image.Image or ndarray (H, W) / (H, W, 3|4)
        A file needs Pillow; an array may be 0..255 or 0..1.
    **options
        Passed on to :func:`~pynet.datasets.own_digits.preprocess` (``invert``, ``crop_level``).

    Returns
    -------
    ndarray, shape (784, 1), float64 in [0, 1]
    """
    from ..datasets import own_digits

    if isinstance(image, (str, os.PathLike)):
        pixels = own_digits.load_image(image)
    elif hasattr(image, "convert") and not isinstance(image, np.ndarray):  # a Pillow image
        pixels = np.asarray(image.convert("L"), dtype=np.float64)
    else:
        pixels = image
    rashid_range = own_digits.preprocess(pixels, **options)       # background 0.01, ink 1.0
    return ((rashid_range - 0.01) / 0.99).reshape(784, 1)


def predict_image(network: Network, image, *, k: int = 5, verbose: bool = True):
    """Preprocess ``image`` (see :func:`preprocess_digit`), classify it, print the top-k listing.

    Returns ``(predicted_digit, top_k_pairs, x)`` where ``x`` is the (784, 1) input used.
    """
    x = preprocess_digit(image)
    pairs = top_k(network, x, k)
    if verbose:
        print(format_top_k(pairs))
    return pairs[0][0], pairs, x
