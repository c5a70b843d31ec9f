"""How big is a kernel call? The flops of the largest BLAS product each kernel does, estimated
from its arguments' shapes, for the thread policy (:mod:`pynet.kernels.thread_policy`).

A kernel that calls BLAS adds an entry to :data:`WORK`; a kernel missing from it runs with the
BLAS pool as it is.
"""
from __future__ import annotations

import numpy as np

__all__ = ["WORK", "WITHOUT_BLAS", "THREADED", "call_flops", "shared_work", "CONV_CHUNK_ELEMENTS",
           "POOL_ELEMENT_FLOPS"]

#: Elements of the im2col buffer filled per GEMM by the compiled convolution (csrc/conv.pyx).
CONV_CHUNK_ELEMENTS = 1 << 18


# -- how big is a call? -------------------------------------------------------------------------

def _shape(a):
    if type(a) is np.ndarray:
        return a.shape              # already a tuple of ints
    shape = getattr(a, "shape", None)
    if shape is None:
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
    """The largest im2col GEMM: rows·(kh·kw·c) im2col elements (at most one chunk of output
    rows, at least csrc/conv.pyx's MIN_CHUNK_ROWS = 256 rows) times f."""
    n, h, w = _shape(x)[:3]
    kh, kw, c, f = _shape(kernel)
    cols = n * h * w * kh * kw * c
    if (kh, kw) != (1, 1):
        cols = min(cols, max(CONV_CHUNK_ELEMENTS, 256 * kh * kw * c))
    return 2 * cols * f


def _conv1d(x, kernel, *args, **kw):
    """The largest window-matrix GEMM of csrc/conv1d.pyx: one chunk of whole sequences (as many
    as fit in :data:`CONV_CHUNK_ELEMENTS`, at least one) of L·(k·c) elements, times f filters."""
    n, length = _shape(x)[:2]
    k, c, f = _shape(kernel)
    per_sequence = length * k * c
    sequences = min(n, max(1, CONV_CHUNK_ELEMENTS // max(per_sequence, 1)))
    return 2 * sequences * per_sequence * f


def _conv_transpose(x, kernel, *args, **kw):
    """One GEMM over every input pixel: (N·H·W, C) @ (C, kh·kw·F)."""
    n, h, w, c = _shape(x)
    kh, kw, f, _ = _shape(kernel)
    return 2 * n * h * w * c * kh * kw * f


def _recurrent(x, kernel, recurrent_kernel, *args, **kw):
    """The larger of the input projection over every step, (T·B, F) @ (F, k·units), and one
    step's recurrent product, (B, units) @ (units, k·units); ``x`` is time-major (T, B, F)."""
    t, b, f = _shape(x)
    units, gates = _shape(recurrent_kernel)
    return 2 * max(t * b * f * gates, b * units * gates)


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
    "conv1d_forward": _conv1d,
    "conv1d_backward": _conv1d,
    "conv2d_transpose_forward": _conv_transpose,
    "conv2d_transpose_backward": _conv_transpose,
    "simple_rnn_forward": _recurrent,
    "simple_rnn_backward": _recurrent,
    "lstm_forward": _recurrent,
    "lstm_backward": _recurrent,
    "gru_forward": _recurrent,
    "gru_backward": _recurrent,
    "rashid_train_step": _per_sample,
    "rashid_train_epoch": _per_sample,
    "rashid_query_batch": _rashid_query_batch,
    "nielsen_backprop": _nielsen,
    "nielsen_step": _nielsen,
    "nielsen_epoch": _nielsen_epoch,
}


#: Kernels of BLAS-calling domains (csrc files that cimport BLAS) that call no BLAS themselves:
#: elementwise work, index copies or optimiser updates. Every other kernel of those domains is in
#: :data:`WORK` (a test checks it).
WITHOUT_BLAS = frozenset({
    "sigmoid", "logit", "im2col", "col2im", "activation_forward", "activation_backward",
    "sgd_update", "rmsprop_update", "adam_update", "adagrad_update",
    "embedding_forward", "embedding_backward",
})


# -- kernels that share a batch among threads themselves ----------------------------------------

#: What one pooled input element costs, in GEMM flops on this machine (measured: max pooling
#: reads ~2 elements a nanosecond on one core, where sgemm does ~170 flops a nanosecond).
POOL_ELEMENT_FLOPS = 64


def _conv_total(x, kernel, *args, **kw):
    """The whole call's flops, 2·N·H·W·kh·kw·C·F (the input's pixels standing in for the
    output's)."""
    n, h, w = _shape(x)[:3]
    return 2 * n * h * w * _size(kernel)


def _pool_total(a, *args, **kw):
    """The pooled array's elements (x forward, the output gradient backward), in GEMM flops."""
    return POOL_ELEMENT_FLOPS * _size(a)


#: Kernels that share a batch's images among threads themselves (OpenMP in csrc/conv.pyx,
#: csrc/conv_transpose.pyx and csrc/pooling.pyx, a ``threads=`` argument), and the work of a
#: whole call in flops (or its equivalent): below the policy's small-call size, one thread.
THREADED = {
    "conv2d_forward": _conv_total,
    "conv2d_backward": _conv_total,
    "conv2d_transpose_forward": _conv_transpose,     # its one product is the whole call
    "conv2d_transpose_backward": _conv_transpose,
    "max_pool2d_forward": _pool_total,
    "max_pool2d_backward": _pool_total,
    "avg_pool2d_forward": _pool_total,
    "avg_pool2d_backward": _pool_total,
}


def shared_work(name: str, *args, **kwargs) -> int:
    """The work (flops or their equivalent) of a whole call of a :data:`THREADED` kernel; 0 when
    the arguments are not arrays the estimate understands."""
    try:
        return int(THREADED[name](*args, **kwargs))
    except Exception:  # noqa: BLE001 - an estimate never stops a call; the kernel checks
        return 0


def call_flops(name: str, *args, **kwargs) -> int:
    """Floating point operations of the largest BLAS product kernel ``name`` does for these
    arguments (0 when they are not arrays the estimate understands: the kernel's own checks
    then raise)."""
    try:
        return int(WORK[name](*args, **kwargs))
    except Exception:  # noqa: BLE001 - an estimate never stops a call; the kernel checks
        return 0
