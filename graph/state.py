"""The graph's checkpointed state (plain JSON) and its runtime context (live handles, never checkpointed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
import operator
from typing import Annotated, Any, TypedDict

from greenloop.adapters.protocols import Model, Publisher, Sandbox, SandboxProvider, TestRunner, Workspace
from greenloop.loop.config import Config


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
    steps: int
    spent: dict[str, float]
    timings: Annotated[list[dict[str, Any]], operator.add]
    verdict: str | None
    stop_reason: str | None
    published: dict[str, Any] | None


@dataclass
class Live:
    """One attempt's running resources."""

    workspace: Workspace
    sandbox: Sandbox | None = None
    deployed_at: float = 0.0


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
    make_workspace: Callable[[str], Workspace]
    """A fresh worktree at the base commit, named for an attempt."""
    setup: Callable[[Workspace, float], None]
    """Runs the `[setup]` step in a workspace, for at most the given seconds."""
    live: dict[str, Live] = field(default_factory=dict)

    def release(self, key: str) -> None:
        """Tear down one attempt's sandbox and workspace; safe to call twice."""
        live = self.live.pop(key, None)
        if live is None:
            return
        try:
            if live.sandbox is not None:
                live.sandbox.destroy()
        finally:
            live.workspace.destroy()

    def close(self) -> None:
        """Tear down everything still live, then the provider."""
        try:
            for key in list(self.live):
                self.release(key)
        finally:
            self.provider.close()
