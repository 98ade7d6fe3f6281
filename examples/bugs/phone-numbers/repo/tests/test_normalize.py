import pytest

from phones.normalize import PhoneError, country_of, normalize


def test_us_numbers():
    assert normalize("(415) 555-2671") == "+14155552671"
    assert normalize("1-415-555-2671") == "+14155552671"


def test_international_prefixes_are_kept():
    assert normalize("+44 20 7946 0958") == "+442079460958"
    assert normalize("0049 30 901820", "GB") == "+4930901820"


def test_national_numbers_drop_the_trunk_zero():
    assert normalize("020 7946 0958", "GB") == "+442079460958"
    assert normalize("030 901820", "de") == "+4930901820"
    assert normalize("06 12 34 56 78", "FR") == "+33612345678"


def test_irish_national_number():
    assert normalize("087 123 4567", "IE") == "+353871234567"
    assert normalize("(01) 234 5678", "IE") == "+35312345678"


def test_country_of():
    assert country_of("+44 20 7946 0958") == "GB"
    assert country_of("+1 415 555 2671") == "US"
    assert country_of("+61 2 9374 4000") == "AU"
    assert country_of("+81 3 1234 5678") is None


def test_country_of_irish_number():
    assert country_of("+353 1 234 5678") == "IE"


def test_invalid_numbers():
    for raw, country in (("call me", "US"), ("555-2671", "US"), ("0123", "GB"), ("020 7946 0958", "XX")):
        with pytest.raises(PhoneError):
            normalize(raw, country)
