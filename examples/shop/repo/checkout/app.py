"""checkout: prices baskets and places orders, using pricing (PRICING_URL) and catalog (CATALOG_URL).

GET  /healthz              -> 200 {"ok": true}
GET  /healthz?deep=1       -> 200 {"ok": true, "pricing": "ok", "catalog": "ok"}: the calls checkout makes work
                              (pricing quotes a one-item basket, asking catalog; catalog answers for the product);
                              nothing is reserved or stored. 502 if either fails
POST /basket               {"items": [{"sku", "qty"}, ...], "coupon" (optional)}
                           -> 200 the basket priced by pricing (nothing is reserved)
POST /orders               {"email", "items": [...], "coupon" (optional)}
                           -> 201 the order: priced by pricing, stock reserved at catalog, stored
                              400 invalid order or coupon, 404 unknown product, 409 not enough stock,
                              502 pricing or catalog failed
GET  /orders/<id>          -> 200 the order | 404
GET  /orders?email=        -> 200 {"orders": [...]} newest first

Orders are stored in SQLite at ORDERS_DB (default: orders.sqlite3 in the working directory).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from shop_common import HttpError, JsonHandler, Unreachable, call, serve, service_url

log = logging.getLogger("checkout")

CATALOG_URL = ""
PRICING_URL = ""
ORDERS_DB = Path("orders.sqlite3")
HEALTH_SKU = "FILTER-100"
"""The product `GET /healthz?deep=1` prices and looks up."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    email       TEXT NOT NULL,
    coupon      TEXT,
    lines       TEXT NOT NULL,  -- JSON: the priced lines
    subtotal    TEXT NOT NULL,
    discount    TEXT NOT NULL,
    vat         TEXT NOT NULL,
    total       TEXT NOT NULL,
    currency    TEXT NOT NULL,
    reservation TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_email ON orders (email);
"""
COLUMNS = ("id", "email", "coupon", "lines", "subtotal", "discount", "vat", "total", "currency", "reservation",
           "created_at")


def connect() -> sqlite3.Connection:
    return sqlite3.connect(ORDERS_DB, timeout=5)


def init_db() -> None:
    ORDERS_DB.parent.mkdir(parents=True, exist_ok=True)
    with closing(connect()) as db, db:
        db.executescript(SCHEMA)


def order_view(row: tuple) -> dict[str, Any]:
    order = dict(zip(COLUMNS, row, strict=True))
    order["lines"] = json.loads(order["lines"])
    return order


def ask(service: str, method: str, base: str, path: str, body: Any) -> dict[str, Any]:
    """Call another service; its 4xx answers become ours, anything else is a 502."""
    try:
        status, answer = call(method, base + path, body)
    except Unreachable as error:
        log.warning("%s unreachable: %s", service, error)
        raise HttpError(502, f"{service} unavailable, please try again") from None
    if 400 <= status < 500:
        raise HttpError(status, answer.get("error", f"{service} refused the request"))
    if not 200 <= status < 300:
        log.warning("%s answered %d for %s %s", service, status, method, path)
        raise HttpError(502, f"{service} unavailable, please try again")
    return answer


def price_basket(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise HttpError(400, "expected a JSON object with items")
    basket = {"items": body.get("items")}
    if body.get("coupon") is not None:
        basket["coupon"] = body["coupon"]
    return ask("pricing", "POST", PRICING_URL, "/quote", basket)


def place_order(body: Any) -> dict[str, Any]:
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or "@" not in email:
        raise HttpError(400, "an order needs the customer's email")
    quote = price_basket(body)
    reservation = ask("catalog", "POST", CATALOG_URL, "/reservations",
                      {"items": [{"sku": line["sku"], "qty": line["qty"]} for line in quote["lines"]]})
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with closing(connect()) as db, db:
        cursor = db.execute(
            "INSERT INTO orders (email, coupon, lines, subtotal, discount, vat, total, currency, reservation,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (email, quote["coupon"], json.dumps(quote["lines"]), quote["subtotal"], quote["discount"], quote["vat"],
             quote["total"], quote["currency"], reservation["id"], created))
        order_id = cursor.lastrowid
    log.info("order %d placed: %s %s, reservation %s", order_id, quote["total"], quote["currency"], reservation["id"])
    return get_order(order_id)


def deep_health() -> dict[str, Any]:
    """Checks the calls checkout makes without reserving or storing anything."""
    ask("pricing", "POST", PRICING_URL, "/quote", {"items": [{"sku": HEALTH_SKU, "qty": 1}]})
    ask("catalog", "GET", CATALOG_URL, f"/products/{HEALTH_SKU}", None)
    return {"ok": True, "pricing": "ok", "catalog": "ok"}


def get_order(order_id: int) -> dict[str, Any]:
    with closing(connect()) as db:
        row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        raise HttpError(404, f"no order {order_id}")
    return order_view(row)


def list_orders(email: str) -> list[dict[str, Any]]:
    with closing(connect()) as db:
        rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM orders WHERE email = ? ORDER BY id DESC",
                          (email,)).fetchall()
    return [order_view(row) for row in rows]


class Handler(JsonHandler):
    server_version = "checkout/1.0"
    log = log

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, dict]:
        parts = [p for p in path.split("/") if p]
        if method == "GET" and parts == ["healthz"]:
            return 200, deep_health() if query.get("deep") == ["1"] else {"ok": True}
        if method == "POST" and parts == ["basket"]:
            return 200, price_basket(body)
        if method == "POST" and parts == ["orders"]:
            return 201, place_order(body)
        if method == "GET" and parts == ["orders"]:
            email = (query.get("email") or [""])[0]
            if not email:
                raise HttpError(400, "give ?email= to list a customer's orders")
            return 200, {"orders": list_orders(email)}
        if method == "GET" and len(parts) == 2 and parts[0] == "orders":
            if not parts[1].isdigit():
                raise HttpError(404, f"no order {parts[1]!r}")
            return 200, get_order(int(parts[1]))
        raise HttpError(404, "not found")


if __name__ == "__main__":
    CATALOG_URL = service_url("CATALOG_URL")
    PRICING_URL = service_url("PRICING_URL")
    ORDERS_DB = Path(os.environ.get("ORDERS_DB") or ORDERS_DB)
    init_db()
    serve("checkout", Handler)
