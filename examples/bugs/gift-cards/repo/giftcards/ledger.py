"""Issue, top up and redeem gift cards; every movement is kept in the card's history."""
from dataclasses import dataclass, field
from decimal import Decimal

CENT = Decimal("0.01")


class GiftCardError(Exception):
    pass


class UnknownCard(GiftCardError):
    pass


class InsufficientBalance(GiftCardError):
    pass


def _money(amount):
    value = Decimal(str(amount)).quantize(CENT)
    if value <= 0:
        raise ValueError(f"amount must be positive, got {amount!r}")
    return value


@dataclass
class GiftCard:
    code: str
    initial_value: Decimal
    balance: Decimal
    history: list = field(default_factory=list)  # (kind, amount) tuples


class Ledger:
    def __init__(self):
        self._cards = {}

    def issue(self, code, amount):
        if code in self._cards:
            raise GiftCardError(f"card {code} already exists")
        value = _money(amount)
        card = GiftCard(code, value, value, [("issue", value)])
        self._cards[code] = card
        return card

    def card(self, code):
        try:
            return self._cards[code]
        except KeyError:
            raise UnknownCard(code) from None

    def balance(self, code):
        return self.card(code).balance

    def top_up(self, code, amount):
        card = self.card(code)
        value = _money(amount)
        card.balance += value
        card.history.append(("top-up", value))
        return card.balance

    def redeem(self, code, amount):
        """Take `amount` off the card; the card can never go below zero. Returns the new balance."""
        card = self.card(code)
        value = _money(amount)
        if value > card.initial_value:
            raise InsufficientBalance(f"card {code} has {card.balance}, cannot redeem {value}")
        card.balance -= value
        card.history.append(("redeem", value))
        return card.balance

    def outstanding(self):
        """Total value still owed to card holders."""
        return sum((card.balance for card in self._cards.values()), Decimal("0.00"))

    def statement(self, code):
        card = self.card(code)
        lines = [f"{kind:<8}{amount:>10}" for kind, amount in card.history]
        lines.append(f"{'balance':<8}{card.balance:>10}")
        return "\n".join(lines)
