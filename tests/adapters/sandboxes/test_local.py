"""The local sandbox against real processes: ports, environment, health checks, logs, failures and teardown."""

from __future__ import annotations

import functools
import os
import re
import shlex
import socket
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from greenloop.adapters.protocols import Sandbox, SandboxProvider
from greenloop.adapters.processes import adopt_orphans as adopt_orphans_into_this_process
from greenloop.adapters.sandboxes.local import LocalSandboxProvider
from greenloop.loop.config import ServiceConfig
from greenloop.loop.errors import ServiceStartError
from support import eventually as poll_until

eventually = functools.partial(poll_until, timeout=3.0)

HTTP_SERVICE = """
import http.server, os, urllib.request

name, port = os.environ["SERVICE_NAME"], int(os.environ["PORT"])
no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            body = "ok"
        elif self.path == "/hello":
            body = "hello from " + name
        elif self.path == "/cwd":
            body = os.getcwd()
        elif self.path.startswith("/env/"):
            body = os.environ.get(self.path[len("/env/"):], "")
        elif self.path == "/via-a":
            body = name + " got: " + no_proxy.open(os.environ["A_URL"] + "/hello", timeout=5).read().decode()
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_request(self, code="-", size="-"):
        print("served", self.path, code)

    def log_message(self, *args):
        pass


print(name, "listening on", port, "pgid", os.getpgid(0))
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""

TCP_SERVICE = """
import os, socket

server = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
print("tcp ready")
while True:
    server.accept()[0].close()
"""

SLOW_FILE_SERVICE = """
import os, time

print("starting in", os.getcwd())
time.sleep(0.3)
open("ready", "w").close()
time.sleep(60)
"""

CRASHING_SERVICE = """
for step in range(25):
    print(f"boot step {step:02d}")
print("fatal: DATABASE_URL is not set")
raise SystemExit(3)
"""

FAMILY_SERVICE = """
import os, subprocess, sys, time

grandchild = subprocess.Popen([sys.executable, "-c", (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('grandchild up', flush=True); time.sleep(60)"
)])
with open("family.tmp", "w") as file:
    file.write(f"{os.getpgid(0)} {grandchild.pid}")
os.rename("family.tmp", "family.txt")
time.sleep(60)
"""

SCRIPTS = {
    "http_service.py": HTTP_SERVICE,
    "tcp_service.py": TCP_SERVICE,
    "slow_file_service.py": SLOW_FILE_SERVICE,
    "crashing_service.py": CRASHING_SERVICE,
    "family_service.py": FAMILY_SERVICE,
}

STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z ")


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir()
    for name, text in SCRIPTS.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def workspace(tmp_path: Path) -> SimpleNamespace:
    path = tmp_path / "workspace"
    path.mkdir()
    return SimpleNamespace(path=path, base_commit="0" * 40)


@pytest.fixture
def providers(tmp_path: Path) -> Iterator[Callable[..., LocalSandboxProvider]]:
    """Providers that are closed after the test whatever happens, so a failing test leaves no services behind."""
    made: list[LocalSandboxProvider] = []

    def make(services: list[ServiceConfig], **kwargs: Any) -> LocalSandboxProvider:
        made.append(LocalSandboxProvider(services, tmp_path / "run", **kwargs))
        return made[-1]

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def adopt_orphans() -> Iterator[None]:
    """Make this process a subreaper, so killed grandchildren are re-parented here and reaped by the sandbox.

    Otherwise they go to PID 1, and on hosts whose PID 1 never reaps (some containers and VMs) they stay zombies,
    which `killpg(pgid, 0)` still finds even though nothing runs.
    """
    adopt_orphans_into_this_process()
    yield
    adopt_orphans_into_this_process(False)


def python(scripts: Path, script: str) -> str:
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(scripts / script))}"


def http_service(scripts: Path, name: str, **fields: Any) -> ServiceConfig:
    return ServiceConfig.model_validate(
        {"name": name, "command": python(scripts, "http_service.py"), "health": "/healthz", **fields}
        | {"env": {"SERVICE_NAME": name, **fields.get("env", {})}}
    )


def get(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        return response.read().decode()


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def pgid_from_log(sandbox: Any, service: str) -> int:
    line = eventually(lambda: next((x.text for x in sandbox.logs() if x.service == service and "pgid" in x.text), None))
    return int(line.rsplit(" ", 1)[1])


def test_service_reaches_its_dependency_through_the_url_variable(scripts, workspace, providers):
    provider = providers(
        [
            http_service(scripts, "b", depends_on=["a"], url_env="B_URL", port_env="HTTP_PORT",
                         command=f"PORT=$HTTP_PORT {python(scripts, 'http_service.py')}"),
            http_service(scripts, "a", url_env="A_URL"),
        ],
        base_env={**os.environ, "FROM_BASE": "yes"},
    )
    assert isinstance(provider, SandboxProvider)

    before = time.time()
    sandbox = provider.create(workspace, "attempt-1")

    assert isinstance(sandbox, Sandbox)
    assert sandbox.id == "attempt-1"
    assert before <= sandbox.started_at <= time.time()
    endpoints = sandbox.endpoints()
    assert set(endpoints) == {"a", "b"} and endpoints["a"] != endpoints["b"]
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", url) for url in endpoints.values())
    assert sandbox.env() == {"A_URL": endpoints["a"], "B_URL": endpoints["b"]}

    assert get(endpoints["a"] + "/hello") == "hello from a"
    assert get(endpoints["b"] + "/via-a") == "b got: hello from a"
    assert get(endpoints["b"] + "/cwd") == str(workspace.path)
    assert get(endpoints["b"] + "/env/HTTP_PORT") == endpoints["b"].rsplit(":", 1)[1]
    assert get(endpoints["b"] + "/env/A_URL") == endpoints["a"]
    assert get(endpoints["b"] + "/env/PYTHONUNBUFFERED") == "1"
    assert get(endpoints["b"] + "/env/FROM_BASE") == "yes"
    # a started first: b was only started once a was healthy
    starts = [line.service for line in sandbox.logs() if "listening on" in line.text]
    assert starts == ["a", "b"]


def test_logs_are_timestamped_per_service_and_filtered_by_time(tmp_path, scripts, workspace, providers):
    provider = providers([http_service(scripts, "a"), http_service(scripts, "b")])
    sandbox = provider.create(workspace, "logs")

    paths = sandbox.log_paths()
    assert paths == {name: tmp_path / "run" / "sandboxes" / "logs" / f"{name}.log" for name in ("a", "b")}
    eventually(lambda: all(path.read_text() for path in paths.values()))
    for path in paths.values():
        assert all(STAMPED.match(line) for line in path.read_text().splitlines())
    assert "listening on" in paths["a"].read_text()

    since = time.time()
    get(sandbox.endpoints()["b"] + "/hello")
    recent = eventually(lambda: [line for line in sandbox.logs(since) if "/hello" in line.text])

    assert [(line.service, line.text) for line in recent] == [("b", "served /hello 200")]
    assert all(line.time >= since for line in sandbox.logs(since))
    assert not any("listening on" in line.text for line in sandbox.logs(since))
    everything = sandbox.logs()
    assert {line.service for line in everything} == {"a", "b"}
    assert [line.time for line in everything] == sorted(line.time for line in everything)
    assert any(line.text.startswith("a listening on") and line.time < since for line in everything)


def test_tcp_health_check(scripts, workspace, providers):
    service = ServiceConfig(name="tcp", command=python(scripts, "tcp_service.py"), health="tcp")
    sandbox = providers([service]).create(workspace, "tcp")

    port = int(sandbox.endpoints()["tcp"].rsplit(":", 1)[1])
    socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_command_health_check_runs_in_the_service_cwd_with_its_env(scripts, workspace, providers):
    (workspace.path / "svc").mkdir()
    service = ServiceConfig(
        name="files",
        command=python(scripts, "slow_file_service.py"),
        cwd="svc",
        env={"GREETING": "hi"},
        health={"command": 'test -f ready && test "$GREETING" = hi && test -n "$PORT"'},
    )
    sandbox = providers([service]).create(workspace, "files")

    assert (workspace.path / "svc" / "ready").exists()
    assert f"starting in {workspace.path / 'svc'}" in eventually(lambda: [x.text for x in sandbox.logs()])


def test_service_without_health_check_is_ready_once_it_stays_up(scripts, workspace, providers):
    service = ServiceConfig(name="quiet", command=python(scripts, "tcp_service.py"))
    sandbox = providers([service]).create(workspace, "quiet")

    assert sandbox.endpoints()["quiet"].startswith("http://127.0.0.1:")


def test_service_that_exits_fails_at_once_with_its_last_lines_and_stops_the_others(
    tmp_path, scripts, workspace, providers, adopt_orphans
):
    provider = providers(
        [
            http_service(scripts, "a"),
            ServiceConfig(name="crash", command=python(scripts, "crashing_service.py"), health="/healthz",
                          depends_on=["a"], start_timeout=30),
        ]
    )

    started = time.monotonic()
    with pytest.raises(ServiceStartError) as caught:
        provider.create(workspace, "crashy")

    assert time.monotonic() - started < 10
    error = caught.value
    log_path = tmp_path / "run" / "sandboxes" / "crashy" / "crash.log"
    assert "service 'crash'" in error.problem and "exited with code 3" in error.problem
    assert str(log_path) in error.problem
    assert "fatal: DATABASE_URL is not set" in error.problem
    assert "boot step 24" in error.problem and "boot step 06" in error.problem
    assert "boot step 05" not in error.problem  # only the last 20 lines
    assert "crashing_service.py" in error.fix and "$PORT" in error.fix and "/healthz" in error.fix
    a_log = log_path.with_name("a.log").read_text()
    pgid = int(re.search(r"pgid (\d+)", a_log).group(1))
    assert group_gone(pgid)


def test_service_that_never_gets_healthy_fails_after_its_start_timeout(scripts, workspace, providers):
    provider = providers([http_service(scripts, "stuck", health="/nope", start_timeout=1)])

    started = time.monotonic()
    with pytest.raises(ServiceStartError) as caught:
        provider.create(workspace, "stuck")

    assert 1 <= time.monotonic() - started < 5
    problem = caught.value.problem
    assert "service 'stuck'" in problem and "not healthy within 1 s" in problem
    assert "/nope answered 404" in problem
    assert "stuck listening on" in problem and "served /nope 404" in problem
    assert "start_timeout (now 1 s)" in caught.value.fix


def test_missing_cwd_is_a_start_error(scripts, workspace, providers):
    service = ServiceConfig(name="lost", command="true", cwd="does-not-exist")

    with pytest.raises(ServiceStartError, match="service 'lost' in sandbox 'lost' could not be started from"):
        providers([service]).create(workspace, "lost")


def test_destroy_stops_the_whole_group_including_grandchildren(scripts, workspace, providers, adopt_orphans):
    service = ServiceConfig(name="family", command=python(scripts, "family_service.py"),
                            health={"command": "test -f family.txt"})
    sandbox = providers([service]).create(workspace, "family")
    pgid, grandchild = map(int, (workspace.path / "family.txt").read_text().split())
    eventually(lambda: any(line.text == "grandchild up" for line in sandbox.logs()))

    sandbox.destroy()  # the grandchild ignores SIGTERM: this also covers the SIGKILL after the grace period

    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)
    with pytest.raises(ProcessLookupError):
        os.kill(grandchild, 0)
    sandbox.destroy()  # idempotent


def test_close_stops_every_sandbox_and_sandboxes_run_side_by_side(tmp_path, scripts, providers, adopt_orphans):
    provider = providers([http_service(scripts, "a", url_env="A_URL")])
    sandboxes = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        sandboxes.append(provider.create(SimpleNamespace(path=tmp_path / name, base_commit="0" * 40), name))
    one, two = sandboxes

    assert one.env() != two.env()
    assert get(one.endpoints()["a"] + "/cwd") == str(tmp_path / "one")
    assert get(two.endpoints()["a"] + "/cwd") == str(tmp_path / "two")
    pgids = [pgid_from_log(sandbox, "a") for sandbox in sandboxes]
    one.destroy()

    provider.close()
    provider.close()

    for pgid in pgids:
        with pytest.raises(ProcessLookupError):
            os.killpg(pgid, 0)
    two.destroy()



def test_a_port_another_process_took_first_is_never_mistaken_for_the_service(scripts, workspace, tmp_path):
    import http.server
    import threading

    from greenloop.adapters.sandboxes.group import ServiceGroup

    class Impostor(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"impostor")

        def log_message(self, *args):
            pass

    impostor = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Impostor)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    taken = impostor.server_address[1]
    service = ServiceConfig(name="a", command=f"{shlex.quote(sys.executable)} {scripts / 'http_service.py'}",
                            health="/healthz", env={"SERVICE_NAME": "a"})
    group = ServiceGroup("sandbox 't'", workspace.path, tmp_path / "logs", dict(os.environ))
    try:
        port = group.start(service, taken, service.env)  # the impostor answers /healthz on `taken` at once
        assert port != taken
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                f"http://127.0.0.1:{port}/hello", timeout=5) as answer:
            assert answer.read() == b"hello from a"
    finally:
        group.close()
        impostor.shutdown()
