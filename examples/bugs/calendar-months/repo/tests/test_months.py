from datetime import date

import pytest

from cal.months import add_months, billing_dates, days_in_month, days_in_year, is_leap, month_end


def test_leap_years():
    assert is_leap(2024) and is_leap(2000)
    assert not is_leap(1900) and not is_leap(2023)
    assert days_in_year(2024) == 366


def test_february():
    assert days_in_month(2024, 2) == 29
    assert days_in_month(2023, 2) == 28


def test_thirty_day_months():
    assert [days_in_month(2023, m) for m in (4, 6, 9, 11)] == [30, 30, 30, 30]


def test_invalid_month():
    with pytest.raises(ValueError):
        days_in_month(2023, 13)


def test_add_months_clamps_to_february():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 3, 15), -3) == date(2023, 12, 15)


def test_add_months_end_of_august():
    assert add_months(date(2024, 8, 31), 1) == date(2024, 9, 30)


def test_month_end():
    assert month_end(date(2023, 11, 5)) == date(2023, 11, 30)


def test_billing_dates_keep_the_31st():
    assert billing_dates(date(2024, 1, 31), 3) == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
