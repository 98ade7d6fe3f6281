import pytest

from inventory.stock import Inventory, Item, OutOfStock


def make():
    inv = Inventory()
    inv.add_item(Item("KET-1", "Kettle", unit_cost=2000, unit_price=3500))
    inv.add_item(Item("MUG-1", "Mug", unit_cost=300, unit_price=800))
    inv.receive("KET-1", 10)
    inv.receive("MUG-1", 4)
    return inv


def test_receive_and_available():
    inv = make()
    assert inv.get("KET-1").available == 10


def test_reserve_and_ship():
    inv = make()
    inv.reserve("KET-1", 3)
    assert inv.get("KET-1").available == 7
    inv.ship("KET-1", 3)
    assert inv.get("KET-1").on_hand == 7


def test_cannot_reserve_more_than_available():
    inv = make()
    inv.reserve("MUG-1", 3)
    with pytest.raises(OutOfStock):
        inv.reserve("MUG-1", 2)


def test_stock_value_at_cost():
    assert make().stock_value() == 10 * 2000 + 4 * 300


def test_stock_value_after_shipping():
    inv = make()
    inv.reserve("KET-1", 5)
    inv.ship("KET-1", 5)
    assert inv.stock_value() == 5 * 2000 + 4 * 300


def test_low_stock():
    inv = make()
    inv.reserve("KET-1", 8)
    assert inv.low_stock(4) == ["KET-1", "MUG-1"]


def test_unknown_and_duplicate_sku():
    inv = make()
    with pytest.raises(KeyError):
        inv.receive("NOPE", 1)
    with pytest.raises(ValueError):
        inv.add_item(Item("MUG-1", "Mug", 1, 1))
