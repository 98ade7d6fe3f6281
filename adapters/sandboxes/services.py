"""Service processes for sandboxes: each leads its own process group, its output copied line by line to its log."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from greenloop.adapters.manifest import Manifest
from greenloop.adapters.processes import spawn, stop_group
from greenloop.adapters.sandboxes.logfile import stamp
from greenloop.loop.redact import redact, secret_values

READER_JOIN = 1.0
"""A process that left the group can hold the pipe open forever; its reader is not waited on longer."""


def free_ports(count: int) -> list[int]:
    """Ports free right now on 127.0.0.1; all held open together so they differ from each other."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


class ServiceProcess:
    """A service's shell, leading its own process group, and the thread copying its output into its log."""

    def __init__(self, command: str, cwd: Path, env: Mapping[str, str], log_path: Path,
                 manifest: Manifest | None = None, label: str = ""):
        log = log_path.open("a", encoding="utf-8")  # a restarted service keeps its earlier lines
        try:
            self._popen = spawn(command, cwd, env, subprocess.PIPE, manifest, label)
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
        """Stop the whole group, then finish the log."""
        stop_group(self._popen)
        self._reader.join(READER_JOIN)


def _copy_lines(pipe: IO[bytes], log: IO[str]) -> None:
    secrets = secret_values()  # a service given a secret through [env] allow must not print it into our files
    with pipe, log:
        for raw in pipe:
            log.write(stamp(redact(raw.decode("utf-8", "replace").rstrip("\r\n"), secrets)))
            log.flush()
