# %% [markdown]
# # 45 · Chollet §8.5: a DCGAN on one MNIST class (the book: CIFAR-10 frogs)
#
# *Deep Learning with Python* §8.5 (listings 8.29–8.32) pits a generator (latent vector → image)
# against a discriminator (image → "is it generated?"). Each step trains the discriminator on
# generated and real images with noisy labels, then trains the generator through
# `gan = discriminator(generator(z))` with the discriminator frozen, on targets that lie ("these are
# real"). The book trains on CIFAR-10 frogs (32×32×3) for 10,000 steps of 20 images; CIFAR-10 is not
# available offline, so this lesson trains on one MNIST class (the digit 6) at 28×28×1.

# %%
"""Chollet §8.5: a deep convolutional GAN, trained on one MNIST class with the book's loop.

The book's generator, discriminator and training loop, narrowed to run on a shared CPU.
"""
from __future__ import annotations

import time

import numpy as np

from pynet.lessons import Report, main

TITLE = "45 · Chollet §8.5: a DCGAN on one MNIST class (the book: CIFAR-10 frogs)"
SEED = 42

BOOK_LATENT_DIM = 32
BOOK_BATCH_SIZE = 20
BOOK_ITERATIONS = 10_000
BOOK_CLASS = 6                 # frogs in CIFAR-10; we take the digit 6
BOOK_D_LR, BOOK_GAN_LR = 0.0008, 0.0004
BOOK_CLIPVALUE, BOOK_DECAY = 1.0, 1e-8
WIDTH_DIVISOR = 8
QUICK_WIDTH_DIVISOR = 16       # --quick: 256 → 16, 128 → 8
HEIGHT = WIDTH = 28
CHANNELS = 1


# %% [markdown]
# ## The generator
#
# Dense → LeakyReLU → Reshape → Conv2D 5×5 → Conv2DTranspose 4×4 stride 2 → two Conv2D 5×5 → Conv2D
# 7×7 tanh, at 28×28×1, with the book's parameter-count formulas.
#
# **Widths.** The book's 256-filter 5×5 convolutions at full resolution cost about 5 GFLOP per image
# per step; on a shared 2-core CPU that is minutes per step. The lesson keeps every layer, kernel
# size and stride but divides the filter counts by `WIDTH_DIVISOR` (8): 256 → 32, 128 → 16. The
# book's layout with its own widths is `build_generator(width=256)`.

# %%
def build_generator(latent_dim=BOOK_LATENT_DIM, width=256, channels=CHANNELS):
    """Listing 8.29 at 28×28: ``width`` is the book's 256 (its Dense block has width/2 = 128
    maps of 14×14 instead of 16×16)."""
    from pynet.layers import Conv2D, Conv2DTranspose, Dense, LeakyReLU, Reshape
    from pynet.models import Input, Model
    half = width // 2
    generator_input = Input(shape=(latent_dim,))
    x = LeakyReLU()(Dense(half * 14 * 14)(generator_input))
    x = Reshape((14, 14, half))(x)
    x = LeakyReLU()(Conv2D(width, 5, padding="same")(x))
    x = LeakyReLU()(Conv2DTranspose(width, 4, strides=2, padding="same")(x))   # 14 → 28
    x = LeakyReLU()(Conv2D(width, 5, padding="same")(x))
    x = LeakyReLU()(Conv2D(width, 5, padding="same")(x))
    x = Conv2D(channels, 7, activation="tanh", padding="same")(x)
    return Model(generator_input, x, name="generator")


# %% [markdown]
# ## The discriminator
#
# Conv2D 3×3, three Conv2D 4×4 stride 2, LeakyReLU, Flatten, Dropout(0.4), Dense sigmoid: one
# probability that the image was generated.

# %%
def build_discriminator(width=128, channels=CHANNELS, seed=SEED):
    """Listing 8.30 at 28×28×1 (``width`` is the book's 128). 28 → 26 → 12 → 5 → 1."""
    from pynet.layers import Conv2D, Dense, Dropout, Flatten, LeakyReLU
    from pynet.models import Input, Model
    discriminator_input = Input(shape=(HEIGHT, WIDTH, channels))
    x = LeakyReLU()(Conv2D(width, 3)(discriminator_input))
    for _ in range(3):
        x = LeakyReLU()(Conv2D(width, 4, strides=2)(x))
    x = Flatten()(x)
    x = Dropout(0.4, seed=seed)(x)              # "one important trick"
    x = Dense(1, activation="sigmoid")(x)
    return Model(discriminator_input, x, name="discriminator")


# %% [markdown]
# ## The GAN, with the book's tricks
#
# `RMSprop(lr=0.0008 / 0.0004, clipvalue=1.0, decay=1e-8)` for the discriminator and the GAN;
# `discriminator.trainable = False` set before compiling `gan`, so inside the GAN only the generator
# learns — and the lesson checks that pynet, like Keras, still trains the discriminator through its
# own `train_on_batch`, since it was compiled before the flag changed.

# %%
def build_gan(latent_dim=BOOK_LATENT_DIM, divisor=WIDTH_DIVISOR):
    """Listings 8.29–8.31: ``(generator, discriminator, gan)``, compiled as the book does."""
    from pynet import optimizers
    from pynet.models import Input, Model
    generator = build_generator(latent_dim, width=256 // divisor)
    discriminator = build_discriminator(width=128 // divisor)
    discriminator.compile(optimizer=optimizers.RMSprop(lr=BOOK_D_LR, clipvalue=BOOK_CLIPVALUE,
                                                       decay=BOOK_DECAY),
                          loss="binary_crossentropy")
    discriminator.trainable = False             # inside gan only: it is compiled already
    gan_input = Input(shape=(latent_dim,))
    gan = Model(gan_input, discriminator(generator(gan_input)))
    gan.compile(optimizer=optimizers.RMSprop(lr=BOOK_GAN_LR, clipvalue=BOOK_CLIPVALUE,
                                             decay=BOOK_DECAY),
                loss="binary_crossentropy")
    return generator, discriminator, gan


# %% [markdown]
# ## The data
#
# Listing 8.32's data: one class, float32 in [0, 1], shape (N, 28, 28, 1). The book scales real
# images to [0, 1] while its generator ends with tanh ([−1, 1]); we keep that as printed (the
# generator learns to stay in [0, 1]).

# %%
def load_class(digit=BOOK_CLASS):
    """Listing 8.32's data: one class, float32 in [0, 1], shape (N, 28, 28, 1)."""
    from pynet.datasets import mnist
    (x_train, y_train), _ = mnist.load()
    return mnist.keras_images(x_train[y_train == digit])


# %% [markdown]
# ## Image grids
#
# Generated images at intervals, as PNGs in `$PYNET_OUTPUT`.

# %%
def save_grid(images, path, title):
    from pynet.inspect.images import render_grid
    return render_grid(images[:, :, :, 0], path=path, columns=8, title=title, cmap="Greys_r",
                       vmin=0.0, vmax=1.0)


# %% [markdown]
# ## Run the lesson
#
# The book's loop: label noise 0.05·U[0, 1), generated = 1 and real = 0, the discriminator then the
# GAN trained at each step. `run` prints the losses over the steps and saves image grids at
# intervals. The headline: neither side wins outright (the book prints no losses; a collapsed GAN
# shows a discriminator loss near 0 and an adversarial loss that keeps growing), and the generated
# images' pixel mean and spread come near the real digits'.
#
# The full run takes 300 steps; `--quick` 16 steps with the filter counts divided by 16 (a check
# that it all runs, not a GAN).

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.generative import train_gan_step
    from pynet.inspect.images import output_dir
    from pynet.layers import reset_name_counters

    steps, every, divisor = (16, 8, QUICK_WIDTH_DIVISOR) if quick else (300, 100, WIDTH_DIVISOR)
    reset_name_counters()
    x_train = load_class()
    report.section("Listings 8.29–8.31: generator, discriminator, the adversarial network")
    report.say(f"  {len(x_train):,} images of the digit {BOOK_CLASS} (the book: 5,000 CIFAR-10 "
               "frogs, 32×32×3)")
    generator, discriminator, gan = build_gan(divisor=divisor)
    # the book's widths, for their parameter counts (never trained here)
    g_book, d_book = build_generator(width=256), build_discriminator(width=128)
    # Dense 32 → 128·14·14 (33·25,088); Conv2D 5×5 128→256; Conv2DTranspose 4×4 256→256;
    # two Conv2D 5×5 256→256; Conv2D 7×7 256→1
    g_expected = (33 * 25_088 + (25 * 128 * 256 + 256) + (16 * 256 * 256 + 256)
                  + 2 * (25 * 256 * 256 + 256) + (49 * 256 + 1))
    report.compare("generator parameters at the book's widths (28×28×1)", book=g_expected,
                   ours=g_book.count_params(), agree=g_book.count_params() == g_expected)
    # Conv2D 3×3 1→128; three Conv2D 4×4 128→128; Dense 128 → 1
    d_expected = (9 * 128 + 128) + 3 * (16 * 128 * 128 + 128) + (128 + 1)
    report.compare("discriminator parameters at the book's widths", book=d_expected,
                   ours=d_book.count_params(), agree=d_book.count_params() == d_expected)
    report.say(f"  trained here with widths / {divisor}: generator "
               f"{generator.count_params():,}, discriminator {discriminator.count_params():,} "
               "parameters")
    report.compare("gan's trainable parameters = the generator's", book=generator.count_params(),
                   ours=gan.count_trainable_params(),
                   agree=gan.count_trainable_params() == generator.count_params())

    report.section(f"Listing 8.32: {steps} steps of {BOOK_BATCH_SIZE} (the book: "
                   f"{BOOK_ITERATIONS:,})")
    rng = np.random.default_rng(SEED)
    d_losses, a_losses, start, folder = [], [], 0, output_dir()
    d_frozen_ok = True
    t0 = time.perf_counter()
    for step in range(steps):
        real = x_train[start:start + BOOK_BATCH_SIZE]
        before = discriminator.get_weights()[0].copy() if step == 0 else None
        d_loss, a_loss, generated = train_gan_step(generator, discriminator, gan, real, rng)
        if step == 0:       # the discriminator moved in its own step
            d_frozen_ok = not np.array_equal(before, discriminator.get_weights()[0])
        d_losses.append(float(d_loss))
        a_losses.append(float(a_loss))
        start += BOOK_BATCH_SIZE
        if start > len(x_train) - BOOK_BATCH_SIZE:
            start = 0
        if step % every == 0 or step == steps - 1:
            report.say(f"  step {step:>4}: discriminator loss {d_loss:.3f}, adversarial loss "
                       f"{a_loss:.3f}")
            path = save_grid(generated[:16], folder / f"gan_step{step:04d}.png",
                             f"generated, step {step}" + (" (--quick: a tiny, untrained GAN)"
                                                          if quick else ""))
            report.say(f"    saved {path}" if not isinstance(path, str) else path)
    seconds = time.perf_counter() - t0
    report.say(f"  {seconds:.1f} s ({1000 * seconds / steps:.0f} ms per step)")
    report.check(d_frozen_ok, "the discriminator trains through its own train_on_batch although "
                 "it was frozen before gan was compiled (Keras's compile-time rule)")

    tail = slice(steps // 2, None)
    d_mean, a_mean = float(np.mean(d_losses[tail])), float(np.mean(a_losses[tail]))
    report.compare("mean discriminator loss, second half", book="not printed",
                   ours=round(d_mean, 3), agree=0.2 < d_mean < 1.2,
                   note="not collapsed: between 0.2 and 1.2 (ln 2 = 0.693 is a coin flip)",
                   headline=True, kind="differs", reason="the book prints no losses (and trains "
                   "on CIFAR-10 frogs); we check that neither side wins outright")
    report.compare("mean adversarial loss, second half", book="not printed",
                   ours=round(a_mean, 3), agree=0.2 < a_mean < 4.0,
                   note="not collapsed: between 0.2 and 4")

    z = rng.standard_normal((200, BOOK_LATENT_DIM)).astype(np.float32)
    fake = generator.predict(z, batch_size=100)
    real = x_train[:200]
    gap_mean = abs(float(fake.mean()) - float(real.mean()))
    gap_std = abs(float(fake.std()) - float(real.std()))
    # 16 quick steps make no GAN yet: there the pixel statistics are shown, not judged (their
    # value after so few steps swings with the float rounding of the BLAS thread count)
    report.compare("pixel mean: real vs generated", book=round(float(real.mean()), 3),
                   ours=round(float(fake.mean()), 3), agree=None if quick else gap_mean < 0.1)
    report.compare("pixel std: real vs generated", book=round(float(real.std()), 3),
                   ours=round(float(fake.std()), 3), agree=None if quick else gap_std < 0.1)
    path = save_grid(np.clip(fake[:32], 0, 1), folder / "gan_final.png",
                     "generated, final" + (" (--quick: a tiny, untrained GAN)" if quick else ""))
    report.say(f"  saved {path}" if not isinstance(path, str) else path)


# %%
if __name__ == "__main__":
    main(run, TITLE)
