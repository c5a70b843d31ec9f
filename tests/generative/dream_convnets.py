"""Small float64 convnets for the generative tests: a Sequential classifier and a functional
two-branch model, both with layers named like VGG's (block1_conv1, ...)."""
from __future__ import annotations

import numpy as np


def sequential_convnet(activation="tanh", channels=3, seed=0):
    """Conv → pool → Conv → Conv → Flatten → Dense, built for 16×16 images."""
    from pynet.layers import Conv2D, Dense, Flatten, MaxPooling2D
    from pynet.sequential import Sequential
    from pynet.utils import set_seed

    set_seed(seed)
    kw = dict(activation=activation, dtype="float64")
    return Sequential([
        Conv2D(4, 3, input_shape=(16, 16, channels), name="block1_conv1", **kw),
        MaxPooling2D(2, name="block1_pool", dtype="float64"),
        Conv2D(6, 3, padding="same", name="block2_conv1", **kw),
        Conv2D(5, 3, name="block3_conv1", **kw),
        Flatten(name="flatten", dtype="float64"),
        Dense(3, activation="softmax", name="predictions", dtype="float64"),
    ])


def functional_convnet(seed=1):
    """Input → Conv ─┬─ Conv(3×3) ─┐
                      └─ Conv(1×1) ─┴─ add → Conv; a graph, not a stack."""
    from pynet.layers import Add, Conv2D
    from pynet.models import Input, Model
    from pynet.utils import set_seed

    set_seed(seed)
    kw = dict(activation="tanh", dtype="float64")
    x = Input(shape=(12, 12, 3), dtype="float64")
    a = Conv2D(4, 3, name="stem", **kw)(x)
    b = Conv2D(4, 3, padding="same", name="branch_3x3", **kw)(a)
    c = Conv2D(4, 1, name="branch_1x1", **kw)(a)
    d = Add(name="mixed1", dtype="float64")([b, c])
    e = Conv2D(3, 3, name="mixed2", **kw)(d)
    return Model(x, e)


def image(shape, seed=0):
    return np.random.default_rng(seed).random(shape)
