"""The shared baseline: every service at the base commit, started once, each behind its routing proxy.

Every sandbox of a run — and, through `greenloop baseline up`, every run and agent on the machine testing the same
commit — sends its traffic through these proxies. A request carrying a sandbox's routing key reaches that sandbox's
fork of the service when it has one; everything else reaches the baseline service. Services of the baseline (and
forks) are told the *proxy* URLs of the others, so every hop passes a proxy and is routed and logged.

The baseline outlives the command that started it: its processes log through pumps of their own, and its folder
(see `registry`) is the only record another greenloop needs to use it, route to it or stop it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from greenloop.adapters.manifest import Manifest, reap
from greenloop.adapters.manifest import alive as manifest_alive
from greenloop.adapters.processes import start as start_process
from greenloop.adapters.processes import stop_group
from greenloop.adapters.protocols import LogLine, Workspace
from greenloop.adapters.sandboxes import registry
from greenloop.adapters.sandboxes.baggage import HEALTH_PATH, write_routes
from greenloop.adapters.sandboxes.group import PORT_TRIES, ServiceGroup
from greenloop.adapters.sandboxes.health import wait_until_ready
from greenloop.adapters.sandboxes.logfile import read_log
from greenloop.adapters.sandboxes.services import free_ports, listener_group
from greenloop.loop.config import HealthCheck, ServiceConfig, start_order
from greenloop.loop.errors import InfraError, ServiceStartError
from greenloop.loop.redact import secret_named

PROXY_START_TIMEOUT = 15.0

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
            if routes.get(key) == url:
                return  # unchanged: every proxy would read a rewritten table again for nothing
            if url is None:
                routes.pop(key)
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
        """Every service still runs (its recorded process, checked by pid and start time) and every proxy answers
        its health check: a status flag alone proves nothing after a crash. A proxy slow to answer under load is
        asked twice before it counts as dead."""
        latest = {e["label"]: e for e in registry.manifest(self.folder).entries() if e["kind"] == "process"}
        for name in self.services:
            entry = latest.get(f"baseline {self.name}/{name}")
            if entry is None or not manifest_alive(entry["pid"], entry["start"]):
                return False
        return all(_answers(self.proxy_url(name) + HEALTH_PATH) for name in self.services)

    def hold(self, holder: str) -> int:
        """Keep the baseline up while the returned descriptor is open (the kernel lets go when we die)."""
        descriptor = registry.try_lock(self.folder / "holders" / f"{holder}.lock")
        if descriptor is None:
            raise InfraError(f"baseline {self.name} is already held by {holder}",
                             "a greenloop process with this id is running: wait for it to end")
        return descriptor

    def release(self, descriptor: int, holder: str) -> None:
        """Let go of a hold; its lock file goes too, so a long-lived baseline's folder does not fill up."""
        (self.folder / "holders" / f"{holder}.lock").unlink(missing_ok=True)
        os.close(descriptor)


def _answers(url: str, tries: int = 2) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for _ in range(tries):
        try:
            with opener.open(url, timeout=5) as answer:
                return answer.status == 200
        except OSError:
            continue
    return False


def folder_for(repo: Path, commit: str) -> Path:
    return repo / registry.BASELINES / commit[:12]


def acquire(repo: Path, commit: str, services: list[ServiceConfig], setup: Setup, env: Mapping[str, str],
            holder: str, *, explicit: bool = False, capture: bool = True, setup_timeout: float = 600,
            make_workspace: Callable[[Path, Manifest], Workspace]) -> tuple[Baseline, int]:
    """The baseline of `commit`, started unless a live one is there, and held for `holder` (`Baseline.release`
    lets go). One greenloop at a time starts or stops a given baseline; another waits as long as a start can take."""
    folder = folder_for(repo, commit)
    registry.ensure_ignored(repo)
    longest_start = setup_timeout + sum(s.start_timeout for s in services) + len(services) * PROXY_START_TIMEOUT
    with registry.exclusive(folder.parent / f"{folder.name}.lock", longest_start + 60):
        record = registry.read_record(folder / "baseline.json")
        baseline = Baseline(folder, record) if record and record.get("status") == "ready" else None
        if baseline is None or not baseline.alive():
            if folder.exists():
                stop(repo, folder)
            baseline = _start(repo, folder, commit, services, setup, env, capture, setup_timeout, make_workspace)
        if explicit and not baseline.record.get("explicit"):
            baseline.record["explicit"] = True
            registry.write_record(folder / "baseline.json", baseline.record)
        return baseline, baseline.hold(holder)


def _start(repo: Path, folder: Path, commit: str, services: list[ServiceConfig], setup: Setup,
           env: Mapping[str, str], capture: bool, setup_timeout: float,
           make_workspace: Callable[[Path, Manifest], Workspace]) -> Baseline:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = registry.manifest(folder)
    ordered = start_order(services)
    record: dict[str, Any] = {
        "commit": commit, "repo": str(repo), "status": "starting", "explicit": False, "started_at": time.time(),
        "capture": capture, "worktree": str(folder / "worktree"), "pid": os.getpid(),
        "services": {s.name: {"port": 0, "proxy_port": 0, "url_env": s.url_env,
                              "refuse_keyed_writes": s.stateful is not False} for s in ordered}}
    registry.write_record(folder / "baseline.json", record)
    baseline = Baseline(folder, record)
    try:
        workspace = make_workspace(folder / "worktree", manifest)
        setup(workspace, setup_timeout)
        ports = free_ports(2 * len(ordered))  # chosen once setup is done: the shorter the wait, the fewer taken
        for i, service in enumerate(ordered):
            baseline.services[service.name].update(port=ports[2 * i], proxy_port=ports[2 * i + 1])
        secrets = [secret_named(s.env) for s in ordered]  # what a proxy must mask in its captures and log
        proxies = {name: _spawn_proxy(baseline, name, env, manifest, secrets) for name in baseline.services}  # at once
        for name in baseline.services:
            proxies[name] = _proxy_ready(baseline, name, proxies[name], env, manifest, secrets)
        group = ServiceGroup(f"baseline {baseline.name}", Path(workspace.path), folder / "logs", env, manifest)
        urls = {s.url_env: baseline.proxy_url(s.name) for s in ordered if s.url_env}
        for service in ordered:
            planned = baseline.services[service.name]["port"]
            port = group.start(service, planned, {**urls, **service.env})
            if port != planned:  # another process took the planned port: the proxy must point at the new one
                baseline.services[service.name]["port"] = port
                stop_group(proxies[service.name])
                proxies[service.name] = _proxy_ready(
                    baseline, service.name, _spawn_proxy(baseline, service.name, env, manifest, secrets), env,
                    manifest, secrets)
    except BaseException:
        stop(repo, folder)
        raise
    record["status"] = "ready"
    registry.write_record(folder / "baseline.json", record)
    return baseline


def _proxy_ready(baseline: Baseline, name: str, process: Any, env: Mapping[str, str], manifest: Manifest,
                 secrets: list[dict[str, str]]) -> Any:
    """`process` once it answers on its port; when another process took that port first, a new proxy on another."""
    for attempt in range(1, PORT_TRIES + 1):
        port = baseline.services[name]["proxy_port"]
        problem = wait_until_ready(HealthCheck(http=HEALTH_PATH), port, env, baseline.folder, process.poll,
                                   PROXY_START_TIMEOUT)
        if not problem and listener_group(port) == process.pid:
            return process
        stop_group(process)
        taken = listener_group(port) not in (None, process.pid)
        if not taken or attempt == PORT_TRIES:
            output = (baseline.folder / "logs" / f"{name}.proxy.out").read_text(errors="replace").splitlines()[-5:]
            raise ServiceStartError(
                f"the routing proxy of {name!r} {problem or 'lost its port to another process'}"
                + "".join(f"\n    {line}" for line in output),
                "check that greenloop's own environment runs `python -m greenloop.adapters.sandboxes.proxy --help`"
                if not taken else "too many processes are taking ports on this machine; try again")
        baseline.services[name]["proxy_port"] = free_ports(1)[0]
        process = _spawn_proxy(baseline, name, env, manifest, secrets)
    raise AssertionError("unreachable")


def _spawn_proxy(baseline: Baseline, name: str, env: Mapping[str, str], manifest: Manifest,
                 secrets: list[dict[str, str]]) -> Any:
    """The routing proxy of `name`. The services' secrets reach it on its stdin, never in a file or in its
    environment (which any process of the user can read in /proc): its captures hold the bodies a service sends
    back, and a service may echo the password it was given."""
    folder = baseline.folder
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    routes = folder / "routes" / f"{name}.json"
    routes.parent.mkdir(parents=True, exist_ok=True)
    if not routes.exists():
        write_routes(routes, {})
    argv = [sys.executable, "-m", "greenloop.adapters.sandboxes.proxy", "--service", name,
            "--port", str(baseline.services[name]["proxy_port"]),
            "--baseline", f"http://127.0.0.1:{baseline.services[name]['port']}",
            "--routes", str(routes), "--log", str(baseline.proxy_log(name)), "--secrets-on-stdin"]
    if baseline.record.get("capture"):
        argv += ["--capture-dir", str(folder / "captures")]
    if baseline.services[name].get("refuse_keyed_writes"):  # a sandbox's write would change what all others see
        argv.append("--refuse-keyed-writes")
    with (folder / "logs" / f"{name}.proxy.out").open("ab") as output:
        process = start_process(["/bin/sh", "-c", shell(argv)], folder, env, manifest, f"baseline/{name}-proxy",
                                stdin=subprocess.PIPE, stdout=output, stderr=subprocess.STDOUT)
    assert process.stdin is not None
    with contextlib.suppress(OSError):  # it died at once: `_proxy_ready` reports its output
        with process.stdin:
            process.stdin.write(json.dumps(secrets).encode("utf-8"))
    return process


def shell(argv: list[str]) -> str:
    return "exec " + " ".join(shlex.quote(arg) for arg in argv)


def stop(repo: Path, folder: Path) -> list[str]:
    """Stop every process of the baseline in `folder` and remove its worktree and folder: what was removed."""
    removed = reap(registry.manifest(folder)) if (folder / "manifest.jsonl").is_file() else []
    shutil.rmtree(folder, ignore_errors=True)
    return removed
