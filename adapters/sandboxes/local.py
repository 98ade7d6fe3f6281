"""The local sandbox, `isolation = "copy"`: every sandbox runs its own copy of every service, from its own workspace.

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
from typing import Any

from greenloop.adapters.manifest import Manifest
from greenloop.adapters.protocols import LogLine, Workspace
from greenloop.adapters.sandboxes.group import ServiceGroup, bring_to
from greenloop.adapters.sandboxes.logfile import read_log
from greenloop.adapters.sandboxes.services import free_ports
from greenloop.loop.config import ServiceConfig, start_order


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
        sandbox = LocalSandbox(name, self._services, workspace, self._log_dir(name), base_env, self._manifest)
        with self._lock:  # registered before starting, so `close` from another thread reaches it mid-start
            self._sandboxes.append(sandbox)
        sandbox.start()
        return sandbox

    def logs(self, name: str, since: float | None = None) -> list[LogLine]:
        """A sandbox's log lines from its files: also after it was destroyed, or started by an earlier process."""
        return _read_logs({path.stem: path for path in self._log_dir(name).glob("*.log")}, since)

    def flows(self, name: str, since: float | None = None) -> list[dict[str, Any]]:
        """A full copy has no routing proxies, so nothing is captured."""
        return []

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
        self, name: str, services: list[ServiceConfig], workspace: Workspace, log_dir: Path, base_env: dict[str, str],
        manifest: Manifest | None = None,
    ):
        self.id = name
        self.started_at = time.time()
        self._services = services  # already in start order
        self._workspace = workspace
        self._manifest = manifest
        self._ports = dict(zip((s.name for s in services), free_ports(len(services)), strict=True))
        self._group = ServiceGroup(f"sandbox {name!r}", Path(workspace.path), log_dir, base_env, manifest)

    def env(self) -> dict[str, str]:
        return {s.url_env: self._url(s) for s in self._services if s.url_env}

    def endpoints(self) -> dict[str, str]:
        return {s.name: self._url(s) for s in self._services}

    def logs(self, since: float | None = None) -> list[LogLine]:
        return _read_logs(self.log_paths(), since)

    def log_paths(self) -> dict[str, Path]:
        return {s.name: self._group.log_path(s.name) for s in self._services}

    def start(self) -> None:
        """Start each service once the ones before it are healthy; on any failure, tear down first, then raise."""
        if self._manifest:
            self._manifest.sandbox(self.id, self._ports, Path(self._workspace.path))
        try:
            for service in self._services:  # (a port taken meanwhile is replaced before dependents learn it)
                self._ports[service.name] = self._group.start(service, self._ports[service.name],
                                                              {**self.env(), **service.env})
        except BaseException:
            self.destroy()
            raise

    def update(self, diff: str) -> None:
        """A full copy has no forks to spare: every service restarts from the workspace brought to base + `diff`."""
        bring_to(self._workspace, diff)
        self._group.close()
        self._group = ServiceGroup(self._group.owner, self._group.workspace, self._group.log_dir, self._group.base_env,
                                   self._manifest)
        self.start()

    def destroy(self) -> None:
        self._group.close()

    def _url(self, service: ServiceConfig) -> str:
        return f"http://127.0.0.1:{self._ports[service.name]}"


def _read_logs(paths: dict[str, Path], since: float | None) -> list[LogLine]:
    lines = [line for name, path in paths.items() if path.is_file() for line in read_log(path, name, since)]
    return sorted(lines, key=lambda line: line.time)
