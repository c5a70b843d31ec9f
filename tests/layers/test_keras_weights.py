"""Weights move from a Keras 3 model to the same pynet model unchanged (Keras's layouts and
order): a small Xception-style stack of issue 12's layers predicts the same numbers."""
from __future__ import annotations

import numpy as np

from pynet.layers import (BatchNormalization, Cropping2D, Dense, DepthwiseConv2D, Flatten,
                          LeakyReLU, PReLU, SeparableConv2D, UpSampling2D, ZeroPadding2D)
from pynet.sequential import Sequential

from .keras_oracle import keras_layer_to_numpy, keras_or_skip


def test_keras_model_weights_give_the_same_predictions(require, rng):
    keras = keras_or_skip(require)
    L = keras.layers
    theirs = keras.Sequential([
        keras.Input((12, 12, 3)),
        L.SeparableConv2D(8, 3, padding="same", depth_multiplier=2),
        L.BatchNormalization(),
        L.LeakyReLU(negative_slope=0.3),
        L.DepthwiseConv2D(3, strides=2, padding="same"),
        L.BatchNormalization(axis=-1, momentum=0.9, epsilon=1e-2),
        L.PReLU(shared_axes=[1, 2]),
        L.UpSampling2D(interpolation="bilinear"),
        L.Cropping2D(((1, 2), (0, 1))),
        L.ZeroPadding2D(1),
        L.Flatten(),
        L.Dense(4),
    ])
    ours = Sequential([
        SeparableConv2D(8, 3, padding="same", depth_multiplier=2, input_shape=(12, 12, 3)),
        BatchNormalization(),
        LeakyReLU(alpha=0.3),
        DepthwiseConv2D(3, strides=2, padding="same"),
        BatchNormalization(axis=-1, momentum=0.9, epsilon=1e-2),
        PReLU(shared_axes=[1, 2]),
        UpSampling2D(interpolation="bilinear"),
        Cropping2D(((1, 2), (0, 1))),
        ZeroPadding2D(1),
        Flatten(),
        Dense(4),
    ])
    # random weights everywhere (variances positive), set in Keras, copied to pynet as they are
    for layer in theirs.layers:
        if isinstance(layer, L.BatchNormalization):
            c = layer.get_weights()[0].shape
            layer.set_weights([rng.normal(size=c) + 1.0, rng.normal(size=c), rng.normal(size=c),
                               rng.uniform(0.5, 2.0, size=c)])
        elif layer.get_weights():
            layer.set_weights([rng.normal(size=w.shape).astype(np.float32) * 0.5
                               for w in layer.get_weights()])
    ours.set_weights(theirs.get_weights())
    x = rng.normal(size=(5, 12, 12, 3)).astype(np.float32)
    want = keras_layer_to_numpy(theirs(x, training=False))
    np.testing.assert_allclose(ours.predict(x, verbose=0), want, rtol=1e-4, atol=1e-4)
    assert ours.count_params() == theirs.count_params()
