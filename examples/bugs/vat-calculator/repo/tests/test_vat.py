from decimal import Decimal

import pytest

from billing.vat import add_vat, invoice_totals, net_from_gross, vat_amount, vat_in_gross


def test_add_vat():
    assert add_vat("100.00") == Decimal("120.00")
    assert add_vat("10", "reduced") == Decimal("10.50")


def test_vat_amount_rounds_half_up():
    assert vat_amount("0.125", "standard") == Decimal("0.03")


def test_net_from_gross():
    assert net_from_gross("120.00") == Decimal("100.00")


def test_vat_in_gross():
    assert vat_in_gross("120.00") == Decimal("20.00")
    assert vat_in_gross("10.50", "reduced") == Decimal("0.50")


def test_zero_rate_net_is_gross():
    assert net_from_gross("42.00", "zero") == Decimal("42.00")


def test_unknown_rate():
    with pytest.raises(ValueError):
        add_vat("1.00", "luxury")


def test_invoice_totals():
    totals = invoice_totals([("100.00", "standard"), ("10.00", "reduced")])
    assert totals == {"net": Decimal("110.00"), "vat": Decimal("20.50"), "gross": Decimal("130.50")}
