"""Bad input: one readable message naming the problem and the fix, its exit code, and nothing left behind."""

from __future__ import annotations

import json

import pytest

from support import assert_nothing_left, commit_all, git, make_repo, processes_under, run_cli

LIBRARY = {
    "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n',
    "calc.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(2, 2) == 4\n",
    "pytest.ini": "[pytest]\npythonpath = .\n",
}


@pytest.fixture
def scripted(tmp_path):
    """A scripted model's folder with one (right) diff for LIBRARY."""
    folder = tmp_path / "patches"
    folder.mkdir()
    (folder / "01-fix.diff").write_text(
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n")
    return f"scripted:{folder}"


def broken(tmp_path, **changes: str | None):
    files = {**LIBRARY, **changes}
    return make_repo(tmp_path / "repo", {name: text for name, text in files.items() if text is not None})


@pytest.mark.parametrize("case, files, expected", [
    ("no config", {"greenloop.toml": None}, ["no greenloop config", "create", "greenloop.toml"]),
    ("malformed", {"greenloop.toml": "[test\ncommand = 1\n"}, ["greenloop.toml: not valid TOML", "line 1"]),
    ("unknown key", {"greenloop.toml": '[test]\ncomand = "pytest"\n'},
     ["greenloop.toml: invalid config", "test.comand: unknown key; did you mean 'command'?"]),
    ("wrong type", {"greenloop.toml": '[budget]\nmax_steps = "many"\n'}, ["budget.max_steps", "integer"]),
    ("bad health", {"greenloop.toml": '[[services]]\nname = "a"\ncommand = "true"\nhealth = "ok"\n'},
     ["services[0].health", "'/path' (HTTP GET), 'tcp'"]),
    ("missing test program", {"greenloop.toml": '[test]\ncommand = "no-such-runner --all"\n'},
     ["[test] command runs 'no-such-runner'", "not installed"]),
])
def test_config_problems_exit_2_before_anything_starts(tmp_path, scripted, case, files, expected):
    repo = broken(tmp_path, **files)

    result = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", scripted)

    assert result.code == 2, (case, result.stderr)
    for text in expected:
        assert text in result.stderr, (case, result.stderr)
    assert "Traceback" not in result.stderr
    assert not (repo / ".greenloop").exists()
    assert_nothing_left(repo)


def test_a_test_command_that_cannot_test_is_found_at_base(tmp_path, scripted):
    repo = broken(tmp_path, **{"greenloop.toml": '[test]\ncommand = "python -m pytset -q tests"\n'})

    result = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", scripted, "--json")

    assert result.code == 2
    assert "[test] command ran but reported no test results at base" in result.stderr
    assert "No module named pytset" in result.stderr
    assert result.json["verdict"] == "error" and result.json["steps"] == 0
    assert_nothing_left(repo)


def test_missing_ticket_file(tmp_path, scripted):
    repo = broken(tmp_path)
    result = run_cli("run", repo, "--ticket", tmp_path / "nope.md", "--model", scripted, "--json")
    assert result.code == 2
    assert "ticket file not found" in result.stderr
    assert result.json["verdict"] == "error" and "ticket file not found" in result.json["error"]
    assert not (repo / ".greenloop").exists()
    assert_nothing_left(repo)


def test_uncommitted_changes_are_refused_and_kept(tmp_path, scripted):
    repo = broken(tmp_path)
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b  # my work in progress\n")

    result = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", scripted)

    assert result.code == 2
    assert "uncommitted changes in 1 tracked file(s): calc.py" in result.stderr
    assert "commit or stash" in result.stderr
    assert "my work in progress" in (repo / "calc.py").read_text()
    assert git(repo, "status", "--porcelain").strip() == "M calc.py"
    assert not (repo / ".greenloop").exists() and processes_under(repo) == []


def test_service_that_never_becomes_healthy_is_an_infrastructure_failure(example):
    repo, ticket, patches = example("stations")
    config = repo / "greenloop.toml"
    config.write_text(config.read_text().replace('health = "/healthz"', 'health = "/ready"\nstart_timeout = 2', 1))
    head = commit_all(repo, "health path that does not exist")

    result = run_cli("run", repo, "--ticket", ticket, "--model", f"scripted:{patches}", "--json")

    assert result.code == 3
    assert "stations" in result.stderr and "/ready" in result.stderr
    assert "GET /ready" in result.stderr  # the service's last log lines are shown
    assert result.json["verdict"] == "error"
    evidence = json.loads((repo / ".greenloop" / "runs" / result.json["run_id"] / "evidence.json").read_text())
    assert evidence["verdict"] == "error" and "stations" in evidence["stop_reason"]
    assert_nothing_left(repo, head)


def test_not_a_git_repository(tmp_path, scripted):
    (tmp_path / "greenloop.toml").write_text("[test]\n")
    result = run_cli("run", tmp_path, "--ticket-text", "x", "--model", scripted)
    assert result.code == 2 and "is not a git repository" in result.stderr


def test_library_fixture_is_fixed_by_its_diff(tmp_path, scripted):
    repo = broken(tmp_path)
    result = run_cli("run", repo, "--ticket-text", "add is wrong", "--model", scripted, "--json")
    assert result.code == 0, result.stderr
    assert result.json["targets"][0]["id"] == "tests/test_calc.py::test_add"


def test_unknown_model(tmp_path):
    repo = broken(tmp_path)
    result = run_cli("run", repo, "--ticket-text", "x", "--model", "gpt-9")
    assert result.code == 2 and "unknown model 'gpt-9'" in result.stderr and "scripted:DIR" in result.stderr


def test_named_target_that_does_not_exist(tmp_path, scripted):
    repo = broken(tmp_path)
    result = run_cli("run", repo, "--ticket-text", "x", "--model", scripted, "--target", "tests/test_calc.py::test_sub")
    assert result.code == 2
    assert "tests/test_calc.py::test_sub did not run at base" in result.stderr
    assert "tests/test_calc.py::test_add" in result.stderr
    assert_nothing_left(repo)
