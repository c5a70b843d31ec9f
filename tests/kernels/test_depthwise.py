"""Depthwise convolution kernels: compiled == NumPy twin == a full convolution with a
block-diagonal kernel, on random and awkward inputs."""
from __future__ import annotations

import numpy as np
import pytest

# (batch, height, width, channels, multiplier, kernel, strides, padding, dilation)
CASES = [
    (2, 7, 7, 3, 1, 3, 1, "valid", 1),
    (2, 7, 9, 3, 2, 3, 1, "same", 1),          # odd sizes, multiplier 2
    (1, 8, 8, 4, 1, 3, 2, "same", 1),          # stride 2, 'same' pads after
    (2, 9, 6, 2, 3, (2, 3), (2, 1), "valid", 1),
    (1, 9, 9, 2, 1, 3, 1, "same", 2),          # dilation: windows overlap with gaps
    (3, 1, 1, 5, 2, 1, 1, "valid", 1),         # 1x1 image, 1x1 kernel
    (2, 5, 5, 1, 1, 5, 1, "valid", 1),         # one channel, window = image
    (2, 4, 4, 3, 1, 3, 3, "same", 1),          # stride larger than the overlap
    (0, 5, 5, 3, 2, 3, 1, "same", 1),          # empty batch
]


def _tol(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)


def _block_diagonal(kernel):
    """The full-convolution kernel (kh, kw, C, C·M) that does the same work: zero except where
    output channel c·M + m reads input channel c."""
    kh, kw, c, m = kernel.shape
    full = np.zeros((kh, kw, c, c * m), dtype=kernel.dtype)
    for ch in range(c):
        full[:, :, ch, ch * m:(ch + 1) * m] = kernel[:, :, ch, :]
    return full


def _unpack(case):
    n, h, w, c, m, k, s, pad, d = case
    ks = k if isinstance(k, tuple) else (k, k)
    return (n, h, w, c), ks + (c, m), dict(strides=s, padding=pad, dilation=d)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_forward_and_backward_match_a_block_diagonal_convolution(kernels_of, backend_name, rng,
                                                                 case, dtype):
    kern = kernels_of(backend_name, ["depthwise"])
    conv = kernels_of("python", ["conv"])
    x_shape, k_shape, geo = _unpack(case)
    x = rng.normal(size=x_shape).astype(dtype)
    kernel = rng.normal(size=k_shape).astype(dtype)
    bias = rng.normal(size=k_shape[2] * k_shape[3]).astype(dtype)
    full = _block_diagonal(kernel)
    y = kern.depthwise_conv2d_forward(x, kernel, bias, **geo)
    want = conv.conv2d_forward(x, full, bias, **geo)
    assert y.shape == want.shape and y.dtype == dtype
    np.testing.assert_allclose(y, want, **_tol(dtype))
    g = rng.normal(size=y.shape).astype(dtype)
    dx, dk, db = kern.depthwise_conv2d_backward(x, kernel, g, **geo)
    dx_full, dk_full, db_full = conv.conv2d_backward(x, full, g, **geo)
    np.testing.assert_allclose(dx, dx_full, **_tol(dtype))
    np.testing.assert_allclose(_block_diagonal(dk), dk_full * (_block_diagonal(np.ones_like(kernel))),
                               **_tol(dtype))
    np.testing.assert_allclose(db, db_full, **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_compiled_equals_twin(kernels_of, rng, case, dtype):
    ref, cy = kernels_of("python", ["depthwise"]), kernels_of("cython", ["depthwise"])
    x_shape, k_shape, geo = _unpack(case)
    x = rng.normal(size=x_shape).astype(dtype)
    kernel = rng.normal(size=k_shape).astype(dtype)
    np.testing.assert_allclose(cy.depthwise_conv2d_forward(x, kernel, **geo),
                               ref.depthwise_conv2d_forward(x, kernel, **geo), **_tol(dtype))
    g = rng.normal(size=ref.depthwise_conv2d_forward(x, kernel, **geo).shape).astype(dtype)
    for a, b in zip(cy.depthwise_conv2d_backward(x, kernel, g, **geo),
                    ref.depthwise_conv2d_backward(x, kernel, g, **geo)):
        np.testing.assert_allclose(a, b, **_tol(dtype))
    dx, dk, db = cy.depthwise_conv2d_backward(x, kernel, g, need_input_grad=False,
                                              need_bias_grad=False, **geo)
    assert dx is None and db is None and dk.shape == kernel.shape


def test_non_contiguous_and_aliased_inputs(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["depthwise"])
    big = rng.normal(size=(4, 12, 10, 6))
    x = big[::2, 1::2, ::2, ::2]                                 # (2, 6, 5, 3), strided view
    kernel = np.asfortranarray(rng.normal(size=(3, 3, 3, 1)))
    y = kern.depthwise_conv2d_forward(x, kernel, padding="same")
    np.testing.assert_array_equal(
        y, kern.depthwise_conv2d_forward(np.ascontiguousarray(x), np.ascontiguousarray(kernel),
                                         padding="same"))
    # the output gradient may be the very array passed as x (same shape with 'same', M = 1)
    xc = np.ascontiguousarray(x)
    a = kern.depthwise_conv2d_backward(xc, kernel, xc, padding="same")
    b = kern.depthwise_conv2d_backward(xc, kernel, xc.copy(), padding="same")
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_worked_example_one_channel(kernels_of, backend_name):
    """A 3x3 image 1..9 and a 2x2 kernel [[1, 0], [0, −1]]: each output is top-left minus
    bottom-right of its window, −4 everywhere (1−5, 2−6, 4−8, 5−9)."""
    kern = kernels_of(backend_name, ["depthwise"])
    x = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    k = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    np.testing.assert_array_equal(kern.depthwise_conv2d_forward(x, k)[0, :, :, 0], [[-4, -4], [-4, -4]])


BAD = [
    (lambda k: k.depthwise_conv2d_forward(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 1))),
     ValueError, r"kernel expects 2 input channels .* but x has 3"),
    (lambda k: k.depthwise_conv2d_forward(np.zeros((1, 5, 5)), np.zeros((3, 3, 1, 1))),
     ValueError, r"'x' must be 4-D"),
    (lambda k: k.depthwise_conv2d_forward(np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 2, 2)), np.zeros(2)),
     ValueError, r"bias must have shape \(4,\)"),
    (lambda k: k.depthwise_conv2d_forward(np.zeros((1, 2, 2, 1)), np.zeros((3, 3, 1, 1))),
     ValueError, r"window spans 3 pixels"),
    (lambda k: k.depthwise_conv2d_forward(np.zeros((1, 5, 5, 1), np.float32), np.zeros((3, 3, 1, 1))),
     TypeError, r"share one float dtype"),
    (lambda k: k.depthwise_conv2d_backward(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)),
                                           np.zeros((1, 5, 5, 1))),
     ValueError, r"grad_output must have the forward output's shape \(1, 3, 3, 1\)"),
    (lambda k: k.depthwise_conv2d_forward(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), strides=0),
     ValueError, r"strides must be >= 1"),
]


@pytest.mark.parametrize("call,error,message", BAD)
def test_bad_arguments_same_message_on_both_backends(kernels_of, backend_name, call, error, message):
    kern = kernels_of(backend_name, ["depthwise"])
    with pytest.raises(error, match=message):
        call(kern)
