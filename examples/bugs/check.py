#!/usr/bin/env python3
"""Check every seeded-bug task under examples/bugs/.

For each task: the layout is complete, the ticket and meta.toml are well formed, at least one test fails and at
least one passes at base (a test run that hangs past the timeout counts as failing; the tests that passed before
the hang still count), fix.diff applies with `git apply` to a fresh git repository holding `repo/`, touches no test
file, makes every test pass, and changes as many lines as `lines` in meta.toml says (per hunk the larger of added
and removed lines, summed).

    python examples/bugs/check.py              # all tasks
    python examples/bugs/check.py lru-cache    # some tasks

Prints one line per task and exits non-zero on any problem. Tasks run in parallel; the whole check takes well
under a minute and a half.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEST_TIMEOUT = 30
KINDS = {
    "operator", "comparison", "off-by-one", "constant", "wrong-variable", "wrong-attribute", "wrong-argument",
    "missing-guard", "missing-statement", "extra-statement", "return-value", "exception-type", "two-edit",
    "infinite-loop", "other",
}
PROGRESS = re.compile(r"^([.FEsxX]+)\s*(\[\s*\d+%\])?\s*$")


class Problem(Exception):
    pass


def run_tests(cwd: Path) -> dict:
    """Run `python -m pytest -q tests`; counts of passed/failed/errors, and whether it timed out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "tests"], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=TEST_TIMEOUT)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        timed_out = True
    result = {"passed": 0, "failed": 0, "errors": 0, "timeout": timed_out, "rc": proc.returncode, "output": out}
    if timed_out:
        # Only the progress characters printed before the hang are known; the hanging test counts as failing.
        for line in out.splitlines():
            match = PROGRESS.match(line)
            if match:
                result["passed"] += match.group(1).count(".")
                result["failed"] += match.group(1).count("F")
                result["errors"] += match.group(1).count("E")
        result["failed"] += 1
        return result
    summary = [line for line in out.splitlines() if re.search(r"\d+ (passed|failed|errors?)\b", line)]
    if summary:
        for number, what in re.findall(r"(\d+) (passed|failed|errors?)\b", summary[-1]):
            result["errors" if what.startswith("error") else what] += int(number)
    return result


def changed_lines(diff: str) -> tuple[int, list[str]]:
    """Lines a diff changes (per hunk max(added, removed), summed) and the files it touches."""
    total, added, removed, files = 0, 0, 0, []
    in_hunk = False
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            total += max(added, removed)
            added = removed = 0
            in_hunk = False
        elif line.startswith("+++ "):
            files.append(line[4:].removeprefix("b/"))
        elif line.startswith("@@"):
            total += max(added, removed)
            added = removed = 0
            in_hunk = True
        elif in_hunk and line.startswith("+"):
            added += 1
        elif in_hunk and line.startswith("-"):
            removed += 1
    return total + max(added, removed), files


def check_layout(task: Path) -> dict:
    repo = task / "repo"
    for path in (repo / "greenloop.toml", repo / "pytest.ini", repo / "tests", task / "ticket.md",
                 task / "fix.diff", task / "meta.toml"):
        if not path.exists():
            raise Problem(f"missing {path.relative_to(task)}")
    config = tomllib.loads((repo / "greenloop.toml").read_text())
    test, budget = config.get("test", {}), config.get("budget", {})
    if test.get("command") != "python -m pytest -q tests":
        raise Problem("greenloop.toml: [test] command must be 'python -m pytest -q tests'")
    if not isinstance(test.get("timeout"), (int, float)) or "max_steps" not in budget or "max_minutes" not in budget:
        raise Problem("greenloop.toml: needs [test] timeout and [budget] max_steps, max_minutes")
    ini = (repo / "pytest.ini").read_text()
    if "pythonpath = ." not in ini or "no:cacheprovider" not in ini:
        raise Problem("pytest.ini: needs pythonpath = . and -p no:cacheprovider")
    meta = tomllib.loads((task / "meta.toml").read_text())
    if meta.get("kind") not in KINDS:
        raise Problem(f"meta.toml: kind {meta.get('kind')!r} is not one of the known kinds")
    if not isinstance(meta.get("lines"), int) or meta["lines"] < 1:
        raise Problem("meta.toml: lines must be a positive integer")
    if not str(meta.get("note", "")).strip():
        raise Problem("meta.toml: note is empty")
    if meta["kind"] == "infinite-loop" and not test.get("per_test_timeout"):
        raise Problem("greenloop.toml: an infinite-loop task sets [test] per_test_timeout, so a hang fails one test")
    ticket = [line for line in (task / "ticket.md").read_text().splitlines() if line.strip()]
    if not ticket or not ticket[0].startswith("# ") or not 2 <= len(ticket) - 1 <= 6:
        raise Problem("ticket.md: needs a '# title' line and 2-6 lines of text")
    try:  # validate with greenloop's own loader when it is importable (the dev venv)
        from loop.config import load_config
    except ImportError:
        pass
    else:
        try:
            load_config(repo)
        except Exception as exc:  # noqa: BLE001 - any loader error is a problem with the task
            raise Problem(f"greenloop.toml rejected by greenloop: {exc}") from None
    return meta


def check_task(task: Path) -> tuple[bool, str]:
    started = time.monotonic()
    try:
        meta = check_layout(task)
        diff = (task / "fix.diff").read_text()
        lines, files = changed_lines(diff)
        if not files:
            raise Problem("fix.diff changes no file")
        if any(f.startswith("tests/") or f.endswith(("conftest.py", "pytest.ini", "greenloop.toml")) for f in files):
            raise Problem(f"fix.diff touches a protected path: {files}")
        if lines != meta["lines"]:
            raise Problem(f"meta.toml says lines = {meta['lines']}, fix.diff changes {lines}")
        with tempfile.TemporaryDirectory(prefix=f"bug-{task.name}-") as tmp:
            work = Path(tmp) / "repo"
            shutil.copytree(task / "repo", work, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
            base = run_tests(work)
            if base["errors"] and not base["timeout"]:
                raise Problem(f"base: {base['errors']} collection/setup errors\n{base['output'][-1500:]}")
            if base["failed"] < 1:
                raise Problem(f"base: no failing test\n{base['output'][-1500:]}")
            if base["passed"] < 1:
                raise Problem(f"base: no passing test\n{base['output'][-1500:]}")
            git = ["git", "-c", "user.name=check", "-c", "user.email=check@example.invalid"]
            subprocess.run([*git, "init", "-q"], cwd=work, check=True, capture_output=True)
            subprocess.run([*git, "add", "-A"], cwd=work, check=True, capture_output=True)
            subprocess.run([*git, "commit", "-qm", "base"], cwd=work, check=True, capture_output=True)
            applied = subprocess.run(["git", "apply", str(task / "fix.diff")], cwd=work, capture_output=True,
                                     text=True)
            if applied.returncode:
                raise Problem(f"git apply failed: {applied.stderr.strip()}")
            fixed = run_tests(work)
            if fixed["timeout"] or fixed["rc"] != 0 or fixed["failed"] or fixed["errors"] or not fixed["passed"]:
                raise Problem(f"after fix.diff not every test passes\n{fixed['output'][-1500:]}")
        base_text = f"{base['failed']}F/{base['passed']}P" + (" (timeout)" if base["timeout"] else "")
        return True, (f"ok    {task.name:<22} {meta['kind']:<17} base {base_text:<16} "
                      f"fixed {fixed['passed']}P  lines {lines}  {time.monotonic() - started:.1f}s")
    except Problem as exc:
        return False, f"FAIL  {task.name:<22} {exc}"
    except Exception as exc:  # noqa: BLE001 - report and keep checking the other tasks
        return False, f"FAIL  {task.name:<22} {type(exc).__name__}: {exc}"


def main(argv: list[str]) -> int:
    tasks = sorted(p for p in HERE.iterdir() if p.is_dir() and (p / "meta.toml").exists())
    if argv:
        unknown = set(argv) - {t.name for t in tasks}
        if unknown:
            print(f"unknown task(s): {', '.join(sorted(unknown))}")
            return 2
        tasks = [t for t in tasks if t.name in argv]
    if not tasks:
        print("no tasks found")
        return 2

    # A hanging task holds a worker for the whole timeout: start those first.
    def hangs(task: Path) -> bool:
        return 'kind = "infinite-loop"' in (task / "meta.toml").read_text()

    order = sorted(tasks, key=lambda t: (not hangs(t), t.name))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(2, min(8, (os.cpu_count() or 2) * 2))) as pool:
        results = dict(zip(order, pool.map(check_task, order)))
    failures = 0
    for task in tasks:
        ok, line = results[task]
        failures += not ok
        print(line)
    print(f"{len(tasks) - failures}/{len(tasks)} tasks ok in {time.monotonic() - started:.1f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
