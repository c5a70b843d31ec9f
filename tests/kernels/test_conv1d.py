"""Conv1D kernels: compiled == reference == the textbook loop == PyTorch, on awkward inputs.

Worked shape rules (Keras's): 'valid' gives ⌊(L − k_eff)/s⌋ + 1 outputs; 'same' and 'causal'
give ⌈L/s⌉; 'causal' puts all k_eff − 1 zeros in front, so output t never sees input t + 1.
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet.kernels._checks.conv1d import output_length_1d

# (batch, steps, channels, k, filters, stride, padding, dilation)
CASES = [
    (2, 9, 3, 3, 4, 1, "valid", 1),
    (1, 9, 3, 3, 4, 1, "same", 1),            # batch 1
    (2, 9, 3, 3, 4, 1, "causal", 1),
    (2, 11, 2, 4, 3, 2, "valid", 1),          # even kernel, stride 2, odd length
    (2, 11, 2, 4, 3, 2, "same", 1),           # asymmetric 'same' padding
    (2, 11, 2, 3, 3, 3, "causal", 1),         # causal with stride
    (3, 13, 2, 3, 2, 1, "causal", 4),         # dilated causal (WaveNet)
    (2, 13, 2, 3, 2, 1, "same", 3),           # dilated same
    (2, 13, 2, 2, 2, 1, "valid", 5),          # dilated valid
    (2, 8, 5, 1, 3, 1, "valid", 1),           # 1-step kernel: the plain GEMM path
    (2, 8, 5, 1, 3, 2, "same", 1),            # 1-step kernel with stride
    (1, 5, 1, 5, 1, 1, "valid", 1),           # 1 channel, 1 filter, window = sequence: 1 output
    (2, 3, 2, 7, 2, 1, "causal", 1),          # window longer than the sequence (causal)
    (2, 40, 33, 7, 8, 1, "valid", 1),         # window rows >= 32 numbers: the memcpy path
]


def loop_conv1d(x, k, b, stride, padding, dilation):
    """The definition, one multiply-add at a time."""
    n, steps, c = x.shape
    ks, _, f = k.shape
    out_len, before, _ = output_length_1d(steps, ks, stride, dilation, padding)
    y = np.zeros((n, out_len, f))
    for i in range(n):
        for t in range(out_len):
            for p in range(ks):
                r = t * stride - before + p * dilation
                if 0 <= r < steps:
                    y[i, t] += x[i, r] @ k[p]
    return y + b


def _data(rng, case, dtype):
    n, steps, c, ks, f, s, pad, d = case
    x = rng.normal(size=(n, steps, c)).astype(dtype)
    k = rng.normal(size=(ks, c, f)).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    return x, k, b, dict(strides=s, padding=pad, dilation=d)


def _tol(dtype):
    return dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_forward_matches_the_loop(kernels_of, backend_name, rng, case, dtype):
    kern = kernels_of(backend_name, ["conv1d"])
    x, k, b, geo = _data(rng, case, dtype)
    y = kern.conv1d_forward(x, k, b, **geo)
    assert y.dtype == dtype and y.flags.c_contiguous
    np.testing.assert_allclose(y, loop_conv1d(x, k, b, geo["strides"], geo["padding"],
                                              geo["dilation"]), **_tol(dtype))
    relu = kern.conv1d_forward(x, k, b, activation="relu", **geo)
    np.testing.assert_allclose(relu, np.maximum(y, 0), **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_backward_is_the_adjoint_and_the_backends_agree(kernels_of, rng, case, dtype):
    """<dY, conv(X)> is linear in X and K: its gradients are dY's adjoints; both backends agree."""
    ref, cy = kernels_of("python", ["conv1d"]), kernels_of("cython", ["conv1d"])
    x, k, b, geo = _data(rng, case, dtype)
    y = ref.conv1d_forward(x, k, b, **geo)
    g = rng.normal(size=y.shape).astype(dtype)
    gi, gk, gb = ref.conv1d_backward(x, k, g, **geo)
    # adjoint identities: <g, conv(x, k)> = <gi, x> = <gk, k>   (no bias)
    lhs = float(np.sum(g.astype(np.float64) * ref.conv1d_forward(x, k, None, **geo)))
    tol = 1e-3 if dtype == np.float32 else 1e-9
    assert np.sum(gi.astype(np.float64) * x) == pytest.approx(lhs, rel=tol, abs=tol)
    assert np.sum(gk.astype(np.float64) * k) == pytest.approx(lhs, rel=tol, abs=tol)
    np.testing.assert_allclose(gb, g.sum(axis=(0, 1)), **_tol(dtype))
    ci, ck, cb = cy.conv1d_backward(x, k, g, **geo)
    assert ci.dtype == ck.dtype == cb.dtype == dtype
    for ours, theirs in ((ci, gi), (ck, gk), (cb, gb)):
        np.testing.assert_allclose(ours, theirs, **_tol(dtype))
    relu_out = np.maximum(y, 0)
    for kern in (ref, cy):
        ri, rk, _ = kern.conv1d_backward(x, k, g, activation="relu", output=relu_out, **geo)
        pi, pk, _ = ref.conv1d_backward(x, k, g * (relu_out > 0), **geo)
        np.testing.assert_allclose(ri, pi, **_tol(dtype))
        np.testing.assert_allclose(rk, pk, **_tol(dtype))
        none_i, nk, none_b = kern.conv1d_backward(x, k, g, need_input_grad=False,
                                                  need_bias_grad=False, **geo)
        assert none_i is None and none_b is None
        np.testing.assert_allclose(nk, gk, **_tol(dtype))


def test_causal_output_never_sees_the_future(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["conv1d"])
    x = rng.normal(size=(1, 12, 2))
    k = rng.normal(size=(3, 2, 1))
    y = kern.conv1d_forward(x, k, strides=1, padding="causal", dilation=2)
    x2 = x.copy()
    x2[0, 7:] += 100.0                     # change the future from step 7 on
    y2 = kern.conv1d_forward(x2, k, strides=1, padding="causal", dilation=2)
    np.testing.assert_array_equal(y[0, :7], y2[0, :7])
    assert not np.allclose(y[0, 7:], y2[0, 7:])


def test_non_contiguous_and_empty_inputs(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["conv1d"])
    base = rng.normal(size=(4, 20, 6))
    x = base[::2, ::2, ::2]                # strided in every axis
    k = rng.normal(size=(3, 3, 2))
    np.testing.assert_allclose(kern.conv1d_forward(x, k), loop_conv1d(x, k, 0, 1, "valid", 1),
                               rtol=1e-10, atol=1e-10)
    empty_batch = kern.conv1d_forward(np.zeros((0, 10, 3)), k)
    assert empty_batch.shape == (0, 8, 2)
    gi, gk, gb = kern.conv1d_backward(np.zeros((0, 10, 3)), k, np.zeros((0, 8, 2)))
    assert gi.shape == (0, 10, 3) and not gk.any() and not gb.any()
    no_steps = kern.conv1d_forward(np.zeros((2, 0, 3)), k, padding="same")
    assert no_steps.shape == (2, 0, 2)
    no_channels = kern.conv1d_forward(np.zeros((2, 5, 0)), np.zeros((3, 0, 2)),
                                      np.array([1.0, -1.0]), padding="causal",
                                      activation="relu")
    assert no_channels.tolist() == [[[1.0, 0.0]] * 5] * 2


@pytest.mark.parametrize("call, message", [
    (lambda K: K.conv1d_forward(np.zeros((2, 5)), np.zeros((3, 1, 1))), "must be 3-D"),
    (lambda K: K.conv1d_forward(np.zeros((1, 5, 2)), np.zeros((3, 1, 1))), "kernel expects 1"),
    (lambda K: K.conv1d_forward(np.zeros((1, 2, 1)), np.zeros((3, 1, 1))), "spans 3 pixels"),
    (lambda K: K.conv1d_forward(np.zeros((1, 5, 1)), np.zeros((3, 1, 1)), padding="full"),
     "padding must be one of"),
    (lambda K: K.conv1d_forward(np.zeros((1, 5, 1)), np.zeros((3, 1, 1), np.float32)),
     "share one float dtype"),
    (lambda K: K.conv1d_forward(np.zeros((1, 5, 1), int), np.zeros((3, 1, 1))), "float32 or"),
    (lambda K: K.conv1d_forward(np.zeros((1, 5, 1)), np.zeros((3, 1, 1)), strides=0),
     "'strides' must be a positive integer, got 0"),
    (lambda K: K.conv1d_backward(np.zeros((1, 5, 1)), np.zeros((3, 1, 1)), np.zeros((1, 4, 1))),
     r"grad_output must have the forward output's shape \(1, 3, 1\)"),
])
def test_bad_arguments_raise_the_same_message_on_both_backends(kernels_of, call, message):
    for name in ("python", "cython"):
        with pytest.raises((ValueError, TypeError), match=message):
            call(kernels_of(name, ["conv1d"]))


@pytest.mark.parametrize("case", [c for c in CASES if c[6] != "causal"] + [
    (2, 11, 2, 3, 3, 1, "causal", 2), (2, 11, 2, 3, 3, 2, "causal", 1)])
def test_forward_matches_pytorch(require, kernels_of, backend_name, rng, case):
    torch = require("torch")
    kern = kernels_of(backend_name, ["conv1d"])
    x, k, b, geo = _data(rng, case, np.float64)
    s, pad, d = geo["strides"], geo["padding"], geo["dilation"]
    steps, ks = x.shape[1], k.shape[0]
    _, before, after = output_length_1d(steps, ks, s, d, pad)
    xt = torch.nn.functional.pad(torch.from_numpy(x).permute(0, 2, 1), (before, after))
    # PyTorch's weight is (filters, in_channels, k): Keras's (k, in, filters) transposed
    wt = torch.from_numpy(np.ascontiguousarray(k.transpose(2, 1, 0)))
    expected = torch.nn.functional.conv1d(xt, wt, torch.from_numpy(b), stride=s, dilation=d)
    np.testing.assert_allclose(kern.conv1d_forward(x, k, b, **geo),
                               expected.permute(0, 2, 1).numpy(), rtol=1e-10, atol=1e-10)
