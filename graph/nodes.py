"""The graph's nodes: each reads the state, does one thing through the runtime context, returns a partial update.

Every node is wrapped by `timed`, which adds a timing record (node, attempt, seconds, a one-line note, and the
seconds spent in tests, the model and service start-up, so orchestration overhead can be told apart).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

from langgraph.config import get_config
from langgraph.runtime import Runtime

from greenloop.adapters.protocols import (AttemptSummary, BudgetSpent, ModelRequest, Proposal, Publication,
                                          Published, TestReport, Ticket)
from greenloop.graph import guard, verdict
from greenloop.graph.attempts import (base_workspace, bring_up, check_no_shared_writes, check_tests_ran, clock,
                                      failed_to_start, flow_summary, messages, refuse, report_summary, summary)
from greenloop.graph.budget import (allowance, charge, exhausted, rerun_refused, reserve, seconds_left,
                                     test_runs_left)
from greenloop.graph.logs import rank
from greenloop.graph.state import Live, LoopState, RunContext
from greenloop.graph.stuck import duplicate_of, stuck_reason
from greenloop.loop.errors import (OutOfBudget, PatchError, ServiceStartError, SetupError,
                                   UsageError)
from greenloop.loop.redact import redact

Node = Callable[[LoopState, Runtime[RunContext]], dict[str, Any]]


def timed(node: Node) -> Node:
    @functools.wraps(node)
    def wrapper(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
        started = time.perf_counter()
        update = node(state, runtime)
        graph_node = get_config()["metadata"]["langgraph_node"]
        record = {"node": node.__name__ if graph_node == "trial" else graph_node,
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
    workspace = base_workspace(ctx)
    phases: dict[str, float] = {}

    def run_base_tests() -> TestReport:
        phases["setup"] = clock(ctx.setup, workspace, seconds_left(state))
        started = time.perf_counter()
        sandbox = ctx.provider.create(workspace, "base")
        phases["startup"] = time.perf_counter() - started
        since = time.time()
        try:
            report = ctx.runner.run(workspace, sandbox.env(), ctx.run_dir / "reports", "base", seconds_left(state))
        finally:
            sandbox.destroy()
        check_no_shared_writes(ctx.provider.logs("base", since=since))
        phases["tests"] = report.duration
        return report

    report = ctx.remember("report-base", run_base_tests, TestReport)
    check_tests_ran(report, ctx.config.test.format)
    outcomes = {t: r.outcome for t, r in report.results.items()}
    requested = state.get("requested_targets", [])
    unknown = verdict.unknown_targets(requested, outcomes)
    if unknown:
        ran = ", ".join(sorted(outcomes)[:10]) + (" …" if len(outcomes) > 10 else "")
        raise UsageError(f"target(s) {', '.join(unknown)} did not run at base; tests that ran: {ran}",
                         "name tests by their pytest node id, relative to the repository root")
    targets = verdict.choose_targets(requested, outcomes, ctx.config.test.known_failures)
    leftovers = ctx.remember("leftovers-base", workspace.drift)  # what setup and the tests leave at base anyway
    base = {"outcomes": outcomes, "failing": report.failing(), "report": report_summary(report),
            "messages": messages(report, targets), "loaded": report.loaded, "leftovers": leftovers}
    update: dict[str, Any] = {"base": base, "targets": targets, "phases": phases}
    failing_targets = [t for t in targets if outcomes.get(t) in verdict.FAILED]
    if not targets and getattr(ctx.model, "writes_reproductions", False):
        update["reproducing"] = True  # the model writes a reproduction test first (graph/reproduction.py)
    elif not verdict.reproduced(targets, outcomes):
        update["stop_reason"] = ("no test fails at base and the ticket names none: nothing reproduces the problem"
                                 if not targets else f"the named target(s) pass at base: {', '.join(targets)}")
    update["note"] = (f"{len(report.results)} tests at base, {len(report.failing())} failing; "
                      f"targets: {', '.join(failing_targets) or 'none reproduced'}")
    return update


@timed
def propose(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Ask the model for the next whole diff against base (`generate` and `patch` are this one function); with
    `[sandbox] width` above 1, for as many candidates as the step budget still allows, to be tested side by side."""
    ctx = runtime.context
    steps = state.get("steps", 0)
    room = max(1, min(ctx.config.sandbox.width, state["budget"]["max_steps"] - steps))  # steps are reserved here
    spent = dict(state.get("spent", {}))
    attempts: dict[str, dict[str, Any]] = {}
    phases = {"model": 0.0}
    halted, wasted = None, 0
    for lane in range(1, room + 1):
        step = steps + lane
        so_far = {**state, "steps": step - 1, "spent": spent}
        runs = test_runs_left(so_far)
        if lane > 1 and (exhausted(so_far) or (runs is not None and runs < lane)):  # the first candidate was
            break  # checked by the route here; each further one before it is asked: tokens, dollars, time, and a
        # judged test run left for it besides those of the candidates before it
        history = [summary(a) for a in [*state.get("attempts", {}).values(), *attempts.values()]]
        request = model_request(ctx, so_far, step, "fix", history, lanes=lane)
        started = time.perf_counter()
        try:
            proposal = ask(ctx, state, request, f"lane-{lane}")
        except BudgetSpent as stop:  # the call that could cross a cap was not made; the step is spent (a resumed
            spent, halted, wasted = charge(spent, stop.usage), stop.reason, 1  # run asks afresh, at the next step)
            break
        finally:
            phases["model"] += time.perf_counter() - started
        if proposal is None or not proposal.diff.strip():  # nothing to offer; what looking cost is still spent
            spent = charge(spent, proposal.usage) if proposal else spent
            halted = f"the model ({ctx.model.name}) has no more proposals" + (
                f": {proposal.rationale}" if proposal and proposal.rationale else "")
            break
        attempt_id = f"attempt-{step}"
        spent = charge(spent, proposal.usage)
        attempts[attempt_id] = {"id": attempt_id, "step": step, "lane": f"lane-{lane}", "source": proposal.source,
                                "rationale": proposal.rationale, "diff": proposal.diff,
                                "usage": proposal.usage.model_dump(), "status": "proposed"}
    if not attempts:
        reason = halted or f"the model ({ctx.model.name}) has no more proposals"
        return {"current": None, "batch": [], "stop_reason": reason, "spent": spent, "phases": phases,
                "steps": steps + wasted, "note": f"no proposal: {reason}"}
    batch = list(attempts)
    for attempt, allowed in zip(attempts.values(), reserve({**state, "spent": spent}, len(batch))):
        attempt["test_runs_allowed"] = allowed  # before the fan-out: its trials run at once, on this state
    note = "; ".join(f"{a['id']}: {a['source'] or a['rationale']}" for a in attempts.values())
    return {"steps": steps + len(batch) + wasted, "current": batch[0], "batch": batch, "spent": spent,
            "attempts": attempts,
            "stop_reason": halted, "phases": phases,
            "note": note + (f" (side by side in {len(batch)} sandboxes)" if len(batch) > 1 else "")}


def model_request(ctx: RunContext, state: LoopState, step: int, task: str,
                  history: list[AttemptSummary], lanes: int = 1) -> ModelRequest:
    """What the model gets for one step, with every secret masked (no secret reaches a prompt); its allowance
    keeps a judged test run for each of the `lanes` candidates of the batch so far (this one included)."""
    reproduction = state.get("reproduction") or {}
    request = ModelRequest(step=step, ticket=Ticket(**state["ticket"]), targets=state.get("targets", []),
                           repo=str(base_workspace(ctx).path), base_commit=state["base_commit"],
                           protected_paths=guarded_paths(ctx, state), attempts=history, task=task,
                           repro_dir=ctx.config.test.repro_dir, reproduction=reproduction.get("diff", ""),
                           target_messages=state.get("base", {}).get("messages", {}),
                           allowance=allowance(state, lanes=lanes))
    return ModelRequest.model_validate(redact(request.model_dump(mode="json")))


def guarded_paths(ctx: RunContext, state: LoopState) -> list[str]:
    """Globs of every path a proposal may not touch, for the model to steer clear of: the protected paths, the
    test runner's own inputs, and the files that held a test at base."""
    return [*ctx.config.test.protected_paths, *guard.RUNNER_INPUTS,
            *guard.test_files(state.get("base", {}).get("outcomes", {}))]


def ask(ctx: RunContext, state: LoopState, request: ModelRequest, lane: str) -> Proposal | None:
    """One step of the model, once per run (a resumed run reads the proposal back), journaled: the request in
    full, and a line in calls.jsonl (a step a resume repeated would show there twice). A model that works with
    tools gets the bench of the lane its proposal will be tested in."""

    def step() -> Proposal | None:
        journal = ctx.run_dir / "requests"
        journal.mkdir(parents=True, exist_ok=True)
        (journal / f"step-{request.step}.json").write_text(request.model_dump_json(indent=2), encoding="utf-8")
        bench = None
        if getattr(ctx.model, "uses_bench", False):
            from greenloop.graph.bench import LaneBench

            bench = LaneBench(ctx, state, lane, request.step, (state.get("reproduction") or {}).get("diff", ""),
                              request.allowance)  # the bench holds the model to its test runs and time
        proposal = ctx.model.propose(request, bench)
        with (journal / "calls.jsonl").open("a", encoding="utf-8") as calls:
            calls.write(json.dumps({"step": request.step, "model": ctx.model.name, "at": round(time.time(), 3),
                                    "source": proposal.source if proposal else None}) + "\n")
        return proposal

    return ctx.remember(f"proposal-{request.step}", step, Proposal)


@timed
def deploy(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Refuse a diff that touches protected paths or does not apply; else bring up base + diff in a sandbox."""
    ctx = runtime.context
    attempt = dict(state["attempts"][state["current"]])
    base = base_workspace(ctx)
    try:
        if not attempt["diff"].strip():
            raise PatchError("the proposal is an empty diff")
        numstat = base.numstat(attempt["diff"])
    except PatchError as error:
        return refuse(attempt, "does_not_apply", error.problem)
    earlier = [a for a in state.get("attempts", {}).values() if a["step"] < attempt["step"]]  # not its batch-mates
    twin = duplicate_of(attempt["diff"], earlier)
    if twin:
        return refuse(attempt, "duplicate", f"the same change as {twin}, which was already tried")
    attempt["diffstat"] = [list(row) for row in numstat]
    reproduction = state.get("reproduction")
    if not verdict.keeps_reproduction(attempt["diff"], reproduction):
        return refuse(attempt, "refused", f"changes or drops the reproduction test of {reproduction['id']}, which "
                                          "every fix must keep as it is")
    try:
        tree = base.tree_with(attempt["diff"])
    except PatchError as error:
        return refuse(attempt, "does_not_apply", error.problem)
    twin = next((a["id"] for a in earlier if a.get("tree") == tree), None)
    if twin:  # written differently, same files: never deployed twice
        return refuse(attempt, "duplicate", f"the same files as {twin}, which was already tried")
    touched = base.files_changed(tree)  # from git, over the very tree that will be built and tested
    kept = set(verdict.reproduction_paths(reproduction))  # protected, but accepted (and unchanged, just checked)
    why = guard.refusal(touched, protected=ctx.config.test.protected_paths,
                        base_tests=guard.test_files(state["base"]["outcomes"]), kept=kept,
                        allow_runner_imports=ctx.config.test.allow_runner_imports, read=base.file_at,
                        base=state["base_commit"], tree=tree,
                        doctests=guard.doctest_modules(state["base"]["outcomes"]))
    if why:
        return refuse(attempt, "refused", why)
    if kept and set(touched) <= kept:
        return refuse(attempt, "refused", "changes nothing but the reproduction test")
    attempt["tree"] = tree
    phases: dict[str, float] = {}
    try:
        live = bring_up(ctx, attempt, state, phases)
    except (SetupError, ServiceStartError) as error:  # the patch broke start-up: what the model must hear next
        return failed_to_start(ctx, attempt, error, phases)
    attempt.update(status="deployed", endpoints=live.sandbox.endpoints(), deployed_at=live.deployed_at,
                   sandbox=live.sandbox.id, forks=getattr(live.sandbox, "forks", None))
    if attempt["forks"] is not None:  # a sandbox on the shared baseline
        shared = "every service forked" if set(attempt["forks"]) >= set(attempt["endpoints"]) else "the rest shared"
        services = f"forks {', '.join(attempt['forks']) or 'none'} in {attempt['sandbox']}, {shared}"
    else:
        services = ", ".join(f"{name} {url}" for name, url in attempt["endpoints"].items()) or "no services"
    return {"attempts": {attempt["id"]: attempt}, "phases": phases, "note": f"{attempt['id']} up: {services}"}


@timed
def test(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Run the whole suite against the sandbox and judge the attempt by the verdict contract."""
    ctx = runtime.context
    attempt = dict(state["attempts"][state["current"]])
    phases: dict[str, float] = {}

    base = state["base"]["outcomes"]
    key, lane = attempt["id"], attempt["lane"]
    reports = ctx.run_dir / "reports"

    def live() -> Live:
        current = ctx.live.get(lane)
        if current is None or current.attempt != key:  # after a resume: the same tree again, freshly started
            attempt["deployed_at"] = bring_up(ctx, attempt, state, phases).deployed_at
        return ctx.live[lane]

    def first_run() -> dict[str, Any]:
        started = time.time()
        report = ctx.runner.run(live().workspace, live().sandbox.env(), reports, key, seconds_left(state))
        phases["tests"] = report.duration
        return {"report": report.model_dump(mode="json"), "drift": live().workspace.drift(),  # ran = published?
                "tree": live().workspace.tree(), "flows": flow_summary(ctx.provider.flows(lane, started))}

    def rerun(suspects: list[str]) -> dict[str, str]:
        again = ctx.runner.run(live().workspace, live().sandbox.env(), reports, f"{key}-rerun", seconds_left(state),
                               selection=suspects)
        phases["tests"] = phases.get("tests", 0.0) + again.duration
        return {t: again.results[t].outcome for t in suspects if t in again.results}

    def settle(suspects: list[str]) -> tuple[dict[str, str], str | None]:
        """The suspects' rerun outcomes, or why they had none: a rerun starts only with a test run reserved for
        it and time left (`rerun_refused`); without, they stay failed. A rerun a killed run made is read back."""
        if not suspects:
            return {}, None
        held = rerun_refused(state, attempt) if ctx.recall(f"rerun-{key}") is None else None
        if held:
            return {}, held
        try:
            return ctx.remember(f"rerun-{key}", lambda: rerun(suspects)), None
        except OutOfBudget as stop:  # the last instant ran out since the check: refused before it started
            return {}, stop.problem

    try:
        ran = ctx.remember(f"report-{key}", first_run)
        report, drift = TestReport.model_validate(ran["report"]), ran["drift"]
        first = {t: r.outcome for t, r in report.results.items()}
        suspects = verdict.rerun_candidates(state["targets"], base, first)  # believed only if they fail twice
        again, held = settle(suspects)
    except (SetupError, ServiceStartError) as error:
        return failed_to_start(ctx, attempt, error, phases)
    except OutOfBudget as stop:  # the wall time ran out after deploy: nothing judged the attempt, the run ends
        attempt.update(status="untested", outcome="untested", refusal=stop.problem)
        return {"attempts": {key: attempt}, "stop_reason": stop.problem, "phases": phases,
                "note": f"{key} not tested: {stop.problem}"}
    after, flaky = verdict.settle_flakes(first, again)
    untrusted = verdict.untrusted_run(attempt["tree"], ran.get("tree", attempt["tree"]), drift, state["base"], report)
    fixed = verdict.is_fixed(state["targets"], after, base) and not untrusted
    if fixed:
        ctx.won.set()
    if untrusted:
        attempt["refusal"] = untrusted
    failing = sorted(t for t, outcome in after.items() if outcome in verdict.FAILED)
    attempt.update(status="tested", outcome="fixed" if fixed else "not_fixed", outcomes=after, failing=failing,
                   test_runs=1 + bool(suspects and not held),
                   flaky=flaky, regressions=verdict.regressions(base, after), messages=messages(report, failing),
                   report=report_summary(report), flows=ran.get("flows", []), finished_at=time.time())
    still = [t for t in state["targets"] if not verdict.passed(t, after)]
    unsettled = f" (no rerun of {', '.join(suspects)}: {held})" if held else ""
    note = ("all targets pass, no regressions" + (f" (flaky: {', '.join(flaky)})" if flaky else "")) if fixed else (
        f"{len(still)} target(s) still failing" + (f", {len(attempt['regressions'])} regression(s)"
                                                     if attempt["regressions"] else ""))
    return {"attempts": {attempt["id"]: attempt}, "phases": phases, "note": f"{attempt['id']}: {note}{unsettled}"}


@timed
def read_logs(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The sandbox's log lines since deploy, ranked and cut to budget; the lane's sandbox stays for the next."""
    ctx = runtime.context
    attempt = dict(state["attempts"][state["current"]])
    lines = ctx.provider.logs(attempt["lane"], since=attempt["deployed_at"])  # from disk: also after a resume
    prefix = f"{ctx.run_dir / 'worktrees' / attempt['lane']}/"  # tracebacks name files by worktree path
    lines = [line.model_copy(update={"text": line.text.replace(prefix, "")}) for line in lines]
    attempt["log_lines"] = rank(lines, ctx.config.logs.max_chars, ctx.config.logs.context_lines)
    attempts = [*[a for a in state["attempts"].values() if a["id"] != attempt["id"]], attempt]
    stuck = stuck_reason(attempts, state["targets"], ctx.config.budget.stuck_after)
    note = f"{attempt['id']}: {len(attempt['log_lines'])} of {len(lines)} log lines kept"
    return {"attempts": {attempt["id"]: attempt}, "stuck": stuck, "note": note + (f"; {stuck}" if stuck else "")}


@timed
def publish(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Commit exactly the tested tree on a new branch; the commit message carries the evidence summary."""
    from greenloop.loop.evidence import commit_message
    from greenloop.loop.tickets import slug

    ctx = runtime.context
    attempt = state["attempts"][state["current"]]
    ticket = Ticket(**state["ticket"])
    publication = Publication(repo=state["repo"], base_commit=state["base_commit"], tree=attempt["tree"],
                              branch=ctx.config.publish.branch_prefix + slug(ticket.title),
                              message=commit_message({**state, "verdict": "fixed"}))
    published = ctx.remember("published", lambda: ctx.publisher.publish(publication), Published)
    return {"verdict": "fixed", "published": published.model_dump(), "stop_reason": None,  # (a batch-mate's budget
            # stop does not describe a run whose other candidate passed)
            "note": f"branch {published.branch} at {published.commit[:12]}"}


@timed
def give_up(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """End without a fix, saying why: not reproduced, budget spent, or the model out of ideas."""
    reproduced = verdict.reproduced(state.get("targets", []), state.get("base", {}).get("outcomes", {}))
    reason = state.get("stuck") or state.get("stop_reason") or exhausted(state) or "stopped"
    result = "not_reproduced" if not reproduced else "stuck" if state.get("stuck") else "not_fixed"
    return {"verdict": result, "stop_reason": reason, "note": f"{result}: {reason}"}


def trial(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """One candidate of a side-by-side batch, in its own lane's sandbox: the very deploy, test and read_logs the
    one-at-a-time path runs. Once another candidate has passed, it stops before its next step."""
    ctx = runtime.context
    key = state["current"]
    local: dict[str, Any] = dict(state)
    timings: list[dict[str, Any]] = []
    for step in (deploy, test, read_logs):
        attempt = local["attempts"][key]
        if ctx.won.is_set() and attempt.get("outcome") is None:
            local["attempts"] = {**local["attempts"], key: {**attempt, "status": "skipped", "outcome": "skipped",
                                                             "refusal": "another candidate of its batch passed first"}}
            break
        update = step(local, runtime)  # type: ignore[call-arg]
        timings += update.get("timings", [])
        local["attempts"] = {**local["attempts"], **update.get("attempts", {})}
        attempt = local["attempts"][key]
        if attempt["status"] not in ("deployed", "tested") or attempt.get("outcome") == "fixed":
            break
    return {"attempts": {key: local["attempts"][key]}, "timings": timings}  # only merging channels: trials run at once


@timed
def judge(state: LoopState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """After a batch: the first candidate to pass wins; else the loop goes on from the last, unless it is stuck."""
    ctx = runtime.context
    ctx.won.clear()
    batch = [state["attempts"][key] for key in state["batch"]]
    passed = sorted((a for a in batch if a.get("outcome") == "fixed"), key=lambda a: a["finished_at"])
    stuck = None if passed else stuck_reason(list(state["attempts"].values()), state["targets"],
                                              ctx.config.budget.stuck_after)
    current = passed[0]["id"] if passed else batch[-1]["id"]
    outcomes = ", ".join(f"{a['id']} {a.get('outcome', a['status'])}" for a in batch)
    return {"current": current, "stuck": stuck,
            "note": (f"{current} wins" if passed else "no candidate passed") + f" ({outcomes})"}
