"""Normalise phone numbers typed in any common style to E.164 ("+<country code><number>").

Numbers written without an international prefix are read as national numbers of a default country; the
national trunk prefix "0" is dropped (outside the North American plan, whose trunk prefix is "1").
"""
import re

COUNTRY_CODES = {
    "US": "1",
    "CA": "1",
    "GB": "44",
    "IE": "352",
    "DE": "49",
    "FR": "33",
    "NL": "31",
    "ES": "34",
    "IT": "39",
    "AU": "61",
}

NANP = "1"
SEPARATORS = re.compile(r"[\s\-.()/]")
MIN_DIGITS, MAX_DIGITS = 8, 15


class PhoneError(ValueError):
    pass


def _digits(raw):
    cleaned = SEPARATORS.sub("", raw.strip())
    if cleaned.startswith("+"):
        prefix, cleaned = "+", cleaned[1:]
    elif cleaned.startswith("00"):
        prefix, cleaned = "+", cleaned[2:]
    else:
        prefix = ""
    if not cleaned.isdigit():
        raise PhoneError(f"not a phone number: {raw!r}")
    return prefix, cleaned


def normalize(raw, default_country="US"):
    """E.164 form of `raw`, reading national numbers as numbers of `default_country`."""
    prefix, digits = _digits(raw)
    if prefix != "+":
        code = COUNTRY_CODES.get(default_country.upper())
        if code is None:
            raise PhoneError(f"unknown country {default_country!r}")
        if code == NANP:
            if len(digits) == 11 and digits.startswith("1"):
                digits = digits[1:]
            if len(digits) != 10:
                raise PhoneError(f"North American numbers have 10 digits: {raw!r}")
        elif digits.startswith("0"):
            digits = digits[1:]
        digits = code + digits
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise PhoneError(f"wrong number of digits: {raw!r}")
    return "+" + digits


def country_of(number):
    """The country of an E.164 number (longest matching code); "US" for the shared code 1; None if unknown."""
    digits = normalize(number)[1:]
    by_code = {}
    for country, code in COUNTRY_CODES.items():
        by_code.setdefault(code, country)
    for length in (3, 2, 1):
        country = by_code.get(digits[:length])
        if country:
            return country
    return None
