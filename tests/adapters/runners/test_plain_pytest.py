"""Which test commands are plain pytest invocations, and which Python the shell would run them with."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from greenloop.adapters.runners.plain_pytest import Interpreter, PytestCall, parse, resolve


@pytest.mark.parametrize(("command", "parsed"), [
    ("python -m pytest -q tests", PytestCall({}, "python", False, ["-q", "tests"])),
    ("python3.11 -m pytest", PytestCall({}, "python3.11", False, [])),
    ("A=1 B='two words' .venv/bin/python3 -m pytest -k 'not slow'",
     PytestCall({"A": "1", "B": "two words"}, ".venv/bin/python3", False, ["-k", "not slow"])),
    ("pytest -x", PytestCall({}, "pytest", True, ["-x"])),
    ("/opt/venv/bin/py.test", PytestCall({}, "/opt/venv/bin/py.test", True, [])),
])
def test_plain_pytest_commands_are_taken_apart(command, parsed):
    assert parse(command) == parsed


@pytest.mark.parametrize(("command", "why"), [
    ("python -m pytest && mypy .", "characters the shell interprets ('&')"),
    ("python -m pytest | tee out", "('|')"),
    ("python -m pytest > out", "('>')"),
    ("python -m pytest $ARGS", "('$')"),
    ("python -m pytest tests/*.py", "('*')"),
    ("python -m pytest 'tests/test_a.py::test[1]'", "('[' ']')"),
    ("python -m pytest # all", "('#')"),
    ("make test", "it runs 'make'"),
    ("tox -e py311", "it runs 'tox'"),
    ("python -X dev -m pytest", "it runs 'python'"),
    ("python -mpytest", "it runs 'python'"),
    ("python -m unittest", "it runs 'python'"),
    ("A=1", "it runs no program"),
    ("python -m pytest 'unbalanced", "the shell cannot split it"),
])
def test_anything_else_says_why_it_is_not_plain(command, why):
    reason = parse(command)
    assert isinstance(reason, str) and why in reason


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def test_python_is_found_on_path_or_relative_to_the_workspace_with_its_symlink_kept(tmp_path):
    python = executable(tmp_path / "real" / "python3.11", "")
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").symlink_to(python)
    env = {"PATH": f"/nonexistent{os.pathsep}{tmp_path / 'venv' / 'bin'}"}
    found = resolve(parse("python -m pytest -q"), str(tmp_path), env)
    assert found == Interpreter(str(tmp_path / "venv" / "bin" / "python"), None, ["python", "-m", "pytest", "-q"])
    relative = resolve(parse("venv/bin/python -m pytest"), str(tmp_path), {"PATH": ""})
    assert relative.python == str(tmp_path / "venv" / "bin" / "python")
    assert "not found" in resolve(parse("python -m pytest"), str(tmp_path), {"PATH": "/nonexistent"})


@pytest.mark.parametrize(("shebang", "python", "argv0"), [
    ("#!{bin}/python3\n", "{bin}/python3", "{bin}/python3"),
    ("#!/usr/bin/env python3\n", "{bin}/python3", "python3"),  # env runs it by name
    ("#!{bin}/python3 -E\n", None, None),
    ("#!/bin/sh\n'''exec' \"{bin}/python3\" \"$0\" \"$@\"\n' '''\n", None, None),  # pip's long-path form
    ("", None, None),
])
def test_the_pytest_script_runs_under_its_shebang_python(tmp_path, shebang, python, argv0):
    bin_dir = tmp_path / "bin"
    executable(bin_dir / "python3", "")
    script = executable(bin_dir / "pytest", shebang.format(bin=bin_dir) + "import sys\n")
    found = resolve(parse("pytest -q"), str(tmp_path), {"PATH": str(bin_dir)})
    if python is None:
        assert isinstance(found, str) and "`#!` line naming a Python" in found
    else:
        expected = Interpreter(python.format(bin=bin_dir), str(script), [argv0.format(bin=bin_dir), str(script), "-q"])
        assert found == expected
