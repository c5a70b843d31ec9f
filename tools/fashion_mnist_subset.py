"""Rebuild pynet's embedded Fashion-MNIST subset from the full set (run from the repo root).

    PYTHONPATH=. python tools/fashion_mnist_subset.py [FOLDER_WITH_THE_FULL_SET]

Keeps, in the original order, the first 450 training images of classes 0 (T-shirt/top) and 6
(Shirt), the first 200 of every other class, and the first 150 test images of classes 0 and 6;
writes them as gzip IDX files (no time stamp, so the bytes and SHA-256 are reproducible) into
``pynet/datasets/data/``.
"""
from __future__ import annotations

import sys

import numpy as np

from pynet.datasets import fashion_mnist
from pynet.datasets.idx import write_idx


def first_of_each(labels, counts):
    keep = [np.flatnonzero(labels == c)[:n] for c, n in counts.items() if n]
    return np.sort(np.concatenate(keep))


def main(argv):
    (x, y), (xt, yt) = fashion_mnist.load(argv[0] if argv else None)
    train = first_of_each(y, {c: n for c, (n, _) in fashion_mnist.SUBSET_COUNTS.items()})
    test = first_of_each(yt, {c: n for c, (_, n) in fashion_mnist.SUBSET_COUNTS.items()})
    out = fashion_mnist.SUBSET_DIR
    for (images, labels), index, names in (((x, y), train, fashion_mnist.SUBSET_TRAIN),
                                           ((xt, yt), test, fashion_mnist.SUBSET_TEST)):
        write_idx(out / names[0], images[index])
        write_idx(out / names[1], labels[index])
    print(f"wrote {len(train)} training and {len(test)} test images to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
