"""Durable runs: SIGKILL at a node boundary or mid-test, then `resume` reaches the same verdict and nothing is left;
a later run or `gc` reaps a killed run's processes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from support import (assert_nothing_left, commit_all, eventually, git, kill_after, only_run_id, processes_under,
                     run_cli, start_run)


@pytest.mark.parametrize("node, occurrence, delay", [
    ("prepare", 1, 0.0),     # a node boundary
    ("deploy", 1, 0.4),      # in the middle of the first attempt's test run
    ("read_logs", 1, 0.0),   # between attempts
])
def test_resume_after_sigkill_reaches_the_same_verdict_and_leaves_nothing(example, node, occurrence, delay):
    repo, ticket, patches = example("stations")
    seen = kill_after(start_run(repo, ticket, patches), node, occurrence, delay)
    assert any(line.strip().startswith(node) for line in seen)
    run_id = only_run_id(repo)
    if delay:  # killed mid-test: no report was kept, the test run's processes outlived the kill
        assert not (repo / ".greenloop" / "runs" / run_id / "memo" / "report-attempt-1.json").exists()

    result = run_cli("resume", run_id, "--repo", repo, "--json")

    assert result.code == 0, result.stderr
    assert result.json["verdict"] == "fixed" and result.json["steps"] == 2
    evidence = json.loads(Path(result.json["evidence"]).read_text())
    assert [a["outcome"] for a in evidence["attempts"]] == ["not_fixed", "fixed"]
    assert any("KeyError: 'zone'" in line for line in evidence["attempts"][0]["log_lines"])
    assert git(repo, "diff", "--name-only", "main", result.json["branch"]).split() == ["stations/app.py"]
    assert_nothing_left(repo)
    # the model was asked once per step, whatever was re-run
    calls = (repo / ".greenloop" / "runs" / run_id / "requests" / "calls.jsonl").read_text().splitlines()
    assert [json.loads(call)["step"] for call in calls] == [1, 2]


def test_a_later_run_reaps_a_killed_runs_processes_and_gc_lists_what_it_removed(example):
    repo, ticket, patches = example("stations")
    kill_after(start_run(repo, ticket, patches), "deploy", 1, 0.4)
    killed = only_run_id(repo)
    assert processes_under(repo / ".greenloop" / "runs" / killed)  # its services outlived it

    listing = run_cli("gc", repo, "--json")

    assert listing.code == 0
    removed = [item for items in listing.json.values() for item in items]
    assert any(item.startswith("process") and "stations" in item for item in removed)  # the shared baseline's
    assert any(item.startswith("worktree") and item.endswith("lane-1") for item in listing.json[killed])
    assert processes_under(repo) == []
    assert run_cli("gc", repo).stdout.startswith("nothing to remove")

    kill_after(start_run(repo, ticket, patches), "deploy", 1, 0.4)
    second = next(p.name for p in (repo / ".greenloop" / "runs").iterdir() if p.name != killed)
    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--json")
    assert result.code == 0
    assert f"run {second} was left behind: removed" in result.stderr
    assert_nothing_left(repo)


def test_resume_extends_a_run_that_ran_out_of_budget(example):
    repo, ticket, patches = example("stations")
    first = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--max-steps", "1", "--json")
    assert first.json["verdict"] == "not_fixed"

    again = run_cli("resume", first.json["run_id"], "--repo", repo, "--json")  # no more budget: its result again
    assert again.code == 1 and again.json == first.json
    assert "step budget spent: 1 of 1" in again.stderr and "--max-steps" in again.stderr

    extended = run_cli("resume", first.json["run_id"], "--repo", repo, "--max-steps", "2", "--json")
    assert extended.code == 0, extended.stderr
    assert extended.json["verdict"] == "fixed" and extended.json["steps"] == 2
    assert_nothing_left(repo)


def test_resuming_a_run_that_ended_prints_its_result_and_exits_with_its_code(example):
    repo, ticket, patches = example("library")
    done = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--json")
    assert done.code == 0 and done.json["verdict"] == "fixed"
    branches = git(repo, "branch", "--list", "greenloop/*")

    for _ in range(2):  # a CI retry step: the same answer every time, and nothing is redone
        again = run_cli("resume", done.json["run_id"], "--repo", repo, "--json")
        assert again.code == 0, again.stderr
        assert again.json == done.json
        assert f"run {done.json['run_id']} already ended fixed" in again.stderr
    text = run_cli("resume", done.json["run_id"], "--repo", repo)
    assert text.code == 0 and "fixed" in text.stdout and done.json["branch"] in text.stdout
    assert git(repo, "branch", "--list", "greenloop/*") == branches
    assert_nothing_left(repo)
    missing = run_cli("resume", "no-such-run", "--repo", repo)
    assert missing.code == 2 and done.json["run_id"] in missing.stderr


def test_a_run_killed_before_its_first_checkpoint_starts_over_to_the_verdict_of_an_unkilled_run(example):
    repo, ticket, patches = example("library")
    unkilled = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--json")
    assert unkilled.code == 0, unkilled.stderr
    runs = repo / ".greenloop" / "runs"
    process = start_run(repo, ticket, patches)
    # the run wrote what it starts from (run.json, in one piece); its first checkpoint is the imports of a second away
    started = eventually(lambda: [p for p in runs.iterdir() if (p / "run.json").is_file()
                                  and p.name != unkilled.json["run_id"]], timeout=30, poll=0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    (killed,) = started
    assert checkpoints(killed / "checkpoint.sqlite") == 0

    result = run_cli("resume", killed.name, "--repo", repo, "--json")

    assert result.code == 0, result.stderr
    assert result.json["run_id"] == killed.name and result.json["verdict"] == unkilled.json["verdict"] == "fixed"
    assert result.json["steps"] == unkilled.json["steps"] and result.json["targets"] == unkilled.json["targets"]
    outcomes = [[a["outcome"] for a in json.loads(Path(r.json["evidence"]).read_text())["attempts"]]
                for r in (unkilled, result)]
    assert outcomes[0] == outcomes[1] == ["not_fixed", "fixed"]
    assert git(repo, "rev-parse", f"{result.json['branch']}^{{tree}}") == \
        git(repo, "rev-parse", f"{unkilled.json['branch']}^{{tree}}")
    assert_nothing_left(repo)


def checkpoints(path: Path) -> int:
    """How many checkpoints an SQLite checkpoint file holds (none when it, or its table, is not there yet)."""
    if not path.is_file():
        return 0
    with sqlite3.connect(path) as db:
        try:
            return db.execute("select count(*) from checkpoints").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


@pytest.mark.parametrize("max_steps, verdict, code", [("4", "fixed", 0), ("1", "not_fixed", 1)])
def test_a_run_that_ends_stops_what_its_tests_left_outside_their_group(example, tmp_path, max_steps, verdict, code):
    repo, ticket, patches = example("library")
    daemons = tmp_path / "daemons"
    daemons.mkdir()
    (repo / "tests" / "test_daemon.py").write_text(DAEMON_TEST.replace("DAEMONS", repr(str(daemons))))
    commit_all(repo, "a test that leaves a daemon behind")

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--max-steps", max_steps,
                     "--json")

    assert result.code == code and result.json["verdict"] == verdict, result.stderr
    pids = [int(p.name) for p in daemons.iterdir()]
    assert pids  # each test run started one, in a session of its own
    assert not [pid for pid in pids if running(pid)]
    assert marked(result.json["run_id"]) == []
    assert "stopped what the run's commands left running outside their groups" in result.stderr
    assert_nothing_left(repo)


DAEMON_TEST = '''
import os, subprocess, sys, time

def test_leaves_a_daemon_behind():
    """A grandchild of the test run that leaves its process group (setsid) and outlives the test."""
    before = set(os.listdir(DAEMONS))
    subprocess.Popen([sys.executable, "-c", "import os, sys, time\\nos.setsid()\\n"
                      "open(os.path.join(sys.argv[1], str(os.getpid())), 'w').close()\\ntime.sleep(120)", DAEMONS])
    deadline = time.monotonic() + 20
    while set(os.listdir(DAEMONS)) == before and time.monotonic() < deadline:  # it left the group
        time.sleep(0.01)
'''


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] not in ("Z", "X")
    except OSError:
        return False


def marked(run_id: str) -> list[int]:
    """Processes carrying the run's mark (GREENLOOP_RUN=<run id>) in their environment."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if f"GREENLOOP_RUN={run_id}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                found.append(int(pid))
        except OSError:
            continue
    return [pid for pid in found if running(pid)]
