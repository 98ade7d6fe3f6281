"""Readiness on the data path: a sandbox is ready when keyed requests really reach its forks.

Two checks, both through the routing proxies a test's requests take:
1. **Routing**: a keyed request to each fork's proxy comes back marked `x-greenloop-route: fork:<key>`.
2. **Propagation**: for each service with a `probe` path, when a fork is on its way, a keyed request to the probe
   must show up, keyed, in the proxy log of every service behind it (`depends_on`, transitively). When it does not, the hop
   that dropped the key is the last service on the path that saw it, and the error names that service.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterable

from greenloop.adapters.sandboxes.baggage import ROUTE_HEADER, baggage_member
from greenloop.adapters.sandboxes.baseline import Baseline
from greenloop.adapters.sandboxes.logfile import read_log
from greenloop.loop.config import ServiceConfig
from greenloop.loop.errors import ServiceStartError

PROBE_TIMEOUT = 10.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PROPAGATION_DOC = "docs/propagation.md"


def keyed_get(url: str, key: str, timeout: float = PROBE_TIMEOUT) -> tuple[int, str]:
    """GET `url` with the routing key in `baggage`: (status, route header); status 0 when nothing answered."""
    request = urllib.request.Request(url, headers={"baggage": baggage_member(key)})
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            answer.read()
            return answer.status, answer.headers.get(ROUTE_HEADER, "")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get(ROUTE_HEADER, "")
    except OSError:
        return 0, ""


def check_routing(baseline: Baseline, key: str, forks: Iterable[ServiceConfig]) -> None:
    """Each fork answers a keyed request through its service's proxy; raises `ServiceStartError` otherwise."""
    for service in forks:
        path = service.health.http if service.health and service.health.http else "/"
        status, route = keyed_get(baseline.proxy_url(service.name) + path, key)
        if route != f"fork:{key}" or status in (0, 502):
            seen = f"route {route or 'none'}, status {status or 'no answer'}"
            raise ServiceStartError(
                f"sandbox {key!r}: a keyed request to {service.name!r} through its routing proxy did not reach the "
                f"fork ({seen})", f"see {baseline.proxy_log(service.name)}")


def check_propagation(baseline: Baseline, key: str, services: list[ServiceConfig], forked: set[str]) -> None:
    """Every service behind a `probe` sees that probe's request keyed, whenever a fork is on the way; raises
    `ServiceStartError` naming the service that dropped the key otherwise."""
    by_name = {s.name: s for s in services}
    for entry in services:
        behind = _reachable(entry.name, by_name)  # all of them: a hop that drops the key breaks later forks too
        if not entry.probe or not (behind | {entry.name}) & forked:
            continue
        started = time.time() - 0.001
        keyed_get(baseline.proxy_url(entry.name) + entry.probe, key)  # its answer is the service's business
        keyed = {line.service.removesuffix(" (routing)") for line in baseline.hops(key, started)}
        for missed in sorted(behind - keyed):
            raise ServiceStartError(_dropped(baseline, key, entry, missed, keyed, by_name, started),
                                    f"forward the incoming `baggage` header on every outbound call ({PROPAGATION_DOC} "
                                    "shows how); or use `isolation = \"copy\"` in [sandbox]")


def _dropped(baseline: Baseline, key: str, entry: ServiceConfig, fork: str, keyed: set[str],
             by_name: dict[str, ServiceConfig], since: float) -> str:
    path = _path(entry.name, fork, by_name) or [entry.name, fork]
    holder, missed = entry.name, fork
    for caller, callee in zip(path, path[1:], strict=False):
        if callee not in keyed:
            holder, missed = caller, callee
            break
    unkeyed = any(" key=- " in line.text for line in read_log(baseline.proxy_log(missed), missed, since))
    saw = "an unkeyed request" if unkeyed else "no request at all"
    return (f"sandbox {key!r} is not ready: service {holder!r} dropped the routing key. A keyed probe "
            f"`GET {entry.probe}` to {entry.name!r} reached {holder!r} with the key, but {missed!r} saw {saw}: "
            f"{holder!r} does not forward the `baggage` header on its call to {missed!r}, so a fork of {fork!r} "
            f"would never be reached")


def _reachable(name: str, by_name: dict[str, ServiceConfig]) -> set[str]:
    seen: set[str] = set()
    stack = list(by_name[name].depends_on)
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(by_name[current].depends_on)
    return seen


def _path(start: str, goal: str, by_name: dict[str, ServiceConfig]) -> list[str] | None:
    """The shortest depends_on path from `start` to `goal` (breadth first)."""
    frontier = [[start]]
    seen = {start}
    while frontier:
        path = frontier.pop(0)
        if path[-1] == goal:
            return path
        for nxt in by_name[path[-1]].depends_on:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(path + [nxt])
    return None
