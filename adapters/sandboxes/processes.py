"""Local processes for sandboxes: each in its own process group, so stopping one stops all it spawned."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from greenloop.adapters.sandboxes.logfile import stamp

STOP_GRACE = 3.0
"""Seconds a group gets to exit after SIGTERM before it is killed."""
KILL_WAIT = 1.0
"""Seconds to wait for a killed group to disappear."""
READER_JOIN = 1.0
"""A process that left the group can hold the pipe open forever; its reader is not waited on longer."""
_POLL = 0.05


def free_ports(count: int) -> list[int]:
    """Ports free right now on 127.0.0.1; all held open together so they differ from each other."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


class ServiceProcess:
    """A service's shell, leading its own process group, and the thread copying its output into its log."""

    def __init__(self, command: str, cwd: Path, env: Mapping[str, str], log_path: Path):
        log = log_path.open("w", encoding="utf-8")
        try:
            self._popen = subprocess.Popen(
                ["/bin/sh", "-c", command],
                cwd=cwd,
                env=dict(env),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        except BaseException:
            log.close()
            raise
        self.pgid = self._popen.pid  # a new session's first process leads its group
        assert self._popen.stdout is not None
        self._reader = threading.Thread(
            target=_copy_lines, args=(self._popen.stdout, log), name=f"greenloop-log-{log_path.stem}", daemon=True
        )
        self._reader.start()

    def exit_code(self) -> int | None:
        """The shell's exit code once it has exited (negative: killed by that signal), else None."""
        return self._popen.poll()

    def stop(self) -> None:
        """SIGTERM the whole group, SIGKILL it after a grace period, reap what is ours, finish the log."""
        _signal_group(self.pgid, signal.SIGTERM)
        if not self._wait_for_group(STOP_GRACE):
            _signal_group(self.pgid, signal.SIGKILL)
            self._wait_for_group(KILL_WAIT)
        self._popen.wait()
        self._reader.join(READER_JOIN)

    def _wait_for_group(self, timeout: float) -> bool:
        """Whether every process of the group ended within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if self._popen.poll() is not None:  # reap the leader through Popen first, so it keeps the exit code
                _reap_adopted(self.pgid)
            if not _group_pending(self.pgid):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL)


def run_command(command: str, cwd: Path, env: Mapping[str, str], timeout: float) -> tuple[int | None, str]:
    """Run a short shell command in its own group: (exit code, or None when killed at the timeout; its output)."""
    with subprocess.Popen(
        ["/bin/sh", "-c", command],
        cwd=cwd,
        env=dict(env),
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as popen:
        try:
            output, _ = popen.communicate(timeout=timeout)
            code: int | None = popen.returncode
        except subprocess.TimeoutExpired:
            _signal_group(popen.pid, signal.SIGKILL)
            output, _ = popen.communicate()
            code = None
    return code, output.decode("utf-8", "replace")


def _copy_lines(pipe: IO[bytes], log: IO[str]) -> None:
    with pipe, log:
        for raw in pipe:
            log.write(stamp(raw.decode("utf-8", "replace").rstrip("\r\n")))
            log.flush()


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(pgid, signum)


def _reap_adopted(pgid: int) -> None:
    """Reap group members re-parented to us (when we are PID 1 or a subreaper); anyone else's are not ours."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-pgid, os.WNOHANG)[0]:
            pass


def _group_pending(pgid: int) -> bool:
    """Whether a process of the group still runs, or is dead but ours to reap.

    Other zombies do not count: their reaper is someone else, and some PID 1s never reap.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    proc = Path("/proc")
    if not proc.is_dir():
        return True  # without /proc a zombie cannot be told apart; the group exists
    for stat in proc.glob("[0-9]*/stat"):
        try:
            state, parent, group = stat.read_text().rpartition(")")[2].split()[:3]
        except OSError:
            continue  # ended while we looked
        if int(group) == pgid and (state not in ("Z", "X") or int(parent) == os.getpid()):
            return True
    return False
