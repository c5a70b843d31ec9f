"""The dense-layer and optimizer kernels: compiled == NumPy reference == plain formulas.

Each kernel runs on both backends (the ``backend_name`` fixture) against a formula written out
in float64 NumPy right here, on awkward shapes (batch 1, one unit, one feature, odd sizes),
C-ordered and non-contiguous inputs, float32 and float64. Bad arguments raise the *same*
message on both backends.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

DTYPES = (np.float32, np.float64)
SHAPES = [(1, 1, 1), (1, 5, 1), (1, 1, 7), (7, 1, 3), (3, 17, 1), (33, 65, 10), (128, 31, 17)]
ACTS = ("linear", "relu", "sigmoid", "tanh", "softmax")


def tol(dtype, k=1):
    if np.dtype(dtype) == np.float32:
        return dict(rtol=3e-5, atol=3e-6 * max(k, 1))
    return dict(rtol=1e-11, atol=1e-13 * max(k, 1))


def act64(name, z):
    z = z.astype(np.float64)
    if name == "linear":
        return z
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return expit(z)
    if name == "tanh":
        return np.tanh(z)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def strided(rng, shape, dtype):
    """A non-contiguous view (every other element) with the given shape."""
    big = rng.standard_normal(tuple(2 * s for s in shape)).astype(dtype)
    view = big[tuple(slice(None, None, 2) for _ in shape)]
    assert not view.flags.c_contiguous or view.size <= 1
    return view


@pytest.fixture
def kern(backend_name, kernels_of):
    return kernels_of(backend_name, ["dense"])


@pytest.fixture
def both(kernels_of):
    return kernels_of("python", ["dense"]), kernels_of("cython", ["dense"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,d,u", SHAPES)
@pytest.mark.parametrize("act", ACTS)
def test_dense_forward_matches_formula(kern, rng, dtype, n, d, u, act):
    x = rng.standard_normal((n, d)).astype(dtype)
    w = rng.standard_normal((d, u)).astype(dtype)
    b = rng.standard_normal(u).astype(dtype)
    y = kern.dense_forward(x, w, b, act)
    expected = act64(act, x.astype(np.float64) @ w + b)
    assert y.dtype == dtype and y.shape == (n, u)
    np.testing.assert_allclose(y, expected, **tol(dtype, d))


@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_forward_without_bias_noncontiguous_and_out(kern, rng, dtype):
    x = strided(rng, (9, 6), dtype)
    w = strided(rng, (6, 4), dtype)
    out = np.full((9, 4), np.nan, dtype=dtype)
    y = kern.dense_forward(x, w, None, "relu", out=out)
    assert y is out
    np.testing.assert_allclose(out, np.maximum(x.astype(np.float64) @ w, 0), **tol(dtype, 6))


def test_softmax_never_overflows_and_rows_sum_to_one(kern):
    x = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]], dtype=np.float32)
    w = np.eye(3, dtype=np.float32)
    y = kern.dense_forward(x, w, None, "softmax")
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(y[1], [1 / 3] * 3, rtol=1e-6)
    assert y[0, 0] == pytest.approx(1.0)


def test_relu_keeps_nan_visible(kern):
    # A NaN must not be silently turned into 0 by the activation: training must see it.
    x = np.array([[np.nan, -1.0, 2.0]])
    y = kern.activation_forward("relu", x)
    assert np.isnan(y[0, 0]) and y[0, 1] == 0 and y[0, 2] == 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,d,u", SHAPES)
def test_dense_backward_matches_formula(kern, rng, dtype, n, d, u):
    x = strided(rng, (n, d), dtype)
    w = rng.standard_normal((d, u)).astype(dtype)
    g = rng.standard_normal((n, u)).astype(dtype)
    gw = np.full((d, u), np.nan, dtype=dtype)
    gb = np.full(u, np.nan, dtype=dtype)
    gx = kern.dense_backward(x, w, g, gw, gb)
    x64, w64, g64 = (a.astype(np.float64) for a in (x, w, g))
    np.testing.assert_allclose(gw, x64.T @ g64, **tol(dtype, n))
    np.testing.assert_allclose(gb, g64.sum(axis=0), **tol(dtype, n))
    np.testing.assert_allclose(gx, g64 @ w64.T, **tol(dtype, u))
    assert kern.dense_backward(x, w, g, gw, None, need_grad_x=False) is None
    np.testing.assert_allclose(gw, x64.T @ g64, **tol(dtype, n))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACTS)
def test_activation_backward_is_the_jacobian_product(kern, rng, dtype, act):
    z = rng.standard_normal((6, 5))
    y = act64(act, z)
    g = rng.standard_normal((6, 5))
    # Central differences of sum(g * f(z)) with respect to z, in float64.
    eps = 1e-6
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        numeric[idx] = ((g * act64(act, zp)).sum() - (g * act64(act, zm)).sum()) / (2 * eps)
    got = kern.activation_backward(act, y.astype(dtype), g.astype(dtype))
    assert got.dtype == dtype
    np.testing.assert_allclose(got, numeric, rtol=1e-4 if dtype == np.float32 else 1e-6,
                               atol=1e-5 if dtype == np.float32 else 1e-8)
    y_fwd = kern.activation_forward(act, z.astype(dtype))
    np.testing.assert_allclose(y_fwd, y, **tol(dtype, 5))


def test_activation_forward_in_place(kern, rng):
    z = rng.standard_normal((4, 3))
    expected = np.tanh(z)
    out = kern.activation_forward("tanh", z, out=z)
    assert out is z
    np.testing.assert_allclose(z, expected, rtol=1e-12)


# -- optimizer updates, against the formulas written out ------------------------------------

def _opt_inputs(rng, dtype, shape=(7, 3)):
    p = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    return p, g


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_update(kern, rng, dtype, momentum, nesterov):
    p, g = _opt_inputs(rng, dtype)
    v = rng.standard_normal(p.shape).astype(dtype) if momentum else None
    p64, g64 = p.astype(np.float64), g.astype(np.float64)
    lr = 0.1
    if momentum:
        v64 = momentum * v.astype(np.float64) - lr * g64
        expected = p64 + (momentum * v64 - lr * g64 if nesterov else v64)
    else:
        expected = p64 - lr * g64
    out = kern.sgd_update(p, g, v, lr, momentum, nesterov)
    assert out is p
    np.testing.assert_allclose(p, expected, **tol(dtype, 3))
    if momentum:
        np.testing.assert_allclose(v, v64, **tol(dtype, 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_rmsprop_update(kern, rng, dtype):
    p, g = _opt_inputs(rng, dtype, (5,))
    ms = np.abs(rng.standard_normal(5)).astype(dtype)
    ms64 = 0.9 * ms.astype(np.float64) + 0.1 * g.astype(np.float64) ** 2
    expected = p.astype(np.float64) - 0.01 * g / (np.sqrt(ms64) + 1e-7)
    kern.rmsprop_update(p, g, ms, 0.01, 0.9, 1e-7)
    np.testing.assert_allclose(ms, ms64, **tol(dtype, 3))
    np.testing.assert_allclose(p, expected, **tol(dtype, 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_adam_update(kern, rng, dtype):
    p, g = _opt_inputs(rng, dtype, (2, 2, 3))
    m = rng.standard_normal(p.shape).astype(dtype)
    v = np.abs(rng.standard_normal(p.shape)).astype(dtype)
    g64 = g.astype(np.float64)
    m64 = 0.9 * m + 0.1 * g64
    v64 = 0.999 * v + 0.001 * g64 ** 2
    expected = p.astype(np.float64) - 0.003 * m64 / (np.sqrt(v64) + 1e-7)
    kern.adam_update(p, g, m, v, 0.003, 0.9, 0.999, 1e-7)
    np.testing.assert_allclose(m, m64, **tol(dtype, 3))
    np.testing.assert_allclose(v, v64, **tol(dtype, 3))
    np.testing.assert_allclose(p, expected, **tol(dtype, 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_adagrad_update(kern, rng, dtype):
    p, g = _opt_inputs(rng, dtype)
    acc = np.full(p.shape, 0.1, dtype=dtype)
    acc64 = 0.1 + g.astype(np.float64) ** 2
    expected = p.astype(np.float64) - 0.5 * g / (np.sqrt(acc64) + 1e-7)
    kern.adagrad_update(p, g, acc, 0.5, 1e-7)
    np.testing.assert_allclose(p, expected, **tol(dtype, 3))


def test_updates_accept_noncontiguous_grad(kern, rng):
    p = rng.standard_normal((4, 3))
    g = strided(rng, (4, 3), np.float64)
    expected = p - 0.1 * g
    kern.sgd_update(p, g, None, 0.1)
    np.testing.assert_allclose(p, expected, rtol=1e-14)


def test_zero_size_inputs(kern):
    x = np.zeros((0, 3))
    w = np.ones((3, 2))
    assert kern.dense_forward(x, w, np.zeros(2), "softmax").shape == (0, 2)
    gw = np.full((3, 2), 7.0)
    gb = np.full(2, 7.0)
    gx = kern.dense_backward(x, w, np.zeros((0, 2)), gw, gb)
    assert gx.shape == (0, 3) and (gw == 0).all() and (gb == 0).all()
    p = np.zeros(0)
    assert kern.rmsprop_update(p, np.zeros(0), np.zeros(0), 0.1).shape == (0,)


# -- bad arguments: same message from both backends ------------------------------------------

BAD_CALLS = [
    ("dense_forward", lambda k: k.dense_forward(np.ones((2, 3)), np.ones((4, 2))), ValueError, "3 features"),
    ("dense_forward", lambda k: k.dense_forward(np.ones((2, 3)), np.ones((3, 2), np.float32)), TypeError, "share one float dtype"),
    ("dense_forward", lambda k: k.dense_forward(np.ones((2, 3)), np.ones((3, 2)), np.ones(3)), ValueError, "bias has 3"),
    ("dense_forward", lambda k: k.dense_forward(np.ones((2, 3)), np.ones((3, 2)), None, "gelu"), ValueError, "activation"),
    ("dense_forward", lambda k: k.dense_forward(np.ones((2, 3), int), np.ones((3, 2))), TypeError, "float32 or float64"),
    ("dense_backward", lambda k: k.dense_backward(np.ones((2, 3)), np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 3))), ValueError, "grad_kernel"),
    ("dense_backward", lambda k: k.dense_backward(np.ones((2, 3)), np.ones((3, 2)), np.ones((3, 2)), np.ones((3, 2))), ValueError, "shapes do not fit"),
    ("sgd_update", lambda k: k.sgd_update(np.ones(3), np.ones(4), None, 0.1), ValueError, "grad"),
    ("sgd_update", lambda k: k.sgd_update(np.ones(3), np.ones(3), None, 0.1, 0.9), ValueError, "velocity"),
    ("sgd_update", lambda k: k.sgd_update(np.ones(3), np.ones(3), None, -0.1), ValueError, "learning_rate"),
    ("rmsprop_update", lambda k: k.rmsprop_update(np.ones(6)[::2], np.ones(3), np.ones(3), 0.1), ValueError, "C-contiguous"),
    ("adam_update", lambda k: k.adam_update(np.ones(3), np.ones(3), np.ones(3), np.ones(2), 0.1), ValueError, "'v'"),
    ("adagrad_update", lambda k: k.adagrad_update(np.ones(3), np.ones(3), np.ones(3, np.float32), 0.1), TypeError, "accumulator"),
    # the common-case paths of the checks (contiguous float arrays, Python floats) still refuse
    ("adam_update", lambda k: k.adam_update(np.ones(3), np.ones(3, np.float32), np.ones(3), np.ones(3), 0.1), TypeError, "share one float dtype"),
    ("sgd_update", lambda k: k.sgd_update(np.ones(3), np.ones(3, int), None, 0.1), TypeError, "float32 or float64"),
    ("adam_update", lambda k: k.adam_update(np.ones(3), np.ones(3), np.ones(3), np.ones(3), float("nan")), ValueError, "finite"),
    ("adam_update", lambda k: k.adam_update(np.ones(3), np.ones(3), np.ones(3), np.ones(3), 0.1, 1.5), ValueError, "beta_1"),
]


@pytest.mark.parametrize("kernel,call,exc,fragment", BAD_CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_CALLS)])
def test_bad_arguments_same_message_on_both_backends(both, kernel, call, exc, fragment):
    messages = []
    for k in both:
        with pytest.raises(exc) as info:
            call(k)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert fragment in messages[0] and kernel in messages[0]


def test_failed_update_leaves_param_unchanged(both):
    for k in both:
        p = np.arange(3.0)
        with pytest.raises(ValueError):
            k.adam_update(p, np.ones(3), np.zeros(3), np.zeros(2), 0.1)
        np.testing.assert_array_equal(p, [0.0, 1.0, 2.0])


@pytest.mark.parametrize("size", [1, 3, 4, 5, 8, 17, 1001])
@pytest.mark.parametrize("dtype", DTYPES)
def test_compiled_updates_match_reference_on_every_length(both, rng, size, dtype):
    """The compiled float32 loops go four lanes at a time and finish with a scalar tail; every
    length must agree with the reference to rounding (an updated weight near 0 is the
    difference of two close numbers, hence the absolute tolerance)."""
    ref, comp = both
    base = rng.standard_normal(size).astype(dtype)
    g = rng.standard_normal(size).astype(dtype)
    for name, nslots, args in [("rmsprop_update", 1, (0.01, 0.9, 1e-7)),
                               ("adam_update", 2, (0.01, 0.9, 0.999, 1e-7)),
                               ("adagrad_update", 1, (0.01, 1e-7)),
                               ("sgd_update", 1, (0.01, 0.9, True))]:
        results = []
        for k in (ref, comp):
            p = base.copy()
            slots = [np.linspace(0.1, 1, size).astype(dtype)
                     for _ in range(nslots)]
            getattr(k, name)(p, g, *slots, *args)
            results.append((p, slots))
        close = dict(rtol=2e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(results[0][0], results[1][0], **close)
        for a, b in zip(results[0][1], results[1][1]):
            np.testing.assert_allclose(a, b, **close)


def test_update_with_overlapping_arrays(kern):
    p = np.ones(4)
    # grad is the parameter itself: read as it was before the update
    kern.sgd_update(p, p, None, 0.5)
    np.testing.assert_array_equal(p, [0.5] * 4)
    with pytest.raises(ValueError, match="share memory"):
        kern.rmsprop_update(p, np.ones(4), p, 0.1)
    # grad is a slot the update writes (Adam's m): still read as it was at the call
    p, m, v = np.zeros(3), np.full(3, 2.0), np.zeros(3)
    kern.adam_update(p, m, m, v, 0.1, 0.5, 0.5, 1e-7)
    np.testing.assert_allclose(m, [2.0] * 3)                 # 0.5·2 + 0.5·2
    np.testing.assert_allclose(v, [2.0] * 3)                 # 0.5·0 + 0.5·4
    np.testing.assert_allclose(p, -0.1 * 2.0 / (np.sqrt(2.0) + 1e-7))


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


# `both` only looks up the two kernel namespaces: sharing it across examples is safe.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 9), d=st.integers(1, 9), u=st.integers(1, 9),
       act=st.sampled_from(ACTS), f32=st.booleans(), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_compiled_equals_reference_on_random_shapes(both, n, d, u, act, f32, bias, seed):
    ref, comp = both
    dtype = np.float32 if f32 else np.float64
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, d)).astype(dtype)
    w = r.standard_normal((d, u)).astype(dtype)
    b = r.standard_normal(u).astype(dtype) if bias else None
    g = r.standard_normal((n, u)).astype(dtype)
    close = tol(dtype, d + n + u)
    np.testing.assert_allclose(comp.dense_forward(x, w, b, act), ref.dense_forward(x, w, b, act), **close)
    y = ref.dense_forward(x, w, b, act)
    np.testing.assert_allclose(comp.activation_backward(act, y, g), ref.activation_backward(act, y, g), **close)
    outs = []
    for k in (ref, comp):
        gw, gb = np.empty_like(w), (np.empty(u, dtype) if bias else None)
        gx = k.dense_backward(x, w, g, gw, gb)
        outs.append((gx, gw, gb))
    for a, c in zip(outs[0], outs[1]):
        if a is not None:
            np.testing.assert_allclose(c, a, **close)
