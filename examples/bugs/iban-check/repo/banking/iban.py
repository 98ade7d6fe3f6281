"""IBAN normalisation and validation (ISO 13616: country length and the mod-97 check digits)."""

# Length of a complete IBAN, per country (the SEPA countries our customers bank in).
IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 22, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
    "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24,
}


class InvalidIBAN(ValueError):
    pass


def normalize(iban):
    """Drop spaces and upper-case: 'gb82 west 1234 5698 7654 32' -> 'GB82WEST12345698765432'."""
    return "".join(iban.split()).upper()


def _as_number(code):
    """Move the first four characters to the end and turn letters into numbers (A=10 ... Z=35)."""
    rearranged = code[4:] + code[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged))


def validate(iban):
    """Return the normalised IBAN, or raise InvalidIBAN saying what is wrong with it."""
    code = normalize(iban)
    if len(code) < 5 or not code.isascii() or not code.isalnum():
        raise InvalidIBAN(f"{iban!r} is not an IBAN")
    country = code[:2]
    if country not in IBAN_LENGTHS:
        raise InvalidIBAN(f"IBANs from {country} are not supported")
    if len(code) != IBAN_LENGTHS[country]:
        raise InvalidIBAN(f"a {country} IBAN has {IBAN_LENGTHS[country]} characters, not {len(code)}")
    if not code[2:4].isdigit() or _as_number(code) % 97 != 1:
        raise InvalidIBAN(f"{iban!r} has wrong check digits")
    return code


def is_valid(iban):
    try:
        validate(iban)
    except InvalidIBAN:
        return False
    return True


def format_iban(iban):
    """The IBAN in groups of four for printing: 'DE89 3704 0044 0532 0130 00'."""
    code = validate(iban)
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def bank_code(iban):
    """The national bank identifier, for the countries where we look banks up."""
    code = validate(iban)
    if code.startswith("DE"):
        return code[4:12]
    if code.startswith("GB"):
        return code[4:8]
    return None
