import pytest

from timefmt.duration import as_clock, format_duration, parse_duration, split_duration


def test_split_duration():
    assert split_duration(3725) == (0, 1, 2, 5)


def test_format_whole_hours_and_seconds():
    assert format_duration(3600) == "1h"
    assert format_duration(2 * 86400) == "2d"
    assert format_duration(0) == "0s"


def test_format_all_units():
    assert format_duration(90061) == "1d 1h 1m 1s"


def test_as_clock():
    assert as_clock(3725) == "01:02:05"


def test_negative_rejected():
    with pytest.raises(ValueError):
        format_duration(-1)


def test_parse_duration():
    assert parse_duration("1h30m") == 5400
    assert parse_duration("2d 5s") == 172805
    with pytest.raises(ValueError):
        parse_duration("soon")
