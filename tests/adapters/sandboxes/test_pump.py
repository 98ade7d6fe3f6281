"""Service log pumps against real processes: services outlive whoever started them, logs stay stamped, redacted and
complete, and exit codes and signals come through as the service's own."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from greenloop.adapters.manifest import alive, start_time
from greenloop.adapters.processes import group_pending, stop_pid_group
from greenloop.adapters.sandboxes.logfile import read_log
from greenloop.adapters.sandboxes.services import ServiceProcess
from support import eventually as poll_until

eventually = functools.partial(poll_until, timeout=5.0, poll=0.02)

CANARY = "canary-5b1e07d9c3"
STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z ")
TICKING = 'i=0; while true; do echo "tick $i token=$MY_API_TOKEN"; i=$((i+1)); sleep 0.05; done'
TRAPS_TERM = "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 0.1; done"

STARTS_AND_LEAVES = """
import json, sys
from pathlib import Path
from greenloop.adapters.manifest import start_time
from greenloop.adapters.sandboxes.services import ServiceProcess

command, cwd, log, env = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4])
service = ServiceProcess(command, cwd, env, log)
print(json.dumps({"pid": service.pgid, "start": start_time(service.pgid)}))
"""


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Callable[[str], tuple[ServiceProcess, Path]]]:
    """Start services in tmp_path, each logging to a file of its own; stopped after the test whatever happens."""
    started: list[ServiceProcess] = []

    def start(command: str) -> tuple[ServiceProcess, Path]:
        log = tmp_path / f"service-{len(started)}.log"
        started.append(ServiceProcess(command, tmp_path, service_env(), log))
        return started[-1], log

    yield start
    for service in started:
        service.stop()


def service_env() -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "MY_API_TOKEN": CANARY}


def texts(log: Path) -> list[str]:
    return [line.text for line in read_log(log, "service")]


def test_a_service_outlives_the_process_that_started_it_and_keeps_logging(tmp_path):
    log = tmp_path / "ticking.log"
    started = subprocess.run(
        [sys.executable, "-c", STARTS_AND_LEAVES, TICKING, str(tmp_path), str(log), json.dumps(service_env())],
        capture_output=True, text=True, timeout=30, check=True,
    )
    recorded = json.loads(started.stdout)
    pid, start = recorded["pid"], recorded["start"]
    try:
        assert alive(pid, start)
        count = len(eventually(lambda: texts(log)))
        eventually(lambda: len(texts(log)) >= count + 5)  # still logging with its starter long gone

        lines = log.read_text().splitlines()
        assert all(STAMPED.match(line) for line in lines)
        assert all(line.endswith("token=[redacted]") for line in lines)
        assert CANARY not in log.read_text()
    finally:
        assert stop_pid_group(pid, start)

    assert not group_pending(pid)
    assert not alive(pid, start)
    assert not stop_pid_group(pid, start)  # already gone: nothing to do, nothing else touched


def test_stop_pid_group_leaves_a_process_alone_whose_start_time_differs(services):
    service, log = services(TRAPS_TERM)
    start = eventually(lambda: start_time(service.pgid))

    assert not stop_pid_group(service.pgid, start + 1)  # a recycled pid: someone else's process now
    assert service.exit_code() is None


def test_exit_code_is_the_services(services):
    service, log = services("echo about to fail; exit 3")

    assert eventually(lambda: service.exit_code() is not None)
    assert service.exit_code() == 3
    assert texts(log) == ["about to fail"]


def test_a_service_killed_by_a_signal_reads_as_killed_by_it(tmp_path, services):
    service, log = services(f"echo $$ > {tmp_path}/shell.pid; echo up; exec sleep 60")
    shell = int(eventually(lambda: (tmp_path / "shell.pid").is_file() and (tmp_path / "shell.pid").read_text()))
    eventually(lambda: texts(log) == ["up"])

    os.kill(shell, signal.SIGKILL)  # the service only, not its pump

    assert eventually(lambda: service.exit_code() is not None)
    assert service.exit_code() == -signal.SIGKILL


def test_sigterm_to_the_group_lets_the_service_log_its_last_words(services):
    service, log = services(TRAPS_TERM)
    eventually(lambda: "ready" in texts(log))
    began = time.monotonic()

    service.stop()

    assert time.monotonic() - began < 2.0  # ended by the SIGTERM, not killed after the grace period
    lines = texts(log)  # the shell may also report its `sleep` "Terminated" in between
    assert (lines[0], lines[-1]) == ("ready", "bye")
    assert service.exit_code() == 0
    assert not group_pending(service.pgid)


def test_sigterm_to_the_pump_alone_is_passed_on_to_the_service(services):
    service, log = services(TRAPS_TERM)
    eventually(lambda: "ready" in texts(log))

    os.kill(service.pgid, signal.SIGTERM)

    assert eventually(lambda: service.exit_code() is not None)
    assert service.exit_code() == 0
    assert texts(log) == ["ready", "bye"]
    assert eventually(lambda: not group_pending(service.pgid))


def test_lines_keep_carriage_returns_and_survive_bad_bytes(services):
    service, log = services(r"printf 'loading\r50%%\rdone\r\n\377ok\n'; printf 'no newline at the end'")

    assert eventually(lambda: service.exit_code() is not None) and service.exit_code() == 0
    assert texts(log) == ["loading\r50%\rdone", "\ufffdok", "no newline at the end"]


def test_a_restarted_service_appends_to_its_log(tmp_path):
    log = tmp_path / "again.log"
    for word in ("first", "second"):
        service = ServiceProcess(f"echo {word}", tmp_path, service_env(), log)
        eventually(lambda s=service: s.exit_code() is not None)
        service.stop()

    assert texts(log) == ["first", "second"]
