"""Month arithmetic on datetime.date values."""
from datetime import date

DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 31, 31, 30, 31]


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year, month):
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    if month == 2 and is_leap(year):
        return 29
    return DAYS_IN_MONTH[month - 1]


def days_in_year(year):
    return 366 if is_leap(year) else 365


def add_months(day, months):
    """Same day-of-month `months` later, clamped to the end of shorter months."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def month_end(day):
    return date(day.year, day.month, days_in_month(day.year, day.month))


def billing_dates(start, count):
    """Renewal dates, each computed from the start so a 31st is not lost after February."""
    return [add_months(start, i) for i in range(count)]
