import pytest

import units
from units import IncompatibleUnits, UnknownUnit, convert


def test_table_has_every_unit():
    assert {"m", "km", "mi", "kg", "lb", "K", "degC", "degF"} <= set(units.UNITS)


def test_metres_to_kilometres():
    assert convert(1500, "m", "km") == pytest.approx(1.5)


def test_miles_to_kilometres():
    assert convert(1, "mi", "km") == pytest.approx(1.609344)


def test_pounds_to_kilograms():
    assert convert(10, "lb", "kg") == pytest.approx(4.5359237)


def test_celsius_to_kelvin():
    assert convert(25, "degC", "K") == pytest.approx(298.15)


def test_fahrenheit_to_celsius():
    assert convert(212, "degF", "degC") == pytest.approx(100)


def test_celsius_to_fahrenheit():
    assert convert(100, "degC", "degF") == pytest.approx(212)


def test_unknown_unit():
    with pytest.raises(UnknownUnit, match="furlong"):
        convert(1, "furlong", "m")


def test_incompatible_units():
    with pytest.raises(IncompatibleUnits):
        convert(1, "kg", "m")
