"""Windows of a long series for training: Chollet's listing 6.33 generator and Keras's dataset helper.

A forecasting model does not read the whole series; it reads one window of the past
(``lookback`` steps, every ``step``-th one) and predicts a value ``delay`` steps after the
window's end. A year of hourly data holds thousands of such windows, overlapping almost entirely,
so they are cut on the fly rather than stored.

``generator(data, lookback, delay, min_index, max_index, shuffle, batch_size, step)``
    The book's listing 6.33, with its exact row rule (including its quirk: in order, the
    generator starts again from the beginning as soon as a *full* batch no longer fits, so the
    last ``< batch_size`` rows of the range are never yielded). Endless, like the book's.
``timeseries_dataset_from_array(data, targets, sequence_length, ...)``
    Keras's later helper: a finite, re-iterable sequence of batches where window ``i`` starts at
    ``start_index + i·sequence_stride`` and its target is ``targets[i]``.

Both check their arguments before yielding anything, and each batch is bounded by its size.
"""
from __future__ import annotations

import numpy as np

from pynet import _validate as validate

__all__ = ["generator", "timeseries_dataset_from_array", "TimeseriesDataset", "window_count"]

#: The largest array :meth:`TimeseriesDataset.arrays` assembles (it refuses beyond).
MAX_ARRAY_BYTES = 1 << 30


def _series(data, where):
    data = np.asarray(data)
    if data.ndim not in (1, 2) or data.dtype.kind not in "fiu":
        raise ValueError(f"{where}: data must be a numeric (steps,) or (steps, features) array, "
                         f"got {data.dtype} of shape {data.shape}")
    return data[:, None] if data.ndim == 1 else data


def _check_rows(where, n, lookback, delay, min_index, max_index):
    first = min_index + lookback
    if max_index > n - delay:
        raise ValueError(f"{where}: max_index={max_index} leaves no target {delay} steps ahead; "
                         f"with {n} steps it can be at most {n - delay}")
    if first >= max_index:
        raise ValueError(f"{where}: lookback={lookback} is longer than the series allows: rows "
                         f"start at min_index + lookback = {first} but must stay below "
                         f"max_index = {max_index} (data has {n} steps)")


def generator(data, lookback, delay, min_index, max_index, shuffle=False, batch_size=128,
              step=6, *, target_column=1, seed=None):
    """Listing 6.33: endless ``(samples, targets)`` batches cut from ``data``.

    Parameters
    ----------
    data : array (steps, features)
        The (normalised) series.
    lookback : int
        How many steps back each window reaches (1440 = 10 days of 10-minute Jena data).
    delay : int
        How many steps after the window's last step the target lies (144 = 24 h).
    min_index, max_index : int or None
        The rows used: targets ``data[row + delay]`` for ``row`` in
        ``[min_index + lookback, max_index)``; ``max_index=None`` is ``len(data) − delay − 1``
        (the book's default).
    shuffle : bool
        Random rows (with replacement, as ``np.random.randint``) instead of in order.
    batch_size : int
    step : int
        Keep one step in ``step`` inside the window (6: one per hour in Jena).
    target_column : int
        Which column is predicted (the book's 1: "T (degC)").
    seed : int or numpy.random.Generator, optional
        For ``shuffle``.

    Yields
    ------
    samples : float array ``(rows, lookback // step, features)``
        ``samples[j] = data[row_j − lookback : row_j : step]``
    targets : float array ``(rows,)``
        ``targets[j] = data[row_j + delay, target_column]``
    """
    where = "generator()"
    data = _series(data, where)
    n = data.shape[0]
    lookback = validate.positive_int(where, "lookback", lookback)
    delay = validate.nonnegative_int(where, "delay", delay)
    step = validate.positive_int(where, "step", step)
    batch_size = validate.positive_int(where, "batch_size", batch_size)
    min_index = validate.nonnegative_int(where, "min_index", min_index)
    max_index = validate.positive_int(where, "max_index", max_index, allow_none=True)
    if not -data.shape[1] <= target_column < data.shape[1]:
        raise ValueError(f"{where}: target_column={target_column} but data has "
                         f"{data.shape[1]} columns")
    if max_index is None:
        max_index = n - delay - 1
    _check_rows(where, n, lookback, delay, min_index, max_index)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return _generate(data, lookback, delay, min_index, max_index, shuffle, batch_size, step,
                     target_column, rng)


def _generate(data, lookback, delay, min_index, max_index, shuffle, batch_size, step,
              target_column, rng):
    i = min_index + lookback
    while True:
        if shuffle:
            rows = rng.integers(min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:      # the book's rule: start over
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)
        samples = np.zeros((len(rows), lookback // step, data.shape[-1]))
        targets = np.zeros((len(rows),))
        for j, row in enumerate(rows):
            indices = range(row - lookback, row, step)
            samples[j] = data[indices]
            targets[j] = data[row + delay][target_column]
        yield samples, targets


def window_count(min_index, max_index, lookback) -> int:
    """How many target rows ``[min_index + lookback, max_index)`` holds (the book's
    ``val_steps = (300000 − 200001 − lookback) // batch_size`` counts batches of these)."""
    return max(0, max_index - min_index - lookback)


class TimeseriesDataset:
    """Batches of windows, as ``timeseries_dataset_from_array`` returns (a finite ``Sequence``).

    ``len(ds)`` batches; ``ds[k]`` is batch ``k`` as ``(x, y)`` (or ``x`` without targets);
    iterating gives them in order. :meth:`arrays` returns all windows as two arrays.
    """

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size,
                 origin=0):
        self.data, self.targets, self.starts = data, targets, starts
        #: ``targets[i]`` belongs to the window starting at ``origin + i·stride``
        self.starts_origin = origin
        self.sequence_length, self.sampling_rate = sequence_length, sampling_rate
        self.batch_size = batch_size
        self._offsets = np.arange(sequence_length) * sampling_rate

    def __len__(self):
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, k):
        if not -len(self) <= k < len(self):
            raise IndexError(f"batch {k} of a dataset with {len(self)} batches")
        k %= len(self)
        starts = self.starts[k * self.batch_size:(k + 1) * self.batch_size]
        x = self.data[starts[:, None] + self._offsets]
        if self.targets is None:
            return x
        return x, self.targets[starts - self.starts_origin]

    def __iter__(self):
        for k in range(len(self)):
            yield self[k]

    @property
    def num_windows(self) -> int:
        return len(self.starts)

    def arrays(self):
        """Every window and target at once: ``(x (windows, length, features...), y)``."""
        shape = (len(self.starts), self.sequence_length) + self.data.shape[1:]
        nbytes = int(np.prod(shape)) * self.data.dtype.itemsize
        if nbytes > MAX_ARRAY_BYTES:
            raise MemoryError(f"TimeseriesDataset.arrays(): {shape} would take {nbytes:,} bytes, "
                              f"more than {MAX_ARRAY_BYTES:,}; iterate over the batches instead")
        x = self.data[self.starts[:, None] + self._offsets]
        if self.targets is None:
            return x
        return x, self.targets[self.starts - self.starts_origin]


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None) -> TimeseriesDataset:
    """Keras's ``timeseries_dataset_from_array`` without TensorFlow.

    Window ``i`` is ``data[s_i : s_i + sequence_length·sampling_rate : sampling_rate]`` with
    ``s_i = start_index + i·sequence_stride``, and its target is ``targets[i]`` (Keras's rule:
    to predict the value ``delay`` steps after a window, pass
    ``targets = data[sequence_length·sampling_rate + delay − 1 :]`` — or shift yourself).
    Windows end before ``end_index``; with ``targets`` there are at most ``len(targets)``.

    Returns a :class:`TimeseriesDataset`.
    """
    where = "timeseries_dataset_from_array()"
    data = np.asarray(data)
    if data.ndim < 1 or data.dtype.kind not in "fiub":
        raise ValueError(f"{where}: data must be a numeric array with a time axis first, got "
                         f"{data.dtype} of shape {data.shape}")
    sequence_length = validate.positive_int(where, "sequence_length", sequence_length)
    sequence_stride = validate.positive_int(where, "sequence_stride", sequence_stride)
    sampling_rate = validate.positive_int(where, "sampling_rate", sampling_rate)
    batch_size = validate.positive_int(where, "batch_size", batch_size)
    start_index = validate.nonnegative_int(where, "start_index",
                                           0 if start_index is None else start_index)
    end_index = validate.nonnegative_int(where, "end_index",
                                         len(data) if end_index is None else end_index)
    if end_index > len(data):
        raise ValueError(f"{where}: end_index={end_index} is past the data's {len(data)} steps")
    span = (sequence_length - 1) * sampling_rate
    count = end_index - start_index - span
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
    if count <= 0:
        raise ValueError(f"{where}: no window fits: a window spans {span + 1} steps but "
                         f"[start_index, end_index) = [{start_index}, {end_index}) holds "
                         f"{max(end_index - start_index, 0)}")
    positions = np.arange(0, count, sequence_stride)
    if shuffle:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        positions = rng.permutation(positions)
    return TimeseriesDataset(data, targets, start_index + positions, sequence_length,
                             sampling_rate, batch_size, origin=start_index)
