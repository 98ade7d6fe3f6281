import pytest

from stats.summary import histogram, mean, median, mode, percentile

LATENCIES = [10, 20, 30, 40]


def test_mean_and_median():
    assert mean(LATENCIES) == 25
    assert median(LATENCIES) == 25
    assert median([3, 1, 2]) == 2


def test_percentile_zero_is_minimum():
    assert percentile(LATENCIES, 0) == 10


def test_percentile_hundred_is_maximum():
    assert percentile(LATENCIES, 100) == 40


def test_percentile_interpolates():
    assert percentile(LATENCIES, 50) == pytest.approx(25)
    assert percentile([1, 2, 3, 4, 5], 90) == pytest.approx(4.6)


def test_percentile_validates():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile(LATENCIES, 101)


def test_mode_prefers_smallest_on_tie():
    assert mode([3, 1, 3, 1, 2]) == 1


def test_histogram():
    assert histogram([1, 5, 12, 19, 25], 10) == {0: 2, 10: 2, 20: 1}
