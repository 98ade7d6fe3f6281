import pytest

from binning.histogram import bin_edges, histogram, render


def test_bin_edges():
    assert bin_edges(0, 100, 4) == [0, 25, 50, 75, 100]


def test_bin_edges_validation():
    with pytest.raises(ValueError):
        bin_edges(0, 10, 0)
    with pytest.raises(ValueError):
        bin_edges(5, 5, 3)


def test_counts_with_explicit_range():
    counts, edges = histogram([1, 2, 3, 12, 15, 19], bins=4, lo=0, hi=20)
    assert counts == [3, 0, 1, 2]
    assert edges == [0, 5, 10, 15, 20]


def test_values_outside_the_range_are_dropped():
    counts, _ = histogram([-1, 3, 5, 11], bins=2, lo=0, hi=10)
    assert counts == [1, 1]


def test_default_range_counts_every_value():
    counts, edges = histogram([2, 4, 4, 6, 8, 10], bins=4)
    assert edges == [2, 4, 6, 8, 10]
    assert counts == [1, 2, 1, 2]
    assert sum(counts) == 6


def test_value_on_the_upper_edge_goes_in_the_last_bin():
    counts, _ = histogram([0, 5, 10], bins=2, lo=0, hi=10)
    assert counts == [1, 2]


def test_no_values_needs_a_range():
    with pytest.raises(ValueError):
        histogram([], bins=3)
    assert histogram([], bins=2, lo=0, hi=1)[0] == [0, 0]


def test_render():
    counts, edges = histogram([1, 2, 3, 12, 15, 19], bins=4, lo=0, hi=20)
    assert render(counts, edges, width=6) == "\n".join([
        "  0-5 | ###### 3",
        " 5-10 | 0",
        "10-15 | ## 1",
        "15-20 | #### 2",
    ])
