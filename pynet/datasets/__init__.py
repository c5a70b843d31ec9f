"""Datasets: MNIST (a 10k/10k subset ships inside pynet), Fashion-MNIST, IDX and CSV files.

Modules
-------
mnist          ``load()`` -> ``(x_train, y_train), (x_test, y_test)`` uint8, the search order, the
               full-set ``download()``, and the three books' encodings (Rashid, Nielsen, Keras)
fashion_mnist  the same API for Fashion-MNIST (not embedded: found on disk or downloaded)
idx            read/write the IDX format (raw or gzip) with header and length checks
csv_records    Rashid's CSV format (label, then 784 pixels per line): read and write
boston_housing Keras's Boston housing split (embedded, 404/102 rows) and training-only normalisation

See docs/datasets.md for sources, licences and the search order.
"""
from . import boston_housing, csv_records, fashion_mnist, idx, mnist  # noqa: F401
from ._download import DownloadError  # noqa: F401
from .idx import IDXError  # noqa: F401

__all__ = ["mnist", "fashion_mnist", "idx", "csv_records", "boston_housing", "IDXError", "DownloadError"]
