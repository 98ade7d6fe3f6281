"""trips: fare quotes, built on the stations service (STATIONS_URL).

GET /healthz                       -> 200 {"ok": true}
GET /quote?from=<code>&to=<code>   -> 200 {"from", "to", "zones_crossed", "fare_cents"}
                                      400 missing parameter, 404 unknown station,
                                      502 the stations service failed

fare = 250 cents + 100 cents for every zone boundary crossed.
The incoming `baggage` header (W3C Baggage) is forwarded on every call to stations.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("trips")

BASE_FARE_CENTS = 250
PER_ZONE_CENTS = 100
STATIONS_URL = ""
BAGGAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("baggage", default=None)


class UpstreamError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def fetch_station(code: str) -> dict:
    url = f"{STATIONS_URL}/stations/{urllib.parse.quote(code)}"
    baggage = BAGGAGE.get()
    request = urllib.request.Request(url, headers={"baggage": baggage} if baggage else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise UpstreamError(404, f"unknown station {code!r}") from None
        log.warning("stations answered %d for GET /stations/%s", error.code, code)
        raise UpstreamError(502, "upstream error") from None
    except (urllib.error.URLError, TimeoutError) as error:
        log.warning("stations unreachable for GET /stations/%s: %s", code, error)
        raise UpstreamError(502, "upstream error") from None


def quote(origin: str, destination: str) -> dict:
    a, b = fetch_station(origin), fetch_station(destination)
    crossed = abs(a["zone"] - b["zone"])
    return {
        "from": a["code"],
        "to": b["code"],
        "zones_crossed": crossed,
        "fare_cents": BASE_FARE_CENTS + PER_ZONE_CENTS * crossed,
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "trips/1.0"

    def do_GET(self) -> None:  # noqa: N802
        started = time.monotonic()
        baggage = self.headers.get_all("baggage")
        token = BAGGAGE.set(",".join(baggage) if baggage else None)
        try:
            status, body = self.route()
        except UpstreamError as error:
            status, body = error.status, {"error": str(error)}
        except Exception as error:  # noqa: BLE001
            log.error("GET %s failed: %s: %s", self.path, type(error).__name__, error, exc_info=True)
            status, body = 500, {"error": "internal error"}
        finally:
            BAGGAGE.reset(token)
        self.reply(status, body)
        log.info("GET %s %d %.1fms", self.path, status, (time.monotonic() - started) * 1000)

    def route(self) -> tuple[int, dict]:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/healthz":
            return 200, {"ok": True}
        if url.path == "/quote":
            query = urllib.parse.parse_qs(url.query)
            missing = [k for k in ("from", "to") if not query.get(k)]
            if missing:
                return 400, {"error": f"missing parameter(s): {', '.join(missing)}"}
            return 200, quote(query["from"][0], query["to"][0])
        return 404, {"error": "not found"}

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # requests are logged through `logging` in do_GET


def main() -> None:
    global STATIONS_URL
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    STATIONS_URL = os.environ.get("STATIONS_URL", "").rstrip("/")
    if not STATIONS_URL:
        log.error("STATIONS_URL is not set")
        sys.exit(2)
    port = int(os.environ["PORT"])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    log.info("listening on 127.0.0.1:%d (stations at %s)", port, STATIONS_URL)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
