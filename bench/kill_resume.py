"""Fault injection: SIGKILL a demo run at every node boundary and in the middle of every test run, resume it, and
check that it reaches the same verdict and leaves 0 processes and 0 worktrees. Too long for the test suite (one
kill point is a whole run); tests/loop/test_durable.py keeps three of these points.

    python bench/kill_resume.py [--example examples/stations]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (node whose progress line is awaited, its occurrence, seconds to wait before the kill)
KILL_POINTS = [("prepare", 1, 0.0), ("generate", 1, 0.0), ("deploy", 1, 0.0), ("deploy", 1, 0.4),
               ("test", 1, 0.0), ("read_logs", 1, 0.0), ("patch", 1, 0.0), ("deploy", 2, 0.0), ("deploy", 2, 0.4),
               ("test", 2, 0.0)]


def env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def fresh_repo(example: Path, where: Path) -> Path:
    shutil.copytree(example / "repo", where, ignore=shutil.ignore_patterns("__pycache__"))
    git(where, "init", "-q", "-b", "main")
    git(where, "add", "-A")
    git(where, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "base")
    return where


def greenloop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "greenloop.loop.cli", *args], capture_output=True, text=True,
                          env=env(), timeout=300)


def leftovers(repo: Path) -> tuple[int, int]:
    processes = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/cwd").startswith(str(repo)):
                processes += 1
        except OSError:
            continue
    worktrees = git(repo, "worktree", "list", "--porcelain").count("worktree ") - 1
    return processes, worktrees


def one(example: Path, scratch: Path, point: tuple[str, int, float]) -> dict:
    node, occurrence, delay = point
    repo = fresh_repo(example, scratch / f"{node}-{occurrence}-{delay}")
    run = subprocess.Popen([sys.executable, "-m", "greenloop.loop.cli", "run", str(repo), "--ticket",
                            str(example / "ticket.md"), "--model", f"scripted:{example / 'patches'}"],
                           stderr=subprocess.PIPE, text=True, env=env())
    count = 0
    for line in run.stderr:
        count += line.strip().startswith(node + " ")
        if count == occurrence:
            break
    time.sleep(delay)
    run.send_signal(signal.SIGKILL)
    run.wait()
    (run_dir,) = (repo / ".greenloop" / "runs").iterdir()
    started = time.perf_counter()
    resumed = greenloop("resume", run_dir.name, "--repo", str(repo), "--json")
    seconds = time.perf_counter() - started
    verdict = json.loads(resumed.stdout)["verdict"] if resumed.stdout.strip() else f"exit {resumed.returncode}"
    processes, worktrees = leftovers(repo)
    return {"kill": f"{node}#{occurrence}" + (f"+{delay}s (mid-node)" if delay else ""), "verdict": verdict,
            "resume_seconds": round(seconds, 2), "processes_left": processes, "worktrees_left": worktrees}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--example", type=Path, default=ROOT / "examples" / "stations")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="greenloop-kill-") as scratch:
        baseline = fresh_repo(args.example.resolve(), Path(scratch) / "uninterrupted")
        expected = json.loads(greenloop("run", str(baseline), "--ticket", str(args.example / "ticket.md"), "--model",
                                        f"scripted:{args.example.resolve() / 'patches'}", "--json").stdout)["verdict"]
        rows = [one(args.example.resolve(), Path(scratch), point) for point in KILL_POINTS]
    for row in rows:
        ok = row["verdict"] == expected and not row["processes_left"] and not row["worktrees_left"]
        print(f"{'ok ' if ok else 'BAD'} kill at {row['kill']:<24} resume → {row['verdict']:<9} "
              f"in {row['resume_seconds']:5.2f}s; left: {row['processes_left']} processes, "
              f"{row['worktrees_left']} worktrees")
    bad = [r for r in rows if r["verdict"] != expected or r["processes_left"] or r["worktrees_left"]]
    print(f"{len(rows) - len(bad)} of {len(rows)} kill points resumed to '{expected}' with nothing left")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
