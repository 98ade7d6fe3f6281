"""Browsing the catalog and pricing baskets through checkout."""

from __future__ import annotations


def test_services_are_healthy(catalog, pricing, checkout):
    for service in (catalog, pricing, checkout):
        assert service.get("/healthz") == (200, {"ok": True})


def test_browse_catalog(catalog):
    status, body = catalog.get("/products")
    assert status == 200
    products = {p["sku"]: p for p in body["products"]}
    assert len(products) == 6
    assert products["ESPRESSO-PRO"]["name"] == "Espresso machine Pro"
    assert products["ESPRESSO-PRO"]["category"] == "equipment"
    assert all(isinstance(p["stock"], int) and p["stock"] > 0 for p in products.values())

    status, body = catalog.get("/products?category=coffee")
    assert status == 200
    assert [p["sku"] for p in body["products"]] == ["BEAN-ETHIOPIA", "BEAN-HOUSE"]

    status, body = catalog.get("/products/NOPE-1")
    assert status == 404


def test_price_list(pricing):
    assert pricing.get("/prices/GRINDER-HAND") == (
        200, {"sku": "GRINDER-HAND", "unit_price": "79.00", "currency": "EUR"})
    assert pricing.get("/prices/NOPE-1")[0] == 404


def test_price_a_basket(checkout):
    status, basket = checkout.post("/basket", {"items": [{"sku": "BEAN-ETHIOPIA", "qty": 3},
                                                         {"sku": "FILTER-100", "qty": 2}]})
    assert status == 200, basket
    # Net prices; VAT 7 % on coffee, 19 % on everything else, rounded per line.
    assert [(line["sku"], line["subtotal"], line["vat"], line["total"]) for line in basket["lines"]] == [
        ("BEAN-ETHIOPIA", "43.50", "3.05", "46.55"),
        ("FILTER-100", "8.40", "1.60", "10.00"),
    ]
    assert (basket["subtotal"], basket["discount"], basket["vat"], basket["total"], basket["currency"]) == (
        "51.90", "0.00", "4.65", "56.55", "EUR")


def test_spring_coupon_on_grinders(checkout):
    status, basket = checkout.post("/basket", {"items": [{"sku": "GRINDER-HAND", "qty": 2},
                                                         {"sku": "MUG-STONE", "qty": 1}],
                                               "coupon": "spring25"})
    assert status == 200, basket
    # SPRING25: 25 % off equipment only; the mug pays full price.
    assert [(line["sku"], line["discount"], line["total"]) for line in basket["lines"]] == [
        ("GRINDER-HAND", "39.50", "141.02"),
        ("MUG-STONE", "0.00", "11.78"),
    ]
    assert (basket["coupon"], basket["subtotal"], basket["discount"], basket["vat"], basket["total"]) == (
        "SPRING25", "167.90", "39.50", "24.40", "152.80")


def test_spring_coupon_on_espresso_machine(checkout):
    status, basket = checkout.post("/basket", {"items": [{"sku": "ESPRESSO-PRO", "qty": 1},
                                                         {"sku": "BEAN-HOUSE", "qty": 2}],
                                               "coupon": "SPRING25"})
    assert (status, basket.get("error")) == (200, None)
    assert [(line["sku"], line["discount"], line["total"]) for line in basket["lines"]] == [
        ("ESPRESSO-PRO", "112.25", "400.73"),
        ("BEAN-HOUSE", "0.00", "51.36"),
    ]
    assert (basket["subtotal"], basket["discount"], basket["vat"], basket["total"]) == (
        "497.00", "112.25", "67.34", "452.09")


def test_unknown_coupon_is_400(checkout):
    status, body = checkout.post("/basket", {"items": [{"sku": "MUG-STONE", "qty": 1}], "coupon": "SUMMER99"})
    assert status == 400
    assert "SUMMER99" in body["error"]


def test_unknown_product_is_404(checkout):
    status, body = checkout.post("/basket", {"items": [{"sku": "MUG-STONE", "qty": 1}, {"sku": "NOPE-1", "qty": 1}]})
    assert status == 404
    assert "NOPE-1" in body["error"]


def test_invalid_basket_is_400(checkout):
    assert checkout.post("/basket", {"items": []})[0] == 400
    assert checkout.post("/basket", {"items": [{"sku": "MUG-STONE", "qty": 0}]})[0] == 400
    assert checkout.post("/basket", {"items": [{"sku": "MUG-STONE", "qty": "2"}]})[0] == 400
    assert checkout.post("/basket", raw=b"{not json")[0] == 400
