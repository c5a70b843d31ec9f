"""Argument preparation and shape arithmetic for the convolution kernels (both backends call these).

Layout
------
Kernels work in ``channels_last`` (NHWC): images are ``(batch, height, width, channels)`` and a
convolution kernel is ``(kernel_height, kernel_width, in_channels, filters)``, Keras's order. The
layers transpose ``channels_first`` data before calling a kernel.

Output size (Keras / TensorFlow rules), for one spatial axis of length ``n``, window ``k``,
stride ``s`` and dilation ``d`` (the dilated window spans ``k_eff = (k - 1)·d + 1`` pixels):

* ``'valid'``: ``out = ⌊(n − k_eff) / s⌋ + 1``; the window must fit, ``n ≥ k_eff``;
* ``'same'``:  ``out = ⌈n / s⌉``; zeros are added, ``total = max((out − 1)·s + k_eff − n, 0)``,
  of which ``total // 2`` go before the image and the rest after (the odd one at the end).
"""
from __future__ import annotations

import numbers

import numpy as np

from . import as_float_array, blas_dims, describe, same_dtype, separate, writable_output
from .dense import LINEAR, RELU

#: Padding modes, as Keras spells them (the rules are in the module docstring).
VALID, SAME = "valid", "same"
PADDINGS = (VALID, SAME)

#: Activations the convolution kernels apply themselves (fused into the output pass); any other
#: one is applied by the layer after a 'linear' kernel call.
FUSED_ACTIVATIONS = (LINEAR, RELU)


def normalize_activation(activation, *, where: str) -> str:
    """``'linear'`` (also for ``None``) or ``'relu'``."""
    name = LINEAR if activation is None else activation
    if not isinstance(name, str) or name.lower() not in FUSED_ACTIVATIONS:
        raise ValueError(f"{where}: activation must be 'linear' or 'relu' (the layer applies any "
                         f"other one itself), got {activation!r}")
    return name.lower()


def normalize_pair(name: str, value, *, where: str, minimum: int = 1) -> tuple[int, int]:
    """Return ``value`` as a pair of ints ``>= minimum`` (an int means the same on both axes).

    ``strides=2`` -> ``(2, 2)``; ``kernel_size=(3, 5)`` -> ``(3, 5)``. Floats (even ``2.0``),
    bools, zero and negative values are refused with the argument's name in the message.
    """
    items = value if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2:
        raise ValueError(f"{where}: {name} must be an int or a pair of ints, got {value!r}")
    out = []
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{where}: {name} must be an int or a pair of ints, got {value!r}")
        if int(v) < minimum:
            raise ValueError(f"{where}: {name} must be >= {minimum}, got {value!r}")
        out.append(int(v))
    return out[0], out[1]


def normalize_padding(padding, *, where: str) -> str:
    """``'valid'`` or ``'same'`` (case-insensitive)."""
    if not isinstance(padding, str) or padding.lower() not in PADDINGS:
        raise ValueError(f"{where}: padding must be 'valid' or 'same', got {padding!r}")
    return padding.lower()


def output_length(n: int, k: int, s: int, d: int, padding: str, *, where: str = "",
                  axis: str = "") -> tuple[int, int, int]:
    """Output length and padding ``(out, pad_before, pad_after)`` of one spatial axis.

    Raises ValueError when a ``'valid'`` window does not fit in the input.
    """
    k_eff = (k - 1) * d + 1
    if padding == VALID:
        if n < k_eff:
            dil = f" (dilated from {k} by {d})" if d > 1 else ""
            raise ValueError(
                f"{where}: the window spans {k_eff} pixels{dil} along {axis or 'an axis'} but the "
                f"input has only {n} with padding='valid'; use a smaller window, padding='same', "
                "or a larger input"
            )
        return (n - k_eff) // s + 1, 0, 0
    out = -(-n // s)
    total = max((out - 1) * s + k_eff - n, 0)
    return out, total // 2, total - total // 2


def conv_geometry(input_hw, kernel_hw, strides, dilation, padding, *, where: str):
    """``(out_h, out_w, pad_top, pad_left)`` for a convolution or pooling window."""
    oh, pt, _ = output_length(input_hw[0], kernel_hw[0], strides[0], dilation[0], padding,
                              where=where, axis="height")
    ow, pl, _ = output_length(input_hw[1], kernel_hw[1], strides[1], dilation[1], padding,
                              where=where, axis="width")
    return oh, ow, pt, pl


def image_batch(name: str, x, *, kernel: str) -> np.ndarray:
    """A 4-D float batch ``(batch, height, width, channels)``, C-contiguous."""
    where = f"{kernel}()"
    a = np.asarray(x)
    if a.ndim != 4:
        hint = ""
        if a.ndim == 3:
            hint = (f" — a single image or a batch without a channel axis? add one with "
                    f"x[..., None] to get {a.shape + (1,)}")
        raise ValueError(
            f"{where}: argument {name!r} must be 4-D (batch, height, width, channels), "
            f"got {describe(a)}{hint}"
        )
    return as_float_array(name, a, kernel=kernel)


def prepare_conv2d_forward(x, kernel, bias, strides, padding, dilation, out, activation=LINEAR):
    """Validate ``conv2d_forward`` arguments.

    Returns ``(x, kernel, bias, out, geometry, activation)`` with ``geometry = (strides,
    dilation, oh, ow, pad_top, pad_left)``; ``bias`` is None or a C-contiguous ``(filters,)``
    array.
    """
    k = "conv2d_forward"
    where = f"{k}()"
    activation = normalize_activation(activation, where=where)
    x = image_batch("x", x, kernel=k)
    kernel = as_float_array("kernel", kernel, ndim=4, kernel=k)
    arrays = {"x": x, "kernel": kernel}
    if bias is not None:
        bias = as_float_array("bias", bias, ndim=1, kernel=k)
        arrays["bias"] = bias
    dtype = same_dtype(k, arrays)
    strides = normalize_pair("strides", strides, where=where)
    dilation = normalize_pair("dilation", dilation, where=where)
    padding = normalize_padding(padding, where=where)
    n, h, w, c = x.shape
    kh, kw, kc, f = kernel.shape
    if kc != c:
        raise ValueError(
            f"{where}: kernel expects {kc} input channels (kernel shape {kernel.shape} = "
            f"(height, width, in_channels, filters)) but x has {c} (x shape {x.shape}, "
            "channels last)"
        )
    if bias is not None and bias.shape[0] != f:
        raise ValueError(f"{where}: bias must have shape ({f},) (one per filter), got {bias.shape}")
    oh, ow, pt, pl = conv_geometry((h, w), (kh, kw), strides, dilation, padding, where=where)
    shape = (n, oh, ow, f)
    if out is None:
        out = np.empty(shape, dtype=dtype)
    else:
        out = writable_output("out", out, shape, dtype, kernel=k)
        read = separate(k, {"out": out}, {"x": x, "kernel": kernel, "bias": bias})
        x, kernel, bias = read["x"], read["kernel"], read["bias"]
    blas_dims(k, output_pixels=n * oh * ow, patch=kh * kw * c, filters=f)
    return x, kernel, bias, out, (strides, dilation, oh, ow, pt, pl), activation


def prepare_conv2d_backward(x, kernel, grad_output, strides, padding, dilation,
                            activation=LINEAR, output=None, mask=True):
    """Validate ``conv2d_backward`` arguments; return ``(x, kernel, grad_z, geometry)``.

    With ``activation='relu'`` the forward pass's ``output`` is required, and the returned
    gradient is already the one before the activation: ``grad_output · [output > 0]``. With
    ``mask=False`` (the compiled kernel, which applies that product itself, a part of the batch
    per thread) ``grad_output`` is returned as it is, followed by the checked ``output`` (None
    without ReLU): ``(x, kernel, grad_output, geometry, output)``.
    """
    k = "conv2d_backward"
    where = f"{k}()"
    activation = normalize_activation(activation, where=where)
    x = image_batch("x", x, kernel=k)
    kernel = as_float_array("kernel", kernel, ndim=4, kernel=k)
    grad_output = as_float_array("grad_output", grad_output, ndim=4, kernel=k)
    same_dtype(k, {"x": x, "kernel": kernel, "grad_output": grad_output})
    strides = normalize_pair("strides", strides, where=where)
    dilation = normalize_pair("dilation", dilation, where=where)
    padding = normalize_padding(padding, where=where)
    n, h, w, c = x.shape
    kh, kw, kc, f = kernel.shape
    if kc != c:
        raise ValueError(
            f"{where}: kernel expects {kc} input channels (kernel shape {kernel.shape}) but x "
            f"has {c} (x shape {x.shape})"
        )
    oh, ow, pt, pl = conv_geometry((h, w), (kh, kw), strides, dilation, padding, where=where)
    if grad_output.shape != (n, oh, ow, f):
        raise ValueError(
            f"{where}: grad_output must have the forward output's shape {(n, oh, ow, f)}, "
            f"got {grad_output.shape}"
        )
    if activation == RELU:
        if output is None:
            raise ValueError(f"{where}: activation='relu' needs output=, the forward pass's "
                             "result (the ReLU's derivative is read from it)")
        output = as_float_array("output", output, ndim=4, kernel=k)
        if output.shape != grad_output.shape or output.dtype != grad_output.dtype:
            raise ValueError(f"{where}: output must be the forward result, {grad_output.dtype} "
                             f"of shape {grad_output.shape}, got {describe(output)}")
        if mask:
            grad_output = grad_output * (output > 0)     # dReLU/dz = 1 where the output is > 0
    blas_dims(k, output_pixels=n * oh * ow, patch=kh * kw * c, filters=f)
    if not mask:
        return x, kernel, grad_output, (strides, dilation, oh, ow, pt, pl), \
            (output if activation == RELU else None)
    return x, kernel, grad_output, (strides, dilation, oh, ow, pt, pl)


def prepare_im2col(x, kernel_size, strides, padding, dilation):
    """Validate ``im2col`` arguments; return ``(x, (kh, kw), geometry)``."""
    k = "im2col"
    where = f"{k}()"
    x = image_batch("x", x, kernel=k)
    ksize = normalize_pair("kernel_size", kernel_size, where=where)
    strides = normalize_pair("strides", strides, where=where)
    dilation = normalize_pair("dilation", dilation, where=where)
    padding = normalize_padding(padding, where=where)
    oh, ow, pt, pl = conv_geometry(x.shape[1:3], ksize, strides, dilation, padding, where=where)
    return x, ksize, (strides, dilation, oh, ow, pt, pl)


def prepare_col2im(cols, input_shape, kernel_size, strides, padding, dilation):
    """Validate ``col2im`` arguments; return ``(cols, input_shape, (kh, kw), geometry)``."""
    k = "col2im"
    where = f"{k}()"
    cols = as_float_array("cols", cols, ndim=2, kernel=k)
    if len(tuple(input_shape)) != 4:
        raise ValueError(f"{where}: input_shape must be (batch, height, width, channels), "
                         f"got {input_shape!r}")
    input_shape = tuple(int(v) for v in input_shape)
    ksize = normalize_pair("kernel_size", kernel_size, where=where)
    strides = normalize_pair("strides", strides, where=where)
    dilation = normalize_pair("dilation", dilation, where=where)
    padding = normalize_padding(padding, where=where)
    n, h, w, c = input_shape
    oh, ow, pt, pl = conv_geometry((h, w), ksize, strides, dilation, padding, where=where)
    want = (n * oh * ow, ksize[0] * ksize[1] * c)
    if cols.shape != want:
        raise ValueError(f"{where}: cols must have shape {want} for input_shape {input_shape}, "
                         f"got {cols.shape}")
    return cols, input_shape, ksize, (strides, dilation, oh, ow, pt, pl)
