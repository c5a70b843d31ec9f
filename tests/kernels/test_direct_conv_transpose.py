"""The compiled transposed convolution's direct paths (csrc/direct_conv.h, float32): the forward
pass as sh·sw phase convolutions (16 or more filters) and the backward pass as a strided
convolution of dL/dy plus its kernel gradient (16 or more input channels) — against the NumPy
twin in float64 (pynet/kernels/reference/conv_transpose.py, itself tested against hand-worked
stamps and PyTorch), against the same module's GEMM + col2im path, and across thread counts.

Each case is checked to have taken the direct path where the CPU has AVX-512F
(``_c_conv_transpose._direct_calls()``).
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet.kernels.reference import conv_transpose as twin

from .test_direct_conv import _took, awkward_views, same_for_any_threads


@pytest.fixture(scope="module")
def convt(kernels_of):
    kernels_of("cython", ["conv_transpose"])      # skips (or fails under CI) when not built
    from pynet.kernels import _c_conv_transpose
    # Without AVX-512F (DIRECT False) every case below still runs, on the GEMM path, and
    # _took() expects no direct passes.
    previous = _c_conv_transpose._use_direct(True)
    yield _c_conv_transpose
    _c_conv_transpose._use_direct(previous)


# (batch, height, width, in_channels, kh, kw, filters, strides, padding, output_padding)
CASES = [
    (2, 14, 14, 32, 4, 4, 32, 2, "same", None),        # the lesson's GAN generator
    (3, 5, 5, 16, 3, 3, 16, 2, "same", None),          # odd kernel, stride 2
    (2, 4, 4, 17, 4, 4, 20, 2, "same", None),          # 17 channels, 20 filters (masked lanes)
    (2, 5, 6, 16, 3, 3, 16, 1, "valid", None),         # stride 1
    (2, 6, 5, 33, 5, 5, 16, 3, "valid", None),         # stride 3, 33 channels (packed dz)
    (1, 1, 1, 16, 3, 3, 16, 2, "same", None),          # a 1×1 image
    (2, 3, 3, 70, 4, 4, 40, 2, "same", None),          # 70 channels, 40 = 32 + 8 filters
    (2, 4, 4, 16, 1, 1, 16, 2, "valid", None),         # 1×1 kernel, stride 2: outputs with no tap
    (2, 3, 4, 16, 2, 2, 33, 3, "same", None),          # stride larger than the kernel
    (2, 5, 5, 16, 3, 3, 16, 2, "same", 1),             # output_padding
    (2, 7, 6, 20, 5, 3, 17, (2, 3), "valid", (1, 0)),  # per-axis strides, non-square kernel
]
TOL = dict(rtol=2e-5, atol=2e-5)


def _data(rng, case):
    n, h, w, c, kh, kw, f, s, pad, op = case
    x = rng.normal(size=(n, h, w, c)).astype(np.float32)
    k = (rng.normal(size=(kh, kw, f, c)) / np.sqrt(kh * kw * c)).astype(np.float32)
    b = rng.normal(size=f).astype(np.float32)
    return x, k, b, dict(strides=s, padding=pad, output_padding=op)


def _f64(*arrays):
    return [a.astype(np.float64) for a in arrays]


def _close(got, want):
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * scale)


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_direct_matches_twin_and_gemm(convt, rng, case):
    x, k, b, geo = _data(rng, case)
    c, f = x.shape[3], k.shape[2]
    calls = convt._direct_calls()
    y = convt.conv2d_transpose_forward(x, k, b, **geo)
    _took(convt, calls, 1 if f >= 16 else 0)
    assert y.dtype == np.float32 and y.flags.c_contiguous
    _close(y, twin.conv2d_transpose_forward(*_f64(x, k, b), **geo))
    y0 = convt.conv2d_transpose_forward(x, k, None, **geo)
    _close(y0 + b, twin.conv2d_transpose_forward(*_f64(x, k, b), **geo))
    g = rng.normal(size=y.shape).astype(np.float32)
    calls = convt._direct_calls()
    gi, gk, gb = convt.conv2d_transpose_backward(x, k, g, **geo)
    _took(convt, calls, 1 if c >= 16 else 0)
    wi, wk, wb = twin.conv2d_transpose_backward(*_f64(x, k, g), **geo)
    _close(gi, wi)
    _close(gk, wk)
    _close(gb, wb)
    # the GEMM + col2im path of the same module agrees
    convt._use_direct(False)
    try:
        calls = convt._direct_calls()
        y2 = convt.conv2d_transpose_forward(x, k, b, **geo)
        gi2, gk2, gb2 = convt.conv2d_transpose_backward(x, k, g, **geo)
        _took(convt, calls, 0)
    finally:
        convt._use_direct(True)
    for a, e in ((y, y2), (gi, gi2), (gk, gk2), (gb, gb2)):
        _close(a, e)
    # only the kernel gradient: the same numbers
    none_i, gk3, _ = convt.conv2d_transpose_backward(x, k, g, need_input_grad=False, **geo)
    assert none_i is None
    np.testing.assert_array_equal(gk3, gk)


@pytest.mark.parametrize("case", [CASES[0], CASES[6], CASES[10]], ids=["gan", "wide", "odd"])
def test_direct_numbers_do_not_depend_on_threads(convt, rng, case):
    x, k, b, geo = _data(rng, case)
    x = np.concatenate([x] * 3)

    def run(threads):
        y = convt.conv2d_transpose_forward(x, k, b, threads=threads, **geo)
        g = np.random.default_rng(1).normal(size=y.shape).astype(np.float32)
        return (y,) + convt.conv2d_transpose_backward(x, k, g, threads=threads, **geo)
    same_for_any_threads(run)


def test_direct_on_views_and_empty(convt, rng):
    x, k, xc, kc = awkward_views(rng, (4, 5, 12, 40), (4, 4, 24, 20))   # x (2, 5, 12, 20)
    calls = convt._direct_calls()
    y = convt.conv2d_transpose_forward(x, k, strides=2, padding="same")
    _close(y, twin.conv2d_transpose_forward(*_f64(xc, kc), strides=2, padding="same"))
    g = rng.normal(size=y.shape).astype(np.float32)[:, ::-1]
    gi, gk, _ = convt.conv2d_transpose_backward(x, k, g, strides=2, padding="same")
    wi, wk, _ = twin.conv2d_transpose_backward(*_f64(xc, kc, np.ascontiguousarray(g)), strides=2,
                                               padding="same")
    _close(gi, wi)
    _close(gk, wk)
    _took(convt, calls, 2)
    y0 = convt.conv2d_transpose_forward(np.zeros((0, 5, 5, 20), np.float32), kc, strides=2,
                                        padding="same")
    assert y0.shape == (0, 10, 10, 24)
    gi0, gk0, gb0 = convt.conv2d_transpose_backward(np.zeros((0, 5, 5, 20), np.float32), kc, y0,
                                                    strides=2, padding="same")
    assert gi0.shape == (0, 5, 5, 20) and not gk0.any() and not gb0.any()


def test_direct_keeps_a_nan(convt, rng):
    x, k, b, geo = _data(rng, CASES[1])                     # 5×5 → 10×10, 3×3 kernel, stride 2
    x[0, 2, 2, 3] = np.nan
    y = convt.conv2d_transpose_forward(x, k, b, **geo)
    bad = np.isnan(y[0, :, :, 0])
    # the NaN pixel's stamp: output rows/columns 2·2 + (0, 1, 2) ('same' pads 0 before and 1
    # after here: 4·2 + 3 − 10 = 1), and nowhere else
    assert bad[4:7, 4:7].all() and bad.sum() == 9 and not np.isnan(y[1:]).any()
    np.testing.assert_array_equal(np.isnan(y), np.isnan(
        twin.conv2d_transpose_forward(*_f64(x, k, b), **geo)))
    g = rng.normal(size=y.shape).astype(np.float32)
    g[1, 4, 4, 0] = np.nan
    gi, gk, gb = convt.conv2d_transpose_backward(np.nan_to_num(x), k, g, **geo)
    assert np.isnan(gb[0]) and not np.isnan(gb[1:]).any()
    assert np.isnan(gk[:, :, 0]).any() and not np.isnan(gk[:, :, 1:]).any()
    assert np.isnan(gi[1]).any() and not np.isnan(gi[0]).any()


def test_float64_and_few_filters_take_the_gemm_path(convt, rng):
    x, k, b, geo = _data(rng, CASES[0])
    calls = convt._direct_calls()
    convt.conv2d_transpose_forward(*_f64(x, k, b), **geo)
    convt.conv2d_transpose_backward(*_f64(x, k, np.zeros((2, 28, 28, 32), np.float32)), **geo)
    convt.conv2d_transpose_forward(x, k[:, :, :15], b[:15], **geo)          # 15 filters
    convt.conv2d_transpose_backward(x[..., :15], k[..., :15],
                                    np.zeros((2, 28, 28, 32), np.float32), **geo)  # 15 channels
    _took(convt, calls, 0)
    assert convt._use_direct(False) is convt.DIRECT and convt._use_direct(True) is False
