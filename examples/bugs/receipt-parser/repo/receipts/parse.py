"""Parse receipt lines like "2 x Flat white @ 3.40" into items and totals.

Blank lines and lines starting with "#" are ignored. Prices may carry a currency symbol and use a
decimal comma ("€3,40"). Malformed lines raise ReceiptError naming the line, or are collected and
skipped when skip_invalid=True.
"""
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

LINE_RE = re.compile(r"^(?P<qty>\d+)\s*[xX*]\s+(?P<name>.+?)\s+@\s+(?P<price>\S+)$")
CURRENCY_SYMBOLS = "$€£"
CENT = Decimal("0.01")


class ReceiptError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int
    unit_price: Decimal

    @property
    def total(self):
        return self.quantity * self.unit_price


def parse_price(text):
    """Decimal price, rounded to cents, from "3.40", "$3.40" or "€3,40"."""
    cleaned = text.strip().lstrip(CURRENCY_SYMBOLS).replace(",", ".")
    try:
        price = Decimal(cleaned)
    except ValueError:
        raise ReceiptError(f"bad price {text!r}") from None
    if not price.is_finite() or price < 0:
        raise ReceiptError(f"bad price {text!r}")
    return price.quantize(CENT)


def parse_line(line):
    match = LINE_RE.match(line.strip())
    if not match:
        raise ReceiptError(f"cannot read {line.strip()!r}")
    quantity = int(match["qty"])
    if quantity == 0:
        raise ReceiptError("quantity must be at least 1")
    return Item(match["name"], quantity, parse_price(match["price"]))


def parse_receipt(text, skip_invalid=False):
    """(items, problems): problems lists "line N: message" for lines skipped with skip_invalid=True."""
    items, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            items.append(parse_line(line))
        except ReceiptError as exc:
            if not skip_invalid:
                raise ReceiptError(f"line {number}: {exc}") from None
            problems.append(f"line {number}: {exc}")
    return items, problems


def receipt_total(items):
    return sum((item.total for item in items), Decimal("0.00"))
