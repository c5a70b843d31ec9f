"""The compiled convolution's direct path (csrc/direct_conv.h: float32, stride 1, no dilation,
16 or more filters for the forward pass and the kernel gradient, 16 or more input channels for
the input gradient) against its NumPy twin in float64 (pynet/kernels/reference/conv.py, itself
tested against the textbook loops), against the same module's im2col + GEMM path,
and across thread counts, on awkward shapes.

Each case is checked to have taken the direct path where the CPU has AVX-512F
(``_c_conv._direct_calls()`` counts its passes), so a change of the dispatch rules cannot leave
these tests testing something else.
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet.kernels.reference import conv as twin


@pytest.fixture(scope="module")
def conv(kernels_of):
    kernels_of("cython", ["conv"])             # skips (or fails under CI) when not built
    from pynet.kernels import _c_conv
    # Without AVX-512F (DIRECT False) every case below still runs, on the im2col path, and
    # _took() expects no direct passes.
    previous = _c_conv._use_direct(True, always=True)     # the small shapes below too
    yield _c_conv
    _c_conv._use_direct(previous)


def _took(kernels, before, passes):
    """The module ran ``passes`` direct passes since ``before`` (none where it has no AVX-512F)."""
    assert kernels._direct_calls() == before + (passes if kernels.DIRECT else 0)


def awkward_views(rng, big_shape, kernel_shape):
    """x: every other image and channel of a (big_shape) array, columns reversed (strided, not
    contiguous); the kernel in Fortran order, scaled by 1/√(its fan-in); and contiguous copies."""
    big = rng.normal(size=big_shape).astype(np.float32)
    x = big[::2, :, ::-1, ::2]
    fan_in = kernel_shape[0] * kernel_shape[1] * kernel_shape[2]
    k = np.asfortranarray((rng.normal(size=kernel_shape) / np.sqrt(fan_in)).astype(np.float32))
    return x, k, np.ascontiguousarray(x), np.ascontiguousarray(k)


def same_for_any_threads(run):
    """``run(threads)`` returns arrays; they are the same bit for bit at 1, 2, 3 and 7 threads."""
    first = run(1)
    for threads in (2, 3, 7):
        for got, want in zip(run(threads), first):
            np.testing.assert_array_equal(got, want)


# (batch, height, width, channels, kh, kw, filters, padding)
CASES = [
    (2, 28, 28, 32, 5, 5, 32, "same"),     # the GAN generator's 5×5 layer
    (3, 7, 9, 16, 3, 3, 17, "valid"),      # 17 filters: a second vector with one lane
    (1, 1, 1, 16, 3, 3, 16, "same"),       # a 1×1 image: only the centre tap sees it
    (2, 14, 15, 5, 4, 4, 33, "same"),      # even kernel (asymmetric padding), 32 + 1 filters
    (2, 5, 30, 1, 2, 2, 48, "valid"),      # one input channel, 48 = 32 + 16 filters
    (1, 3, 3, 20, 3, 3, 16, "valid"),      # a 1×1 output
    (4, 9, 29, 17, 5, 5, 70, "same"),      # 29 columns: tiles of 10, 10, 9; 70 = 2·32 + 6
    (1, 2, 40, 16, 1, 3, 16, "same"),      # a 1×3 window, 40 columns
    (2, 4, 3, 16, 5, 5, 16, "same"),       # window larger than the image
    (1, 6, 5, 31, 2, 5, 20, "valid"),      # 31 channels, 2×5 window
]
TOL = dict(rtol=2e-5, atol=2e-5)


def _data(rng, case):
    n, h, w, c, kh, kw, f, pad = case
    x = rng.normal(size=(n, h, w, c)).astype(np.float32)
    k = (rng.normal(size=(kh, kw, c, f)) / np.sqrt(kh * kw * c)).astype(np.float32)
    b = rng.normal(size=f).astype(np.float32)
    return x, k, b, pad


def _scale(a):
    return max(1.0, float(np.abs(a).max()))


@pytest.mark.parametrize("relu", [False, True], ids=["linear", "relu"])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_direct_matches_twin_and_im2col(conv, rng, case, relu):
    x, k, b, pad = _data(rng, case)
    act = "relu" if relu else "linear"
    calls = conv._direct_calls()
    y = conv.conv2d_forward(x, k, b, padding=pad, activation=act)
    _took(conv, calls, 1)               # the forward pass was direct
    want = twin.conv2d_forward(x.astype(np.float64), k.astype(np.float64), b.astype(np.float64),
                        padding=pad)
    if relu:
        want = np.maximum(want, 0)
    assert y.dtype == np.float32 and y.flags.c_contiguous
    np.testing.assert_allclose(y, want, rtol=2e-5, atol=2e-5 * _scale(want))
    # without bias
    y0 = conv.conv2d_forward(x, k, None, padding=pad)
    np.testing.assert_allclose(y0 + b, twin.conv2d_forward(
        x.astype(np.float64), k.astype(np.float64), b.astype(np.float64), padding=pad),
        rtol=2e-5, atol=2e-5 * _scale(want))
    g = rng.normal(size=y.shape).astype(np.float32)
    calls = conv._direct_calls()
    gi, gk, gb = conv.conv2d_backward(x, k, g, padding=pad, activation=act,
                                      output=y if relu else None)
    c = x.shape[3]
    _took(conv, calls, 2 if c >= 16 else 0)     # dK and dx direct
    dz = (g * (y > 0)).astype(np.float64) if relu else g.astype(np.float64)
    wi, wk, _ = twin.conv2d_backward(x.astype(np.float64), k.astype(np.float64), dz, padding=pad)
    np.testing.assert_allclose(gk, wk, rtol=2e-5, atol=2e-5 * _scale(wk))
    np.testing.assert_allclose(gi, wi, rtol=2e-5, atol=2e-5 * _scale(wi))
    np.testing.assert_allclose(gb, dz.sum(axis=(0, 1, 2)), rtol=2e-5, atol=2e-5 * _scale(gb))
    # the im2col + GEMM path of the same module agrees
    conv._use_direct(False)
    try:
        calls = conv._direct_calls()
        y2 = conv.conv2d_forward(x, k, b, padding=pad, activation=act)
        gi2, gk2, gb2 = conv.conv2d_backward(x, k, g, padding=pad, activation=act,
                                             output=y if relu else None)
        _took(conv, calls, 0)
    finally:
        conv._use_direct(True, always=True)
    np.testing.assert_allclose(y, y2, rtol=2e-5, atol=2e-5 * _scale(y2))
    for a, e in ((gi, gi2), (gk, gk2), (gb, gb2)):
        np.testing.assert_allclose(a, e, rtol=2e-5, atol=2e-5 * _scale(e))
    # only the kernel gradient: the same numbers
    none_i, gk3, none_b = conv.conv2d_backward(x, k, g, padding=pad, activation=act,
                                               output=y if relu else None,
                                               need_input_grad=False, need_bias_grad=False)
    assert none_i is None and none_b is None
    np.testing.assert_array_equal(gk3, gk)


@pytest.mark.parametrize("case", [CASES[0], CASES[3], CASES[6]], ids=["gan", "even", "wide"])
def test_direct_numbers_do_not_depend_on_threads(conv, rng, case):
    x, k, b, pad = _data(rng, case)
    x = np.concatenate([x] * 3)                  # enough images for several parts

    def run(threads):
        y = conv.conv2d_forward(x, k, b, padding=pad, activation="relu", threads=threads)
        g = np.random.default_rng(1).normal(size=y.shape).astype(np.float32)
        return (y,) + conv.conv2d_backward(x, k, g, padding=pad, activation="relu", output=y,
                                           threads=threads)
    same_for_any_threads(run)


def test_direct_on_views_out_and_empty(conv, rng):
    x, k, xc, kc = awkward_views(rng, (4, 9, 20, 40), (3, 3, 20, 24))   # x (2, 9, 20, 20)
    want = twin.conv2d_forward(xc.astype(np.float64), kc.astype(np.float64), padding="same")
    calls = conv._direct_calls()
    np.testing.assert_allclose(conv.conv2d_forward(x, k, padding="same"), want, **TOL)
    out = np.full(want.shape, np.nan, np.float32)
    assert conv.conv2d_forward(xc, kc, padding="same", out=out) is out
    np.testing.assert_allclose(out, want, **TOL)
    _took(conv, calls, 2)
    g = rng.normal(size=want.shape).astype(np.float32)[:, ::-1]
    gi, gk, gb = conv.conv2d_backward(x, k, g, padding="same")
    g64 = g.astype(np.float64)
    wi, wk, _ = twin.conv2d_backward(xc.astype(np.float64), kc.astype(np.float64), g64,
                                     padding="same")
    np.testing.assert_allclose(gi, wi, **TOL)
    np.testing.assert_allclose(gk, wk, rtol=2e-5, atol=1e-4)
    # out overlapping the input: the result is as if x had been read first
    buf = rng.normal(size=(2, 6, 6, 16)).astype(np.float32)
    k2 = (rng.normal(size=(3, 3, 16, 16)) / 12).astype(np.float32)
    expected = twin.conv2d_forward(buf.astype(np.float64), k2.astype(np.float64), padding="same")
    conv.conv2d_forward(buf, k2, padding="same", out=buf)
    np.testing.assert_allclose(buf, expected, **TOL)
    # an empty batch
    y0 = conv.conv2d_forward(np.zeros((0, 5, 5, 16), np.float32), k2, None, padding="same")
    assert y0.shape == (0, 5, 5, 16)
    gi0, gk0, gb0 = conv.conv2d_backward(np.zeros((0, 5, 5, 16), np.float32), k2, y0,
                                         padding="same")
    assert gi0.shape == (0, 5, 5, 16) and not gk0.any() and not gb0.any()


def test_direct_keeps_a_nan_gradient(conv, rng):
    x, k, b, pad = _data(rng, CASES[1])
    y = conv.conv2d_forward(x, k, b, padding=pad)
    g = rng.normal(size=y.shape).astype(np.float32)
    g[0, 1, 2, 3] = np.nan
    gi, gk, gb = conv.conv2d_backward(x, k, g, padding=pad)
    assert np.isnan(gb[3]) and np.isnan(gk[..., 3]).all() and not np.isnan(gk[..., :3]).any()
    # the NaN reaches exactly the inputs under that output's window
    assert np.isnan(gi[0, 1:4, 2:5]).all() and not np.isnan(gi[1:]).any()


def test_float64_and_strides_take_the_im2col_path(conv, rng):
    x, k, b, pad = _data(rng, CASES[0])
    calls = conv._direct_calls()
    conv.conv2d_forward(x.astype(np.float64), k.astype(np.float64), b.astype(np.float64),
                        padding=pad)
    conv.conv2d_forward(x, k, b, padding=pad, strides=2)
    conv.conv2d_forward(x, k, b, padding=pad, dilation=2)
    conv.conv2d_forward(x, k[:, :, :, :15], b[:15], padding=pad)        # 15 filters
    _took(conv, calls, 0)
    assert conv._use_direct(False) is conv.DIRECT and conv._use_direct(True, always=True) is False


def test_small_grids_take_the_im2col_path_by_default(conv, rng):
    """Below 7 pixels across or 64 pixels in all, the default rules keep im2col + GEMM (the
    direct tiles would be too narrow); at 8×8 the direct path is taken."""
    conv._use_direct(True)                                   # the default size limits
    try:
        k = (rng.normal(size=(3, 3, 16, 16)) / 12).astype(np.float32)
        calls = conv._direct_calls()
        for shape in [(2, 3, 3, 16), (2, 6, 9, 16), (2, 40, 6, 16), (2, 9, 7, 16)]:
            conv.conv2d_forward(rng.normal(size=shape).astype(np.float32), k, padding="valid")
        _took(conv, calls, 0)              # 1×1, 4×7, 38×4, 7×5 outputs
        x = rng.normal(size=(2, 10, 10, 16)).astype(np.float32)
        y = conv.conv2d_forward(x, k, padding="valid")          # an 8×8 output
        _took(conv, calls, 1)
        conv.conv2d_backward(x, k, y, padding="valid")          # dK on 8×8, dx on 10×10
        _took(conv, calls, 3)
    finally:
        conv._use_direct(True, always=True)


def test_direct_is_on_exactly_where_the_cpu_has_avx512f(conv, skip_or_fail):
    """``DIRECT`` is the CPU's AVX-512F flag (Linux: /proc/cpuinfo), for both modules."""
    from pynet.kernels import _c_conv_transpose
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            flags = next((line.split(":", 1)[1].split() for line in info
                          if line.startswith("flags")), None)
    except OSError:
        flags = None
    if flags is None:
        skip_or_fail("no /proc/cpuinfo flags line to compare DIRECT with")
    assert conv.DIRECT == ("avx512f" in flags) == _c_conv_transpose.DIRECT
