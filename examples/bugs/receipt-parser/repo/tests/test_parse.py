from decimal import Decimal

import pytest

from receipts.parse import Item, ReceiptError, parse_price, parse_receipt, receipt_total

RECEIPT = """
# team lunch, 12 March
2 x Flat white @ 3.40
1 x Club sandwich @ $7.95

3 * Brownie @ €2,10
"""


def test_parse_prices():
    assert parse_price("3.4") == Decimal("3.40")
    assert parse_price("$7.95") == Decimal("7.95")
    assert parse_price("€2,10") == Decimal("2.10")


def test_parse_receipt():
    items, problems = parse_receipt(RECEIPT)
    assert items == [
        Item("Flat white", 2, Decimal("3.40")),
        Item("Club sandwich", 1, Decimal("7.95")),
        Item("Brownie", 3, Decimal("2.10")),
    ]
    assert problems == []
    assert receipt_total(items) == Decimal("21.05")


def test_unreadable_line_names_its_number():
    with pytest.raises(ReceiptError, match="line 3"):
        parse_receipt("1 x Tea @ 2.00\n\nTea, two of them\n")


def test_negative_price_is_rejected():
    with pytest.raises(ReceiptError):
        parse_price("-1.00")


def test_garbled_price_is_a_receipt_error():
    with pytest.raises(ReceiptError, match="line 2"):
        parse_receipt("1 x Tea @ 2.00\n2 x Scone @ 1.2.5\n")


def test_skip_invalid_collects_problems():
    items, problems = parse_receipt("1 x Tea @ 2.00\nTea, two of them\n2 x Scone @ 1,2,5\n1 x Jam @ 0.80\n",
                                    skip_invalid=True)
    assert [item.name for item in items] == ["Tea", "Jam"]
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3"]


def test_empty_receipt():
    assert parse_receipt("# nothing bought\n\n") == ([], [])
    assert receipt_total([]) == Decimal("0.00")
