"""Recurrent kernels: compiled == reference == the step-by-step loops, and BPTT == central
differences, on awkward inputs (1 step, 1 unit, batch 1, non-contiguous, masks all-zero /
all-one / ragged, recurrent-dropout masks), float32 and float64."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.gradient_check import numerical_gradient
from pynet.kernels.loops import recurrent as loops

# (timesteps, batch, features, units)
SHAPES = [(5, 3, 4, 3), (1, 2, 3, 4), (4, 1, 2, 1), (7, 2, 1, 5)]
CELLS = ["simple_rnn", "lstm", "gru", "gru_v1"]
MASKS = ["none", "ones", "zeros", "ragged"]


def _tol(dtype):
    return dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def _weights(rng, cell, f, u, dtype):
    k = {"simple_rnn": 1, "lstm": 4, "gru": 3, "gru_v1": 3}[cell]
    w = (0.5 * rng.normal(size=(f, k * u))).astype(dtype)
    r = (0.5 * rng.normal(size=(u, k * u))).astype(dtype)
    b_shape = (2, 3 * u) if cell == "gru" else (k * u,)
    return w, r, (0.3 * rng.normal(size=b_shape)).astype(dtype)


def _mask(rng, kind, t, b):
    if kind == "none":
        return None
    if kind == "ones":
        return np.ones((t, b), dtype=bool)
    if kind == "zeros":
        return np.zeros((t, b), dtype=bool)
    # ragged: sample j has its last j steps padded (post padding), plus one hole
    m = np.ones((t, b), dtype=bool)
    for j in range(b):
        if j:
            m[max(t - j, 1):, j] = False
    if t > 2:
        m[1, 0] = False
    return m


def forward(kern, cell, x, w, r, b, h0, c0, **kw):
    """Run one cell; return (outputs, saved tuple for backward)."""
    if cell == "simple_rnn":
        h = kern.simple_rnn_forward(x, w, r, b, h0, **kw)
        return h, (h,)
    if cell == "lstm":
        h, c, g = kern.lstm_forward(x, w, r, b, h0, c0, **kw)
        return h, (h, c, g)
    h, g = kern.gru_forward(x, w, r, b, h0, reset_after=cell == "gru", **kw)
    return h, (h, g)


def backward(kern, cell, x, w, r, h0, c0, saved, grad_h, grad_c, **kw):
    if cell == "simple_rnn":
        return kern.simple_rnn_backward(x, w, r, h0, saved[0], grad_h, **kw)
    if cell == "lstm":
        return kern.lstm_backward(x, w, r, h0, c0, *saved, grad_h, grad_c, **kw)
    return kern.gru_backward(x, w, r, h0, *saved, grad_h, reset_after=cell == "gru", **kw)


def _case(rng, cell, shape, dtype, mask_kind, dropout):
    t, b, f, u = shape
    x = rng.normal(size=(t, b, f)).astype(dtype)
    w, r, bias = _weights(rng, cell, f, u, dtype)
    h0 = (0.5 * rng.normal(size=(b, u))).astype(dtype)
    c0 = (0.5 * rng.normal(size=(b, u))).astype(dtype)
    kw = {"mask": _mask(rng, mask_kind, t, b)}
    if dropout:
        kw["recurrent_mask"] = ((rng.random((b, u)) > 0.4) / 0.6).astype(dtype)
    return x, w, r, bias, h0, c0, kw


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mask_kind", MASKS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("cell", CELLS)
def test_compiled_matches_reference(kernels_of, rng, cell, shape, mask_kind, dtype):
    ref = kernels_of("python", ["recurrent"])
    cy = kernels_of("cython", ["recurrent"])
    x, w, r, bias, h0, c0, kw = _case(rng, cell, shape, dtype, mask_kind, dropout=True)
    h_ref, saved_ref = forward(ref, cell, x, w, r, bias, h0, c0, **kw)
    h_cy, saved_cy = forward(cy, cell, x, w, r, bias, h0, c0, **kw)
    assert h_cy.dtype == dtype and h_cy.flags.c_contiguous
    np.testing.assert_allclose(h_cy, h_ref, **_tol(dtype))
    for a, b in zip(saved_cy, saved_ref):
        np.testing.assert_allclose(a, b, **_tol(dtype))
    grad_h = rng.normal(size=h_ref.shape).astype(dtype)
    grad_c = rng.normal(size=h0.shape).astype(dtype)
    g_ref = backward(ref, cell, x, w, r, h0, c0, saved_ref, grad_h, grad_c, **kw)
    g_cy = backward(cy, cell, x, w, r, h0, c0, saved_cy, grad_h, grad_c, **kw)
    assert len(g_ref) == len(g_cy)
    for a, b in zip(g_cy, g_ref):
        assert a.shape == b.shape and a.dtype == dtype
        np.testing.assert_allclose(a, b, **_tol(dtype))


@pytest.mark.parametrize("mask_kind", ["none", "ragged"])
@pytest.mark.parametrize("cell", CELLS)
def test_backprop_through_time_matches_central_differences(kernels_of, backend_name, rng, cell,
                                                           mask_kind):
    """L = Σ_t h_t ⊙ G_t (+ c_T ⊙ G_c for the LSTM): every gradient the kernel returns agrees
    with (L(θ + ε) − L(θ − ε)) / 2ε, with a ragged mask and a recurrent-dropout mask."""
    kern = kernels_of(backend_name, ["recurrent"])
    x, w, r, bias, h0, c0, kw = _case(rng, cell, (4, 3, 3, 2), np.float64, mask_kind, True)
    h, saved = forward(kern, cell, x, w, r, bias, h0, c0, **kw)
    G = rng.normal(size=h.shape)
    Gc = rng.normal(size=h0.shape)

    def loss():
        out, sv = forward(kern, cell, x, w, r, bias, h0, c0, **kw)
        extra = float((sv[1][-1] * Gc).sum()) if cell == "lstm" else 0.0
        return float((out * G).sum()) + extra

    grads = backward(kern, cell, x, w, r, h0, c0, saved, G, Gc, **kw)
    params = [x, w, r, bias, h0] + ([c0] if cell == "lstm" else [])
    for name, p, g in zip(["x", "kernel", "recurrent", "bias", "h0", "c0"], params, grads):
        np.testing.assert_allclose(g, numerical_gradient(loss, p), rtol=1e-6, atol=1e-8,
                                   err_msg=f"{cell} d{name}")


def test_simple_rnn_is_chollets_numpy_rnn(kernels_of, backend_name, rng):
    """Listing 6.21's loop (W·x_t + U·state_t + b with the book's (out, in) matrices) gives the
    same numbers as the kernel fed Keras's transposed layout."""
    kern = kernels_of(backend_name, ["recurrent"])
    inputs = rng.random((100, 32))
    W, U, b = rng.random((64, 32)) * 0.1, rng.random((64, 64)) * 0.1, rng.random(64) * 0.1
    book = loops.chollet_rnn(inputs, W, U, b)
    assert book.shape == (100, 64)
    ours = kern.simple_rnn_forward(inputs[:, None, :], W.T, U.T, b)[:, 0, :]
    np.testing.assert_allclose(ours, book, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", ["lstm", "gru", "gru_v1"])
def test_gated_cells_match_the_step_by_step_equations(kernels_of, backend_name, rng, cell):
    kern = kernels_of(backend_name, ["recurrent"])
    x, w, r, bias, h0, c0, _ = _case(rng, cell, (6, 2, 3, 4), np.float64, "none", False)
    h, _ = forward(kern, cell, x, w, r, bias, None, None)
    for j in range(2):
        if cell == "lstm":
            expected, _ = loops.lstm_step_by_step(x[:, j], w, r, bias)
        else:
            expected = loops.gru_step_by_step(x[:, j], w, r, bias, reset_after=cell == "gru")
        np.testing.assert_allclose(h[:, j], expected, rtol=1e-12, atol=1e-12)


def test_all_zero_mask_keeps_the_initial_state(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["recurrent"])
    x, w, r, bias, h0, c0, _ = _case(rng, "lstm", (3, 2, 2, 3), np.float64, "none", False)
    h, c, _ = kern.lstm_forward(x, w, r, bias, h0, c0, mask=np.zeros((3, 2), bool))
    np.testing.assert_array_equal(h, np.broadcast_to(h0, h.shape))
    np.testing.assert_array_equal(c, np.broadcast_to(c0, c.shape))


def test_non_contiguous_inputs_are_accepted(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["recurrent"])
    big = rng.normal(size=(6, 4, 6))
    x = big[::2, :, ::2]                                  # (3, 4, 3), strided
    w, r, bias = _weights(rng, "lstm", 3, 2, np.float64)
    wt = np.asfortranarray(w)
    h1, _, _ = kern.lstm_forward(x, wt, r, bias)
    h2, _, _ = kern.lstm_forward(np.ascontiguousarray(x), w, r, bias)
    np.testing.assert_allclose(h1, h2, rtol=1e-13)


@pytest.mark.parametrize("activation,recurrent_activation",
                         [("relu", "hard_sigmoid"), ("linear", "sigmoid"), ("sigmoid", "tanh")])
def test_other_activations_agree(kernels_of, rng, activation, recurrent_activation):
    ref = kernels_of("python", ["recurrent"])
    cy = kernels_of("cython", ["recurrent"])
    x, w, r, bias, h0, c0, kw = _case(rng, "lstm", (4, 2, 3, 3), np.float64, "ragged", False)
    acts = dict(activation=activation, recurrent_activation=recurrent_activation)
    a = ref.lstm_forward(x, w, r, bias, h0, c0, **kw, **acts)
    b = cy.lstm_forward(x, w, r, bias, h0, c0, **kw, **acts)
    for p, q in zip(a, b):
        np.testing.assert_allclose(q, p, rtol=1e-12, atol=1e-12)
    g = rng.normal(size=a[0].shape)
    ga = ref.lstm_backward(x, w, r, h0, c0, *a, g, **kw, **acts)
    gb = cy.lstm_backward(x, w, r, h0, c0, *b, g, **kw, **acts)
    for p, q in zip(ga, gb):
        np.testing.assert_allclose(q, p, rtol=1e-12, atol=1e-12)


def test_empty_batch(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["recurrent"])
    w, r, bias = _weights(rng, "gru", 3, 2, np.float32)
    h, g = kern.gru_forward(np.zeros((4, 0, 3), np.float32), w, r, bias)
    assert h.shape == (4, 0, 2) and g.shape == (4, 0, 8)


# -- bad input --------------------------------------------------------------------------------

def test_bad_arguments_are_refused_with_their_name(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["recurrent"])
    w, r, bias = _weights(rng, "lstm", 3, 2, np.float32)
    x = np.zeros((4, 2, 3), np.float32)
    with pytest.raises(ValueError, match=r"'x' must be 3-D \(timesteps, batch, features\)"):
        kern.lstm_forward(x[0], w, r, bias)
    with pytest.raises(ValueError, match=r"kernel must have shape \(features, 4·units\) = \(5, 8\)"):
        kern.lstm_forward(np.zeros((4, 2, 5), np.float32), w, r, bias)
    with pytest.raises(TypeError, match="share one float dtype"):
        kern.lstm_forward(x.astype(np.float64), w, r, bias)
    with pytest.raises(ValueError, match=r"'mask' must have shape \(4, 2\)"):
        kern.lstm_forward(x, w, r, bias, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="only 0 and 1"):
        kern.lstm_forward(x, w, r, bias, mask=np.full((4, 2), 2))
    with pytest.raises(ValueError, match="bias must have shape \\(2, 6\\)"):
        kern.gru_forward(x, *_weights(rng, "gru_v1", 3, 2, np.float32))
    with pytest.raises(ValueError, match="activation must be one of"):
        kern.simple_rnn_forward(x, w[:, :2], r[:, :2], None, activation="softmax")
    with pytest.raises(ValueError, match="at least one time step"):
        kern.simple_rnn_forward(x[:0], w[:, :2], r[:, :2])


# -- embedding --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding_gather_and_scatter_add(kernels_of, backend_name, rng, dtype):
    kern = kernels_of(backend_name, ["recurrent"])
    E = rng.normal(size=(7, 3)).astype(dtype)
    idx = np.array([[1, 0, 6, 1], [5, 5, 5, 2]], dtype=np.int32)
    out = kern.embedding_forward(idx, E)
    assert out.shape == (2, 4, 3) and out.dtype == dtype
    np.testing.assert_array_equal(out[0, 2], E[6])
    g = rng.normal(size=out.shape).astype(dtype)
    dE = kern.embedding_backward(idx, g, 7)
    # word 5 appears three times: its row collects all three gradients
    np.testing.assert_allclose(dE[5], g[1, 0] + g[1, 1] + g[1, 2], rtol=1e-6)
    np.testing.assert_array_equal(dE[3], 0)
    ref = kernels_of("python", ["recurrent"])
    np.testing.assert_allclose(dE, ref.embedding_backward(idx, g, 7), rtol=1e-6)
    strided = np.arange(20, dtype=np.uint8).reshape(4, 5)[:, ::3] % 7
    np.testing.assert_array_equal(kern.embedding_forward(strided, E), E[strided])
    assert kern.embedding_forward(np.zeros((0, 3), int), E).shape == (0, 3, 3)


def test_embedding_refuses_bad_indices(kernels_of, backend_name):
    kern = kernels_of(backend_name, ["recurrent"])
    E = np.zeros((5, 2))
    with pytest.raises(TypeError, match="must hold integers"):
        kern.embedding_forward(np.array([1.0, 2.0]), E)
    with pytest.raises(ValueError, match=r"index 5 at position \(1, 0\) is outside \[0, 5\)"):
        kern.embedding_forward(np.array([[1, 2], [5, 0]]), E)
    with pytest.raises(ValueError, match=r"index -1 at position \(0,\)"):
        kern.embedding_forward(np.array([-1]), E)


# Rows wider than a vector register: the float32 activations and gate-gradient rows run a
# 16-wide (AVX-512) or 8-wide (AVX2) main loop plus a remainder, which the small SHAPES above
# never reach. 37 = 2·16 + 5 and 4·8 + 5; 16 is one AVX-512 register exactly.
WIDE_SHAPES = [(4, 5, 7, 37), (3, 2, 16, 16)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask_kind", ["none", "ragged"])
@pytest.mark.parametrize("shape", WIDE_SHAPES, ids=str)
@pytest.mark.parametrize("cell", ["lstm", "gru", "gru_v1"])
def test_wide_rows_take_the_vectorised_paths(kernels_of, rng, cell, shape, mask_kind, dtype):
    ref = kernels_of("python", ["recurrent"])
    cy = kernels_of("cython", ["recurrent"])
    x, w, r, bias, h0, c0, kw = _case(rng, cell, shape, dtype, mask_kind, dropout=False)
    h_ref, saved_ref = forward(ref, cell, x, w, r, bias, h0, c0, **kw)
    h_cy, saved_cy = forward(cy, cell, x, w, r, bias, h0, c0, **kw)
    for a, b in zip((h_cy,) + tuple(saved_cy), (h_ref,) + tuple(saved_ref)):
        np.testing.assert_allclose(a, b, **_tol(dtype))
    grad_h = rng.normal(size=h_ref.shape).astype(dtype)
    grad_c = rng.normal(size=h0.shape).astype(dtype)
    g_ref = backward(ref, cell, x, w, r, h0, c0, saved_ref, grad_h, grad_c, **kw)
    g_cy = backward(cy, cell, x, w, r, h0, c0, saved_cy, grad_h, grad_c, **kw)
    for a, b in zip(g_cy, g_ref):
        np.testing.assert_allclose(a, b, **_tol(dtype))


@pytest.mark.parametrize("activation,exact", [("tanh", np.tanh),
                                              ("sigmoid", lambda z: 1 / (1 + np.exp(-z)))])
def test_float32_activations_are_within_a_few_ulps(kernels_of, activation, exact):
    """With an identity kernel and no recurrence, a SimpleRNN step is φ(x) itself: the compiled
    float32 tanh / sigmoid (polynomial e^x, vector loops) against float64 NumPy, over tiny, ordinary
    and saturating inputs, including both sides of tanh's |x| < 0.01 switch."""
    cy = kernels_of("cython", ["recurrent"])
    z = np.concatenate([np.linspace(-30, 30, 3001), np.geomspace(1e-8, 0.02, 200),
                        -np.geomspace(1e-8, 0.02, 200), [0.0, 0.01, -0.01, 88.0, -88.0, 200.0]])
    u = 37
    z = np.concatenate([z, np.zeros(-len(z) % u)]).astype(np.float32)
    x = z.reshape(1, -1, u)                                   # one step, rows of 37
    eye = np.eye(u, dtype=np.float32)
    h = cy.simple_rnn_forward(x, eye, np.zeros((u, u), np.float32), np.zeros(u, np.float32),
                              activation=activation)
    want = exact(z.astype(np.float64)).reshape(h.shape)
    np.testing.assert_allclose(h, want, rtol=4e-7, atol=1e-7)


def test_backward_flushes_subnormals_and_restores_the_callers_mode(kernels_of, rng):
    """Gradients that shrink past 1.2e-38 over a long sequence are float32 subnormals, ~100×
    slower to multiply: the compiled backward flushes them to zero (the reference keeps them;
    they differ by less than 1.2e-38) and afterwards the caller's arithmetic makes subnormals
    again."""
    ref = kernels_of("python", ["recurrent"])
    cy = kernels_of("cython", ["recurrent"])
    t, b, f, u = 200, 3, 4, 6
    x = rng.normal(size=(t, b, f)).astype(np.float32)
    w, r, bias = _weights(rng, "gru", f, u, np.float32)
    r *= 0.2                                              # a contracting recurrence
    h0 = np.zeros((b, u), np.float32)
    h, gates = ref.gru_forward(x, w, r, bias, h0)
    grad_h = np.zeros_like(h)
    grad_h[-1] = 1.0                                      # only the last step's output counts
    dx_ref = ref.gru_backward(x, w, r, h0, h, gates, grad_h)[0]
    tiny = np.finfo(np.float32).tiny
    assert ((np.abs(dx_ref) < tiny) & (dx_ref != 0)).any(), "the case must produce subnormals"
    dx_cy = cy.gru_backward(x, w, r, h0, h, gates, grad_h)[0]
    assert not ((np.abs(dx_cy) < tiny) & (dx_cy != 0)).any()
    np.testing.assert_allclose(dx_cy, dx_ref, **_tol(np.float32))
    assert np.float32(1e-38) / np.float32(10) != 0        # the caller's mode is back
