"""A TestRunner that runs a plain pytest command in a fork of a warm server: tens of milliseconds of overhead per
test run instead of most of a second of imports, which is what bounds how many candidates a model can screen.

Everything but the execution is `CommandTestRunner`'s: the same environment, PYTEST_ADDOPTS, selection plugin,
timeouts, output and JUnit files, the same report. Only a plain pytest command (`plain_pytest.py`) runs warm; any
other runs cold, exactly as written. The server (`warm_server.py`) runs under the very Python the shell would run,
one per (interpreter, start-up environment): variables a Python reads only when it starts (every `PYTHON*` but
PYTHONPATH — PYTHONHASHSEED, PYTHONDONTWRITEBYTECODE, PYTHONWARNINGS, … — the locale, HOME, and those .pth files
or pytest read before any test runs) pick the server, so each child starts as a fresh interpreter would have.
Concurrent test runs (parallel lanes) each get a server of their own.

A server that cannot start, refuses (pytest missing, threads at fork time), or dies mid-run never fails a run: that
run goes cold, with a note, and after a few failures its key stays cold. Servers are recorded in the run's manifest
and stopped by `close()`.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from greenloop.adapters.manifest import RUN_ENV, Manifest
from greenloop.adapters.runners.command import CommandTestRunner
from greenloop.adapters.runners.plain_pytest import PytestCall, parse, resolve
from greenloop.adapters.runners.warm_client import SERVER_FILE, Broken, Declined, Refused, WarmServer
from greenloop.loop.config import TestConfig
from greenloop.loop.files import write_atomic

MAX_FAILURES = 3
"""Servers of one key that may fail to start or die before that key runs cold for the rest of the run."""
_START_UP = frozenset({"LANG", "LC_ALL", "LC_CTYPE", "HOME", "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
                       "COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG", "SETUPTOOLS_USE_DISTUTILS"})


class _NotWarm(Exception):
    """Why this test run runs cold."""


class WarmTestRunner(CommandTestRunner):
    """`CommandTestRunner` whose plain pytest commands run in a fork of a warm server; `notify` gets a line when a
    run goes cold for a reason other than the command."""

    def __init__(self, config: TestConfig, base_env: Mapping[str, str] | None = None,
                 manifest: Manifest | None = None, notify: Callable[[str], None] | None = None):
        super().__init__(config, base_env, manifest)
        self.notify = notify or (lambda note: None)
        self._call = parse(config.command) if config.warm is not False else "[test] warm = false"
        self._lock = threading.Lock()
        self._idle: dict[tuple, list[WarmServer]] = collections.defaultdict(list)
        self._servers: set[WarmServer] = set()
        self._failures: collections.Counter[tuple] = collections.Counter()
        self._given_up: dict[tuple, str] = {}
        self._noted: set[str] = set()
        self._written: set[Path] = set()
        self._closed = False

    def close(self) -> None:
        """Stop every server (a later run goes cold); safe to call twice."""
        with self._lock:
            self._closed = True
            servers, self._servers = list(self._servers), set()
            self._idle.clear()
        for server in servers:
            server.stop()

    def _execute(self, cwd: Path, env: dict[str, str], output: Path, limit: float,
                 label: str) -> tuple[int | None, float]:
        started = time.monotonic()
        deadline = started + limit
        if not isinstance(self._call, PytestCall):
            return super()._execute(cwd, env, output, limit, label)
        run_env = {**env, **self._call.assignments}
        interpreter = resolve(self._call, str(cwd), run_env)
        if isinstance(interpreter, str):
            if self.config.warm is True:
                self._note(f"[test] warm = true, but this test run went cold: {interpreter}")
            return super()._execute(cwd, env, output, limit, label)
        run_env["PWD"] = _shell_pwd(run_env.get("PWD"), cwd)
        if self.manifest:
            run_env[RUN_ENV] = self.manifest.run_id  # as `spawn` gives it to a cold run: leftovers are found by it
        request = {"cwd": str(cwd), "env": run_env, "output": str(output), "script": interpreter.script,
                   "args": self._call.args, "orig_argv": interpreter.orig_argv}
        key = (interpreter.python, tuple(sorted((k, v) for k, v in run_env.items() if _at_start_up(k))))
        try:
            code = self._run_warm(key, request, output.parent / "_greenloop_warm", deadline)
        except _NotWarm as why:
            self._note(str(why))
            code, _ = super()._execute(cwd, env, output, max(deadline - time.monotonic(), 0.0), label)
        return code, time.monotonic() - started

    def _run_warm(self, key: tuple, request: dict[str, Any], folder: Path, deadline: float) -> int | None:
        server = self._checkout(key, request["env"], folder, deadline)
        try:
            code = server.run(request, deadline)
        except Declined as why:
            self._checkin(key, server)
            raise _NotWarm(f"this test run went cold: {why}") from None
        except Broken as why:
            self._discard(key, server)
            raise _NotWarm(f"the warm pytest server for {key[0]} broke off ({why}); this test run went cold, see "
                           f"{folder / 'server.log'}") from None
        except BaseException:  # Ctrl-C: the child's group is stopped; where the server was in its protocol is not known
            self._discard(key, server, failed=False)
            raise
        self._checkin(key, server)
        return code

    def _checkout(self, key: tuple, env: dict[str, str], folder: Path, deadline: float) -> WarmServer:
        """An idle server of this key, or a new one."""
        with self._lock:
            if self._closed:
                raise _NotWarm("the test runner is closed; this test run went cold")
            if key in self._given_up:
                raise _NotWarm(self._given_up[key])
            while self._idle[key]:
                server = self._idle[key].pop()
                if server.alive():
                    return server
                self._servers.discard(server)
                server.stop()
            if folder not in self._written:  # once, before any server of this runner reads it
                write_atomic(folder / SERVER_FILE, Path(__file__).with_name("warm_server.py").read_text())
                self._written.add(folder)
        server_env = {k: v for k, v in env.items() if k not in ("PYTHONPATH", RUN_ENV)}  # PYTHONPATH: per child
        try:
            server = WarmServer.start(key[0], server_env, folder, self.manifest, deadline)
        except Refused as why:
            with self._lock:
                self._given_up[key] = f"no warm pytest server for {key[0]}: {why}; its test runs go cold"
            raise _NotWarm(self._given_up[key]) from None
        except Broken as why:
            if time.monotonic() < deadline:  # not the run's own limit cutting the start short
                self._failed(key)
            raise _NotWarm(f"the warm pytest server for {key[0]} did not start ({why}); this test run went cold, "
                           f"see {folder / 'server.log'}") from None
        with self._lock:
            if not self._closed:
                self._servers.add(server)
                return server
        server.stop()
        raise _NotWarm("the test runner is closed; this test run went cold")

    def _checkin(self, key: tuple, server: WarmServer) -> None:
        with self._lock:
            if server in self._servers:
                self._idle[key].append(server)
                return
        server.stop()  # closed meanwhile

    def _discard(self, key: tuple, server: WarmServer, failed: bool = True) -> None:
        with self._lock:
            self._servers.discard(server)
        server.stop()
        if failed:
            self._failed(key)

    def _failed(self, key: tuple) -> None:
        with self._lock:
            self._failures[key] += 1
            if self._failures[key] >= MAX_FAILURES:
                self._given_up[key] = (f"the warm pytest server for {key[0]} failed {MAX_FAILURES} times; its test "
                                       "runs go cold")

    def _note(self, note: str) -> None:
        with self._lock:
            if note in self._noted:
                return
            self._noted.add(note)
        self.notify(note)


def _shell_pwd(inherited: str | None, cwd: Path) -> str:
    """PWD as /bin/sh exports it: the inherited one when it names the working directory, else the physical path."""
    try:
        if inherited and os.path.isabs(inherited) and os.path.samefile(inherited, cwd):
            return inherited
    except OSError:
        pass
    return os.path.realpath(cwd)


def _at_start_up(name: str) -> bool:
    """Whether a variable takes effect when a Python starts (or when the server imports pytest's plugins)."""
    return name in _START_UP or (name.startswith("PYTHON") and name != "PYTHONPATH")
