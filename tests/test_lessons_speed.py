"""pynet.lessons.speed_phrase: a lesson says "slower" when ours is slower (issue 15)."""
import pytest

from pynet.lessons import speed_phrase


def test_faster_when_ours_takes_less_time():
    # 15.7 µs against the book's 151 µs per record: 9.6 times faster
    assert speed_phrase(15.7, 151.0) == "ours is 9.6x faster"


def test_slower_never_printed_as_a_fraction_faster():
    # the busy-machine case: 558 µs against 151 µs used to print "ours is 0.3x faster"
    assert speed_phrase(558.0, 151.0) == "ours is 3.7x slower"


def test_large_ratios_and_names():
    assert speed_phrase(1.0, 149492.4, "vectorised") == "vectorised is 149,492x faster"
    assert speed_phrase(2.0, 2.0) == "ours is 1.0x faster"


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_times_must_be_positive(bad):
    with pytest.raises(ValueError, match="times must be > 0"):
        speed_phrase(bad, 1.0)
