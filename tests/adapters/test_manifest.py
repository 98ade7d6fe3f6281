"""The manifest and the reaper: what a dead run left is removed; what is alive, or not ours, is left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from greenloop.adapters.manifest import Manifest, alive, reap, reap_dead_runs, start_time
from greenloop.adapters.processes import spawn, stop_group
from greenloop.adapters.workspaces.git import GitWorkspace
from support import git, make_repo


def run_folder(repo, name="r1"):
    run_dir = repo / ".greenloop" / "runs" / name
    run_dir.mkdir(parents=True)
    return run_dir


def test_a_dead_runs_processes_and_worktrees_are_reaped(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    manifest = Manifest(run_folder(repo))
    workspace = GitWorkspace.create(repo, git(repo, "rev-parse", "HEAD").strip(),
                                    manifest.run_dir / "worktrees" / "attempt-1", manifest)
    service = spawn("sleep 300 & sleep 300", workspace.path, os.environ, subprocess.DEVNULL, manifest, "svc")
    child_of_service = None
    for _ in range(100):  # the backgrounded sleep: not recorded, but it carries the run's marker
        found = subprocess.run(["pgrep", "-g", str(service.pid)], capture_output=True, text=True).stdout.split()
        child_of_service = next((int(p) for p in found if int(p) != service.pid), None)
        if child_of_service:
            break
        time.sleep(0.02)

    removed = reap_dead_runs(repo)["r1"]  # nobody holds the run's lock: its owner is dead

    assert any(item.startswith(f"process {service.pid} (svc)") for item in removed)
    assert f"worktree {workspace.path}" in removed
    assert service.wait(timeout=5) is not None and not alive(child_of_service, start_time(child_of_service))
    assert not workspace.path.exists()
    assert reap_dead_runs(repo) == {}  # reaped runs are closed


def test_a_live_run_is_never_reaped(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    run_dir = run_folder(repo)
    owner = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\nfrom greenloop.adapters.manifest import Manifest\nfrom pathlib import Path\n"
        f"Manifest(Path({str(run_dir)!r})).claim()\nprint('claimed', flush=True)\ntime.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True)
    assert owner.stdout.readline().strip() == "claimed"
    try:
        assert reap_dead_runs(repo) == {}
    finally:
        owner.kill()
        owner.wait()
    assert "r1" in reap_dead_runs(repo)  # the kernel released the lock with its owner


def test_a_reused_pid_and_a_foreign_process_are_left_alone(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    manifest = Manifest(run_folder(repo))
    (manifest.run_dir / "worktrees" / "attempt-1").mkdir(parents=True)
    foreign = subprocess.Popen(["sleep", "300"], cwd=manifest.run_dir / "worktrees" / "attempt-1",
                               start_new_session=True)
    # a record whose pid now belongs to someone else: same pid, another start time
    manifest.write("process", label="old service", pid=foreign.pid, pgid=foreign.pid,
                   start=start_time(foreign.pid) - 1)
    try:
        removed = reap(manifest)
        assert removed == [] and foreign.poll() is None
    finally:
        stop_group(foreign)
