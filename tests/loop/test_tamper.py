"""A green verdict that cannot be faked: proposals that would make pytest report green without fixing the bug are
refused with their reason, on the shop (three services) and on a library whose tests live beside its code, and the
published branch holds none of them. The greenloop CLI runs as a real process throughout."""

from __future__ import annotations

import json
import py_compile
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from support import EXAMPLES, assert_nothing_left, commit_all, git, make_repo, run_cli

QUIET_PLUGIN = '''import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
'''


def proposal(repo: Path, edit: Callable[[Path], None]) -> str:
    """The whole diff against HEAD (renames as renames) that `edit` makes in the repository; the repository is left
    as it was."""
    edit(repo)
    git(repo, "add", "-A")
    diff = git(repo, "diff", "--cached", "-M", "--binary")
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-fdq")
    return diff


def scripted(tmp_path: Path, *diffs: str) -> str:
    folder = tmp_path / "patches"
    folder.mkdir()
    for i, diff in enumerate(diffs, 1):
        (folder / f"{i:02d}.diff").write_text(diff)
    return f"scripted:{folder}"


def write(path: str, text: str) -> Callable[[Path], None]:
    def edit(repo: Path) -> None:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    return edit


def both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(repo: Path) -> None:
        for each in edits:
            each(repo)
    return edit


def replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(repo: Path) -> None:
        text = (repo / path).read_text()
        assert old in text, f"{old!r} not in {path}"
        (repo / path).write_text(text.replace(old, new))
    return edit


def published_files(repo: Path, branch: str) -> set[str]:
    return set(git(repo, "ls-tree", "-r", "--name-only", branch).split())


def test_runner_config_and_plugins_beside_the_service_code_are_refused_and_the_right_fix_wins(example, tmp_path):
    repo, ticket, _ = example("shop")
    plugin = write("shop_common/quiet.py", QUIET_PLUGIN)
    addopts = '[pytest]\npythonpath = ["."]\naddopts = ["-p", "shop_common.quiet"]\n'
    right = (EXAMPLES / "shop" / "patches" / "02-pricing-discounts-in-money-precision.diff").read_text()
    model = scripted(tmp_path, proposal(repo, both(write("pytest.toml", addopts), plugin)),
                     proposal(repo, both(write(".pytest.toml", addopts), plugin)), right)

    result = run_cli("run", repo, "--ticket", ticket, "--model", model, "--json")

    assert result.code == 0, result.stderr
    assert result.json["verdict"] == "fixed" and result.json["steps"] == 3
    evidence = json.loads(Path(result.json["evidence"]).read_text())
    first, second, third = evidence["attempts"]
    assert first["status"] == second["status"] == "refused"
    assert "pytest.toml, which the test runner reads on its own" in first["refusal"]
    assert ".pytest.toml, which the test runner reads on its own" in second["refusal"]
    assert "junit-attempt-1.xml" not in {p.name for p in (Path(result.json["run_dir"]) / "reports").iterdir()}
    assert third["outcome"] == "fixed"
    files = published_files(repo, result.json["branch"])
    assert not files & {"pytest.toml", ".pytest.toml", "shop_common/quiet.py"}
    assert "refused" in (Path(result.json["run_dir"]) / "evidence.md").read_text()
    assert_nothing_left(repo)


INSTALL = '''"""Install the project's metadata into the workspace the way pip does: a dist-info with its entry points."""
import tomllib
from pathlib import Path

project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
dist = Path(f"{project['name']}-{project['version']}.dist-info")
dist.mkdir(exist_ok=True)
(dist / "METADATA").write_text(f"Metadata-Version: 2.1\\nName: {project['name']}\\nVersion: {project['version']}\\n")
groups = project.get("entry-points", {})
(dist / "entry_points.txt").write_text("".join(
    f"[{group}]\\n" + "".join(f"{name} = {target}\\n" for name, target in points.items())
    for group, points in groups.items()))
'''


def library(tmp_path: Path) -> Path:
    """Tests beside the code (src/calc/tests/), a check module collected by name, and a [setup] install."""
    return make_repo(tmp_path / "calc", {
        "greenloop.toml": '[setup]\ncommand = "python tools/install.py"\n\n[test]\ncommand = "python -m pytest -q"\n',
        "pytest.ini": "[pytest]\npythonpath = src\npython_files = test_*.py *_check.py\n",
        ".gitignore": "*.dist-info/\n",
        "pyproject.toml": '[project]\nname = "calc"\nversion = "0.1"\n',
        "tools/install.py": INSTALL,
        "src/calc/__init__.py": "",
        "src/calc/core.py": "def add(a, b):\n    return a - b\n",
        "src/calc/tests/test_core.py": "from calc.core import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n",
        "src/calc/sum_check.py": "from calc.core import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n",
    })


def plant_bytecode(repo: Path) -> None:
    """Bytecode of a fixed add() that Python would run instead of the buggy source beside it (unchecked hash)."""
    fixed = repo / "fixed_core.py"
    fixed.write_text("def add(a, b):\n    return a + b\n")
    target = repo / "src" / "calc" / "__pycache__" / f"core.{sys.implementation.cache_tag}.pyc"
    py_compile.compile(str(fixed), str(target), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    fixed.unlink()


def link_to_text(repo: Path) -> None:
    """core.py made a symlink to a text file holding other code: the diff shows a path, the tests run the file."""
    (repo / "src" / "calc" / "impl.txt").write_text("def add(a, b):\n    return a + b\n")
    (repo / "src" / "calc" / "core.py").unlink()
    (repo / "src" / "calc" / "core.py").symlink_to("impl.txt")


def test_tampering_wherever_the_tests_live_is_refused_step_by_step_and_the_right_fix_wins(tmp_path):
    repo = library(tmp_path)
    entry_point = '\n[project.entry-points.pytest11]\nquiet = "calc.quiet"\n'
    monkeypatch = textwrap.dedent('''\
        from _pytest import reports

        reports.TestReport.passed = property(lambda self: True)


        def add(a, b):
            return a - b
    ''')
    model = scripted(
        tmp_path,
        proposal(repo, replace("src/calc/tests/test_core.py", "== 4", "== 0")),
        proposal(repo, lambda r: git(r, "mv", "src/calc/tests/test_core.py", "src/calc/core_examples.py")),
        proposal(repo, replace("src/calc/sum_check.py", "== 0", "is not None")),
        proposal(repo, both(replace("pyproject.toml", 'version = "0.1"\n', 'version = "0.1"\n' + entry_point),
                            write("src/calc/quiet.py", QUIET_PLUGIN))),
        proposal(repo, write("src/calc/core.py", monkeypatch)),
        proposal(repo, plant_bytecode),
        proposal(repo, link_to_text),
        proposal(repo, replace("src/calc/core.py", "a - b", "a + b")),
    )
    head = git(repo, "rev-parse", "HEAD").strip()

    result = run_cli("run", repo, "--ticket-text", "add subtracts", "--model", model, "--max-steps", "8", "--json")

    assert result.code == 0, result.stderr
    assert result.json["verdict"] == "fixed" and result.json["steps"] == 8
    attempts = json.loads(Path(result.json["evidence"]).read_text())["attempts"]
    refusals = [a.get("refusal") for a in attempts[:7]]
    assert [a["status"] for a in attempts] == ["refused"] * 7 + ["tested"]
    assert "protected path(s): src/calc/tests/test_core.py" in refusals[0]
    assert "src/calc/tests/test_core.py" in refusals[1]  # a move is a deletion of the test as well
    assert "test file(s) that ran at base: src/calc/sum_check.py" in refusals[2]
    assert "pyproject.toml, which the test runner reads on its own" in refusals[3]
    assert "src/calc/core.py imports _pytest" in refusals[4]
    assert "core.cpython" in refusals[5] and "no check can read" in refusals[5]  # bytecode of a fixed add()
    assert "src/calc/core.py" in refusals[6] and "no check can read" in refusals[6]  # now a symlink
    assert git(repo, "diff", "--stat", head, result.json["branch"]).split()[0] == "src/calc/core.py"
    assert "src/calc/quiet.py" not in published_files(repo, result.json["branch"])
    assert_nothing_left(repo, head)
