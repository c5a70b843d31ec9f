"""The TensorFlow-1 style: graphs, placeholders, variables, sessions, training — and the errors a
learner meets, each naming what went wrong."""
from __future__ import annotations

import numpy as np
import pytest

from pynet import autodiff as ad
from pynet.autodiff import graph as tf


@pytest.fixture(autouse=True)
def fresh_default_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def test_c27_y_equals_a_x_plus_b():
    x, a, b = tf.constant(-2.0), tf.constant(5.0), tf.constant(13.0)
    y = tf.Variable(tf.add(tf.multiply(a, x), b))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y) == 3.0                 # 5 · (−2) + 13


def test_c28_placeholders_fed_at_run_time_in_float32():
    x = tf.placeholder(tf.float32, name="x")
    y = tf.placeholder(tf.float32, name="y")
    z = tf.multiply(x, y, name="z")
    with tf.Session() as sess:
        out = sess.run(z, feed_dict={x: 2.1, y: 3.0})
    assert out.dtype == np.float32 and out == np.float32(6.2999997)
    assert z.name == "z"


def test_fetch_structures_and_operators_on_nodes():
    a = tf.constant(np.array([[1.0, 2.0], [3.0, 4.0]]))
    b = a * 2 + 1
    with tf.Session() as sess:
        out = sess.run({"a": a, "pair": [b, (a @ a).T]})
    assert out["pair"][0].tolist() == [[3, 5], [7, 9]]
    assert out["pair"][1].tolist() == [[7, 15], [10, 22]]


def test_two_result_operations_unpack():
    y, idx = tf.unique(tf.constant(np.array([4, 1, 4, 2])))
    with tf.Session() as sess:
        assert [v.tolist() for v in sess.run([y, idx])] == [[4, 1, 2], [0, 1, 0, 2]]


def test_each_session_has_its_own_variable_values():
    v = tf.Variable(1.0, name="v")
    step = tf.GradientDescentOptimizer(0.25).minimize(v * v)   # v ← v − 0.25·2v = v/2
    s1, s2 = tf.Session(), tf.Session()
    for s in (s1, s2):
        s.run(tf.global_variables_initializer())
    s1.run(step)
    assert s1.run(v) == 0.5 and s2.run(v) == 1.0


def test_minimize_fetches_the_loss_before_the_step_and_matches_eager_gradients():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    Y = rng.normal(size=(8, 1))
    W0 = rng.normal(size=(3, 1))
    x = tf.placeholder(tf.float64, (None, 3), name="x")
    y = tf.placeholder(tf.float64, (None, 1), name="y")
    W = tf.Variable(W0, name="W")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, W) - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, before = sess.run([train, loss], {x: X, y: Y})
        after = sess.run(W)
    assert before == pytest.approx(np.mean((X @ W0 - Y) ** 2))
    expected = W0 - 0.1 * (2 / 8) * X.T @ (X @ W0 - Y)            # ∂/∂W mean((XW − Y)²)
    np.testing.assert_allclose(after, expected, rtol=1e-12)


def test_training_a_graph_reduces_the_loss_and_respects_trainable():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2)).astype(np.float32)
    Y = (X @ np.array([[2.0], [-3.0]], np.float32) + 0.5)
    x = tf.placeholder(tf.float32, (None, 2), name="x")
    y = tf.placeholder(tf.float32, (None, 1), name="y")
    W = tf.Variable(tf.random_normal([2, 1], stddev=0.1, seed=3), name="W")
    b = tf.Variable(tf.zeros([1]), name="b")
    frozen = tf.Variable(1.0, trainable=False, name="frozen")
    loss = tf.reduce_mean((tf.matmul(x, W) + b * frozen - y) ** 2)
    step = tf.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: X, y: Y})
        for _ in range(200):
            sess.run(step, {x: X, y: Y})
        last = sess.run(loss, {x: X, y: Y})
        np.testing.assert_allclose(sess.run(W).ravel(), [2.0, -3.0], atol=1e-3)
        assert sess.run(b) == pytest.approx(0.5, abs=1e-3)
        assert sess.run(frozen) == 1.0
    assert last < 1e-5 < first


def test_summaries_are_collected_and_merged():
    a = tf.placeholder(tf.float32, (3,), name="a")
    tf.summary.scalar("mean", tf.reduce_mean(a))
    tf.summary.histogram("values", a)
    merged = tf.summary.merge_all()
    with tf.Session() as sess:
        s = sess.run(merged, {a: [1.0, 2.0, 6.0]})
    assert s[0] == ("scalar", "mean", 3.0)
    assert s[1][0] == "histogram" and s[1][2].tolist() == [1.0, 2.0, 6.0]


# -- bad input ------------------------------------------------------------------------------------
def test_a_placeholder_fed_the_wrong_shape_is_named():
    x = tf.placeholder(tf.float32, (None, 784), name="images")
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"placeholder 'images' expects shape \(None, 784\), "
                                             r"the value fed has shape \(100, 783\)"):
            sess.run(x * 2, {x: np.zeros((100, 783))})
        with pytest.raises(ValueError, match=r"expects shape \(None, 784\).*shape \(784,\)"):
            sess.run(x * 2, {x: np.zeros(784)})


def test_a_placeholder_fed_the_wrong_dtype_is_named():
    labels = tf.placeholder(tf.int32, (None,), name="labels")
    with tf.Session() as sess:
        with pytest.raises(TypeError, match="placeholder 'labels' has dtype int32; the value fed "
                                            "has dtype float64"):
            sess.run(labels + 1, {labels: np.array([0.5, 1.5])})
        with pytest.raises(TypeError, match="placeholder 'labels'.*dtype <U1"):
            sess.run(labels + 1, {labels: np.array(["a"])})
        assert sess.run(labels + 1, {labels: np.array([1, 2], np.int64)}).tolist() == [2, 3]


def test_an_unfed_placeholder_is_named():
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    y = tf.reduce_sum(x * 2, name="total")
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"placeholder 'x' \(float32, shape \(None, 3\)\) needs "
                                             r"a value.*needed for 'total'"):
            sess.run(y)


def test_an_uninitialised_variable_is_named():
    k = tf.Variable(tf.zeros([1]), name="k")
    with tf.Session() as sess:
        with pytest.raises(RuntimeError, match="Variable 'k' is not initialised in this session: "
                                               "run global_variables_initializer"):
            sess.run(k + 1)
        sess.run(k.initializer)
        assert sess.run(k + 1).tolist() == [1.0]


def test_tensors_of_two_graphs_do_not_mix():
    g1, g2 = tf.Graph(name="first"), tf.Graph(name="second")
    with g1.as_default():
        a = tf.constant(1.0, name="a")
    with g2.as_default():
        b = tf.constant(2.0, name="b")
    with pytest.raises(ValueError, match="'a' belongs to graph 'first' but 'b' belongs to graph "
                                         "'second'"):
        tf.add(a, b)
    with pytest.raises(ValueError, match="'b' belongs to graph 'second' but this session runs "
                                         "graph 'first'"):
        tf.Session(g1).run(b)


def test_an_operation_without_gradient_is_named_when_training():
    W = tf.Variable(np.ones((2, 3)), name="W")
    loss = tf.reduce_sum(tf.cast(tf.argmax(W, 1), tf.float64) * 1.0)
    step = tf.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ad.NoGradientError, match="operation 'cast to float64' has no gradient"
                                                     ".*comes from 'argmax'"):
            sess.run(step)


def test_a_runtime_failure_names_the_node():
    a = tf.placeholder(tf.float64, (None, 3), name="a")
    c = tf.matmul(a, a, name="square_it")
    with tf.Session() as sess:
        with pytest.raises(ValueError) as info:
            sess.run(c, {a: np.ones((2, 3))})
    assert "while running node 'square_it'" in "".join(getattr(info.value, "__notes__", []))


def test_nodes_are_not_booleans_or_iterables():
    a = tf.constant([1.0, 2.0])
    with pytest.raises(TypeError, match="no truth value"):
        bool(a)
    with pytest.raises(TypeError, match="not iterable"):
        list(a)
