import pytest

from ledger.accounts import InsufficientFunds, Ledger


def test_open_with_initial_deposit():
    ledger = Ledger()
    a = ledger.open("ann", 10000)
    assert ledger.account(a).balance == 10000
    assert ledger.account(a).history == [("deposit", 10000)]


def test_withdraw():
    ledger = Ledger()
    a = ledger.open("ann", 10000)
    ledger.withdraw(a, 2500)
    assert ledger.account(a).balance == 7500


def test_overdraft_refused():
    ledger = Ledger()
    a = ledger.open("ann", 100)
    with pytest.raises(InsufficientFunds):
        ledger.withdraw(a, 101)


def test_transfer_moves_money():
    ledger = Ledger()
    a, b = ledger.open("ann", 10000), ledger.open("bob")
    ledger.transfer(a, b, 5000)
    assert (ledger.account(a).balance, ledger.account(b).balance) == (5000, 5000)


def test_transfers_keep_total():
    ledger = Ledger()
    a, b = ledger.open("ann", 10000), ledger.open("bob", 2000)
    ledger.transfer(a, b, 3000)
    ledger.transfer(b, a, 1000)
    assert ledger.total() == 12000


def test_transfer_to_self_and_bad_amounts():
    ledger = Ledger()
    a = ledger.open("ann", 100)
    with pytest.raises(ValueError):
        ledger.transfer(a, a, 10)
    with pytest.raises(ValueError):
        ledger.deposit(a, 0)
