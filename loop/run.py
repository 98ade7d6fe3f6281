"""Run assembly: turn a user's intent (repo, ticket, model, caps) into a checked, running graph and its evidence.

Everything that can be wrong with the input is checked here, before anything is created, so a bad input leaves
nothing behind. Once the run starts, every live resource is torn down in one `finally`, whatever happened.
"""

from __future__ import annotations

import secrets
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenloop.loop.config import CONFIG_FILE, Config, load_config
from greenloop.loop.errors import ConfigError, GreenloopError, InfraError, Interrupted, UsageError

RUNS_DIR = Path(".greenloop") / "runs"
EXIT_CODES = {"fixed": 0, "not_fixed": 1, "not_reproduced": 1, "error": 3}


@dataclass
class RunOptions:
    repo: Path
    ticket_file: str | None = None
    ticket_text: str | None = None
    model: str | None = None
    targets: list[str] = field(default_factory=list)
    max_steps: int | None = None
    max_minutes: float | None = None


@dataclass
class RunResult:
    verdict: str
    run_id: str
    run_dir: Path
    evidence: dict[str, Any]
    error: GreenloopError | None = None

    @property
    def exit_code(self) -> int:
        return self.error.exit_code if self.error else EXIT_CODES[self.verdict]

    def as_json(self) -> dict[str, Any]:
        published = self.evidence.get("published") or {}
        return {"verdict": self.verdict, "run_id": self.run_id, "run_dir": str(self.run_dir),
                "branch": published.get("branch"), "commit": published.get("commit"),
                "steps": self.evidence["budget"]["steps"], "targets": self.evidence["targets"],
                "stop_reason": self.evidence["stop_reason"], "evidence": str(self.run_dir / "evidence.json")}


Progress = Callable[[dict[str, Any]], None]


def run(options: RunOptions, progress: Progress = lambda record: None) -> RunResult:
    """Check the input, run the loop to a verdict, write the evidence; never leaves a process or worktree."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    from greenloop.adapters.processes import adopt_orphans
    from greenloop.adapters.registry import load_model
    from greenloop.adapters.workspaces.git import dirty_files, open_repo
    from greenloop.graph.build import build_graph
    from greenloop.loop.evidence import build_evidence, write_evidence
    from greenloop.loop.redact import redact
    from greenloop.loop.tickets import FileTicketSource, TextTicketSource

    repo_path = _repo_dir(options.repo)
    repo = open_repo(repo_path)
    config, config_path = load_config(repo_path)
    config = _with_caps(config, options)
    _check_programs(config, repo_path)
    ticket = (FileTicketSource().load(options.ticket_file) if options.ticket_file
              else TextTicketSource().load(options.ticket_text or ""))
    spec = options.model or config.model.name
    if not spec:
        raise UsageError("no model given", "pass --model scripted:DIR, or set [model] name in greenloop.toml")
    model = load_model(spec, Path.cwd())
    # greenloop.toml and the ticket are read from the working tree, so their uncommitted edits are used, not lost;
    # pyproject.toml is also the project's own build and test config, so it must be committed like the code.
    read_from_tree = {_relative(Path(options.ticket_file or ""), repo_path)}
    if config_path.name == CONFIG_FILE:
        read_from_tree.add(_relative(config_path, repo_path))
    dirty = dirty_files(repo, ignore=read_from_tree)
    if dirty:
        raise UsageError(
            f"{repo_path} has uncommitted changes in {len(dirty)} tracked file(s): {', '.join(dirty[:8])}"
            + (" …" if len(dirty) > 8 else ""),
            f"greenloop tests the last commit ({repo.head.commit.hexsha[:12]}), so these would be ignored: "
            "commit or stash them, then run again")

    adopt_orphans()  # services' orphaned children come back to us to be reaped, not to a PID 1 that may never
    run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
    run_dir = repo_path / RUNS_DIR / run_id
    try:
        run_dir.mkdir(parents=True)
    except OSError as error:
        raise UsageError(f"cannot create the run folder {run_dir}: {error}",
                         f"greenloop keeps its runs in {repo_path / '.greenloop'}; make that a writable folder") from None
    (repo_path / ".greenloop" / ".gitignore").write_text("*\n")  # the run folder never shows in `git status`
    base_commit = repo.head.commit.hexsha
    context = _context(config, repo_path, run_dir, model, base_commit)
    state = {"run_id": run_id, "repo": str(repo_path), "base_commit": base_commit,
             "ticket": redact(ticket.model_dump()), "requested_targets": options.targets or ticket.named_tests,
             "budget": config.budget.model_dump(), "started_at": time.time(), "steps": 0, "spent": {},
             "attempts": {}, "timings": [], "current": None, "verdict": None, "stop_reason": None,
             "published": None}
    error: GreenloopError | None = None
    with SqliteSaver.from_conn_string(str(run_dir / "checkpoint.sqlite")) as saver:
        graph = build_graph(saver)
        thread = {"configurable": {"thread_id": run_id}}
        try:
            for chunk in graph.stream(state, thread, context=context, stream_mode="updates", durability="sync"):
                for update in chunk.values():
                    for record in (update or {}).get("timings", []):
                        progress(record)
        except GreenloopError as failure:
            error = failure
        except KeyboardInterrupt:
            error = Interrupted("the run was interrupted; its processes and worktrees were removed",
                                f"the run folder {run_dir} keeps what it did so far")
        except Exception as failure:  # a bug or an unexpected outside failure: still tear down, still report
            (run_dir / "error.log").write_text(traceback.format_exc())
            error = InfraError(f"unexpected {type(failure).__name__}: {failure}", f"see {run_dir / 'error.log'}")
        finally:
            with _signals_held():
                context.close()
        final = graph.get_state(thread).values or state
    evidence = build_evidence(final, model=model.name, error=str(error) if error else None)
    write_evidence(evidence, run_dir)
    return RunResult(verdict=evidence["verdict"], run_id=run_id, run_dir=run_dir, evidence=evidence, error=error)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Teardown must finish: a second Ctrl-C or SIGTERM during it is ignored rather than leaving services behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _repo_dir(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"repository folder not found: {path}", "pass the path of a git repository as REPO")
    return path.resolve()


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return ""


def _with_caps(config: Config, options: RunOptions) -> Config:
    caps = {k: v for k, v in (("max_steps", options.max_steps), ("max_minutes", options.max_minutes)) if v is not None}
    if any(v <= 0 for v in caps.values()):
        raise UsageError("--max-steps and --max-minutes must be positive")
    return config.model_copy(update={"budget": config.budget.model_copy(update=caps)})


def _check_programs(config: Config, repo: Path) -> None:
    """Fail before anything starts when a configured command's program does not exist."""
    from greenloop.adapters.environment import child_env
    from greenloop.adapters.runners.command import missing_program

    commands = [("[test] command", config.test.command), ("[setup] command", config.setup.command)]
    commands += [(f"[[services]] {s.name!r} command", s.command) for s in config.services]
    for key, command in commands:
        program = command and missing_program(command, repo, child_env(config.env.allow))
        if program:
            raise ConfigError(f"{key} runs {program!r}, which is not installed or not on PATH: {command}",
                              f"install {program}, or change {key} in greenloop.toml")


def _context(config: Config, repo: Path, run_dir: Path, model: Any, base_commit: str) -> Any:
    from greenloop.adapters.environment import child_env
    from greenloop.adapters.publishers.local import LocalPublisher
    from greenloop.adapters.runners.command import CommandTestRunner
    from greenloop.adapters.sandboxes.local import LocalSandboxProvider
    from greenloop.adapters.workspaces.git import GitWorkspace
    from greenloop.adapters.workspaces.setup import run_setup
    from greenloop.graph.state import RunContext

    env = child_env(config.env.allow)
    return RunContext(
        config=config, repo=repo, run_dir=run_dir, model=model,
        provider=LocalSandboxProvider(config.services, run_dir, base_env=env),
        runner=CommandTestRunner(config.test, base_env=env),
        publisher=LocalPublisher(),
        make_workspace=lambda name: GitWorkspace.create(repo, base_commit, run_dir / "worktrees" / name),
        setup=lambda workspace, seconds: run_setup(config.setup, workspace,
                                                   run_dir / "setup" / f"{workspace.path.name}.log", env, seconds),
    )
