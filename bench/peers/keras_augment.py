"""Keras 3 peer for ``bench/augmentation.py`` (torch backend), in its own process: the image
augmentation layers with lesson 29's ranges, called on a batch with ``training=True``."""
from __future__ import annotations

import os

import numpy as np

from bench.harness import peer_main, time_call


def run(args):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
        import torch
    except Exception as exc:          # ImportError, or no usable backend
        return {"unavailable": f"Keras 3 not importable: {exc}"}
    torch.set_num_threads(int(args.get("threads", 1)))
    L = keras.layers
    shape, batch, repeat = tuple(args["shape"]), int(args["batch"]), int(args["repeat"])
    # Listing 5.11's ranges in Keras 3's units: rotation as a fraction of a full turn (40/360),
    # shifts and zoom as fractions; RandomShear's factor is a shear intensity, not degrees.
    layers = [L.Rescaling(1 / 255),
              L.RandomRotation(40 / 360, fill_mode="nearest", seed=1),
              L.RandomTranslation(0.2, 0.2, fill_mode="nearest", seed=2),
              L.RandomZoom(0.2, 0.2, fill_mode="nearest", seed=3),
              L.RandomFlip("horizontal", seed=4)]
    if args.get("shear") and hasattr(L, "RandomShear"):
        layers.insert(3, L.RandomShear(x_factor=0.2, y_factor=0.2, fill_mode="nearest", seed=5))
    pipeline = keras.Sequential(layers)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.integers(0, 256, (batch,) + shape).astype(np.float32))
    timing = time_call(lambda: pipeline(x, training=True), repeat=repeat, min_seconds=0.2)
    return {"version": keras.__version__, "torch": torch.__version__,
            "layers": [type(l).__name__ for l in layers], "timing": timing.to_json()}


if __name__ == "__main__":
    peer_main(run)
