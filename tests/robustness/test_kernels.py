"""Kernels under bad input, overlapping and non-contiguous arguments, on both backends.

The table in ``cases_kernels.py`` runs case by case (memory-bounded and crash cases in a child
process); the Hypothesis properties below check the aliasing rule of ``_checks.separate`` on
random shapes: whatever views of one buffer are passed, both backends return what the same call
gives on separate copies.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness.conftest import assert_handled, cases_of

BACKENDS = ["python", "cython"]
PROPS = settings(max_examples=40, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("c", cases_of("kernels"))
def test_bad_input_case(c):
    assert_handled(c)


@pytest.mark.parametrize("backend", BACKENDS)
@PROPS
@given(rows=st.integers(2, 7), cols=st.integers(1, 5), shift=st.integers(1, 3),
       activation=st.sampled_from(["linear", "relu", "sigmoid", "tanh", "softmax"]),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_activation_out_overlapping_input(kernels_of, backend, rows, cols, shift, activation,
                                          dtype):
    k = kernels_of(backend, ["dense"])
    buf = np.linspace(-2, 2, (rows + shift) * cols).astype(dtype).reshape(rows + shift, cols)
    src = buf[:rows]
    want = k.activation_forward(activation, src.copy())
    k.activation_forward(activation, src, out=buf[shift:])
    np.testing.assert_allclose(buf[shift:], want, rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
@PROPS
@given(n=st.integers(1, 6), d=st.integers(1, 5), u=st.integers(1, 5), seed=st.integers(0, 99),
       transposed_x=st.booleans())
def test_dense_backward_into_its_own_operands(kernels_of, backend, n, d, u, seed, transposed_x):
    k = kernels_of(backend, ["dense"])
    r = np.random.default_rng(seed)
    x = r.standard_normal((d, n)).T if transposed_x else r.standard_normal((n, d))
    w, g = r.standard_normal((d, u)), r.standard_normal((n, u))
    want_gk, want_gx = x.T @ g, g @ w.T
    gx = k.dense_backward(x, w, g, w)                  # the gradient lands in the kernel itself
    np.testing.assert_allclose(w, want_gk, atol=1e-12)
    np.testing.assert_allclose(gx, want_gx, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@PROPS
@given(P=st.integers(1, 6), n=st.integers(1, 4), seed=st.integers(0, 99),
       view=st.sampled_from(["X=W", "D=W", "X=W[::-1]"]))
def test_widrow_hoff_data_that_is_the_weights(kernels_of, backend, P, n, seed, view):
    k = kernels_of(backend, ["classic"])
    r = np.random.default_rng(seed)
    W, b = r.standard_normal((n, n)) * 0.3, r.standard_normal(n) * 0.1
    X, D = r.standard_normal((n, n)), r.standard_normal((n, n))
    if view == "X=W":
        X = W
    elif view == "D=W":
        D = W
    else:
        X = W[::-1]
    W2, b2 = W.copy(), b.copy()
    k.widrow_hoff_epoch(W2, b2, np.array(X), np.array(D), 0.05)
    k.widrow_hoff_epoch(W, b, X, D, 0.05)
    np.testing.assert_allclose(W, W2, atol=1e-12)
    np.testing.assert_allclose(b, b2, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@PROPS
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4), seed=st.integers(0, 99),
       mbs=st.integers(1, 4))
def test_nielsen_epoch_rows_that_are_weights(kernels_of, backend, sizes, seed, mbs):
    k = kernels_of(backend, ["nielsen"])
    r = np.random.default_rng(seed)
    ws = [r.standard_normal((b, a)) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [r.standard_normal((b, 1)) for b in sizes[1:]]
    x = ws[0]               # (sizes[1], sizes[0]): as rows, sizes[1] examples of sizes[0] inputs
    rows = x.shape[0]
    y = np.full((rows, sizes[-1]), 0.5)
    ws2, bs2 = [w.copy() for w in ws], [b.copy() for b in bs]
    order = np.arange(rows)
    k.nielsen_epoch(ws2, bs2, np.array(x), y, order, mbs, 0.5, 0.1, rows, "cross_entropy")
    k.nielsen_epoch(ws, bs, x, y, order, mbs, 0.5, 0.1, rows, "cross_entropy")
    for a, b in zip(ws + bs, ws2 + bs2):
        np.testing.assert_allclose(a, b, atol=1e-10)


@PROPS
@given(rows=st.integers(1, 6), cols=st.integers(1, 5), seed=st.integers(0, 99),
       layout=st.sampled_from(["C", "F", "strided", "negative"]))
def test_backends_agree_on_non_contiguous_inputs(kernels_of, rows, cols, seed, layout):
    py, cy = kernels_of("python", ["linalg", "dense"]), kernels_of("cython", ["linalg", "dense"])
    r = np.random.default_rng(seed)
    base = r.standard_normal((2 * rows, 2 * cols))
    a = {"C": base[:rows, :cols].copy(), "F": np.asfortranarray(base[:rows, :cols]),
         "strided": base[::2, ::2], "negative": base[::-2, ::-2]}[layout]
    b = r.standard_normal((a.shape[1], 3))
    np.testing.assert_allclose(cy.matmul(a, b), py.matmul(a, b), atol=1e-12)
    np.testing.assert_allclose(cy.dense_forward(a, b, None, "tanh"),
                               py.dense_forward(a, b, None, "tanh"), atol=1e-12)
    np.testing.assert_allclose(cy.sigmoid(a), py.sigmoid(a), atol=1e-15)
