"""VGG16 and VGG19 (Simonyan & Zisserman 2014), built as Keras builds them (Chollet §5.3).

Five blocks of 3×3 'same' ReLU convolutions, each closed by a 2×2 max pooling: 64, 128, 256, 512,
512 filters, with 2, 2, 3, 3, 3 convolutions (VGG16) or 2, 2, 4, 4, 4 (VGG19). The layers carry
Keras's names (``block1_conv1`` … ``block5_pool``, then ``flatten``, ``fc1``, ``fc2``,
``predictions``), so a Keras weight file loads by order or by name, and the parameter counts are
Keras's: VGG16 14,714,688 without the top and 138,357,544 with it; VGG19 20,024,384 and
143,667,240.
"""
from __future__ import annotations

from pynet.layers import (Conv2D, Dense, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D,
                          MaxPooling2D)
from pynet.models import Input, Model
from pynet import _validate as validate

__all__ = ["VGG16", "VGG19", "WEIGHT_FILES"]

#: The ImageNet weight files Keras's applications download (pynet never does): fetch the one you
#: need from https://storage.googleapis.com/tensorflow/keras-applications/<name>/ and pass its path.
WEIGHT_FILES = {
    ("vgg16", True): "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
    ("vgg16", False): "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
    ("vgg19", True): "vgg19_weights_tf_dim_ordering_tf_kernels.h5",
    ("vgg19", False): "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
}
FILTERS = (64, 128, 256, 512, 512)
#: The ImageNet input size; the smallest input the five poolings accept is 32×32.
DEFAULT_SIZE, MIN_SIZE = 224, 32
POOLINGS = (None, "avg", "max")


def _input_shape(input_shape, include_top, where):
    """Keras's rule: (224, 224, 3) by default; any (h, w, 3) with h, w ≥ 32 otherwise."""
    if input_shape is None:
        return (DEFAULT_SIZE, DEFAULT_SIZE, 3)
    try:
        shape = tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: input_shape must be (height, width, 3), got "
                         f"{input_shape!r}") from None
    if len(shape) != 3 or shape[2] != 3:
        raise ValueError(f"{where}: input_shape must be (height, width, 3) (RGB, channels last), "
                         f"got {input_shape!r}")
    if min(shape[:2]) < MIN_SIZE:
        raise ValueError(f"{where}: input_shape {shape} is too small: height and width must be at "
                         f"least {MIN_SIZE} (five 2×2 poolings)")
    return shape


def _vgg(name, convs_per_block, include_top, weights, input_shape, pooling, classes,
         classifier_activation):
    where = f"{name.upper()}()"
    if not (weights is None or weights == "imagenet" or isinstance(weights, (str, bytes))
            or hasattr(weights, "__fspath__")):
        raise ValueError(f"{where}: weights must be None, 'imagenet' or the path of a Keras "
                         f"weight file, got {weights!r}")
    if weights == "imagenet":
        file = WEIGHT_FILES[(name, bool(include_top))]
        raise ValueError(
            f"{where}: weights='imagenet' needs Keras's ImageNet weight file, which pynet does not "
            f"download (no network here). Download {file} from "
            f"https://storage.googleapis.com/tensorflow/keras-applications/{name}/{file} yourself "
            f"and pass its path: {name.upper()}(include_top={bool(include_top)}, "
            f"weights='path/to/{file}')")
    if pooling not in POOLINGS:
        raise ValueError(f"{where}: pooling must be None, 'avg' or 'max', got {pooling!r}")
    classes = validate.positive_int(where, "classes", classes)
    shape = _input_shape(input_shape, include_top, where)

    inputs = Input(shape=shape)
    x = inputs
    for block, (filters, convs) in enumerate(zip(FILTERS, convs_per_block), start=1):
        for k in range(1, convs + 1):
            x = Conv2D(filters, (3, 3), activation="relu", padding="same",
                       name=f"block{block}_conv{k}")(x)
        x = MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = Flatten(name="flatten")(x)
        x = Dense(4096, activation="relu", name="fc1")(x)
        x = Dense(4096, activation="relu", name="fc2")(x)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = GlobalMaxPooling2D()(x)
    model = Model(inputs, x, name=name)
    if weights is not None:
        from pynet.interop.keras import load_weights
        load_weights(model, weights)
    return model


def VGG16(include_top=True, weights=None, input_shape=None, pooling=None, classes=1000,  # noqa: N802
          classifier_activation="softmax"):
    """VGG16 as ``keras.applications.VGG16`` builds it (see the module docstring).

    Parameters
    ----------
    include_top : bool
        Add ``flatten``, ``fc1``, ``fc2`` (4096 ReLU units each) and ``predictions``.
    weights : None, path, or 'imagenet'
        None: random initial weights. A path: a Keras weight file (Keras 2 ``.h5`` such as
        ``vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5``, or Keras 3 ``.weights.h5``), loaded
        with :func:`pynet.interop.keras.load_weights`. 'imagenet' is refused with the name of
        the file to download: pynet does not fetch anything.
    input_shape : (height, width, 3), optional
        Default (224, 224, 3); height and width at least 32.
    pooling : None, 'avg' or 'max'
        Without the top: how the last block's feature maps are reduced (None keeps them).
    classes : int
        Units of ``predictions`` (with the top).
    """
    return _vgg("vgg16", (2, 2, 3, 3, 3), include_top, weights, input_shape, pooling, classes,
                classifier_activation)


def VGG19(include_top=True, weights=None, input_shape=None, pooling=None, classes=1000,  # noqa: N802
          classifier_activation="softmax"):
    """VGG19 as ``keras.applications.VGG19`` builds it: :func:`VGG16` with four convolutions in
    blocks 3, 4 and 5."""
    return _vgg("vgg19", (2, 2, 4, 4, 4), include_top, weights, input_shape, pooling, classes,
                classifier_activation)
