"""Every differentiable operation of the Tensor engine against central differences, in float64.

The check: for a random seed S of the output's shape, L = Σ S ⊙ op(inputs); the engine's dL/dx
must equal (L(x + εeᵢ) − L(x − εeᵢ)) / 2ε for every entry i of every input.
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet import autodiff as ad
from pynet.layers.base import using_backend

EPS = 1e-6


def numeric_gradient(f, arrays, k):
    x = arrays[k]
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + EPS
        up = f(arrays)
        x[i] = old - EPS
        down = f(arrays)
        x[i] = old
        g[i] = (up - down) / (2 * EPS)
    return g


def check(fn, *arrays, seed=0, rtol=1e-5, atol=1e-7):
    """Assert that the engine's gradient of Σ S ⊙ fn(inputs) matches central differences."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    inputs = [ad.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    S = np.random.default_rng(seed).normal(size=out.shape)
    (out * S).sum().backward()

    def L(arrs):
        return float(np.sum(fn(*[ad.tensor(a) for a in arrs]).data * S))
    for k, t in enumerate(inputs):
        expected = numeric_gradient(L, arrays, k)
        assert t.grad is not None, f"input {k} got no gradient"
        assert t.grad.shape == arrays[k].shape
        np.testing.assert_allclose(t.grad, expected, rtol=rtol, atol=atol, err_msg=f"input {k}")


rng = np.random.default_rng(16)
A = rng.normal(size=(3, 4))
B = rng.normal(size=(3, 4))
POS = rng.uniform(0.5, 2.0, size=(3, 4))
ROW = rng.normal(size=(4,))
COL = rng.normal(size=(3, 1))


BINARY = {
    "add": ad.add, "subtract": ad.subtract, "multiply": ad.multiply, "div": ad.div,
    "maximum": ad.maximum, "minimum": ad.minimum,
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", ["same", "row", "column", "scalar-left"])
def test_binary_ops_with_broadcasting(name, shapes):
    y = {"same": B + 3, "row": ROW + 3, "column": COL + 3, "scalar-left": np.array(2.5)}[shapes]
    if shapes == "scalar-left":
        check(BINARY[name], y, A)
    else:
        check(BINARY[name], A, y)


def test_mod_with_respect_to_both_arguments():
    # x mod y = x − y⌊x/y⌋; keep x/y away from integers so the floor is constant near the point
    x = np.array([[5.3, -2.7], [7.9, 1.2]])
    y = np.array([[2.0, 1.9], [-3.1, 0.7]])
    check(ad.mod, x, y)


def test_pow_in_both_arguments_and_broadcast_exponent():
    check(ad.pow, POS, B)
    check(lambda x: x ** 3, A)
    check(lambda x: 2.0 ** x, A)


UNARY = {
    "abs": (ad.abs, A), "negative": (ad.negative, A), "square": (ad.square, A),
    "sqrt": (ad.sqrt, POS), "exp": (ad.exp, A), "log": (ad.log, POS), "cos": (ad.cos, A),
    "sin": (ad.sin, A), "tanh": (ad.tanh, A), "sigmoid": (ad.sigmoid, A), "relu": (ad.relu, A),
    "softmax": (ad.softmax, A), "softmax axis 0": (lambda x: ad.softmax(x, axis=0), A),
    "log_softmax": (ad.log_softmax, A), "log_softmax 3-D": (lambda x: ad.log_softmax(x, axis=1),
                                                             rng.normal(size=(2, 3, 4))),
    "clip_by_value": (lambda x: ad.clip_by_value(x, -0.5, 0.5), A),
    "cast float64->float64": (lambda x: ad.cast(x, np.float64), A),
    "tanh 3-D": (ad.tanh, rng.normal(size=(2, 3, 2))),
    "relu scalar": (ad.relu, np.array(0.7)),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops(name):
    fn, x = UNARY[name]
    check(fn, x)


def test_sign_and_round_are_flat():
    x = ad.tensor(A, requires_grad=True)
    (ad.sign(x) + ad.round(x)).sum().backward()
    assert np.all(x.grad == 0)


@pytest.mark.parametrize("backend", ["python", "cython"])
def test_matmul_and_activations_on_both_backends(backend, kernels_of):
    ns = kernels_of(backend, None)
    with using_backend(ns):
        check(lambda a, b: ad.relu(ad.matmul(a, b)), A, rng.normal(size=(4, 5)))
        check(lambda a, b: ad.softmax(a @ b), A, rng.normal(size=(4, 5)))
        check(lambda a: ad.sigmoid(a), A)


def test_matmul_shapes_numpy_handles():
    check(ad.matmul, ROW, rng.normal(size=(4, 2)))                 # vector @ matrix
    check(ad.matmul, A, ROW)                                        # matrix @ vector
    check(ad.matmul, rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 2)))   # a stack @ matrix


def test_transpose_reshape_concat():
    check(lambda x: ad.transpose(x), A)
    check(lambda x: ad.transpose(x, (1, 2, 0)), rng.normal(size=(2, 3, 4)))
    check(lambda x: ad.reshape(x, (2, 6)), A)
    check(lambda x, y: ad.concat([x, y], axis=1), A, COL)
    check(lambda x, y: ad.concat([x, y], axis=0), A, B)


@pytest.mark.parametrize("index", [
    1, (slice(None), 2), (slice(0, 3, 2), slice(None, None, -1)), ([0, 0, 2, 0],),
    ([0, 2, 2], [1, 1, 1]), (Ellipsis, None, 3),
], ids=["row", "column", "strided", "repeated rows", "repeated entries", "ellipsis newaxis"])
def test_indexing_including_repeats(index):
    check(lambda x: x[index], A)


def test_boolean_mask_index():
    check(lambda x: x[A > 0], A)


@pytest.mark.parametrize("reduce", ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
                                    "reduce_prod"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), (2, 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(reduce, axis, keepdims):
    x = rng.uniform(0.5, 1.5, size=(2, 3, 4)) * rng.choice([-1, 1], size=(2, 3, 4))
    check(lambda t: getattr(ad, reduce)(t, axis, keepdims), x)


def test_prod_gradient_with_a_zero_entry():
    # Π = 0, yet ∂Π/∂x₁ = x₀·x₂ = 6 is not zero: the gradient is not Π/x
    x = ad.tensor([2.0, 0.0, 3.0], requires_grad=True)
    ad.reduce_prod(x).backward()
    np.testing.assert_allclose(x.grad, [0.0, 6.0, 0.0])
    check(lambda t: ad.reduce_prod(t, 1), np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]]))


def test_max_shares_the_gradient_among_ties():
    x = ad.tensor([1.0, 3.0, 3.0], requires_grad=True)
    ad.reduce_max(x).backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.5, 0.5])


def test_segment_sum():
    check(lambda d: ad.segment_sum(d, [0, 0, 1, 2, 2]), rng.normal(size=(5, 4)))


def test_linear_algebra():
    M = rng.normal(size=(4, 4)) + 4 * np.eye(4)
    check(ad.matrix_determinant, M)
    check(ad.matrix_inverse, M)
    check(ad.matrix_solve, M, rng.normal(size=(4, 1)))
    check(ad.matrix_solve, M, rng.normal(size=(4, 3)))
    stack = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    check(ad.matrix_determinant, stack)
    check(ad.matrix_inverse, stack)


def test_a_small_network_end_to_end():
    # the C38 loss on a tiny batch: clipped softmax, binary-style cross-entropy, mean
    x = rng.uniform(size=(5, 6))
    y = np.eye(3)[[0, 2, 1, 1, 0]]

    def loss(W1, b1, W2, b2):
        h = ad.relu(x @ W1 + b1)
        p = ad.clip_by_value(ad.softmax(h @ W2 + b2), 1e-10, 0.9999999)
        return -ad.reduce_mean(ad.reduce_sum(y * ad.log(p) + (1 - y) * ad.log(1 - p), axis=1))
    check(loss, rng.normal(size=(6, 4)), rng.normal(size=4), rng.normal(size=(4, 3)),
          rng.normal(size=3))


def test_unbroadcast_sums_the_copies():
    g = np.ones((2, 3, 4))
    assert ad.unbroadcast(g, (3, 1)).tolist() == [[8.0]] * 3
    assert ad.unbroadcast(g, ()).shape == ()
    assert ad.unbroadcast(g, (4,)).tolist() == [6.0] * 4


def test_float32_gradients_stay_float32():
    w = ad.tensor(np.ones((3, 2), np.float32), requires_grad=True)
    x = ad.tensor(np.ones((4, 3), np.float32))
    ad.reduce_mean(ad.tanh(x @ w) * 2.0).backward()
    assert w.grad.dtype == np.float32


def test_stop_gradient_blocks_the_path():
    x = ad.tensor(A, requires_grad=True)
    (ad.stop_gradient(x) * x).sum().backward()          # d/dx [c · x] with c = x held constant
    np.testing.assert_array_equal(x.grad, A)


def test_matmul_and_activations_run_on_pynets_kernels():
    # the engine must call the active backend's kernels (so the compiled one accelerates it)
    import types

    import pynet.kernels as kernels
    calls = []

    def spy(name):
        real = getattr(kernels, name)
        return lambda *a, **k: (calls.append(name), real(*a, **k))[1]
    ns = types.SimpleNamespace(**{n: getattr(kernels, n) for n in kernels.KERNEL_NAMES})
    for name in ("matmul", "activation_forward", "activation_backward"):
        setattr(ns, name, spy(name))
    w = ad.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    with using_backend(ns):
        ad.reduce_sum(ad.softmax(ad.relu(ad.tensor(A) @ w))).backward()
    assert calls.count("matmul") == 2                   # forward, and dL/dw (x needs none)
    assert calls.count("activation_forward") == 2 and calls.count("activation_backward") == 2
