"""JSON over HTTP for the chain services (stdlib only).

- `serve(name, route)`: answers GET requests with `route(path, query) -> (status, body)`, on 127.0.0.1 and the
  port in PORT. `HttpError` becomes its status and `{"error": message}`; anything else that escapes is logged
  with its traceback and answered `500 {"error": "internal error"}`. One log line per request on stderr, with the
  `baggage` header it came with (`-` when none).
- `get_json(url)`: a GET to another service. While a request is being served, its `baggage` header is
  forwarded unchanged (W3C Baggage).
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
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BAGGAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("baggage", default=None)
"""The `baggage` header of the request being served (None outside a request or when absent)."""

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # service to service: never via a proxy

Route = Callable[[str, dict[str, list[str]]], tuple[int, dict]]


class HttpError(Exception):
    """An answer other than 2xx, with a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def get_json(url: str, timeout: float = 5) -> dict:
    """The JSON body of a 2xx answer to GET `url`. A 4xx answer raises `HttpError` with its status and message;
    a 5xx answer, or none at all, raises `HttpError(502)`."""
    headers = {"Accept": "application/json"}
    baggage = BAGGAGE.get()
    if baggage is not None:
        headers["baggage"] = baggage
    return _get(urllib.request.Request(url, headers=headers), timeout)


def _get(request: urllib.request.Request, timeout: float) -> dict:
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        with error:
            body = _json(error.read())
        if 400 <= error.code < 500:
            raise HttpError(error.code, body.get("error", f"GET {request.full_url} answered {error.code}")) from None
        logging.getLogger("chain").warning("GET %s answered %d", request.full_url, error.code)
        raise HttpError(502, "upstream error") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        logging.getLogger("chain").warning("GET %s: no answer: %s", request.full_url, getattr(error, "reason", error))
        raise HttpError(502, "upstream unavailable") from None


def _json(data: bytes) -> dict:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def service_url(env: str) -> str:
    """Another service's base URL from the environment; exits if it is not set."""
    url = os.environ.get(env, "").rstrip("/")
    if not url:
        logging.getLogger("chain").error("%s is not set", env)
        sys.exit(2)
    return url


def serve(name: str, route: Route) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger(name)

    class Handler(BaseHTTPRequestHandler):
        server_version = f"{name}/1.0"

        def do_GET(self) -> None:  # noqa: N802
            started = time.monotonic()
            baggage = self.headers.get_all("baggage")
            token = BAGGAGE.set(",".join(baggage) if baggage else None)
            try:
                url = urllib.parse.urlsplit(self.path)
                try:
                    status, body = route(url.path, urllib.parse.parse_qs(url.query))
                except HttpError as error:
                    status, body = error.status, {"error": str(error)}
                except Exception as error:  # noqa: BLE001 - never leak internals to callers
                    log.error("GET %s failed: %s: %s", self.path, type(error).__name__, error, exc_info=True)
                    status, body = 500, {"error": "internal error"}
            finally:
                BAGGAGE.reset(token)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            log.info("GET %s %d %.1fms baggage=%s", self.path, status, (time.monotonic() - started) * 1000,
                     ",".join(baggage) if baggage else "-")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # one line per request, logged above

    port = int(os.environ["PORT"])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    log.info("listening on 127.0.0.1:%d", port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
