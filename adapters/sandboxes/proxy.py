"""The routing proxy in front of one service: requests carrying a sandbox's routing key reach that sandbox's fork,
every other request reaches the shared baseline.

    python -m greenloop.adapters.sandboxes.proxy --service NAME --port PORT --baseline URL --routes ROUTES_JSON \
        --log LOGFILE [--capture-dir DIR] [--host 127.0.0.1]

ROUTES_JSON maps routing keys to fork base URLs. Other greenloop processes rewrite it (`baggage.write_routes`) while
the proxy runs; the route is chosen per request from the file as it is now, never per connection, so a keep-alive
client never stays on a stale route. Each request leaves one line in LOGFILE, in the `logfile` format, so a
sandbox's logs can include the baseline's hops of its own requests:

    <service> <METHOD> <path> key=<key|-> -> <fork:<key>|baseline> <status> <ms>ms[ <what went wrong>]

Every answer carries `x-greenloop-route: fork:<key>|baseline`, which readiness probes check; an unreachable upstream
is a 502 naming it. `GET /__greenloop/health` answers `{"service": NAME}` without touching any upstream.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from greenloop.adapters.sandboxes.baggage import RouteTable, routing_key
from greenloop.adapters.sandboxes.capture import BODY_LIMIT, BodyTap, Exchange, append_capture
from greenloop.adapters.sandboxes.logfile import stamp
from greenloop.loop.redact import redact, secret_values

ROUTE_HEADER = "x-greenloop-route"
HEALTH_PATH = "/__greenloop/health"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 300.0
"""Seconds an upstream may stay silent mid-exchange: long, since a test may wait on a slow endpoint on purpose."""
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"})
_NOT_FORWARDED = frozenset({"host", "expect"})
"""Host names the upstream instead; the proxy's own server has already answered `Expect: 100-continue`."""
_NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
"""Headers aiohttp's client adds when the caller sent none; the upstream must see only what the caller sent."""


class Proxy:
    """One service's routing proxy: route table, upstream client, hop log and capture."""

    def __init__(self, service: str, baseline: str, routes: Path, log: Path, capture_dir: Path | None = None):
        self.service = service
        self.baseline = baseline
        self.routes = RouteTable(Path(routes), self.note)
        self.log_path = Path(log)
        self.capture_dir = None if capture_dir is None else Path(capture_dir)
        self.secrets = secret_values()
        self._log: IO[str] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: the log and the client session live exactly as long as the server."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.capture_dir:
            self.capture_dir.mkdir(parents=True, exist_ok=True)
        connector = aiohttp.TCPConnector(limit=0)  # as many upstream connections as callers: queue nobody
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT)
        with self.log_path.open("a", encoding="utf-8") as self._log:
            # No cookie jar (callers' cookies are theirs), no decompression (bodies pass as sent).
            async with aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False,
                                             cookie_jar=aiohttp.DummyCookieJar(),
                                             skip_auto_headers=_NO_AUTO_HEADERS) as self._session:
                self.note(f"{self.service} proxy up: baseline {self.baseline}, routes {self.routes.path}")
                yield

    def note(self, text: str) -> None:
        """One line in the log; a plain append and flush, short enough not to hold up the event loop."""
        assert self._log is not None
        self._log.write(stamp(redact(text.replace("\n", " "), self.secrets)))
        self._log.flush()

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"service": self.service})

    async def forward(self, request: web.Request) -> web.StreamResponse:
        key = routing_key(request.headers.getall("baggage", ()))
        routes = self.routes.current()
        route, upstream = (f"fork:{key}", routes[key]) if key in routes else ("baseline", self.baseline)
        kept = BODY_LIMIT if key is not None and self.capture_dir is not None else 0  # bodies only for captures
        exchange = Exchange(self.service, request.method, request.rel_url.raw_path_qs, key, route, upstream,
                            list(request.headers.items()), request_body=BodyTap(kept), response_body=BodyTap(kept))
        problem = ""
        try:
            return await self._relay(request, exchange)
        except _Unreachable as error:
            problem = f"{route} {upstream} unreachable: {error}"
            response = web.json_response({"error": f"greenloop proxy for {self.service}: {problem}"}, status=502,
                                         headers={ROUTE_HEADER: route})
            exchange.status, exchange.response_headers = 502, list(response.headers.items())
            exchange.response_body.add(response.body)
            return response
        except _CutShort as error:
            problem = f"response cut short: {error}"
            if request.transport is not None:
                request.transport.close()  # the caller sees a truncated body, never a complete-looking one
            return web.StreamResponse()  # the connection is gone: aiohttp drops this quietly
        finally:
            if not exchange.recorded:
                self._record(exchange, problem)

    async def _relay(self, request: web.Request, exchange: Exchange) -> web.StreamResponse:
        url = URL(exchange.upstream.rstrip("/") + exchange.path, encoded=True)  # path and query byte for byte
        body = _stream(request, exchange.request_body) if request.body_exists else None
        assert self._session is not None
        try:
            upstream = await self._session.request(request.method, url, data=body, allow_redirects=False,
                                                   headers=_end_to_end(request.headers, _NOT_FORWARDED))
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _Unreachable(_reason(error)) from error
        async with upstream:
            exchange.status, exchange.response_headers = upstream.status, list(upstream.headers.items())
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason,
                                          headers=_end_to_end(upstream.headers))
            response.headers[ROUTE_HEADER] = exchange.route
            try:
                await response.prepare(request)
                # Each chunk goes out when the next arrives, the last one after the hop is recorded: whoever
                # holds a whole response finds its hop in the log.
                held = b""
                async for chunk in upstream.content.iter_any():
                    exchange.response_body.add(chunk)
                    if held:
                        await response.write(held)
                    held = chunk
                self._record(exchange)
                await response.write(held)
                await response.write_eof()
            except (aiohttp.ClientError, TimeoutError, ConnectionError) as error:
                raise _CutShort(_reason(error)) from error
        return response

    def _record(self, exchange: Exchange, problem: str = "") -> None:
        exchange.recorded = True
        exchange.duration_ms = (time.perf_counter() - exchange.clock) * 1000
        path = exchange.path.partition("?")[0]  # queries can carry credentials that redact() does not know
        self.note(f"{self.service} {exchange.method} {path} key={exchange.key or '-'} -> {exchange.route} "
                  f"{exchange.status} {exchange.duration_ms:.1f}ms" + (f" {problem}" if problem else ""))
        if exchange.key is not None and self.capture_dir is not None:
            try:
                append_capture(self.capture_dir, exchange, self.secrets)
            except OSError as error:  # the sandbox's folder went away with it; the request itself was served
                self.note(f"{self.service} capture for key={exchange.key} failed: {error}")


class _Unreachable(Exception):
    """No answer from the upstream: nothing has been sent to the caller yet."""


class _CutShort(Exception):
    """The exchange broke after the response started: its status is already on the wire."""


async def _stream(request: web.Request, tap: BodyTap) -> AsyncIterator[bytes]:
    """The request body as it arrives, never held whole in memory."""
    async for chunk in request.content.iter_any():
        tap.add(chunk)
        yield chunk


def _end_to_end(headers: CIMultiDictProxy[str], also_drop: frozenset[str] = frozenset()) -> CIMultiDict[str]:
    """The headers meant for the far end: without hop-by-hop ones, including those `Connection` names."""
    named = {token.strip().lower() for value in headers.getall("Connection", ()) for token in value.split(",")}
    return CIMultiDict((name, value) for name, value in headers.items()
                       if not ((lower := name.lower()) in _HOP_BY_HOP or lower.startswith("proxy-")
                               or lower in named or lower in also_drop))


def _reason(error: BaseException) -> str:
    if isinstance(error, aiohttp.ClientConnectorError):  # "Connection refused" rather than asyncio's wording
        code = error.os_error.errno
        return os.strerror(code) if isinstance(code, int) and code > 0 else str(error.os_error)
    return str(error) or type(error).__name__


def build_app(service: str, baseline: str, routes: Path, log: Path, capture_dir: Path | None = None) -> web.Application:
    proxy = Proxy(service, baseline, routes, log, capture_dir)
    app = web.Application()
    app.cleanup_ctx.append(proxy.lifecycle)
    app.router.add_get(HEALTH_PATH, proxy.health)
    app.router.add_route("*", "/{tail:.*}", proxy.forward)
    return app


async def serve(service: str, port: int, baseline: str, routes: Path, log: Path, capture_dir: Path | None = None,
                host: str = "127.0.0.1") -> web.AppRunner:
    """The proxy, listening (port 0: any free port, see `runner.addresses`); stop it with `runner.cleanup()`."""
    runner = web.AppRunner(build_app(service, baseline, routes, log, capture_dir), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


async def _run(args: argparse.Namespace) -> None:
    runner = await serve(args.service, args.port, args.baseline, args.routes, args.log, args.capture_dir, args.host)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m greenloop.adapters.sandboxes.proxy",
                                     description="Route one service's requests by their baggage routing key.")
    parser.add_argument("--service", required=True, help="the service's name, in log lines and errors")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--baseline", required=True, help="base URL of the shared baseline service")
    parser.add_argument("--routes", type=Path, required=True, help="JSON object: routing key → fork base URL")
    parser.add_argument("--log", type=Path, required=True, help="hop log, one timestamped line per request")
    parser.add_argument("--capture-dir", type=Path, help="record keyed exchanges as <dir>/<key>.jsonl")
    asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
