import pytest

from shop.cart import SHIPPING_FEE, Cart


def test_subtotal_and_merge_same_sku():
    cart = Cart()
    cart.add("mug", 800)
    cart.add("mug", 800, 2)
    assert len(cart.lines) == 1
    assert cart.subtotal() == 2400


def test_rejects_non_positive_quantity():
    with pytest.raises(ValueError):
        Cart().add("mug", 800, 0)


def test_guest_small_order_pays_shipping():
    cart = Cart()
    cart.add("mug", 1200)
    assert cart.shipping() == SHIPPING_FEE
    assert cart.total() == 1200 + SHIPPING_FEE


def test_member_ships_free():
    cart = Cart(member=True)
    cart.add("mug", 1200)
    assert cart.shipping() == 0


def test_large_order_ships_free():
    cart = Cart()
    cart.add("kettle", 6000)
    assert cart.total() == 6000


def test_member_discount():
    cart = Cart(member=True)
    cart.add("kettle", 6000)
    assert cart.discount() == 600
    assert cart.total() == 5400


def test_empty_cart():
    assert Cart().total() == 0
