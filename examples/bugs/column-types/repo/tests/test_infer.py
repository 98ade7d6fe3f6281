from datetime import date

from tabular.infer import convert_rows, infer_type, load_csv


def test_int_and_float_columns():
    assert infer_type(["1", "20", "-3"]) == "int"
    assert infer_type(["1", "2.5", "3"]) == "float"


def test_bool_and_date_columns():
    assert infer_type(["yes", "No", "TRUE"]) == "bool"
    assert infer_type(["2024-01-31", "2024-02-01"]) == "date"


def test_text_column():
    assert infer_type(["A-12", "7", "B-3"]) == "str"


def test_surrounding_spaces_are_ignored():
    assert infer_type([" 4 ", "5"]) == "int"


def test_column_of_empty_cells_is_str():
    assert infer_type(["", "  ", ""]) == "str"


def test_empty_cells_do_not_change_the_type():
    assert infer_type(["3", "", "7"]) == "int"
    assert infer_type(["2024-05-01", " ", "2024-05-03"]) == "date"


def test_convert_rows():
    rows = [{"qty": "2", "paid": "yes"}, {"qty": "", "paid": "no"}]
    assert convert_rows(rows, {"qty": "int", "paid": "bool"}) == [{"qty": 2, "paid": True}, {"qty": None, "paid": False}]


def test_load_csv_with_gaps():
    text = ("sku,qty,price,shipped\n"
            "A-1,2,9.99,2024-05-01\n"
            "B-7,,12.50,\n"
            "C-3,5,,2024-05-03\n")
    types, rows = load_csv(text)
    assert types == {"sku": "str", "qty": "int", "price": "float", "shipped": "date"}
    assert rows[1] == {"sku": "B-7", "qty": None, "price": 12.5, "shipped": None}


def test_load_csv_without_gaps():
    types, rows = load_csv("name,active\nana,yes\nben,no\n")
    assert types == {"name": "str", "active": "bool"}
    assert rows == [{"name": "ana", "active": True}, {"name": "ben", "active": False}]
