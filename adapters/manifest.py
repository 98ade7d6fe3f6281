"""A run's manifest: every process and worktree it makes, written down *before* it is made, so that a later
greenloop can reap what a killed run left behind.

`manifest.jsonl` in the run folder is append-only, one JSON object a line. A process is identified by its pid
*and* its start time, so a pid the kernel has since given to someone else is never killed.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

MANIFEST = "manifest.jsonl"


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), or None when there is no such process."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def alive(pid: int, started: int | None) -> bool:
    """Whether `pid` is still the very process that was recorded (same start time) and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X") and start_time(pid) == started


class Manifest:
    """Appends to, and reads, one run's manifest."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / MANIFEST

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

    def claim(self) -> None:
        """Record this process as the run's owner: while it lives, nobody reaps the run."""
        self.write("owner", pid=os.getpid(), start=start_time(os.getpid()))

    def release(self) -> None:
        """The run ended and tore everything down itself."""
        self.write("closed")

    def spawning(self, label: str, cwd: Path) -> None:
        self.write("spawning", label=label, cwd=str(cwd))

    def spawned(self, pid: int, label: str) -> None:
        self.write("process", label=label, pid=pid, start=start_time(pid))

    def worktree(self, repo: Path, path: Path) -> None:
        self.write("worktree", repo=str(repo), path=str(path))

    def owner_alive(self) -> bool:
        owners = [e for e in self.entries() if e["kind"] == "owner"]
        return bool(owners) and alive(owners[-1]["pid"], owners[-1]["start"])

    def closed(self) -> bool:
        entries = self.entries()
        return bool(entries) and entries[-1]["kind"] in ("closed", "reaped")


def reap(manifest: Manifest) -> list[str]:
    """Stop the processes and remove the worktrees a dead run left; what was removed, one line each."""
    from greenloop.adapters.workspaces.git import remove_worktree

    removed: list[str] = []
    entries = manifest.entries()
    for entry in entries:
        if entry["kind"] == "process" and alive(entry["pid"], entry["start"]):
            _kill_group(entry["pid"])
            removed.append(f"process {entry['pid']} ({entry['label']})")
    for pid, label in _processes_inside(manifest.run_dir / "worktrees"):  # spawned in the instant before recording
        _kill_group(pid)
        removed.append(f"process {pid} ({label})")
    for entry in entries:
        if entry["kind"] == "worktree" and _worktree_left(Path(entry["repo"]), Path(entry["path"])):
            remove_worktree(Path(entry["repo"]), Path(entry["path"]))
            removed.append(f"worktree {entry['path']}")
    manifest.write("reaped", removed=removed)
    return removed


def reap_dead_runs(repo: Path) -> dict[str, list[str]]:
    """Reap every run of `repo` whose owner died without closing it: run id → what was removed."""
    runs = repo / ".greenloop" / "runs"
    reaped: dict[str, list[str]] = {}
    for run_dir in sorted(runs.iterdir()) if runs.is_dir() else []:
        manifest = Manifest(run_dir)
        if manifest.path.is_file() and not manifest.closed() and not manifest.owner_alive():
            reaped[run_dir.name] = reap(manifest)
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


def _processes_inside(folder: Path) -> list[tuple[int, str]]:
    """Live processes whose working directory is inside `folder` (our worktrees: nobody else works there)."""
    found = []
    prefix = str(folder.resolve()) + os.sep
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if (cwd + os.sep).startswith(prefix) and state not in ("Z", "X") and int(entry.name) != os.getpid():
            found.append((int(entry.name), command[:80]))
    return found


def _worktree_left(repo: Path, path: Path) -> bool:
    from git import Repo

    return path.exists() or f"worktree {path}\n" in Repo(repo).git.worktree("list", "--porcelain") + "\n"
