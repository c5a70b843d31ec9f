"""Batch-normalization kernels: compiled == NumPy twin == the formulas written out, on random and
awkward inputs (odd sizes, 1x1, empty, non-contiguous, aliased arguments, float32/float64)."""
from __future__ import annotations

import numpy as np
import pytest

# (outer, channels, inner): Dense (N, C) -> (N, C, 1); NHWC -> (N·H·W, C, 1); NCHW -> (N, C, H·W)
SHAPES = [(16, 4, 1), (7, 3, 1), (2, 3, 25), (5, 1, 9), (1, 1, 1), (1, 5, 1), (3, 2, 7),
          (300, 32, 1), (4, 6, 49)]


def _tol(dtype):
    return dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-11)


def _random(rng, shape, dtype, offset=0.0):
    return (rng.normal(size=shape) * 2.0 + offset).astype(dtype)


def _by_hand(x, gamma, beta, eps):
    """The formulas in float64, written out for one channel at a time."""
    x = x.astype(np.float64)
    y = np.empty_like(x)
    means, variances = [], []
    for c in range(x.shape[1]):
        v = x[:, c, :]
        mu = v.sum() / v.size
        var = ((v - mu) ** 2).sum() / v.size            # biased: divide by m, as Keras
        y[:, c, :] = gamma[c] * (v - mu) / np.sqrt(var + eps) + beta[c]
        means.append(mu)
        variances.append(var)
    return y, np.array(means), np.array(variances)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_train_forward_matches_the_formulas(kernels_of, backend_name, rng, shape, dtype):
    kern = kernels_of(backend_name, ["normalization"])
    x = _random(rng, shape, dtype, offset=3.0)
    gamma, beta = _random(rng, shape[1], dtype), _random(rng, shape[1], dtype)
    y, mean, var, inv_std = kern.batch_norm_train_forward(x, gamma, beta, epsilon=1e-3)
    y_hand, mean_hand, var_hand = _by_hand(x, gamma, beta, 1e-3)
    assert y.dtype == mean.dtype == var.dtype == inv_std.dtype == dtype
    np.testing.assert_allclose(y, y_hand, **_tol(dtype))
    np.testing.assert_allclose(mean, mean_hand, **_tol(dtype))
    np.testing.assert_allclose(var, var_hand, **_tol(dtype))
    np.testing.assert_allclose(inv_std, 1 / np.sqrt(var_hand + 1e-3), **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_compiled_equals_twin(kernels_of, rng, shape, dtype):
    ref, cy = kernels_of("python", ["normalization"]), kernels_of("cython", ["normalization"])
    x = _random(rng, shape, dtype, offset=-1.0)
    gamma, beta = _random(rng, shape[1], dtype), _random(rng, shape[1], dtype)
    g = _random(rng, shape, dtype)
    for a, b in zip(ref.batch_norm_train_forward(x, gamma, beta, epsilon=1e-3),
                    cy.batch_norm_train_forward(x, gamma, beta, epsilon=1e-3)):
        np.testing.assert_allclose(a, b, **_tol(dtype))
    _, mean, var, inv_std = ref.batch_norm_train_forward(x, gamma, beta, epsilon=1e-3)
    np.testing.assert_allclose(ref.batch_norm_inference_forward(x, gamma, beta, mean, var, epsilon=0.1),
                               cy.batch_norm_inference_forward(x, gamma, beta, mean, var, epsilon=0.1),
                               **_tol(dtype))
    for stats in (True, False):
        for a, b in zip(ref.batch_norm_backward(x, gamma, mean, inv_std, g, batch_statistics=stats),
                        cy.batch_norm_backward(x, gamma, mean, inv_std, g, batch_statistics=stats)):
            assert a.dtype == b.dtype == dtype
            np.testing.assert_allclose(a, b, **_tol(dtype))
    dx, dg, db = cy.batch_norm_backward(x, gamma, mean, inv_std, g, need_input_grad=False)
    assert dx is None and dg.shape == db.shape == (shape[1],)


def test_backward_is_the_derivative_of_forward(kernels_of, backend_name, rng):
    """Central differences of L = Σ y ⊙ R through the training forward (statistics included)."""
    kern = kernels_of(backend_name, ["normalization"])
    x, gamma, beta = rng.normal(size=(3, 2, 4)), rng.normal(size=2), rng.normal(size=2)
    r = rng.normal(size=x.shape)

    def loss(x_, gamma_, beta_):
        return float(np.sum(kern.batch_norm_train_forward(x_, gamma_, beta_, epsilon=1e-3)[0] * r))

    _, mean, _, inv_std = kern.batch_norm_train_forward(x, gamma, beta, epsilon=1e-3)
    dx, dg, db = kern.batch_norm_backward(x, gamma, mean, inv_std, r)
    eps = 1e-6
    for analytic, arg in ((dx, 0), (dg, 1), (db, 2)):
        args = [x, gamma, beta]
        numeric = np.zeros_like(args[arg])
        for i in np.ndindex(*numeric.shape):
            plus = [a.copy() for a in args]
            minus = [a.copy() for a in args]
            plus[arg][i] += eps
            minus[arg][i] -= eps
            numeric[i] = (loss(*plus) - loss(*minus)) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_non_contiguous_and_aliased_arguments(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["normalization"])
    big = rng.normal(size=(10, 6, 8))
    x = big[::2, ::2, 1::3]                          # strided view: copied once, same answer
    assert not x.flags.c_contiguous
    gb = rng.normal(size=3)
    y1 = kern.batch_norm_train_forward(x, gb, gb, epsilon=1e-3)     # gamma and beta alias
    y2 = kern.batch_norm_train_forward(np.ascontiguousarray(x), gb.copy(), gb.copy(), epsilon=1e-3)
    for a, b in zip(y1, y2):
        np.testing.assert_array_equal(a, b)
    _, mean, _, inv = y2
    # grad_output the same array as x: read-only aliasing is harmless
    a = kern.batch_norm_backward(x, gb, mean, inv, x)
    b = kern.batch_norm_backward(np.ascontiguousarray(x), gb, mean, inv, np.ascontiguousarray(x).copy())
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    fortran = np.asfortranarray(rng.normal(size=(5, 3, 2)))
    np.testing.assert_array_equal(
        kern.batch_norm_inference_forward(fortran, gb, gb, mean, np.abs(mean), epsilon=1e-3),
        kern.batch_norm_inference_forward(np.ascontiguousarray(fortran), gb, gb, mean,
                                          np.abs(mean), epsilon=1e-3))


def test_empty_batches(kernels_of, backend_name):
    kern = kernels_of(backend_name, ["normalization"])
    x = np.zeros((0, 3, 1), np.float32)
    ones, zeros = np.ones(3, np.float32), np.zeros(3, np.float32)
    assert kern.batch_norm_inference_forward(x, ones, zeros, zeros, ones, epsilon=1e-3).shape == (0, 3, 1)
    dx, dg, db = kern.batch_norm_backward(x, ones, zeros, ones, x)
    assert dx.shape == (0, 3, 1)
    np.testing.assert_array_equal(dg, zeros)
    np.testing.assert_array_equal(db, zeros)
    with pytest.raises(ValueError, match="at least one value per channel"):
        kern.batch_norm_train_forward(x, ones, zeros, epsilon=1e-3)


def test_constant_channel_normalizes_to_beta(kernels_of, backend_name):
    """Zero variance: x̂ = 0 and y = β exactly (ε keeps the division finite)."""
    kern = kernels_of(backend_name, ["normalization"])
    x = np.full((5, 2, 1), 7.0)
    y, mean, var, _ = kern.batch_norm_train_forward(x, np.array([3.0, 4.0]), np.array([0.5, -1.0]),
                                                    epsilon=1e-3)
    np.testing.assert_array_equal(mean, [7.0, 7.0])
    np.testing.assert_array_equal(var, [0.0, 0.0])
    np.testing.assert_array_equal(y[:, 0, 0], 0.5)
    np.testing.assert_array_equal(y[:, 1, 0], -1.0)


BAD = [
    (lambda k: k.batch_norm_train_forward(np.zeros((2, 3)), np.ones(3), np.zeros(3)),
     ValueError, r"'x' must be 3-D"),
    (lambda k: k.batch_norm_train_forward(np.zeros((2, 3, 1)), np.ones(4), np.zeros(3)),
     ValueError, r"'gamma' must have shape \(3,\)"),
    (lambda k: k.batch_norm_train_forward(np.zeros((2, 3, 1)), np.ones(3, np.float32), np.zeros(3)),
     TypeError, r"share one float dtype"),
    (lambda k: k.batch_norm_train_forward(np.zeros((2, 3, 1)), np.ones(3), np.zeros(3), epsilon=0),
     ValueError, r"'epsilon' must be a finite real number > 0"),
    (lambda k: k.batch_norm_train_forward(np.zeros((2, 3, 1), int), np.ones(3), np.zeros(3)),
     TypeError, r"'x' must be a float32 or float64"),
    (lambda k: k.batch_norm_inference_forward(np.zeros((2, 3, 1)), np.ones(3), np.zeros(3),
                                              np.zeros(3), -np.ones(3)),
     ValueError, r"variance must be >= 0"),
    (lambda k: k.batch_norm_backward(np.zeros((2, 3, 1)), np.ones(3), np.zeros(3), np.ones(3),
                                     np.zeros((2, 3, 2))),
     ValueError, r"grad_output must have x's shape"),
]


@pytest.mark.parametrize("call,error,message", BAD)
def test_bad_arguments_same_message_on_both_backends(kernels_of, backend_name, call, error, message):
    kern = kernels_of(backend_name, ["normalization"])
    with pytest.raises(error, match=message):
        call(kern)
