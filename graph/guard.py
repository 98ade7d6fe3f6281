"""What a proposal may not change, whatever the model wrote: checked on the files git says differ between the base
commit and the tree that will be built and tested (both sides of a rename, deletions too), before anything runs.

- **The test runner's own inputs**, at any depth: its config files, `conftest.py`, packaging files that can
  register plugins (`setup.py`, `setup.cfg`, `pyproject.toml`, `entry_points.txt`), and what Python runs at start-up
  (`sitecustomize.py`, `usercustomize.py`, `*.pth`). Changing any of them changes what the judged run loads, so the
  verdict would no longer come from the tests that failed at base. Not configurable.
- **Protected paths** (`[test] protected_paths`: tests at any depth, CI, greenloop's own config).
- **Every file that held a test at base**, wherever it lives.
- **The runner's internals in code under test**: a non-test module that newly imports `pytest`, `_pytest` or
  `pluggy`, or newly defines a `pytest_*` hook, can rewrite results from inside the session
  (`[test] allow_runner_imports` lets a repository that is itself a pytest plugin do so).

What still reaches the session another way (a new requirement that is a pytest plugin, say) is caught at run time
by comparing what the judged run loaded with what the base run loaded (`runners/probe.py`).
"""

from __future__ import annotations

import ast
import doctest
import sys
from collections.abc import Callable, Iterable, Mapping
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import PurePosixPath

from pathspec import GitIgnoreSpec

from greenloop.graph import verdict

RUNNER_INPUTS = [
    "pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml",
    "conftest.py", "setup.py", "entry_points.txt", "sitecustomize.py", "usercustomize.py", "*.pth",
    "pytest.py", "pytest", "_pytest", "pluggy", "pluggy.py", "greenloop_*",
]
"""gitignore globs without a slash: they match at any depth. The last ones would shadow pytest itself, or the
probe and selection plugins greenloop adds to a session (`python -m pytest` puts the working directory first on
`sys.path`)."""
RUNNER_MODULES = ("pytest", "_pytest", "pluggy")
_RUNNER_SPEC = GitIgnoreSpec.from_lines(RUNNER_INPUTS)

SYMLINK, SUBMODULE, GONE = "120000", "160000", "000000"
COMPILED = (".pyc", ".pyo", ".pyd", *EXTENSION_SUFFIXES)
Reader = Callable[[str, str], str | None]
"""(rev, path) → the file's text at that commit or tree, or None where it does not exist."""


def runner_inputs(paths: Iterable[str]) -> list[str]:
    """Paths the test runner or the interpreter reads on their own (in any letter case: on macOS and Windows
    `Conftest.py` is `conftest.py`)."""
    return sorted(p for p in paths if _RUNNER_SPEC.match_file(p.lower()))


def opaque(modes: Mapping[str, str]) -> list[str]:
    """Entries whose content no check can read: symlinks (their target, inside the tree or out, is what runs),
    submodules, and compiled code — bytecode, which Python runs instead of a source it does not match, and
    extension modules. Deleting one is fine."""
    return sorted(path for path, mode in modes.items() if mode != GONE and (
        mode in (SYMLINK, SUBMODULE) or path.endswith(COMPILED) or "__pycache__/" in f"/{path}"))


def test_files(base_outcomes: dict[str, str]) -> list[str]:
    """Files that held a collected test at base: the file part of each pytest node id, and files pytest could not
    collect (reported by their path alone), except modules whose only tests are the doctests in their docstrings
    (their code is what a fix changes; `doctest_modules`)."""
    return sorted({t.split("::", 1)[0] for t in base_outcomes
                   if ("::" in t and not _doctest_in_module(t)) or (" " not in t and t.endswith(".py"))})


def doctest_modules(base_outcomes: dict[str, str]) -> list[str]:
    """Python modules whose doctests ran as tests at base (`--doctest-modules`): their examples are protected."""
    return sorted({t.split("::", 1)[0] for t in base_outcomes if _doctest_in_module(t)})


def _doctest_in_module(test_id: str) -> bool:
    """`calc/core.py::calc.core.add`: a doctest item is named by a dotted path, which no test function can be."""
    path, _, name = test_id.partition("::")
    return path.endswith(".py") and "." in name.split("[", 1)[0] and "::" not in name


def doctests_changed(before: str | None, after: str) -> bool:
    """Whether the `>>>` examples in a module's docstrings (and their expected output) differ between two
    versions of it."""
    return _examples(before) != _examples(after)


def _examples(source: str | None) -> list[tuple[str, str]]:
    try:
        tree = ast.parse(source or "")
    except (SyntaxError, ValueError):
        return [(source or "", "")]  # not Python: compare the text the examples stand in
    parser, found = doctest.DocTestParser(), []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            text = ast.get_docstring(node) or ""
            try:
                found += [(e.source, e.want) for e in parser.get_examples(text)]
            except ValueError:  # malformed examples: compare the docstring itself
                found.append((text, ""))
    return found


def runner_hooks(before: str | None, after: str) -> list[str]:
    """What `after` newly does with the test runner's internals that `before` did not: imports of pytest, _pytest
    or pluggy (also through `__import__` or `importlib.import_module` with a literal name), `pytest_*` hooks."""
    old = _runner_uses(before) if before is not None else set()
    return sorted(_runner_uses(after) - old)


def _shadows_stdlib(path: str) -> bool:
    """A new module or package at the repository root named like a standard-library module (`json.py`, `os/`)."""
    parts = PurePosixPath(path).parts
    module = parts[0].removesuffix(".py") if len(parts) == 1 and path.endswith(".py") else (
        parts[0] if parts[1:] == ("__init__.py",) else None)
    return module in sys.stdlib_module_names


def _runner_uses(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()  # not Python a test could import; the tests will say so
    uses: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(
                node.args[0].value, str) and _callee(node.func) in ("__import__", "import_module"):
            names = [node.args[0].value]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("pytest_"):
            uses.add(f"defines hook {node.name}")
        uses.update(f"imports {name.split('.')[0]}" for name in names if name.split(".")[0] in RUNNER_MODULES)
    return uses


def _callee(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def refusal(changed: Mapping[str, str], *, protected: list[str], base_tests: list[str], kept: set[str],
            allow_runner_imports: bool, read: Reader, base: str, tree: str,
            doctests: list[str] = ()) -> str | None:
    """Why a proposal whose tree differs from base in `changed` (path → git mode in the tree) may not be tested,
    or None. `kept` are the accepted reproduction's files, which every attempt carries unchanged (checked before)."""
    modes = {path: mode for path, mode in changed.items() if path not in kept}
    changed = list(modes)
    hidden = opaque(modes)
    if hidden:
        return (f"adds or changes {', '.join(hidden)}: a symlink, submodule or compiled file, whose content no "
                "check can read (what runs is not what the diff shows)")
    inputs = runner_inputs(changed)
    if inputs:
        return (f"adds or changes {', '.join(inputs)}, which the test runner reads on its own (its configuration, "
                "plugins, or start-up code): the judged run must load only what the base run loads")
    shadowing = [p for p in changed if _shadows_stdlib(p) and read(base, p) is None]
    if shadowing:
        return (f"adds {', '.join(shadowing)}, which would shadow the standard library module of that name for "
                "every test (the repository root is first on sys.path)")
    hits = verdict.protected_hits(changed, protected)
    if hits:
        return f"touches protected path(s): {', '.join(hits)}"
    tests = sorted(set(changed) & set(base_tests))
    if tests:
        return f"changes test file(s) that ran at base: {', '.join(tests)}"
    examples = [p for p in changed if p in doctests and doctests_changed(read(base, p), read(tree, p) or "")]
    if examples:
        return f"changes the doctest examples of {', '.join(examples)}, which ran as tests at base"
    if allow_runner_imports:
        return None
    for path in changed:
        if PurePosixPath(path).suffix != ".py":
            continue
        after = read(tree, path)
        if after is None:  # deleted
            continue
        found = runner_hooks(read(base, path), after)
        if found:
            return (f"{path} {' and '.join(found)}: code under test may not reach into the test runner "
                    "([test] allow_runner_imports = true for a repository that is itself a pytest plugin)")
    return None
