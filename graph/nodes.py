"""The graph's nodes: each reads the state, does one thing through the runtime context, returns a partial update.

Every node is wrapped by `timed`, which adds a timing record (node, attempt, seconds, a one-line note, and the
seconds spent in tests, the model and service start-up, so orchestration overhead can be told apart).
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable
from typing import Any

from langgraph.config import get_config
from langgraph.runtime import Runtime

from greenloop.adapters.workspaces.diffs import touched_paths
from greenloop.adapters.protocols import AttemptSummary, ModelRequest, Publication, TestReport, Ticket
from greenloop.graph import verdict
from greenloop.graph.budget import exhausted, seconds_left
from greenloop.graph.logs import rank
from greenloop.graph.state import Live, LoopState, RunContext
from greenloop.loop.errors import ConfigError, PatchError, ServiceStartError, SetupError, UsageError
from greenloop.loop.redact import redact

Node = Callable[[LoopState, Runtime[RunContext]], dict[str, Any]]


def timed(node: Node) -> Node:
    @functools.wraps(node)
    def wrapper(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        started = time.perf_counter()
        update = node(state, runtime)
        record = {"node": get_config()["metadata"]["langgraph_node"],
                  "attempt": update.get("current", state.get("current")),
                  "seconds": round(time.perf_counter() - started, 4),
                  "note": update.pop("note", ""),
                  **update.pop("phases", {})}
        return {**update, "timings": [record]}

    return wrapper


@timed
def prepare(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Check out the base commit, run setup and the tests once: what fails at base, and so the targets."""
    ctx = runtime.context
    workspace = ctx.make_workspace("base")
    ctx.live["base"] = live = Live(workspace)  # kept for the model to read until the run ends
    phases = {"setup": _clock(ctx.setup, workspace, seconds_left(state))}
    started = time.perf_counter()
    live.sandbox = ctx.provider.create(workspace, "base")
    phases["startup"] = time.perf_counter() - started
    report = ctx.runner.run(workspace, live.sandbox.env(), ctx.run_dir / "reports", "base", seconds_left(state))
    phases["tests"] = report.duration
    live.sandbox.destroy()
    live.sandbox = None
    _check_tests_ran(report, ctx.config.test.format)
    outcomes = {t: r.outcome for t, r in report.results.items()}
    requested = state.get("requested_targets", [])
    unknown = verdict.unknown_targets(requested, outcomes)
    if unknown:
        ran = ", ".join(sorted(outcomes)[:10]) + (" …" if len(outcomes) > 10 else "")
        raise UsageError(f"target(s) {', '.join(unknown)} did not run at base; tests that ran: {ran}",
                         "name tests by their pytest node id, relative to the repository root")
    targets = verdict.choose_targets(requested, outcomes, ctx.config.test.known_failures)
    base = {"outcomes": outcomes, "failing": report.failing(), "report": _report_summary(report),
            "messages": _messages(report, targets)}
    update: dict[str, Any] = {"base": base, "targets": targets, "phases": phases}
    failing_targets = [t for t in targets if outcomes.get(t) in verdict.FAILED]
    if not verdict.reproduced(targets, outcomes):
        update["stop_reason"] = ("no test fails at base and the ticket names none: nothing reproduces the problem"
                                 if not targets else f"the named target(s) pass at base: {', '.join(targets)}")
    update["note"] = (f"{len(report.results)} tests at base, {len(report.failing())} failing; "
                      f"targets: {', '.join(failing_targets) or 'none reproduced'}")
    return update


@timed
def propose(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Ask the model for the next whole diff against base (`generate` and `patch` are this one function)."""
    ctx = runtime.context
    step = state.get("steps", 0) + 1
    request = ModelRequest(step=step, ticket=Ticket(**state["ticket"]), targets=state["targets"],
                           repo=str(ctx.live["base"].workspace.path), base_commit=state["base_commit"],
                           protected_paths=ctx.config.test.protected_paths,
                           attempts=[_summary(a) for a in state.get("attempts", {}).values()])
    request = ModelRequest.model_validate(redact(request.model_dump(mode="json")))  # no secret reaches a prompt
    journal = ctx.run_dir / "requests" / f"step-{step}.json"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(request.model_dump_json(indent=2), encoding="utf-8")
    started = time.perf_counter()
    proposal = ctx.model.propose(request)
    phases = {"model": time.perf_counter() - started}
    if proposal is None:
        return {"current": None, "stop_reason": f"the model ({ctx.model.name}) has no more proposals",
                "phases": phases, "note": "no proposal"}
    attempt_id = f"attempt-{step}"
    spent = dict(state.get("spent", {}))
    spent["tokens"] = spent.get("tokens", 0) + proposal.usage.input_tokens + proposal.usage.output_tokens
    spent["dollars"] = spent.get("dollars", 0.0) + proposal.usage.dollars
    attempt = {"id": attempt_id, "step": step, "source": proposal.source, "rationale": proposal.rationale,
               "diff": proposal.diff, "usage": proposal.usage.model_dump(), "status": "proposed"}
    return {"steps": step, "current": attempt_id, "spent": spent, "attempts": {attempt_id: attempt},
            "phases": phases, "note": f"{attempt_id}: {proposal.source or proposal.rationale}"}


@timed
def deploy(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Refuse a diff that touches protected paths or does not apply; else bring up base + diff in a sandbox."""
    ctx = runtime.context
    attempt = dict(state["attempts"][state["current"]])
    base_workspace = ctx.live["base"].workspace
    try:
        if not attempt["diff"].strip():
            raise PatchError("the proposal is an empty diff")
        numstat = base_workspace.numstat(attempt["diff"])
    except PatchError as error:
        return _refuse(attempt, "does_not_apply", error.problem)
    attempt["diffstat"] = [list(row) for row in numstat]
    touched = sorted({path for path, _, _ in numstat} | set(touched_paths(attempt["diff"])))
    hits = verdict.protected_hits(touched, ctx.config.test.protected_paths)
    if hits:
        return _refuse(attempt, "refused", f"touches protected path(s): {', '.join(hits)}")
    workspace = ctx.make_workspace(attempt["id"])
    ctx.live[attempt["id"]] = live = Live(workspace)
    try:
        workspace.apply(attempt["diff"])
    except PatchError as error:
        ctx.release(attempt["id"])
        return _refuse(attempt, "does_not_apply", error.problem)
    attempt["tree"] = workspace.tree()
    phases: dict[str, float] = {}
    try:
        phases["setup"] = _clock(ctx.setup, workspace, seconds_left(state))
        live.deployed_at = time.time()
        started = time.perf_counter()
        live.sandbox = ctx.provider.create(workspace, attempt["id"])
        phases["startup"] = time.perf_counter() - started
    except (SetupError, ServiceStartError) as error:  # the patch broke start-up: what the model must hear next
        ctx.release(attempt["id"])
        attempt.update(status="failed_to_start", outcome="failed_to_start", start_error=error.problem,
                       log_lines=error.problem.splitlines()[-30:])
        return {"attempts": {attempt["id"]: attempt}, "phases": phases,
                "note": f"{attempt['id']} failed to start: {error.problem.splitlines()[0]}"}
    attempt.update(status="deployed", endpoints=live.sandbox.endpoints(), deployed_at=live.deployed_at)
    services = ", ".join(f"{name} {url}" for name, url in attempt["endpoints"].items()) or "no services"
    return {"attempts": {attempt["id"]: attempt}, "phases": phases, "note": f"{attempt['id']} up: {services}"}


@timed
def test(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Run the whole suite against the sandbox and judge the attempt by the verdict contract."""
    ctx = runtime.context
    attempt = dict(state["attempts"][state["current"]])
    live = ctx.live[attempt["id"]]
    report = ctx.runner.run(live.workspace, live.sandbox.env(), ctx.run_dir / "reports", attempt["id"],
                            seconds_left(state))
    after = {t: r.outcome for t, r in report.results.items()}
    base = state["base"]["outcomes"]
    drift = live.workspace.drift()  # what ran must be what gets published
    fixed = verdict.is_fixed(state["targets"], after, base) and not drift
    if drift:
        attempt["refusal"] = (f"setup, services or tests changed tracked file(s) {', '.join(drift)}: "
                              "the tree that ran is not the tree that would be published")
    attempt.update(status="tested", outcome="fixed" if fixed else "not_fixed", outcomes=after,
                   failing=report.failing(), regressions=verdict.regressions(base, after),
                   messages=_messages(report, report.failing()), report=_report_summary(report))
    still = [t for t in state["targets"] if after.get(t) != "passed"]
    note = "all targets pass, no regressions" if fixed else (
        f"{len(still)} target(s) still failing" + (f", {len(attempt['regressions'])} regression(s)"
                                                     if attempt["regressions"] else ""))
    return {"attempts": {attempt["id"]: attempt}, "phases": {"tests": report.duration},
            "note": f"{attempt['id']}: {note}"}


@timed
def read_logs(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The sandbox's log lines since deploy, ranked and cut to budget; then the attempt's resources go."""
    ctx = runtime.context
    attempt = dict(state["attempts"][state["current"]])
    live = ctx.live[attempt["id"]]
    lines = live.sandbox.logs(since=live.deployed_at) if live.sandbox else []
    prefix = f"{live.workspace.path}/"  # tracebacks name files by their worktree path; the repo path reads better
    lines = [line.model_copy(update={"text": line.text.replace(prefix, "")}) for line in lines]
    attempt["log_lines"] = rank(lines, ctx.config.logs.max_chars, ctx.config.logs.context_lines)
    ctx.release(attempt["id"])
    return {"attempts": {attempt["id"]: attempt},
            "note": f"{attempt['id']}: {len(attempt['log_lines'])} of {len(lines)} log lines kept"}


@timed
def publish(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Commit exactly the tested tree on a new branch; the commit message carries the evidence summary."""
    from greenloop.loop.evidence import commit_message
    from greenloop.loop.tickets import slug

    ctx = runtime.context
    attempt = state["attempts"][state["current"]]
    ctx.release(attempt["id"])
    ticket = Ticket(**state["ticket"])
    published = ctx.publisher.publish(Publication(
        repo=state["repo"], base_commit=state["base_commit"], tree=attempt["tree"],
        branch=ctx.config.publish.branch_prefix + slug(ticket.title),
        message=commit_message({**state, "verdict": "fixed"})))
    return {"verdict": "fixed", "published": published.model_dump(),
            "note": f"branch {published.branch} at {published.commit[:12]}"}


@timed
def give_up(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """End without a fix, saying why: not reproduced, budget spent, or the model out of ideas."""
    if state.get("current"):
        runtime.context.release(state["current"])
    reproduced = verdict.reproduced(state.get("targets", []), state.get("base", {}).get("outcomes", {}))
    reason = state.get("stop_reason") or exhausted(state) or "stopped"
    result = "not_reproduced" if not reproduced else "not_fixed"
    return {"verdict": result, "stop_reason": reason, "note": f"{result}: {reason}"}


def _check_tests_ran(report: TestReport, test_format: str) -> None:
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


def _refuse(attempt: dict[str, Any], status: str, why: str) -> dict[str, Any]:
    attempt.update(status=status, outcome=status, refusal=why)
    return {"attempts": {attempt["id"]: attempt}, "note": f"{attempt['id']} {status.replace('_', ' ')}: {why}"}


def _clock(action: Callable[[Any, float], None], workspace: Any, timeout: float) -> float:
    started = time.perf_counter()
    action(workspace, timeout)
    return time.perf_counter() - started


def _summary(attempt: dict[str, Any]) -> AttemptSummary:
    return AttemptSummary(id=attempt["id"], diff=attempt["diff"], outcome=attempt.get("outcome", "proposed"),
                          failing=attempt.get("failing", []), messages=attempt.get("messages", {}),
                          log_lines=attempt.get("log_lines", []), refusal=attempt.get("refusal"))


def _messages(report: TestReport, tests: list[str]) -> dict[str, str]:
    return {t: report.results[t].message for t in tests
            if t in report.results and report.results[t].message}


def _report_summary(report: TestReport) -> dict[str, Any]:
    return json.loads(report.model_dump_json(include={"command", "exit_code", "duration", "kind", "junit_path",
                                                      "output_tail"}))
