# %% [markdown]
# # 31 · Inside a convnet: activations, filter patterns, Grad-CAM (Chollet §5.4)
#
# Chollet's §5.4 looks inside convnets three ways, on a cats-vs-dogs model and on VGG16. The methods
# need no particular network, so this lesson applies them to the MNIST convnet of lesson 28 (trained
# again here, the same way). Plus the first layer's 3×3 kernels as tiles, and the input gradient
# (saliency) of a class.

# %%
"""Inside lesson 28's convnet: activation maps, first-layer kernels, filter patterns, Grad-CAM.

Four looks inside one trained model (Chollet §5.4); the markdown cells say what each should show.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from pynet.lessons import Report, main

TITLE = "31 · Inside a convnet: activations, filter patterns, Grad-CAM (Chollet §5.4)"


# %% [markdown]
# ## Lesson 28's model
#
# The model and its data come from lesson 28's module (imported with `load_lesson`); `--quick`
# trains lesson 28's quick model.

# %%
def lesson_15():
    """Lesson 28's module (its model and data), imported with `load_lesson`."""
    from pynet.lessons import load_lesson

    return load_lesson("28_convnet_mnist")


# %% [markdown]
# ## Does the heat sit on the ink?
#
# A Grad-CAM heatmap is judged by how much of its weight lies on ink, divided by how much of the
# image is ink: 1 means the heat ignores the digit; above 1, it prefers the strokes.

# %%
def ink_share(heat_big, digit, threshold=0.2):
    """How much of the heatmap's weight lies on ink, divided by how much of the image is ink:
    1 means the heat ignores the digit; above 1, it prefers the strokes."""
    ink = digit > threshold
    if heat_big.sum() == 0 or not ink.any():
        return float("nan")
    return float((heat_big * ink).sum() / heat_big.sum()) / float(ink.mean())


# %% [markdown]
# ## Run the lesson: four looks inside
#
# 1. **Intermediate activations** (§5.4.1) — every channel of a layer's output for one digit. The
#    first layer keeps almost all of the digit (edge and stroke detectors); deeper maps are smaller
#    and more abstract, and more of them are blank for a given input.
# 2. **The first layer's kernels** — its 32 3×3 kernels drawn as tiles.
# 3. **Filter patterns** (§5.4.2) — gradient ascent in input space: start from a grey, noisy image
#    and move its pixels along the gradient of one filter's mean activation. The activation must
#    rise. A ReLU filter that is off everywhere on the grey start has no gradient to climb; the
#    lesson then starts from full-range noise, or from a digit.
# 4. **Grad-CAM** (§5.4.3) — weight each channel of a conv layer by how much the class score depends
#    on it (the mean gradient), add the channels up and keep the positive part: a heatmap of where
#    the evidence for the class sits. On digits it should lie on the ink, not on the background.
# 5. **The input gradient** (saliency) of the predicted class: which pixels can move the score at
#    all.
#
# Pictures go to `$PYNET_OUTPUT` (or a temporary folder) as PNGs when matplotlib is installed; the
# terminal gets ASCII versions.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.inspect import convnet as cv
    from pynet.inspect.images import ascii_grid, ascii_image, have_matplotlib, output_dir, \
        render_grid

    l15 = lesson_15()
    model, (x_test, y_test), seconds = l15.train_convnet(quick)
    pred = model.predict(x_test[:500], batch_size=250).argmax(axis=1)
    acc = float((pred == y_test[:500]).mean())
    report.say(f"  lesson 28's model, trained in {seconds:.1f} s; accuracy on 500 test digits: "
               f"{acc:.3f}")
    pictures = have_matplotlib()
    out = output_dir() if pictures else None
    saved = []

    # 1. intermediate activations ----------------------------------------------------------
    report.section("1. Intermediate activations of one test digit (Chollet §5.4.1)")
    digit = x_test[0]
    report.say(ascii_image(digit[:, :, 0], double=True))
    blank_fractions = []
    for i, layer in enumerate(model.layers[:5]):
        maps = cv.activation_maps(model, digit, i)
        blank = float(np.mean(maps.max(axis=(0, 1)) <= 0))
        blank_fractions.append(blank)
        report.say(f"  {layer.name:<18} {str(maps.shape):<14} channels all zero for this "
                   f"digit: {blank:.0%}")
        if pictures:
            saved.append(cv.activation_figure(
                maps, out / f"activations_{cv.layer_file_stem(model, i)}.png",
                title=f"{cv.layer_caption(model, i, maps)}: one tile per channel (digit "
                      f"{int(y_test[0])})"))
    first = cv.activation_maps(model, digit, 0)
    report.say("  four channels of the first layer (each a 26x26 response map):")
    report.say(ascii_grid([first[:, :, k] for k in range(4)], [f"ch {k}" for k in range(4)],
                          columns=4))
    report.compare("first conv layer's map keeps the digit's size", book="26x26x32",
                   ours="x".join(map(str, first.shape)), agree=first.shape == (26, 26, 32))
    report.compare("blank channels: first layer vs last conv layer", book="grows with depth",
                   ours=f"{blank_fractions[0]:.0%} -> {blank_fractions[4]:.0%}", agree=None,
                   note="Chollet's observation on cats; shown, not required")

    # 2. first-layer kernels ---------------------------------------------------------------
    report.section("2. The first layer's 32 kernels (3x3), as tiles")
    tiles = cv.first_layer_tiles(model)
    report.say(ascii_grid(tiles[:8], [f"k{f}" for f in range(8)], columns=8))
    if pictures:
        top = float(np.abs(np.stack(tiles)).max())          # white is exactly 0
        saved.append(render_grid(tiles, [str(f) for f in range(len(tiles))],
                                 out / "first_layer_kernels.png", columns=8, cmap="RdBu",
                                 vmin=-top, vmax=top, tile_inches=1.2,
                                 title=f"{cv.layer_caption(model, 0)}: its {len(tiles)} 3×3 "
                                       "kernels (red < 0 < blue)"))

    # 3. filter patterns by gradient ascent ------------------------------------------------
    report.section("3. Filter patterns by gradient ascent in input space (§5.4.2)")
    layer = 2                                     # the second Conv2D (64 filters)
    filters = range(4 if quick else 8)
    patterns, rises, silent = [], [], []
    rng = np.random.default_rng(17)
    # A ReLU filter that is off everywhere on the start image has a zero gradient: the ascent
    # cannot begin. Try a grey image first (Chollet's start), then full-range noise, then a
    # real digit; a filter silent on all three is reported, not drawn.
    starts = [None, rng.random((28, 28, 1)), x_test[1]]
    for f in filters:
        for start in starts:
            image, history = cv.filter_pattern(model, layer, f, steps=20 if quick else 40,
                                               step=0.02, seed=f, start=start)
            if history[-1] > 0:
                break
        if history[-1] == 0:
            silent.append(f)
            report.say(f"  {model.layers[layer].name} filter {f}: silent on every start "
                       "(no gradient to climb)")
            continue
        patterns.append(cv.deprocess_image(image[:, :, 0]))
        rises.append(history[-1] > history[0])
        report.say(f"  {model.layers[layer].name} filter {f}: mean activation "
                   f"{history[0]:.4f} -> {history[-1]:.4f}")
    report.check(len(patterns) >= len(filters) // 2,
                 f"at least half of the filters respond to some start ({len(patterns)} of "
                 f"{len(filters)})")
    shown = [f for f in filters if f not in silent]
    report.say(ascii_grid(patterns[:4], [f"filter {f}" for f in shown[:4]], columns=4))
    report.check(all(rises), "gradient ascent raised every responding filter's mean activation")
    if pictures and patterns:
        saved.append(render_grid(patterns, [f"filter {f}" for f in shown],
                                 out / "filter_patterns.png", columns=4, cmap="gray",
                                 title=f"{cv.layer_caption(model, layer)}: input that excites "
                                       "each filter most"))

    # 4. Grad-CAM --------------------------------------------------------------------------
    report.section("4. Grad-CAM: where is the evidence for the predicted digit? (§5.4.3)")
    shares, heats, labels = [], [], []
    n_cam = 10 if quick else 40
    for n in range(n_cam):
        heat, cls = cv.grad_cam(model, x_test[n], layer=2)      # the 11x11 map: finer than 3x3
        big = cv.heatmap_on_input(model, 2, heat)     # aligned with the receptive fields
        shares.append(ink_share(big, x_test[n][:, :, 0]))
        if n < 4:
            heats.append(big)
            labels.append(f"says {cls}")
            if n == 0:
                report.say("  heatmap (11x11) for the first digit:")
                report.say(ascii_image(heat, double=True))
    mean_share = float(np.nanmean(shares))
    report.compare("Grad-CAM heat on ink / ink area (mean)", book="> 1", ours=mean_share,
                   agree=mean_share > 1.0, headline=True, kind="differs",
                   reason="the book shows a heatmap of an elephant photo, no number; we check "
                          "that the heat sits on the digits' strokes",
                   note=f"{n_cam} test digits; 1 = no preference for the strokes")
    if pictures:
        saved.append(cv.grad_cam_figure(x_test[:len(heats)], heats, labels,
                                        out / "grad_cam.png",
                                        title=f"Grad-CAM at {cv.layer_caption(model, 2)} "
                                              "(red: evidence for the class)"))

    # 5. input gradient (saliency) ---------------------------------------------------------
    report.section("5. The input gradient of the predicted class (saliency)")
    g = cv.input_gradient(model, x_test[:1])[0, :, :, 0]
    report.say(ascii_image(np.abs(g), double=True))
    report.compare("pixels with any influence on the score", book="-", ours=int((g != 0).sum()),
                   agree=None, note="of 784: ReLUs that are off, and the last row/column that "
                   "11x11 -> 5x5 pooling drops, pass no gradient")
    if saved:
        report.say(f"  pictures written to {out}:")
        for path in saved:
            report.say(f"    {Path(path).name}")


# %%
if __name__ == "__main__":
    main(run, TITLE)
