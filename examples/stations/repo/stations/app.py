"""stations: the station registry.

GET /healthz          -> 200 {"ok": true}
GET /stations         -> 200 {"stations": ["ALD", ...]}
GET /stations/<code>  -> 200 {"code", "name", "zone"} | 404

Fare zones: most stations sit in one zone. Stations on a zone boundary list
every zone they touch under "zones"; for fares a boundary station counts as the
lowest of its zones.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("stations")

STATIONS: dict[str, dict] = {
    "ALD": {"name": "Alder Street", "zone": 1},
    "CEN": {"name": "Central", "zone": 1},
    "BRK": {"name": "Brook Park", "zone": 2},
    "KGX": {"name": "Kingsgate Cross", "zones": [1, 2]},
    "HIL": {"name": "Hillcrest", "zone": 3},
    "MAR": {"name": "Marsh Lane", "zone": 3},
}


class NotFound(Exception):
    pass


def station_view(code: str) -> dict:
    record = STATIONS.get(code.upper())
    if record is None:
        raise NotFound(f"no station {code!r}")
    return {"code": code.upper(), "name": record["name"], "zone": record["zone"]}


class Handler(BaseHTTPRequestHandler):
    server_version = "stations/1.0"

    def do_GET(self) -> None:  # noqa: N802
        started = time.monotonic()
        status = 500
        try:
            status, body = self.route(self.path.split("?", 1)[0])
        except Exception as error:  # noqa: BLE001 - never leak internals to callers
            log.error("GET %s failed: %s: %s", self.path, type(error).__name__, error, exc_info=True)
            status, body = 500, {"error": "internal error"}
        self.reply(status, body)
        log.info("GET %s %d %.1fms", self.path, status, (time.monotonic() - started) * 1000)

    def route(self, path: str) -> tuple[int, dict]:
        parts = [p for p in path.split("/") if p]
        if parts == ["healthz"]:
            return 200, {"ok": True}
        if parts == ["stations"]:
            return 200, {"stations": sorted(STATIONS)}
        if len(parts) == 2 and parts[0] == "stations":
            try:
                return 200, station_view(parts[1])
            except NotFound as error:
                log.warning("GET %s: %s", path, error)
                return 404, {"error": str(error)}
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
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    port = int(os.environ["PORT"])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    log.info("listening on 127.0.0.1:%d", port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
