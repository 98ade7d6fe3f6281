import pytest

from units.temperature import c_to_f, c_to_k, convert, f_to_c, format_temp, k_to_c


def test_celsius_fahrenheit():
    assert c_to_f(100) == pytest.approx(212)
    assert f_to_c(32) == pytest.approx(0)


def test_celsius_to_kelvin():
    assert c_to_k(0) == pytest.approx(273.15)


def test_kelvin_to_celsius():
    assert k_to_c(273.15) == pytest.approx(0)
    assert k_to_c(0) == pytest.approx(-273.15)


def test_convert_kelvin_to_fahrenheit():
    assert convert(300, "K", "F") == pytest.approx(80.33, abs=0.01)


def test_convert_same_unit_and_case():
    assert convert(21.5, "c", "C") == 21.5
    assert convert(50, "F", "c") == pytest.approx(10)


def test_below_absolute_zero():
    with pytest.raises(ValueError):
        k_to_c(-1)
    with pytest.raises(ValueError):
        c_to_k(-300)


def test_unknown_unit_and_format():
    with pytest.raises(ValueError):
        convert(1, "X", "C")
    assert format_temp(21.456, "C") == "21.5°C"
