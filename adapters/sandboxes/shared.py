"""`isolation = "fork"`: sandboxes on one shared baseline — the run's provider, and the operations behind
`greenloop baseline …` and `greenloop sandbox …` (the same ones the MCP server exposes).

A run holds the baseline of its base commit (starting it when no live one is there) and makes one sandbox per lane;
each is updated in place for the lane's next attempt. When the run ends its sandboxes go, and so does the baseline,
unless `baseline up` asked for it or a handed-over sandbox still uses it.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from greenloop.adapters.environment import child_env
from greenloop.adapters.manifest import Manifest, check_id, in_state_dir, is_id, reap
from greenloop.adapters.protocols import LogLine, Workspace
from greenloop.adapters.sandboxes import baseline as baselines
from greenloop.adapters.sandboxes import registry, resources
from greenloop.adapters.sandboxes.baseline import Baseline, Setup
from greenloop.adapters.sandboxes.forks import ForkSandbox, sandbox_logs
from greenloop.loop.config import Config, ConfigError, load_config
from greenloop.loop.errors import PatchError, UsageError

MakeWorkspace = Callable[[Path, Manifest], Workspace]


class ForkProvider:
    """A run's sandboxes, each `<run id>-<name>`, on the baseline of the run's base commit."""

    def __init__(self, config: Config, repo: Path, run_id: str, run_dir: Path, base_env: Mapping[str, str],
                 setup: Setup, make_workspace: MakeWorkspace, manifest: Manifest | None = None):
        self._config = config
        self._repo = repo
        self._run_id = run_id
        self._run_dir = run_dir
        self._env = dict(base_env)
        self._setup = setup
        self._make_workspace = make_workspace
        self._baseline: Baseline | None = None
        self._hold: int | None = None
        self._sandboxes: dict[str, tuple[ForkSandbox, int]] = {}
        self._lock = threading.Lock()
        self._holder = f"run-{run_id}"
        self._manifest = manifest

    def baseline(self, commit: str) -> Baseline:
        with self._lock:
            if self._baseline is None:
                self._baseline, self._hold = baselines.acquire(
                    self._repo, commit, self._config.services, self._setup, self._env, self._holder,
                    capture=self._config.sandbox.capture, setup_timeout=self._config.setup.timeout,
                    make_workspace=self._make_workspace)
            return self._baseline

    def key(self, name: str) -> str:
        return f"{self._run_id}-{name}"

    def create(self, workspace: Workspace, name: str) -> ForkSandbox:
        baseline = self.baseline(workspace.base_commit)
        key = self.key(name)
        folder = self._repo / registry.SANDBOXES / key
        if folder.exists():  # a killed run's sandbox, or one it kept before a resume: start clean, in this worktree
            teardown(self._repo, folder, env=self._env, spare=Path(workspace.path))
            if self._manifest:  # kept no more: the run removes the worktree when it ends, as any other
                self._manifest.write("reclaimed", path=str(workspace.path))
        owner = registry.try_lock(folder / "owner.lock")
        if owner is None:
            raise UsageError(f"sandbox {key} is driven by another greenloop process", "wait for it to end")
        sandbox = ForkSandbox(key, workspace, baseline, self._config, folder, self._env,
                              log_dir=self._run_dir / "sandboxes" / name, on_destroy=lambda: self._release(key))
        with self._lock:
            self._sandboxes[key] = (sandbox, owner)
        sandbox.start(extra={"run": self._run_id})  # on failure it destroys itself, which releases it
        return sandbox

    def _release(self, key: str) -> None:
        """A sandbox of ours went down: its folder (its logs live in the run folder) and its lock go too."""
        with self._lock:
            entry = self._sandboxes.pop(key, None)
        if entry is not None:
            shutil.rmtree(entry[0].folder, ignore_errors=True)
            os.close(entry[1])

    def logs(self, name: str, since: float | None = None) -> list[LogLine]:
        """From the run folder (the sandbox's own folder goes with it) and the baseline's hop logs."""
        return sandbox_logs(self._run_dir / "sandboxes" / name, self.key(name), self._baseline, since)

    def flows(self, name: str, since: float | None = None) -> list[dict[str, Any]]:
        return read_flows(self._baseline.capture_file(self.key(name)), since) if self._baseline else []

    def keep(self, name: str, ttl: float | None, **extra: Any) -> dict[str, Any] | None:
        """Hand the sandbox `name` over so it outlives the run (until `sandbox down` or `ttl` seconds); its record.
        Its workspace goes with it (`own_worktree`: the caller must stop the run from removing it), and its change
        is written down, so `sandbox up --with` can combine it with another."""
        with self._lock:
            entry = self._sandboxes.get(self.key(name))
        if entry is None:
            return None
        sandbox = entry[0]
        expires = time.time() + ttl if ttl else None
        (sandbox.folder / "change.diff").write_text(sandbox.workspace.diff(), encoding="utf-8")
        sandbox.detach(expires, own_worktree=True, **extra)
        if ttl:
            start_watchdog(self._repo, sandbox.id, ttl)
        return sandbox.record

    def close(self) -> None:
        """Every sandbox of the run goes, except handed-over ones; then the baseline if nobody else holds it.
        One that fails to go does not keep the others (or the baseline) up: the first error is raised last."""
        with self._lock:
            entries = list(self._sandboxes.values())
        failure: BaseException | None = None
        for sandbox, owner in entries:
            try:
                if sandbox.record.get("detached"):
                    with self._lock:
                        self._sandboxes.pop(sandbox.id, None)
                    os.close(owner)
                else:
                    sandbox.destroy()
            except Exception as error:  # noqa: BLE001 - kept and raised once the rest is down
                failure = failure or error
        if self._hold is not None and self._baseline is not None:
            self._baseline.release(self._hold, self._holder)
            self._hold = None
        reap_stale(self._repo)
        if failure is not None:
            raise failure


def read_flows(path: Path, since: float | None = None) -> list[dict[str, Any]]:
    """The captured exchanges in one key's capture file, optionally since an epoch time."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    flows = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if since is None or datetime.fromisoformat(record["time"]).timestamp() >= since:
            flows.append(record)
    return flows


def teardown(repo: Path, folder: Path, env: Mapping[str, str] | None = None, spare: Path | None = None) -> list[str]:
    """Take down a sandbox another process made (or one a crash left): its routes in every service's table, its
    processes, TTL watchdog, resources, capture, a handed-over worktree (unless it is `spare`, about to be reused),
    the folder. What was removed, one line each."""
    from greenloop.adapters.workspaces.git import remove_worktree

    record = registry.read_record(folder / "sandbox.json") or {}
    key = record.get("routing_key") if is_id(str(record.get("routing_key"))) else folder.name  # it names files
    stop_watchdogs(repo, key)
    baseline_name = str(record.get("baseline", ""))
    baseline_folder = repo / registry.BASELINES / baseline_name
    baseline_record = registry.read_record(baseline_folder / "baseline.json") if is_id(baseline_name) else None
    if baseline_record:
        baseline = Baseline(baseline_folder, baseline_record)
        for name in baseline.services:  # all of them: a kill can come between a route and its record
            baseline.route(name, key, None)
        baseline.capture_file(key).unlink(missing_ok=True)
    removed = reap(registry.manifest(folder)) if (folder / "manifest.jsonl").is_file() else []
    removed += resources.delete_resources(folder, env if env is not None else repo_env(repo))
    workspace = Path(record.get("workspace", ""))
    if record.get("own_worktree") and workspace != spare and in_state_dir(workspace, repo):  # a record is only a file
        remove_worktree(repo, workspace)
        if f"worktree {workspace}" not in removed:  # the manifest's sweep may have taken it already
            removed.append(f"worktree {workspace}")
    shutil.rmtree(folder, ignore_errors=True)
    return removed


def repo_env(repo: Path) -> dict[str, str]:
    """The environment a run of `repo` gives its children (`[env] allow` included), for a resource's `delete` run
    by a later command, such as `sandbox down` or the TTL watchdog."""
    try:
        return child_env(load_config(repo)[0].env.allow)
    except ConfigError:
        return child_env()


def reap_stale(repo: Path) -> dict[str, list[str]]:
    """Take down every sandbox nobody wants (its owner died, its TTL ended) and every baseline nobody holds. A
    baseline another greenloop is starting or stopping right now is left to it."""
    removed: dict[str, list[str]] = {}
    for folder in registry.sandbox_dirs(repo):
        if not registry.sandbox_wanted(folder):
            removed[f"sandbox {folder.name}"] = teardown(repo, folder)
    for folder in registry.baseline_dirs(repo):
        busy = registry.try_lock(folder.parent / f"{folder.name}.lock")
        if busy is None:
            continue
        try:
            if folder.exists() and not registry.baseline_wanted(folder, repo):
                removed[f"baseline {folder.name}"] = baselines.stop(repo, folder)
        finally:
            os.close(busy)
    return removed


def start_watchdog(repo: Path, key: str, ttl: float) -> None:
    """A detached sleeper that takes the sandbox down when its TTL ends, whether or not greenloop runs then."""
    command = (f"sleep {ttl:.0f}; exec {shlex.quote(sys.executable)} -m greenloop.loop.cli sandbox down "
               f"{shlex.quote(key)} --repo {shlex.quote(str(repo))} --quiet")
    subprocess.Popen(["/bin/sh", "-c", command], start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())


def stop_watchdogs(repo: Path, key: str) -> None:
    """The TTL watchdogs of sandbox `key` still asleep go: a sandbox taken down early needs none (the one that is
    running `sandbox down` itself, in this very process, is spared)."""
    marker = f" sandbox down {shlex.quote(key)} --repo {shlex.quote(str(repo))} ".encode()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[:2] == [b"/bin/sh", b"-c"] and len(argv) > 2 and marker in argv[2] and int(entry.name) != os.getpid():
            try:
                os.killpg(int(entry.name), signal.SIGKILL)  # the watchdog leads its own session: its sleep goes too
            except (ProcessLookupError, PermissionError):
                pass


SANDBOX_ID_FIX = "pass an id `greenloop sandbox list` shows, like sb-1126140501-ab12"


def find_sandbox(repo: Path, key: str) -> Path:
    """The folder of sandbox `key`; the id is checked before it becomes a path (`down` removes that folder)."""
    folder = repo / registry.SANDBOXES / check_id(key, "sandbox", SANDBOX_ID_FIX)
    if not (folder / "sandbox.json").is_file():
        known = [p.name for p in registry.sandbox_dirs(repo)]
        raise UsageError(f"no sandbox {key!r} in {repo / registry.SANDBOXES}",
                         f"`greenloop sandbox list` shows them; known: {', '.join(known) or '(none)'}")
    return folder


def baseline_of(repo: Path, folder: Path) -> Baseline | None:
    record = registry.read_record(folder / "sandbox.json") or {}
    base_folder = repo / registry.BASELINES / str(record.get("baseline", ""))
    base_record = registry.read_record(base_folder / "baseline.json")
    return Baseline(base_folder, base_record) if base_record else None


def list_sandboxes(repo: Path) -> list[dict[str, Any]]:
    reap_stale(repo)
    return [registry.read_record(folder / "sandbox.json") or {} for folder in registry.sandbox_dirs(repo)]


def logs_of(repo: Path, key: str, service: str | None = None, since: float | None = None) -> list[LogLine]:
    folder = find_sandbox(repo, key)
    record = registry.read_record(folder / "sandbox.json") or {}
    return sandbox_logs(Path(record.get("logs") or folder / "logs"), key, baseline_of(repo, folder), since, service)


def down(repo: Path, key: str) -> list[str]:
    folder = find_sandbox(repo, key)
    removed = teardown(repo, folder)
    reap_stale(repo)
    return removed


def baseline_up(repo: Path, config: Config, commit: str, setup: Setup, env: Mapping[str, str],
                make_workspace: MakeWorkspace) -> Baseline:
    """Start (or find) the baseline of `commit` and keep it up until `baseline_down`, for every run and agent."""
    holder = f"cli-{os.getpid()}"
    baseline, hold = baselines.acquire(repo, commit, config.services, setup, env, holder, explicit=True,
                                       capture=config.sandbox.capture, setup_timeout=config.setup.timeout,
                                       make_workspace=make_workspace)
    baseline.release(hold, holder)
    return baseline


def baseline_down(repo: Path) -> dict[str, list[str]]:
    """Stop every baseline of `repo`, and the sandboxes on them (they cannot serve without it)."""
    removed: dict[str, list[str]] = {}
    for folder in registry.sandbox_dirs(repo):
        removed[f"sandbox {folder.name}"] = teardown(repo, folder)
    for folder in registry.baseline_dirs(repo):
        with registry.exclusive(folder.parent / f"{folder.name}.lock"):
            removed[f"baseline {folder.name}"] = baselines.stop(repo, folder)
    return removed


def sandbox_up(repo: Path, config: Config, commit: str, diff: str, setup: Setup, env: Mapping[str, str],
               make_workspace: MakeWorkspace, ttl: float | None = None, group: list[str] | None = None,
               source: str = "") -> dict[str, Any]:
    """A sandbox of base + `diff` (+ the changes of the sandboxes in `group`, under one new routing key) that
    outlives this command until `down` or `ttl` seconds; its record (id, routing_key, baggage, endpoints, forks)."""
    reap_stale(repo)
    changes = [(source or "patch", diff)]
    for other in group or []:
        changes.append((other, (find_sandbox(repo, other) / "change.diff").read_text(encoding="utf-8")))
    key = f"sb-{time.strftime('%m%d%H%M%S')}-{secrets.token_hex(2)}"
    folder = repo / registry.SANDBOXES / key
    owner = registry.try_lock(folder / "owner.lock")  # held while starting: a crash mid-way leaves nobody's sandbox
    if owner is None:
        raise UsageError(f"sandbox {key} is being made by another greenloop process", "run `sandbox up` again")
    try:
        registry.write_record(folder / "sandbox.json", {"id": key, "routing_key": key, "status": "starting",
                                                        "workspace": str(folder / "worktree"), "own_worktree": True})
        workspace = make_workspace(folder / "worktree", registry.manifest(folder))
        for name, change in changes:  # one after the other, as `git apply --index` leaves each
            try:
                workspace.apply(change)
            except PatchError as error:
                raise PatchError(f"{name}: {error.problem}", error.fix) from None
        (folder / "change.diff").write_text(workspace.diff(), encoding="utf-8")
        setup(workspace, config.setup.timeout)
        baseline, hold = baselines.acquire(repo, commit, config.services, setup, env, key,
                                           capture=config.sandbox.capture, setup_timeout=config.setup.timeout,
                                           make_workspace=make_workspace)
        try:
            sandbox = ForkSandbox(key, workspace, baseline, config, folder, env)
            sandbox.start(detached=True, extra={"own_worktree": True, "changes": [name for name, _ in changes]})
            if ttl:  # counted from ready, as the watchdog counts it: a slow start does not eat the TTL
                sandbox.detach(time.time() + ttl)
        finally:
            baseline.release(hold, key)
    except BaseException:
        teardown(repo, folder)
        os.close(owner)
        owner = -1
        reap_stale(repo)  # a baseline started for this sandbox alone goes too
        raise
    finally:
        if owner >= 0:
            os.close(owner)
    if ttl:
        start_watchdog(repo, key, ttl)
    return sandbox.record
