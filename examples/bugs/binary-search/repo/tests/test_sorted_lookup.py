import pytest

from search.sorted_lookup import contains, count_in_range, find_index, insert_sorted, lower_bound

PRIMES = [2, 3, 5, 7, 11, 13, 17]


def test_finds_value_in_the_middle():
    assert find_index(PRIMES, 7) == 3


def test_finds_first_and_last_values():
    assert find_index([1, 3, 5, 7], 1) == 0
    assert find_index([1, 3, 5, 7], 7) == 3


def test_single_element_list():
    assert find_index([5], 5) == 0


def test_absent_value_and_empty_list():
    assert find_index(PRIMES, 4) == -1
    assert find_index([], 4) == -1


def test_contains():
    assert contains(PRIMES, 7)
    assert not contains(PRIMES, 9)


def test_lower_bound():
    assert lower_bound(PRIMES, 6) == 3
    assert lower_bound(PRIMES, 2) == 0
    assert lower_bound(PRIMES, 100) == len(PRIMES)


def test_count_in_range():
    assert count_in_range(PRIMES, 3, 12) == 4
    with pytest.raises(ValueError):
        count_in_range(PRIMES, 5, 1)


def test_insert_sorted_keeps_order():
    items = [1, 4, 4, 9]
    assert insert_sorted(items, 4) == 3
    assert items == [1, 4, 4, 4, 9]
