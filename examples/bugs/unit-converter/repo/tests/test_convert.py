import pytest

from units.convert import convert, format_quantity, parse_quantity


def test_same_unit():
    assert convert(5, "kg", "kg") == 5


def test_lengths():
    assert convert(1, "km", "m") == pytest.approx(1000)
    assert convert(12, "in", "ft") == pytest.approx(1)
    assert convert(5, "mi", "km") == pytest.approx(8.04672)


def test_masses():
    assert convert(1, "lb", "g") == pytest.approx(453.59237)
    assert convert(16, "oz", "lb") == pytest.approx(1)


def test_temperatures():
    assert convert(100, "C", "F") == pytest.approx(212)
    assert convert(0, "K", "C") == pytest.approx(-273.15)
    assert convert(-40, "F", "C") == pytest.approx(-40)


def test_incompatible_units():
    with pytest.raises(ValueError, match="cannot convert length"):
        convert(1, "m", "kg")


def test_unknown_unit():
    with pytest.raises(ValueError, match="furlong"):
        convert(1, "furlong", "m")


def test_parse_and_format():
    assert parse_quantity(" 12.5 kg") == (12.5, "kg")
    assert parse_quantity("3ft") == (3.0, "ft")
    with pytest.raises(ValueError):
        parse_quantity("kg 12")
    assert format_quantity(2.0, "kg") == "2 kg"
    assert format_quantity(8.04672, "km") == "8.05 km"
