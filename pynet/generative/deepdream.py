"""DeepDream (Chollet §8.2, listings 8.8–8.13; Mordvintsev, Olah and Tyka 2015).

A convnet run in reverse: instead of changing weights to fit an image, change the image so that
chosen layers respond more strongly. Three things distinguish it from the filter patterns of
§5.4 (:func:`pynet.inspect.convnet.filter_pattern`): it maximises whole layers, not one filter;
it starts from a photo, not from grey noise; and it works at several scales (*octaves*).

The pieces, in the book's order:

``dream_loss(activations, coefficients)``     listing 8.10: Σ_l c_l · Σ a_l² / size(a_l),
                                              border pixels left out
``gradient_ascent(model, layer_weights, image, iterations, step, max_loss)``
                                              listing 8.11: x ← x + step · g / mean|g|
``octave_shapes`` / ``resize_image``          listings 8.12–8.13: the image at sizes growing by
                                              ``octave_scale`` (``scipy.ndimage.zoom``, order 1)
``deep_dream(model, layer_weights, image, ...)``
                                              listing 8.12: the octave loop with the lost detail
                                              put back after each upscaling

Any pynet convnet works (``Sequential`` or functional): the layers are named as in
``model.layers`` and the image may have any size (see :mod:`pynet.generative.features`). The
book's choice for Inception V3 is ``{'mixed2': 0.2, 'mixed3': 3., 'mixed4': 2., 'mixed5': 1.5}``,
``step=0.01``, 3 octaves of scale 1.4, 20 iterations per octave, ``max_loss=10``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from pynet import _validate as validate

from pynet.generative.features import FeatureExtractor, check_image

__all__ = ["dream_loss", "dream_loss_gradient", "normalize_gradient", "gradient_ascent",
           "octave_shapes", "resize_image", "deep_dream", "BOOK_LAYER_CONTRIBUTIONS"]

#: Listing 8.9: Inception V3's layers and how much each contributes to the loss.
BOOK_LAYER_CONTRIBUTIONS = {"mixed2": 0.2, "mixed3": 3.0, "mixed4": 2.0, "mixed5": 1.5}
#: Listing 8.11: the gradient is divided by max(mean |g|, GRADIENT_FLOOR).
GRADIENT_FLOOR = 1e-7
#: Listing 8.10 leaves out this many pixels at each edge of every activation map.
BORDER = 2


# -- checks ---------------------------------------------------------------------------------------

def _check_weights(layer_weights, where):
    if not isinstance(layer_weights, dict) or not layer_weights:
        raise ValueError(f"{where}: layer_weights must be a non-empty dict {{layer name: "
                         f"coefficient}}, e.g. {BOOK_LAYER_CONTRIBUTIONS}; got {layer_weights!r}")
    for name, c in layer_weights.items():
        if isinstance(c, bool) or not isinstance(c, numbers.Real) or not math.isfinite(c):
            raise ValueError(f"{where}: the coefficient of layer {name!r} must be a finite "
                             f"number, got {c!r}")
    return dict(layer_weights)


def _check_border(border, where):
    return validate.nonnegative_int(where, "border", border)


def _inner(a, border, name="activation"):
    """The activation map without ``border`` pixels at each edge: ``a[:, b:-b, b:-b, :]``."""
    if a.ndim != 4:
        raise ValueError(f"layer {name!r} outputs shape {a.shape}, not feature maps "
                         "(1, height, width, channels)")
    h, w = a.shape[1:3]
    if h <= 2 * border or w <= 2 * border:
        raise ValueError(f"layer {name!r} outputs {h}x{w} maps: nothing is left after leaving "
                         f"out a border of {border} pixels; use a larger image or border=0")
    return a[:, border:h - border, border:w - border, :]


# -- the loss (listing 8.10) --------------------------------------------------------------------------

def dream_loss(activations, coefficients, border: int = BORDER, names=None) -> float:
    """The DeepDream loss of listing 8.10.

    ``L = Σ_l c_l · Σ_{i,j,k} a_l[0, i, j, k]² / size(a_l)``, the inner sum over all but
    ``border`` pixels at each edge, ``size(a_l)`` the number of values in the *whole* map
    (the book divides by the product of the full shape).

    Parameters
    ----------
    activations : list of ndarray, each (1, h_l, w_l, c_l)
    coefficients : list of float, one c_l per activation
    border : int, pixels left out at each edge (the book: 2, against border artefacts)
    """
    names = names or [f"activation {k}" for k in range(len(activations))]
    total = 0.0
    for a, c, name in zip(activations, coefficients, names):
        inner = _inner(np.asarray(a, dtype=np.float64), border, name)
        total += c * float(np.sum(inner * inner)) / a.size
    return total


def dream_loss_gradient(activations, coefficients, border: int = BORDER) -> list:
    """dL/da_l for :func:`dream_loss`: ``2 c_l a_l / size(a_l)`` inside, 0 on the border."""
    grads = []
    for a, c in zip(activations, coefficients):
        g = np.zeros(a.shape, dtype=np.float64)
        h, w = a.shape[1:3]
        inner = _inner(np.asarray(a, dtype=np.float64), border)
        g[:, border:h - border, border:w - border, :] = 2.0 * c * inner / a.size
        grads.append(g)
    return grads


def normalize_gradient(g) -> np.ndarray:
    """Listing 8.11's trick: ``g / max(mean |g|, 1e-7)``, so a step moves a pixel by about
    ``step`` whatever the loss's scale."""
    g = np.asarray(g, dtype=np.float64)
    return g / max(float(np.mean(np.abs(g))), GRADIENT_FLOOR)


def _loss_and_gradient(extractor, coefficients, x, border):
    acts = extractor.activations(x)
    loss = dream_loss(acts, coefficients, border, extractor.layers)
    grad = extractor.input_gradient(dream_loss_gradient(acts, coefficients, border))
    return loss, grad


# -- gradient ascent (listing 8.11) ---------------------------------------------------------------

def gradient_ascent(model, layer_weights, image, iterations: int = 20, step: float = 0.01,
                    max_loss: float | None = None, *, border: int = BORDER, extractor=None):
    """Listing 8.11: ``iterations`` steps of ``x ← x + step · g / max(mean |g|, 1e-7)``, with
    ``g = dL/dx`` of :func:`dream_loss`; stop before a step once the loss exceeds
    ``max_loss``.

    Parameters
    ----------
    model : a pynet convnet (``Sequential`` or functional) with one image input
    layer_weights : dict {layer name: coefficient}
    image : ndarray (height, width, channels) or (1, height, width, channels), in the units the
        model was trained on
    iterations, step : positive int, positive float
    max_loss : float or None

    Returns
    -------
    (image, losses): the image after the steps (same rank as given, float64) and the loss
    at every evaluation: ``losses[i]`` before step ``i``, ``losses[-1]`` that of the returned
    image. Without an early stop ``len(losses) == iterations + 1``.
    """
    where = "gradient_ascent()"
    iterations = validate.positive_int(where, "iterations", iterations)
    step = validate.positive_real(where, "step", step)
    if max_loss is not None:
        if isinstance(max_loss, bool) or not isinstance(max_loss, numbers.Real) or \
                math.isnan(max_loss):
            raise ValueError(f"{where}: max_loss must be a number or None, got {max_loss!r}")
    border = _check_border(border, where)
    weights = _check_weights(layer_weights, where)
    if extractor is None:
        extractor = FeatureExtractor(model, list(weights), where)
    rank = np.ndim(image)
    x = check_image(image, where, extractor.channels).astype(np.float64)
    coefficients = [weights[name] for name in extractor.layers]
    losses = []
    for i in range(iterations + 1):
        loss, grad = _loss_and_gradient(extractor, coefficients, x, border)
        losses.append(loss)
        if i == iterations or (max_loss is not None and loss > max_loss):
            break
        x = x + step * normalize_gradient(grad)
    return (x[0] if rank == 3 else x), losses


# -- octaves (listings 8.12–8.13) -------------------------------------------------------------------

def octave_shapes(shape, num_octave: int = 3, octave_scale: float = 1.4) -> list:
    """The (height, width) of each octave, smallest first, ending with ``shape``:
    ``int(dim / octave_scale**i)`` for ``i = num_octave − 1 … 0`` (listing 8.12)."""
    where = "octave_shapes()"
    num_octave = validate.positive_int(where, "num_octave", num_octave)
    octave_scale = validate.positive_real(where, "octave_scale", octave_scale)
    shape = tuple(int(d) for d in shape)
    shapes = [tuple(int(d / octave_scale ** i) for d in shape) for i in range(num_octave)]
    if min(min(s) for s in shapes) < 1:
        raise ValueError(f"{where}: {num_octave} octaves of scale {octave_scale} shrink an image "
                         f"of {shape[0]}x{shape[1]} below one pixel; use fewer octaves")
    return shapes[::-1]


def resize_image(image, size) -> np.ndarray:
    """Listing 8.13's ``resize_img``: bilinear ``scipy.ndimage.zoom`` of a (1, h, w, c) image
    to ``size`` = (height, width)."""
    from scipy import ndimage

    x = np.asarray(image, dtype=np.float64)
    h, w = x.shape[1:3]
    factors = (1, size[0] / h, size[1] / w, 1)
    out = ndimage.zoom(x, factors, order=1)
    if out.shape[1:3] != tuple(size):          # zoom rounds; never off by more than one pixel
        out = out[:, :size[0], :size[1], :]
        pad = [(0, 0), (0, size[0] - out.shape[1]), (0, size[1] - out.shape[2]), (0, 0)]
        out = np.pad(out, pad, mode="edge")
    return out


def deep_dream(model, layer_weights, image, *, iterations: int = 20, step: float = 0.01,
               num_octave: int = 3, octave_scale: float = 1.4, max_loss: float | None = 10.0,
               border: int = BORDER, callback=None):
    """Listing 8.12: DeepDream over ``num_octave`` scales, re-injecting lost detail.

    The image starts shrunk to the smallest octave. At each octave: resize the dream to the
    octave's shape, run :func:`gradient_ascent`, then put back the detail that shrinking
    destroyed — ``resize(original, shape) − resize(shrunk original, shape)``, the difference
    between the photo at this size and the photo blown up from the previous size.

    Parameters
    ----------
    model, layer_weights, image, iterations, step, max_loss, border :
        as in :func:`gradient_ascent` (the book: 20, 0.01, 10).
    num_octave : positive int (the book: 3)
    octave_scale : positive float, the size ratio between octaves (the book: 1.4)
    callback : callable(octave_index, shape, image, losses), optional
        Called after each octave (the book saves ``dream_at_scale_<shape>.png`` there).

    Returns
    -------
    (dream, history): the final image (same rank as ``image``) and one dict per octave,
    ``{"shape": (h, w), "losses": [...]}`` with the losses of :func:`gradient_ascent`.
    """
    where = "deep_dream()"
    validate.positive_int(where, "iterations", iterations)
    validate.positive_real(where, "step", step)
    weights = _check_weights(layer_weights, where)
    extractor = FeatureExtractor(model, list(weights), where)
    rank = np.ndim(image)
    original = check_image(image, where, extractor.channels).astype(np.float64)
    shapes = octave_shapes(original.shape[1:3], num_octave, octave_scale)
    shrunk_original = resize_image(original, shapes[0])
    img = original
    history = []
    for k, shape in enumerate(shapes):
        img = resize_image(img, shape)
        img, losses = gradient_ascent(model, weights, img, iterations, step, max_loss,
                                      border=border, extractor=extractor)
        upscaled_shrunk_original = resize_image(shrunk_original, shape)
        same_size_original = resize_image(original, shape)
        lost_detail = same_size_original - upscaled_shrunk_original
        img = img + lost_detail
        shrunk_original = same_size_original
        history.append({"shape": tuple(shape), "losses": losses})
        if callback is not None:
            callback(k, tuple(shape), img, losses)
    return (img[0] if rank == 3 else img), history
