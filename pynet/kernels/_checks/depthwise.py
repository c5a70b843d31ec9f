"""Argument preparation for the depthwise convolution kernels (both backends call these).

Layout: images NHWC; the depthwise kernel is Keras's ``(kh, kw, in_channels, depth_multiplier)``;
output channel ``c·M + m`` is input channel ``c`` filtered by its ``m``-th kernel (TensorFlow's
order), so the output has ``C·M`` channels. Padding and output sizes are the convolution's
(:mod:`pynet.kernels._checks.conv`).
"""
from __future__ import annotations

from . import as_float_array, describe, same_dtype
from .conv import conv_geometry, image_batch, normalize_pair, normalize_padding


def _common(k, x, kernel, strides, padding, dilation):
    where = f"{k}()"
    x = image_batch("x", x, kernel=k)
    kernel = as_float_array("kernel", kernel, ndim=4, kernel=k)
    strides = normalize_pair("strides", strides, where=where)
    dilation = normalize_pair("dilation", dilation, where=where)
    padding = normalize_padding(padding, where=where)
    n, h, w, c = x.shape
    kh, kw, kc, m = kernel.shape
    if kc != c:
        raise ValueError(
            f"{where}: kernel expects {kc} input channels (kernel shape {kernel.shape} = "
            f"(height, width, in_channels, depth_multiplier)) but x has {c} (x shape {x.shape}, "
            "channels last)")
    oh, ow, pt, pl = conv_geometry((h, w), (kh, kw), strides, dilation, padding, where=where)
    return x, kernel, (strides, dilation, oh, ow, pt, pl)


def prepare_depthwise_conv2d_forward(x, kernel, bias, strides, padding, dilation):
    """Validate ``depthwise_conv2d_forward``; return ``(x, kernel, bias, geometry)`` with
    ``geometry = (strides, dilation, oh, ow, pad_top, pad_left)``."""
    k = "depthwise_conv2d_forward"
    x, kernel, geometry = _common(k, x, kernel, strides, padding, dilation)
    arrays = {"x": x, "kernel": kernel}
    channels = kernel.shape[2] * kernel.shape[3]
    if bias is not None:
        bias = as_float_array("bias", bias, ndim=1, kernel=k)
        if bias.shape[0] != channels:
            raise ValueError(f"{k}(): bias must have shape ({channels},) (in_channels · "
                             f"depth_multiplier), got {describe(bias)}")
        arrays["bias"] = bias
    same_dtype(k, arrays)
    return x, kernel, bias, geometry


def prepare_depthwise_conv2d_backward(x, kernel, grad_output, strides, padding, dilation):
    """Validate ``depthwise_conv2d_backward``; return ``(x, kernel, grad_output, geometry)``."""
    k = "depthwise_conv2d_backward"
    x, kernel, geometry = _common(k, x, kernel, strides, padding, dilation)
    grad_output = as_float_array("grad_output", grad_output, ndim=4, kernel=k)
    same_dtype(k, x=x, kernel=kernel, grad_output=grad_output)
    _, _, oh, ow, _, _ = geometry
    want = (x.shape[0], oh, ow, kernel.shape[2] * kernel.shape[3])
    if grad_output.shape != want:
        raise ValueError(f"{k}(): grad_output must have the forward output's shape {want}, got "
                         f"{grad_output.shape}")
    return x, kernel, grad_output, geometry


def padded_extent(shape, kernel_hw, geometry):
    """Height and width of the zero-padded image the windows run over."""
    strides, dilation, oh, ow, pt, pl = geometry
    _, h, w, _ = shape
    need_h = (oh - 1) * strides[0] + (kernel_hw[0] - 1) * dilation[0] + 1
    need_w = (ow - 1) * strides[1] + (kernel_hw[1] - 1) * dilation[1] + 1
    return max(h + pt, need_h), max(w + pl, need_w)
