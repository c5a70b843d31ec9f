"""Convolution and pooling kernels that share a batch among threads (OpenMP, ``threads=``).

The numbers must not depend on the thread count (the batch is cut into a fixed number of parts,
and the parts' gradient sums are added in a fixed order), must match the NumPy twins on awkward
inputs, and the thread policy must hand the kernels their thread count with BLAS kept to one
thread per thread. A bad ``threads`` is an error naming it, in both backends.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pynet.kernels
from pynet.kernels import load_backend, thread_policy, thread_work
from pynet.kernels.threads import limit_blas_threads

from .test_thread_policy import (  # noqa: F401 - fixtures used by name
    default_policy, needs_own_pools, own_pools_and_two_cores, set_busy, threads_of,
)

THREAD_COUNTS = (1, 2, 3, 7)

# (batch, height, width, channels, kernel h, kernel w, filters, strides, padding, dilation):
# the wide (im2col) path, odd sizes, 'same' padding, strides, dilation, a 1x1 plain window, the
# narrow path (filters ≤ channels / 2, stride 1), a single image, a batch smaller than the parts.
CASES = [
    (64, 28, 28, 1, 3, 3, 32, 1, "valid", 1),
    (9, 13, 11, 32, 3, 3, 64, 1, "valid", 1),
    (7, 9, 10, 5, 3, 2, 3, 2, "same", 1),
    (6, 12, 12, 4, 3, 3, 5, 1, "same", 2),
    (5, 6, 7, 4, 1, 1, 6, 1, "valid", 1),
    (5, 8, 8, 32, 5, 5, 1, 1, "same", 1),
    (1, 5, 5, 3, 3, 3, 2, 1, "valid", 1),
    (3, 4, 4, 2, 2, 2, 3, 1, "valid", 1),
    (1, 1, 1, 1, 1, 1, 1, 1, "valid", 1),
]


@pytest.fixture
def compiled(skip_or_fail):
    if not pynet.kernels.compiled_available():
        skip_or_fail("compiled kernels not built")
    return load_backend("cython")


@pytest.fixture
def reference():
    return load_backend("python")


def _raw(k, name):
    fn = getattr(k, name)
    return getattr(fn, "unsized", fn)


def _problem(case, dtype, seed=0, noncontiguous=False):
    n, h, w, c, kh, kw, f, s, padding, d = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    if noncontiguous:                        # every other pixel column of a wider batch
        wide = rng.standard_normal((n, h, 2 * w, c)).astype(dtype)
        x = wide[:, :, ::2, :]
    kernel = (rng.standard_normal((kh, kw, c, f)) * 0.3).astype(dtype)
    bias = rng.standard_normal(f).astype(dtype)
    return x, kernel, bias, dict(strides=s, padding=padding, dilation=d)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[:7])) + f"-{c[8]}")
def test_conv_is_the_same_for_every_thread_count_and_matches_the_twin(compiled, reference, case,
                                                                      dtype):
    x, kernel, bias, geo = _problem(case, dtype, noncontiguous=case[0] % 2 == 1)
    forward, backward = _raw(compiled, "conv2d_forward"), _raw(compiled, "conv2d_backward")
    y_ref = reference.conv2d_forward(x, kernel, bias, activation="relu", **geo)
    grad = np.random.default_rng(1).standard_normal(y_ref.shape).astype(dtype)
    ref = reference.conv2d_backward(x, kernel, grad, activation="relu", output=y_ref, **geo)
    tol = dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    first = None
    for threads in THREAD_COUNTS:
        y = forward(x, kernel, bias, activation="relu", threads=threads, **geo)
        got = backward(x, kernel, grad, activation="relu", output=y, threads=threads, **geo)
        np.testing.assert_allclose(y, y_ref, **tol)
        for a, b in zip(got, ref):
            np.testing.assert_allclose(a, b, **tol)
        if first is None:
            first = (y, got)
        else:                                  # bit for bit, whatever the thread count
            assert np.array_equal(y, first[0])
            for a, b in zip(got, first[1]):
                assert np.array_equal(a, b)


@pytest.mark.parametrize("threads", [1, 2])
def test_conv_without_input_or_bias_gradient_and_linear(compiled, reference, threads):
    x, kernel, _, geo = _problem(CASES[1], np.float64)
    grad = np.random.default_rng(2).standard_normal(
        reference.conv2d_forward(x, kernel, **geo).shape)
    dx, dk, db = _raw(compiled, "conv2d_backward")(x, kernel, grad, need_input_grad=False,
                                                   need_bias_grad=False, threads=threads, **geo)
    _, dk_ref, _ = reference.conv2d_backward(x, kernel, grad, **geo)
    assert dx is None and db is None
    np.testing.assert_allclose(dk, dk_ref, rtol=1e-10, atol=1e-10)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_relu_gradient_keeps_a_nan_as_the_twin_does(compiled, reference):
    x, kernel, bias, geo = _problem(CASES[2], np.float64)
    y = reference.conv2d_forward(x, kernel, bias, activation="relu", **geo)
    grad = np.ones_like(y)
    on = np.argwhere(y > 0)[0]
    off = np.argwhere(y <= 0)[0]
    grad[tuple(on)] = np.nan                 # a NaN where the ReLU passes stays NaN
    grad[tuple(off)] = np.inf                # an inf where it blocks becomes inf·0 = NaN
    for threads in (1, 2):
        _, dk, db = _raw(compiled, "conv2d_backward")(x, kernel, grad, activation="relu",
                                                      output=y, threads=threads, **geo)
        _, dk_ref, db_ref = reference.conv2d_backward(x, kernel, grad, activation="relu",
                                                      output=y, **geo)
        np.testing.assert_array_equal(np.isnan(db), np.isnan(db_ref))
        assert np.isnan(db).any()


def test_empty_batches_and_channels(compiled):
    for threads in (1, 2):
        out = _raw(compiled, "conv2d_forward")(np.zeros((0, 5, 5, 2)), np.zeros((3, 3, 2, 4)),
                                               threads=threads)
        assert out.shape == (0, 3, 3, 4)
        dx, dk, db = _raw(compiled, "conv2d_backward")(
            np.zeros((0, 5, 5, 2)), np.zeros((3, 3, 2, 4)), np.zeros((0, 3, 3, 4)),
            threads=threads)
        assert dx.shape == (0, 5, 5, 2) and not dk.any() and not db.any()


TRANSPOSED = [(20, 7, 7, 16, 4, 4, 8, 2, "same"), (3, 5, 4, 3, 3, 3, 2, 2, "valid"),
              (1, 1, 1, 1, 1, 1, 1, 1, "valid"), (7, 4, 4, 8, 5, 5, 1, 1, "same")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", TRANSPOSED, ids=lambda c: "x".join(map(str, c[:7])))
def test_transposed_conv_is_the_same_for_every_thread_count_and_matches_the_twin(
        compiled, reference, case, dtype):
    n, h, w, c, kh, kw, f, s, padding = case
    rng = np.random.default_rng(5)
    x = rng.standard_normal((n, h, w, c)).astype(dtype)[:, :, ::-1, :]     # not contiguous
    kernel = (rng.standard_normal((kh, kw, f, c)) * 0.3).astype(dtype)
    bias = rng.standard_normal(f).astype(dtype)
    geo = dict(strides=s, padding=padding)
    y_ref = reference.conv2d_transpose_forward(x, kernel, bias, **geo)
    grad = rng.standard_normal(y_ref.shape).astype(dtype)
    ref = reference.conv2d_transpose_backward(x, kernel, grad, **geo)
    tol = dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    first = None
    for threads in THREAD_COUNTS:
        y = _raw(compiled, "conv2d_transpose_forward")(x, kernel, bias, threads=threads, **geo)
        got = _raw(compiled, "conv2d_transpose_backward")(x, kernel, grad, threads=threads, **geo)
        np.testing.assert_allclose(y, y_ref, **tol)
        for a, b in zip(got, ref):
            np.testing.assert_allclose(a, b, **tol)
        if first is None:
            first = (y, got)
        else:
            assert np.array_equal(y, first[0])
            for a, b in zip(got, first[1]):
                assert np.array_equal(a, b)


POOLS = [((64, 26, 26, 32), 2, None, "valid"), ((5, 7, 9, 3), 3, 2, "same"),
         ((1, 1, 1, 1), 1, None, "valid"), ((3, 8, 8, 70), 2, 1, "same"), ((0, 4, 4, 2), 2, None,
                                                                            "valid")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,pool,strides,padding", POOLS)
def test_pooling_is_the_same_for_every_thread_count_and_matches_the_twin(
        compiled, reference, shape, pool, strides, padding, dtype):
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    geo = dict(strides=strides, padding=padding)
    y_ref, arg_ref = reference.max_pool2d_forward(x, pool, **geo)
    grad = np.random.default_rng(4).standard_normal(y_ref.shape).astype(dtype)
    dmax_ref = reference.max_pool2d_backward(grad, arg_ref, x.shape)
    avg_ref = reference.avg_pool2d_forward(x, pool, **geo)
    davg_ref = reference.avg_pool2d_backward(grad, x.shape, pool, **geo)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    results = []
    for threads in THREAD_COUNTS:
        y, arg = _raw(compiled, "max_pool2d_forward")(x, pool, threads=threads, **geo)
        dmax = _raw(compiled, "max_pool2d_backward")(grad, arg, x.shape, threads=threads)
        avg = _raw(compiled, "avg_pool2d_forward")(x, pool, threads=threads, **geo)
        davg = _raw(compiled, "avg_pool2d_backward")(grad, x.shape, pool, threads=threads, **geo)
        np.testing.assert_array_equal(y, y_ref)
        np.testing.assert_array_equal(arg, arg_ref)
        np.testing.assert_allclose(dmax, dmax_ref, **tol)
        np.testing.assert_allclose(avg, avg_ref, **tol)
        np.testing.assert_allclose(davg, davg_ref, **tol)
        results.append((y, arg, dmax, avg, davg))
    for later in results[1:]:
        for a, b in zip(later, results[0]):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("backend", ["cython", "python"])
@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True, None])
def test_a_bad_thread_count_is_refused_naming_it(skip_or_fail, backend, bad):
    if backend == "cython" and not pynet.kernels.compiled_available():
        skip_or_fail("compiled kernels not built")
    k = load_backend(backend)
    x, kernel = np.zeros((2, 5, 5, 1)), np.zeros((3, 3, 1, 2))
    calls = [
        ("conv2d_forward", lambda: k.conv2d_forward(x, kernel, threads=bad)),
        ("conv2d_backward", lambda: k.conv2d_backward(x, kernel, np.zeros((2, 3, 3, 2)),
                                                      threads=bad)),
        ("conv2d_transpose_forward", lambda: k.conv2d_transpose_forward(
            x, np.zeros((3, 3, 2, 1)), threads=bad)),
        ("conv2d_transpose_backward", lambda: k.conv2d_transpose_backward(
            x, np.zeros((3, 3, 2, 1)), np.zeros((2, 7, 7, 2)), threads=bad)),
        ("max_pool2d_forward", lambda: k.max_pool2d_forward(x, 2, threads=bad)),
        ("max_pool2d_backward", lambda: k.max_pool2d_backward(
            np.zeros((2, 2, 2, 1)), np.zeros((2, 2, 2, 1), np.int64), x.shape, threads=bad)),
        ("avg_pool2d_forward", lambda: k.avg_pool2d_forward(x, 2, threads=bad)),
        ("avg_pool2d_backward", lambda: k.avg_pool2d_backward(np.zeros((2, 2, 2, 1)), x.shape,
                                                              2, threads=bad)),
    ]
    for name, call in calls:
        with pytest.raises((ValueError, TypeError), match=rf"{name}\(\).*threads"):
            call()


# -- what the policy gives them ------------------------------------------------------------------

def _recorder(seen):
    def kernel(*args, threads=1, **kwargs):
        seen.append({"threads": threads, "pool": threads_of("scipy")})
        return "result"
    return kernel


@pytest.fixture
def short_spin(monkeypatch):
    """As after a plain ``import pynet`` (the test process may have loaded SciPy first)."""
    from pynet import _blas_spin
    monkeypatch.setitem(_blas_spin._state, "spin", _blas_spin.SPIN)


@needs_own_pools
@pytest.mark.usefixtures("short_spin")
def test_a_large_call_gets_the_free_cores_and_blas_one_thread_each(monkeypatch):
    seen = []
    kernel = thread_policy._wrap_threaded("conv2d_forward", _recorder(seen), "scipy")
    x, k = np.empty((64, 13, 13, 32), np.float32), np.empty((3, 3, 32, 64), np.float32)
    with limit_blas_threads({"scipy": 2}):
        kernel(x, k)
        assert threads_of("scipy") == 2                   # restored after the call
    assert seen[-1] == {"threads": 2, "pool": 1}
    set_busy(monkeypatch, 2.0)                            # another program took the cores
    with limit_blas_threads({"scipy": 2}):
        kernel(x, k)
    assert seen[-1]["threads"] == 1


@needs_own_pools
@pytest.mark.usefixtures("short_spin")
def test_small_calls_user_settings_and_explicit_counts_are_respected(monkeypatch):
    seen = []
    kernel = thread_policy._wrap_threaded("max_pool2d_forward", _recorder(seen), "scipy")
    small, large = np.empty((1, 4, 4, 1)), np.empty((64, 26, 26, 32))
    with limit_blas_threads({"scipy": 2}):
        kernel(small, 2)
        assert seen[-1]["threads"] == 1                   # too small to share
        kernel(large, 2, threads=1)                       # the caller's own choice
        assert seen[-1]["threads"] == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "1")        # the user's OpenMP limit
        kernel(large, 2)
        assert seen[-1]["threads"] == 1
        monkeypatch.delenv("OMP_NUM_THREADS")
        kernel(large, 2)
        assert seen[-1]["threads"] == 2
    with limit_blas_threads({"scipy": 1}):                # the user chose one thread
        kernel(large, 2)
        assert seen[-1]["threads"] == 1
    thread_policy.set_policy("off")
    with limit_blas_threads({"scipy": 2}):
        kernel(large, 2)
    assert seen[-1] == {"threads": 1, "pool": 2}          # off: nothing chosen, pool untouched


@needs_own_pools
def test_with_long_spinning_blas_workers_the_kernels_run_on_one_thread(monkeypatch):
    from pynet import _blas_spin
    monkeypatch.setitem(_blas_spin._state, "spin", 28)
    seen = []
    kernel = thread_policy._wrap_threaded("max_pool2d_forward", _recorder(seen), "scipy")
    with limit_blas_threads({"scipy": 2}):
        kernel(np.empty((64, 26, 26, 32)), 2)
    assert seen[-1]["threads"] == 1


SPIN_SCRIPT = textwrap.dedent("""
    import json, os, sys
    if sys.argv[1] == "scipy-first":
        import scipy.linalg
    import pynet.kernels
    from pynet import _blas_spin
    from pynet.kernels import thread_policy
    print(json.dumps({"env": os.environ.get("OPENBLAS_THREAD_TIMEOUT"),
                      "status": _blas_spin.status(), "short": _blas_spin.short_enough(),
                      "info": thread_policy.current().describe()}))
""")


@pytest.mark.parametrize("how,user,env_after,short,says", [
    ("pynet-first", None, None, True, "set by pynet"),
    ("scipy-first", None, None, False, "loaded before pynet"),
    ("pynet-first", "10", "10", True, "(yours)"),
    ("pynet-first", "28", "28", False, "(yours)"),
])
def test_the_blas_spin_is_set_only_while_scipys_library_loads(how, user, env_after, short, says):
    import json
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    if user is not None:
        env["OPENBLAS_THREAD_TIMEOUT"] = user
    done = subprocess.run([sys.executable, "-c", SPIN_SCRIPT, how], capture_output=True,
                          text=True, env=env, timeout=120, check=True)
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["env"] == env_after          # removed again when pynet set it; the user's kept
    assert got["short"] is short
    assert says in got["status"]
    assert any("OpenBLAS workers' spin" in line and says in line for line in got["info"])


def test_policy_work_estimates():
    x, k = np.empty((64, 13, 13, 32)), np.empty((3, 3, 32, 64))
    assert thread_policy.shared_work("conv2d_forward", x, k) == 2 * 64 * 13 * 13 * 3 * 3 * 32 * 64
    assert thread_policy.shared_work("max_pool2d_forward", np.empty((2, 4, 4, 3)), 2) == \
        thread_work.POOL_ELEMENT_FLOPS * 2 * 4 * 4 * 3
    assert thread_policy.shared_work("conv2d_forward", "x", None) == 0


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_pynet_info_says_how_convolutions_use_threads(mode):
    from pynet import _blas_spin

    thread_policy.set_policy(mode)
    policy = thread_policy.current()
    text = "\n".join(policy.describe())
    assert "convolution and pooling: " in text
    assert "OpenBLAS workers' spin after a call" in text and "glibc malloc: " in text
    shared = policy.backend == "cython" and mode == "auto" and \
        thread_policy.openmp_kernels() and _blas_spin.short_enough()
    assert ("shares its images among" in text) == shared
    if policy.backend != "cython":
        assert "the NumPy twins" in text


def test_the_layers_get_the_same_numbers_at_one_and_two_threads(skip_or_fail):
    """A fresh process trains the same small convnet with the policy fixed at 1 and at 2 threads
    (PYNET_BLAS_THREADS): the weights after three steps must be equal bit for bit."""
    if not pynet.kernels.compiled_available():
        skip_or_fail("compiled kernels not built")
    script = textwrap.dedent("""
        import sys, numpy as np
        from pynet import initializers
        from pynet.layers.conv import Conv2D
        from pynet.layers.core import Dense, Flatten
        from pynet.layers.pooling import MaxPooling2D
        from pynet.sequential import Sequential
        initializers.set_seed(0)
        m = Sequential([Conv2D(8, 3, activation="relu", input_shape=(12, 12, 1)),
                        MaxPooling2D(2), Conv2D(8, 3, activation="relu"), Flatten(),
                        Dense(3, activation="softmax")])
        m.compile(optimizer="rmsprop", loss="categorical_crossentropy")
        rng = np.random.default_rng(0)
        x = rng.random((256, 12, 12, 1)).astype(np.float32)
        y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 256)]
        m.fit(x, y, batch_size=128, epochs=1, verbose=0, seed=0)
        np.save(sys.argv[1], np.concatenate([w.ravel() for w in m.get_weights()]))
    """)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        outs = []
        for threads in ("1", "2"):
            path = os.path.join(tmp, f"w{threads}.npy")
            env = dict(os.environ, PYNET_BLAS_THREADS=threads, PYNET_BACKEND="cython")
            subprocess.run([sys.executable, "-c", script, path], check=True, env=env,
                           timeout=300)
            outs.append(np.load(path))
    assert np.array_equal(outs[0], outs[1])


def test_a_forked_child_runs_the_kernels_on_one_thread_instead_of_hanging(skip_or_fail):
    """GNU OpenMP cannot start threads in a child made by fork once the parent used them: the
    child would wait forever. The kernels must finish there (on one thread), in a fresh
    interpreter so that a hang is a timeout, not a stuck test run."""
    if not pynet.kernels.compiled_available():
        skip_or_fail("compiled kernels not built")
    if not hasattr(os, "fork"):
        skip_or_fail("no os.fork on this platform")
    script = textwrap.dedent("""
        import os, numpy as np
        from pynet import kernels
        x, k = np.random.rand(8, 10, 10, 4), np.random.rand(3, 3, 4, 5)
        raw = kernels.conv2d_forward.unsized if hasattr(kernels.conv2d_forward, "unsized") \\
            else kernels.conv2d_forward
        expected = raw(x, k, threads=2)
        pid = os.fork()
        if pid == 0:
            y = raw(x, k, threads=2)
            y2, _ = kernels.max_pool2d_forward(y, 2, threads=2)
            os._exit(0 if np.array_equal(y, expected) else 3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
    """)
    env = dict(os.environ, PYNET_BACKEND="cython")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
