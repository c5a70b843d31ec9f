"""The VAE's pieces: sampling (the reparameterisation trick), its gradient, the book's loss."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.generative import (BOOK_KL_WEIGHT, KLDivergenceLoss, Sampling, kl_divergence,
                              sample_z, vae_loss)
from pynet.gradient_check import numerical_gradient, relative_error
from pynet.layers import Conv2D, Dense, Flatten, Reshape
from pynet.layers.base import using_backend
from pynet.models import Input, Model


# -- sample_z ---------------------------------------------------------------------------------

def test_sample_z_is_mean_plus_sigma_times_a_standard_normal():
    mean = np.array([[1.0, -2.0]])
    log_var = np.array([[0.0, np.log(4.0)]])          # σ = 1 and σ = 2
    eps = np.random.default_rng(7).standard_normal((1, 2))
    z = sample_z(mean, log_var, np.random.default_rng(7))
    np.testing.assert_allclose(z, [[1.0 + eps[0, 0], -2.0 + 2.0 * eps[0, 1]]], rtol=1e-12)
    # the book's listing 8.24 as printed: σ = exp(log_var) = 4 for the second coordinate
    zb = sample_z(mean, log_var, np.random.default_rng(7), std_from="log_var")
    np.testing.assert_allclose(zb[0, 1], -2.0 + 4.0 * eps[0, 1], rtol=1e-12)


def test_sample_z_draws_the_distribution_it_claims():
    n = 200_000
    mean, log_var = np.full((n, 1), 3.0), np.full((n, 1), np.log(0.25))   # N(3, 0.5²)
    z = sample_z(mean, log_var, 1)
    assert abs(z.mean() - 3.0) < 0.01 and abs(z.std() - 0.5) < 0.01


def test_sample_z_is_reproducible_and_keeps_float32():
    m = np.zeros((4, 2), np.float32)
    a, b = sample_z(m, m, 5), sample_z(m, m, 5)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32


@pytest.mark.parametrize("mean, log_var, match", [
    (np.zeros((2, 3)), np.zeros((2, 2)), "same shape"),
    (np.zeros(3), np.zeros(3), r"\(batch, latent_dim\)"),
    (np.zeros((2, 0)), np.zeros((2, 0)), "latent_dim must be positive"),
])
def test_sample_z_refuses_bad_shapes(mean, log_var, match):
    with pytest.raises(ValueError, match=match):
        sample_z(mean, log_var, 0)


def test_sample_z_refuses_a_bad_rng_and_mode():
    with pytest.raises(TypeError, match="rng"):
        sample_z(np.zeros((1, 2)), np.zeros((1, 2)), "seed")
    with pytest.raises(ValueError, match="std_from"):
        sample_z(np.zeros((1, 2)), np.zeros((1, 2)), 0, std_from="sigma")


# -- the Sampling layer -----------------------------------------------------------------------

@pytest.mark.parametrize("bad", [0, -3])
def test_sampling_refuses_a_latent_dim_below_one(bad):
    with pytest.raises(ValueError, match="'latent_dim' must be None or a positive integer"):
        Sampling(bad)


def test_sampling_refuses_mismatched_inputs_when_called():
    a, b = Input(shape=(2,)), Input(shape=(3,))
    with pytest.raises(ValueError, match="same shape"):
        Sampling()([a, b])
    with pytest.raises(ValueError, match="latent_dim is 4"):
        Sampling(4)([a, a])


def test_sampling_has_no_weights_and_a_seed_reproduces_it():
    z_mean, z_log_var = Input(shape=(2,)), Input(shape=(2,))
    model = Model([z_mean, z_log_var], Sampling(2, seed=3)(([z_mean, z_log_var])))
    assert model.count_params() == 0
    m, v = np.ones((5, 2), np.float32), np.zeros((5, 2), np.float32)
    first = model.predict([m, v])
    again = Model([z_mean, z_log_var], Sampling(2, seed=3)([z_mean, z_log_var])).predict([m, v])
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, model.predict([m, v]))     # fresh ε at every call


@pytest.mark.parametrize("std_from", ["std", "log_var"])
@pytest.mark.parametrize("backend", ["python", "cython"])
def test_sampling_gradients_match_finite_differences(std_from, backend, kernels_of):
    """L = Σ w ⊙ z with ε held fixed: dL/dz_mean and dL/dz_log_var by central differences."""
    with using_backend(kernels_of(backend, ["dense"])):
        rng = np.random.default_rng(11)
        layer = Sampling(3, seed=0, std_from=std_from, dtype="float64")
        layer.build([(3,), (3,)])
        mean, log_var = rng.standard_normal((4, 3)), 0.5 * rng.standard_normal((4, 3))
        w = rng.standard_normal((4, 3))
        layer.forward([mean, log_var], training=True)
        eps = layer._eps.copy()

        def loss():
            return np.sum(w * (mean + (np.exp(0.5 * log_var) if std_from == "std"
                                       else np.exp(log_var)) * eps))

        g_mean, g_log_var = layer.backward(w)
        assert relative_error(g_mean, numerical_gradient(loss, mean)).max() < 1e-7
        assert relative_error(g_log_var, numerical_gradient(loss, log_var)).max() < 1e-7


# -- the loss ---------------------------------------------------------------------------------

def test_the_kl_term_follows_listing_8_26():
    mean = np.array([[1.0, 0.0]])
    log_var = np.array([[0.0, np.log(2.0)]])
    # 1 + log_var − mean² − exp(log_var) = [1 + 0 − 1 − 1, 1 + ln 2 − 0 − 2] = [−1, ln 2 − 1]
    expected = -5e-4 * np.mean([-1.0, np.log(2.0) - 1.0])
    assert kl_divergence(mean, log_var)[0] == pytest.approx(expected, rel=1e-12)
    assert BOOK_KL_WEIGHT == 5e-4
    # the prior itself (mean 0, variance 1) costs nothing
    assert kl_divergence(np.zeros((1, 2)), np.zeros((1, 2)))[0] == 0.0


def test_vae_loss_is_pixel_mean_cross_entropy_plus_kl():
    x = np.array([[[[1.0], [0.0]]]])                     # one 1×2 image
    p = np.array([[[[0.8], [0.1]]]])
    xent = -(np.log(0.8) + np.log(0.9)) / 2
    mean, log_var = np.array([[0.5]]), np.array([[0.0]])
    kl = -5e-4 * (1 + 0 - 0.25 - 1)
    assert vae_loss(x, p, mean, log_var) == pytest.approx(xent + kl, rel=1e-12)


def small_vae(seed=0, dtype="float64"):
    """A tiny conv VAE in the book's shape: encoder → (z_mean, z_log_var) → Sampling → decoder →
    KLDivergenceLoss, compiled with binary cross-entropy (y = x)."""
    from pynet.utils import set_seed
    set_seed(seed)
    x_in = Input(shape=(4, 4, 1), dtype=dtype)
    h = Flatten(dtype=dtype)(Conv2D(2, 3, padding="same", activation="relu", dtype=dtype)(x_in))
    z_mean = Dense(2, dtype=dtype, name="z_mean")(h)
    z_log_var = Dense(2, dtype=dtype, name="z_log_var")(h)
    z = Sampling(2, seed=seed, dtype=dtype)([z_mean, z_log_var])
    d_in = Input(shape=(2,), dtype=dtype)
    d = Reshape((4, 4, 1), dtype=dtype)(Dense(16, activation="sigmoid", dtype=dtype)(d_in))
    decoder = Model(d_in, d)
    y = KLDivergenceLoss(dtype=dtype)([decoder(z), z_mean, z_log_var])
    vae = Model(x_in, y)
    vae.compile(optimizer="rmsprop", loss="binary_crossentropy")
    return vae, Model(x_in, [z_mean, z_log_var]), decoder


class FixedNormal:
    """Stands in for the layer's generator: the same ε at every forward pass, so the loss is a
    deterministic function of the weights (what a finite-difference check needs)."""

    def __init__(self, eps):
        self.eps = eps

    def standard_normal(self, shape):
        assert shape == self.eps.shape
        return self.eps.copy()


def fix_epsilon(sampling, eps):
    sampling._own_rng = FixedNormal(eps)


@pytest.mark.parametrize("backend", ["python", "cython"])
def test_a_whole_vae_passes_the_gradient_check(backend, kernels_of):
    """Every weight of encoder and decoder, through Sampling and the KL layer, against central
    differences of the *training* loss (BCE + the add_loss KL term; ε held fixed)."""
    from pynet.models.training import loss_gradients, weighted_losses
    with using_backend(kernels_of(backend, ["dense", "conv"])):
        vae, _, _ = small_vae()
        x = np.random.default_rng(3).random((3, 4, 4, 1))
        fix_epsilon(next(l for l in vae.layers if isinstance(l, Sampling)),
                    np.random.default_rng(9).standard_normal((3, 2)))

        def total_loss():
            outs = vae._runner.forward([x], training=True)
            return weighted_losses(vae, [x], outs, [None])[0] + vae._runner.extra_losses()

        vae._runner.set_input_grad_flags(False)
        outs = vae._runner.forward([x], training=True)
        vae._runner.backward(*loss_gradients(vae, [x], outs, [None]))
        analytic = {name: grad.copy() for name, _, grad in vae.trainable_variables()}
        assert len(analytic) == 8          # conv, z_mean, z_log_var, decoder dense: kernel+bias
        for name, param, _ in vae.trainable_variables():
            err = relative_error(analytic[name], numerical_gradient(total_loss, param))
            # a wrong gradient is off by 1e-2 or more; central differences in float64 agree
            # to ~1e-6 elementwise here (tiny entries magnify the relative error)
            assert err.max() < 1e-5, (name, err.max())


def test_the_training_loss_is_the_books_total():
    vae, encoder, decoder = small_vae(seed=4)
    x = np.random.default_rng(3).random((5, 4, 4, 1))
    sampling = next(l for l in vae.layers if isinstance(l, Sampling))
    eps = np.random.default_rng(9).standard_normal((5, 2))
    fix_epsilon(sampling, eps)
    mean, log_var = encoder.predict(x)
    decoded = decoder.predict(mean + np.exp(0.5 * log_var) * eps)
    expected = vae_loss(x, decoded, mean, log_var)
    assert vae.train_on_batch(x, x) == pytest.approx(expected, rel=1e-9)


def test_kl_layer_adds_its_loss_only_in_training_and_refuses_bad_calls():
    layer = KLDivergenceLoss()
    layer.build([(4,), (2,), (2,)])
    xs = [np.ones((1, 4)), np.ones((1, 2)), np.zeros((1, 2))]
    np.testing.assert_array_equal(layer.forward(xs, training=False), xs[0])
    assert layer.losses == []
    layer.forward(xs, training=True)
    assert layer.losses == [pytest.approx(-5e-4 * (1 + 0 - 1 - 1))]
    with pytest.raises(ValueError, match="weight"):
        KLDivergenceLoss(weight=-1)
    with pytest.raises(ValueError, match="z_mean and z_log_var"):
        KLDivergenceLoss()([Input(shape=(4,)), Input(shape=(2,)), Input(shape=(3,))])
