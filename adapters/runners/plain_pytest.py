"""Whether `[test] command` is a plain pytest invocation, which the warm runner can run in a fork of its server, and
with which Python the shell would run it.

Plain means a command the shell only splits into words and runs: `[VAR=value ...] python -m pytest ARGS` (python,
python3, python3.X, or a path to one) or `[VAR=value ...] pytest ARGS` (the console script, run by its shebang's
Python). Any character the shell could give a meaning of its own (operators, redirections, expansions, globs,
escapes, comments) makes it not plain, even quoted: such a command keeps running cold, exactly as written.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

_SHELL_CHARS = frozenset("$`\\;&|<>(){}*?[]~#!\n")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON = re.compile(r"python(3(\.\d+)?)?")
_PYTEST_SCRIPTS = frozenset({"pytest", "py.test"})


@dataclass(frozen=True)
class PytestCall:
    """A plain pytest command taken apart."""

    assignments: dict[str, str]
    """`VAR=value` words before the program: the shell puts them in the command's environment."""
    program: str
    """As written: `python`, `.venv/bin/python3`, `pytest`."""
    script: bool
    """The pytest console script, not `python -m pytest`."""
    args: list[str]
    """pytest's own arguments."""


@dataclass(frozen=True)
class Interpreter:
    """How the shell would start a plain pytest command."""

    python: str
    """Absolute path of the Python that runs pytest, symlinks kept (a venv's python is a symlink to its base)."""
    script: str | None
    """For the console script, its path as the shell hands it to the kernel (so pytest's `sys.argv[0]`)."""
    orig_argv: list[str]
    """The interpreter's `sys.orig_argv`."""


def parse(command: str) -> PytestCall | str:
    """The command taken apart when it is a plain pytest invocation, else why it is not."""
    special = sorted(set(command) & _SHELL_CHARS)
    if special:
        return f"it has characters the shell interprets ({' '.join(map(repr, special))})"
    try:
        words = shlex.split(command)
    except ValueError as error:
        return f"the shell cannot split it ({error})"
    assignments = {}
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        assignments[name] = value
    if not words:
        return "it runs no program"
    program, *rest = words
    name = os.path.basename(program)
    if name in _PYTEST_SCRIPTS:
        return PytestCall(assignments, program, True, rest)
    if _PYTHON.fullmatch(name) and rest[:2] == ["-m", "pytest"]:
        return PytestCall(assignments, program, False, rest[2:])
    return f"it runs {program!r}, not `python -m pytest …` or `pytest …`"


def resolve(call: PytestCall, cwd: str, env: Mapping[str, str]) -> Interpreter | str:
    """The Python the shell would end up running for `call` from `cwd` with `env` (the command's own assignments
    included), else why it cannot be told."""
    found = _which(call.program, cwd, env)
    if found is None:
        return f"{call.program!r} is not found on PATH"
    passed, path = found
    if not call.script:
        return Interpreter(path, None, [call.program, "-m", "pytest", *call.args])
    try:
        with open(path, "rb") as file:
            first = file.readline(512)
    except OSError as error:
        return f"the pytest script {path} cannot be read ({error})"
    words = first[2:].decode(errors="replace").split() if first.startswith(b"#!") else []
    if words[:1] == ["/usr/bin/env"]:
        words = words[1:]
        shebang_python = _which(words[0], cwd, env) if len(words) == 1 else None
    else:
        shebang_python = (words[0], words[0]) if len(words) == 1 and os.path.isabs(words[0]) else None
    if shebang_python is None or not _PYTHON.fullmatch(os.path.basename(shebang_python[1])):
        return f"the pytest script {path} does not start with a plain `#!` line naming a Python"
    return Interpreter(shebang_python[1], passed, [words[0], passed, *call.args])


def _which(program: str, cwd: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    """(the path the shell would pass to exec, its absolute form) of an executable file, looked up as sh does."""
    if "/" in program:
        candidates = [program]
    else:
        candidates = [os.path.join(folder or ".", program) for folder in env.get("PATH", os.defpath).split(":")]
    for candidate in candidates:
        path = os.path.abspath(os.path.join(cwd, candidate))
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return candidate, path
    return None
