"""Money amounts as Decimal, rounded the way our invoices and receipts show them.

Amounts are rounded to the currency's minor unit with commercial rounding: half a minor unit
always rounds away from zero (2.665 -> 2.67, -2.665 -> -2.67).
"""
import decimal
from decimal import Decimal

MINOR_UNITS = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "JPY": 0, "KWD": 3}


def _places(currency):
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise ValueError(f"unknown currency {currency!r}") from None


def to_decimal(amount):
    """Decimal from a str, int, float or Decimal; floats go through their shortest repr (2.675 stays 2.675)."""
    if isinstance(amount, float):
        amount = repr(amount)
    return Decimal(amount)


def round_money(amount, currency="EUR"):
    step = Decimal(1).scaleb(-_places(currency))
    return to_decimal(amount).quantize(step, rounding=decimal.ROUND_HALF_EVEN)


def format_money(amount, currency="EUR"):
    """'1,234.50 EUR'; negative amounts get a leading minus sign."""
    value = round_money(amount, currency)
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value):,.{_places(currency)}f} {currency}"


def split(amount, parts, currency="EUR"):
    """Split a non-negative amount into `parts` shares that add up exactly; earlier shares get the extra units."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    step = Decimal(1).scaleb(-_places(currency))
    units = int(round_money(amount, currency) / step)
    base, extra = divmod(units, parts)
    return [(base + (1 if i < extra else 0)) * step for i in range(parts)]
