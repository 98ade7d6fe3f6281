"""CommandTestRunner against real shells and real pytest runs in throwaway projects."""

from __future__ import annotations

import os
import shlex
import stat
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from greenloop.adapters.protocols import TestReport
from greenloop.adapters.runners.command import (
    HEAD_CHARS,
    TAIL_CHARS,
    TIMEOUT_EXIT_CODE,
    CommandTestRunner,
    missing_program,
)
from greenloop.graph import verdict
from greenloop.loop.config import TestConfig
from greenloop.loop.errors import ConfigError

PYTEST = f"{shlex.quote(sys.executable)} -m pytest -q"
# The venv's third-party pytest plugins take ~1 s to import; the sample projects need none of them.
BASE_ENV = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

SAMPLE = {
    "pytest.ini": "[pytest]\n",
    "tests/test_sample.py": '''
import os
import pytest

def add(a, b):
    return a + b

def test_passes():
    assert add(1, 1) == 2

def test_fails():
    assert add(1, 1) == 3

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_errors(broken):
    pass

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n == 1

class TestGroup:
    def test_method(self):
        pass

def test_env():
    assert os.environ["SERVICE_URL"] == "http://127.0.0.1:8080"

def test_excluded():
    assert False, "PYTEST_ADDOPTS from the base environment should have deselected me"
''',
    "tests/sub/test_nested.py": "def test_nested():\n    pass\n",
    "tests/test_broken.py": "import no_such_module_anywhere\n",
    "tests/helpers_base.py": "class Base:\n    def test_inherited(self):\n        pass\n",
    "tests/test_inherit.py": "from helpers_base import Base\n\nclass TestChild(Base):\n    pass\n",
}


def make_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def workspace(path: Path) -> SimpleNamespace:
    return SimpleNamespace(path=path, base_commit="0" * 40)


def run(tmp_path: Path, command_line: str, label: str = "t", **config: object) -> TestReport:
    runner = CommandTestRunner(TestConfig(command=command_line, **config), base_env=BASE_ENV)
    return runner.run(workspace(tmp_path), {}, tmp_path / "reports", label)


def alive(pid: int) -> bool:
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat_line.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TestReport]:
    root = tmp_path_factory.mktemp("sample")
    project = make_project(root / "project", SAMPLE)
    runner = CommandTestRunner(
        TestConfig(command=f"{PYTEST} --continue-on-collection-errors"),
        base_env={**BASE_ENV, "PYTEST_ADDOPTS": "-k 'not test_excluded'"},
    )
    report = runner.run(workspace(project), {"SERVICE_URL": "http://127.0.0.1:8080"}, root / "reports", "base")
    return project, report


def test_junit_outcomes_use_pytest_node_ids(sample_run: tuple[Path, TestReport]) -> None:
    _, report = sample_run
    assert report.kind == "junit"
    assert {test: result.outcome for test, result in report.results.items()} == {
        "tests/test_sample.py::test_passes": "passed",
        "tests/test_sample.py::test_fails": "failed",
        "tests/test_sample.py::test_errors": "error",
        "tests/test_sample.py::test_skipped": "skipped",
        "tests/test_sample.py::test_param[1]": "passed",
        "tests/test_sample.py::test_param[2]": "failed",
        "tests/test_sample.py::TestGroup::test_method": "passed",
        "tests/test_sample.py::test_env": "passed",
        "tests/sub/test_nested.py::test_nested": "passed",
        "tests/test_inherit.py::TestChild::test_inherited": "passed",
        "tests/test_broken.py": "error",
    }


def test_junit_report_records_messages_and_the_run(sample_run: tuple[Path, TestReport]) -> None:
    project, report = sample_run
    results = report.results
    assert "E       assert 2 == 3" in results["tests/test_sample.py::test_fails"].message
    assert "RuntimeError: fixture broke" in results["tests/test_sample.py::test_errors"].message
    assert "no_such_module_anywhere" in results["tests/test_broken.py"].message
    assert results["tests/test_sample.py::test_passes"].message == ""
    assert report.exit_code == 1 and report.duration > 0
    assert report.junit_path == str(project.parent / "reports" / "junit-base.xml")
    assert Path(report.junit_path).is_file()
    assert "failed" in report.output_head + report.output_tail
    assert not (project / ".pytest_cache").exists()


def test_exit_code_kind_for_commands_that_are_not_pytest(tmp_path: Path) -> None:
    report = run(tmp_path, "echo checking; echo 'it broke' >&2; exit 3")
    assert report.kind == "exit-code" and report.exit_code == 3 and report.junit_path is None
    assert list(report.results) == ["echo checking; echo 'it broke' >&2; exit 3"]
    result = report.results[report.command]
    assert result.outcome == "failed"
    assert result.message == "the test command exited with code 3\nchecking\nit broke\n"
    assert run(tmp_path, "true").results["true"].outcome == "passed"


def test_pytest_addopts_is_appended_unless_format_is_exit_code(tmp_path: Path) -> None:
    runner = CommandTestRunner(TestConfig(command='echo "[$PYTEST_ADDOPTS]"'), base_env={"PYTEST_ADDOPTS": "-x"})
    reports = tmp_path / "my reports"
    output = runner.run(workspace(tmp_path), {}, reports, "a").output_head
    assert output == (f"[-x '--junitxml={reports}/junit-a.xml' -o junit_family=xunit1 -p no:cacheprovider "
                      "-p greenloop_probe]\n")
    exit_code_only = run(tmp_path, 'echo "[$PYTEST_ADDOPTS]"', format="exit-code")
    assert exit_code_only.output_head == "[]\n"


def test_format_exit_code_ignores_pytest_results(tmp_path: Path) -> None:
    make_project(tmp_path, {"pytest.ini": "[pytest]\n", "test_one.py": "def test_one():\n    pass\n"})
    report = run(tmp_path, PYTEST, format="exit-code")
    assert report.kind == "exit-code"
    assert {t: r.outcome for t, r in report.results.items()} == {PYTEST: "passed"}
    assert not list((tmp_path / "reports").glob("junit-*"))


def test_format_junit_without_xml_is_an_error(tmp_path: Path) -> None:
    report = run(tmp_path, "echo fine", format="junit")
    assert list(report.results) == ["echo fine"]
    result = report.results["echo fine"]
    assert result.outcome == "error"
    assert "no JUnit XML" in result.message


def test_unreadable_junit_is_an_error(tmp_path: Path) -> None:
    report = run(tmp_path, "echo '<testsuite' > reports/junit-t.xml")
    assert report.kind == "exit-code"
    assert "JUnit XML pytest wrote is unreadable" in report.results[report.command].message


def test_stale_junit_from_an_earlier_run_is_not_read(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "junit-t.xml").write_text('<testsuite><testcase classname="a" name="b" file="a.py"/></testsuite>')
    assert run(tmp_path, "true").kind == "exit-code"


def test_timeout_stops_the_whole_process_group(tmp_path: Path) -> None:
    started = time.monotonic()
    report = run(tmp_path, "sleep 30 & echo $! > child.pid; wait", timeout=1)
    assert time.monotonic() - started < 5
    assert report.exit_code == TIMEOUT_EXIT_CODE
    assert report.results["sleep 30 & echo $! > child.pid; wait"].outcome == "error"
    assert "timed out after 1 s" in report.results[report.command].message
    assert not alive(int((tmp_path / "child.pid").read_text()))


def test_timeout_kills_processes_that_ignore_sigterm(tmp_path: Path) -> None:
    report = run(tmp_path, "trap '' TERM; sleep 30 & echo $! > child.pid; wait", timeout=0.5)
    assert report.exit_code == TIMEOUT_EXIT_CODE
    assert not alive(int((tmp_path / "child.pid").read_text()))


def test_background_processes_left_behind_are_stopped(tmp_path: Path) -> None:
    run(tmp_path, "sleep 30 & echo $! > child.pid")
    assert not alive(int((tmp_path / "child.pid").read_text()))


def test_missing_program_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        run(tmp_path, "greenloop-no-such-tool --all")
    text = str(raised.value)
    assert "[test] command" in text and "'greenloop-no-such-tool'" in text
    assert "install greenloop-no-such-tool" in text and "greenloop.toml" in text


def test_program_missing_inside_a_script_is_named(tmp_path: Path) -> None:
    script = make_project(tmp_path, {"run.sh": "#!/bin/sh\ncat nothing-here.txt\ngreenloop-no-such-tool\n"}) / "run.sh"
    script.chmod(0o755)
    with pytest.raises(ConfigError, match="'greenloop-no-such-tool' was not found"):
        run(tmp_path, "./run.sh")


@pytest.mark.parametrize(
    ("command_line", "missing"),
    [
        ("greenloop-no-such-tool -q", "greenloop-no-such-tool"),
        ("A=1 B='two words' greenloop-no-such-tool", "greenloop-no-such-tool"),
        ("sh -c true", None),
        ("A=1 sh -c true", None),
        ("mytool --fast", None),
        ("./run-tests.sh", None),
        ("./missing.sh", "./missing.sh"),
        ("bin/mytool", None),
        ("cd sub && greenloop-no-such-tool", None),
        ("$PYTHON -m pytest", None),
        ("(greenloop-no-such-tool)", None),
        ("echo 'unbalanced", None),
        ("", None),
    ],
)
def test_missing_program(tmp_path: Path, command_line: str, missing: str | None) -> None:
    for name in ("run-tests.sh", "bin/mytool"):
        path = make_project(tmp_path, {name: "#!/bin/sh\n"}) / name
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    env = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    assert missing_program(command_line, tmp_path, env) == missing


def test_missing_program_uses_the_given_path(tmp_path: Path) -> None:
    assert missing_program("sh -c true", tmp_path, {"PATH": str(tmp_path)}) == "sh"


def test_short_output_is_all_in_the_head(tmp_path: Path) -> None:
    report = run(tmp_path, "echo hello")
    assert (report.output_head, report.output_tail) == ("hello\n", "")


def test_long_output_keeps_head_and_tail(tmp_path: Path) -> None:
    script = "print('START' + 'h' * 5000); print('m' * 20000); print('t' * 5000 + 'END')"
    report = run(tmp_path, f"{shlex.quote(sys.executable)} -c {shlex.quote(script)}")
    assert len(report.output_head) == HEAD_CHARS and report.output_head.startswith("STARThhh")
    assert len(report.output_tail) == TAIL_CHARS and report.output_tail.endswith("tttEND\n")


def test_a_failing_command_after_green_tests_is_not_green(tmp_path: Path) -> None:
    make_project(tmp_path, {"pytest.ini": "[pytest]\n", "tests/test_ok.py": "def test_ok():\n    pass\n"})
    report = run(tmp_path, f"{PYTEST} tests && echo 'lint: 3 problems' && exit 4")
    assert report.kind == "junit" and report.outcome("tests/test_ok.py::test_ok") == "passed"
    whole = report.results[report.command]
    assert whole.outcome == "error" and "exited with code 4" in whole.message and "lint: 3 problems" in whole.message


SELECTABLE = {
    "pytest.ini": "[pytest]\n",
    "tests/test_pick.py": """
import pytest

def test_kept():
    pass

def test_left_out():
    assert False, "not in the selection: must not run"

@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n == 2, "only test_param[2] is selected"

class TestGroup:
    def test_method(self):
        pass

    def test_other_method(self):
        assert False, "not in the selection: must not run"
""",
    "tests/test_elsewhere.py": "def test_elsewhere():\n    assert False, 'not in the selection: must not run'\n",
}


def outcomes(report: TestReport) -> dict[str, str]:
    return {test: result.outcome for test, result in report.results.items()}


def test_a_selection_runs_only_the_listed_node_ids(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", SELECTABLE)
    wanted = ["tests/test_pick.py::test_kept", "tests/test_pick.py::test_param[2]",
              "tests/test_pick.py::TestGroup::test_method"]
    runner = CommandTestRunner(TestConfig(command=f"{PYTEST} tests"), base_env=BASE_ENV)
    report = runner.run(workspace(project), {}, tmp_path / "reports", "rerun", selection=wanted)
    assert outcomes(report) == dict.fromkeys(wanted, "passed")
    assert report.exit_code == 0 and "4 deselected" in report.output_head + report.output_tail
    assert (tmp_path / "reports" / "selection-rerun.json").is_file()


def test_a_selection_keeps_the_base_pythonpath_and_pytest_addopts(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", {
        "pytest.ini": "[pytest]\n",
        "lib/helper.py": "ANSWER = 42\n",
        "tests/test_uses_lib.py": "from helper import ANSWER\n\ndef test_answer():\n    assert ANSWER == 42\n\n"
                                  "def test_excluded():\n    assert False, 'PYTEST_ADDOPTS -k should deselect me'\n",
    })
    base_env = {**BASE_ENV, "PYTHONPATH": str(project / "lib"), "PYTEST_ADDOPTS": "-k 'not test_excluded'"}
    runner = CommandTestRunner(TestConfig(command=PYTEST), base_env=base_env)
    selection = ["tests/test_uses_lib.py::test_answer", "tests/test_uses_lib.py::test_excluded"]
    report = runner.run(workspace(project), {}, tmp_path / "reports", "rerun", selection=selection)
    assert outcomes(report) == {"tests/test_uses_lib.py::test_answer": "passed"}


@pytest.mark.parametrize(("command_line", "config", "printed"), [
    ("echo ran everything", {}, "ran everything"),
    (PYTEST, {"format": "exit-code"}, "2 passed"),
])
def test_a_command_that_cannot_be_narrowed_runs_whole(tmp_path: Path, command_line: str, config: dict,
                                                      printed: str) -> None:
    make_project(tmp_path, {"pytest.ini": "[pytest]\n", "test_one.py": "def test_one():\n    pass\n",
                            "test_two.py": "def test_two():\n    pass\n"})
    runner = CommandTestRunner(TestConfig(command=command_line, **config), base_env=BASE_ENV)
    report = runner.run(workspace(tmp_path), {}, tmp_path / "reports", "rerun", selection=["test_one.py::test_one"])
    assert report.kind == "exit-code" and outcomes(report) == {command_line: "passed"}
    assert printed in report.output_head


FLAKY_PROJECT = {
    "pytest.ini": "[pytest]\n",
    "tests/test_app.py": """
import os
from pathlib import Path

PATCHED = os.environ.get("PATCHED") == "1"

def test_target():
    assert PATCHED, "the bug"

def test_regression():
    assert not PATCHED, "the patch broke me"

def test_flaky():
    flip = Path(__file__).with_name("failed-last-time")
    if flip.exists():
        flip.unlink()
        raise AssertionError("fails one run in two")
    flip.touch()

def test_steady():
    pass
""",
}


def test_a_test_failing_one_run_in_two_is_flaky_and_a_real_regression_is_not(tmp_path: Path) -> None:
    """The graph's sequence: base run, run after the patch, rerun of the candidates with a selection."""
    project = make_project(tmp_path / "project", FLAKY_PROJECT)
    runner = CommandTestRunner(TestConfig(command=PYTEST), base_env=BASE_ENV)
    reports, patched = tmp_path / "reports", {"PATCHED": "1"}
    targets = ["tests/test_app.py::test_target"]
    base = outcomes(runner.run(workspace(project), {}, reports, "base"))
    after = outcomes(runner.run(workspace(project), patched, reports, "step-1"))
    assert base["tests/test_app.py::test_flaky"] == "passed" and after["tests/test_app.py::test_flaky"] == "failed"

    candidates = verdict.rerun_candidates(targets, base, after)
    assert candidates == ["tests/test_app.py::test_flaky", "tests/test_app.py::test_regression"]
    rerun = outcomes(runner.run(workspace(project), patched, reports, "step-1-rerun", selection=candidates))
    assert set(rerun) == set(candidates)

    settled, flaky = verdict.settle_flakes(after, rerun)
    assert flaky == ["tests/test_app.py::test_flaky"]
    assert verdict.regressions(base, after) == candidates
    assert verdict.regressions(base, settled) == ["tests/test_app.py::test_regression"]
