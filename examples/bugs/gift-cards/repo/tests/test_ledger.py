from decimal import Decimal

import pytest

from giftcards.ledger import GiftCardError, InsufficientBalance, Ledger, UnknownCard


def test_issue_and_redeem():
    ledger = Ledger()
    ledger.issue("GC1", 50)
    assert ledger.redeem("GC1", "12.50") == Decimal("37.50")
    assert ledger.balance("GC1") == Decimal("37.50")


def test_redeem_whole_balance():
    ledger = Ledger()
    ledger.issue("GC1", 25)
    assert ledger.redeem("GC1", 25) == Decimal("0.00")


def test_cannot_redeem_more_than_the_remaining_balance():
    ledger = Ledger()
    ledger.issue("GC1", 50)
    ledger.redeem("GC1", 30)
    with pytest.raises(InsufficientBalance):
        ledger.redeem("GC1", 30)
    assert ledger.balance("GC1") == Decimal("20.00")


def test_topped_up_balance_can_be_spent():
    ledger = Ledger()
    ledger.issue("GC2", 20)
    ledger.top_up("GC2", "30.00")
    assert ledger.redeem("GC2", 45) == Decimal("5.00")


def test_redeem_over_initial_value_is_refused():
    ledger = Ledger()
    ledger.issue("GC3", 10)
    with pytest.raises(InsufficientBalance):
        ledger.redeem("GC3", "10.01")


def test_outstanding_and_statement():
    ledger = Ledger()
    ledger.issue("A", 40)
    ledger.issue("B", "15.5")
    ledger.redeem("A", 10)
    assert ledger.outstanding() == Decimal("45.50")
    assert ledger.statement("A").splitlines() == [
        "issue        40.00",
        "redeem       10.00",
        "balance      30.00",
    ]


def test_errors():
    ledger = Ledger()
    ledger.issue("A", 5)
    with pytest.raises(GiftCardError):
        ledger.issue("A", 5)
    with pytest.raises(UnknownCard):
        ledger.redeem("nope", 1)
    with pytest.raises(ValueError):
        ledger.redeem("A", 0)
