"""Argument checks and shape arithmetic for the transposed-convolution kernels (both backends).

Layout (Keras's): images ``(batch, height, width, channels_in)``, kernel
``(kh, kw, filters_out, channels_in)`` — the kernel of the convolution this layer is the transpose
of, read with its in/out roles swapped.

Output size per axis (Keras's ``deconv_output_length``), input length ``n``, window ``k``,
stride ``s``:

* ``output_padding=None``: ``'valid'`` -> ``n·s + max(k − s, 0)``; ``'same'`` -> ``n·s``;
* ``output_padding=a``: ``(n − 1)·s + k − 2·pad + a`` with ``pad = 0`` (valid) or ``k // 2`` (same);
  ``a`` must be smaller than the stride.

The output's padding is then the forward convolution's (TensorFlow's rule): a ``'same'`` convolution
of the output must give back ``n`` positions, with ``⌊total/2⌋`` padding rows before and the rest
after.
"""
from __future__ import annotations


from . import as_float_array, describe, same_dtype
from .conv import VALID, image_batch, normalize_pair, normalize_padding, output_length


def normalize_output_padding(output_padding, strides, *, where: str):
    """None, or a pair of ints ``0 <= a < stride`` (Keras's rule)."""
    if output_padding is None:
        return None
    pair = normalize_pair("output_padding", output_padding, where=where, minimum=0)
    for a, s in zip(pair, strides):
        if a >= s:
            raise ValueError(f"{where}: output_padding must be smaller than the strides "
                             f"{strides}, got {output_padding!r}")
    return pair


def transpose_output_length(n: int, k: int, s: int, padding: str, output_padding) -> int:
    """Keras's ``deconv_output_length`` (dilation 1)."""
    if output_padding is None:
        return n * s + max(k - s, 0) if padding == VALID else n * s
    pad = 0 if padding == VALID else k // 2
    return (n - 1) * s + k - 2 * pad + output_padding


def transpose_geometry(input_hw, kernel_hw, strides, padding, output_padding, *, where: str):
    """``(out_h, out_w, pad_top, pad_left)``: the output size and the padding of the convolution
    from the output back to the input."""
    sizes, pads = [], []
    for axis, n, k, s, a in zip(("height", "width"), input_hw, kernel_hw, strides,
                                output_padding or (None, None)):
        out = transpose_output_length(n, k, s, padding, a)
        if out < 1:
            raise ValueError(f"{where}: the output would have {out} pixels along {axis} "
                             f"(input {n}, kernel {k}, stride {s}, padding {padding!r}, "
                             f"output_padding {a})")
        back, pad, _ = output_length(out, k, s, 1, padding, where=where, axis=axis)
        if back != n:
            raise ValueError(f"{where}: with kernel {k}, stride {s}, padding {padding!r} and "
                             f"output_padding {a}, an output of {out} along {axis} does not "
                             f"convolve back to the input's {n}; choose another output_padding")
        sizes.append(out)
        pads.append(pad)
    return sizes[0], sizes[1], pads[0], pads[1]


def _common(k, x, kernel, strides, padding, output_padding):
    where = f"{k}()"
    x = image_batch("x", x, kernel=k)
    kernel = as_float_array("kernel", kernel, ndim=4, kernel=k)
    strides = normalize_pair("strides", strides, where=where)
    padding = normalize_padding(padding, where=where)
    output_padding = normalize_output_padding(output_padding, strides, where=where)
    n, h, w, c = x.shape
    kh, kw, f, kc = kernel.shape
    if kc != c:
        raise ValueError(f"{where}: kernel expects {kc} input channels (kernel shape "
                         f"{kernel.shape} = (height, width, filters, in_channels)) but x has {c} "
                         f"(x shape {x.shape}, channels last)")
    oh, ow, pt, pl = transpose_geometry((h, w), (kh, kw), strides, padding, output_padding,
                                        where=where)
    return x, kernel, (strides, (1, 1), h, w, pt, pl), (n, oh, ow, f)


def prepare_conv2d_transpose_forward(x, kernel, bias, strides, padding, output_padding):
    """Validate ``conv2d_transpose_forward``; return ``(x, kernel, bias, geometry, out_shape)``.

    ``geometry = (strides, dilation, h, w, pad_top, pad_left)`` describes the convolution from
    the output ``out_shape = (N, OH, OW, filters)`` back to ``x``'s ``(h, w)``.
    """
    k = "conv2d_transpose_forward"
    x, kernel, geometry, shape = _common(k, x, kernel, strides, padding, output_padding)
    arrays = {"x": x, "kernel": kernel}
    if bias is not None:
        bias = as_float_array("bias", bias, ndim=1, kernel=k)
        arrays["bias"] = bias
        if bias.shape[0] != kernel.shape[2]:
            raise ValueError(f"{k}(): bias must have shape ({kernel.shape[2]},) (one per filter), "
                             f"got {bias.shape}")
    same_dtype(k, arrays)
    return x, kernel, bias, geometry, shape


def prepare_conv2d_transpose_backward(x, kernel, grad_output, strides, padding, output_padding):
    """Validate ``conv2d_transpose_backward``; return ``(x, kernel, grad_output, geometry)``."""
    k = "conv2d_transpose_backward"
    x, kernel, geometry, shape = _common(k, x, kernel, strides, padding, output_padding)
    grad_output = as_float_array("grad_output", grad_output, ndim=4, kernel=k)
    same_dtype(k, {"x": x, "kernel": kernel, "grad_output": grad_output})
    if grad_output.shape != shape:
        raise ValueError(f"{k}(): grad_output must have the forward output's shape {shape}, "
                         f"got {describe(grad_output)}")
    return x, kernel, grad_output, geometry
