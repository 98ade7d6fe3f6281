"""The loop end to end through the CLI: real git repositories, real service processes, real pytest runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import assert_nothing_left, git, run_cli

DECISIVE = "KeyError: 'zone'"


def evidence_of(result) -> tuple[dict, str]:
    run_dir = Path(result.json["run_dir"])
    return json.loads((run_dir / "evidence.json").read_text()), (run_dir / "evidence.md").read_text()


def test_two_services_wrong_patch_then_log_line_then_right_patch_is_fixed(example):
    repo, ticket, patches = example("stations")
    head = git(repo, "rev-parse", "HEAD").strip()

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--json")

    assert result.code == 0, result.stderr
    assert result.json["verdict"] == "fixed" and result.json["steps"] == 2
    evidence, markdown = evidence_of(result)
    first, second = evidence["attempts"]
    assert first["outcome"] == "not_fixed" and second["outcome"] == "fixed"
    # The cause shows only in the stations log: it was read after the wrong patch ...
    assert any(DECISIVE in line for line in first["log_lines"])
    assert DECISIVE not in "".join(first["messages"].values())
    # ... and carried into the model's next request.
    request = json.loads((Path(result.json["run_dir"]) / "requests" / "step-2.json").read_text())
    assert any(DECISIVE in line for line in request["attempts"][0]["log_lines"])
    # The branch holds exactly the tested tree, which is base + the right patch.
    branch = result.json["branch"]
    assert branch.startswith("greenloop/fare-quotes")
    assert git(repo, "rev-parse", f"{branch}^{{tree}}").strip() == evidence["tested_tree"]
    assert git(repo, "rev-parse", f"{branch}^").strip() == head
    changed = git(repo, "diff", "--name-only", head, branch).split()
    assert changed == ["stations/app.py"]
    assert DECISIVE in markdown and DECISIVE in git(repo, "log", "-1", "--format=%B", branch)
    assert {t["id"]: (t["before"], t["after"]) for t in evidence["targets"]} == {
        "tests/test_trips.py::test_quote_from_kingsgate_cross": ("failed", "passed"),
        "tests/test_trips.py::test_quote_to_kingsgate_cross": ("failed", "passed"),
    }
    assert evidence["tests"]["regressions"] == []
    assert {"prepare", "generate", "deploy", "test", "read_logs", "patch", "publish"} <= set(
        evidence["seconds_per_node"])
    assert_nothing_left(repo, head)


def test_library_with_setup_step_is_fixed(example):
    repo, ticket, patches = example("library")

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--json")

    assert result.code == 0, result.stderr
    evidence, _ = evidence_of(result)
    assert [a["outcome"] for a in evidence["attempts"]] == ["not_fixed", "fixed"]
    assert evidence["targets"] == [{"id": "tests/test_convert.py::test_celsius_to_fahrenheit", "before": "failed",
                                    "after": "passed", "message_before": evidence["targets"][0]["message_before"]}]
    # setup generated a git-ignored module in each workspace; it must not end up in the published tree
    assert "units/_table.py" not in git(repo, "ls-tree", "-r", "--name-only", result.json["branch"]).split()
    assert_nothing_left(repo)


def test_everything_green_at_base_is_not_reproduced_whatever_the_model(example):
    repo, _, patches = example("library")
    git(repo, "apply", str(patches / "02-right.diff"))
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "already fixed")

    result = run_cli("run", repo, "--ticket-text", "conversions look off", "--model", f"scripted:{patches}", "--json")

    assert result.code == 1
    assert result.json["verdict"] == "not_reproduced" and result.json["branch"] is None
    evidence, markdown = evidence_of(result)
    assert evidence["attempts"] == [] and "nothing reproduces" in evidence["stop_reason"]
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]
    assert_nothing_left(repo)


def test_a_diff_touching_tests_is_refused_before_deploy(example, tmp_path):
    repo, ticket, patches = example("library")
    tampered = tmp_path / "patches"
    tampered.mkdir()
    git(repo, "rm", "-q", "tests/test_convert.py")  # "fix" by deleting the failing test
    (tampered / "01-delete-test.diff").write_text(git(repo, "diff", "--cached"))
    git(repo, "reset", "-q", "--hard")
    (tampered / "02-a-new-test-that-rewrites-results.diff").write_text(  # pytest imports every test module
        "--- /dev/null\n+++ b/tests/repro/test_zz.py\n@@ -0,0 +1 @@\n+pytest_plugins = ['hack']\n")
    shutil.copy(patches / "02-right.diff", tampered / "03-right.diff")

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{tampered}", "--json")

    assert result.code == 0, result.stderr
    evidence, markdown = evidence_of(result)
    refused, plugin, fixed = evidence["attempts"]
    assert refused["status"] == "refused" and "tests/test_convert.py" in refused["refusal"]
    assert "endpoints" not in refused and "tree" not in refused  # never deployed
    assert plugin["status"] == "refused" and "tests/repro/test_zz.py" in plugin["refusal"]
    assert fixed["outcome"] == "fixed" and evidence["budget"]["steps"] == 3
    assert "Refused before deploy" in markdown
    assert "tests/test_convert.py" in git(repo, "ls-tree", "-r", "--name-only", result.json["branch"])
    assert_nothing_left(repo)


def test_budget_exhausted_gives_up_with_evidence_and_no_branch(example):
    repo, ticket, patches = example("stations")

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--max-steps", "1", "--json")

    assert result.code == 1
    assert result.json["verdict"] == "not_fixed" and result.json["branch"] is None
    evidence, markdown = evidence_of(result)
    assert "step budget spent: 1 of 1" in evidence["stop_reason"]
    assert [a["source"] for a in evidence["attempts"]] == ["01-retry-stations-lookups.diff"]
    assert any(DECISIVE in line for line in evidence["attempts"][0]["log_lines"])
    assert "give_up" in evidence["seconds_per_node"] and "publish" not in evidence["seconds_per_node"]
    assert "01-retry-stations-lookups.diff" in markdown
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]
    assert_nothing_left(repo)


def test_human_output_has_progress_lines_and_a_summary(example):
    repo, ticket, patches = example("library")

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}")

    assert result.code == 0
    for node in ("prepare", "generate", "deploy", "test", "read_logs", "patch", "publish"):
        assert f"  {node} " in result.stderr
    assert "greenloop: fixed" in result.stdout and "branch: greenloop/" in result.stdout


def test_a_patch_that_breaks_service_start_up_is_an_attempt_not_a_crash(example, tmp_path):
    repo, ticket, patches = example("stations")
    breaking = tmp_path / "patches"
    breaking.mkdir()
    app = repo / "stations" / "app.py"
    original = app.read_text()
    app.write_text(original + "\ndef broken(:\n")
    (breaking / "01-syntax-error.diff").write_text(git(repo, "diff"))
    app.write_text(original)
    shutil.copy(patches / "02-price-boundary-stations.diff", breaking / "02-right.diff")

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{breaking}", "--json")

    assert result.code == 0, result.stderr
    evidence, markdown = evidence_of(result)
    broken, fixed = evidence["attempts"]
    assert broken["outcome"] == "failed_to_start" and "service 'stations'" in broken["start_error"]
    assert any("SyntaxError" in line for line in broken["log_lines"])  # what the model hears next
    request = json.loads((Path(result.json["run_dir"]) / "requests" / "step-2.json").read_text())
    assert any("SyntaxError" in line for line in request["attempts"][0]["log_lines"])
    assert fixed["outcome"] == "fixed" and "Failed to start" in markdown
    assert_nothing_left(repo)
