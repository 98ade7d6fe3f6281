"""A set of services started from one workspace, each on a port chosen for it, each logging to its own file.

The one way greenloop starts a service — for a full copy, for the shared baseline and for a sandbox's forks — so a
service that fails to start is reported the same way everywhere: its name, what happened, its last log lines and
how to check it by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from greenloop.adapters.manifest import Manifest
from greenloop.adapters.protocols import Workspace
from greenloop.adapters.sandboxes.health import wait_until_ready
from greenloop.adapters.sandboxes.logfile import read_log
from greenloop.adapters.sandboxes.services import ServiceProcess, free_ports, listener_group
from greenloop.loop.config import ServiceConfig
from greenloop.loop.errors import ServiceStartError

TAIL_LINES = 20
"""Log lines of a failed service quoted in its ServiceStartError."""
PORT_TRIES = 3
"""Ports tried per service start: a port chosen free can be taken by another process before the service binds it."""


class PortTaken(ServiceStartError):
    """The service's port was taken by another process before the service listened on it: try another port."""


class ServiceGroup:
    """Services of one owner (a sandbox, a baseline), started one at a time, stopped together or one by one."""

    def __init__(self, owner: str, workspace: Path, log_dir: Path, base_env: Mapping[str, str],
                 manifest: Manifest | None = None):
        self.owner = owner
        self.workspace = workspace
        self.log_dir = log_dir
        self.base_env = dict(base_env)
        self._manifest = manifest
        self._running: dict[str, ServiceProcess] = {}
        self._closed = False
        self._lock = threading.Lock()

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self, service: ServiceConfig, port: int, env: Mapping[str, str]) -> int:
        """Start `service` on `port` with `env` over the base environment and wait until it is ready: the port it
        listens on — another free one when some other process took `port` first. Raises `ServiceStartError` (with
        that service stopped, so its log is complete) when it does not become ready."""
        for attempt in range(1, PORT_TRIES + 1):
            try:
                self._start_on(service, port, env)
                return port
            except PortTaken:
                if attempt == PORT_TRIES:
                    raise
                port = free_ports(1)[0]
        raise AssertionError("unreachable")

    def _start_on(self, service: ServiceConfig, port: int, env: Mapping[str, str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        cwd = self.workspace / service.cwd if service.cwd else self.workspace
        full_env = {**self.base_env, "PYTHONUNBUFFERED": "1", service.port_env: str(port), **env}
        with self._lock:
            if self._closed:
                raise ServiceStartError(f"service {service.name!r} in {self.owner} was not started: "
                                        f"{self.owner} was torn down meanwhile")
            try:
                process = ServiceProcess(service.command, cwd, full_env, self.log_path(service.name), self._manifest,
                                         f"{self.owner}/{service.name}")
            except OSError as error:
                raise self._start_error(service, f"could not be started from {cwd}: {error.strerror}") from None
            self._running[service.name] = process
        problem = wait_until_ready(service.health, port, full_env, cwd, process.exit_code, service.start_timeout)
        holder = listener_group(port)
        if holder is not None and holder != process.pgid:  # its answers were somebody else's
            self.stop(service.name)
            raise PortTaken(f"service {service.name!r} in {self.owner} could not have port {port}: another process "
                            f"(group {holder}) took it first")
        if problem is not None:
            self.stop(service.name)
            raise self._start_error(service, problem)

    def stop(self, name: str) -> None:
        with self._lock:
            process = self._running.pop(name, None)
        if process is not None:
            process.stop()

    def close(self) -> None:
        """Stop every service, dependents first (the reverse of the start order); nothing starts afterwards."""
        with self._lock:
            self._closed = True
            names = list(self._running)
        for name in reversed(names):
            self.stop(name)

    def _start_error(self, service: ServiceConfig, problem: str) -> ServiceStartError:
        path = self.log_path(service.name)
        tail = [line.text for line in read_log(path, service.name)][-TAIL_LINES:]
        quoted = "".join(f"\n    {text}" for text in tail)
        log = f"last {len(tail)} lines of {path}:{quoted}" if tail else f"its log {path} is empty"
        return ServiceStartError(f"service {service.name!r} in {self.owner} {problem}\n  {log}", _fix(service))


def _fix(service: ServiceConfig) -> str:
    where = f"{service.cwd}/ in the workspace" if service.cwd else "the workspace root"
    check = service.health
    if check is None:
        ready = "keeps running (it must not exit or go to the background)"
    elif check.http is not None:
        ready = f"answers GET {check.http} with 2xx"
    elif check.command is not None:
        ready = f"makes the health command `{check.command}` exit 0"
    else:
        ready = "accepts TCP connections"
    return (
        f"run `{service.command}` by hand from {where}; check it listens on 127.0.0.1 at the port greenloop passes "
        f"in ${service.port_env} and {ready}; if it is only slow, raise start_timeout (now {service.start_timeout:g} s)"
    )


def bring_to(workspace: Workspace, diff: str) -> None:
    """The workspace at base + `diff`: left alone when it holds exactly that change already (the caller applied it
    to run setup first), else reset to base and `diff` applied."""
    if workspace.tree() != workspace.tree_with(diff):
        workspace.reset()
        workspace.apply(diff)
