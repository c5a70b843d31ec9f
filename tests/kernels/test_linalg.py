"""The linear-algebra kernels: compiled == NumPy reference == textbook loops.

Every test runs on both backends (the ``backend_name`` fixture); the loops in
:mod:`pynet.kernels.loops` are the third witness, computed one scalar at a time in Python floats.
Shapes include the awkward ones (1×1, 1×n, n×1, tall/thin, odd sizes, zero-size), and operands
come C-ordered, Fortran-ordered and sliced (non-contiguous), in float32 and float64.
"""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

from pynet.kernels import loops

DTYPES = (np.float32, np.float64)
LAYOUTS = ("C", "F", "sliced")

# (m, k, n) for op(a) @ op(b): op(a) is (m, k), op(b) is (k, n).
MATMUL_SHAPES = [
    (1, 1, 1), (1, 7, 1), (1, 5, 9), (9, 5, 1), (17, 33, 5), (64, 3, 2), (2, 3, 64),
    (0, 3, 4), (3, 0, 4), (3, 4, 0), (0, 0, 0),
]
MATVEC_SHAPES = [(1, 1), (1, 7), (7, 1), (17, 33), (40, 3), (0, 3), (3, 0)]


def tol(dtype, k=1):
    """Tolerances for a sum of ``k`` products: rounding grows with k, and float32 keeps ~7 digits."""
    if np.dtype(dtype) == np.float32:
        return dict(rtol=2e-5, atol=2e-6 * max(k, 1))
    return dict(rtol=1e-12, atol=1e-14 * max(k, 1))


def make(rng, shape, dtype, layout):
    """A random array of ``shape`` stored C-ordered, Fortran-ordered, or as a strided slice."""
    if layout == "C":
        return rng.standard_normal(shape).astype(dtype)
    if layout == "F":
        return np.asfortranarray(rng.standard_normal(shape).astype(dtype))
    # Every other row and column of a larger array: neither C- nor Fortran-contiguous.
    big = rng.standard_normal(tuple(2 * s + 1 for s in shape)).astype(dtype)
    view = big[tuple(slice(1, 2 * s + 1, 2) for s in shape)]
    assert view.shape == tuple(shape)
    return view


@pytest.fixture
def kern(backend_name, kernels_of):
    """The linalg kernels of the backend under test."""
    return kernels_of(backend_name, ["linalg"])


@pytest.fixture
def both(kernels_of):
    """Both backends, for comparing messages side by side."""
    return kernels_of("python", ["linalg"]), kernels_of("cython", ["linalg"])


# ---------------------------------------------------------------------------------------------
# matmul


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("trans_a,trans_b", list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("m,k,n", MATMUL_SHAPES)
def test_matmul_matches_numpy_and_loops(kern, rng, m, k, n, trans_a, trans_b, layout, dtype):
    a = make(rng, (k, m) if trans_a else (m, k), dtype, layout)
    b = make(rng, (n, k) if trans_b else (k, n), dtype, layout)
    a_before, b_before = a.copy(), b.copy()
    c = kern.matmul(a, b, trans_a=trans_a, trans_b=trans_b)
    op_a = a.T if trans_a else a
    op_b = b.T if trans_b else b
    assert c.shape == (m, n) and c.dtype == dtype and c.flags.c_contiguous
    expected = op_a.astype(np.float64) @ op_b.astype(np.float64)
    np.testing.assert_allclose(c, expected, **tol(dtype, k))
    # The textbook triple loop (Python floats) agrees too.
    np.testing.assert_allclose(c, loops.matmul(a, b, trans_a=trans_a, trans_b=trans_b), **tol(dtype, k))
    # Inputs are never modified.
    np.testing.assert_array_equal(a, a_before)
    np.testing.assert_array_equal(b, b_before)


def test_matmul_on_random_shapes_flags_and_layouts(kern, kernels_of, rng):
    # 60 random draws of (m, k, n) in 0..40, flags and a layout per operand: compiled and
    # reference agree with each other and with float64 NumPy.
    ref = kernels_of("python", ["linalg"])
    for _ in range(60):
        m, k, n = (int(v) for v in rng.integers(0, 41, size=3))
        ta, tb = (bool(v) for v in rng.integers(0, 2, size=2))
        dtype = DTYPES[int(rng.integers(0, 2))]
        a = make(rng, (k, m) if ta else (m, k), dtype, LAYOUTS[int(rng.integers(0, 3))])
        b = make(rng, (n, k) if tb else (k, n), dtype, LAYOUTS[int(rng.integers(0, 3))])
        c = kern.matmul(a, b, trans_a=ta, trans_b=tb)
        expected = (a.T if ta else a).astype(float) @ (b.T if tb else b).astype(float)
        np.testing.assert_allclose(c, expected, **tol(dtype, k))
        np.testing.assert_allclose(c, ref.matmul(a, b, trans_a=ta, trans_b=tb), **tol(dtype, k))


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_mixed_layouts(kern, rng, dtype):
    # Fortran a with trans_a, sliced b with trans_b: each operand is handled on its own.
    a = make(rng, (6, 4), dtype, "F")     # op(a) = a.T is (4, 6)
    b = make(rng, (3, 6), dtype, "sliced")  # op(b) = b.T is (6, 3)
    c = kern.matmul(a, b, trans_a=True, trans_b=True)
    np.testing.assert_allclose(c, a.T.astype(float) @ b.T.astype(float), **tol(dtype, 6))


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_out_receives_result_and_is_returned(kern, rng, dtype):
    a, b = make(rng, (5, 7), dtype, "C"), make(rng, (7, 3), dtype, "F")
    out = np.full((5, 3), np.nan, dtype=dtype)  # NaN must be overwritten, not accumulated
    result = kern.matmul(a, b, out=out)
    assert result is out
    np.testing.assert_allclose(out, a.astype(float) @ b.astype(float), **tol(dtype, 7))


def test_matmul_empty_inner_dimension_gives_zeros_in_out(kern):
    out = np.full((2, 3), np.nan)
    result = kern.matmul(np.empty((2, 0)), np.empty((0, 3)), out=out)
    assert result is out
    np.testing.assert_array_equal(out, np.zeros((2, 3)))


@pytest.mark.parametrize("which", ["a", "b"])
def test_matmul_out_may_alias_an_input(kern, rng, which):
    # matmul(a, b, out=a) must give a @ b, not a product of half-overwritten numbers.
    a, b = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    expected = a @ b
    target = a if which == "a" else b
    assert kern.matmul(a, b, out=target) is target
    np.testing.assert_allclose(target, expected, **tol(np.float64, 6))


def test_matmul_of_a_product_with_itself_transposed(kern, rng):
    # a.T @ a through the flags (the Gram matrix of Nielsen's weight decay chapter).
    a = rng.standard_normal((9, 4))
    np.testing.assert_allclose(kern.matmul(a, a, trans_a=True), a.T @ a, **tol(np.float64, 9))


# ---------------------------------------------------------------------------------------------
# matvec


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("trans", [False, True])
@pytest.mark.parametrize("rows,cols", MATVEC_SHAPES)
def test_matvec_matches_numpy_and_loops(kern, rng, rows, cols, trans, layout, dtype):
    a = make(rng, (cols, rows) if trans else (rows, cols), dtype, layout)
    x = make(rng, (cols,), dtype, "sliced" if layout == "sliced" else "C")
    y = kern.matvec(a, x, trans=trans)
    op_a = a.T if trans else a
    assert y.shape == (rows,) and y.dtype == dtype
    np.testing.assert_allclose(y, op_a.astype(float) @ x.astype(float), **tol(dtype, cols))
    np.testing.assert_allclose(y, loops.matvec(a, x, trans=trans), **tol(dtype, cols))


@pytest.mark.parametrize("dtype", DTYPES)
def test_matvec_out_receives_result_and_is_returned(kern, rng, dtype):
    a, x = make(rng, (4, 6), dtype, "F"), make(rng, (4,), dtype, "C")
    out = np.full(6, np.nan, dtype=dtype)
    assert kern.matvec(a, x, trans=True, out=out) is out
    np.testing.assert_allclose(out, a.T.astype(float) @ x.astype(float), **tol(dtype, 4))


def test_matvec_out_may_alias_x(kern, rng):
    a, x = rng.standard_normal((5, 5)), rng.standard_normal(5)
    expected = a @ x
    assert kern.matvec(a, x, out=x) is x
    np.testing.assert_allclose(x, expected, **tol(np.float64, 5))


def test_matvec_with_no_columns_gives_zeros(kern):
    out = np.full(3, np.nan)
    assert kern.matvec(np.empty((3, 0)), np.empty(0), out=out) is out
    np.testing.assert_array_equal(out, np.zeros(3))


# ---------------------------------------------------------------------------------------------
# outer_update (in place)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows,cols", [(1, 1), (1, 9), (9, 1), (17, 33), (0, 4), (4, 0)])
def test_outer_update_in_place_matches_numpy_and_loops(kern, rng, rows, cols, dtype):
    w = rng.standard_normal((rows, cols)).astype(dtype)
    x = make(rng, (rows,), dtype, "sliced")
    y = make(rng, (cols,), dtype, "C")
    alpha = -0.3
    expected = w.astype(float) + alpha * np.outer(x.astype(float), y.astype(float))
    by_loops = loops.outer_update(w.astype(float), alpha, x, y)
    address = w.ctypes.data
    result = kern.outer_update(w, alpha, x, y)
    assert result is w and w.ctypes.data == address  # the same object, updated in place
    assert w.dtype == dtype
    np.testing.assert_allclose(w, expected, **tol(dtype))
    np.testing.assert_allclose(w, by_loops, **tol(dtype))


def test_outer_update_vector_that_is_a_row_of_w(kern, rng):
    # Δw = α·w[0] ⊗ w[1]: the update must use the rows as they were before it started.
    w = rng.standard_normal((4, 4))
    expected = w + 2.0 * np.outer(w[0], w[1])
    kern.outer_update(w, 2.0, w[0], w[1])
    np.testing.assert_allclose(w, expected, **tol(np.float64))


@pytest.mark.parametrize("how", ["fortran", "sliced", "readonly", "list"])
def test_outer_update_refuses_w_it_cannot_update_and_leaves_it_unchanged(kern, rng, how):
    base = rng.standard_normal((6, 8))
    if how == "fortran":
        w, x, y = np.asfortranarray(base[:3, :4]), np.ones(3), np.ones(4)
    elif how == "sliced":
        w, x, y = base[::2, ::2], np.ones(3), np.ones(4)
    elif how == "readonly":
        w = base[:3].copy()
        w.flags.writeable = False
        x, y = np.ones(3), np.ones(8)
    else:
        w, x, y = base[:2, :2].tolist(), np.ones(2), np.ones(2)
    before = np.array(w, copy=True)
    with pytest.raises((ValueError, TypeError), match="outer_update\\(\\): argument 'w'"):
        kern.outer_update(w, 1.0, x, y)
    np.testing.assert_array_equal(np.asarray(w), before)


@pytest.mark.parametrize("alpha", [float("nan"), float("inf"), "0.1", None])
def test_outer_update_alpha_must_be_a_finite_number(kern, alpha):
    w = np.zeros((2, 2))
    with pytest.raises((TypeError, ValueError), match="'alpha'"):
        kern.outer_update(w, alpha, np.ones(2), np.ones(2))
    np.testing.assert_array_equal(w, 0.0)


# ---------------------------------------------------------------------------------------------
# sigmoid and logit


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (1,), (17,), (3, 5), (2, 3, 4), (4, 0, 2)])
def test_sigmoid_and_logit_match_loops_on_any_shape(kern, rng, shape, dtype):
    x = (6 * rng.standard_normal(shape)).astype(dtype)
    s = kern.sigmoid(x)
    assert s.shape == x.shape and s.dtype == dtype
    expected = np.array([loops.sigmoid(float(v)) for v in x.ravel()]).reshape(shape)
    np.testing.assert_allclose(s, expected, **tol(dtype))
    p = np.clip(s, 1e-3, 1 - 1e-3).astype(dtype)
    lg = kern.logit(p)
    assert lg.shape == x.shape and lg.dtype == dtype
    expected = np.array([loops.logit(float(v)) for v in p.ravel()]).reshape(shape)
    np.testing.assert_allclose(lg, expected, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_and_logit_on_sliced_and_fortran_input(kern, rng, dtype):
    for layout in ("F", "sliced"):
        x = make(rng, (7, 5), dtype, layout)
        np.testing.assert_allclose(kern.sigmoid(x), 1 / (1 + np.exp(-x.astype(float))), **tol(dtype))
        p = kern.sigmoid(x)[::-1]
        np.testing.assert_allclose(kern.logit(p), np.log(p / (1 - p.astype(float))), rtol=1e-4 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_at_plus_minus_1000_without_warnings(kern, dtype):
    x = np.array([-1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow/underflow RuntimeWarning fails the test
        s = kern.sigmoid(x)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all(np.diff(s) >= 0)  # monotone, no NaN from inf/inf
    assert np.all(np.isfinite(s))


@pytest.mark.parametrize("dtype", DTYPES)
def test_logit_of_the_ends_is_infinite_without_warnings(kern, dtype):
    p = np.array([0.0, 0.5, 1.0, np.nan], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lg = kern.logit(p)
        all_nan = kern.logit(np.full(3, np.nan, dtype=dtype))
    assert lg[0] == -np.inf and lg[1] == 0.0 and lg[2] == np.inf and np.isnan(lg[3])
    assert np.isnan(all_nan).all()


def test_logit_inverts_sigmoid(kern, rng):
    x = rng.uniform(-20, 20, size=200)
    np.testing.assert_allclose(kern.logit(kern.sigmoid(x)), x, rtol=1e-7, atol=1e-9)


def test_logit_near_one_half_keeps_its_precision(kern):
    # logit(1/2 + d) = 4d + O(d^3); the naive ln(p/(1-p)) keeps only ~7 digits of it at d=1e-9.
    d = 1e-9
    assert math.isclose(float(kern.logit(np.array([0.5 + d]))[0]), 4 * d, rel_tol=1e-6)


@pytest.mark.parametrize("bad", [-0.01, 1.01, -1000.0, 1000.0])
def test_logit_outside_0_1_raises(kern, bad):
    out = np.zeros(3)
    with pytest.raises(ValueError, match=r"logit\(\): argument 'x' must lie in \[0, 1\]"):
        kern.logit(np.array([0.2, bad, 0.7]), out=out)
    np.testing.assert_array_equal(out, 0.0)  # nothing was written before the check


@pytest.mark.parametrize("kernel", ["sigmoid", "logit"])
def test_elementwise_out_and_in_place(kern, rng, kernel):
    fn = getattr(kern, kernel)
    x = rng.uniform(0.05, 0.95, size=(4, 6))
    expected = fn(x.copy())
    out = np.empty_like(x)
    assert fn(x, out=out) is out
    np.testing.assert_array_equal(out, expected)
    assert fn(x, out=x) is x  # out=x: in place
    np.testing.assert_array_equal(x, expected)


def test_elementwise_out_overlapping_input_is_safe(kern, rng):
    # out is x shifted by one entry: a naive loop would read values it already overwrote.
    buf = rng.uniform(-3, 3, size=11)
    expected = 1 / (1 + np.exp(-buf[:10]))
    kern.sigmoid(buf[:10], out=buf[1:])
    np.testing.assert_allclose(buf[1:], expected, rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# Bad input: one message, raised before anything changes, identical on both backends.

f64, f32 = np.float64, np.float32
BAD_CALLS = {
    "matmul shape mismatch": (
        lambda k: k.matmul(np.ones((3, 4)), np.ones((5, 2))), ValueError,
        r"matmul\(\): inner dimensions differ: op\(a\) is \(3, 4\) and op\(b\) is \(5, 2\)"),
    "matmul shape mismatch fortran": (
        lambda k: k.matmul(np.asfortranarray(np.ones((3, 4))), np.ones((3, 2))), ValueError,
        r"op\(a\) is \(3, 4\) and op\(b\) is \(3, 2\) \(trans_a=False, trans_b=False\)"),
    "matmul ndim": (
        lambda k: k.matmul(np.ones(4), np.ones((4, 2))), ValueError,
        r"matmul\(\): argument 'a' must be 2-D, got float64 array of shape \(4,\)"),
    "matmul int dtype": (
        lambda k: k.matmul(np.ones((2, 2), dtype=int), np.ones((2, 2))), TypeError,
        r"matmul\(\): argument 'a' must be a float32 or float64 array, got dtype int64"),
    "matmul mixed dtypes": (
        lambda k: k.matmul(np.ones((2, 2), f32), np.ones((2, 2), f64)), TypeError,
        r"matmul\(\): arguments must share one float dtype, got a=float32, b=float64"),
    "matmul out shape": (
        lambda k: k.matmul(np.ones((2, 3)), np.ones((3, 4)), out=np.empty((4, 2))), ValueError,
        r"matmul\(\): argument 'out' must have shape \(2, 4\), got \(4, 2\)"),
    "matmul out dtype": (
        lambda k: k.matmul(np.ones((2, 3)), np.ones((3, 4)), out=np.empty((2, 4), f32)), TypeError,
        r"matmul\(\): argument 'out' must have dtype float64, got float32"),
    "matmul out non-contiguous": (
        lambda k: k.matmul(np.ones((2, 3)), np.ones((3, 4)), out=np.empty((2, 4), order="F")),
        ValueError, r"matmul\(\): argument 'out' is written in place and must be C-contiguous"),
    "matvec shape mismatch": (
        lambda k: k.matvec(np.ones((3, 4)), np.ones(3)), ValueError,
        r"matvec\(\): op\(a\) has 4 columns but x has 3 entries \(a is \(3, 4\), trans=False\)"),
    "matvec ndim": (
        lambda k: k.matvec(np.ones((3, 4)), np.ones((4, 1))), ValueError,
        r"matvec\(\): argument 'x' must be 1-D"),
    "matvec int dtype": (
        lambda k: k.matvec(np.ones((3, 4)), np.arange(4)), TypeError,
        r"matvec\(\): argument 'x' must be a float32 or float64 array, got dtype int64"),
    "matvec mixed dtypes": (
        lambda k: k.matvec(np.ones((3, 4), f64), np.ones(4, f32)), TypeError,
        r"matvec\(\): arguments must share one float dtype, got a=float64, x=float32"),
    "matvec out shape": (
        lambda k: k.matvec(np.ones((3, 4)), np.ones(4), out=np.empty(4)), ValueError,
        r"matvec\(\): argument 'out' must have shape \(3,\), got \(4,\)"),
    "matvec out dtype": (
        lambda k: k.matvec(np.ones((3, 4)), np.ones(4), out=np.empty(3, f32)), TypeError,
        r"matvec\(\): argument 'out' must have dtype float64, got float32"),
    "matvec out non-contiguous": (
        lambda k: k.matvec(np.ones((3, 4)), np.ones(4), out=np.empty(6)[::2]), ValueError,
        r"matvec\(\): argument 'out' is written in place and must be C-contiguous"),
    "outer_update shape mismatch": (
        lambda k: k.outer_update(np.zeros((3, 4)), 1.0, np.ones(4), np.ones(3)), ValueError,
        r"outer_update\(\): w is \(3, 4\), so x needs 3 entries and y 4; got x 4 and y 3"),
    "outer_update ndim": (
        lambda k: k.outer_update(np.zeros(3), 1.0, np.ones(3), np.ones(1)), ValueError,
        r"outer_update\(\): argument 'w' must be a 2-D numpy array"),
    "outer_update int w": (
        lambda k: k.outer_update(np.zeros((2, 2), int), 1.0, np.ones(2), np.ones(2)), TypeError,
        r"outer_update\(\): argument 'w' must be float32 or float64, got int64"),
    "outer_update mixed dtypes": (
        lambda k: k.outer_update(np.zeros((2, 2), f32), 1.0, np.ones(2, f32), np.ones(2)), TypeError,
        r"outer_update\(\): arguments must share one float dtype, got w=float32, x=float32, y=float64"),
    "outer_update non-contiguous w": (
        lambda k: k.outer_update(np.zeros((4, 4))[:, :2], 1.0, np.ones(4), np.ones(2)), ValueError,
        r"outer_update\(\): argument 'w' is written in place and must be C-contiguous"),
    "sigmoid int dtype": (
        lambda k: k.sigmoid(np.arange(3)), TypeError,
        r"sigmoid\(\): argument 'x' must be a float32 or float64 array, got dtype int64"),
    "sigmoid out shape": (
        lambda k: k.sigmoid(np.ones(3), out=np.empty(4)), ValueError,
        r"sigmoid\(\): argument 'out' must have shape \(3,\), got \(4,\)"),
    "sigmoid out dtype": (
        lambda k: k.sigmoid(np.ones(3, f32), out=np.empty(3)), TypeError,
        r"sigmoid\(\): argument 'out' must have dtype float32, got float64"),
    "sigmoid out non-contiguous": (
        lambda k: k.sigmoid(np.ones(3), out=np.empty(6)[::2]), ValueError,
        r"sigmoid\(\): argument 'out' is written in place and must be C-contiguous"),
    "logit int dtype": (
        lambda k: k.logit(np.zeros(3, dtype=np.int32)), TypeError,
        r"logit\(\): argument 'x' must be a float32 or float64 array, got dtype int32"),
    "logit out non-contiguous": (
        lambda k: k.logit(np.full(3, 0.5), out=np.empty(6)[::2]), ValueError,
        r"logit\(\): argument 'out' is written in place and must be C-contiguous"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_message_is_clear_and_identical_on_both_backends(both, case):
    call, exc_type, pattern = BAD_CALLS[case]
    messages = []
    for kernels in both:
        with pytest.raises(exc_type, match=pattern) as info:
            call(kernels)
        messages.append((type(info.value), str(info.value)))
    assert messages[0] == messages[1]


def test_failed_call_leaves_out_untouched(kern):
    out = np.full((2, 2), 7.0)
    with pytest.raises(TypeError):
        kern.matmul(np.ones((2, 2), f32), np.ones((2, 2), f64), out=out)
    np.testing.assert_array_equal(out, 7.0)
