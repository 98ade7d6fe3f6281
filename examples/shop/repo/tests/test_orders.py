"""Placing orders: stored in checkout's orders store, stock taken at catalog."""

from __future__ import annotations


def stock(catalog, sku: str) -> int:
    status, product = catalog.get(f"/products/{sku}")
    assert status == 200, product
    return product["stock"]


def test_place_order_is_stored_and_listed(checkout):
    email = "ana@cafe-aurora.example"
    status, order = checkout.post("/orders", {"email": email, "items": [{"sku": "BEAN-HOUSE", "qty": 1}]})
    assert status == 201, order
    assert (order["email"], order["total"], order["currency"]) == (email, "25.68", "EUR")
    assert [(line["sku"], line["qty"]) for line in order["lines"]] == [("BEAN-HOUSE", 1)]

    assert checkout.get(f"/orders/{order['id']}") == (200, order)
    status, listed = checkout.get(f"/orders?email={email}")
    assert status == 200
    assert listed["orders"][0] == order


def test_order_takes_stock(catalog, checkout):
    before = stock(catalog, "MUG-STONE")
    status, order = checkout.post("/orders", {"email": "ben@example.com", "items": [{"sku": "MUG-STONE", "qty": 2}]})
    assert status == 201, order
    assert stock(catalog, "MUG-STONE") == before - 2


def test_order_beyond_stock_is_409_and_takes_nothing(catalog, checkout):
    machines, mugs = stock(catalog, "ESPRESSO-PRO"), stock(catalog, "MUG-STONE")
    status, body = checkout.post("/orders", {"email": "ben@example.com",
                                             "items": [{"sku": "MUG-STONE", "qty": 1},
                                                       {"sku": "ESPRESSO-PRO", "qty": machines + 1}]})
    assert status == 409
    assert "ESPRESSO-PRO" in body["error"]
    assert (stock(catalog, "ESPRESSO-PRO"), stock(catalog, "MUG-STONE")) == (machines, mugs)


def test_invalid_orders(checkout):
    assert checkout.post("/orders", {"items": [{"sku": "MUG-STONE", "qty": 1}]})[0] == 400  # no email
    assert checkout.post("/orders", {"email": "ben@example.com", "items": []})[0] == 400
    assert checkout.get("/orders/999999")[0] == 404
    assert checkout.get("/orders")[0] == 400


def test_order_with_spring_coupon_on_espresso_machine(catalog, checkout):
    before = stock(catalog, "ESPRESSO-PRO")
    status, order = checkout.post("/orders", {"email": "chris@roastery.example", "coupon": "SPRING25",
                                              "items": [{"sku": "ESPRESSO-PRO", "qty": 1}]})
    assert (status, order.get("error")) == (201, None)
    assert (order["coupon"], order["subtotal"], order["discount"], order["vat"], order["total"]) == (
        "SPRING25", "449.00", "112.25", "63.98", "400.73")
    assert stock(catalog, "ESPRESSO-PRO") == before - 1
    assert checkout.get(f"/orders/{order['id']}") == (200, order)


def test_baggage_reaches_catalog(catalog, checkout):
    baggage = "tenant=cafe-aurora,route=canary"
    status, order = checkout.post("/orders", {"email": "ana@cafe-aurora.example",
                                              "items": [{"sku": "FILTER-100", "qty": 1}]},
                                  headers={"baggage": baggage})
    assert status == 201, order
    status, reservation = catalog.get(f"/reservations/{order['reservation']}")
    assert status == 200
    # every member sent arrives as sent (a sandbox's ingress may have added its routing key)
    assert set(baggage.split(",")) <= set(reservation["baggage"].split(","))
