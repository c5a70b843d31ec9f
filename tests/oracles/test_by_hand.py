"""Layer forward passes worked by hand: every number below is written out, not computed by pynet.

These are the oracles that do not share a line of code with pynet: if the padding geometry in
``pynet/kernels/_checks/conv.py`` moved the odd extra pixel of ``'same'`` padding to the top/left,
or a pooling window slid one pixel, the written-out numbers stop matching. Keras (and TensorFlow)
put the extra pixel at the **bottom/right**: for ``n`` pixels, window ``k``, stride ``s``,
``out = ⌈n/s⌉`` and ``total = max((out−1)·s + k − n, 0)`` zeros, ``total // 2`` before and the
rest after.

Each case runs on both backends (``backend_name``).
"""
from __future__ import annotations

import numpy as np
import pytest

from pynet.layers.base import using_backend
from pynet.layers.conv import Conv2D
from pynet.layers.core import Dense, Dropout, Flatten, Permute, Reshape
from pynet.layers.pooling import (
    AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D,
)

# The 4×4 image used throughout:
#    1  2  3  4
#    5  6  7  8
#    9 10 11 12
#   13 14 15 16
X4 = np.arange(1, 17, dtype=np.float64).reshape(1, 4, 4, 1)

# A 5×5 image whose largest values are *not* all in the bottom-right corner of each window, so a
# max-pool window that slid by a pixel picks a different number:
#    3  9  1  4  0
#    8  2  7  5  6
#    1  0 12  3 10
#    4 11  2  9  1
#    7  5 13  0  8
X5 = np.array([[3, 9, 1, 4, 0],
               [8, 2, 7, 5, 6],
               [1, 0, 12, 3, 10],
               [4, 11, 2, 9, 1],
               [7, 5, 13, 0, 8]], dtype=np.float64).reshape(1, 5, 5, 1)


def _conv(backend_name, x, kernel, **kwargs):
    """A one-filter Conv2D, no bias, with the given (kh, kw) kernel, applied to x."""
    kh, kw = kernel.shape
    layer = Conv2D(1, (kh, kw), use_bias=False, dtype="float64", **kwargs)
    layer.build(x.shape[1:])
    layer.set_weights([kernel.reshape(kh, kw, 1, 1)])
    with using_backend(backend_name):
        return layer(x)[0, :, :, 0]


# -- Conv2D ----------------------------------------------------------------------------------

def test_conv_valid_2x2_sums(backend_name):
    # each output is the sum of a 2×2 block: 1+2+5+6 = 14, 2+3+6+7 = 18, ...
    y = _conv(backend_name, X4, np.ones((2, 2)), padding="valid")
    np.testing.assert_array_equal(y, [[14, 18, 22],
                                      [30, 34, 38],
                                      [46, 50, 54]])


def test_conv_is_cross_correlation_not_flipped(backend_name):
    # kernel [[1, 0], [0, 0]] picks the top-left pixel of each window (a true convolution would
    # flip it and pick the bottom-right one)
    y = _conv(backend_name, X4, np.array([[1.0, 0.0], [0.0, 0.0]]), padding="valid")
    np.testing.assert_array_equal(y, [[1, 2, 3],
                                      [5, 6, 7],
                                      [9, 10, 11]])


def test_conv_same_2x2_puts_the_extra_zero_row_and_column_after(backend_name):
    # n=4, k=2, s=1: out 4, total 1 zero → 0 before, 1 after (bottom row and right column)
    #   last column: 4+8 = 12, 8+12 = 20, 12+16 = 28;  last row: 13+14 = 27, 14+15 = 29, ...
    y = _conv(backend_name, X4, np.ones((2, 2)), padding="same")
    np.testing.assert_array_equal(y, [[14, 18, 22, 12],
                                      [30, 34, 38, 20],
                                      [46, 50, 54, 28],
                                      [27, 29, 31, 16]])


def test_conv_same_2x2_position_kernel_shows_the_shift(backend_name):
    # kernel picking the window's top-left pixel: with the padding after, y == x exactly
    y = _conv(backend_name, X4, np.array([[1.0, 0.0], [0.0, 0.0]]), padding="same")
    np.testing.assert_array_equal(y, X4[0, :, :, 0])


def test_conv_same_stride_2_even_size(backend_name):
    # n=4, k=3, s=2: out 2, total (2−1)·2 + 3 − 4 = 1 → 0 before, 1 after; windows rows/cols 0–2, 2–4
    #   y00 = 1+2+3+5+6+7+9+10+11 = 54   y01 = 3+4+7+8+11+12 = 45
    #   y10 = 9+10+11+13+14+15 = 72      y11 = 11+12+15+16 = 54
    y = _conv(backend_name, X4, np.ones((3, 3)), strides=2, padding="same")
    np.testing.assert_array_equal(y, [[54, 45],
                                      [72, 54]])


def test_conv_same_4x4_kernel_one_before_two_after(backend_name):
    # n=4, k=4, s=1: total 3 → 1 before, 2 after. Kernel with a single 1 at (1, 1) (second row,
    # second column): the window starting at padded row i−1 reads x[i, j], so y == x.
    kernel = np.zeros((4, 4))
    kernel[1, 1] = 1.0
    y = _conv(backend_name, X4, kernel, padding="same")
    np.testing.assert_array_equal(y, X4[0, :, :, 0])
    # the same with the 1 at (0, 0) reads one pixel up and left: zeros on the top row/left column
    kernel = np.zeros((4, 4))
    kernel[0, 0] = 1.0
    y = _conv(backend_name, X4, kernel, padding="same")
    np.testing.assert_array_equal(y, [[0, 0, 0, 0],
                                      [0, 1, 2, 3],
                                      [0, 5, 6, 7],
                                      [0, 9, 10, 11]])


def test_conv_rectangular_kernel_and_strides(backend_name):
    # kernel 1×2 of ones, strides (2, 1), valid: rows 0 and 2, sums of horizontal neighbours
    y = _conv(backend_name, X4, np.ones((1, 2)), strides=(2, 1), padding="valid")
    np.testing.assert_array_equal(y, [[3, 5, 7],
                                      [19, 21, 23]])


def test_conv_dilation_2(backend_name):
    # 2×2 kernel of ones with dilation 2 spans 3×3 and reads its four corners:
    #   y00 = 1+3+9+11 = 24, y01 = 2+4+10+12 = 28, y10 = 5+7+13+15 = 40, y11 = 6+8+14+16 = 44
    y = _conv(backend_name, X4, np.ones((2, 2)), dilation_rate=2, padding="valid")
    np.testing.assert_array_equal(y, [[24, 28],
                                      [40, 44]])


def test_conv_dilation_3_same_is_asymmetric(backend_name):
    # k=2, d=3: the window spans 4 pixels; total 3 zeros → 1 before, 2 after.
    # The kernel [[0, 0], [0, 1]] reads padded pixel (i+3, j+3) = x[i+2, j+2]
    y = _conv(backend_name, X4, np.array([[0.0, 0.0], [0.0, 1.0]]), dilation_rate=3,
              padding="same")
    np.testing.assert_array_equal(y, [[11, 12, 0, 0],
                                      [15, 16, 0, 0],
                                      [0, 0, 0, 0],
                                      [0, 0, 0, 0]])


def test_conv_two_channels_bias_and_relu(backend_name):
    # 1×1 kernel: y = relu(2·x_c0 − 1·x_c1 + b), b = −3, on a 1×2 image with channels (1, 4), (5, 2)
    #   pixel 0: 2·1 − 4 − 3 = −5 → 0;  pixel 1: 2·5 − 2 − 3 = 5
    x = np.array([[[[1.0, 4.0], [5.0, 2.0]]]])
    layer = Conv2D(1, 1, activation="relu", dtype="float64")
    layer.build(x.shape[1:])
    layer.set_weights([np.array([2.0, -1.0]).reshape(1, 1, 2, 1), np.array([-3.0])])
    with using_backend(backend_name):
        np.testing.assert_array_equal(layer(x).ravel(), [0.0, 5.0])


def test_conv_channels_first_same_numbers(backend_name):
    x = X4.transpose(0, 3, 1, 2)            # (1, 1, 4, 4)
    layer = Conv2D(1, 2, padding="same", use_bias=False, data_format="channels_first",
                   dtype="float64")
    layer.build(x.shape[1:])
    layer.set_weights([np.ones((2, 2, 1, 1))])
    with using_backend(backend_name):
        y = layer(x)
    assert y.shape == (1, 1, 4, 4)
    np.testing.assert_array_equal(y[0, 0], [[14, 18, 22, 12],
                                            [30, 34, 38, 20],
                                            [46, 50, 54, 28],
                                            [27, 29, 31, 16]])


# -- pooling ----------------------------------------------------------------------------------

def _pool(backend_name, cls, x, **kwargs):
    layer = cls(dtype="float64", **kwargs)
    with using_backend(backend_name):
        return layer(x)[0, :, :, 0]


def test_max_pool_valid_odd_size_drops_the_last_row_and_column(backend_name):
    # windows {3,9,8,2} {1,4,7,5} / {1,0,4,11} {12,3,2,9}; row 4 and column 4 are never read
    y = _pool(backend_name, MaxPooling2D, X5, pool_size=2)
    np.testing.assert_array_equal(y, [[9, 7],
                                      [11, 12]])


def test_max_pool_same_odd_size_pads_after(backend_name):
    # n=5, k=2, s=2: out 3, total 1 → the extra window covers column 4 / row 4 alone
    #   last column: max{0,6} = 6, max{10,1} = 10, 8;  last row: max{7,5} = 7, max{13,0} = 13, 8
    y = _pool(backend_name, MaxPooling2D, X5, pool_size=2, padding="same")
    np.testing.assert_array_equal(y, [[9, 7, 6],
                                      [11, 12, 10],
                                      [7, 13, 8]])


def test_max_pool_overlapping_3x3_stride_1(backend_name):
    # 3×3 windows at every position of the 5×5 image (valid: 3×3 outputs)
    y = _pool(backend_name, MaxPooling2D, X5, pool_size=3, strides=1)
    np.testing.assert_array_equal(y, [[12, 12, 12],
                                      [12, 12, 12],
                                      [13, 13, 13]])


def test_max_pool_3x3_stride_2_same_negative_values(backend_name):
    # On −X5 the padding must never win: n=5, k=3, s=2 → out 3, total 2 → 1 before, 1 after.
    #   window rows −1..1 / cols −1..1 = {−3,−9,−8,−2} → −2;  cols 1..3 → {−9,−1,−4,−2,−7,−5} → −1
    y = _pool(backend_name, MaxPooling2D, -X5, pool_size=3, strides=2, padding="same")
    np.testing.assert_array_equal(y, [[-2, -1, 0],
                                      [0, 0, -1],
                                      [-4, 0, 0]])


def test_max_pool_rectangular_window(backend_name):
    # pool (1, 2), strides (1, 2), valid, on X4: max of horizontal pairs
    y = _pool(backend_name, MaxPooling2D, X4, pool_size=(1, 2))
    np.testing.assert_array_equal(y, [[2, 4], [6, 8], [10, 12], [14, 16]])


def test_average_pool_valid_and_same_do_not_count_padding(backend_name):
    x = np.arange(1, 26, dtype=np.float64).reshape(1, 5, 5, 1)   # 1..25 row by row
    # valid: (1+2+6+7)/4 = 4, (3+4+8+9)/4 = 6, (11+12+16+17)/4 = 14, 16
    np.testing.assert_array_equal(_pool(backend_name, AveragePooling2D, x, pool_size=2),
                                  [[4, 6], [14, 16]])
    # same: the edge windows average only their real pixels: (5+10)/2 = 7.5, (21+22)/2 = 21.5
    np.testing.assert_array_equal(
        _pool(backend_name, AveragePooling2D, x, pool_size=2, padding="same"),
        [[4, 6, 7.5],
         [14, 16, 17.5],
         [21.5, 23.5, 25]])


def test_average_pool_3x3_same_stride_1_corner(backend_name):
    # n=4, k=3, s=1: 1 zero before and after. Corner (0,0) averages {1,2,5,6} = 3.5;
    # centre (1,1) averages the 3×3 block 1..11 → 6
    y = _pool(backend_name, AveragePooling2D, X4, pool_size=3, strides=1, padding="same")
    assert y.shape == (4, 4)
    assert y[0, 0] == 3.5
    assert y[1, 1] == 6.0
    assert y[3, 3] == (11 + 12 + 15 + 16) / 4


def test_global_pooling(backend_name):
    # two channels: channel 0 = X4, channel 1 = −X4
    x = np.concatenate([X4, -X4], axis=-1)
    with using_backend(backend_name):
        np.testing.assert_array_equal(GlobalMaxPooling2D(dtype="float64")(x), [[16, -1]])
        np.testing.assert_array_equal(GlobalAveragePooling2D(dtype="float64")(x), [[8.5, -8.5]])
        first = GlobalAveragePooling2D(data_format="channels_first", dtype="float64")
        np.testing.assert_array_equal(first(x.transpose(0, 3, 1, 2)), [[8.5, -8.5]])


# -- core layers ------------------------------------------------------------------------------

def test_dense_worked_example(backend_name):
    # y = x·W + b with x = (1, 2), W = [[1, 2, 3], [4, 5, 6]], b = (0.5, 0, −1)
    #   = (1+8+0.5, 2+10, 3+12−1) = (9.5, 12, 14)
    layer = Dense(3, dtype="float64")
    layer.build((2,))
    layer.set_weights([np.array([[1.0, 2, 3], [4, 5, 6]]), np.array([0.5, 0, -1])])
    with using_backend(backend_name):
        np.testing.assert_array_equal(layer(np.array([[1.0, 2.0]])), [[9.5, 12, 14]])
    # kernel layout is (inputs, units), Keras's: 2 inputs × 3 units
    assert layer.params["kernel"].shape == (2, 3)


def test_dense_relu_and_sigmoid(backend_name):
    relu = Dense(2, activation="relu", dtype="float64")
    relu.build((1,))
    relu.set_weights([np.array([[1.0, -1.0]]), np.zeros(2)])
    sig = Dense(1, activation="sigmoid", dtype="float64")
    sig.build((1,))
    sig.set_weights([np.array([[1.0]]), np.zeros(1)])
    with using_backend(backend_name):
        np.testing.assert_array_equal(relu(np.array([[3.0]])), [[3.0, 0.0]])
        assert sig(np.array([[0.0]]))[0, 0] == 0.5          # σ(0) = 1/2


def test_flatten_is_c_order_channels_fastest():
    # a 2×2 image with channels (a, b): flattened as a00 b00 a01 b01 a10 b10 a11 b11
    x = np.array([[[[1, 10], [2, 20]], [[3, 30], [4, 40]]]], dtype=np.float32)
    np.testing.assert_array_equal(Flatten()(x), [[1, 10, 2, 20, 3, 30, 4, 40]])
    assert Flatten().compute_output_shape((3, 5, 2)) == (30,)


def test_reshape_and_permute():
    x = np.arange(6, dtype=np.float32).reshape(1, 6)
    np.testing.assert_array_equal(Reshape((2, 3))(x), [[[0, 1, 2], [3, 4, 5]]])
    assert Reshape((-1, 2)).compute_output_shape((6,)) == (3, 2)
    assert Reshape((3, -1)).compute_output_shape((2, 3)) == (3, 2)
    y = np.array([[[0, 1, 2], [3, 4, 5]]], dtype=np.float32)   # (1, 2, 3)
    np.testing.assert_array_equal(Permute((2, 1))(y), [[[0, 3], [1, 4], [2, 5]]])
    assert Permute((3, 1, 2)).compute_output_shape((4, 5, 6)) == (6, 4, 5)


def test_dropout_is_the_identity_at_inference():
    x = np.array([[1.0, -2.0, 3.0, 0.5]], dtype=np.float32)
    layer = Dropout(0.5, seed=0)
    np.testing.assert_array_equal(layer(x), x)                # __call__ defaults to inference
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    # in training each kept unit is scaled by 1/(1 − 0.5) = 2, each dropped one is 0
    y = layer.forward(x, training=True)
    assert set(np.unique(y / x)) <= {0.0, 2.0}


@pytest.mark.parametrize("cls,kwargs,in_shape,out_shape", [
    # Keras's shape arithmetic, worked: 'valid' ⌊(n − k_eff)/s⌋ + 1, 'same' ⌈n/s⌉
    (Conv2D, dict(filters=2, kernel_size=3), (7, 8, 1), (5, 6, 2)),
    (Conv2D, dict(filters=2, kernel_size=3, strides=2), (7, 8, 1), (3, 3, 2)),
    (Conv2D, dict(filters=2, kernel_size=3, strides=2, padding="same"), (7, 8, 1), (4, 4, 2)),
    (Conv2D, dict(filters=2, kernel_size=(2, 4), strides=(3, 1), padding="same"), (7, 8, 1),
     (3, 8, 2)),
    (Conv2D, dict(filters=2, kernel_size=3, dilation_rate=3), (7, 8, 1), (1, 2, 2)),
    (Conv2D, dict(filters=2, kernel_size=1, strides=3), (7, 8, 1), (3, 3, 2)),
    (MaxPooling2D, dict(pool_size=3), (7, 8, 4), (2, 2, 4)),
    (MaxPooling2D, dict(pool_size=3, padding="same"), (7, 8, 4), (3, 3, 4)),
    (AveragePooling2D, dict(pool_size=(2, 3), strides=1), (7, 8, 4), (6, 6, 4)),
    (AveragePooling2D, dict(pool_size=2, strides=3, padding="same"), (7, 8, 4), (3, 3, 4)),
])
def test_output_shapes_worked_out(cls, kwargs, in_shape, out_shape):
    layer = cls(**kwargs)
    assert layer.compute_output_shape(in_shape) == out_shape
