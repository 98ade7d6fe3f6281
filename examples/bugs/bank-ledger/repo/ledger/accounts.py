"""Accounts with a transaction history; amounts are integer cents."""
from dataclasses import dataclass, field
from itertools import count


class InsufficientFunds(Exception):
    pass


@dataclass
class Account:
    id: int
    owner: str
    balance: int = 0
    history: list = field(default_factory=list)


class Ledger:
    def __init__(self):
        self._accounts = {}
        self._ids = count(1)

    def open(self, owner, initial=0):
        account = Account(next(self._ids), owner)
        self._accounts[account.id] = account
        if initial:
            self.deposit(account.id, initial)
        return account.id

    def account(self, account_id):
        return self._accounts[account_id]

    def deposit(self, account_id, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        acc = self.account(account_id)
        acc.balance += amount
        acc.history.append(("deposit", amount))

    def withdraw(self, account_id, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        acc = self.account(account_id)
        if amount > acc.balance:
            raise InsufficientFunds(f"account {account_id}: balance {acc.balance}, need {amount}")
        acc.balance -= amount
        acc.history.append(("withdraw", amount))

    def transfer(self, source_id, target_id, amount):
        if source_id == target_id:
            raise ValueError("cannot transfer to the same account")
        self.withdraw(source_id, amount)
        self.deposit(target_id, amount)
        self.account(source_id).balance -= amount

    def total(self):
        return sum(acc.balance for acc in self._accounts.values())
