"""Service processes for sandboxes: each leads its own process group under its log pump, which copies its output
line by line to its log (`pump.py`) and lets it outlive the greenloop command that started it."""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from greenloop.adapters.bytecode import drop_stale_bytecode
from greenloop.adapters.manifest import Manifest
from greenloop.adapters.processes import spawn, stop_group

PUMP = "greenloop.adapters.sandboxes.pump"


def listener_group(port: int) -> int | None:
    """The process group of whoever listens on TCP `port` now (Linux /proc), or None when nobody does.

    A port is chosen free and only bound later by the service, so another process can take it meanwhile; its
    answers must never pass for the service's own."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rpartition(":")[2], 16) == port:  # 0A: LISTEN
                    inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                return os.getpgid(int(proc.name))
    return None


def free_ports(count: int) -> list[int]:
    """Ports free right now on 127.0.0.1; all held open together so they differ from each other."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


class ServiceProcess:
    """A service: its pump, leading its own process group, and under it the service's shell, whose output the pump
    copies into the log. Nothing of it lives in our process, so dropping this handle, or exiting, leaves it running;
    another process stops it with `processes.stop_pid_group(pid, start)` as the manifest recorded them."""

    def __init__(self, command: str, cwd: Path, env: Mapping[str, str], log_path: Path,
                 manifest: Manifest | None = None, label: str = ""):
        log_path = log_path.absolute()  # the pump runs in the service's folder
        log_path.open("a").close()  # there at once for `tail -f`; a restarted service keeps its earlier lines
        # -P: the service's folder is not put on the pump's sys.path, where it could shadow our modules.
        # exec: the pump is the process spawned, so it leads the group and its exit is the service's.
        pump = [sys.executable, "-P", "-m", PUMP, "--log", str(log_path), "--", "/bin/sh", "-c", command]
        drop_stale_bytecode(Path(cwd))  # a service restarted on an edit made within the second must run the edit
        self._popen = spawn(f"exec {shlex.join(pump)}", cwd, env, subprocess.DEVNULL, manifest, label or command)
        self.pgid = self._popen.pid  # a new session's first process leads its group

    def exit_code(self) -> int | None:
        """The service's exit code once it has exited (negative: killed by that signal), else None.

        The pump's, which ends as its child does, once the output is copied."""
        return self._popen.poll()

    def stop(self) -> None:
        """Stop the whole group; the pump copies the service's last lines before it goes."""
        stop_group(self._popen)
