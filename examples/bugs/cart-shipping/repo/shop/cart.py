"""A shopping cart with member discount and shipping rules. Amounts are integer cents."""
from dataclasses import dataclass

FREE_SHIPPING_FROM = 5000
SHIPPING_FEE = 495
MEMBER_DISCOUNT_PERCENT = 10


@dataclass
class Line:
    sku: str
    unit_price: int
    qty: int

    @property
    def amount(self):
        return self.unit_price * self.qty


class Cart:
    def __init__(self, member=False):
        self.member = member
        self.lines = []

    def add(self, sku, unit_price, qty=1):
        if qty <= 0:
            raise ValueError("quantity must be positive")
        for line in self.lines:
            if line.sku == sku:
                line.qty += qty
                return line
        line = Line(sku, unit_price, qty)
        self.lines.append(line)
        return line

    def subtotal(self):
        return sum(line.amount for line in self.lines)

    def discount(self):
        if not self.member:
            return 0
        return self.subtotal() * MEMBER_DISCOUNT_PERCENT // 100

    def shipping(self):
        if not self.lines:
            return 0
        if self.member and self.subtotal() >= FREE_SHIPPING_FROM:
            return 0
        return SHIPPING_FEE

    def total(self):
        return self.subtotal() - self.discount() + self.shipping()
