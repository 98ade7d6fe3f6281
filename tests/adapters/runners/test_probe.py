"""What a pytest session loaded, as the probe reports it, and how the judged run is held to the base run: real pytest
runs of a throwaway project, cold and warm, where a plugin arrives the way an install registers one."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from greenloop.adapters.runners.command import CommandTestRunner
from greenloop.adapters.runners.warm import WarmTestRunner
from greenloop.graph import verdict
from greenloop.loop.config import TestConfig

PLUGIN = '''import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
'''


def project(root: Path) -> SimpleNamespace:
    (root / "tests").mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "tests" / "test_calc.py").write_text("def test_add():\n    assert 1 + 1 == 3\n")
    return SimpleNamespace(path=root)


def install_plugin(root: Path) -> None:
    """What `pip install` of a pytest plugin leaves: a module and a dist-info whose entry point names it (found on
    sys.path, which `python -m pytest` starts with the working directory)."""
    (root / "quiet.py").write_text(PLUGIN)
    dist = root / "quiet-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: quiet\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pytest11]\nquiet = quiet\n")


@pytest.mark.parametrize("runner_class", [CommandTestRunner, WarmTestRunner])
def test_a_plugin_an_install_registered_is_caught_though_it_turned_every_result_green(tmp_path, runner_class):
    workspace = project(tmp_path / "repo")
    runner = runner_class(TestConfig(command=f"{shlex.quote(sys.executable)} -m pytest -q"))
    try:
        base = runner.run(workspace, {}, tmp_path / "reports", "base")
        install_plugin(workspace.path)
        judged = runner.run(workspace, {}, tmp_path / "reports", "attempt-1")
    finally:
        runner.close()

    assert base.failing() == ["tests/test_calc.py::test_add"]
    assert judged.failing() == []  # the plugin did what it was written for
    assert base.loaded["inifiles"] == ["pytest.ini"] and "tests/test_calc.py" not in base.loaded["plugins"]
    found = verdict.unexpected_loads(base.loaded, judged.loaded, judged.kind)
    assert found == ["plugin quiet.py", "plugin distribution quiet==1.0"]
    problem = verdict.untrusted_run("t", "t", [], {"loaded": base.loaded}, judged)
    assert "loaded what the base run did not (plugin quiet.py; plugin distribution quiet==1.0)" in problem


def test_a_config_file_that_takes_over_is_caught(tmp_path):
    workspace = project(tmp_path / "repo")
    runner = CommandTestRunner(TestConfig(command=f"{shlex.quote(sys.executable)} -m pytest -q"))
    base = runner.run(workspace, {}, tmp_path / "reports", "base")
    (workspace.path / "pytest.toml").write_text("[pytest]\n")
    judged = runner.run(workspace, {}, tmp_path / "reports", "attempt-1")

    assert verdict.unexpected_loads(base.loaded, judged.loaded, judged.kind) == ["config file pytest.toml"]
    assert verdict.unexpected_loads(base.loaded, base.loaded, base.kind) == []


def test_a_judged_run_that_reports_nothing_it_loaded_is_suspect_only_when_pytest_ran():
    at_base = {"inifiles": ["pytest.ini"], "plugins": [], "dists": []}
    assert verdict.unexpected_loads(at_base, None, "junit") == ["no pytest session reported what it loaded"]
    assert verdict.unexpected_loads(at_base, None, "exit-code") == []
    assert verdict.unexpected_loads(None, at_base, "junit") == []


def test_start_up_code_that_appeared_after_base_is_caught(tmp_path):
    """sitecustomize (here on PYTHONPATH, as a dropped file in a site folder would be) runs before pytest does."""
    workspace = project(tmp_path / "repo")
    boot = tmp_path / "boot"
    boot.mkdir()
    runner = CommandTestRunner(TestConfig(command=f"{shlex.quote(sys.executable)} -m pytest -q"),
                               base_env={**os.environ, "PYTHONPATH": str(boot)})
    base = runner.run(workspace, {}, tmp_path / "reports", "base")
    (boot / "sitecustomize.py").write_text("import os\n")
    judged = runner.run(workspace, {}, tmp_path / "reports", "attempt-1")

    (found,) = verdict.unexpected_loads(base.loaded, judged.loaded, judged.kind)
    assert found.startswith(f"start-up file {boot / 'sitecustomize.py'}#")


def test_what_an_earlier_run_left_in_greenloops_plugin_folder_is_gone_before_the_next(tmp_path):
    workspace = project(tmp_path / "repo")
    runner = CommandTestRunner(TestConfig(command=f"{shlex.quote(sys.executable)} -m pytest -q"))
    runner.run(workspace, {}, tmp_path / "reports", "attempt-1")
    planted = tmp_path / "reports" / "_plugins-attempt-1" / "__pycache__" / "greenloop_probe.pyc"
    planted.parent.mkdir(exist_ok=True)
    planted.write_bytes(b"not the probe")
    (tmp_path / "reports" / "_plugins-attempt-1" / "greenloop_probe.py").write_text("raise SystemExit(0)\n")

    again = runner.run(workspace, {}, tmp_path / "reports", "attempt-1")

    assert not planted.exists() and again.loaded is not None and again.failing() == ["tests/test_calc.py::test_add"]
