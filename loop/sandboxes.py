"""The bodies of `greenloop baseline …`, `greenloop sandbox …` and `run --keep`'s hand-over.

Thin wrappers over `adapters/sandboxes/shared.py`, the operations the MCP server exposes too: this module checks
the input the way a run does (`preflight`), builds the environment, setup and worktrees the way a run does
(`run._context`), and turns a sandbox's record into what a person needs — the header, a `curl` line, the command
that runs the tests against it, the one that deletes it.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from greenloop.loop.config import Config
from greenloop.loop.errors import PatchError, RepoError, UsageError

DURATION_FORMS = "a number and a unit: 90s, 30m, 2h, 1d"
_DURATION = re.compile(r"(\d+(?:\.\d*)?)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
FOLLOW_INTERVAL = 0.5


def parse_duration(text: str, option: str = "--ttl") -> float:
    """Seconds in `90s`, `30m`, `2h`, `1d` (decimals allowed); a UsageError naming the forms otherwise."""
    match = _DURATION.fullmatch(str(text).strip().lower())
    if not match or float(match[1]) <= 0:
        raise UsageError(f"{option} {text!r} is not a duration", f"pass {DURATION_FORMS}")
    return float(match[1]) * _UNITS[match[2]]


def parse_since(text: str) -> float:
    """The epoch time `--since` means: a duration back from now (`10m`), or an ISO time (local when it names no
    zone)."""
    if _DURATION.fullmatch(text.strip().lower()):
        return time.time() - parse_duration(text, "--since")
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise UsageError(f"--since {text!r} is neither a duration nor an ISO time",
                         f"pass {DURATION_FORMS} (that long ago), or a time like 2026-11-26T14:05:00") from None


# -- where: a repository, checked like a run's --------------------------------------------------------------------


@dataclass
class Target:
    """A checked repository at HEAD, with what the shared operations need to start its services."""

    repo: Path
    commit: str
    config: Config
    env: dict[str, str] = field(default_factory=dict)

    def setup(self, workspace: Any, seconds: float) -> None:
        """The `[setup]` step in a baseline's or sandbox's worktree, logged and recorded in that folder."""
        from greenloop.adapters.sandboxes import registry
        from greenloop.adapters.workspaces.setup import run_setup

        folder = Path(workspace.path).parent
        run_setup(self.config.setup, workspace, folder / "setup.log", self.env, seconds, registry.manifest(folder))

    def make_workspace(self, path: Path, owner: Any) -> Any:
        from greenloop.adapters.workspaces.git import GitWorkspace

        return GitWorkspace.create(self.repo, self.commit, path, owner)


def _target(repo: Path, commit: str, config: Config) -> Target:
    from greenloop.adapters.environment import child_env

    return Target(repo, commit, config, child_env(config.env.allow))


def repo_root(path: Path) -> Path:
    """The top level of the git repository at or above `path` (for `--repo`, which defaults to the current folder)."""
    from git import InvalidGitRepositoryError, NoSuchPathError, Repo

    from greenloop.loop.preflight import repo_dir

    folder = repo_dir(path)
    try:
        return Path(Repo(folder, search_parent_directories=True).working_tree_dir or folder).resolve()
    except (InvalidGitRepositoryError, NoSuchPathError):
        raise RepoError(f"{folder} is not a git repository", "pass --repo with the repository's folder") from None


# -- baseline -----------------------------------------------------------------------------------------------------


def baseline_up(repo: Path) -> dict[str, Any]:
    """Start (or find) the baseline of HEAD and keep it up until `baseline down`."""
    from greenloop.adapters.sandboxes import shared
    from greenloop.loop.preflight import check_repo

    target = _target(*check_repo(repo))
    asked = time.time()
    baseline = shared.baseline_up(target.repo, target.config, target.commit, target.setup, target.env,
                                  target.make_workspace)
    return {"repo": str(target.repo), "commit": target.commit, "folder": str(baseline.folder),
            "started": baseline.record.get("started_at", 0) >= asked, "endpoints": baseline.endpoints(),
            "services": {name: f"http://127.0.0.1:{s['port']}" for name, s in baseline.services.items()}}


def baseline_down(repo: Path) -> dict[str, list[str]]:
    from greenloop.adapters.sandboxes import shared

    return shared.baseline_down(repo_root(repo))


# -- sandboxes ----------------------------------------------------------------------------------------------------


def sandbox_up(repo: Path, patch: Path, group: list[str], ttl: float | None) -> dict[str, Any]:
    """A sandbox of HEAD + `patch` (+ the changes of the sandboxes in `group`) that outlives this command."""
    from greenloop.adapters.manifest import check_id
    from greenloop.adapters.sandboxes import shared
    from greenloop.loop.preflight import RunOptions, check

    for other in group:  # a malformed --with fails before anything is checked or started
        check_id(other, "sandbox", shared.SANDBOX_ID_FIX)
    checked = check(RunOptions(repo=repo, patch=patch))  # repo, config, programs, the patch, a clean tree
    assert checked.given is not None
    diff, source = checked.given
    for other in group:
        shared.find_sandbox(checked.repo, other)  # an unknown id fails before anything starts
    target = _target(checked.repo, checked.base_commit, checked.config)
    try:
        record = shared.sandbox_up(target.repo, target.config, target.commit, diff, target.setup, target.env,
                                   target.make_workspace, ttl=ttl, group=group, source=source)
    except PatchError as error:  # nothing was left running: an input problem, not an infrastructure one
        raise UsageError(error.problem, f"make the change a diff against HEAD ({target.commit[:12]}), e.g. "
                                        "`git diff HEAD > fix.diff`" + (", that does not overlap the sandboxes "
                                                                        "given with --with" if group else "")) from None
    return describe(record, target.config, target.repo)


def sandbox_down(repo: Path, key: str) -> list[str]:
    from greenloop.adapters.sandboxes import shared

    return shared.down(repo_root(repo), key)


def sandbox_list(repo: Path) -> list[dict[str, Any]]:
    from greenloop.adapters.sandboxes import shared

    return [record for record in shared.list_sandboxes(repo_root(repo)) if record]


def sandbox_logs(repo: Path, key: str, service: str | None, since: float | None) -> list[Any]:
    from greenloop.adapters.sandboxes import shared

    return shared.logs_of(repo_root(repo), key, service, since)


def follow_logs(repo: Path, key: str, service: str | None, since: float | None,
                interval: float = FOLLOW_INTERVAL) -> Iterator[Any]:
    """The sandbox's lines as they come, until it goes (or the caller stops: Ctrl-C)."""
    from greenloop.adapters.sandboxes import shared

    root = repo_root(repo)
    seen: set[tuple[float, str, str]] = set()
    while True:
        try:
            lines = shared.logs_of(root, key, service, since)
        except UsageError:
            return  # taken down meanwhile
        for line in lines:
            mark = (line.time, line.service, line.text)
            if mark not in seen:
                seen.add(mark)
                yield line
        if lines:
            since = lines[-1].time  # lines at exactly this time come again: `seen` drops them
            seen = {mark for mark in seen if mark[0] >= since}
        time.sleep(interval)


# -- what a person needs to use one -------------------------------------------------------------------------------


def describe(record: dict[str, Any], config: Config, repo: Path) -> dict[str, Any]:
    """A sandbox's record plus ready-to-paste commands: a keyed `curl` through the routing proxy of the entry
    service, the tests run against its ingress, its logs, and its removal."""
    from greenloop.loop.config import start_order

    key = record.get("id", "")
    services = start_order(config.services)
    commands: dict[str, str] = {}
    entry = services[-1] if services else None  # started last: what nothing else calls
    proxies, endpoints = record.get("proxies") or {}, record.get("endpoints") or {}
    if entry is not None and entry.name in proxies:
        path = entry.probe or (entry.health.http if entry.health and entry.health.http else None) or "/"
        commands["curl"] = f"curl -H {shlex.quote('baggage: ' + record['baggage'])} {shlex.quote(proxies[entry.name] + path)}"
        if entry.name in endpoints:
            commands["curl_ingress"] = f"curl {shlex.quote(endpoints[entry.name] + path)}"
    urls = " ".join(f"{s.url_env}={endpoints[s.name]}" for s in services if s.url_env and s.name in endpoints)
    if config.test.command and record.get("workspace"):
        commands["test"] = f"cd {shlex.quote(record['workspace'])} && {urls + ' ' if urls else ''}{config.test.command}"
    where = shlex.quote(str(repo))
    commands["logs"] = f"greenloop sandbox logs {key} --repo {where}"
    commands["down"] = f"greenloop sandbox down {key} --repo {where}"
    return {**record, "commands": commands}


def expires_text(expires_at: float | None, now: float | None = None) -> str:
    """`never`, `expired`, or how long is left: `in 45s`, `in 29m`, `in 1h30m`, `in 2d3h`."""
    if not expires_at:
        return "never"
    left = int(expires_at - (now or time.time()) + 0.5)
    if left <= 0:
        return "expired"
    if left < 60:
        return f"in {left}s"
    left = (left + 30) // 60 * 60  # to the nearest minute: a fresh `--ttl 30m` reads `in 30m`
    if left < 3600:
        return f"in {left // 60}m"
    if left < 86400:
        return f"in {left // 3600}h{left % 3600 // 60:02d}m"
    return f"in {left // 86400}d{left % 86400 // 3600}h"


def changes_text(record: dict[str, Any]) -> str:
    return ", ".join(record.get("changes") or []) or (f"run {record['run']}" if record.get("run") else "—")


# -- run --keep ---------------------------------------------------------------------------------------------------


def keep_final(context: Any, state: dict[str, Any], ttl: float, manifest: Any,
               note: Callable[[str], None]) -> dict[str, Any] | None:
    """`run --keep`: the final attempt's sandbox outlives the run, for `ttl` seconds or until `sandbox down`; its
    description for the evidence, or None (with a note why) when there is none running to keep."""
    from greenloop.loop.evidence import final_attempt

    final = final_attempt(state)
    live = context.live.get(final.get("lane")) if final else None
    if final is None or live is None or live.sandbox is None or live.attempt != final["id"]:
        why = "no attempt was made" if final is None else f"{final['id']} has no running sandbox ({final['status']})"
        note(f"--keep: nothing kept: {why}")
        return None
    record = context.provider.keep(final["lane"], ttl, changes=[f"run {state.get('run_id')} {final['id']}"],
                                   attempt=final["id"])
    if record is None:
        note(f"--keep: nothing kept: {final['id']}'s sandbox is gone")
        return None
    context.kept.add(final["lane"])  # RunContext.close leaves its workspace
    manifest.write("handed_over", path=str(live.workspace.path))  # and so does sweep_worktrees
    kept = describe(record, context.config, context.repo)
    note(f"kept sandbox {kept['id']} ({final['id']}) {expires_text(kept.get('expires_at'))}: "
         f"{kept['commands']['down']} removes it")
    return kept


# -- for people: what the CLI prints --------------------------------------------------------------------------------


def render_baseline(baseline: dict[str, Any]) -> str:
    how = "started" if baseline["started"] else "already running"
    width = max(map(len, baseline["endpoints"]), default=0)
    lines = [f"baseline {baseline['commit'][:12]} of {baseline['repo']}: {how}, until `greenloop baseline down`",
             "  routing proxies (send `baggage: greenloop-routing-key=<sandbox id>` to reach a sandbox's forks):"]
    lines += [f"    {name:<{width}}  {url}" for name, url in baseline["endpoints"].items()]
    lines.append(f"  sandboxes on it: greenloop sandbox up {shlex.quote(baseline['repo'])} --patch FILE")
    return "\n".join(lines)


def render_sandbox(sandbox: dict[str, Any]) -> str:
    """A short block: what it is, when it goes, its header and endpoints, and the lines to paste."""
    commands = sandbox.get("commands", {})
    forks = ", ".join(sandbox.get("forks") or {}) or "nothing"
    expires = sandbox.get("expires_at")
    until = (f"expires {expires_text(expires)} ({time.strftime('%H:%M:%S', time.localtime(expires))})" if expires
             else "no TTL")
    width = max(map(len, sandbox.get("endpoints") or {}), default=0)
    lines = [f"sandbox {sandbox['id']}: {forks} forked, the rest shared with baseline {sandbox.get('baseline', '?')}; "
             f"{until}",
             f"  changes   {changes_text(sandbox)}",
             f"  baggage   {sandbox['baggage']}",
             "  endpoints (no header needed):"]
    lines += [f"    {name:<{width}}  {url}" for name, url in (sandbox.get("endpoints") or {}).items()]
    for label, key in (("curl", "curl"), ("tests", "test"), ("logs", "logs"), ("down", "down")):
        if commands.get(key):
            lines.append(f"  {label:<9} {commands[key]}")
    return "\n".join(lines)


def render_table(records: list[dict[str, Any]]) -> str:
    if not records:
        return "no sandboxes"
    rows = [("ID", "STATUS", "FORKS", "EXPIRES", "CHANGES")]
    rows += [(r.get("id", "?"), r.get("status", "?"), ",".join(r.get("forks") or {}) or "-",
              expires_text(r.get("expires_at")), changes_text(r)) for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
                     for row in rows)


def render_line(line: Any) -> str:
    stamp = datetime.fromtimestamp(line.time).strftime("%H:%M:%S.%f")[:-3]
    return f"{stamp} {line.service}: {line.text}"
