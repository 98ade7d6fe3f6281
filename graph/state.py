"""The graph's checkpointed state (plain JSON) and its runtime context (live handles, never checkpointed)."""

from __future__ import annotations

import json
import operator
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypedDict

from pydantic import BaseModel

from greenloop.adapters.protocols import Model, Publisher, Sandbox, SandboxProvider, TestRunner, Workspace
from greenloop.loop.config import Config
from greenloop.loop.files import write_atomic


def merge(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Attempts are kept by id: a node's update replaces or adds whole attempt records."""
    return {**left, **right}


class LoopState(TypedDict, total=False):
    run_id: str
    repo: str
    base_commit: str
    ticket: dict[str, Any]
    requested_targets: list[str]
    """Targets named by --target or the ticket; empty means: what fails at base."""
    budget: dict[str, Any]
    """The caps (max_steps, max_minutes, max_tokens, max_dollars), copied from config at start."""
    started_at: float
    base: dict[str, Any]
    """The tests at base: outcomes, failing, the report summary."""
    targets: list[str]
    attempts: Annotated[dict[str, dict[str, Any]], merge]
    current: str | None
    """The attempt the loop goes on from: the one just proposed, or the winner of a batch."""
    batch: list[str]
    """The attempts proposed together in the last generate/patch: tested side by side when more than one."""
    steps: int
    spent: dict[str, float]
    timings: Annotated[list[dict[str, Any]], operator.add]
    verdict: str | None
    stop_reason: str | None
    stuck: str | None
    """Why the loop is stuck (the same failure after several different proposals), once it is."""
    published: dict[str, Any] | None
    reproducing: bool
    """Nothing fails at base and the ticket names no test, and the model can write a reproduction test: it must
    first, and `reproduce` checks each one at base."""
    reproductions: Annotated[list[dict[str, Any]], operator.add]
    """Each reproduction test the model wrote, accepted or rejected, and why."""
    reproduction: dict[str, Any] | None
    """The accepted one (id, diff, tests): every attempt is tested with it and must keep it."""


@dataclass
class Live:
    """One lane's running resources: a workspace and its sandbox, updated in place for each attempt on the lane."""

    workspace: Workspace
    sandbox: Sandbox | None = None
    deployed_at: float = 0.0
    attempt: str | None = None
    """The attempt the workspace and sandbox hold now."""


@dataclass
class RunContext:
    """What nodes need that cannot be checkpointed: components and live resources."""

    config: Config
    repo: Path
    run_dir: Path
    model: Model
    provider: SandboxProvider
    runner: TestRunner
    publisher: Publisher
    make_workspace: Callable[[str, str | None], Workspace]
    """A worktree at the base commit named for an attempt: fresh, or the existing one if its tree is the given
    one (a node re-run after a kill reuses what its first run made)."""
    setup: Callable[[Workspace, float], None]
    """Runs the `[setup]` step in a workspace, for at most the given seconds."""
    live: dict[str, Live] = field(default_factory=dict)
    """By lane (`base`, `lane-1`, …)."""
    kept: set[str] = field(default_factory=set)
    """Lanes handed over with `--keep`: their workspace outlives the run."""
    won: threading.Event = field(default_factory=threading.Event)
    """Set once a candidate of a fan-out passes: the others stop before their next step."""
    workspace_lock: threading.Lock = field(default_factory=threading.Lock)
    """`git worktree add` for parallel lanes, one at a time."""

    def remember(self, key: str, compute: Callable[[], Any], kind: type[BaseModel] | None = None) -> Any:
        """`compute()` once per run: its result is kept in the run folder, and a re-run (after a kill) reads it
        back instead of doing the work again — no second model call, test run or branch."""
        path = self._memo(key)
        if path.is_file():  # (not `recall`: a kept None must still count as done)
            data = json.loads(path.read_text(encoding="utf-8"))
            return kind.model_validate(data) if kind is not None and data is not None else data
        value = compute()
        self.store(key, value)
        return value

    def store(self, key: str, value: Any) -> None:
        """Keep `value` (plain JSON or a pydantic model) under `key`, replacing what was there."""
        plain = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        write_atomic(self._memo(key), json.dumps(plain))

    def recall(self, key: str) -> Any:
        """What `remember` kept under `key`, or None."""
        path = self._memo(key)
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def _memo(self, key: str) -> Path:
        return self.run_dir / "memo" / f"{key}.json"

    def release(self, lane: str) -> None:
        """Tear down one lane's sandbox and workspace; safe to call twice. A kept lane stays."""
        if lane in self.kept:
            return
        live = self.live.pop(lane, None)
        if live is None:
            return
        try:
            if live.sandbox is not None:
                live.sandbox.destroy()
        finally:
            live.workspace.destroy()

    def close(self) -> None:
        """Tear down everything still live, then the provider and the test runner."""
        try:
            for key in list(self.live):
                self.release(key)
        finally:
            try:
                self.provider.close()
            finally:
                self.runner.close()
