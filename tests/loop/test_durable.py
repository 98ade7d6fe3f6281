"""Durable runs: SIGKILL at a node boundary or mid-test, then `resume` reaches the same verdict and nothing is left;
a later run or `gc` reaps a killed run's processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import assert_nothing_left, git, kill_after, only_run_id, processes_under, run_cli, start_run


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

    again = run_cli("resume", first.json["run_id"], "--repo", repo)
    assert again.code == 2 and "step budget spent: 1 of 1" in again.stderr and "--max-steps" in again.stderr

    extended = run_cli("resume", first.json["run_id"], "--repo", repo, "--max-steps", "2", "--json")
    assert extended.code == 0, extended.stderr
    assert extended.json["verdict"] == "fixed" and extended.json["steps"] == 2
    assert_nothing_left(repo)


def test_resume_refuses_what_cannot_be_resumed(example):
    repo, ticket, patches = example("library")
    done = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--json")
    assert done.json["verdict"] == "fixed"
    again = run_cli("resume", done.json["run_id"], "--repo", repo)
    assert again.code == 2 and "already ended: fixed" in again.stderr
    missing = run_cli("resume", "no-such-run", "--repo", repo)
    assert missing.code == 2 and done.json["run_id"] in missing.stderr
