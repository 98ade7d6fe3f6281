"""WarmTestRunner against real servers forking real pytest runs in throwaway projects, side by side with the cold
runner whose results it must reproduce."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from greenloop.adapters.manifest import Manifest
from greenloop.adapters.protocols import TestReport
from greenloop.adapters.runners.command import TIMEOUT_EXIT_CODE, CommandTestRunner
from greenloop.adapters.runners.warm import WarmTestRunner
from greenloop.loop.config import TestConfig
from greenloop.loop.errors import ConfigError
from greenloop.loop.preflight import RunOptions, check
from support import git, make_repo, run_cli

PYTEST = f"{shlex.quote(sys.executable)} -m pytest -q"
# Third-party plugins take most of a second to import; only the first test needs them.
BASE_ENV = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def workspace(path: Path) -> SimpleNamespace:
    return SimpleNamespace(path=path, base_commit="0" * 40)


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def server_pids(manifest: Manifest) -> list[int]:
    return [entry["pid"] for entry in manifest.entries()
            if entry["kind"] == "process" and entry["label"].startswith("warm pytest server")]


@pytest.fixture
def make_runner(tmp_path):
    """A WarmTestRunner recording in a fresh manifest, its notes in a list; closed after the test."""
    made: list[WarmTestRunner] = []

    def build(command: str = PYTEST, env: dict[str, str] = BASE_ENV, **config: object):
        run_dir = tmp_path / f"run-{len(made)}"
        run_dir.mkdir()
        notes: list[str] = []
        runner = WarmTestRunner(TestConfig(command=command, **config), base_env=env, manifest=Manifest(run_dir),
                                notify=notes.append)
        made.append(runner)
        return runner, runner.manifest, notes

    yield build
    for runner in made:
        runner.close()


def outcomes(report: TestReport) -> dict[str, tuple[str, str]]:
    return {test: (result.outcome, result.message) for test, result in report.results.items()}


def normalized(report: TestReport, label: str) -> str:
    """The output, without timings and the label's own paths."""
    return re.sub(r"\d+\.\d+s", "T", (report.output_head + report.output_tail).replace(label, "L"))


MIXED = {
    "pytest.ini": "[pytest]\n",
    "tests/test_mixed.py": '''
import os
from pathlib import Path

import pytest

def test_passes():
    assert 1 + 1 == 2

def test_fails():
    assert [1, 2, 3] == [1, 2, 4]

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_errors(broken):
    pass

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

def test_parent():
    Path(os.environ["PARENT_OUT"]).write_text(str(os.getppid()))
''',
    "tests/test_broken.py": "import no_such_module_anywhere\n",
}


def test_warm_and_cold_give_the_same_results_and_output(make_runner, tmp_path):
    """With the venv's third-party plugins loaded, as a real run has them."""
    project = write(tmp_path / "project", MIXED)
    command = f"{PYTEST} --continue-on-collection-errors"
    runner, manifest, notes = make_runner(command, env=dict(os.environ))
    cold = CommandTestRunner(TestConfig(command=command), base_env=os.environ)

    warm_report = runner.run(workspace(project), {"PARENT_OUT": str(tmp_path / "warm")}, tmp_path / "warm-reports", "t")
    cold_report = cold.run(workspace(project), {"PARENT_OUT": str(tmp_path / "cold")}, tmp_path / "cold-reports", "t")

    assert int((tmp_path / "warm").read_text()) in server_pids(manifest)  # it did run in a fork of the server
    assert warm_report.exit_code == cold_report.exit_code == 1
    assert outcomes(warm_report) == outcomes(cold_report)
    assert outcomes(warm_report)["tests/test_broken.py"][0] == "error"
    assert "assert [1, 2, 3] == [1, 2, 4]" in outcomes(warm_report)["tests/test_mixed.py::test_fails"][1]

    assert normalized(warm_report, "warm-reports") == normalized(cold_report, "cold-reports")
    assert "PytestAssertRewriteWarning" not in warm_report.output_head + warm_report.output_tail
    assert notes == []


PROBE = {
    "pytest.ini": "[pytest]\n",
    "lib/helper.py": "",
    "tests/test_probe.py": '''
import json, os, signal, sys

def test_probe():
    main = sys.modules["__main__"]
    state = {
        "path": sys.path, "argv": sys.argv, "orig_argv": getattr(sys, "orig_argv", None), "flags": repr(sys.flags),
        "executable": sys.executable, "cwd": os.getcwd(), "main": getattr(main, "__file__", None),
        "main_spec": getattr(getattr(main, "__spec__", None), "name", None),
        "signals": [repr(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD)],
        "env": {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PROBE_OUT", "GREENLOOP_PROBE")},
        "stdin": os.read(0, 10).decode(),
        "stdout": [sys.__stdout__.isatty(), sys.__stdout__.encoding, sys.__stdout__.line_buffering],
    }
    with open(os.environ["PROBE_OUT"], "w") as file:
        json.dump(state, file)
''',
}


@pytest.mark.parametrize("command", ["FOO='a b' python -m pytest -q tests", "pytest -q tests"])
def test_a_warm_run_sees_the_interpreter_a_fresh_one_would_have(make_runner, tmp_path, command):
    """sys.path (with PYTHONPATH's relative and empty entries), argv, flags, __main__, signal handlers, stdio, env."""
    project = write(tmp_path / "project", PROBE)
    env = {**BASE_ENV, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": f"lib{os.pathsep}{os.pathsep}{project / 'lib'}"}
    runner, manifest, _ = make_runner(command, env=env)
    states = {}
    cold = CommandTestRunner(TestConfig(command=command), base_env=env, manifest=manifest)
    for name, each in (("warm", runner), ("cold", cold)):
        report = each.run(workspace(project), {"PROBE_OUT": str(tmp_path / name)}, tmp_path / "reports", name)
        assert report.exit_code == 0, report.output_head
        # each run gets greenloop's plugins in a folder of its own, named for its label
        states[name] = json.loads((tmp_path / name).read_text().replace(f"_plugins-{name}", "_plugins-LABEL"))
    assert server_pids(manifest)
    assert states["warm"] == states["cold"]


EDITED = {
    "pytest.ini": "[pytest]\n",
    "calc.py": "def double(x):\n    return x + x + 1\n",
    "tests/conftest.py": "import pytest\n\n@pytest.fixture\ndef factor():\n    return 3\n",
    "tests/test_calc.py": "from calc import double\n\ndef test_double(factor):\n    assert double(factor) == 6\n",
}


def test_edits_between_warm_runs_are_seen(make_runner, tmp_path):
    """Nothing of the project stays imported in the server, and a .pyc the previous run wrote for a same-size
    version of the file within the same second is not taken for the new one."""
    project = write(tmp_path / "project", EDITED)
    env = {k: v for k, v in BASE_ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runner, manifest, _ = make_runner(env=env)
    seen = []
    for source, factor in (("x + x + 1", 3), ("x + x + 0", 3), ("x + x + 1", 3), ("x + x + 0", 4)):
        write(project, {"calc.py": f"def double(x):\n    return {source}\n",
                        "tests/conftest.py": f"import pytest\n\n@pytest.fixture\ndef factor():\n    return {factor}\n"})
        report = runner.run(workspace(project), {}, tmp_path / "reports", f"run-{len(seen)}")
        seen.append(report.outcome("tests/test_calc.py::test_double"))
    assert seen == ["failed", "passed", "failed", "failed"]
    assert list((project / "__pycache__").glob("calc.*.pyc"))  # bytecode is still written and used
    assert len(server_pids(manifest)) == 1


def test_a_selection_runs_only_the_listed_tests_warm(make_runner, tmp_path):
    project = write(tmp_path / "project", {
        "pytest.ini": "[pytest]\n",
        "tests/test_pick.py": "def test_kept():\n    pass\n\ndef test_left_out():\n    assert False\n",
    })
    runner, manifest, _ = make_runner(f"{PYTEST} tests")
    report = runner.run(workspace(project), {}, tmp_path / "reports", "rerun",
                        selection=["tests/test_pick.py::test_kept"])
    assert outcomes(report) == {"tests/test_pick.py::test_kept": ("passed", "")}
    assert "1 deselected" in report.output_head and server_pids(manifest)


def test_per_test_timeout_fails_a_hanging_test_alone(make_runner, tmp_path):
    project = write(tmp_path / "project", {
        "pytest.ini": "[pytest]\n",
        "tests/test_hang.py": "import time\n\ndef test_hangs():\n    time.sleep(30)\n\ndef test_quick():\n    pass\n",
    })
    runner, manifest, _ = make_runner(f"{PYTEST} -p pytest_timeout", per_test_timeout=0.5)
    started = time.monotonic()
    report = runner.run(workspace(project), {}, tmp_path / "reports", "t")
    assert time.monotonic() - started < 10
    assert outcomes(report)["tests/test_hang.py::test_quick"] == ("passed", "")
    hung = outcomes(report)["tests/test_hang.py::test_hangs"]
    assert hung[0] == "failed" and "Timeout" in hung[1]
    assert server_pids(manifest)


LINGERING = {
    "pytest.ini": "[pytest]\n",
    "tests/test_linger.py": '''
import os, subprocess, time
from pathlib import Path

def test_leaves_a_process_behind():
    out = Path(os.environ["OUT"])
    (out / "test.pid").write_text(str(os.getpid()))
    sleeper = subprocess.Popen(["sleep", "30"])
    (out / "sleeper.pid").write_text(str(sleeper.pid))
    if os.environ.get("HANG"):
        time.sleep(30)
''',
}


def test_a_run_stopped_at_its_timeout_takes_its_processes_along_and_the_next_run_works(make_runner, tmp_path):
    project = write(tmp_path / "project", LINGERING)
    runner, manifest, _ = make_runner()
    started = time.monotonic()
    stopped = runner.run(workspace(project), {"OUT": str(tmp_path), "HANG": "1"}, tmp_path / "reports", "hang",
                         timeout=1.5)
    assert time.monotonic() - started < 6
    assert stopped.exit_code == TIMEOUT_EXIT_CODE
    assert "timed out after 1.5 s" in stopped.results[stopped.command].message
    assert not alive(int((tmp_path / "test.pid").read_text()))
    assert not alive(int((tmp_path / "sleeper.pid").read_text()))

    done = runner.run(workspace(project), {"OUT": str(tmp_path)}, tmp_path / "reports", "next")
    assert outcomes(done) == {"tests/test_linger.py::test_leaves_a_process_behind": ("passed", "")}
    assert not alive(int((tmp_path / "sleeper.pid").read_text()))  # left behind by a passing run: stopped too
    assert len(server_pids(manifest)) == 1


ONE_TEST = {"pytest.ini": "[pytest]\n", "tests/test_one.py": "def test_one():\n    pass\n"}


def test_close_stops_the_server_and_later_runs_go_cold(make_runner, tmp_path):
    project = write(tmp_path / "project", ONE_TEST)
    runner, manifest, _ = make_runner()
    assert runner.run(workspace(project), {}, tmp_path / "reports", "a").exit_code == 0
    (server,) = server_pids(manifest)
    assert alive(server)
    runner.close()
    runner.close()
    assert not alive(server)
    assert runner.run(workspace(project), {}, tmp_path / "reports", "b").exit_code == 0
    assert server_pids(manifest) == [server]


@pytest.mark.parametrize(("command", "config"), [
    (f"{PYTEST} tests && echo linted", {}),
    (f"cd . ; {PYTEST} tests", {}),
    (f"{PYTEST} tests", {"warm": False}),
])
def test_a_command_that_is_not_plain_pytest_or_warm_false_runs_cold(make_runner, tmp_path, command, config):
    project = write(tmp_path / "project", ONE_TEST)
    runner, manifest, notes = make_runner(command, **config)
    report = runner.run(workspace(project), {}, tmp_path / "reports", "t")
    assert report.outcome("tests/test_one.py::test_one") == "passed"
    assert server_pids(manifest) == [] and notes == []


KILLS_ITS_SERVER = {
    "pytest.ini": "[pytest]\n",
    "tests/test_kill.py": '''
import os, signal
from pathlib import Path

def test_kills_the_server_once():
    marker = Path(os.environ["OUT"]) / "killed"
    parent = Path(f"/proc/{os.getppid()}/cmdline").read_bytes()
    if b"greenloop_warm_server" in parent and not marker.exists():
        marker.touch()
        os.kill(os.getppid(), signal.SIGKILL)
    (Path(os.environ["OUT"]) / "parent").write_text(str(os.getppid()))
''',
}


def test_a_server_that_dies_mid_run_hands_that_run_to_cold_and_is_replaced(make_runner, tmp_path):
    project = write(tmp_path / "project", KILLS_ITS_SERVER)
    runner, manifest, notes = make_runner()
    env = {"OUT": str(tmp_path)}
    first = runner.run(workspace(project), env, tmp_path / "reports", "a")
    assert first.outcome("tests/test_kill.py::test_kills_the_server_once") == "passed"  # cold, after the server died
    assert int((tmp_path / "parent").read_text()) not in server_pids(manifest)
    assert len(notes) == 1 and "broke off" in notes[0] and "went cold" in notes[0]

    second = runner.run(workspace(project), env, tmp_path / "reports", "b")  # a new server
    assert second.exit_code == 0
    first_server, second_server = server_pids(manifest)
    assert int((tmp_path / "parent").read_text()) == second_server and not alive(first_server)

    os.kill(second_server, signal.SIGKILL)  # dead between runs: replaced without a word
    time.sleep(0.1)
    assert runner.run(workspace(project), env, tmp_path / "reports", "c").exit_code == 0
    assert len(server_pids(manifest)) == 3 and len(notes) == 1


def test_a_workspace_module_shadowing_one_the_server_imported_runs_cold(make_runner, tmp_path):
    """A fresh `python -m pytest` imports the workspace's calendar.py; the server already holds the standard one."""
    project = write(tmp_path / "project", {
        "pytest.ini": "[pytest]\n",
        "calendar.py": "MINE = True\n",
        "tests/test_shadow.py": "import calendar\n\ndef test_mine():\n    assert calendar.MINE\n",
    })
    runner, manifest, notes = make_runner()
    report = runner.run(workspace(project), {}, tmp_path / "reports", "t")
    assert report.outcome("tests/test_shadow.py::test_mine") == "passed"
    assert len(notes) == 1 and "calendar.py would shadow" in notes[0]


def test_warm_true_with_a_command_that_is_not_plain_pytest_is_a_config_error(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": "[test]\ncommand = \"sh -c 'python -m pytest'\"\nwarm = true\n",
        "tests/test_one.py": "def test_one():\n    pass\n",
    })
    with pytest.raises(ConfigError) as raised:
        check(RunOptions(repo=repo, ticket_text="something broke"))
    assert "[test] warm = true" in str(raised.value) and "it runs 'sh'" in str(raised.value)


def test_the_servers_of_a_run_are_gone_when_it_ends(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": "[test]\ncommand = \"python -m pytest -q tests\"\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "calc.py": "def double(x):\n    return x + 1\n",
        "tests/test_calc.py": "from calc import double\n\ndef test_double():\n    assert double(3) == 6\n",
    })
    git(repo, "checkout", "-q", "-b", "fix")
    write(repo, {"calc.py": "def double(x):\n    return 2 * x\n"})
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "fix")
    git(repo, "checkout", "-q", "main")

    result = run_cli("run", repo, "--branch", "fix", "--json", env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})

    assert result.code == 0, result.stderr
    servers = server_pids(Manifest(Path(result.json["run_dir"])))
    assert servers and not any(alive(pid) for pid in servers)


@pytest.mark.parametrize(("files", "exit_code"), [
    ({"tests/test_int.py": "import os, signal\n\ndef test_interrupted():\n    os.kill(os.getpid(), signal.SIGINT)\n"},
     2),  # pytest's own KeyboardInterrupt handling: the session stops, the report says so
    ({"tests/conftest.py": "def pytest_unconfigure(config):\n    raise KeyboardInterrupt\n",
      "tests/test_ok.py": "def test_ok():\n    pass\n"},
     128 + signal.SIGINT),  # escapes pytest: Python exits by SIGINT, which the shell reports as 130
])
def test_ctrl_c_inside_a_run_ends_it_as_in_a_fresh_pytest(make_runner, tmp_path, files, exit_code):
    project = write(tmp_path / "project", {"pytest.ini": "[pytest]\n", **files})
    runner, manifest, _ = make_runner()
    warm = runner.run(workspace(project), {}, tmp_path / "reports", "warm")
    cold = CommandTestRunner(TestConfig(command=PYTEST), base_env=BASE_ENV).run(
        workspace(project), {}, tmp_path / "reports", "cold")
    assert warm.exit_code == cold.exit_code == exit_code
    assert "KeyboardInterrupt" in warm.output_head + warm.output_tail
    assert normalized(warm, "warm") == normalized(cold, "cold")  # the same traceback, when one escapes pytest
    assert server_pids(manifest)
