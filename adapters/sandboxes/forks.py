"""A sandbox on the shared baseline: forks of only the services its change touches, reached by its routing key.

A sandbox's tests need not know about keys: they get the URLs of the sandbox's *ingress*, one small proxy process
that adds `baggage: greenloop-routing-key=<key>` to every request and passes it to the service's routing proxy. Each
fork runs from the sandbox's workspace on its own port with its own log; services that use a `[[resources]]` entry
are forked in every sandbox and get that resource's outputs, so a sandbox never writes to the baseline's data.

Its record is a folder `.greenloop/sandboxes/<key>/` (see `registry`), so a later greenloop can list it, read its
logs, or take it down (`shared.teardown`) after the process that made it is gone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pathspec import GitIgnoreSpec

from greenloop.adapters.processes import spawn, stop_group
from greenloop.adapters.protocols import LogLine, Workspace
from greenloop.adapters.sandboxes import registry, resources
from greenloop.adapters.sandboxes.baggage import HEALTH_PATH, baggage_member
from greenloop.adapters.sandboxes.baseline import Baseline, shell
from greenloop.adapters.sandboxes.group import PORT_TRIES, ServiceGroup, bring_to
from greenloop.adapters.sandboxes.health import wait_until_ready
from greenloop.adapters.sandboxes.logfile import read_log
from greenloop.adapters.sandboxes.readiness import check_propagation, check_routing
from greenloop.adapters.sandboxes.services import free_ports, listener_group
from greenloop.loop.config import Config, HealthCheck, ServiceConfig, start_order
from greenloop.loop.errors import ServiceStartError

INGRESS_START_TIMEOUT = 15.0


def forked_services(config: Config, changed: list[str]) -> set[str]:
    """The services a change needs forks of: those owning a changed path, and those with state of their own."""
    return {s.name for s in config.services if owns(s, changed)} | always_forked(config)


def always_forked(config: Config) -> set[str]:
    """Services forked in every sandbox, and started afresh for each attempt: those using a per-sandbox resource,
    and stateful ones — a sandbox must never see the baseline's writes, nor an earlier attempt's."""
    return resources.always_forked(config.resources) | {s.name for s in config.services if s.stateful}


def owns(service: ServiceConfig, changed: list[str]) -> bool:
    """Whether a change to `changed` touches `service` (a service without `paths` owns every path, to be safe)."""
    return bool(changed) and (not service.paths or any(GitIgnoreSpec.from_lines(service.paths).match_file(path)
                                                       for path in changed))


class ForkSandbox:
    """One sandbox: its routing key, its forks (by the change in its workspace), its ingress, its resources."""

    def __init__(self, key: str, workspace: Workspace, baseline: Baseline, config: Config, folder: Path,
                 base_env: Mapping[str, str], log_dir: Path | None = None,
                 on_destroy: Callable[[], None] | None = None):
        self.id = key
        self.workspace = workspace
        self.baseline = baseline
        self.folder = folder
        self._config = config
        self._services = start_order(config.services)
        self._base_env = dict(base_env)
        self._manifest = registry.manifest(folder)
        self._log_dir = log_dir or folder / "logs"
        self._group = ServiceGroup(f"sandbox {key!r}", Path(workspace.path), self._log_dir, self._base_env,
                                   self._manifest)
        self._forks: dict[str, int] = {}
        self._outputs: dict[str, dict[str, str]] = {}
        self._ingress: Any = None
        self._ingress_ports: dict[str, int] = {}  # chosen right before the ingress binds them
        self._tree = ""
        """The workspace's tree the running forks were started from."""
        self._record: dict[str, Any] = {}
        self._on_destroy = on_destroy

    # -- what tests and people use -------------------------------------------------------------------------------

    @property
    def baggage(self) -> str:
        """The exact `baggage` header value that routes a request to this sandbox."""
        return baggage_member(self.id)

    def endpoints(self) -> dict[str, str]:
        """Service name → this sandbox's ingress for it (no header needed)."""
        return {name: f"http://127.0.0.1:{port}" for name, port in self._ingress_ports.items()}

    def env(self) -> dict[str, str]:
        urls = self.endpoints()
        return {**{s.url_env: urls[s.name] for s in self._services if s.url_env},
                "GREENLOOP_ROUTING_KEY": self.id, "GREENLOOP_BAGGAGE": self.baggage}

    @property
    def forks(self) -> list[str]:
        return sorted(self._forks)

    @property
    def record(self) -> dict[str, Any]:
        """What `sandbox.json` says: key, baggage, endpoints, forks, status, expiry."""
        return dict(self._record)

    def logs(self, since: float | None = None) -> list[LogLine]:
        return sandbox_logs(self._log_dir, self.id, self.baseline, since)

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def start(self, detached: bool = False, extra: dict[str, Any] | None = None) -> None:
        """Create resources, start the forks the workspace's change needs, route the key to them, start the ingress,
        and prove the data path; on any failure everything is torn down before the error is raised."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._record = {"id": self.id, "routing_key": self.id, "baggage": self.baggage, "status": "starting",
                        "baseline": self.baseline.name, "repo": self.baseline.record["repo"],
                        "workspace": str(self.workspace.path), "logs": str(self._log_dir), "created_at": time.time(),
                        "detached": detached, "expires_at": None, "endpoints": self.endpoints(),
                        "proxies": self.baseline.endpoints(), **(extra or {})}
        self._save()
        try:
            self._create_resources()
            self._refork(set(self._wanted()))
            self._start_ingress()
            self._check()
        except BaseException:
            self.destroy()
            raise
        self._record["status"] = "ready"
        self._save()

    def update(self, diff: str) -> None:
        """The next attempt in the same sandbox, under the same key: forks whose files changed restart, forks no
        longer needed stop, new ones start, the rest keep running — except stateful ones and those using resources,
        which start afresh on fresh resources, so no attempt sees an earlier one's writes."""
        bring_to(self.workspace, diff)
        changed = self.workspace.changed_since(self._tree)  # since the forks started: the caller may have applied
        fresh = always_forked(self._config)  # the diff already (to run setup first)
        restart = {s.name for s in self._services if s.name in self._forks and (owns(s, changed) or s.name in fresh)}
        try:
            self._refork(self._wanted(), restart, renew=True)
            self._check()
        except BaseException:
            self.destroy()
            raise

    def destroy(self) -> None:
        """Routes first (no request reaches a stopping fork), then forks, ingress, resources and the capture."""
        for name in list(self._forks):
            self.baseline.route(name, self.id, None)
        self._forks.clear()
        self._group.close()
        if self._ingress is not None:
            stop_group(self._ingress)
            self._ingress = None
        resources.delete_resources(self.folder, self._base_env, self._manifest)
        self.baseline.capture_file(self.id).unlink(missing_ok=True)  # request bodies: no longer anyone's business
        self._record["status"] = "down"
        if self.folder.exists():
            self._save()
        if self._on_destroy is not None:
            self._on_destroy()

    def detach(self, expires_at: float | None, **extra: Any) -> None:
        """Hand the running sandbox over: it stays up after this process ends, until `down` or `expires_at`; `extra`
        goes into its record (`own_worktree=True`: `down` removes the workspace too)."""
        self._record.update(detached=True, expires_at=expires_at, **extra)
        self._save()

    # -- inside -----------------------------------------------------------------------------------------------------

    def _wanted(self) -> set[str]:
        return forked_services(self._config, self.workspace.changed_since(self.workspace.base_commit))

    def _create_resources(self) -> None:
        env = {**self._base_env, "GREENLOOP_SANDBOX": self.id, "GREENLOOP_ROUTING_KEY": self.id}
        self._outputs = resources.create_resources(self._config.resources, Path(self.workspace.path), self.folder,
                                                   env, self._manifest)

    def _refork(self, wanted: set[str], restart: frozenset[str] | set[str] = frozenset(), renew: bool = False) -> None:
        """Stop the forks not wanted or to restart, (`renew`: delete and create the resources again), then start
        the wanted ones not running; each is routed only once it is ready."""
        for service in reversed(self._services):  # dependents first
            if service.name in self._forks and (service.name not in wanted or service.name in restart):
                self.baseline.route(service.name, self.id, None)
                self._group.stop(service.name)
                del self._forks[service.name]
        if renew and self._config.resources:
            resources.delete_resources(self.folder, self._base_env, self._manifest)
            self._create_resources()
        proxies = {s.url_env: self.baseline.proxy_url(s.name) for s in self._services if s.url_env}
        for service in self._services:
            if service.name in wanted and service.name not in self._forks:
                env = {**proxies, **service.env, **resources.outputs_for(service.name, self._config.resources,
                                                                          self._outputs)}
                port = self._group.start(service, free_ports(1)[0], env)
                self._forks[service.name] = port
                self.baseline.route(service.name, self.id, f"http://127.0.0.1:{port}")
        self._tree = self.workspace.tree()
        self._record["forks"] = {name: f"http://127.0.0.1:{port}" for name, port in sorted(self._forks.items())}
        self._save()

    def _start_ingress(self) -> None:
        """The ingress, on ports picked right before it binds them; on other ports when another process took one
        first (it then exits, address in use)."""
        from greenloop.adapters.sandboxes.proxy import ingress_command

        if not self._services:
            return
        problem = ""
        for _ in range(PORT_TRIES):
            self._ingress_ports = dict(zip((s.name for s in self._services), free_ports(len(self._services)),
                                           strict=True))
            listeners = {name: (port, self.baseline.proxy_url(name)) for name, port in self._ingress_ports.items()}
            output = self.folder / "ingress.out"
            with output.open("wb") as sink:
                self._ingress = spawn(shell(ingress_command(self.id, listeners, self.folder / "ingress.log")),
                                      self.folder, self._base_env, sink, self._manifest, f"{self.id}/ingress")
            port = next(iter(self._ingress_ports.values()))
            problem = wait_until_ready(HealthCheck(http=HEALTH_PATH), port, self._base_env, self.folder,
                                       self._ingress.poll, INGRESS_START_TIMEOUT) or ""
            if not problem and all(listener_group(p) == self._ingress.pid for p in self._ingress_ports.values()):
                self._record["endpoints"] = self.endpoints()
                return
            stop_group(self._ingress)
            self._ingress = None
            problem = problem or "found one of its ports taken by another process"
            problem += "".join(f"\n    {line}" for line in output.read_text(errors="replace").splitlines()[-5:])
        raise ServiceStartError(f"the ingress of sandbox {self.id!r} {problem}",
                                "check that greenloop's own environment can run `python -m "
                                "greenloop.adapters.sandboxes.proxy --help` (aiohttp installed)")

    def _check(self) -> None:
        forks = [s for s in self._services if s.name in self._forks]
        check_routing(self.baseline, self.id, forks)
        check_propagation(self.baseline, self.id, self._services, set(self._forks))

    def _save(self) -> None:
        registry.write_record(self.folder / "sandbox.json", self._record)


def sandbox_logs(log_dir: Path, key: str, baseline: Baseline | None, since: float | None = None,
                 service: str | None = None) -> list[LogLine]:
    """A sandbox's lines, oldest first: its forks' logs (in `log_dir`), and from the baseline the proxies' hops of
    its own requests and what the services wrote while serving them."""
    lines = [line for path in sorted(log_dir.glob("*.log")) if service in (None, path.stem)
             for line in read_log(path, path.stem, since)]
    if baseline is not None:
        lines += [line for line in baseline.lines_for(key, since)
                  if service in (None, line.service.removesuffix(" (routing)"))]
    return sorted(lines, key=lambda line: line.time)
