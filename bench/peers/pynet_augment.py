"""pynet peer for ``bench/augmentation.py``, in its own process: ``ImageDataGenerator.flow``
with lesson 29's settings (seconds per batch), and one ``train_on_batch`` of the model that
batch feeds (lesson 29's convnet at 28×28×1, or Listing 5.13's at the book's 150×150×3)."""
from __future__ import annotations

import numpy as np

from bench.harness import peer_main, time_call

#: Listing 5.11 / lesson 29, plus rescale.
SETTINGS = dict(rescale=1 / 255, rotation_range=40, width_shift_range=0.2,
                height_shift_range=0.2, shear_range=0.2, zoom_range=0.2, horizontal_flip=True,
                fill_mode="nearest")


def images(shape, n, rng):
    """Fashion-MNIST's embedded subset at 28×28×1; smooth random pictures at other shapes."""
    if tuple(shape) == (28, 28, 1):
        from pynet.datasets import fashion_mnist
        (x, _), _ = fashion_mnist.load_subset()
        return x[:n, :, :, None].astype(np.uint8)
    from scipy import ndimage
    noise = rng.random((n,) + tuple(shape))
    return (255 * ndimage.uniform_filter(noise, size=(1, 9, 9, 1))).astype(np.uint8)


def book_convnet(shape):
    """Listing 5.13 (four conv-pool blocks, Dropout, Dense 512, sigmoid)."""
    from pynet import optimizers
    from pynet.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    from pynet.models import Sequential

    model = Sequential([Conv2D(32, 3, activation="relu", input_shape=tuple(shape)),
                        MaxPooling2D(2), Conv2D(64, 3, activation="relu"), MaxPooling2D(2),
                        Conv2D(128, 3, activation="relu"), MaxPooling2D(2),
                        Conv2D(128, 3, activation="relu"), MaxPooling2D(2), Flatten(),
                        Dropout(0.5), Dense(512, activation="relu"),
                        Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=optimizers.RMSprop(learning_rate=1e-4),
                  metrics=["accuracy"])
    return model


def run(args):
    from pynet import kernels
    from pynet.preprocessing.image import ImageDataGenerator
    from pynet.utils import set_seed

    shape, batch, repeat = tuple(args["shape"]), int(args["batch"]), int(args["repeat"])
    rng = np.random.default_rng(0)
    x = images(shape, max(10 * batch, 200), rng)
    y = rng.integers(0, 2, len(x)).astype(np.float32)
    it = ImageDataGenerator(**SETTINGS).flow(x, y, batch_size=batch, seed=0)
    generate = time_call(lambda: next(it), repeat=repeat, min_seconds=0.2)
    out = {"backend": kernels.BACKEND, "generate": generate.to_json()}
    if args.get("train"):
        set_seed(0)
        if shape == (28, 28, 1):
            import importlib.util
            from bench.harness import REPO
            path = REPO / "tutorials" / "29_small_data_from_scratch.py"
            spec = importlib.util.spec_from_file_location("lesson_39_for_bench", path)
            lesson = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(lesson)
            model = lesson.convnet(dropout=True)
        else:
            model = book_convnet(shape)
        bx, by = next(it)
        out["train"] = time_call(lambda: model.train_on_batch(bx, by), repeat=repeat,
                                 min_seconds=0.2).to_json()
    return out


if __name__ == "__main__":
    peer_main(run)
