import pytest

from groceries.lists import Item, merge, parse_line, to_text


def test_parse_line():
    assert parse_line("2 kg potatoes") == Item("potatoes", 2, "kg")
    assert parse_line("3 Lemons") == Item("lemons", 3)
    assert parse_line("2 cans chopped tomatoes") == Item("chopped tomatoes", 2, "can")
    assert parse_line("  Oat  Milk ") == Item("oat milk")


def test_parse_empty_line():
    with pytest.raises(ValueError):
        parse_line("   ")


def test_merge_adds_up_the_same_item():
    assert merge([Item("milk", 1)], [Item("milk", 2), Item("bread")]) == [Item("bread"), Item("milk", 3)]


def test_merge_adds_grams_and_kilograms():
    assert merge([Item("flour", 500, "g")], [Item("flour", 1, "kg")]) == [Item("flour", 1.5, "kg")]


def test_merge_keeps_different_units_apart():
    merged = merge([Item("tomatoes", 2, "can")], [Item("tomatoes", 500, "g")])
    assert merged == [Item("tomatoes", 2, "can"), Item("tomatoes", 500, "g")]


def test_merge_ignores_case_and_spacing():
    merged = merge([Item("Milk", 1), Item("green  apples", 4)], [Item("milk ", 2), Item("Green Apples", 2)])
    assert merged == [Item("green apples", 6), Item("milk", 3)]


def test_household_list_text():
    anna = [parse_line("1 kg flour"), parse_line("6 eggs"), parse_line("0.5 l olive oil")]
    ben = [Item("Eggs", 6), Item("Flour", 500, "g"), parse_line("750 ml Olive Oil")]
    assert to_text(merge(anna, ben)) == "12 eggs\n1.5 kg flour\n1.25 l olive oil"


def test_merge_nothing():
    assert merge() == []
    assert to_text([]) == ""
