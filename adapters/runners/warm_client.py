"""The greenloop end of a warm pytest server (`warm_server.py`): start one, hand it a test run, stop it.

One JSON object a line each way over the server's stdin and stdout. The server's reports are read with a deadline,
so a server that hangs is as good as one that exited: `Broken`, and it is stopped. A child's process group is
stopped after every run, at its deadline, and on Ctrl-C, while the server still holds the child's pid (it reaps
it only on the next line), so the group id cannot name anyone else's processes.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

from greenloop.adapters.manifest import Manifest, proc_stat
from greenloop.adapters.processes import KILL_WAIT, STOP_GRACE, start, stop_group, stop_group_of

STARTUP_TIMEOUT = 30.0
"""Seconds a server may take to import pytest and its plugins (within the run's own limit)."""
SERVER_FILE = "greenloop_warm_server.py"
_FORK_WAIT = 5.0  # seconds a fork may take to report, even when the run's limit has already passed


class Broken(Exception):
    """The server did not keep to its protocol (exited, said nothing, said nonsense)."""


class Declined(Exception):
    """The server cannot run this request warm (a module of the workspace would shadow one it imported)."""


class Refused(Exception):
    """The server cannot serve at all under this interpreter."""


class WarmServer:
    """One running server and the client's end of its protocol (see `warm_server.py`)."""

    def __init__(self, process: subprocess.Popen[bytes]):
        self.process = process
        self._buffer = b""
        self._poll = select.poll()
        self._poll.register(process.stdout.fileno(), select.POLLIN)

    @classmethod
    def start(cls, python: str, env: dict[str, str], folder: Path, manifest: Manifest | None,
              deadline: float) -> WarmServer:
        """`folder/SERVER_FILE` run by `python` in `folder` (its log there too), once it says it is ready."""
        with (folder / "server.log").open("ab") as log:
            process = start([python, str(folder / SERVER_FILE)], folder, env, manifest, f"warm pytest server {python}",
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        server = cls(process)
        try:
            try:
                message = server._receive(min(deadline, time.monotonic() + STARTUP_TIMEOUT))
            except TimeoutError:
                raise Broken("it was not ready in time") from None
            if "refused" in message:
                raise Refused(message["refused"])
        except BaseException:
            server.stop()
            raise
        return server

    def alive(self) -> bool:
        return self.process.poll() is None

    def run(self, request: dict[str, Any], deadline: float) -> int | None:
        """The child's exit code as `/bin/sh -c` would report it (128 + N for signal N), or None when it was stopped
        at the deadline. Its whole process group is stopped in every case."""
        self._send({"run": request})
        try:
            message = self._receive(max(deadline, time.monotonic() + _FORK_WAIT))
        except TimeoutError:
            raise Broken("it did not fork") from None
        if "cold" in message:
            raise Declined(message["cold"])
        pid = message.get("pid")
        if pid is None:
            raise Broken(f"it said {message!r} before the child's pid")
        try:
            code = self._receive(deadline)["status"]
        except TimeoutError:
            code = None
        finally:
            stop_group_of(pid)  # at the limit, after the run, or on Ctrl-C: nothing the tests started outlives it
        if code is None:
            try:
                self._receive(time.monotonic() + STOP_GRACE + KILL_WAIT + _FORK_WAIT)  # the stopped child's status
            except TimeoutError:
                raise Broken("it did not see its child stop") from None
        self._send({"reap": pid})
        return code if code is None or code >= 0 else 128 - code

    def stop(self) -> None:
        """The run it was serving, if any, then the server; safe to call twice."""
        if self.process.poll() is None:  # not reaped yet, so its pid is still its own
            for child in _children(self.process.pid):  # stopped while the server holds their pids
                stop_group_of(child)
            self.process.stdin.close()  # so it reaps its child and exits
            try:
                self.process.wait(KILL_WAIT)
            except subprocess.TimeoutExpired:
                stop_group(self.process)
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()

    def _send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.process.stdin.fileno(), data):]
        except (BrokenPipeError, ValueError) as error:  # ValueError: closed by stop()
            raise Broken(f"it stopped reading: {error}") from None

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self._poll.poll(left * 1000):
                raise TimeoutError
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise Broken("it exited")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError:
            raise Broken(f"it said {line[:200]!r}") from None


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        fields = proc_stat(entry.name)
        if fields and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found
