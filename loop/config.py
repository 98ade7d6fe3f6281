"""greenloop.toml: one pydantic model per component, loaded with errors that name the file, the key and the fix."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from greenloop.adapters.models.prices import Price
from greenloop.loop.errors import ConfigError

CONFIG_FILE = "greenloop.toml"

DEFAULT_PROTECTED_PATHS = [
    "**/tests/**",
    "**/test/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    ".github/**",
    "noxfile.py",
    "greenloop.toml",
]
"""Test code wherever it lives, CI and greenloop's own config. The test runner's own inputs (its config files,
packaging metadata, start-up hooks) are refused on top of these, whatever this list says (`graph/guard.py`)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SetupConfig(_Section):
    command: str | None = None
    """Run once per workspace, from its root, before services start and tests run."""
    timeout: float = 600
    """Seconds before the setup command counts as failed."""


class TestConfig(_Section):
    __test__ = False

    command: str = "python -m pytest -q"
    """The test command, run from the workspace root with the sandbox's environment."""
    known_failures: list[str] = Field(default_factory=list)
    """Tests that fail at base for reasons outside the ticket; never targets."""
    protected_paths: list[str] = Field(default_factory=lambda: list(DEFAULT_PROTECTED_PATHS))
    """gitignore-style globs a proposal may not touch (the test-tamper guard); files that held a test at base and
    the test runner's own inputs are refused too, whatever this says."""
    allow_runner_imports: bool = False
    """Let code under test import pytest, _pytest or pluggy, or define `pytest_*` hooks, in a proposal: only for a
    repository that is itself a pytest plugin. Otherwise such a proposal is refused, since that code runs inside
    the judged session and could rewrite its results."""
    timeout: float = 900
    """Seconds before a test run is stopped and counted as an error."""
    per_test_timeout: float | None = Field(None, gt=0)
    """Seconds one pytest test may take (pytest-timeout): a test that hangs (a loop that never ends) then fails on
    its own with a traceback, instead of the whole run being stopped with no results."""
    warm: bool | Literal["auto"] = "auto"
    """Run pytest in a fork of a server that has already imported pytest and its plugins, so a test run skips most
    of a second of imports. `auto`: when the command is a plain pytest invocation (`[VAR=value ...] python -m pytest
    ...` or `pytest ...`, no shell syntax), else cold; `true`: the same, but a command that is not one is a config
    error; `false`: every run is a fresh `/bin/sh -c command`."""
    format: Literal["auto", "junit", "exit-code"] = "auto"
    """`auto`: JUnit XML when the command runs pytest, otherwise the exit code is the one outcome."""
    repro_dir: str = "tests/repro/"
    """Where a model may add new test files (`test_*.py`), though tests are protected: its reproduction of a
    ticket nothing fails for, or a regression test that comes with a fix. Existing files there stay protected."""

    @field_validator("repro_dir")
    @classmethod
    def _folder(cls, value: str) -> str:
        value = value.strip().strip("/")
        if not value or value.startswith("..") or "/../" in f"/{value}/":
            raise ValueError("must be a folder inside the repository, e.g. tests/repro/")
        return value + "/"


class HealthCheck(_Section):
    http: str | None = None
    """Path that must answer 2xx to a GET, e.g. `/healthz`."""
    tcp: bool = False
    """Ready when the port accepts a TCP connection."""
    command: str | None = None
    """Ready when this command exits 0 (run with the service's environment)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> HealthCheck:
        if sum([self.http is not None, self.tcp, self.command is not None]) != 1:
            raise ValueError("give exactly one of http, tcp, command (or a string: '/path' or 'tcp')")
        return self


class ServiceConfig(_Section):
    name: str
    command: str
    """Start command, run from the workspace root (or `cwd`)."""
    port_env: str = "PORT"
    """greenloop picks a free port and passes it in this variable."""
    health: HealthCheck | None = None
    """`"/healthz"` (HTTP GET), `"tcp"`, or a table {http=, tcp=, command=}; none means ready once started."""
    paths: list[str] = Field(default_factory=list)
    """Files that belong to this service (used to fork only changed services)."""
    url_env: str | None = None
    """Every service and the tests get this service's URL in this variable."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment for this service."""
    cwd: str | None = None
    """Working directory relative to the workspace root."""
    depends_on: list[str] = Field(default_factory=list)
    """Services that must be healthy before this one starts."""
    start_timeout: float = 30
    """Seconds to become healthy before the run fails with the service's last log lines."""
    stateful: bool | None = None
    """`true`: the service keeps state that tests change (in memory, or on disk without a `[[resources]]` entry):
    it is forked in every sandbox, so no sandbox sees another's writes. `false`: its writes (POST, PUT, PATCH,
    DELETE) change no state, so a sandbox's may reach the shared baseline. Unset: a sandbox's write that would reach
    the shared baseline is refused by its routing proxy (403), so the baseline's state never drifts; at base that
    is a config error naming the service."""
    probe: str | None = None
    """A GET path whose handling calls the services in `depends_on`: a sandbox is ready only once a keyed request
    to it reaches every fork behind this service, which proves each hop forwards the routing key."""

    @field_validator("health", mode="before")
    @classmethod
    def _health_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value == "tcp":
                return {"tcp": True}
            if value.startswith("/"):
                return {"http": value}
            raise ValueError(f"{value!r} is not a health check: use '/path' (HTTP GET), 'tcp', or {{command = '...'}}")
        return value


class BudgetConfig(_Section):
    max_steps: int = Field(6, ge=1)
    """Proposals the model may make (refused ones count)."""
    max_minutes: float = Field(30, gt=0)
    """Wall time for the whole run."""
    max_tokens: int | None = Field(None, ge=1)
    """Every token the model's calls process (input, output, cache writes and cache reads), checked before each
    call against that call's worst case."""
    max_dollars: float | None = Field(None, gt=0)
    """Model spend, checked before each call."""
    max_test_runs: int | None = Field(None, ge=1)
    """Test executions, the graph's (the run at base, each attempt's judged run and flake rerun) and the model's
    own (`run_tests`, the offline engine's screenings), each checked before it starts; candidates tested side by
    side each have their judged run reserved before any is asked for."""
    stuck_after: int = Field(3, ge=2)
    """Stop as `stuck` when this many different proposals in a row end with the same failure."""


class ModelConfig(_Section):
    name: str | None = None
    """`offline` (search-based repair, the default), `anthropic:<model-id>` (Claude with tools), `replay:DIR` (a
    recorded run), `scripted:DIR` (DIR's diff files); overridden by --model."""
    screenings: int = Field(200, ge=1)
    """`offline`: test runs one step may spend screening candidate patches (within [budget] max_test_runs)."""
    max_rounds: int = Field(30, ge=1)
    """Tool-use rounds (model calls) per step; the step's proposal is the worktree's diff when they run out."""
    max_output_tokens: int = Field(8192, ge=1024)
    """Output cap of one call (lowered further when the token or dollar budget has less room)."""
    base_url: str | None = None
    """The Messages API's address (a gateway or proxy); default: ANTHROPIC_BASE_URL, else Anthropic's. The key
    comes only from ANTHROPIC_API_KEY, never from this file."""
    retries: int = Field(4, ge=0)
    """Retries of a call that failed with 429, 529, another 5xx or a connection error."""
    retry_initial_wait: float = Field(1.0, gt=0)
    """Seconds before the first retry; doubled (with jitter) for each further one."""
    retry_max_wait: float = Field(30.0, gt=0)
    """Longest wait between retries, also for a server's retry-after."""
    call_timeout: float = Field(300.0, gt=0)
    """Seconds one call may take."""
    prices: dict[str, Price] = Field(default_factory=dict)
    """USD per million tokens by model id, for models the packaged table lacks or prices that changed:
    `[model.prices.claude-x] input = 2, output = 10, cache_write_5m = 2.5, cache_write_1h = 4, cache_read = 0.2`."""


class SandboxConfig(_Section):
    provider: Literal["local"] = "local"
    isolation: Literal["fork", "copy"] = "fork"
    """`fork`: one shared baseline of the services at the base commit; a sandbox runs only forks of the services its
    patch touches, and requests carrying its routing key reach them. `copy`: a full copy of every service per
    sandbox (for comparison, or for services that cannot forward the routing key)."""
    width: int = Field(1, ge=1, le=16)
    """Candidate patches tested side by side, each in its own sandbox; the first green one wins."""
    capture: bool = True
    """Record each keyed request and its response (secrets elided) as the sandbox's traffic capture."""


class ResourceConfig(_Section):
    name: str
    create: str
    """Run once per sandbox, from the workspace root; the lines it prints as NAME=VALUE reach the environment of
    `services` (say ORDERS_DB=/path/to/a/copy). It gets GREENLOOP_SANDBOX, GREENLOOP_SANDBOX_DIR (a folder of the
    sandbox's own) and GREENLOOP_ROUTING_KEY."""
    delete: str | None = None
    """Run when the sandbox goes, with the same environment plus the outputs of `create`."""
    services: list[str] = Field(min_length=1)
    """Services that use this resource: they are forked in every sandbox, so a sandbox writes only to its copy."""
    timeout: float = 60


class LogsConfig(_Section):
    max_chars: int = Field(4000, ge=200)
    """Character budget for the log excerpt read after each failed test run."""
    context_lines: int = Field(2, ge=0)
    """Lines kept around each error line."""


class PublishConfig(_Section):
    publisher: Literal["local"] = "local"
    branch_prefix: str = "greenloop/"


class EnvConfig(_Section):
    allow: list[str] = Field(default_factory=list)
    """Names of greenloop's environment variables that services, setup and tests may see, beyond the safe
    defaults (PATH, HOME, locale, temp dirs, virtualenv, CA bundles). Nothing else is passed on."""


class Config(_Section):
    setup: SetupConfig = Field(default_factory=SetupConfig)
    test: TestConfig = Field(default_factory=TestConfig)
    services: list[ServiceConfig] = Field(default_factory=list)
    resources: list[ResourceConfig] = Field(default_factory=list)
    env: EnvConfig = Field(default_factory=EnvConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    logs: LogsConfig = Field(default_factory=LogsConfig)
    publish: PublishConfig = Field(default_factory=PublishConfig)

    @model_validator(mode="after")
    def _services_consistent(self) -> Config:
        names = [s.name for s in self.services]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"service names must be unique; repeated: {', '.join(duplicates)}")
        for service in self.services:
            unknown = [d for d in service.depends_on if d not in names]
            if unknown:
                raise ValueError(f"service {service.name!r} depends_on unknown service(s) {unknown}; known: {names}")
        start_order(self.services)  # raises on a cycle
        for resource in self.resources:
            unknown = [s for s in resource.services if s not in names]
            if unknown:
                raise ValueError(f"resource {resource.name!r} names unknown service(s) {unknown}; known: {names}")
        return self


def start_order(services: list[ServiceConfig]) -> list[ServiceConfig]:
    """Services ordered so each starts after everything it depends on."""
    by_name = {s.name: s for s in services}
    ordered: list[ServiceConfig] = []
    visiting: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if any(s.name == name for s in ordered):
            return
        if name in visiting:
            raise ValueError(f"depends_on has a cycle: {' -> '.join(chain + (name,))}")
        visiting.add(name)
        for dependency in by_name[name].depends_on:
            visit(dependency, chain + (name,))
        ordered.append(by_name[name])

    for service in services:
        visit(service.name, ())
    return ordered


def load_config(repo: Path) -> tuple[Config, Path]:
    """Read greenloop.toml (or [tool.greenloop] in pyproject.toml) from the repository root."""
    path = repo / CONFIG_FILE
    pyproject = repo / "pyproject.toml"
    prefix = ""
    if path.is_file():
        raw = _read_toml(path)
    elif pyproject.is_file() and "greenloop" in _read_toml(pyproject).get("tool", {}):
        path, raw = pyproject, _read_toml(pyproject)["tool"]["greenloop"]
        prefix = "tool.greenloop"
    else:
        raise ConfigError(
            f"no greenloop config in {repo}: neither {CONFIG_FILE} nor [tool.greenloop] in pyproject.toml",
            f"create {repo / CONFIG_FILE} with at least:\n      [test]\n      command = \"python -m pytest -q\"",
        )
    try:
        return Config.model_validate(raw), path
    except ValidationError as error:
        raise ConfigError(_describe(error, path, prefix),
                          "correct the key(s) named above; the README lists every key") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}", "fix the syntax at the line and column named") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None


def _describe(error: ValidationError, path: Path, prefix: str) -> str:
    lines = [f"{path}: invalid config"]
    for item in error.errors():
        loc = [p for p in item["loc"] if p not in ("function-after", "function-before")]
        key = _key(([prefix] if prefix else []) + loc) or "(top level)"
        if item["type"] == "extra_forbidden":
            known = _known_keys(loc[:-1])
            guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else f"; known keys here: {', '.join(known)}"
            lines.append(f"  {key}: unknown key{hint}")
        elif item["type"] == "missing":
            lines.append(f"  {key}: required key is missing")
        else:
            message = item["msg"].removeprefix("Value error, ")
            lines.append(f"  {key}: {message} (got {item.get('input')!r})" if loc else f"  {message}")
    return "\n".join(lines)


def _key(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _known_keys(loc: list[Any]) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation
        inner = getattr(annotation, "__args__", (annotation,))
        model = next((t for t in inner if isinstance(t, type) and issubclass(t, BaseModel)), model)
    return list(model.model_fields)
