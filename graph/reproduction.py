"""Reproduction first: when nothing fails at base and the ticket names no test, a model that works with tools
writes a new test under `[test] repro_dir` before any fix. greenloop, not the model, decides whether it counts: it
must add only new test files there, its tests must run, and at least one must fail at base. Those become the
targets, every later attempt is tested with the reproduction in place and must keep it unchanged, and a fix is
green only when they pass.
"""

from __future__ import annotations

import re
import time
from typing import Any

from langgraph.runtime import Runtime

from greenloop.adapters.protocols import AttemptSummary, BudgetSpent, TestReport
from greenloop.adapters.workspaces.diffs import is_repro_test
from greenloop.graph import verdict
from greenloop.graph.attempts import base_workspace, bring_up, messages, report_summary
from greenloop.graph.budget import charge, seconds_left
from greenloop.graph.nodes import ask, model_request, timed
from greenloop.graph.state import LoopState, RunContext
from greenloop.loop.errors import OutOfBudget, PatchError, ServiceStartError, SetupError


BROKEN = re.compile(r"^(?P<file>\S+\.py):\d+: (NameError|ImportError|ModuleNotFoundError|SyntaxError)\b")
"""The last line of a failure raised by the test's own code (the `file:line: Error` pytest ends a traceback with),
which no fix of the code under test can turn green."""
HOOKS = re.compile(r"^\+.*(\bpytest_plugins\b|\bdef pytest_\w+)", re.M)


@timed
def reproduce(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Ask for a reproduction test (one step of the budget) and check it at base in lane 1's sandbox."""
    ctx = runtime.context
    step = state.get("steps", 0) + 1
    tries = state.get("reproductions", [])
    history = [AttemptSummary(id=t["id"], diff=t["diff"], outcome=t["outcome"], failing=t.get("failing", []),
                              messages=t.get("messages", {}), refusal=t.get("refusal")) for t in tries]
    started = time.perf_counter()
    try:
        proposal = ask(ctx, state, model_request(ctx, state, step, "reproduce", history), "lane-1")
    except BudgetSpent as stop:  # the step is spent: a resumed run asks afresh, at the next step
        return {"steps": step, "spent": charge(state.get("spent", {}), stop.usage),
                "stop_reason": f"no reproduction: {stop.reason}",
                "phases": {"model": time.perf_counter() - started}, "note": f"budget: {stop.reason}"}
    phases: dict[str, float] = {"model": time.perf_counter() - started}
    if proposal is None:
        return {"stop_reason": f"the model ({ctx.model.name}) wrote no reproduction", "phases": phases,
                "note": "no reproduction"}
    attempt = {"id": f"reproduction-{step}", "step": step, "lane": "lane-1", "status": "refused", "diff": proposal.diff,
               "source": proposal.source, "rationale": proposal.rationale, "usage": proposal.usage.model_dump()}
    update: dict[str, Any] = {"steps": step, "spent": charge(state.get("spent", {}), proposal.usage),
                              "phases": phases}
    problem = _not_a_reproduction(ctx, attempt)
    report = None
    if problem is None:
        try:
            report = ctx.remember(f"report-{attempt['id']}", lambda: _run_at_base(ctx, state, attempt, phases),
                                  TestReport)
        except (SetupError, ServiceStartError) as error:
            problem = f"the services did not start with it: {error.problem.splitlines()[0]}"
        except OutOfBudget as stop:  # no time left to check it at base: the run ends, naming the cap
            problem, update["stop_reason"] = f"it was not checked at base: {stop.problem}", stop.problem
    if report is not None:
        paths = base_workspace(ctx).files_changed(attempt["tree"])
        new = {t: r.outcome for t, r in report.results.items() if t.split("::")[0] in paths}
        failing = sorted(t for t, outcome in new.items()
                         if outcome == "failed" and not raised_by_test_code(report.results[t].message, paths))
        attempt.update(status="tested", outcomes=new, failing=failing, messages=messages(report, sorted(new)),
                       test_runs=1)
        loads = verdict.unexpected_loads(state["base"].get("loaded"), report.loaded, report.kind)
        if loads:
            problem = f"with it, pytest loaded what the base run did not ({'; '.join(loads)})"
        elif not new:
            problem = "its tests did not run: " + (report.output_tail.strip().splitlines() or ["no output"])[-1]
        elif not failing:
            problem = ("its tests pass at base, so they do not show the problem" if all(
                o == "passed" for o in new.values()) else "none of its tests fails at base for a reason a fix can "
                "change: errors, skips, and failures raised by the test's own code (a NameError or a bad import in "
                "it) do not count")
    if problem is not None:
        attempt.update(outcome="rejected", refusal=problem)
        return {**update, "reproductions": [attempt], "note": f"{attempt['id']} rejected: {problem}"}
    assert report is not None
    attempt["outcome"] = "reproduced"
    outcomes = {t: r.outcome for t, r in report.results.items()}
    base = {**state["base"], "outcomes": outcomes, "failing": report.failing(), "report": report_summary(report),
            "messages": messages(report, attempt["failing"])}
    return {**update, "reproductions": [attempt], "base": base, "targets": attempt["failing"],
            "reproduction": {"id": attempt["id"], "diff": attempt["diff"], "tests": attempt["failing"]},
            "note": f"{attempt['id']}: {len(attempt['failing'])} new test(s) fail at base; they are the targets"}


def raised_by_test_code(message: str, paths: list[str]) -> bool:
    last = BROKEN.match((message.strip().splitlines() or [""])[-1])
    return bool(last) and last["file"] in paths


def _not_a_reproduction(ctx: RunContext, attempt: dict[str, Any]) -> str | None:
    """Why the diff is not a reproduction (anything but new test files under repro_dir), or None; the tree it
    makes is kept on the attempt (its run at base, and a resume that reads that run back, use it)."""
    repro_dir = ctx.config.test.repro_dir
    if not attempt["diff"].strip():
        return f"it adds no test file (write one under {repro_dir})"
    base = base_workspace(ctx)
    try:
        base.numstat(attempt["diff"])
        attempt["tree"] = base.tree_with(attempt["diff"])
        paths = base.files_changed(attempt["tree"])  # from git, both sides of renames
    except PatchError as error:
        return error.problem
    wrong = [p for p in paths if not is_repro_test(p, repro_dir) or (base.path / p).exists()]
    if wrong:
        return (f"it may only add new test files (test_*.py) under {repro_dir}, and it touches "
                f"{', '.join(wrong)}")
    if HOOKS.search(attempt["diff"]):
        return "it declares pytest plugins or hooks, which would change how every other test runs"
    return None


def _run_at_base(ctx: RunContext, state: LoopState, attempt: dict[str, Any], phases: dict[str, float]) -> TestReport:
    """The whole suite at base + the reproduction, in lane 1, from a clean slate like every judged run."""
    live = bring_up(ctx, attempt, state, phases)
    report = ctx.runner.run(live.workspace, live.sandbox.env(), ctx.run_dir / "reports", attempt["id"],
                            seconds_left(state))
    phases["tests"] = report.duration
    return report
