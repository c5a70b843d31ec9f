"""The §7 demonstration helpers: top-k listing, misclassified examples, own-image prediction."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.backprop.feedforward_network import Network
from pynet.backprop.nielsen_demo import (
    format_top_k, misclassified, predict_image, preprocess_digit, top_k,
)
from pynet.datasets import mnist


@pytest.fixture(scope="module")
def trained():
    (xt, yt), (xs, ys) = mnist.load()
    net = Network([784, 30, 10], seed=0)
    net.SGD(mnist.nielsen_pairs(xt[:2000], yt[:2000], one_hot=True), 3, 10, 0.5, verbose=False)
    return net, xs[:200], ys[:200]


def test_top_k_listing(trained):
    net, xs, ys = trained
    x = xs[0].reshape(784, 1) / 255.0
    pairs = top_k(net, x, k=5)
    out = net.feedforward(x).ravel()
    assert [d for d, _ in pairs] == list(np.argsort(-out)[:5])
    assert [a for _, a in pairs] == sorted((a for _, a in pairs), reverse=True)
    text = format_top_k(pairs)
    lines = text.splitlines()
    assert lines[0] == f"1. Number: {pairs[0][0]} | {pairs[0][1]:.7g}"
    assert lines[-1] == f"Predicted number: {pairs[0][0]}"
    with pytest.raises(ValueError, match="k must lie in 1..10"):
        top_k(net, x, k=11)


def test_misclassified_matches_accuracy(trained):
    net, xs, ys = trained
    data = mnist.nielsen_pairs(xs, ys, one_hot=False)
    idx, predicted, actual = misclassified(net, data)
    assert len(idx) == round((1 - net.accuracy(data)) * len(data))
    assert np.all(predicted != actual)
    np.testing.assert_array_equal(actual, ys[idx])
    for i, p in zip(idx[:5], predicted[:5]):
        assert net.predict(data[i][0].ravel()) == p


def test_preprocess_digit_recovers_an_mnist_digit_drawn_dark_on_white(trained, require):
    """An MNIST digit inverted (dark ink on white paper), enlarged and shifted, comes back close
    to the original and is classified the same way."""
    require("PIL")
    net, xs, ys = trained
    agree = 0
    for i in range(20):
        digit = xs[i].astype(np.float64)
        page = np.full((120, 90), 255.0)
        big = np.kron(digit, np.ones((3, 3)))          # 84x84
        page[20:104, 3:87] = 255.0 - big                 # dark on white
        x = preprocess_digit(page)
        assert x.shape == (784, 1) and 0.0 <= x.min() and x.max() <= 1.0
        original = digit.reshape(784, 1) / 255.0
        assert np.corrcoef(x.ravel(), original.ravel())[0, 1] > 0.6
        agree += net.predict(x.ravel()) == net.predict(original.ravel())
    assert agree >= 16


def test_predict_image_from_a_file(tmp_path, trained, capsys, require):
    Image = require("PIL.Image")
    net, xs, ys = trained
    path = tmp_path / "digit.png"
    Image.fromarray(255 - xs[3]).resize((56, 56)).save(path)
    digit, pairs, x = predict_image(net, str(path), k=3)
    assert digit == pairs[0][0] and len(pairs) == 3
    assert "Predicted number" in capsys.readouterr().out
    with pytest.raises(ValueError, match="no ink"):
        preprocess_digit(np.zeros((28, 28)))
