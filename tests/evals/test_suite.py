"""`greenloop eval`: a suite's tasks through the real loop, the table and JSON a user reads, and an interrupted eval
that leaves nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from support import EXAMPLES, cli_env, processes_under, run_cli


def suite_of(tmp_path, *names):
    suite = tmp_path / "suite"
    for name in names:
        shutil.copytree(EXAMPLES / "bugs" / name, suite / name)
    return suite


def test_the_table_and_json_say_which_tasks_were_fixed_and_whether_the_fix_is_the_known_one(tmp_path):
    suite = suite_of(tmp_path, "vat-calculator", "binary-search")
    scratch = tmp_path / "tmp"
    scratch.mkdir()

    result = run_cli("eval", suite, "--max-test-runs", "10", "--out", tmp_path / "table.md", "--json",
                     env={"TMPDIR": str(scratch)})

    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["tasks"] == 2 and report["summary"]["fixed"] == 2
    assert {t["task"]: t["verdict"] for t in report["tasks"]} == {"vat-calculator": "fixed", "binary-search": "fixed"}
    assert all(t["test_runs"] <= 10 for t in report["tasks"])
    assert "binary-search" in result.stderr and "fixed" in result.stderr  # a progress line per task
    table = (tmp_path / "table.md").read_text()
    assert "| binary-search | comparison | fixed |" in table and "2 of 2 fixed" in table
    assert list(scratch.iterdir()) == []  # each task's fresh repository went with the suite's scratch folder


def test_an_interrupted_eval_stops_its_run_writes_no_table_and_leaves_no_scratch(tmp_path):
    suite = suite_of(tmp_path, "access-flags", "slugify")  # each screens for a while
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "greenloop.loop.cli", "eval", str(suite), "--out",
                                str(tmp_path / "table.md")], env={**cli_env(), "TMPDIR": str(scratch)},
                               stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not list(scratch.glob("greenloop-eval-*/*/.greenloop/runs/*/reports/output-step-1-bench-*.log")):
        assert time.monotonic() < deadline and process.poll() is None, "the eval never started screening"
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not (tmp_path / "table.md").exists()
    assert list(scratch.iterdir()) == [] and processes_under(scratch) == []
    assert os.path.isdir(suite / "access-flags" / "repo") and not (suite / "access-flags" / "repo" / ".greenloop").exists()
