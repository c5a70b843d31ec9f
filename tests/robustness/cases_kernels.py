"""Bad-input cases for every kernel, on both backends (the table's "kernels" row).

Each kernel gets wrong dtypes, wrong shapes, NaN or out-of-range scalars and read-only outputs;
every case that updates arrays in place snapshots them, so a refusal that had already written
counts as a half-applied change. The aliasing cases (``raises=()``) must *succeed* with the
answer the same call gives on separate copies — the rule in ``pynet.kernels._checks.separate``.
"""
from __future__ import annotations

import numpy as np

from pynet.kernels import compiled_available, load_backend

from .harness import case, snapshot

BACKENDS = ("python", "cython") if compiled_available() else ("python",)


def K(backend):
    return load_backend(backend)


def _rng():
    return np.random.default_rng(7)


def _net(sizes=(4, 3, 2)):
    r = _rng()
    ws = [r.standard_normal((b, a)) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [r.standard_normal((b, 1)) for b in sizes[1:]]
    return ws, bs


def _register(backend):
    k = lambda: K(backend)  # noqa: E731 - loaded when the case runs (in the child, if isolated)
    sfx = f"[{backend}]"

    # --- linalg -------------------------------------------------------------------------------
    @case("kernels", raises=ValueError, mentions=("inner dimensions",), name="matmul_shapes" + sfx)
    def _():
        return lambda: k().matmul(np.ones((2, 3)), np.ones((4, 2)))

    @case("kernels", raises=TypeError, mentions=("'a'", "int64"), name="matmul_int" + sfx)
    def _():
        return lambda: k().matmul(np.ones((2, 3), dtype=np.int64), np.ones((3, 2)))

    @case("kernels", raises=TypeError, mentions=("dtype",), name="matmul_mixed_dtype" + sfx)
    def _():
        return lambda: k().matmul(np.ones((2, 3), np.float32), np.ones((3, 2)))

    @case("kernels", raises=ValueError, mentions=("'out'", "read-only"), name="matmul_readonly_out" + sfx)
    def _():
        out = np.zeros((2, 2))
        out.setflags(write=False)
        return (lambda: k().matmul(np.ones((2, 3)), np.ones((3, 2)), out=out)), snapshot(out)

    @case("kernels", raises=ValueError, mentions=("'w'",), name="outer_update_1d_w" + sfx)
    def _():
        w = np.zeros(3)
        return (lambda: k().outer_update(w, 1.0, np.ones(3), np.ones(3))), snapshot(w)

    @case("kernels", raises=ValueError, mentions=("'alpha'",), name="outer_update_nan_alpha" + sfx)
    def _():
        w = np.zeros((3, 2))
        return (lambda: k().outer_update(w, float("nan"), np.ones(3), np.ones(2))), snapshot(w)

    @case("kernels", raises=ValueError, mentions=("'x'",), name="logit_out_of_range" + sfx)
    def _():
        return lambda: k().logit(np.array([0.5, 1.5]))

    @case("kernels", raises=ValueError, mentions=("'out'",), name="sigmoid_out_shape" + sfx)
    def _():
        out = np.zeros(4)
        return (lambda: k().sigmoid(np.zeros(3), out=out)), snapshot(out)

    # --- dense --------------------------------------------------------------------------------
    @case("kernels", raises=ValueError, mentions=("activation",), name="dense_forward_activation" + sfx)
    def _():
        return lambda: k().dense_forward(np.ones((2, 3)), np.ones((3, 4)), activation="gelu")

    @case("kernels", raises=ValueError, mentions=("bias",), name="dense_forward_bias_len" + sfx)
    def _():
        return lambda: k().dense_forward(np.ones((2, 3)), np.ones((3, 4)), np.ones(3))

    @case("kernels", raises=ValueError, mentions=("grad_z",), name="dense_backward_shapes" + sfx)
    def _():
        gk = np.zeros((3, 4))
        return (lambda: k().dense_backward(np.ones((2, 3)), np.ones((3, 4)), np.ones((2, 5)), gk)
                ), snapshot(gk)

    @case("kernels", raises=ValueError, mentions=("'grad_kernel'", "C-contiguous"),
          name="dense_backward_fortran_grad" + sfx)
    def _():
        gk = np.zeros((4, 3)).T
        return (lambda: k().dense_backward(np.ones((2, 3)), np.ones((3, 4)), np.ones((2, 4)), gk)
                ), snapshot(gk)

    @case("kernels", raises=ValueError, mentions=("'learning_rate'",), name="sgd_nan_lr" + sfx)
    def _():
        p, v = np.ones(3), np.zeros(3)
        return (lambda: k().sgd_update(p, np.ones(3), v, float("nan"), 0.9)), snapshot(p, v)

    @case("kernels", raises=ValueError, mentions=("share memory",), name="adam_m_is_v" + sfx)
    def _():
        p, m = np.ones(3), np.zeros(3)
        return (lambda: k().adam_update(p, np.ones(3), m, m, 0.1)), snapshot(p, m)

    @case("kernels", raises=ValueError, mentions=("grad",), name="rmsprop_grad_shape" + sfx)
    def _():
        p, ms = np.ones(3), np.zeros(3)
        return (lambda: k().rmsprop_update(p, np.ones(4), ms, 0.1)), snapshot(p, ms)

    # --- conv / pooling -----------------------------------------------------------------------
    @case("kernels", raises=ValueError, mentions=("channels",), name="conv_channels" + sfx)
    def _():
        return lambda: k().conv2d_forward(np.ones((1, 5, 5, 2)), np.ones((3, 3, 3, 4)))

    @case("kernels", raises=ValueError, mentions=("strides",), name="conv_zero_stride" + sfx)
    def _():
        return lambda: k().conv2d_forward(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), strides=0)

    @case("kernels", raises=ValueError, name="conv_kernel_larger_than_image" + sfx)
    def _():
        return lambda: k().conv2d_forward(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)))

    @case("kernels", raises=ValueError, mentions=("output=",), name="conv_backward_relu_no_output" + sfx)
    def _():
        return lambda: k().conv2d_backward(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)),
                                           np.ones((1, 2, 2, 1)), activation="relu")

    @case("kernels", raises=ValueError, mentions=("pool_size",), name="pool_zero_size" + sfx)
    def _():
        return lambda: k().max_pool2d_forward(np.ones((1, 4, 4, 1)), 0)

    @case("kernels", raises=ValueError, mentions=("cols",), name="col2im_shape" + sfx)
    def _():
        return lambda: k().col2im(np.ones((3, 3)), (1, 4, 4, 1), 2)

    # --- rashid / nielsen / classic -----------------------------------------------------------
    @case("kernels", raises=ValueError, mentions=("lr",), name="rashid_step_negative_lr" + sfx)
    def _():
        wih, who = np.ones((3, 4)), np.ones((2, 3))
        return (lambda: k().rashid_train_step(wih, who, -0.1, np.ones(4), np.ones(2))
                ), snapshot(wih, who)

    @case("kernels", raises=ValueError, mentions=("'targets'", "NaN"), name="rashid_epoch_nan_target" + sfx)
    def _():
        wih, who = np.ones((3, 4)), np.ones((2, 3))
        t = np.ones((5, 2))
        t[4, 1] = np.nan
        return (lambda: k().rashid_train_epoch(wih, who, 0.1, np.ones((5, 4)), t)
                ), snapshot(wih, who)

    @case("kernels", raises=ValueError, mentions=("'wih'", "'who'"), name="rashid_wih_who_overlap" + sfx)
    def _():
        buf = np.ones(12 + 6)
        wih, who = buf[:12].reshape(3, 4), buf[6:12].reshape(2, 3)
        return (lambda: k().rashid_train_step(wih, who, 0.1, np.ones(4), np.ones(2))
                ), snapshot(buf)

    @case("kernels", raises=ValueError, mentions=("'order'",), name="nielsen_epoch_order_range" + sfx)
    def _():
        ws, bs = _net()
        return (lambda: k().nielsen_epoch(ws, bs, np.ones((5, 4)), np.ones((5, 2)),
                                          np.array([0, 9]), 2, 0.1, 0.0, 5, "quadratic")
                ), snapshot(ws, bs)

    @case("kernels", raises=ValueError, mentions=("'eta'",), name="nielsen_step_inf_eta" + sfx)
    def _():
        ws, bs = _net()
        return (lambda: k().nielsen_step(ws, bs, np.ones((4, 3)), np.ones((2, 3)), np.inf, 0.0,
                                         3, "quadratic")), snapshot(ws, bs)

    @case("kernels", raises=ValueError, mentions=("cost",), name="nielsen_backprop_cost" + sfx)
    def _():
        ws, bs = _net()
        return lambda: k().nielsen_backprop(ws, bs, np.ones((4, 3)), np.ones((2, 3)), "hinge")

    @case("kernels", raises=ValueError, mentions=("weights[1]",), name="nielsen_shape_chain" + sfx)
    def _():
        ws, bs = _net()
        ws[1] = np.ones((2, 5))
        return (lambda: k().nielsen_step(ws, bs, np.ones((4, 3)), np.ones((2, 3)), 0.1, 0.0, 3,
                                         "quadratic")), snapshot(ws, bs)

    @case("kernels", raises=ValueError, mentions=("'alpha'",), name="widrow_hoff_zero_alpha" + sfx)
    def _():
        W, b = np.zeros((3, 2)), np.zeros(2)
        return (lambda: k().widrow_hoff_epoch(W, b, np.ones((4, 3)), np.ones((4, 2)), 0.0)
                ), snapshot(W, b)

    @case("kernels", raises=ValueError, mentions=("'T'",), name="perceptron_targets_not_binary" + sfx)
    def _():
        W, b = np.zeros((3, 2)), np.zeros(2)
        T = np.ones((4, 2))
        T[3, 0] = 2
        return (lambda: k().perceptron_epoch(W, b, np.ones((4, 3)), T, 0.1)), snapshot(W, b)

    # --- aliasing: must give the answer of separate copies ------------------------------------
    @case("kernels", raises=(), name="alias_relu_shifted_out" + sfx)
    def _():
        def call():
            b = np.linspace(-1, 1, 12).reshape(6, 2)
            want = np.maximum(b[:-1], 0)
            k().activation_forward("relu", b[:-1], out=b[1:])
            return bool(np.array_equal(b[1:], want))
        return call

    @case("kernels", raises=(), name="alias_dense_backward_into_kernel" + sfx)
    def _():
        def call():
            r = _rng()
            x, w, g = r.standard_normal((4, 3)), r.standard_normal((3, 2)), r.standard_normal((4, 2))
            want_gx = g @ w.T
            want_gk = x.T @ g
            gx = k().dense_backward(x, w, g, w)        # grad_kernel written into the kernel itself
            return bool(np.allclose(w, want_gk) and np.allclose(gx, want_gx))
        return call

    @case("kernels", raises=(), name="alias_nielsen_epoch_x_is_weights" + sfx)
    def _():
        def call():
            ws, bs = _net((3, 3, 2))
            x = ws[0]                                    # (3, 3): rows are examples
            y = np.full((3, 2), 0.5)
            ws2, bs2 = [w.copy() for w in ws], [b.copy() for b in bs]
            k().nielsen_epoch(ws2, bs2, x.copy(), y, np.arange(3), 2, 0.5, 0.1, 3, "quadratic")
            k().nielsen_epoch(ws, bs, ws[0], y, np.arange(3), 2, 0.5, 0.1, 3, "quadratic")
            return all(np.allclose(a, b) for a, b in zip(ws + bs, ws2 + bs2))
        return call

    @case("kernels", raises=(), name="alias_widrow_hoff_X_is_W" + sfx)
    def _():
        def call():
            W, b = np.eye(3) * 0.5, np.zeros(3)
            D = np.ones((3, 3))
            W2, b2 = W.copy(), b.copy()
            k().widrow_hoff_epoch(W2, b2, W.copy(), D, 0.1)
            k().widrow_hoff_epoch(W, b, W, D, 0.1)
            return bool(np.allclose(W, W2) and np.allclose(b, b2))
        return call

    @case("kernels", raises=(), name="alias_conv_out_is_x" + sfx)
    def _():
        def call():
            r = _rng()
            x = r.standard_normal((1, 4, 4, 1))
            kern = r.standard_normal((1, 1, 1, 1))
            want = x * kern[0, 0, 0, 0]
            k().conv2d_forward(x, kern, out=x)
            return bool(np.allclose(x, want))
        return call

    # --- sizes past 32-bit BLAS / memory: in a child process with the address space capped ----
    @case("kernels", raises=(MemoryError, ValueError), isolated=True,
          name="nielsen_int_overflow_65536x65537" + sfx)
    def _():
        # 65536 units x a batch of 65537 = 2^32 + 2^16 entries: a C int wrapped to 65536 and the
        # buffer was 65536 entries long (SIGSEGV). Now the true size is asked for and refused.
        ws = [np.zeros((65536, 1)), np.zeros((1, 65536))]
        bs = [np.zeros((65536, 1)), np.zeros((1, 1))]
        x, y = np.zeros((65537, 1)), np.zeros((65537, 1))
        return lambda: k().nielsen_epoch(ws, bs, x, y, np.arange(65537), 65537, 0.1, 0.0, 1,
                                         "quadratic")


for _b in BACKENDS:
    _register(_b)
