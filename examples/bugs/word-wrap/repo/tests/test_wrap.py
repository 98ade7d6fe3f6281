import pytest

from textwrap2.wrap import columns, fill, indent, wrap


def test_wrap_short_text_is_one_line():
    assert wrap("hello world", 20) == ["hello world"]


def test_wrap_breaks_long_text():
    assert wrap("one two three four five", 11) == ["one two", "three four", "five"]


def test_wrap_line_that_fits_exactly():
    assert wrap("the quick brown fox", 9) == ["the quick", "brown fox"]


def test_fill_receipt_line_exact_width():
    text = "Thank you for shopping with us!"
    assert fill(text + " Come again", 31) == text + "\nCome again"


def test_long_word_gets_own_line():
    assert wrap("a extraordinarily b", 6) == ["a", "extraordinarily", "b"]


def test_empty_text_and_bad_width():
    assert wrap("   ", 5) == []
    with pytest.raises(ValueError):
        wrap("abc", 0)


def test_indent():
    assert indent("aa bb cc", 8) == ["  aa bb", "  cc"]


def test_columns():
    assert columns("Total", "12.50", 16) == "Total      12.50"
