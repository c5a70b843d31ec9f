"""Looking inside a convnet (Chollet §5.4): activations, filter patterns, Grad-CAM, weight tiles.

All of it rests on two walks through ``model.layers``:

* forward, keeping every layer's output (:func:`layer_outputs`);
* backward from a chosen gradient at some layer's output down to the input
  (:func:`backward_through`), which is what Keras's ``K.gradients`` gives the book.

From those:

``input_gradient(model, x, output_index)``
    d(score)/d(input) for a class score (or a filter's mean activation): a saliency map, and the
    step of gradient ascent.
``activation_maps(model, x, layer)`` / ``activation_grid(maps)``
    the channels of one layer's output for one image, tiled into one picture.
``filter_pattern(model, layer, index)``
    the input that excites one filter most, found by gradient ascent from a grey, noisy image.
``grad_cam(model, x, class_index)``
    which places of the image made the network say ``class_index`` (Selvaraju et al. 2017).
``first_layer_tiles(model)``
    the first convolution's kernels as small images.

Pictures are arrays; :func:`pynet.inspect.images.render_grid` turns a list of them into a PNG
(matplotlib) or ASCII art. These functions never change a layer's weights; the gradients they
compute do pass through ``layer.grads``, which are restored afterwards.
"""
from __future__ import annotations

import numpy as np

__all__ = ["layer_outputs", "backward_through", "input_gradient", "activation_maps",
           "activation_grid", "activation_figure", "layer_caption", "layer_file_stem",
           "filter_pattern", "deprocess_image", "grad_cam", "upsample",
           "overlay_heatmap", "grad_cam_figure", "receptive_field", "heatmap_on_input", "first_layer_tiles", "find_layer", "last_conv_layer"]


# -- finding layers -------------------------------------------------------------------------

def find_layer(model, layer) -> int:
    """Index of ``layer`` in ``model.layers``: given as an index, a name or the layer itself."""
    layers = model.layers
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        if not -len(layers) <= layer < len(layers):
            raise ValueError(f"layer index {layer} out of range: the model has {len(layers)} "
                             "layers")
        return int(layer) % len(layers)
    for i, candidate in enumerate(layers):
        if candidate is layer or candidate.name == layer:
            return i
    names = ", ".join(l.name for l in layers)
    raise ValueError(f"no layer {layer!r} in the model; its layers are: {names}")


def last_conv_layer(model) -> int:
    """Index of the last Conv2D (Grad-CAM's default)."""
    for i in range(len(model.layers) - 1, -1, -1):
        if type(model.layers[i]).__name__ == "Conv2D":
            return i
    raise ValueError("the model has no Conv2D layer")


def _channels_last(layer, a):
    """A layer's output as channels_last (the layout pictures are made from)."""
    if getattr(layer, "data_format", "channels_last") == "channels_first" and a.ndim == 4:
        return a.transpose(0, 2, 3, 1)
    return a


def _channels_back(layer, a):
    if getattr(layer, "data_format", "channels_last") == "channels_first" and a.ndim == 4:
        return a.transpose(0, 3, 1, 2)
    return a


# -- the two walks --------------------------------------------------------------------------

def _prepare(model, x):
    if not model.layers:
        raise ValueError("the model has no layers")
    first = model.layers[0]
    x = np.asarray(x)
    if not first.built:
        raise ValueError("the model is not built: give the first layer input_shape=... or call "
                         "model.build(input_shape)")
    expected = tuple(first.input_shape)
    if x.shape == expected:
        x = x[np.newaxis]
    if x.shape[1:] != expected:
        raise ValueError(f"expected input of shape (None,) + {expected} (one image may omit the "
                         f"batch axis), got {x.shape}")
    return np.ascontiguousarray(x, dtype=first.dtype)


def layer_outputs(model, x, upto: int | None = None) -> list:
    """Run ``x`` through ``model.layers[0..upto]`` in inference mode; return every output.

    The layers keep what their ``backward`` needs, so :func:`backward_through` may follow.
    """
    x = _prepare(model, x)
    last = len(model.layers) - 1 if upto is None else find_layer(model, upto)
    outputs = []
    for layer in model.layers[:last + 1]:
        x = layer.forward(x, training=False)
        outputs.append(x)
    return outputs


def backward_through(model, grad, start: int, stop: int = -1):
    """Given dL/d(output of layer ``start``), return dL/d(output of layer ``stop``)
    (``stop = -1``: dL/d(input)). Must follow :func:`layer_outputs` on the same input.

    Every layer's ``input_grad_needed`` is switched on for the walk and the layers' ``grads``
    are restored afterwards, so a model in training is left as it was.
    """
    layers = model.layers
    saved = [(layer, layer.input_grad_needed, {k: g.copy() for k, g in layer.grads.items()})
             for layer in layers[stop + 1:start + 1]]
    try:
        for layer, _, _ in saved:
            layer.input_grad_needed = True
        for i in range(start, stop, -1):
            grad = layers[i].backward(grad)
        return grad
    finally:
        for layer, flag, grads in saved:
            layer.input_grad_needed = flag
            for k, g in grads.items():
                layer.grads[k][...] = g


def input_gradient(model, x, output_index=None, *, layer=None):
    """Gradient of a score with respect to the input images.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N,) + input_shape (or one image without the batch axis)
    output_index : int, optional
        With ``layer=None``: the class whose output (the softmax probability, like the book's
        ``model.output[:, 386]``) is differentiated; ``None`` takes each image's predicted class.
        With ``layer``: the channel (filter) of that layer whose mean activation is the score.
    layer : int, str or Layer, optional
        Differentiate a layer's output instead of the model's.

    Returns
    -------
    ndarray shaped like ``x`` (with its batch axis): d score_n / d x_n for each image n.
    """
    x = _prepare(model, x)
    stop = len(model.layers) - 1 if layer is None else find_layer(model, layer)
    outputs = layer_outputs(model, x, upto=stop)
    out = outputs[-1]
    grad = np.zeros_like(out)
    target = model.layers[stop]
    if layer is None:
        if out.ndim != 2:
            raise ValueError(f"the model's output has shape {out.shape}; give layer=... to "
                             "differentiate a feature map")
        classes = out.argmax(axis=1) if output_index is None else \
            np.full(out.shape[0], int(output_index))
        if classes.max() >= out.shape[1] or classes.min() < 0:
            raise ValueError(f"output_index {output_index} out of range: the model has "
                             f"{out.shape[1]} outputs")
        grad[np.arange(out.shape[0]), classes] = 1.0
    else:
        maps = _channels_last(target, out)
        if output_index is None or not 0 <= int(output_index) < maps.shape[-1]:
            raise ValueError(f"layer {target.name!r} has {maps.shape[-1]} channels; "
                             f"output_index must be one of them, got {output_index!r}")
        g = np.zeros_like(maps)
        g[..., int(output_index)] = 1.0 / np.prod(maps.shape[1:-1])   # d mean / d activation
        grad = np.ascontiguousarray(_channels_back(target, g))
    return backward_through(model, grad, stop)


# -- intermediate activations ---------------------------------------------------------------

def activation_maps(model, x, layer) -> np.ndarray:
    """One image's feature maps at ``layer``: ``(height, width, channels)``."""
    i = find_layer(model, layer)
    out = layer_outputs(model, x, upto=i)[-1]
    out = _channels_last(model.layers[i], out)
    if out.ndim != 4:
        raise ValueError(f"layer {model.layers[i].name!r} outputs {out.shape[1:]}, not feature "
                         "maps (height, width, channels)")
    return out[0]


def activation_grid(maps, columns: int = 8, margin: int = 1) -> np.ndarray:
    """Tile the channels of ``maps`` (H, W, C) into one image, each channel scaled to [0, 1]
    on its own (so a quiet channel is not drawn black next to a loud one; an all-zero channel
    stays 0 — the "blank filters" Chollet notes in deeper layers)."""
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3:
        raise ValueError(f"activation_grid(): maps must be (height, width, channels), got "
                         f"{maps.shape}")
    h, w, c = maps.shape
    rows = -(-c // columns)
    cols = min(columns, c)
    grid = np.zeros((rows * (h + margin) - margin, cols * (w + margin) - margin))
    for k in range(c):
        m = maps[:, :, k]
        span = m.max() - m.min()
        m = (m - m.min()) / span if span > 0 else np.zeros_like(m)
        r, q = divmod(k, columns)
        grid[r * (h + margin):r * (h + margin) + h, q * (w + margin):q * (w + margin) + w] = m
    return grid


def activation_figure(maps, path=None, *, title=None, columns: int = 16, cmap="viridis",
                      tile_inches: float = 1.0, ascii=None):
    """One tile per channel of ``maps`` (height, width, channels), each labelled with its
    channel index and coloured on its own scale (an all-zero channel is drawn in the map's
    lowest colour), in rows of ``columns``, under ``title``.

    Writes a PNG at ``path`` (tiles ``tile_inches`` wide, 100 pixels an inch: the default
    gives about 80 pixels of picture per tile) and returns the path; without a path or without
    matplotlib, returns ASCII art, as :func:`pynet.inspect.images.render_grid`."""
    from .images import render_grid

    maps = np.asarray(maps)
    if maps.ndim != 3 or maps.size == 0:
        raise ValueError(f"activation_figure(): maps must be a non-empty (height, width, "
                         f"channels) array, got shape {maps.shape}")
    if int(columns) < 1:
        raise ValueError(f"columns must be >= 1, got {columns!r}")
    channels = maps.shape[-1]
    return render_grid([maps[:, :, k] for k in range(channels)],
                       [str(k) for k in range(channels)], path,
                       columns=min(int(columns), channels), title=title, cmap=cmap,
                       tile_inches=tile_inches, ascii=ascii)


def layer_caption(model, layer, maps=None) -> str:
    """``"layer 0 · Conv2D · output 26×26×32"``: a picture title that names a layer by its place
    in the model and its kind (not by its name, which carries a global counter such as
    ``conv2d_24`` that changes from run to run)."""
    i = find_layer(model, layer)
    lay = model.layers[i]
    shape = tuple(np.shape(maps)) if maps is not None else tuple(lay.output_shape)
    return f"layer {i} · {type(lay).__name__} · output {'×'.join(map(str, shape))}"


def layer_file_stem(model, layer) -> str:
    """``"layer0_conv2d"``: a file name for pictures of a layer that stays the same from run to
    run (its place and kind, never the counter in its name)."""
    i = find_layer(model, layer)
    return f"layer{i}_{type(model.layers[i]).__name__.lower()}"


# -- filter patterns by gradient ascent -----------------------------------------------------

def deprocess_image(x) -> np.ndarray:
    """Chollet's recipe for showing an input found by gradient ascent: centre, scale to a
    standard deviation of 0.1, shift to 0.5, clip to [0, 1]."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean()
    x = x / (x.std() + 1e-5) * 0.1 + 0.5
    return np.clip(x, 0.0, 1.0)


def filter_pattern(model, layer, filter_index: int, *, steps: int = 40, step: float = 0.02,
                   seed=0, start=None):
    """The input that makes filter ``filter_index`` of ``layer`` respond most, by gradient
    ascent on its mean activation.

    Each step adds ``step · g / rms(g)`` to the image, with ``g`` the gradient of the mean
    activation with respect to the input. (Chollet calls the normalisation "L2 norm" but
    computes the root *mean* square, ``sqrt(mean(g²)) + 1e-5``; we do the same, so a step
    changes pixels by about ``step`` whatever the layer's scale.)

    Returns ``(image, history)``: the raw input (input_shape) and the mean activation before
    each step, which should rise.
    """
    i = find_layer(model, layer)
    rng = np.random.default_rng(seed)
    shape = tuple(model.layers[0].input_shape)
    if start is None:
        x = 0.5 + 0.05 * rng.random(shape)          # a grey image with a little noise
    else:
        x = np.array(start, dtype=np.float64).reshape(shape)
    x = x[np.newaxis].astype(model.layers[0].dtype)
    history = []
    for _ in range(int(steps)):
        out = _channels_last(model.layers[i], layer_outputs(model, x, upto=i)[-1])
        history.append(float(out[..., filter_index].mean()))
        g = input_gradient(model, x, filter_index, layer=i)
        g = g / (np.sqrt(np.mean(g.astype(np.float64) ** 2)) + 1e-5)
        x = x + np.asarray(step * g, dtype=x.dtype)
    return x[0], history


# -- Grad-CAM -------------------------------------------------------------------------------

def grad_cam(model, x, class_index=None, layer=None):
    """Class activation map of one image.

    With ``A`` the feature maps of a conv layer (default: the last Conv2D) and ``y_c`` the
    model's output for class ``c``: weight each channel by the mean gradient over the map,
    ``α_k = mean_{i,j} ∂y_c/∂A_ijk``, then ``heatmap = max(Σ_k α_k A_k, 0)``, scaled so its
    maximum is 1 (Chollet averages the weighted channels instead of summing them; after the
    scaling the two agree).

    Returns ``(heatmap, class_index)``; ``heatmap`` has the layer's height and width.
    """
    i = last_conv_layer(model) if layer is None else find_layer(model, layer)
    outputs = layer_outputs(model, x)
    if len(outputs[0]) != 1:
        raise ValueError(f"grad_cam() explains one image at a time, got a batch of "
                         f"{len(outputs[0])}")
    probs = outputs[-1]
    c = int(np.argmax(probs[0])) if class_index is None else int(class_index)
    if not 0 <= c < probs.shape[1]:
        raise ValueError(f"class_index {class_index} out of range: the model has "
                         f"{probs.shape[1]} outputs")
    grad = np.zeros_like(probs)
    grad[0, c] = 1.0
    g = backward_through(model, grad, len(model.layers) - 1, stop=i)
    a = _channels_last(model.layers[i], outputs[i])[0].astype(np.float64)
    g = _channels_last(model.layers[i], g)[0].astype(np.float64)
    weights = g.mean(axis=(0, 1))
    heatmap = np.maximum((a * weights).sum(axis=-1), 0.0)
    top = heatmap.max()
    return (heatmap / top if top > 0 else heatmap), c


def upsample(heatmap, shape) -> np.ndarray:
    """Bilinear resize of a 2-D map to ``shape`` (to lay a 3×3 Grad-CAM over a 28×28 image)."""
    heatmap = np.asarray(heatmap, dtype=np.float64)
    h, w = heatmap.shape
    rows = np.linspace(0, h - 1, shape[0])
    cols = np.linspace(0, w - 1, shape[1])
    r0 = np.floor(rows).astype(int)
    c0 = np.floor(cols).astype(int)
    r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
    fr, fc = (rows - r0)[:, None], (cols - c0)[None, :]
    top = heatmap[r0][:, c0] * (1 - fc) + heatmap[r0][:, c1] * fc
    bottom = heatmap[r1][:, c0] * (1 - fc) + heatmap[r1][:, c1] * fc
    return top * (1 - fr) + bottom * fr


def receptive_field(model, layer):
    """Where the units of ``layer``'s output look in the input, per axis: ``(stride, offset)``
    such that output position ``i`` is centred on input pixel ``offset + stride · i``.

    Each Conv2D or pooling layer maps an output position ``o`` to the input centre
    ``s·o + (k_eff − 1)/2 − pad_before``; the map of a stack is the composition. For Chollet's
    MNIST convnet the second Conv2D (11×11) has stride 2 and offset 3.5: its last row is centred
    on pixel 23.5, not 27, which is why stretching the map to 28×28 would misplace it.
    """
    from pynet.kernels._checks.conv import output_length

    last = find_layer(model, layer)
    stride = [1.0, 1.0]
    offset = [0.0, 0.0]
    for lay in model.layers[:last + 1]:
        kind = type(lay).__name__
        if kind == "Conv2D":
            k, s, d = lay.kernel_size, lay.strides, lay.dilation_rate
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            k, s, d = lay.pool_size, lay.strides, (1, 1)
        else:
            continue
        shape = lay.input_shape
        hw = shape[1:3] if getattr(lay, "data_format", "channels_last") == "channels_first" \
            else shape[:2]
        for ax in range(2):
            _, pad, _ = output_length(hw[ax], k[ax], s[ax], d[ax], lay.padding)
            local = (k[ax] - 1) * d[ax] / 2.0 - pad            # centre of output 0 in this input
            offset[ax] = offset[ax] + stride[ax] * local
            stride[ax] = stride[ax] * s[ax]
    return tuple(stride), tuple(offset)


def heatmap_on_input(model, layer, heatmap, shape=None):
    """Place a heatmap of ``layer``'s output on the input image: every input pixel reads the
    heatmap (bilinearly) at the output position whose receptive field is centred on it
    (:func:`receptive_field`); pixels beyond the first or last centre take the edge value."""
    heatmap = np.asarray(heatmap, dtype=np.float64)
    (sh, sw), (oh, ow) = receptive_field(model, layer)
    if shape is None:
        first = model.layers[0]
        shape = first.input_shape[1:3] if getattr(first, "data_format", "channels_last") == \
            "channels_first" else first.input_shape[:2]
    h, w = heatmap.shape
    rows = np.clip((np.arange(shape[0]) - oh) / sh, 0, h - 1)
    cols = np.clip((np.arange(shape[1]) - ow) / sw, 0, w - 1)
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
    fr, fc = (rows - r0)[:, None], (cols - c0)[None, :]
    top = heatmap[r0][:, c0] * (1 - fc) + heatmap[r0][:, c1] * fc
    bottom = heatmap[r1][:, c0] * (1 - fc) + heatmap[r1][:, c1] * fc
    return top * (1 - fr) + bottom * fr


def overlay_heatmap(image, heatmap, alpha: float = 0.4) -> np.ndarray:
    """An RGB image (H, W, 3) in [0, 1]: the grey ``image`` with ``heatmap`` on top in red
    (the book blends a jet colour map with weight 0.4 over the photo)."""
    img = np.asarray(image, dtype=np.float64)
    img = img[..., 0] if img.ndim == 3 else img
    span = img.max() - img.min()
    img = (img - img.min()) / span if span > 0 else np.zeros_like(img)
    heat = upsample(heatmap, img.shape)
    rgb = np.stack([img, img, img], axis=-1) * (1 - alpha)
    rgb[..., 0] += alpha * heat
    return np.clip(rgb, 0.0, 1.0)


def grad_cam_figure(images, heatmaps, labels=None, path=None, *, alpha: float = 0.4,
                    title=None):
    """PNG of each image with its Grad-CAM heatmap laid over it in the 'jet' colour map (the
    book's overlay), written to ``path``; returns the path. Needs matplotlib (never calls
    ``show``); without it, use :func:`overlay_heatmap` and an ASCII rendering instead."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(images)
    fig, axes = plt.subplots(1, n, figsize=(2.2 * n, 2.4), squeeze=False)
    for k, (img, heat) in enumerate(zip(images, heatmaps)):
        img = np.asarray(img, dtype=np.float64)
        img = img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img
        ax = axes[0, k]
        ax.imshow(img, cmap="gray")
        ax.imshow(upsample(heat, img.shape[:2]), cmap="jet", alpha=alpha, vmin=0, vmax=1)
        ax.set_axis_off()
        if labels is not None:
            ax.set_title(str(labels[k]), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# -- first-layer weights --------------------------------------------------------------------

def first_layer_tiles(model) -> list:
    """The first Conv2D's kernels as images: one ``(kh, kw)`` array per filter (grey input) or
    ``(kh, kw, 3)`` (RGB), in filter order."""
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            k = layer.params["kernel"]
            if k.shape[2] in (1, 3):
                imgs = [k[:, :, :, f] for f in range(k.shape[3])]
                return [im[:, :, 0] if im.shape[2] == 1 else im for im in imgs]
            return [k[:, :, :, f].mean(axis=2) for f in range(k.shape[3])]
    raise ValueError("the model has no Conv2D layer")
