"""What a proposal may not change: the test runner's own inputs, protected paths, base test files, runner internals."""

from __future__ import annotations

import pytest

from greenloop.graph import guard
from greenloop.loop.config import DEFAULT_PROTECTED_PATHS


@pytest.mark.parametrize("path", [
    "pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml",
    "setup.py", "conftest.py", "svc/pricing/pytest.toml", "pkg/pyproject.toml", "src/pkg/conftest.py",
    "sitecustomize.py", "lib/usercustomize.py", "shop_common/evil.pth", ".venv/lib/site-packages/x.pth",
    "quiet-0.1.dist-info/entry_points.txt", "pytest.py", "_pytest/runner.py", "src/pluggy/__init__.py",
    "greenloop_probe.py", "greenloop_select/__init__.py",
])
def test_the_runners_own_inputs_are_refused_at_any_depth(path):
    assert guard.runner_inputs([path]) == [path]


@pytest.mark.parametrize("path", ["Conftest.py", "sub/PYTEST.INI", "x.PTH"])
def test_runner_inputs_match_in_any_letter_case(path):
    assert guard.runner_inputs([path]) == [path]


@pytest.mark.parametrize("path, mode, refused", [
    ("calc/core.py", "120000", True),  # a symlink: its target is what runs
    ("vendor/lib", "160000", True),  # a submodule
    ("calc/__pycache__/core.cpython-311.pyc", "100644", True),  # bytecode runs instead of a source it does not match
    ("calc/_speed.pyc", "100644", True),
    ("calc/_speed.cpython-311-x86_64-linux-gnu.so", "100755", True),
    ("calc/stale.pyc", "000000", False),  # deleting one is fine
    ("calc/core.py", "100755", False),
])
def test_entries_no_check_can_read_are_refused(path, mode, refused):
    why = refusal({path: mode})
    assert (why is not None and "no check can read" in why) == refused


@pytest.mark.parametrize("path", ["src/app.py", "pytest_notes.md", "docs/setup.md", "toxic.ini", "pth.py"])
def test_ordinary_files_are_not_runner_inputs(path):
    assert guard.runner_inputs([path]) == []


def test_files_that_held_a_test_at_base_come_from_node_ids():
    outcomes = {"src/pkg/checks.py::test_a": "passed", "src/pkg/checks.py::Suite::test_b": "failed",
                "python -m pytest": "failed", "src/pkg/broken_check.py": "error"}
    assert guard.test_files(outcomes) == ["src/pkg/broken_check.py", "src/pkg/checks.py"]


def test_a_module_tested_by_its_doctests_may_be_fixed_but_its_examples_may_not_change():
    outcomes = {"calc/core.py::calc.core.add": "failed", "tests/test_x.py::test_a[1.5]": "passed"}
    assert guard.test_files(outcomes) == ["tests/test_x.py"] and guard.doctest_modules(outcomes) == ["calc/core.py"]
    before = 'def add(a, b):\n    """\n    >>> add(2, 2)\n    4\n    """\n    return a - b\n'
    fixed = {("BASE", "calc/core.py"): before, ("TREE", "calc/core.py"): before.replace("a - b", "a + b")}
    tampered = {**fixed, ("TREE", "calc/core.py"): before.replace("    4\n", "    0\n")}
    assert guard.refusal({"calc/core.py": "100644"}, protected=[], base_tests=[], kept=set(),
                         allow_runner_imports=False, read=lambda r, p: fixed.get((r, p)), base="BASE", tree="TREE",
                         doctests=["calc/core.py"]) is None
    why = guard.refusal({"calc/core.py": "100644"}, protected=[], base_tests=[], kept=set(),
                        allow_runner_imports=False, read=lambda r, p: tampered.get((r, p)), base="BASE",
                        tree="TREE", doctests=["calc/core.py"])
    assert "changes the doctest examples of calc/core.py" in why


@pytest.mark.parametrize("after, found", [
    ("import pytest\n", ["imports pytest"]),
    ("from _pytest.reports import TestReport\n", ["imports _pytest"]),
    ("import pluggy as p\n", ["imports pluggy"]),
    ("m = __import__('pytest')\n", ["imports pytest"]),
    ("import importlib\nm = importlib.import_module('_pytest.runner')\n", ["imports _pytest"]),
    ("def pytest_runtest_makereport(item, call):\n    pass\n", ["defines hook pytest_runtest_makereport"]),
    ("import json\ndef price(x):\n    return x\n", []),
    ("import pytest_timeout_helpers\n", []),
    ("def broken(:\n", []),
])
def test_runner_internals_newly_used_by_code_under_test(after, found):
    assert guard.runner_hooks("import json\n", after) == found


def test_runner_internals_already_used_at_base_are_not_new():
    assert guard.runner_hooks("import pytest\n", "import pytest\nX = 1\n") == []


def refusal(changed, files=None, base_tests=(), allow=False, kept=()):
    files = files or {}
    changed = changed if isinstance(changed, dict) else dict.fromkeys(changed, "100644")
    return guard.refusal(changed, protected=DEFAULT_PROTECTED_PATHS, base_tests=list(base_tests), kept=set(kept),
                         allow_runner_imports=allow, read=lambda rev, path: files.get((rev, path)),
                         base="BASE", tree="TREE")


def test_refusals_name_the_reason_and_the_files():
    assert "pytest.toml, which the test runner reads on its own" in refusal(["pytest.toml", "svc/plugin.py"])
    assert "protected path(s): src/pkg/tests/test_x.py" in refusal(["src/pkg/tests/test_x.py"])
    assert "test file(s) that ran at base: src/pkg/checks.py" in refusal(["src/pkg/checks.py"],
                                                                         base_tests=["src/pkg/checks.py"])
    hook = {("TREE", "svc/plugin.py"): "import pytest\n"}
    assert "svc/plugin.py imports pytest" in refusal(["svc/plugin.py"], hook)
    assert refusal(["svc/plugin.py"], hook, allow=True) is None
    assert refusal(["svc/app.py"], {("TREE", "svc/app.py"): "X = 1\n"}) is None
    assert refusal(["tests/repro/test_bug.py"], kept=["tests/repro/test_bug.py"]) is None
    assert "adds json.py, which would shadow the standard library" in refusal(["json.py"])
    assert "adds logging/__init__.py" in refusal(["logging/__init__.py"])
    assert refusal(["json.py"], {("BASE", "json.py"): "X = 1\n"}) is None  # the project's own, already there
    assert refusal(["src/json.py", "docs/os.md", "email/templates/new.html"]) is None
