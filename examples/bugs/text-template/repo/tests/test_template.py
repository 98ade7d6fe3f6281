import pytest

from mailer.template import MissingValue, missing, placeholders, render


def test_render_one_placeholder():
    assert render("Hello {{ name }}!", {"name": "Ana"}) == "Hello Ana!"


def test_default_is_used_for_missing_or_none_values():
    assert render("Hi {{ name | there }},", {}) == "Hi there,"
    assert render("Hi {{name|there}},", {"name": None}) == "Hi there,"


def test_missing_value_raises_when_strict():
    with pytest.raises(MissingValue):
        render("Order {{ order_id }}", {})


def test_missing_value_left_empty_when_not_strict():
    assert render("Order {{ order_id }}.", {}, strict=False) == "Order ."


def test_placeholders_in_order_of_first_use():
    template = "{{ Name }}, your order {{ order_id }} ships to {{ name }} on {{ date | soon }}."
    assert placeholders(template) == ["name", "order_id", "date"]


def test_missing_lists_placeholders_without_value_or_default():
    template = "{{ name }}: {{ order_id }} on {{ date | soon }}"
    assert missing(template, {"Name": "Ana", "order_id": None}) == ["order_id"]


def test_order_confirmation_fills_every_placeholder():
    template = ("Hi {{ name }},\nyour order {{ order_id }} of {{ total }} EUR ships on {{ ship_date }}.\n"
                "Questions? Write to {{ support | help@shop.example }}.")
    context = {"name": "Ana", "order_id": "A-1042", "total": "59.90", "ship_date": "3 June"}
    assert render(template, context) == ("Hi Ana,\nyour order A-1042 of 59.90 EUR ships on 3 June.\n"
                                         "Questions? Write to help@shop.example.")


def test_placeholder_names_ignore_case():
    assert render("Dear {{ First_Name }}", {"first_name": "Ben"}) == "Dear Ben"
    assert render("{{ CITY }}", {"City": "Porto"}) == "Porto"
