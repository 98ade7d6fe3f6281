"""The bench a tool-using model works on during a step: its lane's worktree, sandbox, test runner and logs.

The model edits the lane's own worktree (at base, plus the accepted reproduction test), and `run_tests`,
`service_logs` and `http_request` go through the very sandbox and runner the graph's deploy and test steps use,
brought to the worktree's change first. The proposal is the worktree's diff when the step ends; the graph still
deploys and judges it on its own, so nothing the model did on the bench can make a verdict.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

from greenloop.adapters.protocols import Allowance, HttpReply, LogLine, TestReport
from greenloop.graph.attempts import clock
from greenloop.graph.budget import seconds_left
from greenloop.graph.state import Live, LoopState, RunContext
from greenloop.loop.errors import (InfraError, OutOfBudget, PatchError, ServiceStartError, SetupError,
                                   UsageError)

HTTP_TIMEOUT = 30.0


class LaneBench:
    """One lane's live resources, lent to the model for one step: the lane its proposal will be tested in. While
    the model works, the lane's sandbox is updated in place (only what changed restarts); the deploy that follows
    takes it down and judges the proposal from a clean slate (`attempts.bring_up`)."""

    def __init__(self, ctx: RunContext, state: LoopState, lane: str, step: int, start_from: str = "",
                 allowance: Allowance | None = None):
        self._ctx, self._state, self._lane, self._step = ctx, state, lane, step
        self._allowance = allowance
        self._setup_done = False
        self._deployed_tree: str | None = None
        self.test_runs = 0
        with ctx.workspace_lock:
            if lane not in ctx.live:
                ctx.live[lane] = Live(ctx.make_workspace(lane, None))
        live = ctx.live[lane]
        live.attempt = None  # whatever it held, it now holds the model's work in progress
        live.workspace.reset()
        try:
            live.workspace.apply(start_from)
        except PatchError as error:
            raise InfraError(f"the reproduction test no longer applies in {lane}: {error.problem}") from None
        self.root = Path(live.workspace.path)
        self.services = [service.name for service in ctx.config.services]

    @property
    def _live(self) -> Live:
        return self._ctx.live[self._lane]

    def record(self, paths: list[str]) -> None:
        self._live.workspace.record(paths)

    def diff(self) -> str:
        return self._live.workspace.diff()

    def run_tests(self, selection: list[str] | None = None, env: dict[str, str] | None = None,
                  timeout: float | None = None) -> TestReport:
        """Refused with `OutOfBudget` before anything starts when the step's test runs are used (the model's
        allowance: what the cap leaves besides the graph's reserved runs) or no wall time is left: whatever the
        model checks itself, the bench holds it to the budget."""
        allowed = self._allowance.test_runs if self._allowance is not None else None
        if allowed is not None and self.test_runs >= allowed:
            raise OutOfBudget(f"test-run budget spent: the {allowed} test run(s) the budget leaves this step are "
                              "used (the graph's own test of each proposal is kept aside)")
        if seconds_left(self._state) <= 0:
            raise OutOfBudget(f"wall-time budget spent: no time left for another test run in step {self._step}")
        self._bring_up()
        self.test_runs += 1
        label = f"step-{self._step}-bench-{self.test_runs}"
        limit = seconds_left(self._state) if timeout is None else min(timeout, seconds_left(self._state))
        return self._ctx.runner.run(self._live.workspace, {**self._live.sandbox.env(), **(env or {})},
                                    self._ctx.run_dir / "reports", label, limit, selection=selection or None)

    def service_logs(self, service: str | None = None, since: float | None = None) -> list[LogLine]:
        if service is not None:
            self._known(service)
        self._bring_up()  # the running system's logs: of the worktree's change as it is now
        lines = self._ctx.provider.logs(self._lane, since=since)
        return [line for line in lines if service is None or line.service == service]

    def http_request(self, service: str, method: str, path: str, body: str | None = None,
                     headers: dict[str, str] | None = None) -> HttpReply:
        """Through the lane sandbox's endpoint for `service`: with forks, its ingress, which adds the routing key."""
        self._known(service)
        self._bring_up()
        url = self._live.sandbox.endpoints()[service] + "/" + path.lstrip("/")
        data = body.encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method.upper(), headers=dict(headers or {}))
        if data is not None and not any(k.lower() == "content-type" for k in request.headers):
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=min(HTTP_TIMEOUT, seconds_left(self._state))) as answer:
                return HttpReply(status=answer.status, headers=dict(answer.headers), body=_text(answer.read()))
        except urllib.error.HTTPError as answer:
            return HttpReply(status=answer.code, headers=dict(answer.headers), body=_text(answer.read()))
        except OSError as error:
            raise InfraError(f"{method.upper()} {path} on {service} failed: {error}") from None

    def _known(self, service: str) -> None:
        if service not in self.services:
            raise UsageError(f"no service {service!r}; services: {', '.join(self.services) or '(none)'}")

    def _bring_up(self) -> None:
        """Setup once per step, then the lane's sandbox started or updated to the worktree's change as it is now.
        A change that breaks start-up leaves no sandbox, and the model reads why."""
        live, ctx = self._live, self._ctx
        if not self._setup_done:
            clock(ctx.setup, live.workspace, seconds_left(self._state))
            self._setup_done = True
        tree = live.workspace.tree()
        try:
            if live.sandbox is None:
                started = time.time()
                live.sandbox = ctx.provider.create(live.workspace, self._lane)
                live.deployed_at = started
            elif tree != self._deployed_tree:
                live.sandbox.update(live.workspace.diff())
        except (SetupError, ServiceStartError):
            if live.sandbox is not None:
                live.sandbox.destroy()
                live.sandbox = None
            self._deployed_tree = None
            raise
        self._deployed_tree = tree


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
