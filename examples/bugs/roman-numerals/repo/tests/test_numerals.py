import pytest

from roman.numerals import from_roman, to_roman


def test_simple_numbers():
    assert [to_roman(n) for n in (1, 3, 4, 9, 14)] == ["I", "III", "IV", "IX", "XIV"]


def test_year():
    assert to_roman(1994) == "MCMXCIV"
    assert to_roman(2024) == "MMXXIV"


def test_forties():
    assert to_roman(49) == "XLIX"


def test_parse():
    assert from_roman("mcmxciv") == 1994
    assert from_roman("XLII") == 42


def test_roundtrip_first_hundred():
    for n in range(1, 101):
        assert from_roman(to_roman(n)) == n


def test_rejects_out_of_range():
    with pytest.raises(ValueError):
        to_roman(0)
    with pytest.raises(ValueError):
        to_roman(4000)


def test_rejects_non_canonical_and_garbage():
    with pytest.raises(ValueError):
        from_roman("IIII")
    with pytest.raises(ValueError):
        from_roman("ABC")
