"""Merge layers: Keras's shapes and broadcasting, finite-difference gradients, Keras 3 as witness,
and the errors that name both shapes."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.gradient_check import numerical_gradient, relative_error
from pynet.layers import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract,
                          add, average, concatenate, dot, maximum, minimum, multiply, subtract)
from pynet.layers.base import get_layer_class, using_backend

from .keras_oracle import keras_layer_to_numpy, keras_or_skip


def check_merge_gradients(layer, xs, rng, tol=1e-6):
    """L = Σ y ⊙ R; compare every dL/dxᵢ from backward with central differences."""
    y = layer(xs)
    r = rng.normal(size=y.shape)

    def loss():
        return float(np.sum(layer.forward(xs) * r))

    layer.forward(xs)
    grads = layer.backward(r)
    assert len(grads) == len(xs)
    for i, (x, g) in enumerate(zip(xs, grads)):
        assert g.shape == x.shape, f"input {i}: gradient shape {g.shape} != {x.shape}"
        num = numerical_gradient(loss, x)
        err = relative_error(g, num).max()
        assert err < tol, f"input {i}: relative error {err:.2e}"


# (layer, sample shapes) — equal shapes, broadcasting on an axis of 1, a missing leading axis
GRAD_CASES = [
    (lambda: Add(dtype="float64"), [(3, 4), (3, 4), (3, 4)]),
    (lambda: Add(dtype="float64"), [(3, 4), (1, 4)]),
    (lambda: Add(dtype="float64"), [(2, 3, 4), (4,)]),
    (lambda: Subtract(dtype="float64"), [(5,), (5,)]),
    (lambda: Subtract(dtype="float64"), [(3, 1), (1, 4)]),
    (lambda: Multiply(dtype="float64"), [(3, 4), (3, 4), (3, 4)]),
    (lambda: Multiply(dtype="float64"), [(3, 4), (3, 1)]),
    (lambda: Average(dtype="float64"), [(6,), (6,), (1,)]),
    (lambda: Maximum(dtype="float64"), [(3, 4), (3, 4), (3, 4)]),
    (lambda: Minimum(dtype="float64"), [(3, 4), (4,)]),
    (lambda: Concatenate(dtype="float64"), [(3, 2), (3, 5)]),
    (lambda: Concatenate(axis=1, dtype="float64"), [(2, 3), (4, 3), (1, 3)]),
    (lambda: Concatenate(axis=-2, dtype="float64"), [(2, 2, 3), (2, 1, 3)]),
    (lambda: Dot(axes=1, dtype="float64"), [(5,), (5,)]),
    (lambda: Dot(axes=-1, dtype="float64"), [(3, 4), (2, 4)]),
    (lambda: Dot(axes=(1, 2), dtype="float64"), [(4, 3), (2, 4)]),
    (lambda: Dot(axes=2, normalize=True, dtype="float64"), [(3, 4), (2, 4)]),
    (lambda: Dot(axes=1, normalize=True, dtype="float64"), [(6,), (6,)]),
]


@pytest.mark.parametrize("backend", ["python", "cython"])
@pytest.mark.parametrize("make,shapes", GRAD_CASES,
                         ids=[f"{i}-{s}" for i, (_, s) in enumerate(GRAD_CASES)])
def test_gradients_match_finite_differences(make, shapes, backend, rng):
    xs = [rng.normal(size=(2,) + s) for s in shapes]
    with using_backend(backend):
        check_merge_gradients(make(), xs, rng)


def test_worked_example_add_broadcasts_like_keras():
    """(2, 3) + (1, 3): the row is added to both rows; its gradient sums them."""
    a = np.array([[[1.0, 2, 3], [4, 5, 6]]])          # batch of one (1, 2, 3)
    b = np.array([[[10.0, 20, 30]]])                  # (1, 1, 3)
    layer = Add(dtype="float64")
    np.testing.assert_array_equal(layer([a, b]), [[[11, 22, 33], [14, 25, 36]]])
    assert layer.output_shape == (2, 3)
    ga, gb = layer.backward(np.ones((1, 2, 3)))
    np.testing.assert_array_equal(ga, np.ones((1, 2, 3)))
    np.testing.assert_array_equal(gb, [[[2, 2, 2]]])


def test_maximum_tie_gives_the_gradient_to_the_first_input():
    a = np.array([[1.0, 5.0, 2.0]])
    b = np.array([[1.0, 3.0, 7.0]])
    layer = Maximum(dtype="float64")
    np.testing.assert_array_equal(layer([a, b]), [[1, 5, 7]])
    ga, gb = layer.backward(np.array([[10.0, 20.0, 30.0]]))
    np.testing.assert_array_equal(ga, [[10, 20, 0]])   # tie at index 0 -> first input
    np.testing.assert_array_equal(gb, [[0, 0, 30]])


def test_dot_of_vectors_is_batch_by_one_and_cosine_when_normalized():
    a = np.array([[3.0, 4.0]])
    b = np.array([[4.0, 3.0]])
    np.testing.assert_allclose(dot([a, b], axes=1), [[24.0]])               # 12 + 12
    np.testing.assert_allclose(dot([a, b], axes=1, normalize=True), [[24.0 / 25.0]])


def test_functional_forms_call_the_layer(rng):
    a, b = rng.normal(size=(2, 4, 3)).astype(np.float32), rng.normal(size=(2, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(add([a, b]), a + b, rtol=1e-6)
    np.testing.assert_allclose(subtract([a, b]), a - b, rtol=1e-6)
    np.testing.assert_allclose(multiply([a, b]), a * b, rtol=1e-6)
    np.testing.assert_allclose(average([a, b]), (a + b) / 2, rtol=1e-6)
    np.testing.assert_array_equal(maximum([a, b]), np.maximum(a, b))
    np.testing.assert_array_equal(minimum([a, b]), np.minimum(a, b))
    np.testing.assert_array_equal(concatenate([a, b], axis=1), np.concatenate([a, b], axis=1))
    np.testing.assert_allclose(dot([a, b], axes=2), np.einsum("bik,bjk->bij", a, b), rtol=1e-5)


SHAPE_ERRORS = [
    (Add, [(5, 3), (4,)], r"incompatible shapes \(None, 5, 3\) and \(None, 4\)"),
    (Multiply, [(2, 3), (3, 2)], r"\(None, 2, 3\) and \(None, 3, 2\)"),
    (Subtract, [(3,), (3,), (3,)], r"exactly 2 inputs, got 3"),
    (lambda: Concatenate(axis=-1), [(4, 3), (5, 3)],
     r"match except along axis -1, got shapes \(None, 4, 3\) and \(None, 5, 3\)"),
    (lambda: Concatenate(axis=1), [(4,), (4, 2)], r"same rank"),
    (lambda: Concatenate(axis=0), [(4,), (4,)], r"axis=0 is the batch axis"),
    (lambda: Concatenate(axis=3), [(4,), (4,)], r"axis=3 is out of range"),
    (lambda: Dot(axes=1), [(3,), (4,)], r"axis 1 of \(None, 3\) has 3, axis 1 of \(None, 4\) has 4"),
]


@pytest.mark.parametrize("make,shapes,message", SHAPE_ERRORS)
def test_incompatible_shapes_are_refused_at_build_naming_both(make, shapes, message):
    layer = make()
    with pytest.raises(ValueError, match=message):
        layer.build(shapes)
    assert not layer.built


def test_bad_calls_are_refused_clearly(rng):
    with pytest.raises(ValueError, match="list of inputs"):
        Add().build((3, 4))
    layer = Add()
    layer([np.zeros((2, 3)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="different sizes"):
        layer.forward([np.zeros((2, 3)), np.zeros((3, 3))])
    with pytest.raises(ValueError, match=r"expected inputs of shapes \[\(None, 3\), \(None, 3\)\]"):
        layer.forward([np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(TypeError, match="axes must be an int or a pair"):
        Dot(axes=1.5)
    with pytest.raises(RuntimeError, match="before forward"):
        Add().backward(np.zeros((1, 3)))


def test_config_round_trip():
    for layer in (Add(name="a"), Concatenate(axis=1), Dot(axes=(1, 2), normalize=True)):
        config = layer.get_config()
        again = get_layer_class(type(layer).__name__).from_config(config)
        assert again.get_config() == config


KERAS_CASES = [
    ("Add", {}, [(3, 4), (1, 4)]),
    ("Subtract", {}, [(3, 4), (3, 4)]),
    ("Multiply", {}, [(3, 4), (4,)]),
    ("Average", {}, [(3, 4), (3, 4), (3, 4)]),
    ("Maximum", {}, [(3, 4), (3, 4)]),
    ("Minimum", {}, [(3, 1), (3, 4)]),
    ("Concatenate", {"axis": 1}, [(2, 4), (3, 4)]),
    ("Dot", {"axes": 2}, [(3, 4), (5, 4)]),
    ("Dot", {"axes": (1, 2), "normalize": True}, [(4, 3), (2, 4)]),
]


@pytest.mark.parametrize("name,kwargs,shapes", KERAS_CASES)
def test_same_outputs_and_shapes_as_keras(require, name, kwargs, shapes, rng):
    keras = keras_or_skip(require)
    xs = [rng.normal(size=(2,) + s).astype(np.float32) for s in shapes]
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = get_layer_class(name)(**kwargs)
    want = keras_layer_to_numpy(theirs(xs))
    got = ours(xs)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert (None,) + ours.output_shape == theirs.compute_output_shape([(None,) + s for s in shapes])


@pytest.mark.parametrize("make", [Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate,
                                  lambda: Dot(axes=2), lambda: Dot(axes=1, normalize=True)])
def test_empty_batch(make):
    layer = make()
    xs = [np.zeros((0, 2, 3), np.float32), np.zeros((0, 2, 3), np.float32)]
    y = layer(xs)
    assert y.shape == (0,) + layer.output_shape
    assert [g.shape for g in layer.backward(np.zeros_like(y))] == [(0, 2, 3), (0, 2, 3)]
