import pytest

from metrics.smoothing import downsample, exponential_moving_average, moving_average, percent_change


def test_moving_average():
    assert moving_average([1, 2, 3, 4, 5], 3) == [2.0, 3.0, 4.0]


def test_window_as_long_as_the_series():
    assert moving_average([2, 4, 6], 3) == [4.0]


def test_window_longer_than_the_series():
    assert moving_average([1, 2], 3) == []


def test_invalid_window():
    with pytest.raises(ValueError):
        moving_average([1, 2, 3], 0)


def test_exponential_moving_average():
    assert exponential_moving_average([10, 20, 20], 0.5) == [10.0, 15.0, 17.5]
    with pytest.raises(ValueError):
        exponential_moving_average([1], 0)


def test_percent_change():
    assert percent_change([100, 110, 99]) == [10.0, -10.0]
    assert percent_change([0, 5]) == [None]


def test_downsample():
    assert downsample([1, 2, 3, 4, 5], 2) == [1.5, 3.5, 5.0]
    assert downsample([], 3) == []
