"""catalog: the products the shop sells and their stock.

GET  /healthz                    -> 200 {"ok": true}
GET  /products[?category=]       -> 200 {"products": [{"sku", "name", "category", "stock"}, ...]}
GET  /products/<sku>             -> 200 {"sku", "name", "category", "stock"} | 404
POST /reservations               {"items": [{"sku", "qty"}, ...]}
                                 -> 201 {"id", "items", "baggage"}: the stock is taken
                                    400 invalid items, 404 unknown product, 409 not enough stock
GET  /reservations/<id>          -> 200 {"id", "items", "baggage"} | 404

A reservation keeps the `baggage` header of the request that made it (who reserved what, for tracing).
"""

from __future__ import annotations

import itertools
import logging
import threading
from typing import Any

from shop_common import BAGGAGE, HttpError, JsonHandler, serve

log = logging.getLogger("catalog")

PRODUCTS: dict[str, dict[str, Any]] = {
    "BEAN-HOUSE": {"name": "House Blend coffee beans, 1 kg", "category": "coffee", "stock": 40},
    "BEAN-ETHIOPIA": {"name": "Ethiopia Yirgacheffe beans, 250 g", "category": "coffee", "stock": 25},
    "MUG-STONE": {"name": "Stoneware mug", "category": "kitchen", "stock": 60},
    "FILTER-100": {"name": "Paper filters, pack of 100", "category": "kitchen", "stock": 100},
    "GRINDER-HAND": {"name": "Hand grinder", "category": "equipment", "stock": 12},
    "ESPRESSO-PRO": {"name": "Espresso machine Pro", "category": "equipment", "stock": 6},
}

_stock_lock = threading.Lock()
_reservations: dict[str, dict[str, Any]] = {}
_next_id = itertools.count(1)


def product_view(sku: str) -> dict[str, Any]:
    record = PRODUCTS.get(sku.upper())
    if record is None:
        raise HttpError(404, f"no product {sku!r}")
    return {"sku": sku.upper(), **record}


def parse_items(body: Any) -> list[dict[str, Any]]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise HttpError(400, "items must be a non-empty list of {sku, qty}")
    parsed: dict[str, int] = {}
    for item in items:
        sku = item.get("sku") if isinstance(item, dict) else None
        qty = item.get("qty") if isinstance(item, dict) else None
        if not isinstance(sku, str) or not sku or type(qty) is not int or qty < 1:
            raise HttpError(400, f"invalid item {item!r}: needs a sku and a qty >= 1")
        parsed[sku.upper()] = parsed.get(sku.upper(), 0) + qty
    return [{"sku": sku, "qty": qty} for sku, qty in parsed.items()]


def reserve(items: list[dict[str, Any]], baggage: str | None) -> dict[str, Any]:
    """Take the stock for every item, or for none of them."""
    with _stock_lock:
        for item in items:
            product = product_view(item["sku"])
            if product["stock"] < item["qty"]:
                log.warning("not enough stock for %s: %d requested, %d left",
                            item["sku"], item["qty"], product["stock"])
                raise HttpError(409, f"not enough stock for {item['sku']}: "
                                     f"{item['qty']} requested, {product['stock']} left")
        for item in items:
            PRODUCTS[item["sku"]]["stock"] -= item["qty"]
        reservation = {"id": f"R{next(_next_id):06d}", "items": items, "baggage": baggage}
        _reservations[reservation["id"]] = reservation
    log.info("reservation %s: %s", reservation["id"], ", ".join(f"{i['sku']} x{i['qty']}" for i in items))
    return reservation


class Handler(JsonHandler):
    server_version = "catalog/1.0"
    log = log

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, dict]:
        parts = [p for p in path.split("/") if p]
        if method == "GET" and parts == ["healthz"]:
            return 200, {"ok": True}
        if method == "GET" and parts == ["products"]:
            category = (query.get("category") or [None])[0]
            with _stock_lock:
                products = [product_view(sku) for sku in sorted(PRODUCTS)]
            return 200, {"products": [p for p in products if category in (None, p["category"])]}
        if method == "GET" and len(parts) == 2 and parts[0] == "products":
            with _stock_lock:
                return 200, product_view(parts[1])
        if method == "POST" and parts == ["reservations"]:
            return 201, reserve(parse_items(body), BAGGAGE.get())
        if method == "GET" and len(parts) == 2 and parts[0] == "reservations":
            if parts[1] not in _reservations:
                raise HttpError(404, f"no reservation {parts[1]!r}")
            return 200, _reservations[parts[1]]
        raise HttpError(404, "not found")


if __name__ == "__main__":
    serve("catalog", Handler)
