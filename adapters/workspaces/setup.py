"""The `[setup]` step: once per workspace, before its services start and its tests run."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from greenloop.adapters.manifest import Manifest
from greenloop.adapters.processes import run_to_file
from greenloop.adapters.protocols import Workspace
from greenloop.loop.config import SetupConfig
from greenloop.loop.errors import SetupError

TAIL_LINES = 30


def run_setup(config: SetupConfig, workspace: Workspace, log_path: Path, env: Mapping[str, str],
              timeout: float | None = None, manifest: Manifest | None = None) -> None:
    """Run the setup command (if any) with its output in `log_path`, for at most `timeout` seconds (and never
    longer than `[setup] timeout`); raise `SetupError` when it fails."""
    if not config.command:
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    limit = min(config.timeout, timeout) if timeout is not None else config.timeout
    code, _ = run_to_file(config.command, workspace.path, env, log_path, limit, manifest, "setup")
    if code is None:
        raise SetupError(f"[setup] command timed out after {limit:g}s: {config.command}",
                         f"see {log_path}; raise [setup] timeout or make the step faster")
    if code != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-TAIL_LINES:])
        raise SetupError(f"[setup] command failed with exit code {code} in {workspace.path}: {config.command}\n"
                         f"--- last lines of {log_path} ---\n{tail}",
                         "fix the command in greenloop.toml [setup], or run it by hand in a clean clone")
