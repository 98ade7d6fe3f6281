"""Test helpers: real git repositories in temp dirs, the greenloop CLI as a real process, leak checks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def commit_all(repo: Path, message: str = "base") -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


def make_repo(path: Path, files: dict[str, str]) -> Path:
    """A git repository holding `files`, committed on main."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git(path, "init", "-q", "-b", "main")
    commit_all(path)
    return path


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


def cli_env() -> dict[str, str]:
    """The environment of an activated virtualenv: `python` in service and test commands is the one running us."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 240) -> CliResult:
    """The greenloop CLI as a real process."""
    done = subprocess.run([sys.executable, "-m", "greenloop.loop.cli", *map(str, args)], cwd=cwd,
                          env={**cli_env(), **(env or {})}, capture_output=True, text=True, timeout=timeout)
    return CliResult(done.returncode, done.stdout, done.stderr)


def processes_under(path: Path) -> list[str]:
    """Processes whose working directory is inside `path` (services or tests a run left behind)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(str(path)):
            found.append(f"{pid} {cmdline}")
    return found


def assert_nothing_left(repo: Path, head_before: str | None = None) -> None:
    """No worktree but the main one, no process running inside the repo, no baseline or sandbox recorded as there,
    the user's tree untouched."""
    worktrees = [line for line in git(repo, "worktree", "list", "--porcelain").splitlines() if line.startswith("worktree ")]
    assert worktrees == [f"worktree {repo}"], worktrees
    assert processes_under(repo) == []
    state = repo / ".greenloop"
    records = sorted(str(path.relative_to(state)) for pattern in ("baselines/*/baseline.json", "sandboxes/*/sandbox.json")
                     for path in state.glob(pattern))
    assert records == [], records
    assert git(repo, "status", "--porcelain") == ""
    if head_before:
        assert git(repo, "rev-parse", "HEAD").strip() == head_before


def start_run(repo: Path, ticket: Path, patches: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "greenloop.loop.cli", "run", str(repo), "--ticket", str(ticket),
                             "--model", f"scripted:{patches}"], stderr=subprocess.PIPE, text=True, env=cli_env())


def kill_after(process: subprocess.Popen[str], node: str, occurrence: int = 1, delay: float = 0.0) -> list[str]:
    """SIGKILL the run once its `occurrence`-th progress line for `node` is out (its checkpoint is written)."""
    seen: list[str] = []
    for line in process.stderr:
        seen.append(line)
        if sum(1 for s in seen if s.strip().startswith(node + " ")) == occurrence:
            break
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return seen


def only_run_id(repo: Path) -> str:
    (run_dir,) = (repo / ".greenloop" / "runs").iterdir()
    return run_dir.name


def eventually(condition: Callable[[], Any], timeout: float, poll: float = 0.05) -> Any:
    """`condition()`'s first truthy result, polled every `poll` seconds; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(poll)
    return result
