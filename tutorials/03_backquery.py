# %% [markdown]
# # 03 · Back-query: what the network thinks each digit looks like
#
# A query sends an image forward and reads ten outputs. A back-query starts at the outputs, 0.99
# for one label and 0.01 for the others, and pushes them backwards through Rashid's trained
# network: the inverse of the sigmoid (the logit, ln(y / (1 - y))) undoes each activation, the
# transposed weight matrices carry the signal to the layer before, and each layer's signal is
# rescaled into [0.01, 0.99] because the logit only accepts values strictly between 0 and 1. What
# reaches the 784 input nodes is a picture of what the network "looks for" in that digit.

# %%
"""Back-query: run Rashid's trained network backwards and look at the ten images it 'imagines'.

Run it: ``pynet run 03 [--quick]``; as a notebook: ``pynet notebook 03``.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "03 · Back-query: what the network thinks each digit looks like"
SEED = 2026


# %% [markdown]
# ## What the book saw in its ten images
#
# How to read the images (dark = high value, as the book draws them):
#
# - dark pixels are ink that votes *for* the label;
# - light pixels are places that must stay *empty* for the label;
# - mid grey carries no information either way.
#
# The rescaling throws away the overall size of the signal, so only the pattern means anything.

# %%
#: The book's remarks on its own ten back-query images (info only; its net scored 0.975).
BOOK_OBSERVATIONS = {
    0: "a round shape: ink in a ring, an empty middle",
    1: "mostly the light areas: where a 1 must have no ink",
    2: "recognisable",
    3: "recognisable",
    4: "four quadrant-like regions",
    5: "recognisable",
    7: "recognisable",
    8: "a 'snowman': two stacked blobs",
    9: "illegible",
}


# %% [markdown]
# ## Run the lesson
#
# Train the network, back-query each of the ten labels and compare the pictures with the book's
# remarks. The terminal always gets ASCII art; the PNG goes to `$PYNET_OUTPUT` (or a temporary
# folder) when matplotlib is installed. Quick mode trains on 2,000 images for one epoch.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.backprop.three_layer_network import ThreeLayerNetwork
    from pynet.datasets import mnist
    from pynet.inspect.images import (
        ascii_grid, backquery_figure, backquery_images, output_dir, render_grid, weight_tiles,
    )

    n_train, epochs = (2000, 1) if quick else (10000, 5)
    (x_train, y_train), (x_test, y_test) = mnist.load()
    x = mnist.rashid_inputs(x_train[:n_train])
    t = mnist.rashid_targets(y_train[:n_train])
    net = ThreeLayerNetwork(784, 200, 10, 0.1, seed=SEED)
    for _ in range(epochs):
        net.train_epoch(x, t)
    accuracy = net.score(mnist.rashid_inputs(x_test[:2000]), y_test[:2000])
    report.say(f"  trained on {n_train} images for {epochs} epoch(s); accuracy on 2000 test "
               f"images {accuracy:.3f} (the book's back-queried network: 0.975 with 60k images)")

    images = backquery_images(net)              # (10, 28, 28)
    report.section("The ten back-query images (ASCII; '@' = dark = ink votes for the label)")
    report.say(ascii_grid(images, [f"label {d}" for d in range(10)], columns=5))

    report.section("Checks")
    report.check(bool(np.isclose(images.min(axis=(1, 2)), 0.01).all()
                      and np.isclose(images.max(axis=(1, 2)), 0.99).all()),
                 "every image spans exactly [0.01, 0.99] after the book's rescale")
    # The same weights on the other backend give the same images.
    from pynet import kernels
    other = "python" if kernels.BACKEND == "cython" else "cython"
    try:
        twin = ThreeLayerNetwork(784, 200, 10, 0.1, backend=other)
    except ImportError:
        report.say(f"  ({other} backend not available: backend comparison skipped)")
    else:
        twin.wih, twin.who = net.wih.copy(), net.who.copy()
        diff = float(np.abs(backquery_images(twin) - images).max())
        report.compare(f"max |difference| to the {other} backend", book=0.0, ours=diff,
                       agree=diff <= 1e-10)

    report.section("Do they look like digits? Correlation with each digit's 'contrast' image")
    report.say("  A back-query image is dark where ink votes for the label and light where ink votes "
               "against it,\n  so it is compared with (average image of the digit) - (average of "
               "all digits): positive where\n  that digit has more ink than digits in general, "
               "negative where it has less.")
    means = np.stack([x[y_train[:n_train] == d].mean(axis=0) for d in range(10)])
    contrast = means - x.mean(axis=0)
    matches = 0
    for d in range(10):
        corr = [float(np.corrcoef(images[d].ravel(), c)[0, 1]) for c in contrast]
        best = int(np.argmax(corr))
        matches += best == d
        remark = BOOK_OBSERVATIONS.get(d, "")
        report.say(f"  label {d}: most like digit {best} (r = {corr[best]:+.2f})"
                   + (f";  the book: {remark}" if remark else ""))
    report.compare("images most like their own digit", book="most (9 illegible)",
                   ours=f"{matches}/10", agree=None, headline=True, kind="differs",
                   reason="the book shows the ten pictures and counts nothing; the check below "
                          "asks at least 7 of 10 to look most like their own digit")
    report.check(matches >= 7, "at least 7 of the 10 images are most like their own digit")

    report.section("Another view: the weights into single hidden nodes, as 28x28 tiles")
    report.say("  Each hidden node weighs every pixel; its row of wih drawn as an image shows the "
               "stroke pattern it\n  responds to. The back-query images mix all 200 of them.")
    tiles = weight_tiles(net.wih, count=5)
    report.say(ascii_grid(tiles, [f"node {k}" for k in range(5)], columns=5))

    report.section("Pictures")
    folder = output_dir()
    result = backquery_figure(net, folder / "backquery.png", means=means)
    if isinstance(result, str):
        report.say("  matplotlib is not installed: the ASCII art above is the picture "
                   "(pip install matplotlib for a PNG)")
    else:
        report.say(f"  wrote {result}")
        twenty = weight_tiles(net.wih, count=20)
        top = float(np.abs(twenty).max())          # symmetric scale: white is exactly 0
        tiles_png = render_grid(twenty, [f"node {k}" for k in range(20)],
                                folder / "weight_tiles.png", columns=10, cmap="RdBu",
                                vmin=-top, vmax=top,
                                title="Weights into the first 20 hidden nodes (red < 0 < blue)")
        report.say(f"  wrote {tiles_png}")


# %%
if __name__ == "__main__":
    main(run, TITLE)
