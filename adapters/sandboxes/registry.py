"""Where shared baselines and sandboxes live on disk, and which of them are still wanted.

Both outlive the command that made them (`greenloop baseline up`, `greenloop sandbox up`, `run --keep`), so
their only record is a folder under the repository's `.greenloop/`:

    .greenloop/baselines/<commit12>/   baseline.json, manifest.jsonl, routes/, logs/, captures/, holders/, worktree/
    .greenloop/sandboxes/<key>/        sandbox.json, manifest.jsonl, owner.lock, logs/, resources/, change.diff

Liveness follows the durable-runs rules: a process that drives a sandbox holds its `owner.lock` (the kernel drops
the lock when the process dies, however it dies), and a baseline is held by `holders/<who>.lock` locks and by the
sandboxes that use it. Whatever nobody holds any more, and every sandbox past its TTL, `reap_stale` takes down.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from greenloop.adapters.manifest import Manifest
from greenloop.loop.errors import InfraError
from greenloop.loop.files import write_atomic

STATE_DIR = Path(".greenloop")
BASELINES = STATE_DIR / "baselines"
SANDBOXES = STATE_DIR / "sandboxes"


def manifest(folder: Path) -> Manifest:
    """The manifest of a baseline's or sandbox's folder. Its processes carry an id of this very folder in
    GREENLOOP_RUN, which `reap` goes by: the folder's name alone (a commit, a sandbox key) can be the same in two
    repositories — two clones at one commit — and taking one down must never kill the other's processes."""
    record = Manifest(folder)
    record.run_id = f"{folder.name}-{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:10]}"
    return record


def read_record(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_record(path: Path, record: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(record, indent=2))


def try_lock(path: Path) -> int | None:
    """An exclusive flock on `path` if nobody holds it (the descriptor to close to let go), else None."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def held(path: Path) -> bool:
    """Whether a live process holds the flock on `path`."""
    if not path.exists():
        return False
    descriptor = try_lock(path)
    if descriptor is None:
        return True
    os.close(descriptor)
    return False


@contextlib.contextmanager
def exclusive(path: Path, timeout: float = 120.0) -> Iterator[None]:
    """Wait for, then hold, the flock on `path`: one greenloop at a time starts or stops a baseline."""
    deadline = time.monotonic() + timeout
    while (descriptor := try_lock(path)) is None:
        if time.monotonic() >= deadline:
            raise InfraError(f"another greenloop process held {path} for {timeout:g} s (starting or stopping a "
                             "baseline)", "wait for it to finish; if none runs, `greenloop gc` clears its leftovers")
        time.sleep(0.05)
    try:
        yield
    finally:
        os.close(descriptor)


def ensure_ignored(repo: Path) -> None:
    """`.greenloop/` never shows in `git status`, and the user's .gitignore is not touched."""
    (repo / STATE_DIR).mkdir(parents=True, exist_ok=True)
    ignore = repo / STATE_DIR / ".gitignore"
    if not ignore.is_file():
        ignore.write_text("*\n")


def sandbox_dirs(repo: Path) -> list[Path]:
    root = repo / SANDBOXES
    return sorted(p for p in root.iterdir() if (p / "sandbox.json").is_file()) if root.is_dir() else []


def baseline_dirs(repo: Path) -> list[Path]:
    root = repo / BASELINES
    return sorted(p for p in root.iterdir() if (p / "baseline.json").is_file()) if root.is_dir() else []


def sandbox_wanted(folder: Path) -> bool:
    """A sandbox is wanted while a process drives it, or once handed over (`sandbox up`, `run --keep`) until its
    TTL ends. A run's own sandboxes die with the run; one whose start was cut short is nobody's."""
    record = read_record(folder / "sandbox.json") or {}
    expires = record.get("expires_at")
    if expires is not None and time.time() >= expires:
        return False
    return held(folder / "owner.lock") or (record.get("status") == "ready" and bool(record.get("detached")))


def baseline_wanted(folder: Path, repo: Path) -> bool:
    """A baseline is wanted when `baseline up` asked for it, while a holder lock is held, or while a wanted
    sandbox uses it."""
    record = read_record(folder / "baseline.json") or {}
    if record.get("status") == "ready" and record.get("explicit"):
        return True
    if any(held(lock) for lock in (folder / "holders").glob("*.lock")):
        return True
    return any((read_record(s / "sandbox.json") or {}).get("baseline") == folder.name and sandbox_wanted(s)
               for s in sandbox_dirs(repo))
