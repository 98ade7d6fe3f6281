"""Trustworthy verdicts: flaky tests, stuck loops, repeated proposals, and validating changes made elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

from support import assert_nothing_left, commit_all, git, make_repo, run_cli

CALC = "def add(a, b):\n    return a - b\n"


def library(tmp_path: Path, extra_tests: str = "") -> Path:
    return make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n',
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "calc.py": CALC,
        "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(2, 2) == 4\n\n"
                              "def test_zero():\n    assert add(0, 0) == 0\n" + extra_tests,
    })


def diff_for(body: str) -> str:
    return f"--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    {body}\n"


def scripted(tmp_path: Path, *bodies: str) -> str:
    folder = tmp_path / "patches"
    folder.mkdir()
    for i, body in enumerate(bodies, 1):
        (folder / f"{i:02d}.diff").write_text(diff_for(body))
    return f"scripted:{folder}"


def evidence(result) -> dict:
    return json.loads(Path(result.json["evidence"]).read_text())


def test_a_flaky_test_does_not_block_a_right_patch_and_is_named(tmp_path):
    flip = tmp_path / "flip"  # shared by every worktree: the test fails one run in two, by design
    flaky = (f"\nfrom pathlib import Path\n\ndef test_flaky():\n    flip = Path({str(flip)!r})\n"
             "    if flip.exists():\n        flip.unlink()\n        assert False, 'flaked'\n    flip.touch()\n")
    repo = library(tmp_path, flaky)

    result = run_cli("run", repo, "--ticket-text", "add subtracts", "--model", scripted(tmp_path, "return a + b"),
                     "--json")

    assert result.code == 0, result.stderr
    record = evidence(result)
    assert record["tests"]["flaky"] == ["tests/test_calc.py::test_flaky"]
    assert record["tests"]["regressions"] == []
    assert "Flaky" in (Path(result.json["run_dir"]) / "evidence.md").read_text()
    assert_nothing_left(repo)


def test_a_target_must_pass_without_a_rerun(tmp_path):
    flip = tmp_path / "flip"  # base: fails on the bug and sets the flip; the patched run then flakes
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n',
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "calc.py": CALC,
        "tests/test_calc.py": f"from pathlib import Path\nfrom calc import add\n\ndef test_add():\n"
                              f"    flip = Path({str(flip)!r})\n    if flip.exists():\n        flip.unlink()\n"
                              f"        assert False, 'flaked'\n    flip.touch()\n    assert add(2, 2) == 4\n",
    })

    result = run_cli("run", repo, "--ticket-text", "add subtracts", "--target", "tests/test_calc.py::test_add",
                     "--model", scripted(tmp_path, "return a + b"), "--max-steps", "1", "--json")

    assert result.json["verdict"] == "not_fixed"
    assert evidence(result)["tests"]["flaky"] == []


def test_different_wrong_proposals_with_the_same_failure_end_stuck_before_the_budget(tmp_path):
    repo = library(tmp_path)
    model = scripted(tmp_path, "return a - b + 0", "return (a - b)", "return -(b - a)", "return a - b * 1")

    result = run_cli("run", repo, "--ticket-text", "add subtracts", "--model", model, "--max-steps", "6", "--json")

    assert result.code == 1
    assert result.json["verdict"] == "stuck" and result.json["steps"] == 3
    assert "stuck: 3 different proposals" in result.json["stop_reason"]
    assert "assert 0 == 4" in result.json["stop_reason"]
    assert "stuck" in result.stderr
    assert_nothing_left(repo)


def test_an_identical_proposal_is_never_deployed_twice(tmp_path):
    repo = library(tmp_path)
    model = scripted(tmp_path, "return a + b + 1", "return a + b + 1", "return a + b")

    result = run_cli("run", repo, "--ticket-text", "add subtracts", "--model", model, "--json")

    assert result.json["verdict"] == "fixed"
    first, twin, right = evidence(result)["attempts"]
    assert twin["status"] == "duplicate" and "attempt-1" in twin["refusal"] and "endpoints" not in twin
    assert not (Path(result.json["run_dir"]) / "reports" / "junit-attempt-2.xml").exists()
    assert right["outcome"] == "fixed"


def test_patch_validates_a_change_made_elsewhere_without_a_model(tmp_path):
    repo = library(tmp_path)
    (tmp_path / "right.diff").write_text(diff_for("return a + b"))
    (tmp_path / "wrong.diff").write_text(diff_for("return a + b + 1"))

    right = run_cli("run", repo, "--patch", tmp_path / "right.diff", "--json")
    wrong = run_cli("run", repo, "--patch", tmp_path / "wrong.diff", "--json")

    assert right.code == 0, right.stderr
    assert right.json["verdict"] == "fixed" and right.json["steps"] == 1
    assert evidence(right)["ticket"]["title"] == "Validate right.diff"
    assert wrong.code == 1 and wrong.json["verdict"] == "not_fixed"
    attempt = evidence(wrong)["attempts"][0]
    assert attempt["failing"] == ["tests/test_calc.py::test_add", "tests/test_calc.py::test_zero"]
    assert attempt["regressions"] == ["tests/test_calc.py::test_zero"]
    assert "assert 5 == 4" in attempt["messages"]["tests/test_calc.py::test_add"]
    assert_nothing_left(repo)


def test_branch_with_a_model_behind_it_goes_on_when_the_change_is_not_green(tmp_path):
    repo = library(tmp_path)
    git(repo, "switch", "-q", "-c", "agent-1")
    (repo / "calc.py").write_text(CALC.replace("a - b", "a + b + 1"))
    commit_all(repo, "an agent's attempt")
    git(repo, "switch", "-q", "main")

    result = run_cli("run", repo, "--branch", "agent-1", "--model", scripted(tmp_path, "return a + b"), "--json")

    assert result.code == 0, result.stderr
    given, fixed = evidence(result)["attempts"]
    assert given["source"].startswith("agent-1@") and given["outcome"] == "not_fixed"
    assert fixed["outcome"] == "fixed" and fixed["source"] == "01.diff"
    assert_nothing_left(repo)


def test_the_same_files_written_as_another_diff_are_not_deployed_again(tmp_path):
    repo = library(tmp_path)
    folder = tmp_path / "patches"
    folder.mkdir()
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b + 1\n")
    (folder / "01-wide.diff").write_text(git(repo, "diff", "-U3"))
    (folder / "02-narrow.diff").write_text(git(repo, "diff", "-U0"))  # other text, the same resulting files
    git(repo, "checkout", "-q", "calc.py")
    (folder / "03-right.diff").write_text(diff_for("return a + b"))

    result = run_cli("run", repo, "--ticket-text", "add subtracts", "--model", f"scripted:{folder}", "--json")

    assert result.json["verdict"] == "fixed"
    first, twin, right = evidence(result)["attempts"]
    assert twin["status"] == "duplicate" and "the same files as attempt-1" in twin["refusal"]
    run_dir = Path(result.json["run_dir"])
    assert not (run_dir / "reports" / "junit-attempt-2.xml").exists()
    assert not (run_dir / "sandboxes" / "attempt-2").exists()  # nothing was started for it
    assert_nothing_left(repo)
