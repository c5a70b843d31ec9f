"""Listing 6.33's generator and timeseries_dataset_from_array, worked on a counting series."""
from __future__ import annotations

import numpy as np
import pytest

from pynet.preprocessing import generator, timeseries_dataset_from_array
from pynet.preprocessing.timeseries import window_count

# column 0 counts 0, 1, 2, ...; column 1 is 100 + the same (the book's target column is 1)
SERIES = np.stack([np.arange(50.0), 100 + np.arange(50.0)], axis=1)


def test_in_order_batches_follow_the_books_rows():
    gen = generator(SERIES, lookback=6, delay=2, min_index=0, max_index=20, batch_size=4, step=2)
    samples, targets = next(gen)
    # rows 6..9; window of row 6 = steps 0, 2, 4; target = column 1 at row + delay
    assert samples.shape == (4, 3, 2)
    assert samples[0, :, 0].tolist() == [0, 2, 4] and samples[3, :, 0].tolist() == [3, 5, 7]
    assert targets.tolist() == [108, 109, 110, 111]
    assert next(gen)[1].tolist() == [112, 113, 114, 115]
    # rows 14..17 next; then 18 + 4 >= 20: the book's generator starts over at row 6
    assert next(gen)[1].tolist() == [116, 117, 118, 119]
    assert next(gen)[1].tolist() == [108, 109, 110, 111]


def test_shuffled_rows_stay_in_range_and_are_seeded():
    a = generator(SERIES, 6, 2, 10, 30, shuffle=True, batch_size=64, step=1, seed=3)
    b = generator(SERIES, 6, 2, 10, 30, shuffle=True, batch_size=64, step=1, seed=3)
    (sa, ta), (sb, tb) = next(a), next(b)
    assert np.array_equal(sa, sb) and np.array_equal(ta, tb)
    rows = ta - 100 - 2
    assert rows.min() >= 16 and rows.max() < 30
    # every window ends right before its row
    assert np.array_equal(sa[:, -1, 0], rows - 1)


def test_max_index_default_and_bad_arguments():
    gen = generator(SERIES, 6, 2, 40, None, batch_size=100, step=1)
    rows = next(gen)[1] - 102
    assert rows.tolist() == list(range(46, 47))  # max_index = 50 - 2 - 1 = 47
    with pytest.raises(ValueError, match=r"lookback=60 is longer than the series allows"):
        generator(SERIES, 60, 2, 0, None)
    with pytest.raises(ValueError, match="max_index=49 leaves no target 2 steps ahead"):
        generator(SERIES, 6, 2, 0, 49)
    with pytest.raises(ValueError, match="target_column=5"):
        generator(SERIES, 6, 2, 0, 20, target_column=5)
    with pytest.raises(ValueError, match="'step' must be a positive integer, got 0"):
        generator(SERIES, 6, 2, 0, 20, step=0)
    assert window_count(200001, 300000, 1440) == 98559  # the book: // 128 -> 769 steps
    assert window_count(200001, 300000, 1440) // 128 == 769


def test_dataset_windows_and_targets_keras_rule():
    data = np.arange(20.0)
    # predict the value right after each window of 5: targets shifted by the window length
    ds = timeseries_dataset_from_array(data[:-5], data[5:], sequence_length=5, batch_size=4)
    assert ds.num_windows == 11 and len(ds) == 3
    x, y = ds[0]
    assert x.shape == (4, 5) and x[1].tolist() == [1, 2, 3, 4, 5] and y[1] == 6
    x_all, y_all = ds.arrays()
    assert np.array_equal(x_all[:, -1] + 1, y_all)
    assert sum(len(b[1]) for b in ds) == 11       # the last batch is partial
    strided = timeseries_dataset_from_array(data, None, 3, sequence_stride=4, sampling_rate=2,
                                            start_index=2, end_index=15)
    assert strided.arrays().tolist() == [[2, 4, 6], [6, 8, 10], [10, 12, 14]]
    shuffled = timeseries_dataset_from_array(data, data, 3, shuffle=True, seed=0)
    xs, ys = shuffled.arrays()
    assert np.array_equal(xs[:, 0], ys) and sorted(xs[:, 0]) == list(range(18))
    with pytest.raises(ValueError, match="no window fits"):
        timeseries_dataset_from_array(data, None, 30)
    with pytest.raises(IndexError):
        ds[3]
