"""Everything that can be wrong with a run's input, checked before anything is created: a bad input leaves
nothing behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenloop.adapters.protocols import Ticket
from greenloop.loop.config import CONFIG_FILE, Config, load_config
from greenloop.loop.errors import ConfigError, UsageError


@dataclass
class RunOptions:
    repo: Path
    ticket_file: str | None = None
    ticket_text: str | None = None
    model: str | None = None
    patch: Path | None = None
    """A change made elsewhere to validate (a diff against HEAD)."""
    branch: str | None = None
    """A branch whose changes against HEAD to validate."""
    targets: list[str] = field(default_factory=list)
    max_steps: int | None = None
    max_minutes: float | None = None
    max_test_runs: int | None = None
    keep: float | None = None
    """`--keep`: seconds the final attempt's sandbox stays up after the run (then its watchdog takes it down)."""
    record: Path | None = None
    """`--record DIR`: a Claude model's exchanges are also kept there, for `--model replay:DIR`."""


@dataclass
class Checked:
    """A run's input, known to be usable."""

    repo: Path
    base_commit: str
    config: Config
    ticket: Ticket
    model_spec: str | None
    """The model behind the run (a scripted folder resolved to an absolute path), None for a given change alone."""
    given: tuple[str, str] | None
    """(diff, source) of a change made elsewhere."""


def check(options: RunOptions) -> Checked:
    """Repo, config, programs, the change or ticket, the model, a clean tree: in that order, each with its fix."""
    from greenloop.adapters.registry import load_model
    from greenloop.adapters.workspaces.changes import patch_from_branch, patch_from_file, title_for
    from greenloop.adapters.workspaces.git import open_repo
    from greenloop.loop.tickets import FileTicketSource, TextTicketSource

    repo_path = repo_dir(options.repo)
    repo = open_repo(repo_path)
    config, config_path = load_config(repo_path)
    config = with_caps(config, options.max_steps, options.max_minutes, options.max_test_runs)
    _check_programs(config, repo_path)
    if options.patch and options.branch:
        raise UsageError("--patch and --branch both given", "validate one change at a time")
    given = (patch_from_file(options.patch) if options.patch
             else patch_from_branch(repo_path, options.branch) if options.branch else None)
    if options.ticket_file:
        ticket = FileTicketSource().load(options.ticket_file)
    elif options.ticket_text is not None or given is None:
        ticket = TextTicketSource().load(options.ticket_text or "")
    else:
        ticket = Ticket(title=title_for(given[1]), body=title_for(given[1]), source=given[1])
    spec = options.model or (config.model.name or "offline" if given is None else None)
    model_spec = load_model(spec, Path.cwd(), config).name if spec else None  # a bad spec or a missing key: now
    if options.record and not (model_spec or "").startswith(("anthropic:", "replay:")):
        raise UsageError("--record keeps a Claude model's exchanges, and this run has none",
                         "use it with --model anthropic:<model-id>")
    if options.record and options.record.exists() and any(options.record.iterdir()):
        raise UsageError(f"--record {options.record}: the folder is not empty (a recording mixed with another "
                         "would not replay)", "record into a new or empty folder")
    _check_clean(repo, repo_path, config_path, Path(options.ticket_file or ""))
    return Checked(repo=repo_path, base_commit=repo.head.commit.hexsha, config=config, ticket=ticket,
                   model_spec=model_spec, given=given)


def check_repo(path: Path) -> tuple[Path, str, Config]:
    """Repo, config, programs and a clean tree, as `check` checks them, for commands that start the services of
    HEAD without a ticket (`greenloop baseline up`): (the repository's top level, HEAD's commit, the config)."""
    from greenloop.adapters.workspaces.git import open_repo

    repo_path = repo_dir(path)
    repo = open_repo(repo_path)
    config, config_path = load_config(repo_path)
    _check_programs(config, repo_path)
    _check_clean(repo, repo_path, config_path)
    return repo_path, repo.head.commit.hexsha, config


def _check_clean(repo: Any, repo_path: Path, config_path: Path, ticket_file: Path = Path("")) -> None:
    """greenloop.toml and the ticket are read from the working tree, so their uncommitted edits are used, not lost;
    pyproject.toml is also the project's own build and test config, so it must be committed like the code."""
    from greenloop.adapters.workspaces.git import dirty_files

    read_from_tree = {_relative(ticket_file, repo_path)}
    if config_path.name == CONFIG_FILE:
        read_from_tree.add(_relative(config_path, repo_path))
    dirty = dirty_files(repo, ignore=read_from_tree)
    if dirty:
        raise UsageError(
            f"{repo_path} has uncommitted changes in {len(dirty)} tracked file(s): {', '.join(dirty[:8])}"
            + (" …" if len(dirty) > 8 else ""),
            f"greenloop tests the last commit ({repo.head.commit.hexsha[:12]}), so these would be ignored: "
            "commit or stash them, then run again")


def with_caps(config: Config, max_steps: int | None, max_minutes: float | None,
              max_test_runs: int | None = None) -> Config:
    caps: dict[str, Any] = {k: v for k, v in (("max_steps", max_steps), ("max_minutes", max_minutes),
                                              ("max_test_runs", max_test_runs)) if v is not None}
    if any(v <= 0 for v in caps.values()):
        raise UsageError("--max-steps, --max-minutes and --max-test-runs must be positive")
    return config.model_copy(update={"budget": config.budget.model_copy(update=caps)})


def repo_dir(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"repository folder not found: {path}", "pass the path of a git repository as REPO")
    return path.resolve()


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return ""


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
    if config.test.warm is True:
        _check_warm(config.test.command, repo, child_env(config.env.allow))


def _check_warm(command: str, repo: Path, env: dict[str, str]) -> None:
    """`[test] warm = true` needs a plain pytest command whose Python can be told before any run."""
    from greenloop.adapters.runners.plain_pytest import parse, resolve

    call = parse(command)
    why = call if isinstance(call, str) else resolve(call, str(repo), {**env, **call.assignments})
    if isinstance(why, str):
        raise ConfigError(f"[test] warm = true, but [test] command cannot run warm: {why}: {command}",
                          "make it a plain `python -m pytest …` or `pytest …` (no shell syntax), "
                          "or set warm = \"auto\" (runs it cold) in [test] of greenloop.toml")
