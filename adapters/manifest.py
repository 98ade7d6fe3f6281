"""A run's manifest: every process and worktree it makes, written down *before* it is made, so that a later
greenloop can reap what a killed run left behind.

`manifest.jsonl` in the run folder is append-only, one JSON object a line. A process is identified by its pid
*and* its start time, so a pid the kernel has since given to someone else is never killed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import time
from pathlib import Path
from typing import Any

from greenloop.loop.errors import UsageError

MANIFEST = "manifest.jsonl"
STATE_DIR = Path(".greenloop")
"""Where a repository keeps everything greenloop makes: runs, baselines, sandboxes. The reaper removes nothing
outside it."""
RUNS_DIR = STATE_DIR / "runs"
"""Where a repository keeps its runs, one folder each."""
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def is_id(value: str) -> bool:
    """Whether `value` can only name a folder (or file) directly inside another: no `/`, no `..`."""
    return bool(_ID.fullmatch(value)) and ".." not in value


def check_id(value: str, kind: str, fix: str) -> str:
    """`value` if it can only name a folder directly in the one of its kind: a run or sandbox id comes from the
    command line (or an agent), and `../../etc` must not become a path a resume writes to or a teardown removes."""
    if not is_id(value):
        raise UsageError(f"{value!r} is not a {kind} id: an id is one folder name (letters, digits, '.', '_', '-'; "
                         "no '/' or '..')", fix)
    return value


def proc_stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name — state, parent, group, … — or None when there is no
    such process (Linux)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot, or None when there is no such process."""
    fields = proc_stat(pid)
    return int(fields[19]) if fields else None


def running(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie."""
    fields = proc_stat(pid)
    return bool(fields) and fields[0] not in ("Z", "X")


def alive(pid: int, started: int | None) -> bool:
    """Whether `pid` is still the very process that was recorded (same start time) and not a zombie."""
    fields = proc_stat(pid)
    return bool(fields) and fields[0] not in ("Z", "X") and int(fields[19]) == started


RUN_ENV = "GREENLOOP_RUN"
"""Every process a run spawns carries its run id in this variable, so its leftovers are found even when they
changed folder or process group — and nobody else's process ever is."""


class Manifest:
    """Appends to, and reads, one run's manifest; holds the run's lock while a greenloop process drives it."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.run_id = self.run_dir.name
        self.path = self.run_dir / MANIFEST
        self._lock: int | None = None

    def write(self, kind: str, **fields: Any) -> None:
        record = {"kind": kind, "at": round(time.time(), 3), **fields}
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a kill
        return records

    def lock(self) -> bool:
        """Take the run's lock if nobody holds it. The kernel drops a lock when its holder dies, however it dies,
        so a held lock means a live owner and a free one a dead (or finished) run."""
        descriptor = os.open(self.run_dir / "owner.lock", os.O_CREAT | os.O_RDWR)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._lock = descriptor
        return True

    def unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def claim(self) -> None:
        """Become the run's owner, or fail when another greenloop process drives it right now."""
        if not self.lock():
            raise UsageError(f"run {self.run_id} is being driven by another greenloop process",
                             "wait for it to end, or stop it (Ctrl-C) first")
        self.write("owner", pid=os.getpid(), start=start_time(os.getpid()), host=socket.gethostname())

    def finish(self) -> None:
        """The run's process tore everything down itself and lets go of the run."""
        self.write("closed")
        self.unlock()

    def spawning(self, label: str, cwd: Path) -> None:
        self.write("spawning", label=label, cwd=str(cwd))

    def spawned(self, pid: int, label: str) -> None:
        self.write("process", label=label, pid=pid, pgid=os.getpgid(pid), start=start_time(pid))

    def worktree(self, repo: Path, path: Path) -> None:
        self.write("worktree", repo=str(repo), path=str(path))

    def sandbox(self, sandbox_id: str, ports: dict[str, int], workspace: Path) -> None:
        self.write("sandbox", id=sandbox_id, ports=ports, workspace=str(workspace))

    def closed(self) -> bool:
        entries = self.entries()
        return bool(entries) and entries[-1]["kind"] in ("closed", "reaped")


def reap(manifest: Manifest, worktrees: bool = True) -> list[str]:
    """Stop the processes a dead run left, and remove its worktrees unless it is about to be resumed (its worktrees
    are then reused, and swept when it ends); what was removed, one line each."""
    entries = manifest.entries()
    victims = {e["pid"]: e["label"] for e in entries if e["kind"] == "process" and alive(e["pid"], e["start"])}
    for pid, command in _processes_of(manifest.run_id):
        victims.setdefault(pid, command)
    removed = _stop(victims)
    if worktrees:
        removed += sweep_worktrees(manifest)
    manifest.write("reaped", removed=removed)
    return removed


def sweep_processes(manifest: Manifest) -> list[str]:
    """Stop every process still carrying the run's mark, once the run has stopped its own: stopping a process
    group misses a grandchild that called `setsid` (a test's daemon), which would outlive a run that ended well."""
    return _stop(dict(_processes_of(manifest.run_id)))


def _stop(victims: dict[int, str]) -> list[str]:
    for pid in victims:
        _kill_group(pid)
    _wait_gone(list(victims))
    return [f"process {pid} ({label})" for pid, label in victims.items()]


def in_state_dir(path: Path, repo: Path) -> bool:
    """Whether `path` (`..` and symlinks resolved) lies inside `repo`'s `.greenloop/`, the only place the reaper
    removes anything. Manifests and sandbox records are files in the repository, which code a model wrote may
    write to: a line in one must never make the reaper remove the checkout, a home folder or another repository."""
    state = (Path(repo) / STATE_DIR).resolve()
    target = Path(path).resolve()
    return target != state and target.is_relative_to(state)


def sweep_worktrees(manifest: Manifest) -> list[str]:
    """Remove every worktree the run recorded that is still there, if it lies in the `.greenloop/` of the
    repository whose `.greenloop/` holds the manifest (what else an entry names is left alone)."""
    from greenloop.adapters.workspaces.git import remove_worktree

    removed = []
    entries = manifest.entries()
    handed_over: set[str] = set()  # `run --keep`: a sandbox's now, unless a resumed run took it back
    for entry in entries:
        if entry["kind"] == "handed_over":
            handed_over.add(entry["path"])
        elif entry["kind"] == "reclaimed":
            handed_over.discard(entry["path"])
    for entry in entries:
        if entry["kind"] != "worktree" or entry["path"] in handed_over:
            continue
        repo, path = Path(entry["repo"]), Path(entry["path"])
        if in_state_dir(path, repo) and in_state_dir(manifest.run_dir, repo) and _worktree_left(repo, path):
            remove_worktree(repo, path)
            removed.append(f"worktree {entry['path']}")
    return removed


def reap_dead_runs(repo: Path) -> dict[str, list[str]]:
    """Reap every run of `repo` whose owner died without closing it: run id → what was removed."""
    runs = repo / RUNS_DIR
    reaped: dict[str, list[str]] = {}
    for run_dir in sorted(runs.iterdir()) if runs.is_dir() else []:
        manifest = Manifest(run_dir)
        if manifest.path.is_file() and not manifest.closed() and manifest.lock():  # held while we reap
            try:
                reaped[run_dir.name] = reap(manifest)
            finally:
                manifest.unlock()
    return reaped


def _kill_group(pid: int) -> None:
    """SIGKILL the process group `pid` leads or belongs to — never our own group."""
    try:
        group = os.getpgid(pid)
        if group == os.getpgrp():
            os.kill(pid, signal.SIGKILL)
        else:
            os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_gone(pids: list[int], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in pids:  # one re-parented to us (we are a subreaper while a run drives) is ours to reap
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _processes_of(run_id: str) -> list[tuple[int, str]]:
    """Live processes carrying `GREENLOOP_RUN=<run_id>` in their environment (Linux /proc)."""
    marker = f"{RUN_ENV}={run_id}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if int(entry.name) != os.getpid() and running(int(entry.name)):
            found.append((int(entry.name), command[:80] or "?"))
    return found


def _worktree_left(repo: Path, path: Path) -> bool:
    from git import Repo

    return path.exists() or f"worktree {path}\n" in Repo(repo).git.worktree("list", "--porcelain") + "\n"
