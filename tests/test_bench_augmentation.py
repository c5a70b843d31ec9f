"""bench/augmentation.py's peers: each returns timings (or says why it cannot), in-process here."""
from __future__ import annotations

import importlib.util

from bench.peers import keras_augment, pynet_augment, torchvision_augment


def test_the_pynet_peer_times_generating_and_training_one_batch():
    out = pynet_augment.run({"shape": [28, 28, 1], "batch": 4, "repeat": 1, "train": True})
    assert out["generate"]["samples"][0] > 0 and out["train"]["samples"][0] > 0


def test_the_pynet_peer_augments_with_the_lessons_settings():
    from pynet.preprocessing.image import ImageDataGenerator

    gen = ImageDataGenerator(**pynet_augment.SETTINGS)
    assert (gen.rotation_range, gen.zoom_range, gen.horizontal_flip) == (40, (0.8, 1.2), True)
    assert gen.rescale == 1 / 255


def test_the_keras_peer_runs_the_layers_or_says_why_not(require):
    require("keras")
    out = keras_augment.run({"shape": [28, 28, 1], "batch": 4, "repeat": 1, "shear": True})
    assert "RandomShear" in out["layers"] and out["timing"]["samples"][0] > 0


def test_the_torchvision_peer_says_when_torchvision_is_missing():
    out = torchvision_augment.run({"shape": [28, 28, 1], "batch": 4, "repeat": 1})
    if importlib.util.find_spec("torchvision") is None:
        assert "torchvision is not installed" in out["unavailable"]
    else:
        assert out["timing"]["samples"][0] > 0
