"""The routing proxy in front of one service: requests carrying a sandbox's routing key reach that sandbox's fork,
every other request reaches the shared baseline.

    python -m greenloop.adapters.sandboxes.proxy --service NAME --port PORT --baseline URL --routes ROUTES_JSON \
        --log LOGFILE [--capture-dir DIR] [--host 127.0.0.1] [--secrets-on-stdin] [--refuse-keyed-writes]

With --secrets-on-stdin, the proxy first reads stdin to its end: a JSON list of {NAME: value} objects, the env the
config gives each service; values named like secrets (`redact.SECRET_NAME`) are masked in the log and captures,
since a service may echo what it was given. They come on stdin so that they are written to no file.

ROUTES_JSON maps routing keys to fork base URLs. Other greenloop processes rewrite it (`baggage.write_routes`) while
the proxy runs; the route is chosen per request from the file as it is now, never per connection, so a keep-alive
client never stays on a stale route. Each request leaves one line in LOGFILE, in the `logfile` format, so a
sandbox's logs can include the baseline's hops of its own requests:

    <service> <METHOD> <path> key=<key|-> -> <fork:<key>|baseline> <status> <ms>ms[ <what went wrong>]

Every answer carries `x-greenloop-route: fork:<key>|baseline`, which readiness probes check; an unreachable upstream
is a 502 naming it. `GET /__greenloop/health` answers `{"service": NAME}` without touching any upstream.

The ingress puts a sandbox's key on requests from callers that know nothing of keys (the sandbox's tests): one
process per sandbox, one listener per service, each forwarding every request to that service's routing proxy.

    python -m greenloop.adapters.sandboxes.proxy ingress --key KEY --listen NAME=PORT=PROXY_URL [--listen ...] \
        --log LOGFILE [--host 127.0.0.1]

(`ingress_command` builds this argv.) The member `greenloop-routing-key=KEY` is appended to the request's `baggage`
(`baggage.with_routing_key`: other members stay as sent; a request that already names a routing key keeps it).
Each request leaves one line in LOGFILE, `<NAME> <METHOD> <path> key=<key|-> -> <PROXY_URL> <status> <ms>ms`; the
answer passes back as the routing proxy gave it, `x-greenloop-route` included, and an unreachable routing proxy is
a 502 without that header. The ingress captures nothing: the routing proxies behind it do. Each listener's
`GET /__greenloop/health` answers `{"service": NAME, "key": KEY}`. All listeners share one event loop; SIGTERM or
SIGINT stops both kinds of process cleanly (exit status 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from greenloop.adapters.sandboxes.baggage import (HEALTH_PATH, REFUSED, ROUTE_HEADER, RouteTable, baggage_member,
                                                  routing_key, with_routing_key)
from greenloop.adapters.sandboxes.capture import BODY_LIMIT, BodyTap, Exchange, append_capture
from greenloop.adapters.sandboxes.logfile import stamp
from greenloop.loop.redact import redact, secret_values, treat_as_secret

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 300.0
"""Seconds an upstream may stay silent mid-exchange: long, since a test may wait on a slow endpoint on purpose."""
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"})
_NOT_FORWARDED = frozenset({"host", "expect"})
"""Host names the upstream instead; the proxy's own server has already answered `Expect: 100-continue`."""
_NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
"""Headers aiohttp's client adds when the caller sent none; the upstream must see only what the caller sent."""


class Proxy:
    """One listener's forwarding path: upstream client, hop log and capture. Subclasses choose each request's hop."""

    kind = "proxy"
    """In the startup line and in 502 errors."""
    marks_route = True
    """Whether answers carry `x-greenloop-route` (set here, not passed on from the upstream)."""

    def __init__(self, service: str, log: Path, capture_dir: Path | None = None):
        self.service = service
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
                self.note(f"{self.service} {self.kind} up: {self.setup()}")
                yield

    def setup(self) -> str:
        """Where this listener forwards, for the startup line."""
        raise NotImplementedError

    def hop(self, request: web.Request, headers: CIMultiDict[str]) -> tuple[str | None, str, str]:
        """The request's routing key, its route (logged after `->`) and the upstream base URL. May rewrite `headers`,
        the end-to-end headers about to be forwarded."""
        raise NotImplementedError

    def note(self, text: str) -> None:
        """One line in the log; a plain append and flush, short enough not to hold up the event loop."""
        assert self._log is not None
        self._log.write(stamp(redact(text.replace("\n", " "), self.secrets)))
        self._log.flush()

    def health_answer(self) -> dict[str, str]:
        return {"service": self.service}

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response(self.health_answer())

    async def forward(self, request: web.Request) -> web.StreamResponse:
        headers = _end_to_end(request.headers, _NOT_FORWARDED)
        key, route, upstream = self.hop(request, headers)
        if route == REFUSED:
            return self._refuse(request, key)
        kept = BODY_LIMIT if key is not None and self.capture_dir is not None else 0  # bodies only for captures
        exchange = Exchange(self.service, request.method, request.rel_url.raw_path_qs, key, route, upstream,
                            list(request.headers.items()), request_body=BodyTap(kept), response_body=BodyTap(kept))
        problem = ""
        try:
            return await self._relay(request, headers, exchange)
        except _Unreachable as error:
            problem = f"{route if route == upstream else f'{route} {upstream}'} unreachable: {error}"
            response = web.json_response({"error": f"greenloop {self.kind} for {self.service}: {problem}"},
                                         status=502, headers={ROUTE_HEADER: route} if self.marks_route else None)
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

    def _refuse(self, request: web.Request, key: str | None) -> web.Response:
        """A sandbox's write that would change the shared baseline's state, which every other sandbox and the
        judged runs rely on: answered here, never forwarded, and logged among the sandbox's own lines."""
        path = request.rel_url.raw_path_qs.partition("?")[0]
        problem = (f"keyed {request.method} {path} refused: it would reach the shared baseline of {self.service!r}, "
                   f"whose config does not say it keeps no state (set stateful = true or false in greenloop.toml)")
        self.note(f"{self.service} {request.method} {path} key={key or '-'} -> {REFUSED} 403 0.0ms {problem}")
        return web.json_response({"error": f"greenloop {self.kind} for {self.service}: {problem}"}, status=403,
                                 headers={ROUTE_HEADER: REFUSED})

    async def _relay(self, request: web.Request, headers: CIMultiDict[str], exchange: Exchange) -> web.StreamResponse:
        url = URL(exchange.upstream.rstrip("/") + exchange.path, encoded=True)  # path and query byte for byte
        body = _stream(request, exchange.request_body) if request.body_exists else None
        assert self._session is not None
        try:
            upstream = await self._session.request(request.method, url, data=body, allow_redirects=False,
                                                   headers=headers)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _Unreachable(_reason(error)) from error
        async with upstream:
            exchange.status, exchange.response_headers = upstream.status, list(upstream.headers.items())
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason,
                                          headers=_end_to_end(upstream.headers))
            if self.marks_route:
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


class RoutingProxy(Proxy):
    """One service's routing proxy: a keyed request goes to its key's fork when the route table names one."""

    def __init__(self, service: str, baseline: str, routes: Path, log: Path, capture_dir: Path | None = None,
                 refuse_keyed_writes: bool = False):
        super().__init__(service, log, capture_dir)
        self.baseline = baseline
        self.routes = RouteTable(Path(routes), self.note)
        self.refuse_keyed_writes = refuse_keyed_writes
        """A keyed request other than GET, HEAD, OPTIONS or TRACE with no fork to go to is refused (403), not
        passed to the baseline: set for every service not declared `stateful = false`."""

    def setup(self) -> str:
        return f"baseline {self.baseline}, routes {self.routes.path}"

    def hop(self, request: web.Request, headers: CIMultiDict[str]) -> tuple[str | None, str, str]:
        key = routing_key(request.headers.getall("baggage", ()))
        routes = self.routes.current()
        if key in routes:
            return key, f"fork:{key}", routes[key]
        if key is not None and self.refuse_keyed_writes and request.method not in SAFE_METHODS:
            return key, REFUSED, ""
        return key, "baseline", self.baseline


class Ingress(Proxy):
    """One service's listener in a sandbox's ingress: every request to `upstream` (the service's routing proxy),
    carrying the sandbox's routing key unless it already names one. Captures nothing."""

    kind = "ingress"
    marks_route = False  # the routing proxy behind says where the request went

    def __init__(self, service: str, key: str, upstream: str, log: Path):
        super().__init__(service, log)
        baggage_member(key)  # refuses a key the routing proxies would ignore
        self.key = key
        self.upstream = upstream

    def setup(self) -> str:
        return f"key {self.key} -> {self.upstream}"

    def health_answer(self) -> dict[str, str]:
        return {"service": self.service, "key": self.key}

    def hop(self, request: web.Request, headers: CIMultiDict[str]) -> tuple[str | None, str, str]:
        baggage = headers.getall("baggage", [])
        keyed = with_routing_key(baggage, self.key)
        if keyed != baggage:
            headers.popall("baggage", None)
            headers.extend(("baggage", value) for value in keyed)
        return routing_key(keyed), self.upstream, self.upstream


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


def _app(proxy: Proxy) -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(proxy.lifecycle)
    app.router.add_get(HEALTH_PATH, proxy.health)
    app.router.add_route("*", "/{tail:.*}", proxy.forward)
    return app


def build_app(service: str, baseline: str, routes: Path, log: Path, capture_dir: Path | None = None,
              refuse_keyed_writes: bool = False) -> web.Application:
    return _app(RoutingProxy(service, baseline, routes, log, capture_dir, refuse_keyed_writes))


async def _listen(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


async def serve(service: str, port: int, baseline: str, routes: Path, log: Path, capture_dir: Path | None = None,
                host: str = "127.0.0.1", refuse_keyed_writes: bool = False) -> web.AppRunner:
    """The proxy, listening (port 0: any free port, see `runner.addresses`); stop it with `runner.cleanup()`."""
    return await _listen(build_app(service, baseline, routes, log, capture_dir, refuse_keyed_writes), host, port)


async def serve_ingress(key: str, listeners: dict[str, tuple[int, str]], log: Path,
                        host: str = "127.0.0.1") -> list[web.AppRunner]:
    """A sandbox's ingress: per service name, a listener on (port, routing proxy URL), all on the running loop.
    One runner per listener, in `listeners`' order (port 0: any free port); stop each with `runner.cleanup()`."""
    ingresses = [Ingress(service, key, upstream, log) for service, (_, upstream) in listeners.items()]
    runners: list[web.AppRunner] = []
    try:
        for ingress, (port, _) in zip(ingresses, listeners.values(), strict=True):
            runners.append(await _listen(_app(ingress), host, port))
    except BaseException:
        for runner in runners:
            await runner.cleanup()
        raise
    return runners


def ingress_command(key: str, listeners: dict[str, tuple[int, str]], log: Path) -> list[str]:
    """The argv of an ingress process for `key`: per service name, listen on a port and forward to a URL (the
    service's routing proxy). Serves until SIGTERM."""
    baggage_member(key)  # a bad key fails here, not in the child
    command = [sys.executable, "-m", "greenloop.adapters.sandboxes.proxy", "ingress", "--key", key, "--log", str(log)]
    for service, (port, upstream) in listeners.items():
        command += ["--listen", _listener_arg(service, port, upstream)]
    return command


def _listener_arg(service: str, port: int, upstream: str) -> str:
    if not service or "=" in service or not 0 < port < 65536:
        raise ValueError(f"not a listener: {service!r} on port {port}")
    return f"{service}={port}={upstream}"


def _parse_listener(text: str) -> tuple[str, int, str]:
    """NAME=PORT=URL, the URL free to contain '='."""
    service, port, upstream = (text.split("=", 2) + ["", ""])[:3]
    try:
        _listener_arg(service, int(port), upstream)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=PORT=URL (port 1-65535), got {text!r}") from None
    if not upstream.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected an http(s) URL after NAME=PORT=, got {text!r}")
    return service, int(port), upstream


async def _until_signalled(runners: list[web.AppRunner]) -> None:
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for runner in runners:
            await runner.cleanup()


async def _run(args: argparse.Namespace) -> None:
    runner = await serve(args.service, args.port, args.baseline, args.routes, args.log, args.capture_dir, args.host,
                         args.refuse_keyed_writes)
    await _until_signalled([runner])


async def _run_ingress(args: argparse.Namespace) -> None:
    listeners = {service: (port, upstream) for service, port, upstream in args.listen}
    await _until_signalled(await serve_ingress(args.key, listeners, args.log, args.host))


def _ingress_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m greenloop.adapters.sandboxes.proxy ingress",
                                     description="Add a sandbox's routing key to every request, per service.")
    parser.add_argument("--key", required=True, help="the sandbox's routing key")
    parser.add_argument("--listen", type=_parse_listener, action="append", required=True, metavar="NAME=PORT=URL",
                        help="serve service NAME on PORT, forwarding to URL (its routing proxy); repeatable")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--log", type=Path, required=True, help="hop log, one timestamped line per request")
    args = parser.parse_args(argv)
    try:
        baggage_member(args.key)
    except ValueError as error:
        parser.error(str(error))
    names = [service for service, _, _ in args.listen]
    if len(set(names)) < len(names):
        parser.error(f"a service listed twice: {names}")
    asyncio.run(_run_ingress(args))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["ingress"]:
        _ingress_main(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m greenloop.adapters.sandboxes.proxy",
                                     description="Route one service's requests by their baggage routing key.")
    parser.add_argument("--service", required=True, help="the service's name, in log lines and errors")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--baseline", required=True, help="base URL of the shared baseline service")
    parser.add_argument("--routes", type=Path, required=True, help="JSON object: routing key → fork base URL")
    parser.add_argument("--log", type=Path, required=True, help="hop log, one timestamped line per request")
    parser.add_argument("--capture-dir", type=Path, help="record keyed exchanges as <dir>/<key>.jsonl")
    parser.add_argument("--refuse-keyed-writes", action="store_true",
                        help="answer 403 to a keyed request other than GET/HEAD/OPTIONS/TRACE that has no fork to go "
                             "to, instead of letting it change the shared baseline's state")
    parser.add_argument("--secrets-on-stdin", action="store_true",
                        help="first read, from stdin to its end, a JSON list of {NAME: value} objects (the services' "
                             "env): values whose names say they are secrets are masked in the log and captures")
    args = parser.parse_args(argv)
    if args.secrets_on_stdin:
        _read_secrets(sys.stdin)
    asyncio.run(_run(args))


def _read_secrets(stream: IO[str]) -> None:
    """The services' secrets, handed over on stdin rather than in a file or our environment; `Proxy` masks them."""
    try:
        given = json.loads(stream.read() or "[]")
    except ValueError as error:
        raise SystemExit(f"--secrets-on-stdin: not a JSON list of objects: {error}") from None
    if not isinstance(given, list) or not all(isinstance(named, dict) for named in given):
        raise SystemExit("--secrets-on-stdin: not a JSON list of objects")
    for named in given:
        treat_as_secret({str(name): str(value) for name, value in named.items()})


if __name__ == "__main__":
    main()
