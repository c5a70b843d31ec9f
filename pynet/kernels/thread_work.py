"""How big is a kernel call? The flops of the largest BLAS product each kernel does, estimated
from its arguments' shapes, for the thread policy (:mod:`pynet.kernels.thread_policy`).

A kernel that calls BLAS adds an entry to :data:`WORK`; a kernel missing from it runs with the
BLAS pool as it is.
"""
from __future__ import annotations

__all__ = ["WORK", "call_flops", "CONV_CHUNK_ELEMENTS"]

#: Elements of the im2col buffer filled per GEMM by the compiled convolution (csrc/conv.pyx).
CONV_CHUNK_ELEMENTS = 1 << 18


# -- how big is a call? -------------------------------------------------------------------------

def _shape(a):
    shape = getattr(a, "shape", None)
    if shape is None:
        import numpy as np

        shape = np.shape(a)
    return tuple(int(s) for s in shape)


def _size(a) -> int:
    n = 1
    for s in _shape(a):
        n *= s
    return n


def _matmul(a, b, *args, trans_a=False, trans_b=False, **kw):
    sa, sb = _shape(a), _shape(b)
    m, k = (sa[1], sa[0]) if trans_a else (sa[0], sa[1])
    n = sb[0] if trans_b else sb[1]
    return 2 * m * n * k


def _matvec(a, x, *args, **kw):
    return 2 * _size(a)


def _outer(w, *args, **kw):
    return 2 * _size(w)


def _dense(x, kernel, *args, **kw):
    """One (n, d)@(d, u) product: 2·n·d·u."""
    return 2 * _shape(x)[0] * _size(kernel)


def _conv(x, kernel, *args, **kw):
    """The largest im2col GEMM: rows·(kh·kw·c) im2col elements (at most one chunk) times f."""
    n, h, w = _shape(x)[:3]
    kh, kw, c, f = _shape(kernel)
    cols = n * h * w * kh * kw * c
    if (kh, kw) != (1, 1):
        cols = min(cols, max(CONV_CHUNK_ELEMENTS, kh * kw * c * h * w))
    return 2 * cols * f


def _per_sample(*args, **kw):
    """Rashid's training kernels: one record at a time (gemv/ger), whatever the epoch's size."""
    return 0


def _rashid_query_batch(wih, who, inputs, *args, **kw):
    return 2 * _shape(inputs)[0] * _size(wih)


def _nielsen(weights, biases, x, *args, **kw):
    """The largest layer's product for the whole mini-batch ``x`` (rows = samples)."""
    widest = max(_size(w) for w in weights)
    d = _shape(weights[0])[1]
    return 2 * (_size(x) // max(d, 1)) * widest


def _nielsen_epoch(weights, biases, x_rows, y_rows, order, mini_batch_size, *args, **kw):
    widest = max(_size(w) for w in weights)
    return 2 * int(mini_batch_size) * widest


#: Kernels that call BLAS, and the floating point operations of their largest product. A kernel
#: that calls BLAS and is missing here runs with the pool as it is; add it here.
WORK = {
    "matmul": _matmul,
    "matvec": _matvec,
    "outer_update": _outer,
    "dense_forward": _dense,
    "dense_backward": _dense,
    "conv2d_forward": _conv,
    "conv2d_backward": _conv,
    "rashid_train_step": _per_sample,
    "rashid_train_epoch": _per_sample,
    "rashid_query_batch": _rashid_query_batch,
    "nielsen_backprop": _nielsen,
    "nielsen_step": _nielsen,
    "nielsen_epoch": _nielsen_epoch,
}


def call_flops(name: str, *args, **kwargs) -> int:
    """Floating point operations of the largest BLAS product kernel ``name`` does for these
    arguments (0 when they are not arrays the estimate understands: the kernel's own checks
    then raise)."""
    try:
        return int(WORK[name](*args, **kwargs))
    except Exception:  # noqa: BLE001 - an estimate never stops a call; the kernel checks
        return 0
