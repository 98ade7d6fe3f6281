"""Tax quotes: GET /quote?amount=100.00&kind=book -> {"net", "rate", "tax", "total"}."""

from __future__ import annotations

import json
import logging
import os
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

log = logging.getLogger("tax")

RATES = {
    "standard": Decimal("0.19"),
    "food": Decimal("0.07"),
    "book": Decimal("0.19"),
}
CENT = Decimal("0.01")


def quote(amount: str, kind: str) -> dict[str, str]:
    net = Decimal(amount)
    rate = RATES[kind]
    tax = (net * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    log.info("quote amount=%s kind=%s rate=%s", amount, kind, rate)
    return {"net": str(net), "rate": str(rate), "tax": str(tax), "total": str(net + tax)}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/healthz":
            return self._send(200, {"ok": True})
        if url.path != "/quote":
            return self._send(404, {"error": "not found"})
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if query.get("kind", "standard") not in RATES:
            return self._send(400, {"error": f"unknown kind {query.get('kind')!r}"})
        return self._send(200, quote(query.get("amount", "0"), query.get("kind", "standard")))

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        log.info(format, *args)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    port = int(os.environ["PORT"])
    log.info("tax service on port %d (payment token %s)", port, os.environ.get("PAYMENT_TOKEN", "-"))
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
