"""What the nodes do to an attempt: bring it up (reusing what a killed run made), refuse it, summarize it."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from greenloop.adapters.protocols import AttemptSummary, LogLine, TestReport, Workspace
from greenloop.adapters.sandboxes.baggage import REFUSED
from greenloop.graph.budget import seconds_left
from greenloop.graph.state import Live, LoopState, RunContext
from greenloop.loop.errors import ConfigError, GreenloopError


def base_workspace(ctx: RunContext) -> Workspace:
    """The base checkout the model reads and diffs are checked against; made again after a resume (by whichever
    candidate of a side-by-side batch gets there first)."""
    with ctx.workspace_lock:
        if "base" not in ctx.live:
            ctx.live["base"] = Live(ctx.make_workspace("base", ctx.recall("tree-base")))
            ctx.remember("tree-base", ctx.live["base"].workspace.tree)
    return ctx.live["base"].workspace


def bring_up(ctx: RunContext, attempt: dict[str, Any], state: LoopState, phases: dict[str, float]) -> Live:
    """The attempt's lane brought to base + its diff, setup done, services started afresh: the run that judges an
    attempt starts from a clean slate. Whatever the lane held before (a model's bench, an earlier attempt) is gone:
    its services are stopped, and every file the diff does not declare is removed, git-ignored ones included, so
    nothing done on the bench (files left, state in a service, a `.pth` in a venv) can reach the judged run. Only a
    worktree a killed run left with this very tree and nothing else is reused, with its setup. Raises SetupError
    or ServiceStartError."""
    lane, key = attempt["lane"], attempt["id"]
    try:
        fresh = lane not in ctx.live
        if fresh:
            with ctx.workspace_lock:
                ctx.live[lane] = Live(ctx.make_workspace(lane, attempt["tree"]))
        live = ctx.live[lane]
        live.attempt = None
        if live.sandbox is not None:  # services that ran before this deploy never judge it
            live.sandbox.destroy()
            live.sandbox = None
        if not fresh or live.workspace.tree() != attempt["tree"] or live.workspace.drift():
            ctx.store(f"setup-{key}", None)
            live.workspace.reset(keep_ignored=False)
            live.workspace.apply(attempt["diff"])
        if not ctx.recall(f"setup-{key}"):
            phases["setup"] = clock(ctx.setup, live.workspace, seconds_left(state))
            ctx.store(f"setup-{key}", True)
        live.deployed_at = time.time()
        started = time.perf_counter()
        live.sandbox = ctx.provider.create(live.workspace, lane)
        phases["startup"] = time.perf_counter() - started
        live.attempt = key
    except BaseException:
        ctx.release(lane)
        raise
    return live


def flow_summary(flows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The distinct calls a test run made through the sandbox's routing proxies, with how often each was made."""
    counted: dict[tuple[str, str, str, int, str], int] = {}
    for flow in flows:
        key = (flow["service"], flow["method"], flow["path"].partition("?")[0], flow["status"], flow["route"])
        counted[key] = counted.get(key, 0) + 1
    return [{"service": service, "method": method, "path": path, "status": status, "route": route, "count": count}
            for (service, method, path, status, route), count in sorted(counted.items())]


def check_tests_ran(report: TestReport, test_format: str) -> None:
    """A test command that cannot run its tests at base can judge no fix: pytest that wrote no results (a broken
    conftest, bad options), or `python -m X` where X does not exist (a typo)."""
    module = re.search(r"-m\s+([\w.]+)", report.command)
    output = report.output_head + report.output_tail
    missing_module = bool(module) and f"No module named {module.group(1)}" in output.replace("'", "")
    if report.kind == "exit-code" and report.exit_code != 0 and test_format == "auto" and (
            "pytest" in report.command or missing_module):
        raise ConfigError(f"[test] command ran but reported no test results at base (exit code {report.exit_code}): "
                          f"{report.command}\n--- end of its output ---\n{(report.output_tail or report.output_head)[-1500:]}",
                          "run the command by hand in a clean clone and fix it in greenloop.toml [test]")


def check_no_shared_writes(lines: list[LogLine]) -> None:
    """At base, a keyed write that the routing proxy refused (it would have changed the shared baseline) means
    the config does not say whether that service keeps state: no attempt could be judged until it does."""
    refused = [line for line in lines if f" -> {REFUSED} " in line.text]
    if refused:
        services = sorted({line.service.removesuffix(" (routing)") for line in refused})
        shown = "\n".join(f"    {line.text}" for line in refused[:5])
        raise ConfigError(f"at base, the tests sent writes that would reach the shared baseline of "
                          f"{', '.join(services)}, which were refused:\n{shown}",
                          "say in greenloop.toml [[services]] whether each keeps state: stateful = true (forked in "
                          "every sandbox) or stateful = false (its writes change nothing another sandbox sees)")


def failed_to_start(ctx: RunContext, attempt: dict[str, Any], error: GreenloopError,
                     phases: dict[str, float]) -> dict[str, Any]:
    ctx.release(attempt["lane"])
    attempt.update(status="failed_to_start", outcome="failed_to_start", start_error=error.problem,
                   log_lines=error.problem.splitlines()[-30:])
    return {"attempts": {attempt["id"]: attempt}, "phases": phases,
            "note": f"{attempt['id']} failed to start: {error.problem.splitlines()[0]}"}


def refuse(attempt: dict[str, Any], status: str, why: str) -> dict[str, Any]:
    attempt.update(status=status, outcome=status, refusal=why)
    return {"attempts": {attempt["id"]: attempt}, "note": f"{attempt['id']} {status.replace('_', ' ')}: {why}"}


def clock(action: Callable[[Any, float], None], workspace: Any, timeout: float) -> float:
    started = time.perf_counter()
    action(workspace, timeout)
    return time.perf_counter() - started


def summary(attempt: dict[str, Any]) -> AttemptSummary:
    return AttemptSummary(id=attempt["id"], diff=attempt["diff"], outcome=attempt.get("outcome", "proposed"),
                          failing=attempt.get("failing", []), messages=attempt.get("messages", {}),
                          log_lines=attempt.get("log_lines", []), refusal=attempt.get("refusal"))


def messages(report: TestReport, tests: list[str]) -> dict[str, str]:
    return {t: report.results[t].message for t in tests
            if t in report.results and report.results[t].message}


def report_summary(report: TestReport) -> dict[str, Any]:
    return json.loads(report.model_dump_json(include={"command", "exit_code", "duration", "kind", "junit_path",
                                                      "output_tail"}))
