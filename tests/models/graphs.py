"""Small example graphs shared by the model tests."""
from __future__ import annotations

import numpy as np

from pynet.layers import Dense, Layer, register_layer
from pynet.models import Input, Model, Sequential


@register_layer
class PairSum(Layer):
    """A two-input layer written to the merge protocol: ``y = a + 2·b`` (test-local)."""

    multi_input = True

    def build(self, input_shapes):
        a, b = (tuple(s) for s in input_shapes)
        if a != b:
            raise ValueError(f"PairSum: shapes differ: {a} and {b}")
        self.input_shape = [a, b]
        self.output_shape = a
        self.built = True

    def compute_output_shape(self, input_shapes):
        return tuple(input_shapes[0])

    def forward(self, inputs, training=False):
        a, b = inputs
        return a + 2 * b

    def backward(self, grad):
        return [grad, 2 * grad]


def mlp_pair(seed=0):
    """The ch. 2 MLP as Sequential and as a functional Model with the same weights."""
    rng = np.random.default_rng(seed)
    seq = Sequential([Dense(16, activation="relu", input_shape=(8,)),
                      Dense(3, activation="softmax")])
    x = Input(shape=(8,))
    h = Dense(16, activation="relu")(x)
    y = Dense(3, activation="softmax")(h)
    fun = Model(x, y)
    fun.set_weights(seq.get_weights())
    data = rng.standard_normal((64, 8)).astype(np.float32)
    labels = rng.integers(0, 3, 64)
    return seq, fun, data, labels


def two_input_model():
    a = Input(shape=(4,), name="text")
    b = Input(shape=(4,), name="question")
    merged = PairSum()([Dense(5, name="enc_a")(a), Dense(5, name="enc_b")(b)])
    out = Dense(3, activation="softmax", name="answer")(merged)
    return Model([a, b], out)



def multi_output_model():
    posts = Input(shape=(6,), name="posts")
    h = Dense(8, activation="relu", name="trunk")(posts)
    age = Dense(1, name="age")(h)
    income = Dense(4, activation="softmax", name="income")(h)
    gender = Dense(1, activation="sigmoid", name="gender")(h)
    return Model(posts, [age, income, gender])



def social_data(n=32, seed=2):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6)).astype(np.float32)
    return x, {"age": rng.uniform(20, 60, (n, 1)), "income": rng.integers(0, 4, n),
               "gender": rng.integers(0, 2, (n, 1)).astype(float)}


