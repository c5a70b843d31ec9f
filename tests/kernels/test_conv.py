"""Convolution kernels: compiled == reference == the textbook loops, on awkward shapes.

Every case below is a worked example of the shape rules (Keras's): 'valid' keeps only windows
that fit, ⌊(n − k_eff)/s⌋ + 1 of them; 'same' keeps ⌈n/s⌉ and pads with zeros, the odd pixel of
padding going after the image.
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet.kernels.loops import conv as loops

# (batch, height, width, channels, kh, kw, filters, strides, padding, dilation)
CASES = [
    (2, 7, 6, 3, 3, 3, 4, 1, "valid", 1),
    (1, 7, 6, 3, 3, 3, 4, 1, "same", 1),            # batch 1
    (2, 9, 7, 2, 3, 2, 3, 2, "valid", 1),           # non-square kernel, stride 2, odd sizes
    (2, 9, 7, 2, 2, 3, 3, 2, "same", 1),            # even kernel: asymmetric 'same' padding
    (3, 10, 11, 1, 5, 5, 2, 3, "same", 1),          # stride 3
    (2, 8, 8, 3, 1, 1, 5, 1, "valid", 1),           # 1x1 kernel (the plain GEMM path)
    (2, 8, 9, 3, 1, 1, 5, 2, "same", 1),            # 1x1 kernel with stride
    (2, 11, 10, 2, 3, 3, 2, 1, "valid", 2),         # dilation 2
    (2, 11, 10, 2, 3, 2, 2, (2, 1), "same", (2, 3)),  # per-axis strides and dilation
    (1, 5, 5, 4, 5, 5, 3, 1, "valid", 1),           # kernel as large as the image: 1x1 output
    (2, 3, 4, 2, 3, 3, 2, 3, "same", 1),            # stride larger than the image's width half
    # stride 1 and 2·filters ≤ channels: the compiled kernels' "narrow" path (GEMM over the
    # input pixels, then each tap added onto its output), as the GAN's 32 → 1 image layer
    (2, 7, 6, 5, 3, 3, 2, 1, "same", 1),
    (2, 8, 7, 4, 2, 3, 1, 1, "same", 1),            # even kernel: asymmetric padding; 1 filter
    (1, 9, 8, 6, 3, 2, 3, 1, "valid", (2, 3)),      # dilation, 'valid'
    (2, 4, 3, 4, 5, 5, 1, 1, "same", 1),            # kernel larger than the image
    (1, 5, 5, 4, 5, 5, 2, 1, "valid", 1),           # kernel as large as the image
]


def _data(rng, case, dtype):
    n, h, w, c, kh, kw, f, s, pad, d = case
    x = rng.normal(size=(n, h, w, c)).astype(dtype)
    k = rng.normal(size=(kh, kw, c, f)).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    return x, k, b, dict(strides=s, padding=pad, dilation=d)


def _tol(dtype):
    return dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_forward_matches_loops(kernels_of, backend_name, rng, case, dtype):
    kern = kernels_of(backend_name, ["conv"])
    x, k, b, geo = _data(rng, case, dtype)
    y = kern.conv2d_forward(x, k, b, **geo)
    assert y.dtype == dtype and y.flags.c_contiguous
    np.testing.assert_allclose(y, loops.conv2d(x, k, b, **geo), **_tol(dtype))
    # without bias: exactly the biased result minus the bias
    y0 = kern.conv2d_forward(x, k, None, **geo)
    np.testing.assert_allclose(y0 + b, y, **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_backward_matches_loops(kernels_of, backend_name, rng, case, dtype):
    kern = kernels_of(backend_name, ["conv"])
    x, k, b, geo = _data(rng, case, dtype)
    y = kern.conv2d_forward(x, k, b, **geo)
    g = rng.normal(size=y.shape).astype(dtype)
    gi, gk, gb = kern.conv2d_backward(x, k, g, **geo)
    assert gi.dtype == gk.dtype == gb.dtype == dtype
    np.testing.assert_allclose(gk, loops.conv2d_grad_kernel(x, g, k.shape, **geo), **_tol(dtype))
    np.testing.assert_allclose(gi, loops.conv2d_grad_input(g, k, x.shape, **geo), **_tol(dtype))
    np.testing.assert_allclose(gb, g.sum(axis=(0, 1, 2)), **_tol(dtype))
    gi2, gk2, gb2 = kern.conv2d_backward(x, k, g, need_input_grad=False, need_bias_grad=False,
                                         **geo)
    assert gi2 is None and gb2 is None
    np.testing.assert_array_equal(gk2, gk)


def test_backends_agree_on_a_convnet_sized_batch(kernels_of, rng):
    """The middle layer of Chollet's MNIST convnet: 13x13x32 -> 11x11x64, batch 37 (so the
    compiled kernel's chunks do not divide the batch evenly)."""
    ref = kernels_of("python", ["conv"])
    cy = kernels_of("cython", ["conv"])
    x = rng.normal(size=(37, 13, 13, 32)).astype(np.float32)
    k = (0.1 * rng.normal(size=(3, 3, 32, 64))).astype(np.float32)
    b = rng.normal(size=64).astype(np.float32)
    np.testing.assert_allclose(cy.conv2d_forward(x, k, b), ref.conv2d_forward(x, k, b),
                               rtol=1e-4, atol=1e-4)
    g = rng.normal(size=(37, 11, 11, 64)).astype(np.float32)
    for a, r in zip(cy.conv2d_backward(x, k, g), ref.conv2d_backward(x, k, g)):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=2e-3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("filters", [30, 7, 1], ids=["im2col", "narrow", "narrow1"])
@pytest.mark.parametrize("geo", [dict(padding="same"), dict(strides=2, padding="valid"),
                                 dict(strides=(1, 3), padding="same", dilation=(2, 1)),
                                 dict(padding="valid", dilation=(1, 2))],
                         ids=["same", "stride2", "strided-dilated", "dilated"])
def test_backends_agree_when_one_image_spans_several_chunks(kernels_of, rng, geo, filters,
                                                            dtype):
    """A 5×5×48 window makes 1,200 numbers per output pixel, so the compiled kernels' im2col
    chunks hold 256 output pixels (their minimum): every image of 23×26 is cut into several
    chunks, at places that are not row or image boundaries (the GAN generator's shape). With
    stride 1 and 7 or 1 filters the compiled kernels take the narrow path, whose chunks of
    1,497 (7 filters) input pixels also end inside images."""
    ref = kernels_of("python", ["conv"])
    cy = kernels_of("cython", ["conv"])
    x = rng.normal(size=(3, 23, 26, 48)).astype(dtype)
    k = (0.1 * rng.normal(size=(5, 5, 48, filters))).astype(dtype)
    b = rng.normal(size=filters).astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    y = cy.conv2d_forward(x, k, b, **geo)
    np.testing.assert_allclose(y, ref.conv2d_forward(x, k, b, **geo), **tol)
    np.testing.assert_allclose(cy.conv2d_forward(x, k, b, activation="relu", **geo),
                               np.maximum(y, 0), **tol)
    g = rng.normal(size=y.shape).astype(dtype)
    for a, r in zip(cy.conv2d_backward(x, k, g, **geo), ref.conv2d_backward(x, k, g, **geo)):
        np.testing.assert_allclose(a, r, rtol=tol["rtol"], atol=20 * tol["atol"])
    cols = cy.im2col(x, (5, 5), **geo)
    np.testing.assert_array_equal(cols, ref.im2col(x, (5, 5), **geo))
    np.testing.assert_allclose(cy.col2im(cols, x.shape, (5, 5), **geo),
                               ref.col2im(cols, x.shape, (5, 5), **geo), **tol)


def test_non_contiguous_inputs(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["conv"])
    big = rng.normal(size=(4, 9, 10, 6))
    x = big[::2, :, ::-1, ::2]                      # strided, reversed, every other channel
    k = np.asfortranarray(rng.normal(size=(3, 2, 3, 4)))
    assert not x.flags.c_contiguous
    want = loops.conv2d(np.ascontiguousarray(x), np.ascontiguousarray(k), strides=2, padding="same")
    np.testing.assert_allclose(kern.conv2d_forward(x, k, strides=2, padding="same"), want,
                               rtol=1e-10, atol=1e-10)
    g = rng.normal(size=want.shape)[:, ::-1]        # a reversed gradient view
    gi, gk, _ = kern.conv2d_backward(x, k, g, strides=2, padding="same")
    np.testing.assert_allclose(gk, loops.conv2d_grad_kernel(np.ascontiguousarray(x), g, k.shape,
                                                            strides=2, padding="same"),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_narrow_path_awkward_inputs(kernels_of, backend_name, rng, dtype):
    """Stride 1, filters ≤ channels / 2 (the compiled narrow path): non-contiguous views, a 1×1
    image under a 3×3 'same' window, an empty batch — all equal to the textbook loops."""
    kern = kernels_of(backend_name, ["conv"])
    tol = _tol(dtype)
    big = rng.normal(size=(4, 9, 10, 12)).astype(dtype)
    x = big[::2, :, ::-1, ::2]                            # (2, 9, 10, 6), strided and reversed
    k = np.asfortranarray(rng.normal(size=(3, 2, 6, 2)).astype(dtype))
    b = rng.normal(size=2).astype(dtype)
    xc, kc = np.ascontiguousarray(x), np.ascontiguousarray(k)
    want = loops.conv2d(xc, kc, b, padding="same")
    np.testing.assert_allclose(kern.conv2d_forward(x, k, b, padding="same"), want, **tol)
    g = rng.normal(size=want.shape).astype(dtype)[:, ::-1]
    gi, gk, gb = kern.conv2d_backward(x, k, g, padding="same")
    np.testing.assert_allclose(gi, loops.conv2d_grad_input(g, kc, x.shape, padding="same"), **tol)
    np.testing.assert_allclose(gk, loops.conv2d_grad_kernel(xc, g, k.shape, padding="same"), **tol)
    np.testing.assert_allclose(gb, g.sum(axis=(0, 1, 2)), **tol)
    # a 1×1 image: only the window's centre tap touches it
    x1 = rng.normal(size=(3, 1, 1, 4)).astype(dtype)
    k1 = rng.normal(size=(3, 3, 4, 1)).astype(dtype)
    y1 = kern.conv2d_forward(x1, k1, None, padding="same")
    np.testing.assert_allclose(y1[:, 0, 0, 0], x1[:, 0, 0, :] @ k1[1, 1, :, 0], **tol)
    g1 = rng.normal(size=y1.shape).astype(dtype)
    gi1, gk1, _ = kern.conv2d_backward(x1, k1, g1, padding="same")
    np.testing.assert_allclose(gi1[:, 0, 0, :], g1[:, 0, 0, :] * k1[1, 1, :, 0], **tol)
    assert not gk1[0].any() and not gk1[:, 0].any()       # off-centre taps see only padding
    # an empty batch
    y0 = kern.conv2d_forward(np.zeros((0, 5, 5, 4), dtype), k1, None, padding="same")
    assert y0.shape == (0, 5, 5, 1)
    gi0, gk0, gb0 = kern.conv2d_backward(np.zeros((0, 5, 5, 4), dtype), k1, y0, padding="same")
    assert gi0.shape == (0, 5, 5, 4) and not gk0.any() and not gb0.any()


def test_out_argument(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["conv"])
    x = rng.normal(size=(2, 6, 6, 2))
    k = rng.normal(size=(3, 3, 2, 3))
    out = np.full((2, 4, 4, 3), np.nan)
    res = kern.conv2d_forward(x, k, out=out)
    assert res is out
    np.testing.assert_allclose(out, loops.conv2d(x, k), rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match=r"must have shape \(2, 4, 4, 3\)"):
        kern.conv2d_forward(x, k, out=np.empty((2, 6, 6, 3)))


@pytest.mark.parametrize("case", CASES[:6], ids=[str(c) for c in CASES[:6]])
def test_im2col_col2im(kernels_of, backend_name, rng, case):
    """im2col @ kernel is the convolution; col2im is im2col's adjoint:
    <im2col(x), C> == <x, col2im(C)> for any x and C."""
    kern = kernels_of(backend_name, ["conv"])
    x, k, _, geo = _data(rng, case, np.float64)
    cols = kern.im2col(x, k.shape[:2], **geo)
    y = (cols @ k.reshape(-1, k.shape[3])).reshape(loops.conv2d(x, k, **geo).shape)
    np.testing.assert_allclose(y, loops.conv2d(x, k, **geo), rtol=1e-10, atol=1e-10)
    c = rng.normal(size=cols.shape)
    back = kern.col2im(c, x.shape, k.shape[:2], **geo)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.vdot(cols, c), np.vdot(x, back), rtol=1e-10)


def test_compiled_and_reference_im2col_identical(kernels_of, rng):
    ref = kernels_of("python", ["conv"])
    cy = kernels_of("cython", ["conv"])
    x = rng.normal(size=(3, 8, 7, 2))
    for geo in [dict(strides=2, padding="same", dilation=1), dict(strides=1, padding="valid",
                                                                   dilation=2)]:
        a, b = cy.im2col(x, (3, 2), **geo), ref.im2col(x, (3, 2), **geo)
        np.testing.assert_array_equal(a, b)   # a copy of the same numbers: bit-identical


def test_cross_correlation_not_flipped(kernels_of, backend_name):
    """A kernel with one 1 at its top-left tap picks the pixel at the window's top-left:
    a mathematician's convolution (which flips the kernel) would pick the bottom-right."""
    kern = kernels_of(backend_name, ["conv"])
    x = np.arange(16, dtype=np.float64).reshape(1, 4, 4, 1)
    k = np.zeros((3, 3, 1, 1))
    k[0, 0, 0, 0] = 1.0
    y = kern.conv2d_forward(x, k)
    np.testing.assert_array_equal(y[0, :, :, 0], [[0, 1], [4, 5]])


# -- bad input: clear messages, identical in both backends ------------------------------------

BAD = [
    (lambda x, k: dict(x=x[:, :2, :2], kernel=k), ValueError,
     r"window spans 3 pixels along height but the input has only 2 with padding='valid'"),
    (lambda x, k: dict(x=x, kernel=k[:, :, :1]), ValueError,
     r"kernel expects 1 input channels .* but x has 2"),
    (lambda x, k: dict(x=x, kernel=k, strides=0), ValueError, r"strides must be >= 1, got 0"),
    (lambda x, k: dict(x=x, kernel=k, strides=1.5), TypeError,
     r"strides must be an int or a pair of ints, got 1.5"),
    (lambda x, k: dict(x=x, kernel=k, strides=(1, 2, 3)), ValueError, r"strides must be"),
    (lambda x, k: dict(x=x[..., 0], kernel=k), ValueError,
     r"'x' must be 4-D \(batch, height, width, channels\), got float64 array of shape "
     r"\(2, 6, 6\) — .* x\[\.\.\., None\] to get \(2, 6, 6, 1\)"),
    (lambda x, k: dict(x=x, kernel=k, padding="full"), ValueError,
     r"padding must be 'valid' or 'same', got 'full'"),
    (lambda x, k: dict(x=x.astype(np.float32), kernel=k), TypeError,
     r"must share one float dtype, got x=float32, kernel=float64"),
    (lambda x, k: dict(x=(x * 255).astype(np.uint8), kernel=k), TypeError, r"float32 or float64"),
    (lambda x, k: dict(x=x, kernel=k, bias=np.zeros(5)), ValueError,
     r"bias must have shape \(4,\)"),
]


@pytest.mark.parametrize("make,exc,pattern", BAD)
def test_bad_input(kernels_of, backend_name, make, exc, pattern):
    kern = kernels_of(backend_name, ["conv"])
    x = np.ones((2, 6, 6, 2))
    k = np.ones((3, 3, 2, 4))
    with pytest.raises(exc, match=pattern):
        kern.conv2d_forward(**make(x, k))


def test_backward_checks_grad_shape(kernels_of, backend_name):
    kern = kernels_of(backend_name, ["conv"])
    x, k = np.ones((2, 6, 6, 2)), np.ones((3, 3, 2, 4))
    with pytest.raises(ValueError, match=r"grad_output must have the forward output's shape "
                                         r"\(2, 4, 4, 4\), got \(2, 6, 6, 4\)"):
        kern.conv2d_backward(x, k, np.ones((2, 6, 6, 4)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES[:6] + CASES[11:14], ids=[str(c) for c in CASES[:6] + CASES[11:14]])
def test_fused_relu(kernels_of, backend_name, rng, case, dtype):
    """activation='relu' == max(0, the linear result); backward masks the gradient with
    [output > 0] before the products (the derivative read from the output, as Dense does)."""
    kern = kernels_of(backend_name, ["conv"])
    x, k, b, geo = _data(rng, case, dtype)
    z = kern.conv2d_forward(x, k, b, **geo)
    y = kern.conv2d_forward(x, k, b, activation="relu", **geo)
    np.testing.assert_array_equal(y, np.maximum(z, 0))
    assert (y == 0).any() and (y > 0).any()          # both sides of the kink are exercised
    g = rng.normal(size=y.shape).astype(dtype)
    fused = kern.conv2d_backward(x, k, g, activation="relu", output=y, **geo)
    plain = kern.conv2d_backward(x, k, g * (y > 0), **geo)
    for a, p in zip(fused, plain):
        np.testing.assert_array_equal(a, p)


def test_fused_relu_bad_input(kernels_of, backend_name):
    kern = kernels_of(backend_name, ["conv"])
    x, k = np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 2))
    with pytest.raises(ValueError, match=r"activation must be 'linear' or 'relu' .* got 'tanh'"):
        kern.conv2d_forward(x, k, activation="tanh")
    with pytest.raises(ValueError, match=r"activation='relu' needs output="):
        kern.conv2d_backward(x, k, np.ones((1, 3, 3, 2)), activation="relu")
    with pytest.raises(ValueError, match=r"output must be the forward result"):
        kern.conv2d_backward(x, k, np.ones((1, 3, 3, 2)), activation="relu",
                             output=np.ones((1, 3, 3, 1)))
