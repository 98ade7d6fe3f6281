"""The `[setup]` step: once per workspace, before its services start and its tests run."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path

from greenloop.adapters.protocols import Workspace
from greenloop.loop.config import SetupConfig
from greenloop.loop.errors import SetupError

TAIL_LINES = 30


def run_setup(config: SetupConfig, workspace: Workspace, log_path: Path, env: Mapping[str, str]) -> None:
    """Run the setup command (if any) with its output in `log_path`; raise `SetupError` when it fails."""
    if not config.command:
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(["/bin/sh", "-c", config.command], cwd=workspace.path, env=dict(env),
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            code = process.wait(timeout=config.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise SetupError(f"[setup] command timed out after {config.timeout:g}s: {config.command}",
                             f"see {log_path}; raise [setup] timeout or make the step faster") from None
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
    if code != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-TAIL_LINES:])
        raise SetupError(f"[setup] command failed with exit code {code} in {workspace.path}: {config.command}\n"
                         f"--- last lines of {log_path} ---\n{tail}",
                         "fix the command in greenloop.toml [setup], or run it by hand in a clean clone")
