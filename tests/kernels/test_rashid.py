"""The Rashid kernels: compiled == reference == the book's formulas written out here, on awkward
shapes, both dtypes and non-contiguous inputs; same weights after an epoch of MNIST; checks that
raise the same message in both backends and change nothing."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

DOMAINS = ["rashid"]
SHAPES = [(784, 200, 10), (5, 1, 1), (3, 7, 1), (1, 1, 1), (13, 5, 3), (9, 2, 4)]


def book_step(wih, who, lr, x, t):
    """The book's step, written independently with np.outer on 1-D vectors (returns new arrays)."""
    hidden_outputs = expit(wih @ x)
    final_outputs = expit(who @ hidden_outputs)
    output_errors = t - final_outputs
    hidden_errors = who.T @ output_errors          # who before its update
    new_who = who + lr * np.outer(output_errors * final_outputs * (1 - final_outputs), hidden_outputs)
    new_wih = wih + lr * np.outer(hidden_errors * hidden_outputs * (1 - hidden_outputs), x)
    return new_wih, new_who


def loop_step(wih, who, lr, x, t):
    """The same step one scalar at a time, in plain Python (the third witness; small shapes only)."""
    import math

    sig = lambda z: 1.0 / (1.0 + math.exp(-z))  # noqa: E731
    h_n, i_n, o_n = len(wih), len(x), len(who)
    ho = [sig(sum(wih[j][i] * x[i] for i in range(i_n))) for j in range(h_n)]
    fo = [sig(sum(who[k][j] * ho[j] for j in range(h_n))) for k in range(o_n)]
    oe = [t[k] - fo[k] for k in range(o_n)]
    he = [sum(who[k][j] * oe[k] for k in range(o_n)) for j in range(h_n)]
    new_who = [[who[k][j] + lr * oe[k] * fo[k] * (1 - fo[k]) * ho[j] for j in range(h_n)]
               for k in range(o_n)]
    new_wih = [[wih[j][i] + lr * he[j] * ho[j] * (1 - ho[j]) * x[i] for i in range(i_n)]
               for j in range(h_n)]
    return np.array(new_wih), np.array(new_who)


@pytest.mark.parametrize("shape", [(3, 2, 2), (1, 1, 1), (4, 3, 1), (2, 5, 3)])
def test_step_matches_scalar_loops(kernels_of, backend_name, rng, shape):
    k = kernels_of(backend_name, DOMAINS)
    wih, who, x, t = make(rng, shape, np.float64, 3)
    exp = (wih.tolist(), who.tolist())
    for n in range(3):
        exp = loop_step(*exp, 0.7, x[n].tolist(), t[n].tolist())
        exp = (exp[0].tolist(), exp[1].tolist())
    k.rashid_train_epoch(wih, who, 0.7, x, t)
    np.testing.assert_allclose(wih, exp[0], rtol=0, atol=1e-14)
    np.testing.assert_allclose(who, exp[1], rtol=0, atol=1e-14)


def make(rng, shape, dtype=np.float64, n=1):
    i, h, o = shape
    wih = rng.normal(0, h ** -0.5, (h, i)).astype(dtype)
    who = rng.normal(0, o ** -0.5, (o, h)).astype(dtype)
    x = rng.uniform(0.01, 1.0, (n, i)).astype(dtype)
    t = np.full((n, o), 0.01, dtype=dtype)
    t[np.arange(n), rng.integers(0, o, n)] = 0.99
    return wih, who, x, t


def test_worked_example_two_two_one(kernels_of, backend_name):
    """A 2-2-1 network by hand: the numbers below are the book's six lines evaluated on paper."""
    k = kernels_of(backend_name, DOMAINS)
    wih = np.array([[0.9, 0.3], [0.2, 0.8]])
    who = np.array([[0.3, 0.7]])
    x, t = np.array([1.0, 0.5]), np.array([0.99])
    # hidden_inputs = (0.9*1 + 0.3*0.5, 0.2*1 + 0.8*0.5) = (1.05, 0.6)
    h = expit(np.array([1.05, 0.6]))
    f = expit(0.3 * h[0] + 0.7 * h[1])
    e = 0.99 - f
    he = np.array([0.3 * e, 0.7 * e])
    exp_who = who + 0.5 * e * f * (1 - f) * h[None, :]
    exp_wih = wih + 0.5 * (he * h * (1 - h))[:, None] * x[None, :]
    k.rashid_train_step(wih, who, 0.5, x, t)
    np.testing.assert_allclose(who, exp_who, rtol=0, atol=1e-15)
    np.testing.assert_allclose(wih, exp_wih, rtol=0, atol=1e-15)
    assert wih[0, 0] != 0.9  # the update did happen


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_step_matches_book_formula(kernels_of, backend_name, rng, shape, dtype):
    k = kernels_of(backend_name, DOMAINS)
    wih, who, x, t = make(rng, shape, dtype)
    exp_wih, exp_who = book_step(wih.astype(np.float64), who.astype(np.float64), 0.3,
                                 x[0].astype(np.float64), t[0].astype(np.float64))
    k.rashid_train_step(wih, who, 0.3, x[0], t[0])
    assert wih.dtype == dtype and who.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(wih, exp_wih, rtol=0, atol=tol)
    np.testing.assert_allclose(who, exp_who, rtol=0, atol=tol)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [0, 1, 7, 49, 100])
def test_epoch_compiled_equals_reference(kernels_of, rng, shape, dtype, n):
    """n = 49 and 100 straddle the compiled kernel's 48-sample blocks."""
    py, cy = kernels_of("python", DOMAINS), kernels_of("cython", DOMAINS)
    wih, who, x, t = make(rng, shape, dtype, n)
    a = (wih.copy(), who.copy())
    b = (wih.copy(), who.copy())
    py.rashid_train_epoch(*a, 0.2, x, t)
    cy.rashid_train_epoch(*b, 0.2, x, t)
    # float32 over 100 records: BLAS sums in an order that depends on its thread count (pynet's
    # thread policy runs these small calls on one thread, which measured up to 1.04e-5 here).
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(b[0], a[0], rtol=0, atol=tol)
    np.testing.assert_allclose(b[1], a[1], rtol=0, atol=tol)
    if n:
        assert not np.array_equal(a[0], wih)  # the epoch did change the weights


def test_constant_column_shortcut_changes_nothing_on_mnist(kernels_of):
    kernels_of("cython", DOMAINS)
    from pynet.datasets import mnist
    from pynet.kernels import _c_rashid

    (images, labels), _ = mnist.load()
    x, t = mnist.rashid_inputs(images[:1000]), mnist.rashid_targets(labels[:1000])
    rng = np.random.default_rng(1)
    wih, who = rng.normal(0, 0.07, (50, 784)), rng.normal(0, 0.3, (10, 50))
    a, b = (wih.copy(), who.copy()), (wih.copy(), who.copy())
    _c_rashid.rashid_train_epoch(*a, 0.1, x, t)
    old = _c_rashid._set_constant_columns(False)
    try:
        _c_rashid.rashid_train_epoch(*b, 0.1, x, t)
    finally:
        _c_rashid._set_constant_columns(old)
    assert old is True
    np.testing.assert_allclose(a[0], b[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("block", [1, 2, 5, 32, 100])
def test_epoch_every_block_size_gives_the_book_numbers(kernels_of, rng, block):
    """The compiled epoch defers wih's updates within a block; any block size must give the
    numbers of the plain per-sample loop."""
    kernels_of("cython", DOMAINS)
    from pynet.kernels import _c_rashid

    py = kernels_of("python", DOMAINS)
    wih, who, x, t = make(rng, (17, 6, 3), np.float64, 41)
    a, b = (wih.copy(), who.copy()), (wih.copy(), who.copy())
    py.rashid_train_epoch(*a, 0.5, x, t)
    old = _c_rashid._set_block_size(block)
    try:
        _c_rashid.rashid_train_epoch(*b, 0.5, x, t)
    finally:
        _c_rashid._set_block_size(old)
    np.testing.assert_allclose(b[0], a[0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(b[1], a[1], rtol=0, atol=1e-13)


@pytest.mark.parametrize("lo, hi", [(3, 20), (0, 20), (3, 25), (12, 13), (0, 25), (25, 25)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("block", [1, 4, 48])
def test_epoch_with_constant_margin_columns(kernels_of, rng, lo, hi, dtype, block):
    """Samples that agree on the columns outside [lo, hi) (MNIST's background margins) take the
    compiled kernel's shortcut for those columns; the numbers must not change. (25, 25): every
    column constant, i.e. all samples identical."""
    kernels_of("cython", DOMAINS)
    from pynet.kernels import _c_rashid

    py = kernels_of("python", DOMAINS)
    wih, who, x, t = make(rng, (25, 6, 3), dtype, 60)
    margin = rng.uniform(0.01, 1.0, 25).astype(dtype)
    x[:, :lo] = margin[:lo]
    x[:, hi:] = margin[hi:]
    a, b = (wih.copy(), who.copy()), (wih.copy(), who.copy())
    py.rashid_train_epoch(*a, 0.3, x, t)
    old = _c_rashid._set_block_size(block)
    try:
        _c_rashid.rashid_train_epoch(*b, 0.3, x, t)
    finally:
        _c_rashid._set_block_size(old)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(b[0], a[0], rtol=0, atol=tol)
    np.testing.assert_allclose(b[1], a[1], rtol=0, atol=tol)
    assert np.abs(a[0][:, :lo] - wih[:, :lo]).max(initial=0) > 0 or lo == 0  # margins learn too


@pytest.mark.parametrize("constant", [
    [1, 2, 5, 6, 7, 12],          # interior runs only
    [0, 1, 4, 9, 10, 11, 24],     # margins and interior runs
    list(range(0, 25, 2)),        # every other column: many one-column runs
    list(range(3, 22)),           # one wide interior gap
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_epoch_with_constant_interior_columns(kernels_of, rng, constant, dtype):
    """Columns that hold one value in every sample of a block, between varying ones (MNIST's
    background between the strokes): the compiled kernel copies the varying runs side by side
    and treats the constant ones once per block; the numbers must not change."""
    py, cy = kernels_of("python", DOMAINS), kernels_of("cython", DOMAINS)
    wih, who, x, t = make(rng, (25, 7, 4), dtype, 110)
    x[:, constant] = rng.uniform(0.01, 1.0, len(constant)).astype(dtype)
    a, b = (wih.copy(), who.copy()), (wih.copy(), who.copy())
    py.rashid_train_epoch(*a, 0.4, x, t)
    cy.rashid_train_epoch(*b, 0.4, x, t)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(b[0], a[0], rtol=0, atol=tol)
    np.testing.assert_allclose(b[1], a[1], rtol=0, atol=tol)


def test_epoch_equals_steps(kernels_of, backend_name, rng):
    k = kernels_of(backend_name, DOMAINS)
    wih, who, x, t = make(rng, (20, 8, 4), np.float64, 50)
    a, b = (wih.copy(), who.copy()), (wih.copy(), who.copy())
    k.rashid_train_epoch(*a, 0.1, x, t)
    for n in range(50):
        k.rashid_train_step(*b, 0.1, x[n], t[n])
    np.testing.assert_allclose(a[0], b[0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(a[1], b[1], rtol=0, atol=1e-13)


def test_non_contiguous_inputs(kernels_of, backend_name, rng):
    k = kernels_of(backend_name, DOMAINS)
    wih, who, _, _ = make(rng, (6, 4, 3))
    big_x = rng.uniform(0.01, 1, (10, 12))
    big_t = rng.uniform(0.01, 0.99, (10, 6))
    x, t = big_x[::2, ::2], big_t[::2, ::2]          # strided views, (5, 6) and (5, 3)
    assert not x.flags.c_contiguous
    a, b = (wih.copy(), who.copy()), (wih.copy(), who.copy())
    k.rashid_train_epoch(*a, 0.3, x, t)
    k.rashid_train_epoch(*b, 0.3, np.ascontiguousarray(x), np.ascontiguousarray(t))
    np.testing.assert_array_equal(a[0], b[0])
    c = (wih.copy(), who.copy())
    k.rashid_train_step(*c, 0.3, np.asfortranarray(big_x)[0, ::2], big_t[0, ::2])
    d = (wih.copy(), who.copy())
    k.rashid_train_step(*d, 0.3, x[0].copy(), t[0].copy())
    np.testing.assert_array_equal(c[0], d[0])
    out = k.rashid_query_batch(np.asfortranarray(wih), who, x)
    np.testing.assert_allclose(out, expit(expit(x @ wih.T) @ who.T), rtol=0, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_query_batch(kernels_of, backend_name, rng, shape, dtype):
    k = kernels_of(backend_name, DOMAINS)
    wih, who, x, _ = make(rng, shape, dtype, 9)
    out = k.rashid_query_batch(wih, who, x)
    assert out.shape == (9, shape[2]) and out.dtype == dtype
    # per row, as the book's query would do it
    expected = np.stack([expit(who.astype(float) @ expit(wih.astype(float) @ r.astype(float)))
                         for r in x])
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-14 if dtype == np.float64 else 1e-6)
    buf = np.empty((9, shape[2]), dtype=dtype)
    assert k.rashid_query_batch(wih, who, x, out=buf) is buf
    assert k.rashid_query_batch(wih, who, x[:0]).shape == (0, shape[2])


def test_full_mnist_epoch_same_weights_on_both_backends(kernels_of):
    """The issue's promise: one epoch of the embedded MNIST-10k, 784-200-10, lr 0.1, float64:
    the compiled and reference weights differ by at most 1e-10."""
    from pynet.datasets import mnist

    py, cy = kernels_of("python", DOMAINS), kernels_of("cython", DOMAINS)
    (images, labels), _ = mnist.load()
    x, t = mnist.rashid_inputs(images), mnist.rashid_targets(labels)
    rng = np.random.default_rng(0)
    wih, who = rng.normal(0, 200 ** -0.5, (200, 784)), rng.normal(0, 10 ** -0.5, (10, 200))
    a, b = (wih.copy(), who.copy()), (wih.copy(), who.copy())
    py.rashid_train_epoch(*a, 0.1, x, t)
    cy.rashid_train_epoch(*b, 0.1, x, t)
    assert np.abs(a[0] - b[0]).max() <= 1e-10
    assert np.abs(a[1] - b[1]).max() <= 1e-10
    assert np.abs(a[0] - wih).max() > 1e-3


# -- bad input: same message on both backends, nothing changed ------------------------------

def _bad_calls(rng):
    wih, who, x, t = make(rng, (784, 20, 10), np.float64, 3)
    return wih, who, [
        ("step", (0.1, x[0][:342], t[0]), ValueError, "expected 784 inputs, got 342 — is a CSV row truncated"),
        ("step", (0.1, np.r_[7.0, x[0]], t[0]), ValueError, "did the label"),
        ("step", (0.1, x[0], t[0][:9]), ValueError, "expected 10 targets, got 9"),
        ("step", (0.0, x[0], t[0]), ValueError, "'lr' must be a finite real number > 0, got 0.0"),
        ("step", (-0.1, x[0], t[0]), ValueError, "'lr'"),
        ("step", (float("nan"), x[0], t[0]), ValueError, "'lr' must be a finite real number > 0, got nan"),
        ("step", (0.1, np.where(np.arange(784) == 5, np.nan, x[0]), t[0]), ValueError,
         "'inputs' contains 1 NaN/Inf value(s), first at index (5,)"),
        ("step", (0.1, x[0].astype(np.float32), t[0]), TypeError, "share one float dtype"),
        ("step", (0.1, (x[0] * 255).astype(np.uint8), t[0]), TypeError, "float32 or float64"),
        ("step", (0.1, x[:1], t[0]), ValueError, "'inputs' must be 1-D"),
        ("epoch", (0.1, x[:, :700], t), ValueError, "expected rows of 784 inputs"),
        ("epoch", (0.1, x, t[:2]), ValueError, "inputs has 3 rows but targets has 2"),
        ("epoch", (0.1, x[0], t), ValueError, "'inputs' must be 2-D"),
        ("epoch", (0.1, np.where(np.arange(784) == 3, np.inf, x), t), ValueError, "NaN/Inf"),
    ]


def test_bad_input_same_message_and_weights_unchanged(kernels_of, rng):
    py, cy = kernels_of("python", DOMAINS), kernels_of("cython", DOMAINS)
    wih, who, calls = _bad_calls(rng)
    for kind, args, exc, text in calls:
        messages = []
        for k in (py, cy):
            w1, w2 = wih.copy(), who.copy()
            fn = k.rashid_train_step if kind == "step" else k.rashid_train_epoch
            with pytest.raises(exc) as info:
                fn(w1, w2, *args)
            assert text in str(info.value), str(info.value)
            np.testing.assert_array_equal(w1, wih)
            np.testing.assert_array_equal(w2, who)
            messages.append(str(info.value).replace("rashid_train_step", "K").replace("rashid_train_epoch", "K"))
        assert messages[0] == messages[1]


def test_weights_that_cannot_be_updated_in_place(kernels_of, backend_name, rng):
    k = kernels_of(backend_name, DOMAINS)
    wih, who, x, t = make(rng, (6, 4, 3))
    with pytest.raises(ValueError, match="'wih' is written in place and must be C-contiguous"):
        k.rashid_train_step(np.asfortranarray(wih), who, 0.1, x[0], t[0])
    ro = who.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="'who' is written in place but is read-only"):
        k.rashid_train_step(wih, ro, 0.1, x[0], t[0])
    with pytest.raises(ValueError, match="who needs 4 columns"):
        k.rashid_train_step(wih, who[:, :3].copy(), 0.1, x[0], t[0])
    with pytest.raises(ValueError, match="at least one node"):
        k.rashid_train_step(wih[:0], who[:, :0].copy(), 0.1, x[0], t[0])
    with pytest.raises(TypeError, match="share one float dtype"):
        k.rashid_train_step(wih, who.astype(np.float32), 0.1, x[0], t[0])


def test_inputs_aliasing_the_weights(kernels_of, backend_name, rng):
    """A row of wih used as the input must be read before wih is written."""
    k = kernels_of(backend_name, DOMAINS)
    wih = np.abs(rng.normal(0, 0.3, (5, 5)))
    who = rng.normal(0, 0.3, (2, 5))
    t = np.array([0.99, 0.01])
    a = (wih.copy(), who.copy())
    k.rashid_train_step(*a, 0.4, wih[1].copy(), t)
    k.rashid_train_step(wih, who, 0.4, wih[1], t)
    np.testing.assert_array_equal(wih, a[0])


# -- property: any shape, any data, any block boundary ------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # kernels_of is stateless
@given(i=st.integers(1, 40), h=st.integers(1, 12), o=st.integers(1, 6), n=st.integers(0, 70),
       lr=st.floats(1e-3, 2.0), seed=st.integers(0, 2**32 - 1))
def test_property_compiled_epoch_equals_reference(kernels_of, i, h, o, n, lr, seed):
    py, cy = kernels_of("python", DOMAINS), kernels_of("cython", DOMAINS)
    wih, who, x, t = make(np.random.default_rng(seed), (i, h, o), np.float64, n)
    a, b = (wih.copy(), who.copy()), (wih.copy(), who.copy())
    py.rashid_train_epoch(*a, lr, x, t)
    cy.rashid_train_epoch(*b, lr, x, t)
    np.testing.assert_allclose(b[0], a[0], rtol=0, atol=1e-11)
    np.testing.assert_allclose(b[1], a[1], rtol=0, atol=1e-11)
