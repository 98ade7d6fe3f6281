"""Shell commands in a process group of their own, and stopping a whole group: one implementation for services,
setup and test commands, so nothing any of them spawns outlives its owner."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from greenloop.adapters.manifest import RUN_ENV, Manifest, alive, proc_stat

STOP_GRACE = 3.0
"""Seconds a group gets to exit after SIGTERM before it is killed."""
KILL_WAIT = 1.0
"""Seconds to wait for a killed group to disappear."""
_POLL = 0.02


def spawn(command: str, cwd: Path, env: Mapping[str, str], stdout: int | IO[bytes],
          manifest: Manifest | None = None, label: str = "") -> subprocess.Popen[bytes]:
    """`/bin/sh -c command` as the leader of a new session (and so of a new process group), stdin closed;
    recorded in the run's manifest before and after it starts, so a later greenloop can reap it."""
    return start(["/bin/sh", "-c", command], cwd, env, manifest, label or command,
                 stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT)


def start(argv: list[str], cwd: Path, env: Mapping[str, str], manifest: Manifest | None, label: str,
          **streams: Any) -> subprocess.Popen[bytes]:
    """`argv` as the leader of a new session, with the given `stdin`/`stdout`/`stderr`; recorded in the manifest
    like `spawn`'s shell."""
    env = dict(env)
    if manifest:
        manifest.spawning(label, cwd)
        env[RUN_ENV] = manifest.run_id
    process = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True, **streams)
    if manifest:
        manifest.spawned(process.pid, label)
    return process


def run_to_file(command: str, cwd: Path, env: Mapping[str, str], output: Path, timeout: float,
                manifest: Manifest | None = None, label: str = "") -> tuple[int | None, float]:
    """Run a command with its output in `output`: (exit code, or None when stopped at the timeout; seconds).

    Output goes to a file, not a pipe, so huge output cannot deadlock us. The group is stopped afterwards in every
    case — normal exit, timeout, Ctrl-C — so background processes the command left behind go too.
    """
    started = time.monotonic()
    with output.open("wb") as sink:
        process = spawn(command, cwd, env, sink, manifest, label)
    try:
        code: int | None = process.wait(timeout)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        stop_group(process)
    return code, time.monotonic() - started


def run_command(command: str, cwd: Path, env: Mapping[str, str], timeout: float) -> tuple[int | None, str]:
    """A short command (a health probe): (exit code, or None at the timeout; its output)."""
    with tempfile.TemporaryDirectory(prefix="greenloop-cmd-") as scratch:
        output = Path(scratch) / "output"
        code, _ = run_to_file(command, cwd, env, output, timeout)
        return code, output.read_text(encoding="utf-8", errors="replace")


def stop_group(process: subprocess.Popen[bytes], grace: float = STOP_GRACE) -> None:
    """SIGTERM the process's whole group, SIGKILL it after `grace` seconds, reap what is ours."""
    group = process.pid  # start_new_session made it its group's leader
    signal_group(group, signal.SIGTERM)
    if not _wait_for_group(process, group, grace):
        signal_group(group, signal.SIGKILL)
        _wait_for_group(process, group, KILL_WAIT)  # a killed process is gone only once it is scheduled
    process.wait()


def stop_pid_group(pid: int, start: int | None, grace: float = STOP_GRACE) -> bool:
    """`stop_group` for a group whose leader another process started (a service left running by an earlier greenloop
    command), known by the leader's pid and start time as the manifest records them; whether it was still running.

    A pid whose process is gone, or has since been given to another one, is left alone."""
    try:
        leads = alive(pid, start) and os.getpgid(pid) == pid and pid != os.getpgrp()
    except ProcessLookupError:  # ended meanwhile
        leads = False
    if not leads:
        return False
    stop_group_of(pid, grace)
    return True


def stop_group_of(group: int, grace: float = STOP_GRACE) -> None:
    """`stop_group` for a group known by its id alone. The caller vouches that the id still names the group it
    means: its leader runs, or is a zombie nobody has reaped yet (until then the kernel gives its pid to no one)."""
    signal_group(group, signal.SIGTERM)
    if not _wait_for_pid_group(group, grace):
        signal_group(group, signal.SIGKILL)
        _wait_for_pid_group(group, KILL_WAIT)


def _wait_for_pid_group(group: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        _reap_adopted(group)  # the leader too, if it was re-parented to us
        if not group_pending(group):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)


def signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(group, signum)


def _wait_for_group(process: subprocess.Popen[bytes], group: int, timeout: float) -> bool:
    """Whether every process of the group ended within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:  # reap the leader through Popen first, so it keeps the exit code
            _reap_adopted(group)
        if not group_pending(group):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)


def _reap_adopted(group: int) -> None:
    """Reap group members re-parented to us (when we are PID 1 or a subreaper); anyone else's are not ours."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-group, os.WNOHANG)[0]:
            pass


def group_pending(group: int) -> bool:
    """Whether a process of the group still runs, or is dead but ours to reap.

    Other zombies do not count: an orphan's zombie stays in the group until PID 1 reaps it, which some container
    inits do late or never.
    """
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True  # without /proc a zombie cannot be told apart; the group exists
    for entry in proc.glob("[0-9]*"):
        fields = proc_stat(entry.name)
        if not fields:
            continue  # ended while we looked
        state, parent, pgrp = fields[:3]
        if int(pgrp) == group and (state not in ("Z", "X") or int(parent) == os.getpid()):
            return True
    return False


def adopt_orphans(enabled: bool = True) -> None:
    """Make this process a child subreaper (Linux): processes orphaned by a stopped group are re-parented to us,
    and `stop_group` reaps them. Otherwise they go to PID 1, and where PID 1 never reaps (some containers) they
    stay zombies in their group forever. Elsewhere this does nothing."""
    if sys.platform != "linux":
        return
    pr_set_child_subreaper = 36
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, int(enabled), 0, 0, 0)
