"""Guess the type of each column of a CSV export so it can be loaded into a typed table."""
import csv
import io
from datetime import date

TRUE_WORDS = {"true", "yes"}
FALSE_WORDS = {"false", "no"}


def _fits(convert, text):
    try:
        convert(text)
    except ValueError:
        return False
    return True


def _is_bool(text):
    return text.lower() in TRUE_WORDS | FALSE_WORDS


# From the most to the least specific; a column that fits none of them is "str".
CHECKS = [
    ("int", lambda text: _fits(int, text)),
    ("float", lambda text: _fits(float, text)),
    ("bool", _is_bool),
    ("date", lambda text: _fits(date.fromisoformat, text)),
]

CONVERTERS = {
    "int": int,
    "float": float,
    "bool": lambda text: text.lower() in TRUE_WORDS,
    "date": date.fromisoformat,
    "str": str,
}


def infer_type(values):
    """The most specific type all the values of a column fit: "int", "float", "bool", "date" or "str".

    Empty (or blank) cells are missing data and do not count either way; a column with nothing
    but empty cells is "str".
    """
    cells = [value.strip() for value in values]
    if not any(cells):
        return "str"
    for name, check in CHECKS:
        if all(check(cell) for cell in cells):
            return name
    return "str"


def infer_columns(rows):
    """{column: type} for a list of dict rows, as csv.DictReader yields them."""
    if not rows:
        return {}
    return {column: infer_type(row.get(column) or "" for row in rows) for column in rows[0]}


def convert_rows(rows, types):
    """The rows with every cell converted to its column's type; empty cells become None."""
    converted = []
    for row in rows:
        out = {}
        for column, value in row.items():
            text = (value or "").strip()
            out[column] = CONVERTERS[types[column]](text) if text else None
        converted.append(out)
    return converted


def load_csv(text):
    """Read CSV text with a header row; returns (types, converted rows)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    types = infer_columns(rows)
    return types, convert_rows(rows, types)
