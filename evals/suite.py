"""`greenloop eval SUITE`: every task of a suite through the real loop, one fresh repository each, and a table.

A task is a folder with `repo/` (a project with its greenloop.toml), `ticket.md`, and optionally `fix.diff` (the
known right fix) and `meta.toml` (`kind`, `lines`). Each run is the very `greenloop run` a user makes: same graph,
sandboxes, budget and verdict, so fix rates compare across models and budgets.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from greenloop.loop.errors import UsageError


@dataclass
class TaskResult:
    task: str
    kind: str
    verdict: str
    seconds: float
    steps: int
    test_runs: int
    lines: int | None
    """Lines the published fix changed (None when not fixed)."""
    known_lines: int | None
    """Lines the known right fix changes."""
    same_as_known: bool | None
    """The published diff changes exactly the lines the known fix does, the same way."""
    stop_reason: str | None


def tasks(suite: Path) -> list[Path]:
    found = sorted(p for p in suite.iterdir() if (p / "repo").is_dir() and (p / "ticket.md").is_file())
    if not found:
        raise UsageError(f"{suite} holds no tasks", "a task is a folder with repo/ and ticket.md")
    return found


def run_task(task: Path, model: str, workdir: Path, max_test_runs: int | None = None) -> TaskResult:
    from greenloop.loop.demo import materialize
    from greenloop.loop.errors import Interrupted
    from greenloop.loop.run import RunOptions, run

    repo, ticket, _ = materialize(task, workdir / task.name)
    meta = tomllib.loads((task / "meta.toml").read_text()) if (task / "meta.toml").is_file() else {}
    started = time.perf_counter()
    result = run(RunOptions(repo=repo, ticket_file=str(ticket), model=model, max_test_runs=max_test_runs))
    if isinstance(result.error, Interrupted):  # Ctrl-C or SIGTERM: the run tore itself down; the suite stops too
        raise KeyboardInterrupt
    seconds = time.perf_counter() - started
    evidence = result.evidence
    published = _changed_lines(repo, evidence) if result.verdict == "fixed" else None
    known = _diff_lines((task / "fix.diff").read_text()) if (task / "fix.diff").is_file() else None
    runs = 1 + sum(a.get("test_runs", 0) for a in evidence["attempts"]) + evidence["model_usage"]["test_runs"]  # base
    return TaskResult(task=task.name, kind=meta.get("kind", ""), verdict=result.verdict, seconds=round(seconds, 2),
                      steps=evidence["budget"]["steps"], test_runs=runs,
                      lines=_size(published) if published is not None else None,
                      known_lines=_size(known) if known is not None else None,
                      same_as_known=(published == known) if published is not None and known is not None else None,
                      stop_reason=evidence.get("stop_reason"))


def run_suite(suite: Path, model: str, max_test_runs: int | None = None, only: list[str] | None = None,
              progress: Callable[[TaskResult], None] = lambda result: None) -> list[TaskResult]:
    results = []
    with tempfile.TemporaryDirectory(prefix="greenloop-eval-") as scratch:
        for task in tasks(suite):
            if only and task.name not in only:
                continue
            results.append(run_task(task, model, Path(scratch), max_test_runs))
            progress(results[-1])
    return results


def summary(results: list[TaskResult]) -> dict[str, Any]:
    fixed = [r for r in results if r.verdict == "fixed"]
    return {"tasks": len(results), "fixed": len(fixed),
            "fix_rate": round(len(fixed) / len(results), 3) if results else 0.0,
            "median_seconds_fixed": round(statistics.median(r.seconds for r in fixed), 2) if fixed else None,
            "same_as_known": sum(1 for r in fixed if r.same_as_known),
            "test_runs": sum(r.test_runs for r in results)}


def markdown(results: list[TaskResult], model: str, max_test_runs: int | None) -> str:
    total = summary(results)
    cap = f", at most {max_test_runs} test runs per task" if max_test_runs else ""
    lines = [f"Model `{model}`{cap}: **{total['fixed']} of {total['tasks']} fixed** ({total['fix_rate']:.0%}); "
             f"median {total['median_seconds_fixed']} s per fixed task; {total['same_as_known']} of the fixes are "
             "exactly the known fix.", "",
             "| task | kind | verdict | seconds | steps | test runs | lines changed | known fix |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        same = "—" if r.same_as_known is None else ("same" if r.same_as_known else f"differs ({r.known_lines})")
        lines.append(f"| {r.task} | {r.kind} | {r.verdict} | {r.seconds:.1f} | {r.steps} | {r.test_runs} | "
                     f"{r.lines if r.lines is not None else '—'} | {same} |")
    return "\n".join(lines) + "\n"


def as_json(results: list[TaskResult], model: str, max_test_runs: int | None) -> str:
    return json.dumps({"model": model, "max_test_runs": max_test_runs, "summary": summary(results),
                       "tasks": [asdict(r) for r in results]}, indent=2)


def _changed_lines(repo: Path, evidence: dict[str, Any]) -> set[str]:
    import subprocess

    branch = evidence["published"]["branch"]
    diff = subprocess.run(["git", "-C", str(repo), "diff", f"{evidence['base_commit']}..{branch}"],
                          capture_output=True, text=True, check=True).stdout
    return _diff_lines(diff)


def _size(changed: set[str]) -> int:
    """Lines a change touches: a one-line fix removes one line and adds one."""
    return max(sum(1 for line in changed if line[0] == "-"), sum(1 for line in changed if line[0] == "+"))


def _diff_lines(diff: str) -> set[str]:
    """The changed lines of a diff, as `-old`/`+new` text (whitespace-trimmed), to compare fixes by content."""
    return {line[0] + line[1:].strip() for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))}
