from datetime import date

import pytest

from daterange.ranges import DateRange, parse_date


def test_parse_date():
    assert parse_date("2024-01-05") == date(2024, 1, 5)


def test_parse_date_rejects_garbage():
    with pytest.raises(ValueError):
        parse_date("yesterday")


def test_from_string():
    r = DateRange.from_string("2024-03-15/2024-03-20")
    assert (r.start, r.end) == (date(2024, 3, 15), date(2024, 3, 20))


def test_days_and_nights():
    r = DateRange(date(2024, 2, 27), date(2024, 3, 1))
    assert r.days() == 4
    assert r.nights() == 3


def test_contains_and_iter():
    r = DateRange(date(2024, 1, 30), date(2024, 2, 1))
    assert date(2024, 1, 31) in r
    assert date(2024, 2, 2) not in r
    assert list(r)[-1] == date(2024, 2, 1)


def test_overlaps():
    a = DateRange(date(2024, 5, 1), date(2024, 5, 3))
    assert a.overlaps(DateRange(date(2024, 5, 3), date(2024, 5, 9)))
    assert not a.overlaps(DateRange(date(2024, 5, 4), date(2024, 5, 9)))


def test_reversed_range_rejected():
    with pytest.raises(ValueError):
        DateRange(date(2024, 5, 2), date(2024, 5, 1))
