"""Pooling kernels: compiled == reference == the textbook loops; overlapping windows; ties."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.kernels.loops import conv as loops

# (batch, height, width, channels, pool, strides, padding)
CASES = [
    (2, 8, 8, 3, 2, None, "valid"),        # the usual 2x2/2
    (1, 7, 9, 2, 2, None, "valid"),        # odd sizes: the last row/column is dropped (floor)
    (2, 7, 9, 2, 2, None, "same"),         # ... or kept with 'same'
    (2, 9, 8, 3, 3, 2, "valid"),           # overlapping windows (stride < pool)
    (2, 9, 8, 3, 3, 1, "same"),            # heavily overlapping, padded
    (2, 10, 7, 1, (2, 3), (1, 2), "valid"),  # non-square pool, per-axis strides
    (3, 6, 6, 2, 3, 3, "same"),            # stride 3
    (2, 5, 5, 2, 1, 2, "valid"),           # 1x1 pool with stride: subsampling
]


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _grad_from_loops(x, argmax, g):
    """Scatter-add by hand, one element at a time: the reference for max-pool backward."""
    n, h, w, c = x.shape
    out = np.zeros(x.shape)
    for idx in np.ndindex(*g.shape):
        b, _, _, ch = idx
        r, s = divmod(int(argmax[idx]), w)
        out[b, r, s, ch] += g[idx]
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_max_pool_matches_loops(kernels_of, backend_name, rng, case, dtype):
    kern = kernels_of(backend_name, ["pooling"])
    n, h, w, c, pool, strides, pad = case
    x = rng.normal(size=(n, h, w, c)).astype(dtype)
    y, argmax = kern.max_pool2d_forward(x, pool, strides=strides, padding=pad)
    y_loop, argmax_loop = loops.max_pool2d(x, pool, strides=strides, padding=pad)
    assert y.dtype == dtype and argmax.dtype == np.int64
    np.testing.assert_array_equal(y, y_loop.astype(dtype))      # a max is exact
    np.testing.assert_array_equal(argmax, argmax_loop)
    g = rng.normal(size=y.shape).astype(dtype)
    dx = kern.max_pool2d_backward(g, argmax, x.shape)
    np.testing.assert_allclose(dx, _grad_from_loops(x, argmax, g), **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_avg_pool_matches_loops(kernels_of, backend_name, rng, case, dtype):
    kern = kernels_of(backend_name, ["pooling"])
    n, h, w, c, pool, strides, pad = case
    x = rng.normal(size=(n, h, w, c)).astype(dtype)
    y = kern.avg_pool2d_forward(x, pool, strides=strides, padding=pad)
    np.testing.assert_allclose(y, loops.avg_pool2d(x, pool, strides=strides, padding=pad),
                               **_tol(dtype))
    # backward is the adjoint of forward: <avg(x), g> == <x, avg_backward(g)>
    g = rng.normal(size=y.shape).astype(dtype)
    dx = kern.avg_pool2d_backward(g, x.shape, pool, strides=strides, padding=pad)
    assert dx.shape == x.shape and dx.dtype == dtype
    np.testing.assert_allclose(np.vdot(y.astype(np.float64), g), np.vdot(x.astype(np.float64), dx),
                               rtol=1e-4 if dtype == np.float32 else 1e-11)


def test_overlapping_windows_add_their_gradients(kernels_of, backend_name):
    """3x3 windows with stride 1 on a 4x4 image whose maximum is in the middle: the centre pixel
    (1, 1)... wins all four windows, so it receives all four gradients (1 + 2 + 3 + 4 = 10).
    A backward pass that assigns instead of adding would give 4."""
    kern = kernels_of(backend_name, ["pooling"])
    x = np.zeros((1, 4, 4, 1))
    x[0, 1, 1, 0] = 5.0
    x[0, 2, 2, 0] = 4.0   # the second-largest: loses every window it shares with (1, 1)
    y, argmax = kern.max_pool2d_forward(x, 3, strides=1)
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 5], [5, 5]])
    g = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)
    dx = kern.max_pool2d_backward(g, argmax, x.shape)
    assert dx[0, 1, 1, 0] == 10.0
    assert dx.sum() == 10.0


def test_ties_go_to_the_first_maximum(kernels_of, backend_name):
    """A constant window: every pixel is a maximum; the top-left one (scan order) gets it all."""
    kern = kernels_of(backend_name, ["pooling"])
    x = np.full((1, 4, 4, 2), 7.0)
    x[..., 1] = [[1, 3, 3, 0], [3, 2, 0, 3], [0, 0, 1, 1], [1, 1, 1, 1]]
    y, argmax = kern.max_pool2d_forward(x, 2)
    np.testing.assert_array_equal(argmax[0, :, :, 0], [[0, 2], [8, 10]])   # top-left of each
    # channel 1, window (0, 0) holds 1 3 / 3 2: the first 3 is at row 0, col 1 -> position 1
    # window (0, 1) holds 3 0 / 0 3: the first 3 is at (0, 2) -> 2
    # window (1, 0) holds 0 0 / 1 1: the first 1 is at (3, 0) -> 12; window (1, 1) all 1s -> 10
    np.testing.assert_array_equal(argmax[0, :, :, 1], [[1, 2], [12, 10]])
    dx = kern.max_pool2d_backward(np.ones_like(y), argmax, x.shape)
    assert dx[0, :, :, 0].sum() == 4 and dx[0, 0, 0, 0] == 1 and dx[0, 0, 1, 0] == 0


def test_same_padding_is_not_a_value(kernels_of, backend_name):
    """All-negative input, 'same' padding: the padded border must not win a max (a zero pad would
    give 0) nor dilute an average (a 2x2 corner window of a 3x3 image holds 1 real pixel)."""
    kern = kernels_of(backend_name, ["pooling"])
    x = -np.arange(1, 10, dtype=np.float64).reshape(1, 3, 3, 1)
    y, _ = kern.max_pool2d_forward(x, 2, padding="same")       # output 2x2; pad after the image
    np.testing.assert_array_equal(y[0, :, :, 0], [[-1, -3], [-7, -9]])
    a = kern.avg_pool2d_forward(x, 2, padding="same")
    np.testing.assert_allclose(a[0, :, :, 0], [[-3, -4.5], [-7.5, -9]])


def test_backends_agree_on_convnet_sizes(kernels_of, rng):
    ref, cy = kernels_of("python", ["pooling"]), kernels_of("cython", ["pooling"])
    x = rng.normal(size=(33, 26, 26, 32)).astype(np.float32)
    (y1, a1), (y2, a2) = cy.max_pool2d_forward(x, 2), ref.max_pool2d_forward(x, 2)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(a1, a2)
    g = rng.normal(size=y1.shape).astype(np.float32)
    np.testing.assert_array_equal(cy.max_pool2d_backward(g, a1, x.shape),
                                  ref.max_pool2d_backward(g, a2, x.shape))


def test_non_contiguous_input(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["pooling"])
    x = rng.normal(size=(2, 10, 10, 4))[:, ::-1, 1::, ::2]
    y, argmax = kern.max_pool2d_forward(x, 3, strides=2)
    yl, al = loops.max_pool2d(np.ascontiguousarray(x), 3, strides=2)
    np.testing.assert_array_equal(y, yl)
    np.testing.assert_array_equal(argmax, al)


BAD = [
    (dict(pool_size=5), ValueError, r"window spans 5 pixels along height but the input has only 4"),
    (dict(pool_size=2, strides=0), ValueError, r"strides must be >= 1, got 0"),
    (dict(pool_size=2.0), TypeError, r"pool_size must be an int or a pair of ints, got 2.0"),
    (dict(pool_size=2, padding="full"), ValueError, r"padding must be 'valid' or 'same'"),
]


@pytest.mark.parametrize("kwargs,exc,pattern", BAD)
@pytest.mark.parametrize("which", ["max_pool2d_forward", "avg_pool2d_forward"])
def test_bad_input(kernels_of, backend_name, kwargs, exc, pattern, which):
    kern = kernels_of(backend_name, ["pooling"])
    with pytest.raises(exc, match=pattern):
        getattr(kern, which)(np.ones((1, 4, 4, 1)), **kwargs)


def test_bad_input_images_without_channel_axis(kernels_of, backend_name):
    kern = kernels_of(backend_name, ["pooling"])
    with pytest.raises(ValueError, match=r"must be 4-D \(batch, height, width, channels\).*"
                                         r"x\[\.\.\., None\] to get \(3, 28, 28, 1\)"):
        kern.max_pool2d_forward(np.ones((3, 28, 28)), 2)


def test_bad_argmax(kernels_of, backend_name):
    kern = kernels_of(backend_name, ["pooling"])
    g = np.ones((1, 2, 2, 1))
    with pytest.raises(TypeError, match="int64"):
        kern.max_pool2d_backward(g, np.zeros((1, 2, 2, 1), dtype=np.int32), (1, 4, 4, 1))
    with pytest.raises(ValueError, match="outside the 4x4 input"):
        kern.max_pool2d_backward(g, np.full((1, 2, 2, 1), 16, dtype=np.int64), (1, 4, 4, 1))
