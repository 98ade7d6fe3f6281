"""Candidate patches tested side by side (`[sandbox] width`), each in its own sandbox on one shared baseline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import assert_nothing_left, commit_all, kill_after, only_run_id, run_cli, start_run


def widen(repo: Path, width: int) -> None:
    config = repo / "greenloop.toml"
    config.write_text(config.read_text() + f"\n[sandbox]\nwidth = {width}\n")
    commit_all(repo, "test candidates side by side")


def test_a_4_wide_fan_out_with_2_steps_left_runs_exactly_2_and_the_green_one_wins(example, tmp_path):
    repo, ticket, patches = example("stations")
    widen(repo, 4)
    candidates = tmp_path / "candidates"
    candidates.mkdir()
    shutil.copy(patches / "01-retry-stations-lookups.diff", candidates / "01.diff")
    shutil.copy(patches / "02-price-boundary-stations.diff", candidates / "02.diff")
    (candidates / "03.diff").write_text("never asked for\n")
    (candidates / "04.diff").write_text("never asked for\n")

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{candidates}", "--max-steps", "2",
                     "--json")

    assert result.code == 0, result.stderr
    run_dir = Path(result.json["run_dir"])
    evidence = json.loads((run_dir / "evidence.json").read_text())
    assert result.json["verdict"] == "fixed" and result.json["steps"] == 2
    calls = [json.loads(line)["step"] for line in (run_dir / "requests" / "calls.jsonl").read_text().splitlines()]
    assert calls == [1, 2]  # the budget was reserved before asking: never a third proposal
    first, second = evidence["attempts"]
    assert second["outcome"] == "fixed"
    # the wrong one is judged not fixed, unless the right one passed before its tests were done (a race the
    # design allows: once a candidate passes, its batch-mates stop before their next step)
    assert first["outcome"] == "not_fixed" or (first["outcome"] == "skipped" and "passed first" in first["refusal"])
    assert first.get("sandbox") != second["sandbox"]  # two sandboxes, two routing keys ...
    assert first.get("forks", ["trips"]) == ["trips"] and second["forks"] == ["stations"]  # ... each forking
    # only what it touched
    # the evidence names the flows each test run exercised, through its own fork or the shared baseline
    assert {"service": "stations", "method": "GET", "path": "/stations/KGX", "status": 200,
            "route": f"fork:{second['sandbox']}"}.items() <= next(
        f for f in second["flows"] if f["path"] == "/stations/KGX").items()
    assert any(f["service"] == "trips" and f["route"] == "baseline" for f in second["flows"])
    # side by side: the second was deployed before the first's tests were done
    assert second["deployed_at"] < first.get("finished_at", float("inf"))
    assert any("side by side in 2 sandboxes" in line for line in result.stderr.splitlines())
    assert "attempt-2 wins" in result.stderr
    assert_nothing_left(repo)


def test_a_run_killed_in_the_middle_of_a_batch_resumes_both_candidates(example):
    repo, ticket, patches = example("stations")
    widen(repo, 2)
    kill_after(start_run(repo, ticket, patches), "generate", 1, 0.5)  # both candidates on their way up

    result = run_cli("resume", only_run_id(repo), "--repo", repo, "--json")

    assert result.code == 0, result.stderr
    assert result.json["verdict"] == "fixed" and result.json["steps"] == 2
    calls = (repo / ".greenloop" / "runs" / only_run_id(repo) / "requests" / "calls.jsonl").read_text()
    assert [json.loads(line)["step"] for line in calls.splitlines()] == [1, 2]  # no proposal paid twice
    assert_nothing_left(repo)


def test_two_identical_candidates_of_one_batch_are_tested_once(example, tmp_path):
    repo, ticket, patches = example("stations")
    widen(repo, 2)
    twins = tmp_path / "twins"
    twins.mkdir()
    for name in ("01.diff", "02.diff"):
        shutil.copy(patches / "02-price-boundary-stations.diff", twins / name)

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{twins}", "--max-steps", "2", "--json")

    assert result.code == 0 and result.json["verdict"] == "fixed", result.stderr
    evidence = json.loads(Path(result.json["evidence"]).read_text())
    first, second = evidence["attempts"]
    assert first["outcome"] == "fixed"  # never refused as a twin of the candidate proposed after it
    assert second["outcome"] == "duplicate" and "attempt-1" in second["refusal"]
    assert_nothing_left(repo)
