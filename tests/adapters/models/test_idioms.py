"""Repair families for Python's own pitfalls (`repair/idioms.py`), plus the shapes of data they meet: each finds
its fix from the evidence a failing run gives, as a minimal diff."""

from __future__ import annotations

from greenloop.adapters.models.repair.candidates import Hints
from repair_support import code, find, line_of


def test_a_regex_flag_passed_where_the_count_goes_becomes_a_keyword():
    src = code("""
        import re

        def render(template, fill):
            return re.sub(r"{{(\\w+)}}", fill, template, re.IGNORECASE)
    """)
    rank, _ = find(src, {4: 1.0}, ['    return re.sub(r"{{(\\w+)}}", fill, template, re.IGNORECASE)'],
                   ['    return re.sub(r"{{(\\w+)}}", fill, template, flags=re.IGNORECASE)'])
    assert rank < 3


def test_a_comprehension_skips_blank_items():
    src = code("""
        def all_numbers(cells):
            return all(cell.isdigit() for cell in cells)
    """)
    find(src, {2: 1.0}, ["    return all(cell.isdigit() for cell in cells)"],
         ["    return all(cell.isdigit() for cell in cells if cell)"])
    find(src, {2: 1.0}, ["    return all(cell.isdigit() for cell in cells)"],
         ["    return all(cell.isdigit() for cell in cells if cell is not None)"])


def test_the_cleaned_value_the_function_computed_replaces_the_raw_one():
    src = code("""
        def merge(items, totals):
            for item in items:
                name = normalize_name(item.name)
                key = (item.name, item.unit)
                totals[key] = totals.get(key, 0) + item.quantity
    """)
    suspicious = {n: 1.0 for n in range(2, 6)}
    rank, fix = find(src, suspicious, ["        key = (item.name, item.unit)"], ["        key = (name, item.unit)"])
    assert fix.operator == "name:item.name→name" and rank < 15


def test_a_guard_returns_none_for_each_item_of_the_tuples_the_function_returns():
    src = code("""
        def content_type(headers):
            value = headers.get("Content-Type")
            media_type, params = split_params(value)
            return media_type, params.get("charset")
    """)
    hints = Hints(messages=["AttributeError: 'NoneType' object has no attribute 'split'"])
    rank, _ = find(src, {3: 2.0, 2: 1.0, 4: 1.0}, [], ["    if value is None:", "        return None, None"], hints)
    assert rank < 5


def test_an_entry_of_a_dict_table_read_on_a_suspicious_line():
    src = code("""
        LENGTHS = {
            "AT": 20, "BE": 16, "CH": 22, "DE": 22,
        }

        def valid(iban):
            return len(iban) == LENGTHS[iban[:2]]
    """)
    hints = Hints(messages=["AssertionError: assert False\n +  where False = valid('CH9300762011623852957')"])
    find(src, {line_of(src, "return len(iban)"): 1.0}, ['    "AT": 20, "BE": 16, "CH": 22, "DE": 22,'],
         ['    "AT": 20, "BE": 16, "CH": 21, "DE": 22,'], hints)
