"""Neural style transfer (Chollet §8.3, listings 8.14–8.22; Gatys, Ecker and Bethge 2015).

Keep the *content* of a target image (what an upper layer of a convnet sees in it) and take the
*style* of a reference image (the correlations between feature maps at several layers: its
textures and colours at several scales). The generated image minimises

    L(x) = w_c · content_loss(F_content(target), F_content(x))
         + Σ_l (w_s / n_style) · style_loss(F_l(style), F_l(x))
         + w_tv · total_variation_loss(x)

over its pixels with L-BFGS (``scipy.optimize.fmin_l_bfgs_b``), starting from the target.
Every loss has its gradient beside it; :class:`StyleTransferLoss` chains them through the
network's backward pass to dL/dx (the book's ``K.gradients(loss, combination_image)``).

The book runs target, style and combination through VGG19 as one batch of three; the target's
and the style image's features never change, so here they are computed once and only the
combination image runs at each evaluation — the same loss, a third of the work. The book's
``Evaluator`` class exists because it hands SciPy the loss and the gradient as two functions;
``fmin_l_bfgs_b`` also takes one function returning both, which is what this module does.

Book settings (listing 8.20): content layer ``block5_conv2``; style layers
``block1_conv1 … block5_conv1``; ``content_weight=0.025``, ``style_weight=1``,
``total_variation_weight=1e-4``; 20 iterations of ``fmin_l_bfgs_b(..., maxfun=20)``.
"""
from __future__ import annotations

import contextlib

import numpy as np

from pynet.generative.features import FeatureExtractor, check_image
from pynet import _validate as validate

__all__ = ["content_loss", "content_loss_gradient", "gram_matrix", "style_loss",
           "style_loss_gradient", "total_variation_loss", "total_variation_loss_gradient",
           "StyleTransferLoss", "transfer_style", "BOOK_CONTENT_LAYER", "BOOK_STYLE_LAYERS",
           "BOOK_WEIGHTS"]

BOOK_CONTENT_LAYER = "block5_conv2"
BOOK_STYLE_LAYERS = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
                     "block5_conv1"]
#: Listing 8.20: content, style and total-variation weights.
BOOK_WEIGHTS = {"content_weight": 0.025, "style_weight": 1.0, "total_variation_weight": 1e-4}
#: Listing 8.19's exponent: Σ (a + b)^1.25.
TV_POWER = 1.25


# -- content (listing 8.17) ------------------------------------------------------------------------

def content_loss(base, combination) -> float:
    """Listing 8.17: ``Σ (combination − base)²`` — the squared L2 distance between the
    activations of one (upper) layer for the target and for the generated image.

    ``base`` and ``combination``: arrays of one shape, e.g. (h, w, c).
    """
    d = np.asarray(combination, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    return float(np.sum(d * d))


def content_loss_gradient(base, combination) -> np.ndarray:
    """d content_loss / d combination = ``2 (combination − base)``."""
    return 2.0 * (np.asarray(combination, dtype=np.float64) - np.asarray(base, dtype=np.float64))


# -- style (listing 8.18) --------------------------------------------------------------------------

def _features(x, where):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3:
        raise ValueError(f"{where}: expected feature maps (height, width, channels), got shape "
                         f"{x.shape}")
    h, w, c = x.shape
    return x.reshape(h * w, c).T          # F: (channels, height·width), row k = map k


def gram_matrix(x) -> np.ndarray:
    """Listing 8.18: ``G = F Fᵀ`` with ``F`` the feature maps of ``x`` (h, w, c) flattened to
    rows, ``F`` (c, h·w). ``G[k, m] = Σ_{i,j} x[i, j, k] · x[i, j, m]``: how much maps k and m
    fire together, whatever the place — the texture a layer sees. Shape (c, c)."""
    f = _features(x, "gram_matrix()")
    return f @ f.T


def _style_norm(channels, size):
    return 4.0 * channels ** 2 * size ** 2


def style_loss(style, combination, channels: int = 3, size: int | None = None) -> float:
    """Listing 8.18: ``Σ (G(style) − G(combination))² / (4 · channels² · size²)``.

    ``style`` and ``combination`` are one layer's feature maps (h, w, c). The book passes
    ``channels = 3`` and ``size = img_height · img_width`` — the *image's* channels and pixels,
    the same number for every layer — where Gatys et al. use the layer's own ``c`` and ``h·w``;
    both are a constant factor per layer. ``size=None`` takes the maps' ``h·w``.
    """
    s, c = gram_matrix(style), gram_matrix(combination)
    if s.shape != c.shape:
        raise ValueError(f"style_loss(): style has {s.shape[0]} channels, combination "
                         f"{c.shape[0]}")
    size = np.shape(combination)[-3] * np.shape(combination)[-2] if size is None else size
    d = s - c
    return float(np.sum(d * d)) / _style_norm(channels, size)


def style_loss_gradient(style, combination, channels: int = 3,
                        size: int | None = None) -> np.ndarray:
    """d style_loss / d combination, shaped like ``combination`` (h, w, c).

    With ``G = F Fᵀ`` and ``L = Σ (S − G)² / k``: ``dL/dG = 2 (G − S) / k``, and since
    ``dL/dG`` is symmetric, ``dL/dF = 2 · dL/dG · F = 4 (G − S) F / k``.
    """
    comb = np.asarray(combination, dtype=np.float64)
    f = _features(comb, "style_loss_gradient()")
    s = gram_matrix(style)
    size = comb.shape[-3] * comb.shape[-2] if size is None else size
    grad_f = 4.0 * (f @ f.T - s) @ f / _style_norm(channels, size)   # (c, h·w)
    return grad_f.T.reshape(comb.shape)


# -- total variation (listing 8.19) ----------------------------------------------------------------

def _tv_parts(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3:
        x = x[np.newaxis]
    if x.ndim != 4:
        raise ValueError(f"total_variation_loss(): expected an image (1, height, width, "
                         f"channels) or (height, width, channels), got shape {x.shape}")
    corner = x[:, :-1, :-1, :]
    down = corner - x[:, 1:, :-1, :]          # x[i, j] − x[i+1, j]
    right = corner - x[:, :-1, 1:, :]         # x[i, j] − x[i, j+1]
    return x, down, right


def total_variation_loss(x) -> float:
    """Listing 8.19: ``Σ_{i<h−1, j<w−1, k} (a_ijk + b_ijk)^1.25`` with
    ``a = (x[i,j] − x[i+1,j])²`` and ``b = (x[i,j] − x[i,j+1])²``: small when neighbouring
    pixels agree, so it keeps the generated image smooth (a regulariser on pixels)."""
    _, down, right = _tv_parts(x)
    return float(np.sum((down * down + right * right) ** TV_POWER))


def total_variation_loss_gradient(x) -> np.ndarray:
    """d total_variation_loss / dx, shaped like ``x``.

    With ``t = 1.25 (a + b)^0.25``, each term sends ``2 t (d + r)`` to ``x[i, j]``,
    ``−2 t d`` to ``x[i+1, j]`` and ``−2 t r`` to ``x[i, j+1]`` (``d``, ``r`` the two
    differences).
    """
    x4, down, right = _tv_parts(x)
    t = TV_POWER * (down * down + right * right) ** (TV_POWER - 1.0)
    g = np.zeros_like(x4)
    g[:, :-1, :-1, :] += 2.0 * t * (down + right)
    g[:, 1:, :-1, :] -= 2.0 * t * down
    g[:, :-1, 1:, :] -= 2.0 * t * right
    return g.reshape(np.shape(x))


# -- the whole loss (listings 8.20–8.21) -----------------------------------------------------------

def _weight(value, name, where):
    return validate.real(where, name, value, low=0)


class StyleTransferLoss:
    """Listing 8.20's loss and listing 8.21's gradient for a fixed target and style image.

    Parameters
    ----------
    model : a pynet convnet with one image input
    target_image, style_image : (h, w, c) or (1, h, w, c), one size, in the model's units
    content_layer : str, style_layers : list of str (names in ``model.layers``)
    content_weight, style_weight, total_variation_weight : float >= 0
    style_channels : the ``channels`` of :func:`style_loss` (the book: 3, the image's)

    ``loss_and_gradient(x)`` takes the flat image (what L-BFGS works on) and returns
    ``(loss, dL/dx)``, both float64, the gradient flat. ``parts(x)`` returns the three terms.
    """

    def __init__(self, model, target_image, style_image, content_layer, style_layers, *,
                 content_weight=0.025, style_weight=1.0, total_variation_weight=1e-4,
                 style_channels: int = 3, where: str = "StyleTransferLoss()"):
        if isinstance(style_layers, str) or not isinstance(style_layers, (list, tuple)) \
                or not style_layers:
            raise ValueError(f"{where}: style_layers must be a non-empty list of layer names, "
                             f"got {style_layers!r}")
        if not isinstance(content_layer, str):
            raise ValueError(f"{where}: content_layer must be a layer name, got "
                             f"{content_layer!r}")
        self.content_weight = _weight(content_weight, "content_weight", where)
        self.style_weight = _weight(style_weight, "style_weight", where)
        self.total_variation_weight = _weight(total_variation_weight, "total_variation_weight",
                                              where)
        self.content_layer = content_layer
        self.style_layers = list(style_layers)
        names = list(dict.fromkeys([content_layer] + self.style_layers))
        self.extractor = FeatureExtractor(model, names, where)
        target = check_image(target_image, where + " target_image", self.extractor.channels)
        style = check_image(style_image, where + " style_image", self.extractor.channels)
        if target.shape != style.shape:
            raise ValueError(f"{where}: target_image {target.shape[1:]} and style_image "
                             f"{style.shape[1:]} must have one size (the book loads both at "
                             "img_height x img_width)")
        self.shape = target.shape
        style_channels = validate.positive_int(where, "style_channels", style_channels)
        self.style_channels = int(style_channels)
        self.size = target.shape[1] * target.shape[2]     # the book's img_height * img_width
        self._index = {name: k for k, name in enumerate(names)}
        acts = self.extractor.activations(target)
        self.target_content = np.asarray(acts[self._index[content_layer]][0], dtype=np.float64)
        acts = self.extractor.activations(style)
        self.style_features = [np.asarray(acts[self._index[n]][0], dtype=np.float64)
                               for n in self.style_layers]

    def _image(self, x):
        x = np.asarray(x, dtype=np.float64)
        if x.size != int(np.prod(self.shape)):
            raise ValueError(f"StyleTransferLoss: expected {int(np.prod(self.shape))} values "
                             f"(an image of {self.shape[1:]}), got {x.size}")
        return x.reshape(self.shape)

    def parts(self, x) -> dict:
        """``{"content": ..., "style": ..., "total_variation": ..., "total": ...}`` at ``x``,
        each term already multiplied by its weight."""
        img = self._image(x)
        acts = [np.asarray(a[0], dtype=np.float64) for a in self.extractor.activations(img)]
        return self._parts(img, acts)

    def _parts(self, img, acts):
        share = self.style_weight / len(self.style_layers)
        content = self.content_weight * content_loss(self.target_content,
                                                     acts[self._index[self.content_layer]])
        style = sum(share * style_loss(s, acts[self._index[n]], self.style_channels, self.size)
                    for n, s in zip(self.style_layers, self.style_features))
        tv = self.total_variation_weight * total_variation_loss(img)
        return {"content": content, "style": style, "total_variation": tv,
                "total": content + style + tv}

    def loss_and_gradient(self, x):
        """``(L(x), dL/dx)`` for the flat image ``x``; the gradient is flat float64."""
        img = self._image(x)
        acts = [np.asarray(a[0], dtype=np.float64) for a in self.extractor.activations(img)]
        loss = self._parts(img, acts)["total"]
        share = self.style_weight / len(self.style_layers)
        grads = [np.zeros_like(a) for a in acts]
        grads[self._index[self.content_layer]] += self.content_weight * content_loss_gradient(
            self.target_content, acts[self._index[self.content_layer]])
        for n, s in zip(self.style_layers, self.style_features):
            k = self._index[n]
            grads[k] += share * style_loss_gradient(s, acts[k], self.style_channels, self.size)
        g = self.extractor.input_gradient([gk[np.newaxis] for gk in grads])
        g = np.asarray(g, dtype=np.float64) + \
            self.total_variation_weight * total_variation_loss_gradient(img)
        return loss, g.ravel()


# -- the loop (listing 8.22) -----------------------------------------------------------------------

def transfer_style(model, target_image, style_image, content_layer, style_layers, *,
                   content_weight=0.025, style_weight=1.0, total_variation_weight=1e-4,
                   iterations: int = 20, maxfun: int = 20, style_channels: int = 3,
                   blas_threads: int | None = 1, callback=None):
    """Listing 8.22: ``iterations`` rounds of ``fmin_l_bfgs_b(loss, x, maxfun=maxfun)`` from
    the target image.

    Each round is one call of SciPy's L-BFGS-B limited to ``maxfun`` evaluations of the loss
    and its gradient (the book calls them 20 steps; they are evaluations, and the method
    *minimises* the loss — the book's "gradient ascent" is a slip).

    ``blas_threads`` (default 1) caps the BLAS thread pools for the whole run
    (:func:`pynet.kernels.threads.limit_blas_threads`; ``None`` leaves them alone). SciPy's
    L-BFGS-B does many small vector operations through BLAS, and on a busy 2-core machine two
    spinning pools made 10 iterations over 16,200 pixels take 0.77 s of optimiser time against
    0.003 s on one thread (measured with a quadratic; the network's own evaluations were 2% of
    the time). Give a large network more threads with ``blas_threads=None``.

    Returns
    -------
    (image, history): the generated image (same rank as ``target_image``, float64) and the
    loss before the first round followed by the loss after each round. ``callback(i, image,
    loss)`` is called after each round (the book saves ``my_result_at_iteration_i.png``).
    """
    from scipy.optimize import fmin_l_bfgs_b

    where = "transfer_style()"
    iterations = validate.positive_int(where, "iterations", iterations)
    maxfun = validate.positive_int(where, "maxfun", maxfun)
    loss = StyleTransferLoss(model, target_image, style_image, content_layer, style_layers,
                             content_weight=content_weight, style_weight=style_weight,
                             total_variation_weight=total_variation_weight,
                             style_channels=style_channels, where=where)
    rank = np.ndim(target_image)
    x = check_image(target_image, where, loss.extractor.channels).astype(np.float64).ravel()
    blas_threads = validate.positive_int(where, "blas_threads", blas_threads, allow_none=True)
    history = [loss.loss_and_gradient(x)[0]]
    with contextlib.ExitStack() as stack:
        if blas_threads is not None:
            from pynet.kernels.threads import limit_blas_threads
            stack.enter_context(limit_blas_threads(int(blas_threads)))
        for i in range(int(iterations)):
            x, value, _info = fmin_l_bfgs_b(loss.loss_and_gradient, x, maxfun=int(maxfun))
            history.append(float(value))
            if callback is not None:
                callback(i, x.reshape(loss.shape)[0], float(value))
    img = x.reshape(loss.shape)
    return (img[0] if rank == 3 else img), history
