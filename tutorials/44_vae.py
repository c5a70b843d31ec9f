# %% [markdown]
# # 44 · Chollet §8.4: a variational autoencoder on MNIST (latent_dim 2) and its digit map
#
# *Deep Learning with Python* §8.4 (listings 8.23–8.28) encodes each 28×28 digit not to a point but
# to a Gaussian — a mean `z_mean` and a log-variance `z_log_var` in a 2-D latent space — samples `z`
# from it, and decodes `z` back to an image. The loss is the pixel-wise binary cross-entropy of the
# reconstruction plus a small KL term (weight 5e-4) pulling every Gaussian towards N(0, I). Trained
# for 10 epochs (batch 16, RMSprop) on 60,000 digits, the decoder turns a 15×15 grid over the latent
# plane into digits that morph continuously from one class into another (Fig. 8.14).
#
# The book prints no loss values (the figure is its result). pynet ships 10,000 of MNIST's 60,000
# training digits, and a shared 2-core machine is slower than the book's GPU, so the full run trains
# on 4,000 digits for 3 epochs.

# %%
"""Chollet §8.4: a variational autoencoder on MNIST with a 2-D latent space, and its digit map.

The book's VAE, its loss checked against listing 8.26, trained briefly; the digit map as a PNG.
"""
from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from pynet.lessons import Report, main

TITLE = "44 · Chollet §8.4: a variational autoencoder on MNIST (latent_dim 2) and its digit map"
SEED = 41

BOOK_IMG_SHAPE = (28, 28, 1)
BOOK_LATENT_DIM = 2
BOOK_BATCH_SIZE = 16
BOOK_EPOCHS = 10
BOOK_KL_WEIGHT = 5e-4
BOOK_GRID = 15                      # n = 15 → 225 digits (the book's text says 255, an erratum)
BOOK_SHAPE_BEFORE_FLATTENING = (14, 14, 64)
# Keras's counts for listing 8.23's layers: Conv2D 9·1·32+32, 9·32·64+64, 9·64·64+64 (twice),
# Dense 12,544·32+32, z_mean and z_log_var 32·2+2 each
BOOK_ENCODER_PARAMS = 320 + 18_496 + 2 * 36_928 + 401_440 + 2 * 66            # 494,244
# listing 8.25: Dense 2 → 12,544 (3·12,544), Conv2DTranspose 9·32·64+32, Conv2D 9·32+1
BOOK_DECODER_PARAMS = 37_632 + 18_464 + 289                                   # 56,385


# %% [markdown]
# ## The model
#
# - encoder: Conv2D 32 → 64 (stride 2) → 64 → 64 → Flatten → Dense(32) → `z_mean`, `z_log_var` (2
#   each);
# - the `Sampling` layer draws `z = z_mean + σ·ε`;
# - decoder: Dense(12,544) → Reshape (14, 14, 64) → Conv2DTranspose(32, stride 2) → Conv2D(1,
#   sigmoid).
#
# The parameter counts must be Keras's: 494,244 in the encoder, 56,385 in the decoder.
#
# Sampling: the book's listing 8.24 multiplies ε by `exp(z_log_var)`; we use the standard deviation
# `exp(½·z_log_var)` (Keras's own VAE example does the same; `Sampling(std_from="log_var")` gives
# the printed line).
#
# The loss as pynet trains it: the reconstruction term compiled as `binary_crossentropy` with
# `y = x`, and the KL term added by `KLDivergenceLoss` (`pynet.generative.vae` explains why). Its
# total equals the book's listing 8.26, checked on a batch.

# %%
def build_vae(latent_dim=BOOK_LATENT_DIM, seed=SEED):
    """Listings 8.23–8.26. Returns ``(vae, encoder, decoder)``; ``encoder`` maps an image to
    ``[z_mean, z_log_var]`` with the VAE's own layers."""
    from pynet.generative import KLDivergenceLoss, Sampling
    from pynet.layers import Conv2D, Conv2DTranspose, Dense, Flatten, Reshape
    from pynet.models import Input, Model
    from pynet.utils import set_seed

    set_seed(seed)                      # the same initial weights every run, whatever ran before
    input_img = Input(shape=BOOK_IMG_SHAPE)
    x = Conv2D(32, 3, padding="same", activation="relu")(input_img)
    x = Conv2D(64, 3, padding="same", activation="relu", strides=(2, 2))(x)
    x = Conv2D(64, 3, padding="same", activation="relu")(x)
    x = Conv2D(64, 3, padding="same", activation="relu")(x)
    shape_before_flattening = x.shape[1:]
    x = Flatten()(x)
    x = Dense(32, activation="relu")(x)
    z_mean = Dense(latent_dim, name="z_mean")(x)
    z_log_var = Dense(latent_dim, name="z_log_var")(x)
    z = Sampling(latent_dim, seed=seed)([z_mean, z_log_var])

    decoder_input = Input(shape=(latent_dim,))
    x = Dense(int(np.prod(shape_before_flattening)), activation="relu")(decoder_input)
    x = Reshape(shape_before_flattening)(x)
    x = Conv2DTranspose(32, 3, padding="same", activation="relu", strides=(2, 2))(x)
    x = Conv2D(1, 3, padding="same", activation="sigmoid")(x)
    decoder = Model(decoder_input, x, name="decoder")
    z_decoded = decoder(z)

    y = KLDivergenceLoss(weight=BOOK_KL_WEIGHT)([z_decoded, z_mean, z_log_var])
    vae = Model(input_img, y)
    vae.compile(optimizer="rmsprop", loss="binary_crossentropy")   # the reconstruction term
    return vae, Model(input_img, [z_mean, z_log_var]), decoder


# %% [markdown]
# ## The digit map
#
# The decoder turns a 15×15 grid over the latent plane into digits. The grid's points are the
# quantiles `norm.ppf(linspace(0.05, 0.95, 15))` of the prior, so they cover where N(0, 1) puts its
# mass. (The book's text says 255 digits; 15×15 is 225, an erratum.)

# %%
def latent_grid(decoder, n=BOOK_GRID, digit_size=28):
    """Listing 8.28: decode the points ``(norm.ppf(p_i), norm.ppf(p_j))`` for 15 quantiles
    ``p`` from 0.05 to 0.95 and tile the digits into one ``(n·28, n·28)`` image."""
    from scipy.stats import norm
    grid_x = norm.ppf(np.linspace(0.05, 0.95, n))
    grid_y = norm.ppf(np.linspace(0.05, 0.95, n))
    points = np.array([[xi, yi] for yi in grid_x for xi in grid_y], dtype=np.float32)
    digits = decoder.predict(points, batch_size=len(points)).reshape(n, n, digit_size, digit_size)
    return digits.transpose(0, 2, 1, 3).reshape(n * digit_size, n * digit_size)


# %% [markdown]
# ## Saving the map
#
# The 15×15 grid of decoded digits goes to a PNG in `$PYNET_OUTPUT` (default a temporary folder).

# %%
def save_png(image, path):
    """A grey image in [0, 1] as an 8-bit PNG (white ink on black, the book's ``Greys_r``),
    written to a temporary file and moved into place."""
    from pynet.preprocessing.image import array_to_img
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=os.path.dirname(path) or ".")
    os.close(fd)
    try:
        array_to_img(np.clip(image, 0, 1)[..., None] * 255.0, scale=False).save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


# %% [markdown]
# ## The data
#
# MNIST digits as (N, 28, 28, 1) in [0, 1].

# %%
def load_digits(n_train, n_test):
    """Listing 8.27's data: float32 in [0, 1], shape (N, 28, 28, 1)."""
    from pynet.datasets import mnist
    (x_train, _), (x_test, y_test) = mnist.load()
    return (mnist.keras_images(x_train[:n_train]), mnist.keras_images(x_test[:n_test]),
            y_test[:n_test])


# %% [markdown]
# ## Run the lesson
#
# `run` prints the model's counts, the loss check, the loss per epoch, and the headline: the test
# reconstruction loss falls well below the untrained model's (≈ ln 2 per pixel). Then the latent
# means of the test digits (mean, standard deviation per axis) against the prior N(0, 1): with the
# book's weight 5e-4 the KL pull is weak, so they spread and drift more than N(0, 1) (shown for
# information), but they must not collapse onto a point.
#
# `--quick` trains on 1,024 digits for 1 epoch.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.generative import Sampling, vae_loss
    from pynet.inspect.images import output_dir
    from pynet.layers import reset_name_counters

    n_train, n_test, epochs = (1024, 512, 1) if quick else (4_000, 2_000, 3)
    reset_name_counters()
    x_train, x_test, y_test = load_digits(n_train, n_test)

    report.section("Listings 8.23–8.26: encoder, sampling layer, decoder, loss layer")
    vae, encoder, decoder = build_vae()
    report.say(vae.summary(print_fn=lambda s: None))
    before_flattening = tuple(vae.get_layer(index=4).output.shape[1:])
    report.compare("shape before flattening", book=str(BOOK_SHAPE_BEFORE_FLATTENING),
                   ours=str(before_flattening),
                   agree=before_flattening == BOOK_SHAPE_BEFORE_FLATTENING)
    encoder_params = encoder.count_params()
    report.compare("encoder parameters", book=BOOK_ENCODER_PARAMS, ours=encoder_params,
                   agree=encoder_params == BOOK_ENCODER_PARAMS)
    report.compare("decoder parameters", book=BOOK_DECODER_PARAMS, ours=decoder.count_params(),
                   agree=decoder.count_params() == BOOK_DECODER_PARAMS)

    # the training loss is listing 8.26's total, for the same ε
    untrained = vae.evaluate(x_test, x_test, verbose=0, batch_size=256)
    sampling = next(l for l in vae.layers if isinstance(l, Sampling))
    batch = x_train[:BOOK_BATCH_SIZE]
    state = sampling.rng.bit_generator.state
    z_mean, z_log_var = encoder.predict(batch)
    eps = sampling.rng.standard_normal(z_mean.shape).astype(np.float32)
    sampling.rng.bit_generator.state = state          # train_on_batch draws the same ε
    book_total = vae_loss(batch, decoder.predict(z_mean + np.exp(0.5 * z_log_var) * eps),
                          z_mean, z_log_var)
    ours_total = vae.train_on_batch(batch, batch)
    report.compare("loss on one batch: listing 8.26's formula vs pynet's training loss",
                   book=round(book_total, 5), ours=round(ours_total, 5),
                   agree=abs(book_total - ours_total) < 1e-4 * max(1.0, book_total))

    report.section(f"Listing 8.27: training (batch {BOOK_BATCH_SIZE}, RMSprop)")
    report.say(f"  the book: {BOOK_EPOCHS} epochs on 60,000 digits; here {epochs} on {n_train:,} "
               f"(pynet ships 10,000 MNIST training digits; a shared CPU)")
    start = time.perf_counter()
    history = vae.fit(x_train, x_train, epochs=epochs, batch_size=BOOK_BATCH_SIZE, verbose=0,
                      shuffle=True, seed=SEED)
    seconds = time.perf_counter() - start
    for epoch, loss in enumerate(history.history["loss"], start=1):
        report.say(f"  epoch {epoch}: loss (reconstruction + KL) {loss:.4f}")
    report.say(f"  {seconds:.1f} s for {epochs} epoch(s)")

    trained = vae.evaluate(x_test, x_test, verbose=0, batch_size=256)
    report.compare("test reconstruction loss (BCE per pixel): untrained → trained",
                   book="no number printed", ours=f"{untrained:.3f} → {trained:.3f}",
                   agree=trained < 0.75 * untrained,
                   note="headline: well below the untrained value", headline=True,
                   kind="differs", reason="the book prints no loss; we check the trained loss "
                   "falls below 3/4 of the untrained one")

    report.section("The latent space: where the test digits land")
    z_mean, z_log_var = encoder.predict(x_test, batch_size=256)
    mu, sd = z_mean.mean(axis=0), z_mean.std(axis=0)
    report.compare("latent means of test digits: mean per axis", book="prior N(0, 1)",
                   ours=f"({mu[0]:.2f}, {mu[1]:.2f})", agree=None,
                   note="the KL pull is weak: 5e-4 against a per-pixel mean BCE")
    report.compare("latent means of test digits: std per axis", book="prior N(0, 1)",
                   ours=f"({sd[0]:.2f}, {sd[1]:.2f})", agree=None)
    # one epoch on 1,024 digits (quick) may leave one axis barely used; a collapse onto one
    # point leaves both axes near zero, so quick mode asks that of the wider axis only
    spread_ok = np.all(sd > 0.1) if not quick else sd.max() > 0.1
    report.check(bool(np.all(np.isfinite(z_mean)) and spread_ok),
                 "the test digits spread over the latent plane (std > 0.1 on "
                 + ("the wider axis" if quick else "both axes") + ": no collapse onto one point)")
    sigma = np.exp(0.5 * z_log_var)
    report.say(f"  posterior σ (median over digits and axes): {float(np.median(sigma)):.3f} — "
               "each digit is a small cloud, not a point")
    centres = np.array([z_mean[y_test == d].mean(axis=0) for d in range(10)
                        if np.any(y_test == d)])
    spread = float(np.linalg.norm(centres - centres.mean(axis=0), axis=1).mean())
    report.say(f"  the ten digit classes' centres lie {spread:.2f} (mean distance) from their "
               "middle: classes occupy different regions of the plane")

    report.section("Listing 8.28: the 15 × 15 grid of decoded digits")
    figure = latent_grid(decoder)
    path = save_png(figure, output_dir() / "vae_latent_grid.png")
    report.compare("grid image size", book=f"{BOOK_GRID * 28} × {BOOK_GRID * 28}",
                   ours=f"{figure.shape[0]} × {figure.shape[1]}",
                   agree=figure.shape == (BOOK_GRID * 28, BOOK_GRID * 28))
    report.say(f"  saved {path}")
    from pynet.inspect.images import ascii_image
    corner = figure[:28 * 3, :28 * 3]
    report.say("  the grid's top-left 3 × 3 digits:")
    report.say(ascii_image(corner[::3, ::3]))


# %%
if __name__ == "__main__":
    main(run, TITLE)
