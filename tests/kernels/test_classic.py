"""The classic learning-rule kernels: compiled == reference == textbook loops.

Each kernel runs a whole epoch of a per-pattern rule and updates W (n inputs × m neurons) and b in
place, so every comparison runs both backends from identical copies and compares the returned
value *and* the updated arrays.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from pynet.kernels.loops import classic as loops

SHAPES = [  # (P patterns, n inputs, m neurons): one of everything, odd sizes, a larger case
    (1, 1, 1), (1, 5, 3), (7, 1, 1), (4, 2, 1), (33, 4, 2), (257, 9, 5),
]


def _problem(rng, P, n, m, dtype):
    X = rng.normal(size=(P, n)).astype(dtype)
    D = rng.normal(size=(P, m)).astype(dtype)
    W = rng.normal(scale=0.5, size=(n, m)).astype(dtype)
    b = rng.normal(scale=0.5, size=m).astype(dtype)
    return W, b, X, D


def _run(kernel, W, b, *args):
    W2, b2 = W.copy(), b.copy()
    out = kernel(W2, b2, *args)
    return out, W2, b2


@pytest.mark.parametrize("P,n,m", SHAPES)
def test_widrow_hoff_compiled_matches_reference_float64(kernels_of, rng, P, n, m):
    ref = kernels_of("python", ["classic"])
    cy = kernels_of("cython", ["classic"])
    W, b, X, D = _problem(rng, P, n, m, np.float64)
    alpha = 0.5 / (n + 1)          # inside the stable range, so nothing blows up
    E_ref, W_ref, b_ref = _run(ref.widrow_hoff_epoch, W, b, X, D, alpha)
    E_cy, W_cy, b_cy = _run(cy.widrow_hoff_epoch, W, b, X, D, alpha)
    assert E_ref > 0
    assert E_cy == pytest.approx(E_ref, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(W_cy, W_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b_cy, b_ref, rtol=1e-12, atol=1e-12)
    assert not np.array_equal(W_ref, W)          # the epoch did change the weights


@pytest.mark.parametrize("P,n,m", SHAPES)
def test_widrow_hoff_compiled_matches_reference_float32(kernels_of, rng, P, n, m):
    ref = kernels_of("python", ["classic"])
    cy = kernels_of("cython", ["classic"])
    W, b, X, D = _problem(rng, P, n, m, np.float32)
    alpha = 0.5 / (n + 1)
    E_ref, W_ref, b_ref = _run(ref.widrow_hoff_epoch, W, b, X, D, alpha)
    E_cy, W_cy, b_cy = _run(cy.widrow_hoff_epoch, W, b, X, D, alpha)
    assert W_cy.dtype == np.float32 and b_cy.dtype == np.float32
    assert E_cy == pytest.approx(E_ref, rel=1e-4)
    np.testing.assert_allclose(W_cy, W_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b_cy, b_ref, rtol=1e-4, atol=1e-5)


def test_widrow_hoff_long_run_agrees_to_1e12(kernels_of, rng):
    """5000 patterns × 20 epochs: rounding differences do not accumulate beyond 1e-12."""
    ref = kernels_of("python", ["classic"])
    cy = kernels_of("cython", ["classic"])
    W, b, X, D = _problem(rng, 5000, 6, 3, np.float64)
    W_r, b_r, W_c, b_c = W.copy(), b.copy(), W.copy(), b.copy()
    for _ in range(20):
        E_r = ref.widrow_hoff_epoch(W_r, b_r, X, D, 0.01)
        E_c = cy.widrow_hoff_epoch(W_c, b_c, X, D, 0.01)
        assert E_c == pytest.approx(E_r, rel=1e-12)
    np.testing.assert_allclose(W_c, W_r, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b_c, b_r, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("P,n,m", [(1, 1, 1), (3, 2, 1), (5, 3, 2)])
def test_widrow_hoff_matches_textbook_loops(kernels_of, backend_name, rng, P, n, m):
    k = kernels_of(backend_name, ["classic"])
    W, b, X, D = _problem(rng, P, n, m, np.float64)
    E_k, W_k, b_k = _run(k.widrow_hoff_epoch, W, b, X, D, 0.1)
    W_l, b_l = W.copy(), b.copy()
    E_l = loops.widrow_hoff_epoch(W_l, b_l, X, D, 0.1)
    assert E_k == pytest.approx(E_l, rel=1e-12)
    np.testing.assert_allclose(W_k, W_l, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b_k, b_l, rtol=1e-12, atol=1e-14)


def test_widrow_hoff_one_step_by_hand(kernels_of, backend_name):
    """One neuron, one pattern, numbers small enough to follow:
    X = (1, 2), w = (0.5, −0.5), b = 0.25, d = 1:
    S = 0.5·1 − 0.5·2 − 0.25 = −0.75 = Y;  Y − d = −1.75;  E = ½·1.75² = 1.53125
    w ← w − 0.1·(−1.75)·X = (0.675, −0.15);  b ← b + 0.1·(−1.75) = 0.075
    """
    k = kernels_of(backend_name, ["classic"])
    W = np.array([[0.5], [-0.5]])
    b = np.array([0.25])
    E = k.widrow_hoff_epoch(W, b, np.array([[1.0, 2.0]]), np.array([[1.0]]), 0.1)
    assert E == pytest.approx(1.53125)
    np.testing.assert_allclose(W[:, 0], [0.675, -0.15])
    np.testing.assert_allclose(b, [0.075])


def test_widrow_hoff_non_contiguous_inputs(kernels_of, backend_name, rng):
    """Strided X and Fortran-ordered D are copied once; results equal the contiguous ones."""
    k = kernels_of(backend_name, ["classic"])
    wide = rng.normal(size=(20, 8))
    X = wide[:, ::2]                              # (20, 4), not contiguous
    D = np.asfortranarray(rng.normal(size=(20, 3)))
    W = rng.normal(size=(4, 3))
    b = rng.normal(size=3)
    E1, W1, b1 = _run(k.widrow_hoff_epoch, W, b, X, D, 0.05)
    E2, W2, b2 = _run(k.widrow_hoff_epoch, W, b, np.ascontiguousarray(X), np.ascontiguousarray(D), 0.05)
    assert E1 == E2
    np.testing.assert_array_equal(W1, W2)
    np.testing.assert_array_equal(b1, b2)


def test_widrow_hoff_blow_up_is_reported_in_E_without_warnings(kernels_of, backend_name):
    """α far too large for inputs of size 1e3: E overflows. The kernel returns inf/nan (the model
    turns that into an error with advice) and emits no RuntimeWarning per pattern."""
    k = kernels_of(backend_name, ["classic"])
    X = np.full((400, 3), 1e3)
    D = np.ones((400, 1))
    W = np.zeros((3, 1))
    b = np.zeros(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        E = k.widrow_hoff_epoch(W, b, X, D, 0.9)
    assert not np.isfinite(E)


# --- perceptron ---------------------------------------------------------------------------

GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}
BITS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)


@pytest.mark.parametrize("gate", sorted(GATES))
def test_perceptron_epochs_on_gates_agree_exactly_with_loops(kernels_of, backend_name, gate):
    """Integer arithmetic (0/1 inputs, η = 1, start at 0): every backend must agree exactly,
    epoch after epoch, on the mistakes and on the weights."""
    k = kernels_of(backend_name, ["classic"])
    T = np.array(GATES[gate], dtype=np.float64).reshape(-1, 1)
    W, b = np.zeros((2, 1)), np.zeros(1)
    W_l, b_l = W.copy(), b.copy()
    for _ in range(8):
        assert k.perceptron_epoch(W, b, BITS, T, 1.0) == loops.perceptron_epoch(W_l, b_l, BITS, T, 1.0)
        np.testing.assert_array_equal(W, W_l)
        np.testing.assert_array_equal(b, b_l)


def test_perceptron_first_epoch_on_and_by_hand(kernels_of, backend_name):
    """AND from w = (0, 0), b = 0, η = 1:
    (0,0): z = 0 → y 0, t 0 ok.  (0,1): z = 0 → 0 ok.  (1,0): z = 0 → 0 ok.
    (1,1): z = 0 → y 0, t 1: mistake, w ← (1, 1), b ← 1.     one mistake."""
    k = kernels_of(backend_name, ["classic"])
    W, b = np.zeros((2, 1)), np.zeros(1)
    T = np.array([[0.0], [0.0], [0.0], [1.0]])
    assert k.perceptron_epoch(W, b, BITS, T, 1.0) == 1
    np.testing.assert_array_equal(W[:, 0], [1.0, 1.0])
    np.testing.assert_array_equal(b, [1.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("P,n,m", [(1, 1, 1), (6, 3, 2), (300, 7, 4)])
def test_perceptron_compiled_matches_reference(kernels_of, rng, dtype, P, n, m):
    ref = kernels_of("python", ["classic"])
    cy = kernels_of("cython", ["classic"])
    X = rng.integers(-3, 4, size=(P, n)).astype(dtype)   # small integers: exact in float32 too
    T = rng.integers(0, 2, size=(P, m)).astype(dtype)
    W = rng.integers(-2, 3, size=(n, m)).astype(dtype)
    b = rng.integers(-2, 3, size=m).astype(dtype)
    r_out, r_W, r_b = _run(ref.perceptron_epoch, W, b, X, T, 1.0)
    c_out, c_W, c_b = _run(cy.perceptron_epoch, W, b, X, T, 1.0)
    assert r_out == c_out and isinstance(c_out, int)
    np.testing.assert_array_equal(c_W, r_W)
    np.testing.assert_array_equal(c_b, r_b)


def test_perceptron_random_reals_agree(kernels_of, rng):
    ref = kernels_of("python", ["classic"])
    cy = kernels_of("cython", ["classic"])
    X = rng.normal(size=(500, 5))
    T = (X @ rng.normal(size=(5, 2)) > 0.3).astype(np.float64)
    W, b = np.zeros((5, 2)), np.zeros(2)
    for _ in range(5):
        r = _run(ref.perceptron_epoch, W, b, X, T, 0.1)
        c = _run(cy.perceptron_epoch, W, b, X, T, 0.1)
        assert r[0] == c[0]
        np.testing.assert_allclose(c[1], r[1], rtol=1e-12, atol=1e-12)
        W, b = r[1], r[2]


# --- bad input: same message from both backends, nothing modified ---------------------------

def _bad_calls():
    W = np.zeros((2, 1)); b = np.zeros(1)
    X = BITS.copy(); D = np.zeros((4, 1))
    return [
        ("W not contiguous", dict(W=np.zeros((2, 2))[:, :1], b=b, X=X, D=D), ValueError, "C-contiguous"),
        ("b wrong length", dict(W=W, b=np.zeros(2), X=X, D=D), ValueError, "b needs 1"),
        ("X wrong width", dict(W=W, b=b, X=np.zeros((4, 3)), D=D), ValueError, "needs 2"),
        ("D wrong rows", dict(W=W, b=b, X=X, D=np.zeros((3, 1))), ValueError, "'D' must have shape (4, 1)"),
        ("X empty", dict(W=W, b=b, X=np.zeros((0, 2)), D=np.zeros((0, 1))), ValueError, "no patterns"),
        ("NaN in X", dict(W=W, b=b, X=np.array([[0, np.nan]] * 4), D=D), ValueError, "NaN"),
        ("mixed dtypes", dict(W=W, b=b, X=X.astype(np.float32), D=D), TypeError, "one float dtype"),
        ("integer X", dict(W=W, b=b, X=X.astype(int), D=D), TypeError, "'X'"),
        ("W a list", dict(W=[[0.0], [0.0]], b=b, X=X, D=D), TypeError, "numpy array"),
    ]


@pytest.mark.parametrize("case", _bad_calls(), ids=lambda c: c[0])
def test_bad_arguments_same_message_both_backends(kernels_of, case):
    _, kw, exc, text = case
    messages = []
    for name in ("python", "cython"):
        k = kernels_of(name, ["classic"])
        with pytest.raises(exc) as info:
            k.widrow_hoff_epoch(kw["W"], kw["b"], kw["X"], kw["D"], 0.1)
        assert text in str(info.value)
        # raised before the epoch: the weights (all zero) were not touched
        assert not np.any(kw["b"]) and not np.any(np.asarray(kw["W"]))
        assert "widrow_hoff_epoch()" in str(info.value)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("alpha", [0.0, -0.1, float("nan"), "fast"])
def test_bad_rate_leaves_weights_alone(kernels_of, backend_name, alpha):
    k = kernels_of(backend_name, ["classic"])
    W, b = np.ones((2, 1)), np.ones(1)
    with pytest.raises((ValueError, TypeError), match="alpha"):
        k.widrow_hoff_epoch(W, b, BITS, np.zeros((4, 1)), alpha)
    with pytest.raises((ValueError, TypeError), match="eta"):
        k.perceptron_epoch(W, b, BITS, np.zeros((4, 1)), alpha)
    np.testing.assert_array_equal(W, 1.0)
    np.testing.assert_array_equal(b, 1.0)


def test_perceptron_targets_must_be_binary(kernels_of, backend_name):
    k = kernels_of(backend_name, ["classic"])
    W, b = np.zeros((2, 1)), np.zeros(1)
    with pytest.raises(ValueError, match=r"'T' must hold 0/1 targets, got 0\.5"):
        k.perceptron_epoch(W, b, BITS, np.array([[0.0], [0.5], [1.0], [0.0]]), 1.0)
    np.testing.assert_array_equal(W, 0.0)


# --- property test: any shape, any data, the two backends agree ---------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(P=st.integers(1, 40), n=st.integers(1, 7), m=st.integers(1, 4),
       seed=st.integers(0, 2**32 - 1), f32=st.booleans())
def test_property_backends_agree_on_any_shape(kernels_of, P, n, m, seed, f32):
    cy = kernels_of("cython", ["classic"])      # skips in a clone without a compiler, fails in CI
    ref = kernels_of("python", ["classic"])
    dtype = np.float32 if f32 else np.float64
    rng = np.random.default_rng(seed)
    W, b, X, D = _problem(rng, P, n, m, dtype)
    alpha = 0.5 / (n + 1)
    E_r, W_r, b_r = _run(ref.widrow_hoff_epoch, W, b, X, D, alpha)
    E_c, W_c, b_c = _run(cy.widrow_hoff_epoch, W, b, X, D, alpha)
    tol = 1e-4 if f32 else 1e-11
    assert E_c == pytest.approx(E_r, rel=tol, abs=tol)
    np.testing.assert_allclose(W_c, W_r, rtol=tol, atol=tol)
    np.testing.assert_allclose(b_c, b_r, rtol=tol, atol=tol)
    T = (D > 0).astype(dtype)
    Xi = np.round(X * 4).astype(dtype)            # small integers: decisions are exact
    Wi, bi = np.round(W * 4).astype(dtype), np.round(b * 4).astype(dtype)
    r = _run(ref.perceptron_epoch, Wi, bi, Xi, T, 1.0)
    c = _run(cy.perceptron_epoch, Wi, bi, Xi, T, 1.0)
    assert r[0] == c[0]
    np.testing.assert_array_equal(r[1], c[1])
    np.testing.assert_array_equal(r[2], c[2])
