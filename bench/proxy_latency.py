"""Latency the routing proxy adds: p50 and p99 of sequential GETs to a tiny upstream, directly and through the proxy.

Five paths — direct; through the proxy without a key (baseline); with a key (fork route); with a key and traffic
capture on; and the way a sandbox's tests go, through its ingress (which adds the key) and the capturing proxy —
measured in one run and interleaved request by request, the order rotating, so the drift of a shared
machine hits every path alike. The upstream and the proxies are separate processes on loopback; each path has one
keep-alive client connection, as a service's HTTP client would. Both routes lead to the same upstream, so the
difference between paths is the proxy's own work.

    python bench/proxy_latency.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from greenloop.adapters.sandboxes.baggage import baggage_member, write_routes
from greenloop.adapters.sandboxes.proxy import ingress_command
from greenloop.adapters.sandboxes.services import free_ports

UPSTREAM = """
import http.server, sys

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else its separate header and body writes stall 40 ms on delayed ACKs

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""
WARMUP = 200
READY_TIMEOUT = 10.0
KEY = "bench"


def get(conn: http.client.HTTPConnection, headers: dict[str, str]) -> http.client.HTTPResponse:
    conn.request("GET", "/", headers=headers)
    response = conn.getresponse()
    response.read()
    return response


def wait_ready(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            get(conn, {})
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"process on port {port} did not come up (exit code {process.poll()})") from None
            time.sleep(0.05)
        finally:
            conn.close()


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def measure(paths: dict[str, tuple[int, dict[str, str]]], requests: int) -> dict[str, list[float]]:
    """Milliseconds per request and path; round i starts at path i mod n, so no path always goes first."""
    conns = {name: http.client.HTTPConnection("127.0.0.1", port, timeout=10) for name, (port, _) in paths.items()}
    names = list(paths)
    samples: dict[str, list[float]] = {name: [] for name in names}
    try:
        for i in range(WARMUP + requests):
            for name in names[i % len(names):] + names[:i % len(names)]:
                started = time.perf_counter()
                response = get(conns[name], paths[name][1])
                elapsed = (time.perf_counter() - started) * 1000
                if response.status != 200:
                    raise SystemExit(f"{name}: HTTP {response.status}")
                if i >= WARMUP:
                    samples[name].append(elapsed)
    finally:
        for conn in conns.values():
            conn.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="measured GETs per path (after a warm-up)")
    args = parser.parse_args()
    upstream_port, plain_port, capture_port, ingress_port = free_ports(4)
    upstream = f"http://127.0.0.1:{upstream_port}"
    processes = []
    with tempfile.TemporaryDirectory(prefix="greenloop-bench-") as scratch:
        routes = Path(scratch) / "routes.json"
        write_routes(routes, {KEY: upstream})
        try:
            processes.append(subprocess.Popen([sys.executable, "-c", UPSTREAM, str(upstream_port)]))
            for port, extra in ((plain_port, []), (capture_port, ["--capture-dir", f"{scratch}/captures"])):
                processes.append(subprocess.Popen([
                    sys.executable, "-m", "greenloop.adapters.sandboxes.proxy", "--service", "bench", "--port",
                    str(port), "--baseline", upstream, "--routes", str(routes), "--log", f"{scratch}/{port}.log",
                    *extra]))
            # a sandbox's tests go through its ingress (which adds the key) and then the routing proxy (capture on)
            processes.append(subprocess.Popen(ingress_command(
                KEY, {"bench": (ingress_port, f"http://127.0.0.1:{capture_port}")}, Path(scratch) / "ingress.log")))
            for port, process in zip((upstream_port, plain_port, capture_port, ingress_port), processes, strict=True):
                wait_ready(port, process)
            keyed = {"baggage": baggage_member(KEY)}
            paths = {"direct": (upstream_port, {}), "proxy, no key → baseline": (plain_port, {}),
                     "proxy, keyed → fork": (plain_port, keyed), "proxy, keyed → fork, capture on": (capture_port, keyed),
                     "ingress → proxy → fork, capture on": (ingress_port, {})}
            samples = measure(paths, args.requests)
        finally:
            for process in processes:
                process.terminate()
                process.wait()
    report(samples, args.requests)


def report(samples: dict[str, list[float]], requests: int) -> None:
    direct = {q: percentile(samples["direct"], q) for q in (0.5, 0.99)}
    print(f"{requests} sequential GETs per path, interleaved; loopback, keep-alive clients; milliseconds")
    print(f"{'path':34} {'p50':>7} {'p99':>7} {'p50 ×':>7} {'p99 ×':>7} {'+p50':>7} {'+p99':>7}")
    for name, values in samples.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(f"{name:34} {p50:7.3f} {p99:7.3f} {p50 / direct[0.5]:7.2f} {p99 / direct[0.99]:7.2f} "
              f"{p50 - direct[0.5]:+7.3f} {p99 - direct[0.99]:+7.3f}")


if __name__ == "__main__":
    main()
