"""The naive convolution and pooling loops, one multiply-add at a time.

This is what a convolution layer *means*: slide the window over the image, multiply what is
under it by the kernel, add it all up. Seven nested loops (sample, output row, output column,
filter, kernel row, kernel column, channel). The fast kernels (:mod:`pynet.kernels.reference.conv`,
``csrc/conv.pyx``) compute exactly the same numbers; the tests use these loops as the third
witness on small inputs. Channels last (NHWC), kernel ``(kh, kw, in_channels, filters)``.

The arguments are the kernels' (ints or pairs for ``strides``/``dilation``/``pool_size``,
``'valid'``/``'same'`` padding), and the geometry comes from the same shape rules.
"""
from __future__ import annotations

import numpy as np

from .._checks.conv import conv_geometry, normalize_pair, normalize_padding

__all__ = ["conv2d", "conv2d_grad_kernel", "conv2d_grad_input", "max_pool2d", "avg_pool2d"]


def _geometry(h, w, kh, kw, strides, padding, dilation, where):
    strides = normalize_pair("strides", strides, where=where)
    dilation = normalize_pair("dilation", dilation, where=where)
    padding = normalize_padding(padding, where=where)
    oh, ow, pt, pl = conv_geometry((h, w), (kh, kw), strides, dilation, padding, where=where)
    return strides, dilation, oh, ow, pt, pl


def conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation=1):
    """y[n, i, j, f] = bias[f] + Σ_{p, q, c} x[n, i·s − pad + p·d, j·s − pad + q·d, c] · K[p, q, c, f],
    where pixels outside the image count as zero."""
    n, h, w, c = x.shape
    kh, kw, _, f = kernel.shape
    (sh, sw), (dh, dw), oh, ow, pt, pl = _geometry(h, w, kh, kw, strides, padding, dilation,
                                                   "loops.conv2d()")
    y = np.zeros((n, oh, ow, f))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for k in range(f):
                    total = 0.0 if bias is None else float(bias[k])
                    for p in range(kh):
                        for q in range(kw):
                            r = i * sh - pt + p * dh
                            s = j * sw - pl + q * dw
                            if 0 <= r < h and 0 <= s < w:      # outside: a padding zero
                                for ch in range(c):
                                    total += float(x[b, r, s, ch]) * float(kernel[p, q, ch, k])
                    y[b, i, j, k] = total
    return y


def conv2d_grad_kernel(x, grad_output, kernel_shape, *, strides=1, padding="valid", dilation=1):
    """dL/dK[p, q, c, f] = Σ_{n, i, j} x[n, i·s − pad + p·d, j·s − pad + q·d, c] · dY[n, i, j, f]."""
    n, h, w, c = x.shape
    kh, kw, _, f = kernel_shape
    (sh, sw), (dh, dw), oh, ow, pt, pl = _geometry(h, w, kh, kw, strides, padding, dilation,
                                                   "loops.conv2d_grad_kernel()")
    g = np.zeros(kernel_shape)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for p in range(kh):
                    for q in range(kw):
                        r = i * sh - pt + p * dh
                        s = j * sw - pl + q * dw
                        if 0 <= r < h and 0 <= s < w:
                            for ch in range(c):
                                for k in range(f):
                                    g[p, q, ch, k] += float(x[b, r, s, ch]) * float(grad_output[b, i, j, k])
    return g


def conv2d_grad_input(grad_output, kernel, input_shape, *, strides=1, padding="valid",
                      dilation=1):
    """dL/dx: every output's gradient flows back through each kernel tap to the pixel under it."""
    n, h, w, c = input_shape
    kh, kw, _, f = kernel.shape
    (sh, sw), (dh, dw), oh, ow, pt, pl = _geometry(h, w, kh, kw, strides, padding, dilation,
                                                   "loops.conv2d_grad_input()")
    g = np.zeros(input_shape)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for p in range(kh):
                    for q in range(kw):
                        r = i * sh - pt + p * dh
                        s = j * sw - pl + q * dw
                        if 0 <= r < h and 0 <= s < w:
                            for ch in range(c):
                                for k in range(f):
                                    g[b, r, s, ch] += float(kernel[p, q, ch, k]) * float(grad_output[b, i, j, k])
    return g


def max_pool2d(x, pool_size, *, strides=None, padding="valid"):
    """(y, argmax): the largest real pixel of every window, first one on ties."""
    n, h, w, c = x.shape
    ph, pw = normalize_pair("pool_size", pool_size, where="loops.max_pool2d()")
    strides = (ph, pw) if strides is None else strides
    (sh, sw), _, oh, ow, pt, pl = _geometry(h, w, ph, pw, strides, padding, 1, "loops.max_pool2d()")
    y = np.zeros((n, oh, ow, c))
    argmax = np.zeros((n, oh, ow, c), dtype=np.int64)
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    best, where = None, -1
                    for p in range(ph):
                        for q in range(pw):
                            r, s = i * sh - pt + p, j * sw - pl + q
                            if 0 <= r < h and 0 <= s < w:
                                v = float(x[b, r, s, ch])
                                if best is None or v > best:   # strictly greater: first max wins
                                    best, where = v, r * w + s
                    y[b, i, j, ch], argmax[b, i, j, ch] = best, where
    return y, argmax


def avg_pool2d(x, pool_size, *, strides=None, padding="valid"):
    """The mean of the real pixels of every window (padding is not counted)."""
    n, h, w, c = x.shape
    ph, pw = normalize_pair("pool_size", pool_size, where="loops.avg_pool2d()")
    strides = (ph, pw) if strides is None else strides
    (sh, sw), _, oh, ow, pt, pl = _geometry(h, w, ph, pw, strides, padding, 1, "loops.avg_pool2d()")
    y = np.zeros((n, oh, ow, c))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    total, count = 0.0, 0
                    for p in range(ph):
                        for q in range(pw):
                            r, s = i * sh - pt + p, j * sw - pl + q
                            if 0 <= r < h and 0 <= s < w:
                                total += float(x[b, r, s, ch])
                                count += 1
                    y[b, i, j, ch] = total / count
    return y
