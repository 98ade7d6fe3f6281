"""The routing proxy against real HTTP servers on loopback: routing by baggage key, pass-through, route-file rewrites,
keep-alive, failures, the hop log, capture, a three-service chain, and the CLI as a real process; then the ingress
in front of routing proxies: the key added to baggage, per-service listeners, and its CLI as a real process."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from greenloop.adapters.sandboxes.baggage import baggage_member, write_routes
from greenloop.adapters.sandboxes.logfile import read_log
from greenloop.adapters.sandboxes.proxy import ingress_command, main, serve, serve_ingress
from greenloop.adapters.sandboxes.services import free_ports

KEY = baggage_member("k1")
SECRET = "tok-8c1f2e9d7a"


class Echo(http.server.BaseHTTPRequestHandler):
    """Answers with what it received; on /chain it first calls the next service, passing the baggage on."""

    protocol_version = "HTTP/1.1"  # keep-alive, as real services do
    disable_nagle_algorithm = True  # header and body are separate writes: no 40 ms delayed-ACK stalls

    def do_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        query = parse_qs(urlsplit(self.path).query)
        if self.path == "/binary":
            self._answer(200, bytes(range(256)), "application/octet-stream")
            return
        via = [self.server.name]
        if self.path == "/chain" and self.server.next_port:
            downstream = call(self.server.next_port, "GET", "/chain",
                              [("baggage", v) for v in self.headers.get_all("baggage", [])])
            via += json.loads(downstream.body)["via"]
        answer = {"upstream": self.server.name, "method": self.command, "path": self.path, "via": via,
                  "headers": [[k, v] for k, v in self.headers.items()], "body_sha256": hashlib.sha256(body).hexdigest(),
                  "body_length": len(body), "body": body.decode("utf-8", "replace")[:100]}
        self._answer(int(query.get("status", ["200"])[0]), json.dumps(answer).encode(), "application/json")

    do_GET = do_POST = do_PUT = do_any

    def _answer(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Upstream", self.server.name)
        self.send_header("Set-Cookie", f"session={SECRET}")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def upstream(self) -> str:
        return self.headers["X-Upstream"]

    def received(self, name: str) -> list[str]:
        """Values of a header as the upstream received it."""
        return [v for k, v in self.json["headers"] if k.lower() == name.lower()]


def send(conn: http.client.HTTPConnection, method: str, path: str, headers=(), body: bytes | None = None) -> Answer:
    """One request on `conn`; headers as pairs, so a header can repeat; nothing added but Host (and the length)."""
    conn.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers:
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    return Answer(response.status, response.headers, response.read())


def call(port: int, method: str = "GET", path: str = "/", headers=(), body: bytes | None = None) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        return send(conn, method, path, headers, body)
    finally:
        conn.close()


@pytest.fixture
def upstream() -> Iterator:
    """Start echo services by name; each returns its base URL."""
    servers = []

    def start(name: str, next_port: int | None = None) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        server.name, server.next_port = name, next_port
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The proxies' event loop, on its own thread, so the tests can be plain blocking HTTP clients."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


@dataclass
class RunningProxy:
    port: int
    routes: Path
    log: Path
    captures: Path


@pytest.fixture
def proxy(loop, upstream, tmp_path) -> Iterator:
    """Start in-process proxies (after the upstreams, so they stop first); each returns where it listens."""
    runners = []

    def start(service: str, baseline: str, routes: dict[str, str] | None = None, capture: bool = False,
              refuse_keyed_writes: bool = False) -> RunningProxy:
        running = RunningProxy(0, tmp_path / f"{service}.routes.json", tmp_path / f"{service}.log", tmp_path / "captures")
        if routes is not None:
            write_routes(running.routes, routes)
        started = serve(service, 0, baseline, running.routes, running.log, running.captures if capture else None,
                        refuse_keyed_writes=refuse_keyed_writes)
        runner = asyncio.run_coroutine_threadsafe(started, loop).result(10)
        runners.append(runner)
        running.port = runner.addresses[0][1]
        return running

    yield start
    for runner in runners:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)


def dead_url() -> str:
    return f"http://127.0.0.1:{free_ports(1)[0]}"


@pytest.mark.parametrize("baggage, route", [
    ([], "baseline"),
    ([KEY], "fork:k1"),
    (["greenloop-routing-key=k2"], "fork:k2"),
    (["greenloop-routing-key=nobody"], "baseline"),
    (["userId=alice;p=1 , greenloop-routing-key = k1 ;ttl=30 ,tenant=%20acme"], "fork:k1"),
    (["greenloop-routing-key=k%31"], "fork:k1"),
    (["userId=alice", "tenant=acme," + KEY], "fork:k1"),
    (["bad member", KEY], "fork:k1"),
    (["greenloop-routing-key"], "baseline"),
    (["greenloop-routing-key=k1 k2"], "baseline"),
    (["greenloop-routing-key=../k1"], "baseline"),
    ([KEY, "greenloop-routing-key=k2"], "baseline"),
    (["Greenloop-Routing-Key=k1"], "baseline"),
])
def test_routes_by_the_baggage_key_and_everything_else_to_baseline(upstream, proxy, baggage, route):
    running = proxy("svc", upstream("base"), {"k1": upstream("fork-1"), "k2": upstream("fork-2")})
    answer = call(running.port, headers=[("baggage", value) for value in baggage])
    assert answer.status == 200
    assert answer.headers["x-greenloop-route"] == route
    assert answer.upstream == {"baseline": "base", "fork:k1": "fork-1", "fork:k2": "fork-2"}[route]
    assert answer.received("baggage") == baggage


@pytest.mark.parametrize("method, baggage, status, route", [
    ("POST", [KEY], 403, "refused"),  # a sandbox's write with no fork to go to: the baseline must not change
    ("DELETE", ["greenloop-routing-key=nobody"], 403, "refused"),
    ("GET", [KEY], 200, "baseline"),  # reads are shared
    ("POST", [], 200, "baseline"),  # the baseline's own traffic
    ("POST", ["greenloop-routing-key=k2"], 200, "fork:k2"),  # a fork takes its own writes
])
def test_a_keyed_write_that_would_reach_the_shared_baseline_is_refused(upstream, proxy, method, baggage, status,
                                                                       route):
    running = proxy("svc", upstream("base"), {"k2": upstream("fork-2")}, refuse_keyed_writes=True)
    answer = call(running.port, method, "/orders?x=1", [("baggage", value) for value in baggage], b"{}")
    assert (answer.status, answer.headers["x-greenloop-route"]) == (status, route)
    line = read_log(running.log, "svc")[-1].text
    if status == 403:
        assert "X-Upstream" not in answer.headers  # never forwarded
        assert "would reach the shared baseline of 'svc'" in answer.json["error"]
        assert f"svc {method} /orders key=" in line and "-> refused 403" in line


def test_keyed_writes_pass_to_a_baseline_declared_stateless(upstream, proxy):
    running = proxy("svc", upstream("base"), {})
    assert call(running.port, "POST", "/quote", [("baggage", KEY)], b"{}").upstream == "base"


@pytest.mark.parametrize("key", ["", "../k1", "k 1", "k1\n", "-k1", "k" * 129])
def test_baggage_member_refuses_keys_the_proxy_would_ignore(key):
    with pytest.raises(ValueError):
        baggage_member(key)


def test_end_to_end_headers_path_and_query_pass_through_unchanged(upstream, proxy):
    fork = upstream("fork")
    running = proxy("svc", upstream("base"), {"k1": fork})
    headers = [("baggage", "userId=alice;p=1,greenloop-routing-key=k1"), ("baggage", "tenant=%20acme"),
               ("Authorization", "Bearer abc"), ("User-Agent", "tests/1.0"), ("X-Custom", "a, b"),
               ("Connection", "keep-alive, X-Hop"), ("Keep-Alive", "timeout=5"), ("X-Hop", "1"),
               ("Proxy-Authorization", "Basic eA==")]
    answer = call(running.port, "GET", "/items/a%2Fb?q=1&r=%20x", headers)
    assert answer.upstream == "fork" and answer.json["path"] == "/items/a%2Fb?q=1&r=%20x"
    assert answer.received("baggage") == ["userId=alice;p=1,greenloop-routing-key=k1", "tenant=%20acme"]
    for name in ("Authorization", "User-Agent", "X-Custom"):
        assert answer.received(name) == [dict(headers)[name]]
    for name in ("Keep-Alive", "X-Hop", "Proxy-Authorization", "Accept", "Accept-Encoding"):
        assert answer.received(name) == [], name
    assert answer.received("Host") == [fork.removeprefix("http://")]
    assert answer.headers["Set-Cookie"] == f"session={SECRET}"  # the caller's own response is not censored


def test_request_body_and_response_status_are_forwarded(upstream, proxy):
    running = proxy("svc", upstream("base"))
    body = os.urandom(300_000)
    answer = call(running.port, "POST", "/upload?status=201", [("Content-Type", "application/octet-stream")], body)
    assert answer.status == 201 and answer.json["method"] == "POST"
    assert answer.json["body_length"] == len(body)
    assert answer.json["body_sha256"] == hashlib.sha256(body).hexdigest()


def test_a_rewritten_route_file_routes_the_next_request_on_the_same_keep_alive_connection(upstream, proxy):
    one, two = upstream("fork-1"), upstream("fork-2")
    running = proxy("svc", upstream("base"), {"k1": one})
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
    try:
        assert send(conn, "GET", "/", [("baggage", KEY)]).upstream == "fork-1"
        sock = conn.sock
        write_routes(running.routes, {"k1": two})
        assert send(conn, "GET", "/", [("baggage", KEY)]).upstream == "fork-2"
        running.routes.unlink()
        assert send(conn, "GET", "/", [("baggage", KEY)]).upstream == "base"
        write_routes(running.routes, {"k1": one})
        assert send(conn, "POST", "/", [("baggage", KEY)], b"x").upstream == "fork-1"
        assert conn.sock is sock  # one connection throughout
    finally:
        conn.close()


def test_an_unreachable_upstream_is_a_502_naming_the_service_and_the_upstream(proxy):
    baseline, fork = dead_url(), dead_url()
    running = proxy("pricing", baseline, {"k1": fork})
    for headers, named in (([], f"baseline {baseline}"), ([("baggage", KEY)], f"fork:k1 {fork}")):
        answer = call(running.port, headers=headers)
        assert answer.status == 502
        assert answer.json["error"] == f"greenloop proxy for pricing: {named} unreachable: Connection refused"
    lines = [line.text for line in read_log(running.log, "pricing")]
    assert any("-> fork:k1 502" in text and f"{fork} unreachable" in text for text in lines)


def test_own_health_answers_without_touching_upstreams(proxy):
    running = proxy("catalog", dead_url())
    answer = call(running.port, "GET", "/__greenloop/health")
    assert (answer.status, answer.json) == (200, {"service": "catalog"})
    assert not any(" GET " in line.text for line in read_log(running.log, "catalog"))


def test_hop_log_lines_parse_name_the_key_and_keep_secrets_out(upstream, proxy, monkeypatch):
    monkeypatch.setenv("SHOP_API_TOKEN", SECRET)  # read when the proxy starts
    running = proxy("svc", upstream("base"), {"k1": upstream("fork")})
    since = time.time()
    call(running.port, "GET", f"/orders/{SECRET}?password=hunter2", [("baggage", KEY)])
    call(running.port, "POST", "/orders", body=b"{}")
    hops = [line for line in read_log(running.log, "svc", since) if line.text.startswith("svc ")]
    assert len(hops) == 2 and all(line.time >= since for line in hops)
    assert re.fullmatch(r"svc GET /orders/\[redacted\] key=k1 -> fork:k1 200 \d+\.\dms", hops[0].text)
    assert re.fullmatch(r"svc POST /orders key=- -> baseline 200 \d+\.\dms", hops[1].text)
    assert SECRET not in running.log.read_text() and "hunter2" not in running.log.read_text()


def test_capture_records_keyed_exchanges_with_secrets_elided(upstream, proxy, monkeypatch):
    monkeypatch.setenv("SHOP_API_TOKEN", SECRET)
    running = proxy("svc", upstream("base"), {"k1": upstream("fork")}, capture=True)
    body = (f"card for {SECRET} " + "x" * 70_000).encode()
    headers = [("baggage", KEY), ("Authorization", "Bearer abc"), ("Cookie", "sid=1"),
               ("X-Session-Token", "t"), ("Content-Type", "text/plain"), ("X-Custom", "kept")]
    call(running.port, "POST", "/pay?status=201", headers, body)
    call(running.port, "GET", "/binary", [("baggage", "greenloop-routing-key=k9")])  # keyed, no fork: baseline
    call(running.port, "GET", "/unkeyed")
    assert sorted(p.name for p in running.captures.iterdir()) == ["k1.jsonl", "k9.jsonl"]
    [pay] = [json.loads(line) for line in (running.captures / "k1.jsonl").read_text().splitlines()]
    assert {k: pay[k] for k in ("service", "key", "route", "method", "path", "status")} == {
        "service": "svc", "key": "k1", "route": "fork:k1", "method": "POST", "path": "/pay?status=201", "status": 201}
    assert pay["duration_ms"] > 0 and pay["time"].endswith("Z")
    sent = pay["request"]
    assert {k: sent["headers"][k] for k in ("Authorization", "Cookie", "X-Session-Token", "X-Custom")} == {
        "Authorization": "[elided]", "Cookie": "[elided]", "X-Session-Token": "[elided]", "X-Custom": "kept"}
    assert sent["body"].startswith("card for [redacted] xxx") and sent["body_encoding"] == "text"
    assert (sent["body_bytes"], sent["body_truncated"]) == (len(body), True)
    assert pay["response"]["headers"]["Set-Cookie"] == "[elided]"
    assert json.loads(pay["response"]["body"])["body_length"] == len(body)
    [binary] = [json.loads(line) for line in (running.captures / "k9.jsonl").read_text().splitlines()]
    assert binary["route"] == "baseline" and binary["response"]["body_encoding"] == "base64"
    assert SECRET not in (running.captures / "k1.jsonl").read_text()


def test_a_chain_of_three_services_routes_each_hop_by_the_key(upstream, proxy):
    last = proxy("last", upstream("last-base"))
    middle = proxy("middle", upstream("middle-base", last.port), {"k1": upstream("middle-fork", last.port)})
    entry = proxy("entry", upstream("entry-base", middle.port))
    assert call(entry.port, "GET", "/chain", [("baggage", KEY)]).json["via"] == ["entry-base", "middle-fork", "last-base"]
    assert call(entry.port, "GET", "/chain").json["via"] == ["entry-base", "middle-base", "last-base"]
    for running, route in ((entry, "baseline"), (middle, "fork:k1"), (last, "baseline")):
        hops = [line.text for line in read_log(running.log, "") if " GET /chain " in line.text]
        assert [hop.split(" -> ")[0].split()[-1] for hop in hops] == ["key=k1", "key=-"]
        assert f"key=k1 -> {route} 200" in hops[0]


def health_once_up(port: int, process: subprocess.Popen, deadline: float) -> dict:
    """The health answer of a proxy process on `port`, once it listens (it must not exit, nor take past `deadline`)."""
    while True:
        try:
            return call(port, "GET", "/__greenloop/health").json
        except ConnectionRefusedError:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)


def test_the_cli_serves_until_sigterm(upstream, tmp_path):
    port = free_ports(1)[0]
    routes, log = tmp_path / "routes.json", tmp_path / "proxy.log"
    write_routes(routes, {"k1": upstream("fork")})
    process = subprocess.Popen([sys.executable, "-m", "greenloop.adapters.sandboxes.proxy", "--service", "svc",
                                "--port", str(port), "--baseline", upstream("base"), "--routes", str(routes),
                                "--log", str(log)], stderr=subprocess.PIPE)
    try:
        assert health_once_up(port, process, time.monotonic() + 10) == {"service": "svc"}
        assert call(port, headers=[("baggage", KEY)]).upstream == "fork"
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0, process.stderr.read()
    finally:
        process.kill()
        process.wait()
        process.stderr.close()
    assert [line.text for line in read_log(log, "svc")][-1].startswith("svc GET / key=k1 -> fork:k1 200 ")


@pytest.fixture
def ingress(loop, proxy, tmp_path) -> Iterator:
    """Start in-process ingresses (after the proxies, so they stop first): service → upstream; returns service → port."""
    runners = []

    def start(key: str, upstreams: dict[str, str]) -> dict[str, int]:
        listeners = {service: (0, url) for service, url in upstreams.items()}
        started = serve_ingress(key, listeners, tmp_path / "ingress.log")
        started = asyncio.run_coroutine_threadsafe(started, loop).result(10)
        runners.extend(started)
        return {service: runner.addresses[0][1] for service, runner in zip(upstreams, started, strict=True)}

    yield start
    for runner in runners:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)


@pytest.mark.parametrize("baggage, received, route", [
    ([], ["greenloop-routing-key=k1"], "fork:k1"),
    (["a=1"], ["a=1,greenloop-routing-key=k1"], "fork:k1"),
    (["userId=alice;p=1 , tenant=%20acme "], ["userId=alice;p=1 , tenant=%20acme,greenloop-routing-key=k1"], "fork:k1"),
    (["a=1", "b=2,"], ["a=1", "b=2,greenloop-routing-key=k1"], "fork:k1"),
    (["greenloop-routing-key=k2"], ["greenloop-routing-key=k2"], "fork:k2"),
    (["a=1", "greenloop-routing-key = k2;ttl=3"], ["a=1", "greenloop-routing-key = k2;ttl=3"], "fork:k2"),
    (["greenloop-routing-key=../k1"], ["greenloop-routing-key=../k1"], "baseline"),  # a broken key stays broken
])
def test_the_ingress_adds_its_key_to_the_baggage_and_keeps_everything_else(upstream, proxy, ingress, baggage,
                                                                          received, route):
    routing = proxy("svc", upstream("base"), {"k1": upstream("fork-1"), "k2": upstream("fork-2")})
    port = ingress("k1", {"svc": f"http://127.0.0.1:{routing.port}"})["svc"]
    answer = call(port, "GET", "/items/a%2Fb?q=1", [("baggage", value) for value in baggage] + [("X-Custom", "a")])
    assert (answer.status, answer.headers["x-greenloop-route"]) == (200, route)  # the routing proxy's, passed back
    assert answer.upstream == {"baseline": "base", "fork:k1": "fork-1", "fork:k2": "fork-2"}[route]
    assert answer.received("baggage") == received
    assert answer.json["path"] == "/items/a%2Fb?q=1" and answer.received("X-Custom") == ["a"]


def test_the_ingress_health_log_and_unreachable_proxy(ingress, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOP_API_TOKEN", SECRET)
    dead = dead_url()
    port = ingress("k1", {"pricing": dead})["pricing"]
    health = call(port, "GET", "/__greenloop/health")
    assert (health.status, health.json) == (200, {"service": "pricing", "key": "k1"})
    answer = call(port, "POST", f"/quote/{SECRET}?x=1", body=b"{}")
    assert answer.status == 502 and "x-greenloop-route" not in answer.headers  # no route: nothing routed it
    assert answer.json["error"] == f"greenloop ingress for pricing: {dead} unreachable: Connection refused"
    lines = [line.text for line in read_log(tmp_path / "ingress.log", "")]
    assert lines[0] == f"pricing ingress up: key k1 -> {dead}"
    assert re.fullmatch(rf"pricing POST /quote/\[redacted\] key=k1 -> {dead} 502 \d+\.\dms {dead} unreachable: "
                        "Connection refused", lines[-1])


def test_ingress_command_and_cli_refuse_what_they_cannot_serve(tmp_path):
    for key, listeners in (("../k1", {"svc": (8080, "http://x")}), ("k1", {"a=b": (8080, "http://x")}),
                           ("k1", {"svc": (0, "http://x")})):
        with pytest.raises(ValueError):
            ingress_command(key, listeners, tmp_path / "log")
    for listen in ("svc=8080", "svc=port=http://x", "=8080=http://x", "svc=8080=x"):
        with pytest.raises(SystemExit):
            main(["ingress", "--key", "k1", "--listen", listen, "--log", str(tmp_path / "log")])
    with pytest.raises(SystemExit):
        main(["ingress", "--key", "k1", "--listen", "a=1=http://x", "--listen", "a=2=http://y", "--log", "l"])


def test_the_ingress_cli_serves_each_service_through_its_proxy_until_sigterm(upstream, proxy, tmp_path):
    orders = proxy("orders", upstream("orders-base"), {"k1": upstream("orders-fork")})
    stock = proxy("stock", upstream("stock-base"), {"k1": upstream("stock-fork"), "k2": upstream("stock-fork-2")})
    ports, log = free_ports(2), tmp_path / "ingress.log"
    command = ingress_command("k1", {"orders": (ports[0], f"http://127.0.0.1:{orders.port}"),
                                     "stock": (ports[1], f"http://127.0.0.1:{stock.port}/")}, log)
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        for port, service in zip(ports, ("orders", "stock"), strict=True):
            assert health_once_up(port, process, deadline) == {"service": service, "key": "k1"}
        assert call(ports[0], "GET", "/a").upstream == "orders-fork"
        assert call(ports[1], "POST", "/b", [("baggage", "a=1")], b"x").upstream == "stock-fork"
        assert call(ports[1], "GET", "/c", [("baggage", "greenloop-routing-key=k2")]).upstream == "stock-fork-2"
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0, process.stderr.read()
    finally:
        process.kill()
        process.wait()
        process.stderr.close()
    hops = [line.text.rsplit(" ", 2)[0] for line in read_log(log, "") if " up: " not in line.text]
    assert hops == [f"orders GET /a key=k1 -> http://127.0.0.1:{orders.port}",
                    f"stock POST /b key=k1 -> http://127.0.0.1:{stock.port}/",
                    f"stock GET /c key=k2 -> http://127.0.0.1:{stock.port}/"]
    routed = [line.text.split(" -> ")[1].split()[:2] for line in read_log(stock.log, "") if " -> " in line.text]
    assert routed == [["fork:k1", "200"], ["fork:k2", "200"]]
