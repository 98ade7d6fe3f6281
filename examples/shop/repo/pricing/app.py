"""pricing: prices, coupons and VAT for a basket; asks catalog (CATALOG_URL) what each product is.

GET  /healthz          -> 200 {"ok": true}
GET  /prices/<sku>     -> 200 {"sku", "unit_price", "currency"} | 404
POST /quote            {"items": [{"sku", "qty"}, ...], "coupon": "SPRING25" (optional)}
                       -> 200 {"lines": [...], "coupon", "subtotal", "discount", "vat", "total", "currency"}
                          400 invalid basket or unknown coupon, 404 unknown product, 502 catalog failed

Amounts are decimal strings in EUR. Prices are net. A coupon takes a percentage off every line
whose product is in one of its categories; VAT (by category) is then added to each line's
discounted amount. Every amount is rounded half-up to the cent, per line.
"""

from __future__ import annotations

import logging
import urllib.parse
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from shop_common import HttpError, JsonHandler, Unreachable, call, serve, service_url

log = logging.getLogger("pricing")

CATALOG_URL = ""
CURRENCY = "EUR"
CENT = Decimal("0.01")
RATES = Context(prec=4, rounding=ROUND_HALF_UP)
"""For rates (VAT, coupon percentages) as fractions: 0.07, 0.19, 0.25, 0.125; four digits are plenty."""

PRICES: dict[str, str] = {
    "BEAN-HOUSE": "24.00",
    "BEAN-ETHIOPIA": "14.50",
    "MUG-STONE": "9.90",
    "FILTER-100": "4.20",
    "GRINDER-HAND": "79.00",
    "ESPRESSO-PRO": "449.00",
}
VAT_PERCENT: dict[str, str] = {"coffee": "7", "kitchen": "19", "equipment": "19"}
COUPONS: dict[str, dict[str, Any]] = {
    # The spring promotion: 25 % off grinders and machines.
    "SPRING25": {"percent_off": "25", "categories": ["equipment"]},
    "WELCOME10": {"percent_off": "10", "categories": ["coffee", "kitchen", "equipment"]},
}


def rate(percent: str) -> Decimal:
    """A percentage as a fraction: "25" -> 0.25."""
    return RATES.divide(Decimal(percent), 100)


def percent_off(amount: Decimal, percent: str) -> Decimal:
    """The discount of `percent` % on `amount`, to the cent."""
    return RATES.multiply(amount, rate(percent)).quantize(CENT, context=RATES)


def vat_on(amount: Decimal, category: str) -> Decimal:
    return (amount * rate(VAT_PERCENT[category])).quantize(CENT, rounding=ROUND_HALF_UP)


def fetch_product(sku: str) -> dict[str, Any]:
    try:
        status, body = call("GET", f"{CATALOG_URL}/products/{urllib.parse.quote(sku)}")
    except Unreachable as error:
        log.warning("catalog unreachable: %s", error)
        raise HttpError(502, "catalog unavailable") from None
    if status == 404:
        raise HttpError(404, f"unknown product {sku!r}")
    if status != 200:
        log.warning("catalog answered %d for GET /products/%s", status, sku)
        raise HttpError(502, "catalog unavailable")
    return body


def parse_basket(body: Any) -> tuple[list[dict[str, Any]], str | None]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise HttpError(400, "items must be a non-empty list of {sku, qty}")
    for item in items:
        sku = item.get("sku") if isinstance(item, dict) else None
        qty = item.get("qty") if isinstance(item, dict) else None
        if not isinstance(sku, str) or not sku or type(qty) is not int or not 1 <= qty <= 99:
            raise HttpError(400, f"invalid item {item!r}: needs a sku and a qty from 1 to 99")
    coupon = body.get("coupon")
    if coupon is not None:
        if not isinstance(coupon, str) or coupon.strip().upper() not in COUPONS:
            raise HttpError(400, f"unknown coupon {coupon!r}")
        coupon = coupon.strip().upper()
    return [{"sku": i["sku"].upper(), "qty": i["qty"]} for i in items], coupon


def price_line(item: dict[str, Any], coupon: str | None) -> dict[str, Any]:
    product = fetch_product(item["sku"])
    if product["sku"] not in PRICES:
        raise HttpError(404, f"{product['sku']} has no price")
    unit = Decimal(PRICES[product["sku"]])
    subtotal = unit * item["qty"]
    discount = Decimal("0.00")
    if coupon and product["category"] in COUPONS[coupon]["categories"]:
        discount = percent_off(subtotal, COUPONS[coupon]["percent_off"])
    net = subtotal - discount
    vat = vat_on(net, product["category"])
    return {"sku": product["sku"], "name": product["name"], "qty": item["qty"], "unit_price": str(unit),
            "subtotal": str(subtotal), "discount": str(discount), "vat": str(vat), "total": str(net + vat)}


def quote(items: list[dict[str, Any]], coupon: str | None) -> dict[str, Any]:
    lines = []
    for item in items:
        try:
            lines.append(price_line(item, coupon))
        except HttpError:
            raise
        except Exception as error:  # noqa: BLE001 - log the line being priced; callers get a plain 500
            log.error("quote failed on %s x%d (coupon %s): %s: %s",
                      item["sku"], item["qty"], coupon, type(error).__name__, error, exc_info=True)
            raise HttpError(500, "internal error") from None
    totals = {key: str(sum((Decimal(line[key]) for line in lines), Decimal("0.00")))
              for key in ("subtotal", "discount", "vat", "total")}
    return {"lines": lines, "coupon": coupon, **totals, "currency": CURRENCY}


class Handler(JsonHandler):
    server_version = "pricing/1.0"
    log = log

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, dict]:
        parts = [p for p in path.split("/") if p]
        if method == "GET" and parts == ["healthz"]:
            return 200, {"ok": True}
        if method == "GET" and len(parts) == 2 and parts[0] == "prices":
            sku = parts[1].upper()
            if sku not in PRICES:
                raise HttpError(404, f"no price for {parts[1]!r}")
            return 200, {"sku": sku, "unit_price": PRICES[sku], "currency": CURRENCY}
        if method == "POST" and parts == ["quote"]:
            return 200, quote(*parse_basket(body))
        raise HttpError(404, "not found")


if __name__ == "__main__":
    CATALOG_URL = service_url("CATALOG_URL")
    serve("pricing", Handler)
