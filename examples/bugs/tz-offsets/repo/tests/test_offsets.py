from datetime import datetime, timedelta

import pytest

from tzparse.offsets import convert, format_offset, parse_offset, parse_timestamp, to_utc


def test_parse_offset_forms():
    assert parse_offset("Z") == timedelta(0)
    assert parse_offset("+05:30") == timedelta(hours=5, minutes=30)
    assert parse_offset("-0400") == timedelta(hours=-4)
    assert parse_offset("+00:00") == timedelta(0)


def test_parse_offset_rejects_garbage():
    for bad in ("5:30", "+5:30", "+15:00", "+01:75", "UTC"):
        with pytest.raises(ValueError):
            parse_offset(bad)


def test_format_offset():
    assert format_offset(timedelta(hours=5, minutes=30)) == "+05:30"
    assert format_offset(timedelta(hours=-3, minutes=-30)) == "-03:30"
    assert format_offset(timedelta(0)) == "+00:00"


def test_parse_timestamp():
    assert parse_timestamp("2024-03-01T10:00+05:30") == (datetime(2024, 3, 1, 10, 0), timedelta(hours=5, minutes=30))
    assert parse_timestamp("2024-03-01 10:00:15Z") == (datetime(2024, 3, 1, 10, 0, 15), timedelta(0))


def test_utc_timestamp_is_unchanged():
    assert to_utc("2024-03-01T10:00Z") == datetime(2024, 3, 1, 10, 0)


def test_to_utc_with_offsets():
    assert to_utc("2024-03-01T10:00+05:30") == datetime(2024, 3, 1, 4, 30)
    assert to_utc("2024-03-01T22:15-04:00") == datetime(2024, 3, 2, 2, 15)


def test_convert_from_utc():
    assert convert("2024-03-01T23:00Z", "+09:00") == "2024-03-02T08:00+09:00"


def test_convert_between_offsets():
    assert convert("2024-07-10T09:00+02:00", "-05:00") == "2024-07-10T02:00-05:00"
    assert convert("2024-07-10T09:00:30+02:00", "Z") == "2024-07-10T07:00:30+00:00"
