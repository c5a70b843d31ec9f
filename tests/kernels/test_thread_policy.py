"""pynet's default BLAS thread policy (pynet.kernels.thread_policy): the mechanics, not times.

A small call must run on one thread and leave the pool as it found it; a large call must run on the
pool as the user set it; NumPy's pool must not move under the compiled backend; a setting that
cannot be applied must be reported.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController

import pynet.kernels
from pynet.kernels import KERNEL_NAMES, load_backend, thread_policy
from pynet.kernels.thread_policy import SMALL_CALL_FLOPS, call_flops
from pynet.kernels.threads import blas_info, limit_blas_threads

CORES = os.cpu_count() or 1
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def threads_of(package):
    """The pool size of ``package``'s BLAS, read straight from threadpoolctl."""
    from pynet.kernels.threads import package_of

    return {package_of(c.filepath): c.get_num_threads()
            for c in ThreadpoolController().lib_controllers if c.user_api == "blas"}.get(package)


def own_pools():
    """NumPy and SciPy each bundle their own OpenBLAS (pip wheels)."""
    packages = {lib.package for lib in blas_info()}
    return {"numpy", "scipy"} <= packages


@pytest.fixture
def own_pools_and_two_cores(skip_or_fail):
    """These checks need NumPy's and SciPy's own OpenBLAS and 2 cores (a skip in a user's clone
    that lacks them, a failure under CI, which has both)."""
    if not own_pools():
        skip_or_fail("needs NumPy's and SciPy's own BLAS")
    if CORES < 2:
        skip_or_fail("needs 2 cores to see a threaded pool")


needs_own_pools = pytest.mark.usefixtures("own_pools_and_two_cores")


#: The real measurement (the autouse fixture below replaces it with "an idle machine").
REAL_OTHERS_BUSY = thread_policy._others_busy


def set_busy(monkeypatch, others):
    """Pretend other programs kept ``others`` cores busy since the last reading (and forget the
    last reading)."""
    monkeypatch.setattr(thread_policy, "_others_busy", lambda: others)
    monkeypatch.setitem(thread_policy._load, "free", None)
    monkeypatch.setitem(thread_policy._load, "at", -1e9)


@pytest.fixture(autouse=True)
def default_policy(monkeypatch):
    """The default policy on an idle machine (the busy rule is tested on its own)."""
    set_busy(monkeypatch, 0.0)
    thread_policy.set_policy("auto")
    yield
    thread_policy.set_policy("auto")


def spy(seen, package):
    """A stand-in kernel that records the pool size it ran with."""
    def kernel(*args, **kwargs):
        seen.append({"pool": threads_of(package), "numpy": threads_of("numpy")})
        return "result"
    return kernel


# -- how big is a call ---------------------------------------------------------------------------

def test_matmul_work_is_2mnk_with_transposes():
    a, b = np.empty((30, 40)), np.empty((40, 50))
    assert call_flops("matmul", a, b) == 2 * 30 * 50 * 40
    assert call_flops("matmul", a.T, b, trans_a=True) == 2 * 30 * 50 * 40   # a.T is (40, 30)
    assert call_flops("matmul", a, b.T, trans_b=True) == 2 * 30 * 50 * 40


def test_dense_work_is_one_batch_product():
    # A batch of 128 through Chollet's 784 -> 512 layer: 2·128·784·512 = 102,760,448 flops: large.
    x, w = np.empty((128, 784), np.float32), np.empty((784, 512), np.float32)
    assert call_flops("dense_forward", x, w) == 102_760_448 > SMALL_CALL_FLOPS
    # One sample through it is small.
    assert call_flops("dense_forward", x[:1], w) < SMALL_CALL_FLOPS


def test_per_sample_kernels_are_always_small():
    wih, who = np.empty((200, 784)), np.empty((10, 200))
    x, t = np.empty((60000, 784)), np.empty((60000, 10))
    assert call_flops("rashid_train_epoch", wih, who, 0.1, x, t) == 0  # one record at a time
    assert call_flops("rashid_query_batch", wih, who, x) == 2 * 60000 * 200 * 784


def test_nielsen_mini_batch_of_10_is_small():
    weights = [np.empty((30, 784)), np.empty((10, 30))]
    biases = [np.empty((30, 1)), np.empty((10, 1))]
    flops = call_flops("nielsen_epoch", weights, biases, None, None, None, 10, 3.0, 0.0, 50000,
                       "quadratic")
    assert flops == 2 * 10 * 30 * 784 < SMALL_CALL_FLOPS


def test_conv_work_counts_one_im2col_chunk():
    # Chollet's second conv layer, batch 64: 13x13x32 input, 3x3x32x64 kernel.
    x, k = np.empty((64, 13, 13, 32), np.float32), np.empty((3, 3, 32, 64), np.float32)
    flops = call_flops("conv2d_forward", x, k)
    assert flops == 2 * thread_policy.CONV_CHUNK_ELEMENTS * 64 > SMALL_CALL_FLOPS


def test_conv_chunks_are_output_rows_not_whole_images():
    # the GAN generator's 5×5 layer: one 28×28×32 image is an im2col matrix of 627,200 numbers,
    # cut into chunks of CONV_CHUNK_ELEMENTS like any other
    x, k = np.empty((20, 28, 28, 32), np.float32), np.empty((5, 5, 32, 32), np.float32)
    assert call_flops("conv2d_forward", x, k) == 2 * thread_policy.CONV_CHUNK_ELEMENTS * 32


def test_work_of_arguments_that_are_not_arrays_is_zero():
    assert call_flops("matmul", "a", None) == 0
    assert call_flops("dense_forward", 3) == 0


def test_every_sized_kernel_exists():
    assert set(thread_policy.WORK) <= set(KERNEL_NAMES)


@pytest.mark.parametrize("backend", ["cython", "python"])
def test_blas_kernels_are_wrapped_and_others_are_not(skip_or_fail, backend):
    if backend == "cython" and not pynet.kernels.compiled_available():
        skip_or_fail("compiled kernels not built")
    k = load_backend(backend)
    for name in KERNEL_NAMES:
        fn = getattr(k, name)
        shared = backend == "cython" and name in thread_policy.THREADED and \
            thread_policy.openmp_kernels()
        assert hasattr(fn, "unsized") == (name in thread_policy.WORK or shared), name
    a = np.random.default_rng(0).normal(size=(7, 5))
    np.testing.assert_allclose(k.matmul(a, a.T), a @ a.T, rtol=1e-12)
    assert k.matmul.__name__ == "matmul" and k.matmul.__doc__


# -- what the wrapper does to the pool -----------------------------------------------------------

@needs_own_pools
def test_a_small_call_runs_on_one_thread_and_restores_the_pool():
    seen = []
    kernel = thread_policy._wrap("matmul", spy(seen, "scipy"), "scipy")
    a = np.empty((8, 8))
    with limit_blas_threads({"scipy": 2, "numpy": 2}):
        assert kernel(a, a) == "result"
        assert seen == [{"pool": 1, "numpy": 2}]       # NumPy's pool did not move
        assert threads_of("scipy") == 2                # put back after the call


@needs_own_pools
def test_a_large_call_runs_on_the_pool_as_the_user_set_it():
    seen = []
    kernel = thread_policy._wrap("matmul", spy(seen, "scipy"), "scipy")
    a = np.empty((512, 512))
    with limit_blas_threads({"scipy": 2}):
        kernel(a, a)
    with limit_blas_threads({"scipy": 1}):            # the user chose one thread: pynet obeys
        kernel(a, a)
    assert [s["pool"] for s in seen] == [2, 1]


@needs_own_pools
def test_on_a_busy_machine_a_large_call_gets_only_the_free_cores(monkeypatch):
    seen = []
    kernel = thread_policy._wrap("matmul", spy(seen, "scipy"), "scipy")
    a = np.empty((512, 512))
    cores = thread_policy._cores()
    # other programs keep every core busy: no core is free
    set_busy(monkeypatch, float(cores))
    with limit_blas_threads({"scipy": 2}):
        kernel(a, a)
        assert threads_of("scipy") == 2                # restored
    assert seen[-1]["pool"] == 1
    # the other programs stopped: every core is free again
    set_busy(monkeypatch, 0.0)
    with limit_blas_threads({"scipy": 2}):
        kernel(a, a)
    assert seen[-1]["pool"] == 2


def test_free_cores_subtracts_other_programs_and_rounds(monkeypatch):
    cores = thread_policy._cores()
    set_busy(monkeypatch, 0.0)
    assert thread_policy.free_cores() == cores
    set_busy(monkeypatch, 0.4)            # others 0.4 of a core: rounds to all cores free
    assert thread_policy.free_cores() == cores
    set_busy(monkeypatch, 100.0)          # never below one
    assert thread_policy.free_cores() == 1
    # read at most once a second: a change is not seen until the reading is old
    monkeypatch.setattr(thread_policy, "_others_busy", lambda: 0.0)
    assert thread_policy.free_cores() == 1
    monkeypatch.setitem(thread_policy._load, "at", -1e9)
    assert thread_policy.free_cores() == cores


def fake_samples(monkeypatch, samples):
    """Feed ``_cpu_sample`` the given (wall, busy, own) readings, one per call."""
    readings = iter(samples)
    monkeypatch.setattr(thread_policy, "_cpu_sample", lambda: next(readings))
    monkeypatch.setattr(thread_policy, "_others_busy", REAL_OTHERS_BUSY)


def test_others_busy_is_busy_cpu_time_minus_our_own_over_the_wall_time(monkeypatch):
    # 2 s of wall time, 3 s of busy CPU on our cores, 1.2 s of it ours: others kept 0.9 busy
    fake_samples(monkeypatch, [(12.0, 103.0, 1.2)])
    monkeypatch.setitem(thread_policy._sample, "last", (10.0, 100.0, 0.0))
    assert thread_policy._others_busy() == pytest.approx(0.9)
    assert thread_policy._sample["last"] == (12.0, 103.0, 1.2)      # the next window starts here
    # a window shorter than MIN_WINDOW_SECONDS is too coarse: no answer, the sample is kept
    fake_samples(monkeypatch, [(12.05, 103.1, 1.2)])
    assert thread_policy._others_busy() is None
    assert thread_policy._sample["last"] == (12.0, 103.0, 1.2)
    # tick rounding can make our own time exceed the busy time: never below zero
    fake_samples(monkeypatch, [(13.0, 103.5, 2.0)])
    assert thread_policy._others_busy() == 0.0


def test_no_lag_a_program_that_ended_no_longer_counts(monkeypatch):
    """The load average's weakness, measured in session 21: right after a heavy process ended the
    1-minute load average still read ~1.7, so a new process gave its large GEMMs one thread. The
    CPU-time rule sees only the last window."""
    monkeypatch.setattr(thread_policy, "_load_average", lambda: 1.7)   # lagging, ignored
    monkeypatch.setitem(thread_policy._load, "free", None)
    monkeypatch.setitem(thread_policy._load, "at", -1e9)
    monkeypatch.setitem(thread_policy._sample, "last", (0.0, 50.0, 0.0))
    fake_samples(monkeypatch, [(1.0, 50.02, 0.0)])      # the last second: others 0.02 of a core
    assert thread_policy.free_cores() == thread_policy._cores()
    assert thread_policy._load["source"] == "cpu time"


def test_without_proc_stat_the_load_average_is_the_fallback(monkeypatch):
    monkeypatch.setattr(thread_policy, "_cpu_sample", lambda: None)
    monkeypatch.setattr(thread_policy, "_others_busy", REAL_OTHERS_BUSY)
    monkeypatch.setitem(thread_policy._sample, "last", None)
    monkeypatch.setitem(thread_policy._load, "free", None)
    monkeypatch.setitem(thread_policy._load, "at", -1e9)
    monkeypatch.setitem(thread_policy._load, "ours", 1)
    monkeypatch.setattr(thread_policy, "_load_average", lambda: 1.0 + 100)
    assert thread_policy.free_cores() == 1
    assert thread_policy._load["source"] == "load average"
    monkeypatch.setitem(thread_policy._load, "at", -1e9)
    monkeypatch.setattr(thread_policy, "_load_average", lambda: 1.0)   # pynet's own thread only
    assert thread_policy.free_cores() == thread_policy._cores()


def test_cpu_sample_reads_this_machine(skip_or_fail):
    sample = thread_policy._cpu_sample()
    if sample is None:
        skip_or_fail("no /proc/stat on this system")
    wall, busy, own = sample
    assert wall > 0 and busy > 0 and own >= 0


def test_threads_for_states_the_rule(monkeypatch):
    set_busy(monkeypatch, 0.0)
    assert thread_policy.threads_for(SMALL_CALL_FLOPS - 1, 2) == 1
    assert thread_policy.threads_for(SMALL_CALL_FLOPS, 2) == min(2, thread_policy._cores())
    thread_policy.set_policy("off")
    assert thread_policy.threads_for(10, 2) == 2


@needs_own_pools
def test_a_fixed_count_applies_to_large_calls_only():
    seen = []
    kernel = thread_policy._wrap("matmul", spy(seen, "scipy"), "scipy")
    thread_policy.set_policy(2)
    with limit_blas_threads({"scipy": 1}):
        kernel(np.empty((512, 512)), np.empty((512, 512)))
        kernel(np.empty((4, 4)), np.empty((4, 4)))
        assert threads_of("scipy") == 1
    assert [s["pool"] for s in seen] == [2, 1]


@needs_own_pools
def test_off_leaves_the_pool_alone():
    seen = []
    kernel = thread_policy._wrap("matmul", spy(seen, "scipy"), "scipy")
    thread_policy.set_policy("off")
    with limit_blas_threads({"scipy": 2}):
        kernel(np.empty((4, 4)), np.empty((4, 4)))
    assert seen[0]["pool"] == 2
    assert "off" in thread_policy.current().describe()[0]


@needs_own_pools
def test_the_pool_is_restored_when_the_kernel_raises():
    def failing(*args, **kwargs):
        raise ValueError("argument 'a' must be 2-D")
    kernel = thread_policy._wrap("matmul", failing, "scipy")
    with limit_blas_threads({"scipy": 2}):
        with pytest.raises(ValueError, match="argument 'a'"):
            kernel(np.empty((4, 4)), np.empty((4, 4)))
        assert threads_of("scipy") == 2


@needs_own_pools
def test_python_backend_sizes_numpys_pool_only_during_small_calls():
    seen = []
    kernel = thread_policy._wrap("matvec", spy(seen, "numpy"), "numpy")
    with limit_blas_threads({"numpy": 2}):
        kernel(np.empty((200, 784)), np.empty(784))
        assert seen[0]["pool"] == 1 and threads_of("numpy") == 2


@needs_own_pools
def test_real_compiled_rashid_epoch_leaves_both_pools_as_they_were(skip_or_fail):
    if not pynet.kernels.compiled_available():
        skip_or_fail("compiled kernels not built")
    k = load_backend("cython", ["rashid"])
    rng = np.random.default_rng(1)
    wih, who = rng.normal(0, 0.05, (20, 30)), rng.normal(0, 0.1, (4, 20))
    x, t = rng.random((5, 30)), np.full((5, 4), 0.5)
    with limit_blas_threads(2):
        before = (threads_of("numpy"), threads_of("scipy"))
        k.rashid_train_epoch(wih, who, 0.1, x, t)
        assert (threads_of("numpy"), threads_of("scipy")) == before


# -- settings and reports ------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [0, -1, CORES + 1, 1.5, "many", True])
def test_set_policy_rejects_bad_values_naming_the_choices(bad):
    with pytest.raises(ValueError, match=r"'auto', 'off' or a whole number of threads from 1 to"):
        thread_policy.set_policy(bad)
    assert thread_policy.current().mode == "auto"  # unchanged


def test_set_policy_accepts_auto_off_and_counts():
    assert thread_policy.set_policy("off").mode == "off"
    assert thread_policy.set_policy(1).mode == "fixed"
    assert thread_policy.current().threads == 1
    assert thread_policy.set_policy(" AUTO ").mode == "auto"


def test_describe_names_the_pool_and_the_threshold():
    policy = thread_policy.current()
    text = "\n".join(policy.describe())
    assert policy.applied and not policy.problems
    assert f"{SMALL_CALL_FLOPS:,} flops: 1 thread" in text
    assert policy.pool and policy.pool.split(":")[0] in ("scipy", "numpy", "system")


def run_python(code, **env):
    environ = {k: v for k, v in os.environ.items() if k != thread_policy.ENV_VAR}
    environ.update(env)
    environ["PYTHONPATH"] = REPO + os.pathsep + environ.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=REPO, env=environ, timeout=120)


BLOCK_THREADPOOLCTL = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "threadpoolctl":
            raise ImportError("blocked for the test")
sys.meta_path.insert(0, Block())
"""


def test_an_unknown_setting_in_the_environment_is_reported_not_ignored():
    proc = run_python("""
        import warnings, json
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from pynet.kernels import thread_policy
            policy = thread_policy.current()
        print(json.dumps({"problems": policy.problems, "mode": policy.mode,
                          "warned": [str(w.message) for w in caught]}))
    """, PYNET_BLAS_THREADS="999")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["mode"] == "auto"
    assert any("PYNET_BLAS_THREADS" in p and "999" in p
               for p in out["problems"]), out
    assert any("PYNET_BLAS_THREADS" in w for w in out["warned"])


def test_without_threadpoolctl_the_policy_says_it_is_not_applied_and_kernels_still_work():
    proc = run_python(BLOCK_THREADPOOLCTL + """
import json, warnings
import numpy as np
from pynet.kernels import thread_policy, matmul
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    c = matmul(np.eye(3), np.eye(3))
    matmul(np.eye(3), np.eye(3))
print(json.dumps({"ok": bool((c == np.eye(3)).all()), "lines": thread_policy.current().describe(),
                  "warnings": [str(w.message) for w in caught]}))
""")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["ok"]
    assert any("NOT APPLIED" in line and "threadpoolctl is not installed" in line
               for line in out["lines"])
    policy_warnings = [w for w in out["warnings"] if "thread policy not applied" in w]
    assert len(policy_warnings) == 1  # once, not per call


def test_pynet_info_prints_the_policy_and_what_cannot_be_applied():
    proc = run_python("import sys; from pynet.cli import main; sys.exit(main(['info']))")
    assert proc.returncode == 0, proc.stderr
    assert "BLAS thread policy: auto" in proc.stdout
    assert "1 thread; larger" in proc.stdout
    blocked = run_python(BLOCK_THREADPOOLCTL
                         + "from pynet.cli import main; sys.exit(main(['info']))")
    assert "threadpoolctl is not installed" in blocked.stdout
    assert "NOT APPLIED" in blocked.stdout
    fixed = run_python("import sys; from pynet.cli import main; sys.exit(main(['info']))",
                       PYNET_BLAS_THREADS="1")
    assert "BLAS thread policy: fixed (PYNET_BLAS_THREADS=1)" in fixed.stdout


@pytest.mark.parametrize("backend", ["cython", "python"])
def test_bad_arguments_get_the_kernels_own_error_through_the_wrapper(skip_or_fail, backend):
    """The size estimate never raises: a bad argument meets the kernel's own check."""
    if backend == "cython" and not pynet.kernels.compiled_available():
        skip_or_fail("compiled kernels not built")
    k = load_backend(backend, ["linalg"])
    with pytest.raises((TypeError, ValueError)) as wrapped:
        k.matmul(np.ones((2, 3)), "x")
    with pytest.raises(type(wrapped.value)) as direct:
        k.matmul.unsized(np.ones((2, 3)), "x")
    assert str(wrapped.value) == str(direct.value) and "'b'" in str(wrapped.value)


def test_every_kernel_of_a_blas_domain_is_sized_or_named_as_blas_free(skip_or_fail):
    """A kernel in a csrc file that cimports BLAS either has a work estimate (so the policy can
    keep its small calls on one thread) or is listed as calling no BLAS."""
    import importlib
    from pathlib import Path

    from pynet.kernels import thread_work

    csrc = Path(pynet.__file__).resolve().parent.parent / "csrc"
    if not csrc.is_dir():
        skip_or_fail("csrc/ is not beside the package (an installed copy)")
    unsized = []
    for pyx in sorted(csrc.glob("*.pyx")):
        text = pyx.read_text()
        if "cimport" not in text or "blas" not in text.split("def ", 1)[0]:
            continue
        names = importlib.import_module(f"pynet.kernels.reference.{pyx.stem}").__all__
        unsized += [n for n in names if n not in thread_work.WORK and n not in thread_work.WITHOUT_BLAS]
    assert unsized == []


def test_conv1d_and_transposed_conv_work_estimates():
    x, k = np.empty((128, 500, 128), np.float32), np.empty((7, 128, 32), np.float32)
    # one sequence's windows (500·7·128 elements) exceed a chunk: the GEMM takes one at a time
    assert call_flops("conv1d_forward", x, k) == 2 * 500 * 7 * 128 * 32
    x2 = np.empty((64, 20, 8), np.float32)              # 20·3·8 = 480 elements a sequence: 64 fit
    assert call_flops("conv1d_forward", x2, np.empty((3, 8, 16))) == 2 * 64 * 480 * 16
    small = np.empty((2, 10, 3), np.float32), np.empty((3, 3, 4), np.float32)
    assert call_flops("conv1d_backward", *small) == 2 * 2 * 10 * 3 * 3 * 4 < SMALL_CALL_FLOPS
    xt, kt = np.empty((16, 7, 7, 64), np.float32), np.empty((4, 4, 32, 64), np.float32)
    assert call_flops("conv2d_transpose_forward", xt, kt) == 2 * 16 * 7 * 7 * 64 * 4 * 4 * 32


def test_recurrent_work_is_the_larger_of_projection_and_step():
    x = np.empty((60, 128, 60), np.float32)              # Chollet's char model, time-major
    w, u = np.empty((60, 512), np.float32), np.empty((128, 512), np.float32)
    assert call_flops("lstm_forward", x, w, u) == 2 * 60 * 128 * 60 * 512
    one = np.empty((1, 1, 1)), np.empty((1, 16)), np.empty((4, 16))   # airline LSTM(4), batch 1
    assert call_flops("lstm_backward", *one) == 2 * 4 * 16 < SMALL_CALL_FLOPS
