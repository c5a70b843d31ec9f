"""ImageNet's input preprocessing and label decoding, as ``keras.applications.vgg16`` does them.

``preprocess_input`` is Keras's 'caffe' mode (the one VGG16 and VGG19 were trained with): RGB
becomes BGR and the ImageNet channel means (B 103.939, G 116.779, R 123.68) are subtracted; no
scaling. ``decode_predictions`` turns a batch of 1000 class probabilities into
``(wordnet id, label, score)`` lists, reading Keras's ``imagenet_class_index.json`` from a path
you give (pynet downloads nothing).
"""
from __future__ import annotations

import numpy as np

from pynet.persistence import PersistenceError, load_json
from pynet import _validate as validate

__all__ = ["preprocess_input", "decode_predictions", "IMAGENET_MEAN_BGR", "CLASS_INDEX_FILE"]

#: Mean of each channel over ImageNet's training images, in BGR order (caffe's convention).
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)
CLASS_INDEX_FILE = "imagenet_class_index.json"
MAX_CLASS_INDEX_BYTES = 16 << 20


def preprocess_input(x, data_format="channels_last"):
    """``x`` (RGB, values 0..255, channels last) -> BGR with the ImageNet means subtracted.

    Returns a new float32 array (float64 stays float64); unlike Keras, which changes a NumPy
    float input in place, ``x`` is never modified."""
    if data_format != "channels_last":
        raise ValueError(f"preprocess_input(): data_format must be 'channels_last' (pynet's only "
                         f"image layout), got {data_format!r}")
    x = np.asarray(x)
    if x.dtype.kind not in "fiu":
        raise TypeError(f"preprocess_input(): x must hold numbers, got {x.dtype}")
    if x.ndim < 1 or x.shape[-1] != 3:
        raise ValueError(f"preprocess_input(): x must end in 3 channels (RGB), got shape {x.shape}")
    dtype = x.dtype if x.dtype.kind == "f" and x.dtype.itemsize >= 4 else np.float32
    out = x[..., ::-1].astype(dtype, copy=True)
    out -= np.asarray(IMAGENET_MEAN_BGR, dtype=dtype)
    return out


def _class_index(path):
    index = load_json(path, max_bytes=MAX_CLASS_INDEX_BYTES, max_depth=4)
    if not isinstance(index, dict) or not index:
        raise PersistenceError(f"{path!r}: expected Keras's class index, a JSON object "
                               '{"0": ["n01440764", "tench"], ...}')
    table = {}
    for key, value in index.items():
        if not (key.isdigit() and isinstance(value, list) and len(value) == 2
                and all(isinstance(v, str) for v in value)):
            raise PersistenceError(f"{path!r}: entry {key!r}: {value!r} is not "
                                   '"<class number>": ["<wordnet id>", "<label>"]')
        table[int(key)] = tuple(value)
    if sorted(table) != list(range(len(table))):
        raise PersistenceError(f"{path!r}: class numbers must run 0..{len(table) - 1} without gaps")
    return [table[i] for i in range(len(table))]


def decode_predictions(preds, class_index_path, top=5):
    """``[[(wordnet id, label, score), ...top...], ...]`` for each row of ``preds``.

    ``preds``: shape ``(samples, classes)`` where ``classes`` is the number of entries in the
    class index file (1000 for Keras's ``imagenet_class_index.json``)."""
    preds = np.asarray(preds)
    classes = _class_index(class_index_path)
    if preds.ndim != 2 or preds.shape[1] != len(classes):
        raise ValueError(f"decode_predictions(): preds must have shape (samples, {len(classes)}) "
                         f"for the {len(classes)} classes of {class_index_path!r}, got "
                         f"{preds.shape}")
    top = validate.integer("decode_predictions()", "top", top, low=1, high=len(classes))
    results = []
    for row in preds:
        order = np.argsort(-row, kind="stable")[:top]
        results.append([(*classes[i], float(row[i])) for i in order])
    return results
