from decimal import Decimal

import pytest

from money.rounding import format_money, round_money, split


def test_rounds_to_the_minor_unit():
    assert round_money("19.994") == Decimal("19.99")
    assert round_money(3) == Decimal("3.00")
    assert round_money("1234.4", "JPY") == Decimal("1234")


def test_half_a_cent_rounds_up():
    assert round_money("0.125") == Decimal("0.13")
    assert round_money(2.665) == Decimal("2.67")
    assert round_money("2.675") == Decimal("2.68")


def test_negative_half_rounds_away_from_zero():
    assert round_money("-0.125") == Decimal("-0.13")


def test_unknown_currency():
    with pytest.raises(ValueError):
        round_money("1.00", "XYZ")


def test_format_money():
    assert format_money(1234.5) == "1,234.50 EUR"
    assert format_money("-3", "JPY") == "-3 JPY"
    assert format_money("0.1", "KWD") == "0.100 KWD"


def test_split_adds_up():
    assert split("100", 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(split("10.01", 4)) == Decimal("10.01")
    with pytest.raises(ValueError):
        split("10", 0)
