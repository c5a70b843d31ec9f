"""Datasets: MNIST (a 10k/10k subset ships inside pynet), Fashion-MNIST, IDX and CSV files.

Modules
-------
mnist          ``load()`` -> ``(x_train, y_train), (x_test, y_test)`` uint8, the search order, the
               full-set ``download()``, and the three books' encodings (Rashid, Nielsen, Keras)
fashion_mnist  the same API for Fashion-MNIST (not embedded: found on disk or downloaded)
idx            read/write the IDX format (raw or gzip) with header and length checks
csv_records    Rashid's CSV format (label, then 784 pixels per line): read and write
fortunes       the fortune-mod categories as IMDB/Reuters-style integer datasets (a subset ships)
jargon         the Jargon File as one string (a 600k-character excerpt ships; the Nietzsche stand-in)
weather        NOAA hourly temperatures, Seattle and San Francisco 2010 (ships; the Jena stand-in)
imdb, reuters, jena_climate, glove   the books' own files when a learner has them (aclImdb, the
               Reuters-21578 SGML files, the Jena CSV, glove.6B.*d.txt); Keras's pickled
               imdb.npz/reuters.npz are never loaded
boston_housing Keras's Boston housing split (embedded, 404/102 rows) and training-only normalisation
airline        the airline passengers series of the lecture notes' LSTM forecast (embedded)

See docs/datasets.md for sources, licences and the search order.
"""
from . import (airline, boston_housing, csv_records, fashion_mnist, fortunes, glove, idx, imdb,  # noqa: F401
               jargon, jena_climate, mnist, reuters, weather)
from ._download import DownloadError  # noqa: F401
from .idx import IDXError  # noqa: F401

__all__ = ["mnist", "fashion_mnist", "fortunes", "jargon", "weather", "imdb", "reuters",
           "jena_climate", "glove", "boston_housing", "airline", "idx", "csv_records", "IDXError",
           "DownloadError"]
