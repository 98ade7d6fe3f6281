"""`[test] command` as a TestRunner: run it in the workspace, read per-test outcomes from pytest's JUnit XML.

pytest is asked for the XML through `PYTEST_ADDOPTS`, so it is written even when pytest runs under make, tox or
a script. The command runs in its own process group so a timeout (or Ctrl-C) can stop everything it started.

A rerun of a few tests goes through the same command: node ids given as arguments would run on top of the
command's own paths, so instead a tiny plugin, loaded with `-p` the same way, deselects everything else. Before
each run, bytecode older than its source is removed (`bytecode.py`), so a quick edit is never run as it was before.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

from greenloop.adapters.manifest import Manifest
from greenloop.adapters.processes import run_to_file
from greenloop.adapters.protocols import Outcome, TestReport, TestResult, Workspace
from greenloop.adapters.bytecode import drop_stale_bytecode
from greenloop.adapters.runners.junit import MESSAGE_CHARS, parse_junit
from greenloop.adapters.runners.probe import fresh_plugin_dir, probe_env, read_loaded
from greenloop.loop.config import TestConfig
from greenloop.loop.errors import ConfigError, OutOfBudget

HEAD_CHARS = 2000
TAIL_CHARS = 4000
TIMEOUT_EXIT_CODE = -signal.SIGKILL

# What dash and bash print when the program to run does not exist (the shell then exits 127).
_NOT_FOUND = re.compile(r"([^\s:]+): (?:command not found|not found|No such file or directory)")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
# Words the shell handles itself: there is no program to look for.
_SHELL_WORDS = frozenset(
    "! { } ( ) . : [ alias break case cd command continue do done echo elif else esac eval exec exit export "
    "false fi for getopts hash if in kill local printf pwd read readonly return set shift source test then "
    "times trap true type ulimit umask unalias unset until wait while".split()
)

SELECTION_ENV = "GREENLOOP_SELECTION"
_SELECT_PLUGIN = "greenloop_select"
# Written next to the reports and imported by the test command's Python, which may not have greenloop installed:
# standard library and pytest only, and syntax old Pythons still parse.
_SELECT_PLUGIN_SOURCE = f'''"""Written by greenloop for a rerun: run only the pytest node ids listed in the JSON file
that ${SELECTION_ENV} names; deselect every other test."""

import json
import os


def pytest_collection_modifyitems(config, items):
    path = os.environ.get("{SELECTION_ENV}")
    if not path:
        return
    with open(path, encoding="utf-8") as file:
        wanted = set(json.load(file))
    deselected = [item for item in items if item.nodeid not in wanted]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.nodeid in wanted]
'''


class CommandTestRunner:
    """Runs `config.command` with `/bin/sh -c` from the workspace root, with `base_env` plus the sandbox's env."""

    def __init__(self, config: TestConfig, base_env: Mapping[str, str] | None = None,
                 manifest: Manifest | None = None):
        self.config = config
        self.base_env = os.environ if base_env is None else base_env
        self.manifest = manifest

    def run(self, workspace: Workspace, env: Mapping[str, str], report_dir: Path, label: str,
            timeout: float | None = None, *, selection: list[str] | None = None) -> TestReport:
        """Leaves `output-<label>.log` and pytest's `junit-<label>.xml` in report_dir for the evidence.

        With a `selection` of pytest node ids (relative to pytest's rootdir, as in the JUnit results), pytest runs
        only those (`selection-<label>.json` records them). A command that runs no pytest, or `format =
        "exit-code"`, cannot be narrowed: the whole command runs and is one result, as without a selection.

        Raises `ConfigError` when the command's program does not exist: no attempt could ever pass; and
        `OutOfBudget`, before anything starts, when `timeout` leaves no time at all (the run's wall time is spent).
        """
        if timeout is not None and timeout <= 0:
            raise OutOfBudget(f"wall-time budget spent: no time left to start test run {label}")
        report_dir = Path(report_dir).resolve()
        report_dir.mkdir(parents=True, exist_ok=True)
        junit = report_dir / f"junit-{label}.xml"
        output = report_dir / f"output-{label}.log"
        junit.unlink(missing_ok=True)  # a stale file from an earlier run with this label must not be read
        environment = self._environment(env, junit)
        if self.config.format != "exit-code":
            plugins = fresh_plugin_dir(report_dir, label)
            if selection is not None:
                environment.update(_selection_env(environment, plugins, report_dir, label, selection))
            environment.update(probe_env(environment, plugins, report_dir, label))
        limit = min(self.config.timeout, timeout) if timeout is not None else self.config.timeout
        drop_stale_bytecode(Path(workspace.path))
        output.write_bytes(b"")  # stopped at its limit before the command opened it, a run still has its output
        code, duration = self._execute(Path(workspace.path), environment, output, limit, label)
        exit_code = TIMEOUT_EXIT_CODE if code is None else code
        head, tail = read_output(output)
        wants_junit = self.config.format != "exit-code"
        if exit_code == 127 and not (wants_junit and junit.is_file()):
            _raise_if_not_found(self.config.command, head + tail)

        report = TestReport(
            command=self.config.command,
            exit_code=exit_code,
            duration=duration,
            kind="exit-code",
            output_head=head,
            output_tail=tail,
        )
        self._add_results(report, junit if wants_junit else None, limit if code is None else None)
        report.loaded = read_loaded(report_dir, label) if wants_junit else None
        return report

    def close(self) -> None:
        """Nothing of a cold runner outlives its test runs."""

    def _execute(self, cwd: Path, env: dict[str, str], output: Path, limit: float,
                 label: str) -> tuple[int | None, float]:
        """Run the command with its output in `output`: (exit code, or None when stopped at `limit`; seconds)."""
        return run_to_file(self.config.command, cwd, env, output, limit, self.manifest, f"tests {label}")

    def _add_results(self, report: TestReport, junit: Path | None, stopped_after: float | None) -> None:
        """Per-test results from the JUnit XML when there is one, else one result for the whole command."""
        problem = None
        if junit and junit.is_file():
            try:
                report.results, report.kind, report.junit_path = parse_junit(junit), "junit", str(junit)
            except ET.ParseError as error:
                problem = f"the JUnit XML pytest wrote is unreadable ({junit}: {error})"
        elif self.config.format == "junit":
            problem = (
                f'[test] format = "junit" but the test command (exit code {report.exit_code}) wrote no JUnit XML '
                f"to {junit}; does it run pytest?"
            )
        if stopped_after is not None:
            problem = f"the test command timed out after {stopped_after:g} s and was stopped"
        if report.kind == "junit" and report.exit_code != 0 and not report.failing() and not problem:
            # `pytest && mypy`, or pytest collecting nothing: every recorded test passed, yet the command failed.
            problem = _exit_message(report.exit_code, report.output_tail or report.output_head)
        if problem:
            report.results[report.command] = self._whole_command("error", problem, report.duration)
        elif report.kind == "exit-code":
            passed = report.exit_code == 0
            message = "" if passed else _exit_message(report.exit_code, report.output_tail or report.output_head)
            report.results[report.command] = self._whole_command(
                "passed" if passed else "failed", message, report.duration
            )

    def _environment(self, env: Mapping[str, str], junit: Path) -> dict[str, str]:
        merged = {**self.base_env, **env}
        if self.config.format != "exit-code":
            # xunit1 adds the `file` attribute that node ids are rebuilt from; no cache keeps the workspace clean.
            ours = shlex.join([f"--junitxml={junit}", "-o", "junit_family=xunit1", "-p", "no:cacheprovider",
                               *([f"--timeout={self.config.per_test_timeout:g}"] if self.config.per_test_timeout
                                 else [])])
            merged["PYTEST_ADDOPTS"] = f"{merged.get('PYTEST_ADDOPTS', '')} {ours}".strip()
        return merged

    def _whole_command(self, outcome: Outcome, message: str, duration: float) -> TestResult:
        return TestResult(id=self.config.command, outcome=outcome, duration=duration, message=message)


def _selection_env(environment: Mapping[str, str], plugin_dir: Path, report_dir: Path, label: str,
                   selection: list[str]) -> dict[str, str]:
    """Variables that make pytest load the selection plugin and find the ids; existing values are extended."""
    (plugin_dir / f"{_SELECT_PLUGIN}.py").write_text(_SELECT_PLUGIN_SOURCE, encoding="utf-8")
    ids = report_dir / f"selection-{label}.json"
    ids.write_text(json.dumps(sorted(selection), indent=1), encoding="utf-8")
    python_path = os.pathsep.join(filter(None, [str(plugin_dir), environment.get("PYTHONPATH")]))
    addopts = f"{environment.get('PYTEST_ADDOPTS', '')} -p {_SELECT_PLUGIN}".strip()
    return {"PYTHONPATH": python_path, "PYTEST_ADDOPTS": addopts, SELECTION_ENV: str(ids)}


def missing_program(command: str, cwd: Path, env: Mapping[str, str]) -> str | None:
    """The command's first program when it cannot be found (so the CLI can fail before any run), else None.

    Leading `VAR=value` words are skipped; a path with a slash is looked up relative to `cwd`, a bare name on
    env's PATH. Anything the shell would resolve itself (builtins, `$VAR`, subshells) counts as found.
    """
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:  # unbalanced quotes: the shell will say so itself
        return None
    program = next((word for word in words if not _ASSIGNMENT.match(word)), None)
    if program is None or program in _SHELL_WORDS or any(c in program for c in "$`;&|<>(){}*?"):
        return None
    if "/" in program:
        path = Path(cwd) / Path(program).expanduser()
        return None if path.is_file() and os.access(path, os.X_OK) else program
    return None if shutil.which(program, path=env.get("PATH", os.defpath)) else program


def read_output(path: Path) -> tuple[str, str]:
    """The output's first HEAD_CHARS and last TAIL_CHARS (roughly: bytes); all of it in the head when short."""
    with path.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(0)
        if size <= HEAD_CHARS + TAIL_CHARS:
            return file.read().decode(errors="replace"), ""
        head = file.read(HEAD_CHARS)
        file.seek(size - TAIL_CHARS)
        return head.decode(errors="replace"), file.read().decode(errors="replace")


def _exit_message(exit_code: int, output: str) -> str:
    """For a command without per-test outcomes, the end of its output is the best account of what failed."""
    headline = f"the test command exited with code {exit_code}"
    return f"{headline}\n{output[-(MESSAGE_CHARS - len(headline) - 1):]}"


def _raise_if_not_found(command: str, output: str) -> None:
    """Exit 127 with the shell's "not found": the command cannot run at all, which is a config problem."""
    programs = _NOT_FOUND.findall(output)
    if not programs:
        return
    program = programs[-1]  # the shell exits right after the command it could not find
    raise ConfigError(
        f"[test] command {command!r} cannot run: {program!r} was not found (the shell exited 127)",
        f"install {program} so it is on the PATH greenloop runs tests with, or change [test] command in greenloop.toml",
    )
