"""Transposed-convolution kernels: hand-worked stamps, the adjoint of conv2d, compiled == reference,
and PyTorch's ``conv_transpose2d`` as an outside oracle."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.kernels._checks.conv_transpose import transpose_geometry
from pynet.kernels.reference import conv as ref_conv
from pynet.kernels.reference import conv_transpose as ref

from ..conftest import unavailable

# (batch, height, width, in_channels, kh, kw, filters, strides, padding, output_padding)
CASES = [
    (2, 3, 4, 3, 3, 3, 2, 1, "valid", None),
    (1, 3, 4, 3, 3, 3, 2, 1, "same", None),
    (2, 4, 3, 2, 3, 3, 3, 2, "same", None),          # the GAN/VAE doubling
    (2, 4, 3, 2, 4, 4, 3, 2, "same", None),          # even kernel (Chollet's GAN uses 4x4)
    (2, 5, 3, 2, 3, 2, 3, 2, "valid", None),         # odd sizes, non-square kernel
    (2, 3, 3, 1, 2, 2, 2, 3, "valid", None),         # stride larger than the kernel: gaps
    (1, 2, 5, 2, 5, 3, 1, 3, "same", None),          # stride 3
    (2, 3, 3, 2, 3, 3, 2, 2, "same", 1),             # output_padding
    (2, 3, 4, 2, 3, 3, 2, (2, 3), "valid", (1, 2)),  # per-axis strides and output_padding
    (2, 4, 4, 3, 1, 1, 2, 1, "valid", None),         # 1x1 kernel
    (1, 1, 1, 2, 3, 3, 4, 2, "valid", None),         # 1x1 image
    (3, 5, 6, 3, 4, 4, 9, 2, "same", None),          # kernel rows of 4·9 ≥ 32 numbers: memcpy runs
    (2, 6, 5, 2, 3, 5, 8, (1, 2), "valid", (0, 1)),  # runs of 40, per-axis strides
]


def _data(rng, case, dtype):
    n, h, w, c, kh, kw, f, s, pad, op = case
    x = rng.normal(size=(n, h, w, c)).astype(dtype)
    k = rng.normal(size=(kh, kw, f, c)).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    return x, k, b, dict(strides=s, padding=pad, output_padding=op)


def _tol(dtype):
    return dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


def test_stride_two_stamps_the_kernel_in_blocks():
    x = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    k = np.ones((2, 2, 1, 1))
    y = ref.conv2d_transpose_forward(x, k, strides=2)[0, :, :, 0]
    assert y.tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]


def test_stride_one_overlapping_stamps_add_up():
    x = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    k = np.ones((2, 2, 1, 1))
    y = ref.conv2d_transpose_forward(x, k)[0, :, :, 0]
    # the middle pixel is covered by all four stamps: 1 + 2 + 3 + 4 = 10
    assert y.tolist() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]


@pytest.mark.parametrize("n, k, s, padding, op, want", [
    (7, 4, 2, "same", None, 14), (7, 3, 2, "valid", None, 15), (7, 1, 3, "valid", None, 21),
    (7, 3, 2, "same", 1, 14), (7, 3, 2, "same", 0, 13), (7, 3, 2, "valid", 1, 16),
    (16, 4, 2, "same", None, 32),
])
def test_output_length_is_keras_deconv_output_length(n, k, s, padding, op, want):
    oh, _, _, _ = transpose_geometry((n, n), (k, k), (s, s), padding,
                                     None if op is None else (op, op), where="t")
    assert oh == want


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_forward_is_the_adjoint_of_conv2d(rng, case):
    # <conv_transpose(x), y> = <x, conv2d(y)> for the same kernel: the definition of "transpose"
    x, k, _, geo = _data(rng, case, np.float64)
    out = ref.conv2d_transpose_forward(x, k, **geo)
    y = rng.normal(size=out.shape)
    conv_y = ref_conv.conv2d_forward(y, k, strides=geo["strides"], padding=geo["padding"])
    assert conv_y.shape == x.shape
    np.testing.assert_allclose(np.sum(out * y), np.sum(x * conv_y), rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_compiled_matches_reference(kernels_of, rng, case, dtype):
    kern = kernels_of("cython", ["conv_transpose"])
    x, k, b, geo = _data(rng, case, dtype)
    y = kern.conv2d_transpose_forward(x, k, b, **geo)
    assert y.dtype == dtype and y.flags.c_contiguous
    np.testing.assert_allclose(y, ref.conv2d_transpose_forward(x, k, b, **geo), **_tol(dtype))
    dy = rng.normal(size=y.shape).astype(dtype)
    got = kern.conv2d_transpose_backward(x, k, dy, **geo)
    want = ref.conv2d_transpose_backward(x, k, dy, **geo)
    for g, w in zip(got, want):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, w, **_tol(dtype))
    dx, dk, db = kern.conv2d_transpose_backward(x, k, dy, need_input_grad=False,
                                                need_bias_grad=False, **geo)
    assert dx is None and db is None
    np.testing.assert_allclose(dk, want[1], **_tol(dtype))


def test_non_contiguous_inputs(kernels_of, backend_name, rng):
    kern = kernels_of(backend_name, ["conv_transpose"])
    big = rng.normal(size=(2, 6, 8, 4))
    x = big[:, ::2, ::2, 1:3]                              # strided view
    k = np.asfortranarray(rng.normal(size=(3, 3, 2, 2)))
    want = ref.conv2d_transpose_forward(np.ascontiguousarray(x), np.ascontiguousarray(k),
                                        strides=2, padding="same")
    np.testing.assert_allclose(kern.conv2d_transpose_forward(x, k, strides=2, padding="same"),
                               want, rtol=1e-12, atol=1e-12)


def test_empty_batch(kernels_of, backend_name):
    kern = kernels_of(backend_name, ["conv_transpose"])
    y = kern.conv2d_transpose_forward(np.zeros((0, 3, 3, 2)), np.ones((3, 3, 4, 2)), strides=2)
    assert y.shape == (0, 7, 7, 4)
    dx, dk, db = kern.conv2d_transpose_backward(np.zeros((0, 3, 3, 2)), np.ones((3, 3, 4, 2)),
                                                np.zeros((0, 7, 7, 4)), strides=2)
    assert dx.shape == (0, 3, 3, 2) and not dk.any() and not db.any()


@pytest.mark.parametrize("call, match", [
    (lambda k: k.conv2d_transpose_forward(np.ones((1, 3, 3, 2)), np.ones((3, 3, 4, 5))),
     "kernel expects 5 input channels"),
    (lambda k: k.conv2d_transpose_forward(np.ones((1, 3, 3, 2)), np.ones((3, 3, 4, 2)),
                                          strides=2, output_padding=2), "output_padding"),
    (lambda k: k.conv2d_transpose_forward(np.ones((1, 3, 3, 2)), np.ones((2, 2, 4, 2)),
                                          strides=2, padding="same", output_padding=0),
     "does not convolve back"),
    (lambda k: k.conv2d_transpose_backward(np.ones((1, 3, 3, 2)), np.ones((3, 3, 4, 2)),
                                           np.ones((1, 4, 4, 4))), "grad_output"),
    (lambda k: k.conv2d_transpose_forward(np.ones((3, 3, 2)), np.ones((3, 3, 4, 2))), "4-D"),
])
def test_bad_arguments_are_named(kernels_of, backend_name, call, match):
    with pytest.raises(ValueError, match=match):
        call(kernels_of(backend_name, ["conv_transpose"]))


def torch_conv_transpose(x, k, b, strides, padding, output_padding):
    """PyTorch's conv_transpose2d with no padding (the full stamp), then Keras's crop."""
    try:
        import torch
    except ImportError as exc:
        unavailable(f"PyTorch is not installed: {exc}")
    s = (strides, strides) if isinstance(strides, int) else strides
    full = torch.nn.functional.conv_transpose2d(
        torch.from_numpy(x.transpose(0, 3, 1, 2)), torch.from_numpy(k.transpose(3, 2, 0, 1)),
        torch.from_numpy(b), stride=s).numpy().transpose(0, 2, 3, 1)
    op = None if output_padding is None else \
        (output_padding, output_padding) if isinstance(output_padding, int) else output_padding
    oh, ow, pt, pl = transpose_geometry(x.shape[1:3], k.shape[:2], s, padding, op, where="t")
    canvas = np.zeros((x.shape[0], max(full.shape[1], pt + oh), max(full.shape[2], pl + ow),
                       k.shape[2]))
    canvas[:] = b        # pixels no stamp reaches still get the bias
    canvas[:, :full.shape[1], :full.shape[2]] = full
    return canvas[:, pt:pt + oh, pl:pl + ow]


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_matches_pytorch(kernels_of, backend_name, rng, case):
    kern = kernels_of(backend_name, ["conv_transpose"])
    x, k, b, geo = _data(rng, case, np.float64)
    want = torch_conv_transpose(x, k, b, geo["strides"], geo["padding"], geo["output_padding"])
    np.testing.assert_allclose(kern.conv2d_transpose_forward(x, k, b, **geo), want,
                               rtol=1e-10, atol=1e-10)
