"""The Tensor engine's forward values (the lecture notes' C30–C37 examples), the tape, and its
errors."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import autodiff as ad

X = ad.tensor(np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.int32))
BOOL = ad.tensor(np.array([[True, False, True], [False, False, True], [True, False, False]]))


def test_dtypes_follow_tensorflow():
    assert ad.tensor(5.2).dtype == np.float32
    assert ad.tensor(3).dtype == np.int32
    assert ad.tensor(np.array([1.45, -1, 0.2, 102.1])).dtype == np.float64
    # 2.1 × 3.0 in float32 is 6.2999997, not 6.3
    assert ad.multiply(ad.tensor(2.1), ad.tensor(3.0)).item() == np.float32(6.2999997)
    assert (ad.tensor(np.ones(2)) * 2.0).dtype == np.float64     # a Python number adapts


def test_cos_of_zeros():
    assert ad.cos(ad.tensor(np.zeros(3))).numpy().tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("op, whole, rows", [
    ("reduce_sum", 45, [6, 15, 24]),
    ("reduce_prod", 362880, [6, 120, 504]),
    ("reduce_min", 1, [1, 4, 7]),
    ("reduce_max", 9, [3, 6, 9]),
    ("reduce_mean", 5, [2, 5, 8]),            # integer mean, truncated as in TensorFlow
])
def test_the_lectures_reductions(op, whole, rows):
    fn = getattr(ad, op)
    assert fn(X).item() == whole
    assert fn(X, axis=1).numpy().tolist() == rows


def test_the_lectures_logical_reductions():
    assert ad.reduce_all(BOOL).item() is False
    assert ad.reduce_all(BOOL, 1).numpy().tolist() == [False, False, False]
    assert ad.reduce_any(BOOL).item() is True
    assert ad.reduce_any(BOOL, 1).numpy().tolist() == [True, True, True]


def test_the_lectures_segment_sums():
    tens1 = np.array([(2, 5, 3, -5), (0, 3, -2, 5), (4, 3, 5, 3), (6, 1, 4, 0), (6, 1, 4, 0)])
    ids = [0, 0, 1, 2, 2]
    assert ad.segment_sum(tens1, ids).numpy().tolist() == [[2, 8, 1, 0], [4, 3, 5, 3], [12, 2, 8, 0]]
    assert ad.segment_sum(np.array([1, 2, 3, 4, 5]), ids).numpy().tolist() == [3, 3, 9]


def test_the_lectures_argmin_argmax_unique_setdiff():
    x = np.array([[2, 2, 1, 3], [4, 5, 6, -1], [0, 1, 1, -2], [6, 2, 3, 0]])
    assert ad.argmin(x, 1).numpy().tolist() == [2, 3, 3, 3]
    assert ad.argmax(x, 1).numpy().tolist() == [3, 2, 1, 0]
    y = np.array([1.0, 2, 5, 3, 7])
    values, idx = ad.unique(y)
    assert values.numpy().tolist() == [1, 2, 5, 3, 7] and idx.numpy().tolist() == [0, 1, 2, 3, 4]
    values, idx = ad.unique(np.array([4, 1, 4, 2, 1]))     # first-appearance order, x = y[idx]
    assert values.numpy().tolist() == [4, 1, 2] and idx.numpy().tolist() == [0, 1, 0, 2, 1]
    out, idx = ad.setdiff1d(y, np.array([1.0, 0, 4, 6, 2]))
    assert out.numpy().tolist() == [5, 3, 7] and idx.numpy().tolist() == [2, 3, 4]


def test_the_lectures_matrix_ops_agree_with_numpy():
    rng = np.random.default_rng(34)
    m = rng.random((4, 4)).astype(np.float32)
    b = np.ones((4, 1), np.float32)
    np.testing.assert_allclose(ad.matrix_determinant(m).numpy(), np.linalg.det(m), rtol=1e-5)
    np.testing.assert_allclose(ad.matrix_inverse(m).numpy() @ m, np.eye(4), atol=1e-4)
    np.testing.assert_allclose(m @ ad.matrix_solve(m, b).numpy(), b, atol=1e-4)
    np.testing.assert_allclose(ad.transpose(m).numpy(), m.T)


def test_record_and_tape_gradient():
    w = ad.tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    x = np.array([[1.0, 1.0], [2.0, 0.0]])
    with ad.record() as tape:
        loss = ad.reduce_sum((x @ w) ** 2)       # (3² + 2²): ∂/∂w = 2 xᵀ (x w) = [[2·(3+4)], [2·3]]
    assert tape.gradient(loss, w).tolist() == [[14.0], [6.0]]
    assert w.grad is None                         # a tape leaves .grad alone


def test_tape_gradient_with_respect_to_a_watched_constant_and_a_dict():
    x = ad.tensor(3.0)
    with ad.record() as tape:
        tape.watch(x)
        y = x * x
    assert tape.gradient(y, {"x": x})["x"] == pytest.approx(6.0)


def test_an_unused_source_gets_none():
    a = ad.tensor(1.0, requires_grad=True)
    b = ad.tensor(2.0, requires_grad=True)
    assert ad.gradient(a * 3.0, [a, b])[1] is None


def test_no_grad_records_nothing():
    w = ad.tensor(np.ones(2), requires_grad=True)
    with ad.no_grad():
        y = w * 2
    assert y.parents == () and not y.requires_grad


def test_a_seed_differentiates_a_non_scalar():
    w = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (w * w).backward(seed=np.array([1.0, 10.0]))
    assert w.grad.tolist() == [2.0, 40.0]


# -- bad input ------------------------------------------------------------------------------------
def test_gradient_of_a_non_scalar_needs_a_seed():
    w = ad.tensor(np.ones((2, 3)), requires_grad=True, name="w")
    with pytest.raises(ValueError, match=r"non-scalar.*holds 6 numbers.*seed= an array of shape \(2, 3\)"):
        (w * 2).backward()
    with pytest.raises(ValueError, match=r"seed has shape \(3,\) but the output"):
        (w * 2).backward(seed=np.ones(3))


def test_an_operation_without_gradient_is_named():
    w = ad.tensor(np.ones((2, 3)), requires_grad=True, name="W")
    loss = ad.reduce_sum(ad.cast(ad.argmax(w, 1), np.float32))
    with pytest.raises(ad.NoGradientError, match="operation 'cast to float32' has no gradient"):
        loss.backward()
    loss = ad.reduce_sum(ad.cast(ad.equal(w, 1.0), np.float64) * w)
    with pytest.raises(ad.NoGradientError, match="'equal'"):
        ad.gradient(loss, [w])


def test_backward_twice_needs_retain_graph():
    w = ad.tensor(2.0, requires_grad=True)
    y = w * w * 3.0
    y.backward(retain_graph=True)
    y.backward()                                  # allowed: the first pass kept the graph
    assert w.grad == pytest.approx(24.0)
    with pytest.raises(ad.GraphFreedError, match="retain_graph=True"):
        y.backward()


def test_a_tape_is_used_once_unless_persistent():
    w = ad.tensor(2.0, requires_grad=True)
    with ad.record() as tape:
        y = w * w
    tape.gradient(y, w)
    with pytest.raises(ad.GraphFreedError, match="persistent=True"):
        tape.gradient(y, w)
    with ad.record(persistent=True) as tape:
        y = w * w
    assert tape.gradient(y, w) == tape.gradient(y, w) == pytest.approx(4.0)


def test_only_floating_tensors_take_gradients():
    with pytest.raises(TypeError, match="only floating-point tensors have gradients, got dtype int32"):
        ad.tensor(np.array([1, 2], np.int32), requires_grad=True)


def test_segment_ids_are_checked():
    with pytest.raises(ValueError, match="sorted and non-negative"):
        ad.segment_sum(np.ones((3, 2)), [1, 0, 0])
    with pytest.raises(ValueError, match=r"one id per row of data \(3 rows\)"):
        ad.segment_sum(np.ones((3, 2)), [0, 1])
