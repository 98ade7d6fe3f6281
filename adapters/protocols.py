"""Every seam between greenloop's loop and the outside world, in one read.

The graph talks only to these Protocols; backends live beside them (`models/`, `workspaces/`, `sandboxes/`,
`runners/`, `publishers/`) and are resolved by name in `registry.py`, so importing greenloop stays cheap.
The data that crosses a seam is a pydantic model that dumps to plain JSON, because it ends up in the
checkpointed graph state and in the evidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

Outcome = Literal["passed", "failed", "error", "skipped"]


class Ticket(BaseModel):
    """What the user wants fixed, whatever it came from."""

    title: str
    body: str
    source: str
    """Where it came from: a file path, `text`, a URL."""
    named_tests: list[str] = Field(default_factory=list)
    """Test ids the ticket names (for example `tests/test_api.py::test_trip`); they become the targets."""


class TestResult(BaseModel):
    """One test's outcome in one run."""

    __test__ = False  # not a pytest class

    id: str
    outcome: Outcome
    duration: float = 0.0
    message: str = ""
    """The failing assertion or error, trimmed; empty when the test passed."""


class TestReport(BaseModel):
    """One execution of the test command."""

    __test__ = False

    command: str
    exit_code: int
    duration: float
    kind: Literal["junit", "exit-code"]
    """`junit`: per-test outcomes came from JUnit XML; `exit-code`: the whole command is one test."""
    results: dict[str, TestResult] = Field(default_factory=dict)
    output_head: str = ""
    output_tail: str = ""
    junit_path: str | None = None
    loaded: dict[str, list[str]] | None = None
    """What pytest loaded on its own (config files, plugins, plugin distributions; `runners/probe.py`), or None
    when no pytest session reported it."""

    def outcome(self, test_id: str) -> Outcome | None:
        result = self.results.get(test_id)
        return result.outcome if result else None

    def failing(self) -> list[str]:
        return sorted(t for t, r in self.results.items() if r.outcome in ("failed", "error"))



class LogLine(BaseModel):
    """A timestamped line from a service's log."""

    service: str
    time: float
    text: str


class Usage(BaseModel):
    """What a proposal cost; summed into the run's budget."""

    input_tokens: int = 0
    """Prompt tokens read without the cache."""
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    dollars: float = 0.0
    calls: int = 0
    """Model calls made (or replayed from the journal)."""
    tool_calls: int = 0
    test_runs: int = 0
    """Test executions the model asked for while it worked (the graph's own test step counts apart)."""

    @property
    def tokens(self) -> int:
        """Every token the calls processed: what a token cap counts."""
        return self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{name: getattr(self, name) + getattr(other, name) for name in Usage.model_fields})


class Allowance(BaseModel):
    """What the run's budget still allows when a step starts; a model checks each call and each test run against
    it *before* making it. None: no cap."""

    tokens: int | None = None
    dollars: float | None = None
    seconds: float = 3600.0
    test_runs: int | None = None


class BudgetSpent(Exception):
    """Raised by a model whose next call or test run could cross a cap: the work is not done, and the run ends with
    what the step spent so far."""

    def __init__(self, reason: str, usage: Usage):
        super().__init__(reason)
        self.reason = reason
        self.usage = usage


class AttemptSummary(BaseModel):
    """An earlier attempt as the model sees it, so it does not repeat itself."""

    id: str
    diff: str
    outcome: str
    """`refused`, `not_fixed`, `does_not_apply`…"""
    failing: list[str] = Field(default_factory=list)
    messages: dict[str, str] = Field(default_factory=dict)
    """Failing test id → its assertion message."""
    log_lines: list[str] = Field(default_factory=list)
    refusal: str | None = None


class ModelRequest(BaseModel):
    """Everything a model gets to propose the next diff."""

    step: int
    ticket: Ticket
    targets: list[str]
    repo: str
    """A read-only checkout of the base commit the model may read."""
    base_commit: str
    protected_paths: list[str]
    attempts: list[AttemptSummary] = Field(default_factory=list)
    task: Literal["fix", "reproduce"] = "fix"
    """`reproduce`: nothing fails at base and the ticket names no test, so the job is a new failing test under
    `repro_dir` that shows the problem (greenloop checks that it fails at base, then makes it the target)."""
    repro_dir: str = "tests/repro/"
    reproduction: str = ""
    """The accepted reproduction test, as a diff against base: every fix is tested with it, and must keep it."""
    target_messages: dict[str, str] = Field(default_factory=dict)
    """Each target's failure at base (assertion message, trimmed)."""
    allowance: Allowance = Field(default_factory=Allowance)


class Proposal(BaseModel):
    """A whole unified diff against the base commit (never against an earlier attempt)."""

    diff: str
    rationale: str = ""
    usage: Usage = Field(default_factory=Usage)
    source: str = ""
    """What produced it, for the evidence (a file name, a model id)."""


class HttpReply(BaseModel):
    status: int
    headers: dict[str, str] = Field(default_factory=dict)
    body: str = ""


@runtime_checkable
class Bench(Protocol):
    """The live attempt a model may work in during a step: a worktree of its own (at base, plus the reproduction if
    there is one), and the very test runner, sandbox and logs the graph uses. The graph still judges the proposal
    on its own; what happens on the bench only informs the model."""

    root: Path
    services: list[str]

    def record(self, paths: list[str]) -> None:
        """Take edits made to these files in the worktree into the workspace's change."""

    def run_tests(self, selection: list[str] | None = None, env: dict[str, str] | None = None,
                  timeout: float | None = None) -> TestReport:
        """The sandbox brought to the worktree's change, then the test command (only `selection`, where the runner
        can; with `env` added, e.g. to record coverage), for at most `timeout` seconds and the run's wall time left;
        raises `SetupError`/`ServiceStartError` when the change does not start. (Counting runs against the budget
        is the model's job: it knows its allowance.)"""

    def service_logs(self, service: str | None = None, since: float | None = None) -> list[LogLine]: ...

    def http_request(self, service: str, method: str, path: str, body: str | None = None,
                     headers: dict[str, str] | None = None) -> HttpReply:
        """A request to a service of this sandbox, routed to its forks (the routing key is added)."""

    def diff(self) -> str:
        """The worktree's change against base: what the step proposes."""


@runtime_checkable
class Model(Protocol):
    name: str

    def propose(self, request: ModelRequest, bench: Bench | None = None) -> Proposal | None:
        """The next diff to try, or None when the model has nothing more to offer. A model that works with tools
        edits and tests on `bench` (given for every step); a model that only writes diffs ignores it."""


@runtime_checkable
class Workspace(Protocol):
    """A git worktree of the repository at the base commit, plus at most one applied diff."""

    path: Path
    base_commit: str

    def apply(self, diff: str) -> None:
        """Apply a whole diff against base; raises `PatchError` when it does not apply."""

    def diff(self) -> str:
        """The workspace's tracked changes against base, as a unified diff."""

    def record(self, paths: list[str]) -> None:
        """Take edits made in the working tree to these paths into the workspace's change (`diff`, `tree`)."""

    def tree(self) -> str:
        """The git tree hash of base + the applied diff (what gets tested and published)."""

    def tree_with(self, diff: str) -> str:
        """The tree base + `diff` would have, without touching the workspace; raises `PatchError` if it does
        not apply."""

    def drift(self) -> list[str]:
        """Files that no longer match `tree()`: tracked files changed, untracked files added (by setup, services,
        tests or a model's tools), bytecode aside."""

    def numstat(self, diff: str) -> list[tuple[str, int, int]]:
        """(path, added, deleted) for each path a diff would touch, without applying it."""

    def reset(self, keep_ignored: bool = True) -> None:
        """Back to the base commit, ready for the next diff; `keep_ignored=False` also removes git-ignored files."""

    def changed_since(self, tree: str) -> list[str]:
        """Paths that differ between `tree` and the workspace now (which services a new diff changed)."""

    def files_changed(self, tree: str) -> dict[str, str]:
        """Every path that differs between the base commit and `tree` (both sides of renames, deletions), with its
        git mode in `tree` (`120000` a symlink, `160000` a submodule, `000000` gone)."""

    def file_at(self, rev: str, path: str) -> str | None:
        """The text of `path` in a commit or tree, or None where it has none."""

    def destroy(self) -> None: ...


@runtime_checkable
class Sandbox(Protocol):
    """A workspace's services, running."""

    id: str

    def env(self) -> dict[str, str]:
        """Variables that point tests at this sandbox's services (URLs; with forks, the routing key too)."""

    def endpoints(self) -> dict[str, str]:
        """Service name → base URL."""

    def logs(self, since: float | None = None) -> list[LogLine]:
        """Log lines of every service, oldest first, optionally since an epoch time."""

    def update(self, diff: str) -> None:
        """Bring the same sandbox to base + `diff` (the next attempt), restarting only what the change touches;
        raises `ServiceStartError` like `create`."""

    def destroy(self) -> None: ...


@runtime_checkable
class SandboxProvider(Protocol):
    def create(self, workspace: Workspace, name: str) -> Sandbox:
        """Start the workspace's services; raises `ServiceStartError` naming the service that did not come up."""

    def logs(self, name: str, since: float | None = None) -> list[LogLine]:
        """The log lines of sandbox `name`, live or not (they are kept on disk)."""

    def flows(self, name: str, since: float | None = None) -> list[dict[str, Any]]:
        """The requests sandbox `name`'s traffic capture recorded (empty without capture)."""

    def close(self) -> None:
        """Tear down everything this provider started (idempotent)."""


@runtime_checkable
class TestRunner(Protocol):
    def run(self, workspace: Workspace, env: dict[str, str], report_dir: Path, label: str,
            timeout: float | None = None, *, selection: list[str] | None = None) -> TestReport:
        """Run the test command in the workspace with the sandbox's environment, for at most `timeout` seconds
        (and never longer than the configured test timeout). With a `selection` of test ids, run only those
        where the runner can (to rerun suspected flakes); where it cannot, the whole command runs."""

    def close(self) -> None:
        """Stop whatever the runner keeps running between test runs (a warm server); safe to call twice."""


class Publication(BaseModel):
    """A validated fix ready to leave the run."""

    repo: str
    base_commit: str
    tree: str
    """Exactly the tree that was tested."""
    branch: str
    """The branch wanted; a publisher adds a suffix rather than overwrite an existing branch."""
    message: str
    """Commit message: the evidence summary."""


class Published(BaseModel):
    branch: str
    commit: str
    url: str | None = None


@runtime_checkable
class Publisher(Protocol):
    def publish(self, publication: Publication) -> Published: ...


@runtime_checkable
class TicketSource(Protocol):
    def load(self, ref: str) -> Ticket: ...
