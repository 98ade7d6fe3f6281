"""The local sandbox, "isolation = copy": every sandbox runs its own copy of every service, from its own workspace.

Services are plain subprocesses on free 127.0.0.1 ports, so attempts never share state and a failed attempt's
services die with its sandbox. Ports are chosen before anything starts, so every service (and the tests) can be
told every URL up front.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from greenloop.adapters.manifest import Manifest
from greenloop.adapters.protocols import LogLine, Workspace
from greenloop.adapters.sandboxes.health import wait_until_ready
from greenloop.adapters.sandboxes.logfile import read_log
from greenloop.adapters.sandboxes.services import ServiceProcess, free_ports
from greenloop.loop.config import ServiceConfig, start_order
from greenloop.loop.errors import ServiceStartError

TAIL_LINES = 20
"""Log lines of a failed service quoted in its ServiceStartError."""


class LocalSandboxProvider:
    """Starts the configured services from a workspace, one sandbox per call; `close` stops whatever is left."""

    def __init__(self, services: list[ServiceConfig], run_dir: Path, base_env: Mapping[str, str] | None = None,
                 manifest: Manifest | None = None):
        self._services = start_order(services)
        self._run_dir = Path(run_dir)
        self._base_env = base_env
        self._manifest = manifest
        self._sandboxes: list[LocalSandbox] = []
        self._lock = threading.Lock()

    def create(self, workspace: Workspace, name: str) -> LocalSandbox:
        """Start every service from `workspace`; raises `ServiceStartError` (after tearing down) if one fails."""
        base_env = dict(os.environ if self._base_env is None else self._base_env)
        sandbox = LocalSandbox(name, self._services, Path(workspace.path), self._log_dir(name), base_env,
                               self._manifest)
        with self._lock:  # registered before starting, so `close` from another thread reaches it mid-start
            self._sandboxes.append(sandbox)
        sandbox.start()
        return sandbox

    def logs(self, name: str, since: float | None = None) -> list[LogLine]:
        """A sandbox's log lines from its files: also after it was destroyed, or started by an earlier process."""
        return _read_logs({path.stem: path for path in self._log_dir(name).glob("*.log")}, since)

    def _log_dir(self, name: str) -> Path:
        return self._run_dir / "sandboxes" / name

    def close(self) -> None:
        with self._lock:
            sandboxes, self._sandboxes = self._sandboxes, []
        for sandbox in sandboxes:
            sandbox.destroy()


class LocalSandbox:
    """One workspace's services, running. Made by `LocalSandboxProvider.create`."""

    def __init__(
        self, name: str, services: list[ServiceConfig], workspace: Path, log_dir: Path, base_env: dict[str, str],
        manifest: Manifest | None = None,
    ):
        self.id = name
        self.started_at = time.time()
        self._services = services  # already in start order
        self._workspace = workspace
        self._log_dir = log_dir
        self._base_env = base_env
        self._manifest = manifest
        self._ports = dict(zip((s.name for s in services), free_ports(len(services)), strict=True))
        self._running: list[ServiceProcess] = []
        self._destroyed = False
        self._lock = threading.Lock()

    def env(self) -> dict[str, str]:
        return {s.url_env: self._url(s) for s in self._services if s.url_env}

    def endpoints(self) -> dict[str, str]:
        return {s.name: self._url(s) for s in self._services}

    def logs(self, since: float | None = None) -> list[LogLine]:
        return _read_logs(self.log_paths(), since)

    def log_paths(self) -> dict[str, Path]:
        return {s.name: self._log_dir / f"{s.name}.log" for s in self._services}

    def start(self) -> None:
        """Start each service once the ones before it are healthy; on any failure, tear down first, then raise."""
        self._log_dir.mkdir(parents=True, exist_ok=True)
        if self._manifest:
            self._manifest.sandbox(self.id, self._ports, self._workspace)
        try:
            for service in self._services:
                problem = self._start(service)
                if problem is not None:
                    self.destroy()  # first: stopping finishes the service's log, so the tail quoted is complete
                    raise self._start_error(service, problem)
        except BaseException:
            self.destroy()
            raise

    def destroy(self) -> None:
        with self._lock:
            self._destroyed = True
            running, self._running = self._running, []
        for process in reversed(running):  # dependents first
            process.stop()

    def _start(self, service: ServiceConfig) -> str | None:
        """None once `service` is ready, else what went wrong."""
        cwd = self._workspace / service.cwd if service.cwd else self._workspace
        env = {
            **self._base_env,
            "PYTHONUNBUFFERED": "1",
            service.port_env: str(self._ports[service.name]),
            **self.env(),
            **service.env,
        }
        with self._lock:
            if self._destroyed:
                return "was not started: the sandbox was destroyed meanwhile"
            try:
                process = ServiceProcess(service.command, cwd, env, self.log_paths()[service.name], self._manifest,
                                         f"{self.id}/{service.name}")
            except OSError as error:
                return f"could not be started from {cwd}: {error.strerror}"
            self._running.append(process)
        port = self._ports[service.name]
        return wait_until_ready(service.health, port, env, cwd, process.exit_code, service.start_timeout)

    def _url(self, service: ServiceConfig) -> str:
        return f"http://127.0.0.1:{self._ports[service.name]}"

    def _start_error(self, service: ServiceConfig, problem: str) -> ServiceStartError:
        path = self.log_paths()[service.name]
        tail = [line.text for line in read_log(path, service.name)][-TAIL_LINES:]
        quoted = "".join(f"\n    {text}" for text in tail)
        log = f"last {len(tail)} lines of {path}:{quoted}" if tail else f"its log {path} is empty"
        return ServiceStartError(f"service {service.name!r} in sandbox {self.id!r} {problem}\n  {log}", _fix(service))


def _read_logs(paths: dict[str, Path], since: float | None) -> list[LogLine]:
    lines = [line for name, path in paths.items() if path.is_file() for line in read_log(path, name, since)]
    return sorted(lines, key=lambda line: line.time)


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
