"""Items, reservations and shipments; all money in integer cents."""
from dataclasses import dataclass


class OutOfStock(Exception):
    pass


@dataclass
class Item:
    sku: str
    name: str
    unit_cost: int
    unit_price: int
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self):
        return self.on_hand - self.reserved


class Inventory:
    def __init__(self):
        self._items = {}

    def add_item(self, item):
        if item.sku in self._items:
            raise ValueError(f"duplicate sku {item.sku}")
        self._items[item.sku] = item

    def get(self, sku):
        try:
            return self._items[sku]
        except KeyError:
            raise KeyError(f"unknown sku {sku}") from None

    def receive(self, sku, qty):
        if qty <= 0:
            raise ValueError("quantity must be positive")
        self.get(sku).on_hand += qty

    def reserve(self, sku, qty):
        item = self.get(sku)
        if qty > item.available:
            raise OutOfStock(f"{sku}: {item.available} available, {qty} requested")
        item.reserved += qty

    def ship(self, sku, qty):
        item = self.get(sku)
        if qty > item.reserved:
            raise ValueError(f"{sku}: only {item.reserved} reserved")
        item.reserved -= qty
        item.on_hand -= qty

    def stock_value(self):
        return sum(item.unit_price * item.on_hand for item in self._items.values())

    def low_stock(self, threshold):
        return sorted(sku for sku, item in self._items.items() if item.available <= threshold)
