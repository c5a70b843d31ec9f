# %% [markdown]
# # 42 · DeepDream on a photo, with pynet's own convnet (Chollet §8.2)
#
# Chollet §8.2 (listings 8.8–8.13) runs Inception V3, trained on ImageNet, in reverse: gradient
# *ascent* on a photo, so that layers `mixed2`…`mixed5` (coefficients 0.2, 3, 2, 1.5) fire harder,
# with `step=0.01`, 3 octaves of scale 1.4, 20 iterations per octave and `max_loss=10`, re-injecting
# at each octave the detail that shrinking the photo lost. The book shows pictures and no numbers.
#
# ImageNet weights cannot be downloaded here, so this lesson dreams with a convnet pynet trains
# itself, in seconds. What is measured: the dream loss of the chosen layers before and after, per
# octave and over the whole dream, and how far the pixels moved.

# %%
"""DeepDream on a photo with pynet's own convnet: the loss of chosen layers climbs, octave by octave.

Chollet §8.2: gradient ascent on a photo through a convnet pynet trains itself; the loss climbs.
"""
from __future__ import annotations

import os
import time

import numpy as np

from pynet.lessons import Report, main

TITLE = "42 · DeepDream on a photo, with pynet's own convnet (Chollet §8.2)"
SEED = 43

#: The book's settings (listings 8.9 and 8.12).
BOOK = {"layers": {"mixed2": 0.2, "mixed3": 3.0, "mixed4": 2.0, "mixed5": 1.5},
        "step": 0.01, "num_octave": 3, "octave_scale": 1.4, "iterations": 20, "max_loss": 10.0}
#: Ours: the same shape of choice — a small weight on a low layer, larger ones higher up.
LAYERS = {"block1_conv1": 0.2, "block2_conv1": 3.0, "block3_conv1": 2.0}
#: With ImageNet's VGG19 (when a weight file is given), middle-to-high layers as the book's.
VGG19_LAYERS = {"block3_conv1": 0.2, "block4_conv1": 3.0, "block4_conv3": 2.0,
                "block5_conv1": 1.5}
#: ImageNet's mean pixel in BGR order (VGG's "caffe" preprocessing, as Keras's preprocess_input).
VGG_MEAN_BGR = np.array([103.939, 116.779, 123.68])


# %% [markdown]
# ## pynet's own convnet
#
# MNIST digits painted in random ink and paper colours (each digit's ink at least 0.3 darker than
# its paper on average, as in the originals), so the filters learn edges between colours, not one
# brightness. The network has VGG's pattern and VGG's layer names (`block1_conv1`…): three 3×3 ReLU
# convolutions with max-pooling, then a softmax over the ten digits (28×28×3 → 26 → 13 → 11 → 5 →
# 3×3×64). Lesson 43 transfers style with the model `train_convnet` returns.
#
# The dream's layers follow the book's choice in shape: a small weight on a low layer, larger ones
# higher up.

# %%
def colour_digits(images, rng) -> np.ndarray:
    """MNIST digits (N, 28, 28) uint8 → RGB (N, 28, 28, 3) in [0, 1]: each digit gets a random
    ink colour on a random paper colour, the ink at least 0.3 darker on average (ink on paper,
    as in the originals), so the network learns edges between colours, not one brightness."""
    n = len(images)
    ink = rng.random((n, 3))
    paper = rng.random((n, 3))
    pale = paper.mean(axis=1) - ink.mean(axis=1) < 0.3
    while pale.any():
        ink[pale], paper[pale] = rng.random((int(pale.sum()), 3)), rng.random((int(pale.sum()), 3))
        pale = paper.mean(axis=1) - ink.mean(axis=1) < 0.3
    a = (images.astype(np.float32) / 255.0)[..., None]
    return (a * ink[:, None, None, :] + (1 - a) * paper[:, None, None, :]).astype(np.float32)


def convnet():
    """Three 3×3 ReLU convolutions with max-pooling (VGG's pattern, VGG's layer names), then a
    softmax over the ten digits: 28×28×3 → 26 → 13 → 11 → 5 → 3×3×64."""
    from pynet.layers import Conv2D, Dense, Flatten, MaxPooling2D
    from pynet.sequential import Sequential

    model = Sequential([
        Conv2D(16, 3, activation="relu", input_shape=(28, 28, 3), name="block1_conv1"),
        MaxPooling2D(2, name="block1_pool"),
        Conv2D(32, 3, activation="relu", name="block2_conv1"),
        MaxPooling2D(2, name="block2_pool"),
        Conv2D(64, 3, activation="relu", name="block3_conv1"),
        Flatten(name="flatten"),
        Dense(10, activation="softmax", name="predictions"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def train_convnet(quick: bool, seed: int = SEED):
    """Train :func:`convnet` on coloured MNIST digits; returns ``(model, test accuracy,
    seconds)``. Lesson 43 transfers style with the model this returns."""
    from pynet.datasets import mnist
    from pynet.utils import set_seed, to_categorical

    n_train, n_test, epochs = (3000, 1000, 2) if quick else (10000, 2000, 3)
    (x, y), (x_test, y_test) = mnist.load()
    rng = np.random.default_rng(seed)
    x, x_test = colour_digits(x[:n_train], rng), colour_digits(x_test[:n_test], rng)
    set_seed(seed)
    model = convnet()
    start = time.perf_counter()
    model.fit(x, to_categorical(y[:n_train], 10), epochs=epochs, batch_size=32, verbose=0,
              seed=seed)
    seconds = time.perf_counter() - start
    accuracy = float((model.predict(x_test, batch_size=500).argmax(1) == y_test[:n_test]).mean())
    return model, accuracy, seconds


# %% [markdown]
# ## With ImageNet's VGG19, when a weight file is given
#
# With a Keras VGG19 weight file named by `PYNET_VGG19_WEIGHTS`
# (`vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`) and `pynet.applications` present, the same
# functions dream with ImageNet features instead (layers `block3_conv1`…`block5_conv1`). VGG was
# trained on "caffe" preprocessing: pixels 0..255 in BGR order minus ImageNet's mean pixel;
# `vgg_deprocess` undoes it (listing 8.15's `deprocess_image`).

# %%
def vgg19_weights(report: Report):
    """The Keras VGG19 weight file named by ``PYNET_VGG19_WEIGHTS``, when it exists and
    ``pynet.applications`` can read it; otherwise None, saying why (the lessons then run on
    pynet's own convnet)."""
    path = os.environ.get("PYNET_VGG19_WEIGHTS")
    if not path:
        report.say("  (no PYNET_VGG19_WEIGHTS: ImageNet's VGG19 is skipped; pynet's own convnet "
                   "is used instead)")
        return None
    if not os.path.isfile(path):
        report.say(f"  (PYNET_VGG19_WEIGHTS={path} is not a file: VGG19 skipped)")
        return None
    try:
        import pynet.applications  # noqa: F401
    except ImportError as exc:
        report.say(f"  (pynet.applications is not available ({exc}): VGG19 skipped)")
        return None
    return path


def vgg19(report: Report, path, input_shape):
    """``pynet.applications.VGG19(include_top=False, weights=path, input_shape=...)``."""
    from pynet.applications import VGG19

    report.say(f"  VGG19 (no top) with ImageNet weights from {path}")
    return VGG19(include_top=False, weights=path, input_shape=input_shape)


def vgg_preprocess(rgb01):
    """[0, 1] RGB → what VGG was trained on: 0..255 BGR minus ImageNet's mean pixel."""
    return np.asarray(rgb01, dtype=np.float64)[..., ::-1] * 255.0 - VGG_MEAN_BGR


def vgg_deprocess(x):
    """The inverse of :func:`vgg_preprocess` (listing 8.15's deprocess_image), clipped."""
    return np.clip((np.asarray(x) + VGG_MEAN_BGR)[..., ::-1] / 255.0, 0.0, 1.0)


# %% [markdown]
# ## Run the lesson
#
# `run` trains the convnet (or loads VGG19), dreams over the octaves (listings 8.9–8.12: gradient
# ascent, then the lost detail put back at each larger scale) and prints the loss per octave, the
# loss of the final image against the photo's, and how far the pixels moved.
#
# The photo is scikit-learn's sample image `china.jpg` (it ships in scikit-learn's wheel; without
# scikit-learn or scikit-image a generated landscape stands in, and the lesson says so). Pictures go
# to `$PYNET_OUTPUT` (or a temporary folder) when matplotlib is installed. `--quick` trains on 3,000
# digits for two epochs and dreams on a smaller photo.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.generative import deepdream as dd
    from pynet.generative.features import FeatureExtractor
    from pynet.generative.photos import sample_photo
    from pynet.inspect.images import have_matplotlib, output_dir, render_grid
    from pynet.utils import clear_session

    clear_session()
    iterations = 10 if quick else BOOK["iterations"]

    report.section("Listing 8.8: the network")
    weights = vgg19_weights(report)
    # VGG19 pools four times before block5: its photo must be larger (the book: 300-400 pixels)
    size = ((213, 320) if quick else (320, 480)) if weights is not None else \
        ((96, 144) if quick else (213, 320))
    photo, label = sample_photo("content", size=size)
    report.say(f"  photo: {label}")
    if weights is not None:
        # the octaves change the image's size; FeatureExtractor rebuilds the layers for each
        model, layers = vgg19(report, weights, tuple(size) + (3,)), VGG19_LAYERS
        image = vgg_preprocess(photo)
        # the book's 0.01 is on Inception's [-1, 1] pixels; VGG's span 0..255, 127.5 times more
        step, max_loss = BOOK["step"] * 127.5, None
        show = vgg_deprocess
    else:
        model, accuracy, seconds = train_convnet(quick)
        report.say(f"  pynet's convnet on coloured MNIST digits, trained in {seconds:.1f} s; "
                   f"test accuracy {accuracy:.3f}")
        report.check(accuracy > 0.75, "the convnet reads coloured digits (accuracy > 0.75)")
        layers, image, step, max_loss = LAYERS, photo.astype(np.float64), BOOK["step"], None
        show = lambda x: np.clip(x, 0.0, 1.0)   # noqa: E731
    report.say(f"  layers and coefficients: {layers}  (the book: {BOOK['layers']})")

    report.section("Listings 8.9–8.12: gradient ascent over octaves, lost detail put back")
    start = time.perf_counter()
    octaves = []
    dream, history = dd.deep_dream(
        model, layers, image, iterations=iterations, step=step, num_octave=BOOK["num_octave"],
        octave_scale=BOOK["octave_scale"], max_loss=max_loss,
        callback=lambda k, shape, img, losses: octaves.append(show(img[0])))
    seconds = time.perf_counter() - start
    for k, octave in enumerate(history):
        losses = octave["losses"]
        report.say(f"  octave {k + 1}: {octave['shape'][0]}x{octave['shape'][1]}, "
                   f"{len(losses) - 1} steps, loss {losses[0]:.4g} → {losses[-1]:.4g} "
                   f"(×{losses[-1] / losses[0]:.2f})")
    report.say(f"  {BOOK['num_octave']} octaves × {iterations} steps in {seconds:.1f} s")

    fx = FeatureExtractor(model, list(layers))
    coefficients = [layers[n] for n in fx.layers]
    before = dd.dream_loss(fx.activations(image), coefficients)
    after = dd.dream_loss(fx.activations(dream), coefficients)
    factor = after / before
    report.compare("dream loss, final image / photo (full size)", book="rises",
                   ours=f"×{factor:.2f}", agree=factor > 1.5, headline=True, kind="differs",
                   reason="the book prints no loss; its claim (the loss rises) is checked with "
                          "pynet's own convnet on another photo",
                   note=f"{before:.4g} → {after:.4g}; the book prints the loss, reports none")
    climbs = all(o["losses"][-1] > o["losses"][0] for o in history)
    report.check(climbs, "the loss rises within every octave")
    moved = float(np.mean(np.abs(show(dream) - photo)))
    report.compare("mean pixel change (0..1 scale)", book="—", ours=moved, agree=None,
                   note="how far the dream moved from the photo")
    report.compare("octaves, scale, step", book="3, 1.4, 0.01",
                   ours=f"{BOOK['num_octave']}, {BOOK['octave_scale']}, {step:g}",
                   agree=True, note="ours on pixels in [0, 1] (VGG: 0..255); Inception's "
                                    "are in [-1, 1]")
    report.compare("max_loss", book=BOOK["max_loss"], ours=str(max_loss), agree=None,
                   note="the book's 10 is on Inception's scale; ours climbs past it by design")
    report.compare("iterations per octave", book=BOOK["iterations"], ours=iterations,
                   agree=None if quick else True)

    if have_matplotlib():
        path = render_grid([photo] + octaves,
                           ["photo"] + [f"octave {k + 1}" for k in range(len(octaves))],
                           output_dir() / "deepdream.png", columns=len(octaves) + 1,
                           tile_inches=3.0)
        report.say(f"  saved {path}")
    else:
        report.say("  (matplotlib is not installed: no PNG)")


# %%
if __name__ == "__main__":
    main(run, TITLE)
