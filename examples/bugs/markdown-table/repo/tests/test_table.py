import pytest

from mdtable.table import from_records, render


def test_basic_table():
    assert render(["name", "qty"], [["apple", 3], ["kiwi", 12]]) == (
        "| name  | qty |\n"
        "| :---- | :-- |\n"
        "| apple | 3   |\n"
        "| kiwi  | 12  |"
    )


def test_alignment_and_floats():
    text = render(["item", "price"], [["tea", 2.5], ["cake", 3.125]], align=["left", "right"])
    assert text.splitlines() == [
        "| item | price |",
        "| :--- | ----: |",
        "| tea  |  2.50 |",
        "| cake |  3.12 |",
    ]


def test_pipes_and_newlines_are_escaped():
    lines = render(["note"], [["a|b"], ["two\nlines"]]).splitlines()
    assert lines[2] == "| a\\|b      |"
    assert lines[3] == "| two lines |"


def test_missing_values_are_blank():
    assert render(["name", "email"], [["ana", "ana@example.com"], ["ben", None]]).splitlines() == [
        "| name | email           |",
        "| :--- | :-------------- |",
        "| ana  | ana@example.com |",
        "| ben  |                 |",
    ]


def test_records_with_missing_keys():
    records = [{"city": "Oslo", "temp": 4}, {"city": "Rome"}]
    assert from_records(records, align=["left", "center"]).splitlines() == [
        "| city | temp |",
        "| :--- | :--: |",
        "| Oslo |  4   |",
        "| Rome |      |",
    ]


def test_no_rows():
    assert render(["a"], []) == "| a   |\n| :-- |"


def test_ragged_row_is_an_error():
    with pytest.raises(ValueError):
        render(["a", "b"], [[1]])
