import pytest

from banking.iban import InvalidIBAN, bank_code, format_iban, is_valid, normalize, validate


def test_normalize():
    assert normalize(" gb82 west 1234 5698 7654 32 ") == "GB82WEST12345698765432"


def test_valid_ibans():
    for iban in ("DE89 3704 0044 0532 0130 00", "gb82 west 1234 5698 7654 32", "NL91ABNA0417164300",
                 "BE68 5390 0754 7034", "NO93 8601 1117 947"):
        assert is_valid(iban), iban


def test_wrong_check_digits():
    assert not is_valid("DE89 3704 0044 0532 0130 01")
    with pytest.raises(InvalidIBAN, match="check digits"):
        validate("GB83 WEST 1234 5698 7654 32")


def test_wrong_length():
    with pytest.raises(InvalidIBAN, match="22 characters"):
        validate("DE89 3704 0044 0532 0130")


def test_not_an_iban():
    assert not is_valid("")
    assert not is_valid("DE89-3704-0044")
    with pytest.raises(InvalidIBAN, match="not supported"):
        validate("US12 3456 7890 1234 5678")


def test_swiss_ibans_are_valid():
    assert validate("CH93 0076 2011 6238 5295 7") == "CH9300762011623852957"
    assert is_valid("CH56 0483 5012 3456 7800 9")


def test_format_swiss_iban():
    assert format_iban("CH9300762011623852957") == "CH93 0076 2011 6238 5295 7"


def test_format_french_iban():
    assert format_iban("fr1420041010050500013m02606") == "FR14 2004 1010 0505 0001 3M02 606"


def test_bank_code():
    assert bank_code("DE89370400440532013000") == "37040044"
    assert bank_code("GB82WEST12345698765432") == "WEST"
    assert bank_code("NL91ABNA0417164300") is None
