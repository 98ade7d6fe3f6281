"""The manifest and the reaper: what a dead run left is removed; what is alive, or not ours, is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from greenloop.adapters.manifest import Manifest, alive, reap, reap_dead_runs, start_time
from greenloop.adapters.processes import spawn, stop_group
from greenloop.adapters.workspaces.git import GitWorkspace
from support import git, make_repo, run_cli


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


def test_gc_never_removes_what_a_manifest_names_outside_the_repositorys_greenloop_folder(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    other = make_repo(tmp_path / "other", {"b.py": "y = 2\n"})
    manifest = Manifest(run_folder(repo))  # a dead run: nobody holds its lock
    ours = GitWorkspace.create(repo, git(repo, "rev-parse", "HEAD").strip(),
                               manifest.run_dir / "worktrees" / "attempt-1", manifest)
    outside = [tmp_path / "home", tmp_path / "escaped", other / ".greenloop" / "runs" / "r9" / "worktrees" / "w",
               tmp_path / "linked"]
    for folder in outside:
        folder.mkdir(parents=True)
        (folder / "keep.txt").write_text("not greenloop's\n")
    (manifest.run_dir / "worktrees" / "link").symlink_to(tmp_path / "linked")
    for repo_field, path in [(repo, tmp_path / "home"), (repo, repo),  # the checkout itself
                             (repo, manifest.run_dir / ".." / ".." / ".." / ".." / "escaped"),
                             (other, outside[2]),  # inside another repository's .greenloop/
                             (repo, manifest.run_dir / "worktrees" / "link")]:  # a symlink out of ours
        manifest.write("worktree", repo=str(repo_field), path=str(path))
    (repo / ".greenloop" / "sandboxes" / "sb-1").mkdir(parents=True)  # a dead sandbox "owning" a folder outside
    (repo / ".greenloop" / "sandboxes" / "sb-1" / "sandbox.json").write_text(json.dumps(
        {"id": "sb-1", "status": "starting", "workspace": str(tmp_path / "home"), "own_worktree": True}))

    listing = run_cli("gc", repo, "--json")

    assert listing.code == 0, listing.stderr
    assert listing.json == {"r1": [f"worktree {ours.path}"], "sandbox sb-1": []}
    assert not ours.path.exists()
    for folder in outside:
        assert (folder / "keep.txt").read_text() == "not greenloop's\n", folder
    assert (repo / "a.py").is_file() and git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert (other / "b.py").is_file()
    assert not (repo / ".greenloop" / "sandboxes" / "sb-1").exists()  # what is ours goes


def test_a_run_or_sandbox_id_that_is_a_path_is_a_usage_error_before_it_is_used(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    decoy = tmp_path / "decoy"  # what `../../../decoy` names from REPO/.greenloop/runs/ (or sandboxes/)
    decoy.mkdir()
    for kind in ("runs", "sandboxes"):  # there, so that the kernel would walk `..` out of them
        (repo / ".greenloop" / kind).mkdir(parents=True)
    (decoy / "run.json").write_text("{}")
    (decoy / "sandbox.json").write_text(json.dumps({"id": "x", "own_worktree": True, "workspace": str(decoy)}))
    before = sorted(p.name for p in decoy.iterdir())

    for args, kind in [(["resume", "../../../decoy", "--repo", repo], "run"),
                       (["resume", "a/b", "--repo", repo], "run"),
                       (["sandbox", "down", "../../../decoy", "--repo", repo], "sandbox"),
                       (["sandbox", "logs", "..", "--repo", repo], "sandbox"),
                       (["sandbox", "up", repo, "--patch", decoy / "none.diff", "--with", "../x"], "sandbox")]:
        result = run_cli(*args)
        assert result.code == 2, (args, result.stderr)
        assert f"is not a {kind} id" in result.stderr and "no '/' or '..'" in result.stderr, result.stderr

    assert sorted(p.name for p in decoy.iterdir()) == before  # no lock or manifest written, nothing torn down
