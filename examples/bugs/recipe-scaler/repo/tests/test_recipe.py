from fractions import Fraction

import pytest

from kitchen.recipe import Ingredient, UnitError, convert, format_amount, parse_ingredient, scale, to_metric


def test_parse_ingredient():
    assert parse_ingredient("1 1/2 cups flour") == Ingredient("flour", Fraction(3, 2), "cup")
    assert parse_ingredient("2 eggs") == Ingredient("eggs", Fraction(2))
    assert parse_ingredient("0.5 tsp baking soda") == Ingredient("baking soda", Fraction(1, 2), "tsp")


def test_scale():
    pancakes = [parse_ingredient("1 1/2 cups flour"), parse_ingredient("2 eggs")]
    assert scale(pancakes, 4, 6) == [Ingredient("flour", Fraction(9, 4), "cup"), Ingredient("eggs", Fraction(3))]


def test_format_amount():
    assert format_amount(Fraction(9, 4)) == "2 1/4"
    assert format_amount(Fraction(3)) == "3"
    assert format_amount(Fraction(1, 3)) == "1/3"


def test_convert():
    assert convert(2, "cup", "ml") == 480
    assert convert(3, "tsp", "tbsp") == 1
    assert convert(1, "lb", "g") == Fraction("453.6")


def test_volume_and_weight_do_not_mix():
    with pytest.raises(UnitError):
        convert(1, "cup", "g")


def test_to_metric():
    items = [Ingredient("butter", Fraction(2), "oz"), Ingredient("milk", Fraction(1, 2), "cup"), Ingredient("eggs", 2)]
    assert to_metric(items) == [Ingredient("butter", Fraction("56.7"), "g"), Ingredient("milk", Fraction(120), "ml"),
                                Ingredient("eggs", 2)]


def test_unknown_unit_raises_unit_error():
    with pytest.raises(UnitError, match="pint"):
        convert(1, "pint", "ml")
    with pytest.raises(UnitError, match="gallon"):
        convert(1, "cup", "gallon")


def test_to_metric_with_an_unknown_unit():
    with pytest.raises(ValueError, match="pinch"):
        to_metric([Ingredient("salt", Fraction(1), "pinch")])
