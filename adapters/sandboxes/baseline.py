"""The shared baseline: every service at the base commit, started once, each behind its routing proxy.

Every sandbox of a run — and, through `greenloop baseline up`, every run and agent on the machine testing the same
commit — sends its traffic through these proxies. A request carrying a sandbox's routing key reaches that sandbox's
fork of the service when it has one; everything else reaches the baseline service. Services of the baseline (and
forks) are told the *proxy* URLs of the others, so every hop passes a proxy and is routed and logged.

The baseline outlives the command that started it: its processes log through pumps of their own, and its folder
(see `registry`) is the only record another greenloop needs to use it, route to it or stop it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from greenloop.adapters.manifest import Manifest, reap
from greenloop.adapters.processes import spawn
from greenloop.adapters.protocols import LogLine, Workspace
from greenloop.adapters.sandboxes import registry
from greenloop.adapters.sandboxes.baggage import write_routes
from greenloop.adapters.sandboxes.group import ServiceGroup
from greenloop.adapters.sandboxes.health import wait_until_ready
from greenloop.adapters.sandboxes.logfile import read_log
from greenloop.adapters.sandboxes.services import free_ports
from greenloop.loop.config import HealthCheck, ServiceConfig, start_order
from greenloop.loop.errors import ServiceStartError

PROXY_START_TIMEOUT = 15.0
HEALTH_PATH = "/__greenloop/health"
"""Answered by every routing proxy itself (see proxy.py)."""

Setup = Callable[[Workspace, float], None]
WINDOW_SLACK = 0.05
"""Seconds around a hop in which a baseline service's lines count as written for it (clocks of two processes)."""
_HOP = re.compile(r" -> baseline \d+ ([\d.]+)ms")


class Baseline:
    """A running baseline, as its folder records it."""

    def __init__(self, folder: Path, record: dict[str, Any]):
        self.folder = folder
        self.name = folder.name
        self.record = record

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        return self.record["services"]

    def proxy_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.services[service]['proxy_port']}"

    def endpoints(self) -> dict[str, str]:
        """Service name → its routing proxy: send the routing key in `baggage` to reach a sandbox's forks."""
        return {name: self.proxy_url(name) for name in self.services}

    def proxy_log(self, service: str) -> Path:
        return self.folder / "logs" / f"{service}.proxy.log"

    def capture_file(self, key: str) -> Path:
        return self.folder / "captures" / f"{key}.jsonl"

    def route(self, service: str, key: str, url: str | None) -> None:
        """Send `key`'s requests for `service` to `url` (None: back to the baseline). Proxies read the table per
        request, so this holds from the next request on; a lock keeps concurrent sandboxes' edits apart."""
        path = self.folder / "routes" / f"{service}.json"
        with registry.exclusive(self.folder / "routes.lock"):
            routes = registry.read_record(path) or {}
            if url is None:
                routes.pop(key, None)
            else:
                routes[key] = url
            write_routes(path, routes)

    def hops(self, key: str, since: float | None = None) -> list[LogLine]:
        """The proxies' log lines of `key`'s requests: what the baseline did for a sandbox, and no one else's."""
        marker = f" key={key} "
        return [line for name in self.services for line in read_log(self.proxy_log(name), f"{name} (routing)", since)
                if marker in line.text]

    def lines_for(self, key: str, since: float | None = None) -> list[LogLine]:
        """`key`'s hops, and the baseline services' own lines written while they served one of them: the error a
        sandbox's request caused in a service it did not fork. (Lines of another caller served at the very same
        moment can come along; there is no request id to tell them apart.)"""
        hops = self.hops(key, since)
        windows: dict[str, list[tuple[float, float]]] = {}
        for hop in hops:
            match = _HOP.search(hop.text)
            if match:
                name, ms = hop.service.removesuffix(" (routing)"), float(match[1])
                windows.setdefault(name, []).append((hop.time - ms / 1000 - WINDOW_SLACK, hop.time + WINDOW_SLACK))
        served = [line for name, spans in windows.items()
                  for line in read_log(self.folder / "logs" / f"{name}.log", name, since)
                  if any(start <= line.time <= end for start, end in spans)]
        return sorted(hops + served, key=lambda line: line.time)

    def alive(self) -> bool:
        """Every proxy answers its health check (a status flag alone proves nothing after a crash)."""
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            for name in self.services:
                with opener.open(self.proxy_url(name) + HEALTH_PATH, timeout=2) as answer:
                    if answer.status != 200:
                        return False
        except OSError:
            return False
        return True

    def hold(self, holder: str) -> int:
        """Keep the baseline up while the returned descriptor is open (the kernel lets go when we die)."""
        descriptor = registry.try_lock(self.folder / "holders" / f"{holder}.lock")
        if descriptor is None:
            raise RuntimeError(f"{holder} already holds baseline {self.name}")
        return descriptor


def folder_for(repo: Path, commit: str) -> Path:
    return repo / registry.BASELINES / commit[:12]


def acquire(repo: Path, commit: str, services: list[ServiceConfig], setup: Setup, env: Mapping[str, str],
            holder: str, *, explicit: bool = False, capture: bool = True,
            make_workspace: Callable[[Path, Manifest], Workspace]) -> tuple[Baseline, int]:
    """The baseline of `commit`, started unless a live one is there, and held for `holder` (close the returned
    descriptor to let go). One greenloop at a time starts or stops a given baseline."""
    folder = folder_for(repo, commit)
    registry.ensure_ignored(repo)
    with registry.exclusive(folder.parent / f"{folder.name}.lock"):
        record = registry.read_record(folder / "baseline.json")
        baseline = Baseline(folder, record) if record and record.get("status") == "ready" else None
        if baseline is None or not baseline.alive():
            if folder.exists():
                stop(repo, folder)
            baseline = _start(repo, folder, commit, services, setup, env, capture, make_workspace)
        if explicit and not baseline.record.get("explicit"):
            baseline.record["explicit"] = True
            registry.write_record(folder / "baseline.json", baseline.record)
        return baseline, baseline.hold(holder)


def _start(repo: Path, folder: Path, commit: str, services: list[ServiceConfig], setup: Setup,
           env: Mapping[str, str], capture: bool, make_workspace: Callable[[Path, Manifest], Workspace]) -> Baseline:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = registry.manifest(folder)
    ordered = start_order(services)
    ports = free_ports(2 * len(ordered))
    record: dict[str, Any] = {
        "commit": commit, "repo": str(repo), "status": "starting", "explicit": False, "started_at": time.time(),
        "capture": capture, "worktree": str(folder / "worktree"), "pid": os.getpid(),
        "services": {s.name: {"port": ports[2 * i], "proxy_port": ports[2 * i + 1], "url_env": s.url_env}
                     for i, s in enumerate(ordered)}}
    registry.write_record(folder / "baseline.json", record)
    baseline = Baseline(folder, record)
    try:
        workspace = make_workspace(folder / "worktree", manifest)
        setup(workspace, 600.0)
        proxies = [_start_proxy(baseline, name, env, manifest) for name in baseline.services]
        for name, process in proxies:
            problem = wait_until_ready(HealthCheck(http=HEALTH_PATH), baseline.services[name]["proxy_port"], env,
                                       folder, process.poll, PROXY_START_TIMEOUT)
            if problem:
                raise ServiceStartError(f"the routing proxy of {name!r} {problem}; see {baseline.proxy_log(name)}",
                                        "check that aiohttp is installed in greenloop's environment")
        group = ServiceGroup(f"baseline {baseline.name}", Path(workspace.path), folder / "logs", env, manifest)
        urls = {s.url_env: baseline.proxy_url(s.name) for s in ordered if s.url_env}
        for service in ordered:
            group.start(service, baseline.services[service.name]["port"], {**urls, **service.env})
    except BaseException:
        stop(repo, folder)
        raise
    record["status"] = "ready"
    registry.write_record(folder / "baseline.json", record)
    return baseline


def _start_proxy(baseline: Baseline, name: str, env: Mapping[str, str], manifest: Manifest) -> tuple[str, Any]:
    folder = baseline.folder
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    routes = folder / "routes" / f"{name}.json"
    routes.parent.mkdir(parents=True, exist_ok=True)
    if not routes.exists():
        write_routes(routes, {})
    argv = [sys.executable, "-m", "greenloop.adapters.sandboxes.proxy", "--service", name,
            "--port", str(baseline.services[name]["proxy_port"]),
            "--baseline", f"http://127.0.0.1:{baseline.services[name]['port']}",
            "--routes", str(routes), "--log", str(baseline.proxy_log(name))]
    if baseline.record.get("capture"):
        argv += ["--capture-dir", str(folder / "captures")]
    with (folder / "logs" / f"{name}.proxy.out").open("ab") as output:
        process = spawn(shell(argv), folder, env, output, manifest, f"baseline/{name}-proxy")
    return name, process


def shell(argv: list[str]) -> str:
    return "exec " + " ".join(shlex.quote(arg) for arg in argv)


def stop(repo: Path, folder: Path) -> list[str]:
    """Stop every process of the baseline in `folder` and remove its worktree and folder: what was removed."""
    removed = reap(registry.manifest(folder)) if (folder / "manifest.jsonl").is_file() else []
    shutil.rmtree(folder, ignore_errors=True)
    return removed
