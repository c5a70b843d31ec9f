"""One step of the book's GAN loop (listing 8.32) on tiny models."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import optimizers
from pynet.generative import BOOK_LABEL_NOISE, train_gan_step
from pynet.layers import Dense, Flatten, LeakyReLU, Reshape
from pynet.models import Input, Model


def tiny_gan(latent_dim=3):
    z = Input(shape=(latent_dim,))
    generator = Model(z, Reshape((2, 2, 1))(Dense(4, activation="tanh")(z)))
    image = Input(shape=(2, 2, 1))
    h = LeakyReLU()(Dense(5)(Flatten()(image)))
    discriminator = Model(image, Dense(1, activation="sigmoid")(h))
    discriminator.compile(optimizer=optimizers.RMSprop(lr=0.0008, clipvalue=1.0, decay=1e-8),
                          loss="binary_crossentropy")
    discriminator.trainable = False
    gan_in = Input(shape=(latent_dim,))
    gan = Model(gan_in, discriminator(generator(gan_in)))
    gan.compile(optimizer=optimizers.RMSprop(lr=0.0004, clipvalue=1.0, decay=1e-8),
                loss="binary_crossentropy")
    return generator, discriminator, gan


def test_one_step_trains_the_discriminator_then_the_generator_only_through_gan():
    generator, discriminator, gan = tiny_gan()
    real = np.random.default_rng(0).uniform(-1, 1, (6, 2, 2, 1)).astype(np.float32)
    g0, d0 = generator.get_weights(), discriminator.get_weights()
    step = train_gan_step(generator, discriminator, gan, real, np.random.default_rng(1))
    d_loss, a_loss, generated = step
    assert step.d_loss == d_loss and step.a_loss == a_loss
    assert generated.shape == (6, 2, 2, 1) and np.abs(generated).max() <= 1.0     # tanh
    assert np.isfinite(d_loss) and np.isfinite(a_loss)
    assert all(not np.array_equal(a, b) for a, b in zip(d0, discriminator.get_weights()))
    assert all(not np.array_equal(a, b) for a, b in zip(g0, generator.get_weights()))


def test_the_step_is_the_books_recipe_written_out():
    """Replay listing 8.32 by hand from the same generator and compare the losses."""
    rng_seed, real = 5, np.random.default_rng(2).uniform(-1, 1, (4, 2, 2, 1)).astype(np.float32)
    a = tiny_gan()
    b = tiny_gan()
    for m_a, m_b in zip(a, b):
        m_b.set_weights(m_a.get_weights())
    generator, discriminator, gan = b
    got = train_gan_step(*a, real, np.random.default_rng(rng_seed))

    rng = np.random.default_rng(rng_seed)
    z = rng.standard_normal((4, 3)).astype(np.float32)
    fake = generator.predict(z)
    labels = np.concatenate([np.ones((4, 1)), np.zeros((4, 1))])   # generated = 1, real = 0
    labels = (labels + 0.05 * rng.random(labels.shape)).astype(np.float32)
    d_loss = discriminator.train_on_batch(np.concatenate([fake, real]), labels)
    z = rng.standard_normal((4, 3)).astype(np.float32)
    a_loss = gan.train_on_batch(z, np.zeros((4, 1), np.float32))    # the lie: "real"
    assert BOOK_LABEL_NOISE == 0.05
    assert got.d_loss == pytest.approx(d_loss, rel=1e-6)
    assert got.a_loss == pytest.approx(a_loss, rel=1e-6)
    for m_a, m_b in zip(a, b):
        for wa, wb in zip(m_a.get_weights(), m_b.get_weights()):
            np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-7)


def test_bad_arguments_are_named():
    generator, discriminator, gan = tiny_gan()
    real = np.zeros((4, 2, 2, 1), np.float32)
    with pytest.raises(ValueError, match="real_images must have shape"):
        train_gan_step(generator, discriminator, gan, np.zeros((4, 3, 3, 1)), 0)
    with pytest.raises(ValueError, match="empty batch"):
        train_gan_step(generator, discriminator, gan, real[:0], 0)
    with pytest.raises(ValueError, match="label_noise"):
        train_gan_step(generator, discriminator, gan, real, 0, label_noise=-0.1)
    with pytest.raises(TypeError, match="rng"):
        train_gan_step(generator, discriminator, gan, real, "seed")
    d_in = Input(shape=(2, 2, 1))
    uncompiled = Model(d_in, Dense(1)(Flatten()(d_in)))
    with pytest.raises(ValueError, match="discriminator must be compiled"):
        train_gan_step(generator, uncompiled, gan, real, 0)
