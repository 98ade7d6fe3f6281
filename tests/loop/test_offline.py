"""The offline repair engine, the default model, through the greenloop CLI: real repositories, real test runs."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from support import EXAMPLES, assert_nothing_left, commit_all, git, make_repo, run_cli

CONFIG = '[test]\ncommand = "python -m pytest -q tests"\n'
PYTEST_INI = "[pytest]\npythonpath = .\n"


def evidence_of(result) -> dict:
    return json.loads(Path(result.json["evidence"]).read_text())


def test_a_one_line_bug_is_fixed_with_no_model_named_and_the_published_diff_is_that_line(tmp_path):
    task = EXAMPLES / "bugs" / "vat-calculator"
    repo = tmp_path / "repo"
    shutil.copytree(task / "repo", repo)
    git(repo, "init", "-q", "-b", "main")
    base = commit_all(repo)

    result = run_cli("run", repo, "--ticket", task / "ticket.md", "--json")  # no --model: offline

    assert result.code == 0, result.stderr
    evidence = evidence_of(result)
    assert evidence["model"] == "offline" and evidence["attempts"][0]["source"].startswith("offline: ")
    published = git(repo, "diff", "-U0", base, result.json["branch"]).splitlines()
    changed = [line for line in published if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    known = [line for line in (task / "fix.diff").read_text().splitlines()
             if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == known and len(changed) == 2  # one line out, the same line in
    assert evidence["model_usage"]["test_runs"] >= 2  # the spectra run, then screenings
    assert_nothing_left(repo, base)


def test_a_candidate_that_passes_the_targets_but_breaks_another_test_is_never_proposed(tmp_path):
    """Every edit that makes clamp(11) pass (min→max, 10→11, return x …) breaks clamp(20) == 10."""
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": CONFIG, "pytest.ini": PYTEST_INI,
        "limits.py": "def clamp(x):\n    return min(x, 10)\n",
        "tests/test_limits.py": "from limits import clamp\n\n\ndef test_target():\n    assert clamp(11) == 11\n\n\n"
                                "def test_other():\n    assert clamp(20) == 10\n",
    })
    result = run_cli("run", repo, "--ticket-text", "clamp(11) should be 11", "--json")

    assert result.code == 1 and result.json["verdict"] == "not_fixed" and result.json["branch"] is None
    evidence = evidence_of(result)
    assert evidence["attempts"] == []  # no candidate was good enough to propose
    assert "no candidate passed the targets" in evidence["stop_reason"]
    assert evidence["model_usage"]["test_runs"] > 3  # it did screen: each candidate that passed the target was
    assert_nothing_left(repo)                       # then run against the whole suite, and refused


def test_a_program_that_loops_forever_fails_by_its_test_timeout_and_the_run_keeps_its_wall_time(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": CONFIG + "per_test_timeout = 1\n[budget]\nmax_minutes = 0.5\n", "pytest.ini": PYTEST_INI,
        "count.py": "def count_up(n):\n    i = 0\n    while i != n:\n        i += 2\n    return i\n",
        "tests/test_count.py": "from count import count_up\n\n\ndef test_even():\n    assert count_up(4) == 4\n\n\n"
                               "def test_odd():\n    assert count_up(3) == 3\n",
    })
    started = time.monotonic()
    result = run_cli("run", repo, "--ticket-text", "count_up(3) never returns", "--json")
    elapsed = time.monotonic() - started

    assert result.code in (0, 1), result.stderr
    evidence = evidence_of(result)
    assert evidence["targets"][0]["id"] == "tests/test_count.py::test_odd"
    assert "Timeout" in evidence["targets"][0]["message_before"]  # failed alone, by pytest-timeout
    assert evidence["budget"]["wall_seconds"] <= 30 + 5 and elapsed < 60
    assert_nothing_left(repo)


def test_without_pytest_cov_where_the_tests_run_the_tracebacks_alone_localize(tmp_path):
    """The test command's Python may lack pytest-cov (a project's own venv): the spectra run then fails on `--cov`,
    and the engine reruns the tests plainly and localizes from the failure's traceback."""
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -p no:pytest_cov -q tests"\n',
        "pytest.ini": PYTEST_INI,
        "items.py": "def last(xs):\n    return xs[len(xs)]\n",
        "tests/test_items.py": "from items import last\n\n\ndef test_last():\n    assert last([1, 2, 3]) == 3\n\n\n"
                               "def test_last_of_one():\n    assert last(['a']) == 'a'\n",
    })
    result = run_cli("run", repo, "--ticket-text", "last() raises IndexError", "--json")

    assert result.code == 0 and result.json["verdict"] == "fixed", result.stderr
    evidence = evidence_of(result)
    assert evidence["attempts"][0]["source"].endswith("at items.py:2")
    assert evidence["model_usage"]["test_runs"] >= 3  # the failed spectra run, the plain one, a screening


def test_a_candidate_that_loops_forever_is_stopped_long_before_the_test_timeout(tmp_path):
    """No per-test timeout and a test command timeout of 300 s: `while n > 0` → `while n >= 0` never ends, and
    the engine stops each screening at ten times the suite's own duration (at least 5 s) instead."""
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\ntimeout = 300\n',
        "pytest.ini": PYTEST_INI,
        "digits.py": "def digits(n):\n    count = 0\n    while n > 0:\n        n //= 10\n        count += 1\n"
                     "    return count + 1\n",
        "tests/test_digits.py": "from digits import digits\n\n\ndef test_three():\n    assert digits(123) == 3\n\n\n"
                                "def test_one():\n    assert digits(7) == 1\n",
    })
    started = time.monotonic()
    result = run_cli("run", repo, "--ticket-text", "digits() counts one too many", "--json")

    assert result.code == 0 and result.json["verdict"] == "fixed", result.stderr
    assert time.monotonic() - started < 90
    reports = Path(result.json["run_dir"]) / "reports"
    screenings = sorted(reports.glob("output-step-1-bench-*.log"))
    stopped = [log for log in screenings if not (reports / log.name.replace("output-", "junit-").replace(
        ".log", ".xml")).exists()]
    assert stopped  # a screening stopped at its time limit: no JUnit XML
    assert_nothing_left(repo)
