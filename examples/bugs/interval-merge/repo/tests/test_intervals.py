import pytest

from schedule.intervals import free_slots, merge, overlaps, total_length


def test_merge_overlapping():
    assert merge([(1, 4), (2, 6), (8, 9)]) == [(1, 6), (8, 9)]


def test_merge_unsorted_input():
    assert merge([(8, 9), (1, 3)]) == [(1, 3), (8, 9)]


def test_merge_touching_bookings():
    assert merge([(9, 10), (10, 11)]) == [(9, 11)]


def test_merge_chain_of_meetings():
    assert merge([(13, 14), (9, 10), (10, 12), (12, 13)]) == [(9, 14)]


def test_merge_rejects_reversed_interval():
    with pytest.raises(ValueError):
        merge([(5, 3)])


def test_total_length():
    assert total_length([(1, 4), (2, 6)]) == 5


def test_free_slots():
    assert free_slots([(10, 11), (13, 15)], 9, 17) == [(9, 10), (11, 13), (15, 17)]


def test_overlaps():
    assert overlaps((1, 5), (5, 8))
    assert not overlaps((1, 4), (5, 8))
