"""JSON over HTTP for the shop services (stdlib only).

- `JsonHandler`: subclass it and implement `route(method, path, query, body) -> (status, body)`;
  raise `HttpError` for 4xx answers. Anything else that escapes is logged with its traceback
  and answered `500 {"error": "internal error"}` (callers never see internals).
- `call(method, url, body)`: an outbound request. While a request is being served, its
  `baggage` header is forwarded unchanged on every call (W3C Baggage).
- `serve(name, handler)`: logging to stderr, PORT from the environment, bound to 127.0.0.1.
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
from typing import Any

BAGGAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("baggage", default=None)
"""The `baggage` header of the request being served (None outside a request or when absent)."""

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # service to service: never via a proxy


class HttpError(Exception):
    """An answer other than 2xx, with a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Unreachable(Exception):
    """The other service did not answer at all (refused, timed out)."""


def call(method: str, url: str, body: Any = None, timeout: float = 5) -> tuple[int, dict]:
    """(status, JSON body) of a request to another service; raises `Unreachable` if there is no answer."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    baggage = BAGGAGE.get()
    if baggage is not None:
        headers["baggage"] = baggage
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, _json(error.read())
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise Unreachable(f"{method} {url}: {getattr(error, 'reason', error)}") from None


def _json(data: bytes) -> dict:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {"value": value}


def service_url(env: str) -> str:
    """Another service's base URL from the environment; exits if it is not set."""
    url = os.environ.get(env, "").rstrip("/")
    if not url:
        logging.getLogger("shop").error("%s is not set", env)
        sys.exit(2)
    return url


class JsonHandler(BaseHTTPRequestHandler):
    log: logging.Logger = logging.getLogger("shop")

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, dict]:
        raise NotImplementedError

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def _serve(self, method: str) -> None:
        started = time.monotonic()
        baggage = self.headers.get_all("baggage")
        token = BAGGAGE.set(",".join(baggage) if baggage else None)
        try:
            url = urllib.parse.urlsplit(self.path)
            try:
                status, body = self.route(method, url.path, urllib.parse.parse_qs(url.query), self._body())
            except HttpError as error:
                status, body = error.status, {"error": str(error)}
            except Exception as error:  # noqa: BLE001 - never leak internals to callers
                self.log.error("%s %s failed: %s: %s", method, self.path, type(error).__name__, error, exc_info=True)
                status, body = 500, {"error": "internal error"}
            self._reply(status, body)
        finally:
            BAGGAGE.reset(token)
        self.log.info("%s %s %d %.1fms", method, self.path, status, (time.monotonic() - started) * 1000)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        try:
            return json.loads(self.rfile.read(length))
        except ValueError:
            raise HttpError(400, "request body is not valid JSON") from None

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # requests are logged through `logging` in _serve


def serve(name: str, handler: type[JsonHandler]) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    port = int(os.environ["PORT"])
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    logging.getLogger(name).info("listening on 127.0.0.1:%d", port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
